//! What Ruby gems need from the image: which compile a C extension when bundler installs them,
//! and which system libraries they link or load. Data as of 2026-12-06, from the gems' own
//! `extconf.rb`/FFI bindings and from what the official `ruby` images ship: the full image is
//! `buildpack-deps` (compilers and the -dev packages of the libraries below), the slim one keeps
//! only Ruby's own libraries (libffi, gmp, OpenSSL, libyaml, zlib, readline). A gem that builds on
//! the full image and is not listed in `GEM_SYSTEM_LIBRARIES` links nothing the slim image lacks.

/// Gems with a C extension that bundler compiles when the lock gives no precompiled platform
/// (`nokogiri (1.16.0-x86_64-linux)` is precompiled, `nokogiri (1.16.0)` compiles).
pub const GEMS_WITH_C_EXTENSIONS: &[&str] = &[
    "bcrypt",
    "bigdecimal",
    "bootsnap",
    "byebug",
    "charlock_holmes",
    "curb",
    "date",
    "debug",
    "digest-crc",
    "eventmachine",
    "ffi",
    "google-protobuf",
    "grpc",
    "hiredis",
    "http_parser.rb",
    "io-console",
    "json",
    "kgio",
    "libv8",
    "libv8-node",
    "libxml-ruby",
    "mini_racer",
    "msgpack",
    "mysql2",
    "nio4r",
    "nokogiri",
    "oj",
    "pg",
    "psych",
    "puma",
    "racc",
    "raindrops",
    "redcarpet",
    "rmagick",
    "ruby-prof",
    "sassc",
    "sqlite3",
    "strscan",
    "therubyracer",
    "thin",
    "unf_ext",
    "unicorn",
    "websocket-driver",
    "yajl-ruby",
];

/// Gems that link (or load through FFI) a library of the full image that the slim image lacks,
/// with the Debian -dev package that provides it: the runtime needs that package's runtime
/// libraries (looked up per release in the runtime package table).
pub const GEM_SYSTEM_LIBRARIES: &[(&str, &str)] = &[
    ("pg", "libpq-dev"),
    ("mysql2", "default-libmysqlclient-dev"),
    ("sqlite3", "libsqlite3-dev"),
    ("rmagick", "libmagickwand-dev"),
    ("curb", "libcurl4-openssl-dev"),
    ("ethon", "libcurl4-openssl-dev"),
    ("libxml-ruby", "libxml2-dev"),
    ("charlock_holmes", "libicu-dev"),
];

/// Where a locked gem comes from: its section of the `Gemfile.lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GemSource {
    /// A gem server (`GEM`): bundler installs the gem and compiles its extension.
    Server,
    /// A git repository (`GIT`): checked out, its extension compiled too.
    Git,
    /// A folder of the project (`PATH`): bundler does not compile its extension (the
    /// Gemfile man page says so).
    Path,
}

/// A gem a `Gemfile.lock` installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedGem {
    pub name: String,
    /// `x86_64-linux` for a precompiled gem; `None` for `ruby`, compiled on install.
    pub platform: Option<String>,
    pub source: GemSource,
}

/// The gems a `Gemfile.lock` installs: the four-space entries of its `GEM`, `GIT` and `PATH`
/// sections.
pub fn locked_gems(lock: &str) -> Vec<LockedGem> {
    let mut source = None;
    let mut out = Vec::new();
    for line in lock.lines() {
        if !line.starts_with(' ') {
            source = match line.trim_end() {
                "GEM" => Some(GemSource::Server),
                "GIT" => Some(GemSource::Git),
                "PATH" => Some(GemSource::Path),
                _ => None,
            };
            continue;
        }
        let Some(source) = source else { continue };
        if !line.starts_with("    ") || line.starts_with("     ") {
            continue;
        }
        let Some((name, version)) = line.trim().split_once(" (") else {
            continue;
        };
        let Some(version) = version.strip_suffix(')') else {
            continue;
        };
        // `1.16.0-x86_64-linux`: a version, then the platform of a precompiled gem (a
        // prerelease is written `7.1.0.rc1`, with no dash).
        let platform = version.split_once('-').map(|(_, p)| p.to_string());
        out.push(LockedGem {
            name: name.to_string(),
            platform,
            source,
        });
    }
    out
}

/// The first gem of the lock whose C extension bundler compiles on install.
pub fn compiled_gem(lock: &str) -> Option<String> {
    locked_gems(lock)
        .into_iter()
        .find(|g| {
            g.platform.is_none()
                && g.source != GemSource::Path
                && GEMS_WITH_C_EXTENSIONS.contains(&g.name.as_str())
        })
        .map(|g| g.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "GEM\n  remote: https://rubygems.org/\n  specs:\n    nio4r (2.7.0)\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    pg (1.5.4)\n    rack (3.0.8)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n  pg\n\nBUNDLED WITH\n   2.4.10\n";

    #[test]
    fn reads_the_locked_gems_and_their_platforms() {
        let gems = locked_gems(LOCK);
        assert_eq!(gems.len(), 4, "{gems:?}");
        assert_eq!(gems[1].name, "nokogiri");
        assert_eq!(gems[1].platform.as_deref(), Some("x86_64-linux"));
        assert_eq!(
            (gems[2].name.as_str(), gems[2].platform.as_deref()),
            ("pg", None)
        );
        assert_eq!(gems[2].source, GemSource::Server);
        assert_eq!(
            locked_gems("GEM\n  specs:\n    rails (7.1.0.rc1)\n")[0].platform,
            None
        );
        assert_eq!(compiled_gem(LOCK).as_deref(), Some("nio4r"));
        assert_eq!(
            compiled_gem("GEM\n  specs:\n    nokogiri (1.16.0-x86_64-linux)\n    rack (3.0.8)\n"),
            None
        );
    }

    /// Bundler compiles no extension of a gem from a folder of the project (checked with
    /// bundler 2.3 on pg 1.4.5: no pg_ext.so), so such a lock compiles nothing.
    #[test]
    fn a_path_gem_is_not_compiled() {
        let lock = "PATH\n  remote: vendor/pg\n  specs:\n    pg (1.4.5)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n\nDEPENDENCIES\n  pg!\n";
        assert_eq!(locked_gems(lock)[0].source, GemSource::Path);
        assert_eq!(compiled_gem(lock), None);
    }
}
