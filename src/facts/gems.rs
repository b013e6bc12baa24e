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

/// Gems that run a program at run time that only the full image has (a suggestion names it,
/// since no library table can say which binaries the application calls).
pub const GEM_PROGRAMS: &[(&str, &str)] = &[("mini_magick", "imagemagick")];

/// The gems a `Gemfile.lock` installs, with their platform (`None` for `ruby`, compiled on
/// install): the four-space entries of its `GEM`, `GIT` and `PATH` sections.
pub fn locked_gems(lock: &str) -> Vec<(String, Option<String>)> {
    lock.lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
        .filter_map(|l| {
            let l = l.trim();
            let (name, version) = l.split_once(" (")?;
            let version = version.strip_suffix(')')?;
            // `1.16.0-x86_64-linux`: a version, then the platform of a precompiled gem (a
            // prerelease is written `7.1.0.rc1`, with no dash).
            let platform = version.split_once('-').map(|(_, p)| p.to_string());
            Some((name.to_string(), platform))
        })
        .collect()
}

/// The first gem of the lock that compiles a C extension on install.
pub fn compiled_gem(lock: &str) -> Option<String> {
    locked_gems(lock)
        .into_iter()
        .find(|(name, platform)| {
            platform.is_none() && GEMS_WITH_C_EXTENSIONS.contains(&name.as_str())
        })
        .map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "GEM\n  remote: https://rubygems.org/\n  specs:\n    nio4r (2.7.0)\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    pg (1.5.4)\n    rack (3.0.8)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n  pg\n\nBUNDLED WITH\n   2.4.10\n";

    #[test]
    fn reads_the_locked_gems_and_their_platforms() {
        let gems = locked_gems(LOCK);
        assert_eq!(gems.len(), 4, "{gems:?}");
        assert_eq!(gems[1], ("nokogiri".into(), Some("x86_64-linux".into())));
        assert_eq!(gems[2], ("pg".into(), None));
        assert_eq!(locked_gems("    rails (7.1.0.rc1)\n")[0].1, None);
        assert_eq!(compiled_gem(LOCK).as_deref(), Some("nio4r"));
        assert_eq!(
            compiled_gem("    nokogiri (1.16.0-x86_64-linux)\n    rack (3.0.8)\n"),
            None
        );
    }
}
