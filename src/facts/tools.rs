//! What dockopt knows about package managers' command lines that several passes read (the
//! options that take a value, how a subcommand is found past global options).

use crate::shell::SimpleCmd;

/// uv's options that take the next word as their value (global ones and `pip install`'s).
pub const UV_VALUE_OPTS: &[&str] = &[
    "--python",
    "-p",
    "--index",
    "--default-index",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--index-strategy",
    "--keyring-provider",
    "--resolution",
    "--prerelease",
    "--link-mode",
    "--python-platform",
    "--python-version",
    "--exclude-newer",
    "--config-setting",
    "-C",
    "--reinstall-package",
    "--upgrade-package",
    "-P",
    "--no-binary",
    "--only-binary",
    "--no-build-package",
    "--no-binary-package",
    "--refresh-package",
    "--extra",
    "--target",
    "-t",
    "--prefix",
    "--torch-backend",
    "--fork-strategy",
    "--color",
    "--cache-dir",
    "--package",
    "--group",
    "--only-group",
    "--no-group",
    "--directory",
    "--project",
    "--config-file",
];

/// The words of a `uv` command's subcommand (`sync`, `pip install`, `tool run`) and the index of
/// its last one; `None` for another command, a computed word, or a global option with a value
/// before the subcommand (its value would pass for the subcommand).
pub fn uv_subcommand(c: &SimpleCmd) -> Option<(Vec<&str>, usize)> {
    if crate::shell::basename(c.name()?) != "uv" {
        return None;
    }
    let mut subs = Vec::new();
    let mut last = 0;
    for (k, w) in c.words.iter().enumerate().skip(1) {
        let lit = w.lit.as_deref()?;
        if lit.starts_with('-') {
            if !subs.is_empty() {
                break;
            }
            if UV_VALUE_OPTS.contains(&lit) {
                return None;
            }
            continue;
        }
        subs.push(lit);
        last = k;
        if !matches!(subs[0], "pip" | "tool" | "python") || subs.len() == 2 {
            break;
        }
    }
    (!subs.is_empty()).then_some((subs, last))
}

/// `name` in the `[package]` table of a Cargo.toml (a literal, well-formed crate name).
pub fn cargo_package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_package = t == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some(rest) = t.strip_prefix("name") {
            let value = rest.trim_start().strip_prefix('=')?.trim();
            let name = value.strip_prefix('"')?.strip_suffix('"')?;
            return name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                .then(|| name.to_string());
        }
    }
    None
}

/// Environment variables only build tools read (the Go and Rust toolchains, pip, npm, apt's
/// front end): a runtime stage without those tools has no use for them. Checked against the
/// tools' documentation, 2026-12.
pub const BUILD_ONLY_ENV: &[&str] = &[
    "GO111MODULE",
    "GOFLAGS",
    "GOPROXY",
    "GOPRIVATE",
    "GONOSUMDB",
    "GOSUMDB",
    "GOOS",
    "GOARCH",
    "GOARM",
    "CGO_ENABLED",
    "CGO_CFLAGS",
    "CGO_LDFLAGS",
    "RUSTFLAGS",
    "CARGO_INCREMENTAL",
    "CARGO_NET_GIT_FETCH_WITH_CLI",
    "CARGO_REGISTRIES_CRATES_IO_PROTOCOL",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_DEFAULT_TIMEOUT",
    "NPM_CONFIG_LOGLEVEL",
    "NPM_CONFIG_CACHE",
    "YARN_CACHE_FOLDER",
    "MAVEN_OPTS",
    "GRADLE_OPTS",
];
