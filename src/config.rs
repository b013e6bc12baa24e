//! `.dockopt.yaml` / `dockopt.yaml`: typed options, found by walking up from each Dockerfile,
//! merged under the command line's flags, with per-path overrides.
//!
//! ```yaml
//! select: [merge-runs, apt-cleanup]     # only these passes (codes or names)
//! ignore: [DO011]                       # never these
//! unsafe-fixes: true
//! cache-mounts: false
//! prefer-alpine: false
//! include-generated: false           # also rewrite files that say they are generated
//! syntax-directive: true                # with cache mounts, add `# syntax=docker/dockerfile:1`
//! non-root-user: { name: web, uid: 2000 }
//! slim-base: { map: { "python:3.12": "registry.example.com/python:3.12-slim" } }
//! dependency-first: { extra-manifests: [constraints.txt, .npmrc] }
//! overrides:
//!   - files: ["legacy/**"]
//!     ignore: [merge-runs]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::passes::PassId;
use crate::settings::Settings;

pub const FILE_NAMES: &[&str] = &[".dockopt.yaml", "dockopt.yaml"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub unsafe_fixes: Option<bool>,
    pub cache_mounts: Option<bool>,
    pub prefer_alpine: Option<bool>,
    pub ignore_pragmas: Option<bool>,
    pub include_generated: Option<bool>,
    pub syntax_directive: Option<bool>,
    pub non_root_user: Option<UserOptions>,
    pub slim_base: Option<SlimBaseOptions>,
    pub dependency_first: Option<DependencyOptions>,
    #[serde(default)]
    pub overrides: Vec<Override>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UserOptions {
    pub name: Option<String>,
    pub uid: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SlimBaseOptions {
    /// Base image (as written in FROM) → the image to use instead.
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DependencyOptions {
    /// Files copied with the manifests when they exist (`constraints.txt`, `.npmrc`, ...).
    #[serde(default)]
    pub extra_manifests: Vec<String>,
}

/// Options for the Dockerfiles that match `files` (gitignore-style globs, relative to the
/// config file's folder).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Override {
    pub files: Vec<String>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub unsafe_fixes: Option<bool>,
    pub cache_mounts: Option<bool>,
    pub prefer_alpine: Option<bool>,
}

/// A config file, read.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub options: Options,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

/// The YAML reader's error as one line, where it is, and in the config's words: `unknown field`
/// gets the nearest key, the reader's type names become what the key wants.
fn tidy_yaml_error(raw: &str) -> (Option<(usize, usize)>, String) {
    let first = raw.lines().next().unwrap_or(raw).trim();
    let first = first.strip_prefix("error:").unwrap_or(first).trim();
    let (at, message) = match first.strip_prefix("line ").and_then(|r| {
        let (line, rest) = r.split_once(" column ")?;
        let (col, msg) = rest.split_once(": ")?;
        Some(((line.parse().ok()?, col.parse().ok()?), msg))
    }) {
        Some((at, msg)) => (Some(at), msg.to_string()),
        None => (None, first.to_string()),
    };
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((key, expected)) = rest.split_once("`, expected one of ")
    {
        let near = expected
            .split(", ")
            .map(|k| (strsim::levenshtein(key, k), k))
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, k)| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        return (
            at,
            format!("unknown key `{key}`{near}; the keys are {expected}"),
        );
    }
    let message = message
        .replace(
            "expected sequence start",
            "expected a list (`[a, b]`, or `- a` lines)",
        )
        .replace("expected string scalar", "expected a text value")
        .replace(
            "expected mapping start",
            "expected keys and values (`key: value` lines)",
        );
    (at, message)
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let options: Options = if text.trim().is_empty() {
            Options::default()
        } else {
            serde_saphyr::from_str(&text).map_err(|e| {
                let (at, message) = tidy_yaml_error(&e.to_string());
                ConfigError {
                    path: match at {
                        Some((line, col)) => format!("{}:{line}:{col}", path.display()),
                        None => path.display().to_string(),
                    },
                    message,
                }
            })?
        };
        // Every list names passes that exist (so that applying it cannot fail).
        let lists = [&options.select, &options.ignore]
            .into_iter()
            .chain(
                options
                    .overrides
                    .iter()
                    .flat_map(|o| [&o.select, &o.ignore]),
            )
            .flatten();
        for list in lists {
            if let Err(e) = PassId::parse_all(list) {
                return Err(err(format!("{e} (see `dockopt passes`)")));
            }
        }
        Ok(Config {
            path: path.to_path_buf(),
            options,
        })
    }

    /// The config for a Dockerfile in `dir`: the nearest `.dockopt.yaml`/`dockopt.yaml` walking
    /// up, stopping at the repository root (a folder with `.git`).
    pub fn discover(dir: &Path) -> Option<PathBuf> {
        let start = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        for d in start.ancestors() {
            for name in FILE_NAMES {
                let p = d.join(name);
                if p.is_file() {
                    return Some(p);
                }
            }
            if d.join(".git").exists() {
                break;
            }
        }
        None
    }

    /// Applies the file's options (and the overrides that match `dockerfile`) to `settings`.
    /// Command-line choices win: `cli_set` says which the user gave.
    pub fn apply(&self, settings: &mut Settings, dockerfile: &Path, cli_set: &CliSet) {
        let o = &self.options;
        let mut layer = |select: &Option<Vec<String>>,
                         ignore: &Option<Vec<String>>,
                         unsafe_fixes: Option<bool>,
                         cache: Option<bool>,
                         alpine: Option<bool>| {
            // `load` checked every key: none fails here.
            if let (Some(s), false) = (select, cli_set.select) {
                settings.select = PassId::parse_all(s).ok();
            }
            if let (Some(i), false) = (ignore, cli_set.ignore) {
                settings.ignore = PassId::parse_all(i).unwrap_or_default();
            }
            if !cli_set.unsafe_fixes {
                settings.unsafe_fixes = unsafe_fixes.unwrap_or(settings.unsafe_fixes);
            }
            if !cli_set.cache_mounts {
                settings.cache_mounts = cache.unwrap_or(settings.cache_mounts);
            }
            if !cli_set.prefer_alpine {
                settings.prefer_alpine = alpine.unwrap_or(settings.prefer_alpine);
            }
        };
        layer(
            &o.select,
            &o.ignore,
            o.unsafe_fixes,
            o.cache_mounts,
            o.prefer_alpine,
        );
        let root = self.path.parent().unwrap_or(Path::new("."));
        let rel = std::fs::canonicalize(dockerfile).ok().and_then(|abs| {
            std::fs::canonicalize(root)
                .ok()
                .and_then(|r| abs.strip_prefix(r).ok().map(Path::to_path_buf))
        });
        for ov in &o.overrides {
            let Some(rel) = &rel else { continue };
            let mut b = ignore::gitignore::GitignoreBuilder::new("/");
            for pat in &ov.files {
                let _ = b.add_line(None, pat);
            }
            let Ok(globs) = b.build() else { continue };
            if globs
                .matched_path_or_any_parents(Path::new("/").join(rel), false)
                .is_ignore()
            {
                layer(
                    &ov.select,
                    &ov.ignore,
                    ov.unsafe_fixes,
                    ov.cache_mounts,
                    ov.prefer_alpine,
                );
            }
        }
        if !cli_set.ignore_pragmas {
            settings.ignore_pragmas = o.ignore_pragmas.unwrap_or(settings.ignore_pragmas);
        }
        if !cli_set.include_generated {
            settings.include_generated = o.include_generated.unwrap_or(settings.include_generated);
        }
        if !cli_set.syntax_directive {
            settings.syntax_directive = o.syntax_directive.unwrap_or(settings.syntax_directive);
        }
        if let Some(u) = &o.non_root_user {
            if !cli_set.user_name {
                settings.user_name = u.name.clone().unwrap_or(settings.user_name.clone());
            }
            if !cli_set.user_uid {
                settings.user_uid = u.uid.unwrap_or(settings.user_uid);
            }
        }
        if let Some(s) = &o.slim_base {
            settings.base_map = s.map.clone();
        }
        if let Some(d) = &o.dependency_first {
            settings.extra_manifests = d.extra_manifests.clone();
        }
    }
}

/// Which options the command line set (they win over the config file).
#[derive(Debug, Clone, Default)]
pub struct CliSet {
    pub select: bool,
    pub ignore: bool,
    pub unsafe_fixes: bool,
    pub cache_mounts: bool,
    pub prefer_alpine: bool,
    pub ignore_pragmas: bool,
    pub include_generated: bool,
    pub syntax_directive: bool,
    pub user_name: bool,
    pub user_uid: bool,
}
