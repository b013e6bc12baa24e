//! Resolved settings for one run.

use crate::fix::{Applicability, Fix};
use crate::passes::{self, Meta};

#[derive(Debug, Clone)]
pub struct Settings {
    /// Apply Unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Package-manager passes use BuildKit cache mounts instead of deleting caches.
    pub cache_mounts: bool,
    /// Only these passes (codes or names); `None` = all.
    pub select: Option<Vec<String>>,
    /// Never these passes (codes or names).
    pub ignore: Vec<String>,
    /// The build context on disk, when known.
    pub context: Option<std::path::PathBuf>,
    /// The user the non-root-user pass creates.
    pub user_name: String,
    pub user_uid: u32,
    /// slim-base may move python/node bases to their Alpine variant.
    pub prefer_alpine: bool,
    /// The Dockerfile's file name, when known (for its own `<name>.dockerignore`).
    pub file_name: Option<String>,
    /// Report and fix everything, whatever `# dockopt ignore=` / `# hadolint ignore=` say.
    pub ignore_pragmas: bool,
    /// slim-base: a base image as written → the image to use instead (config `slim-base.map`).
    pub base_map: std::collections::BTreeMap<String, String>,
    /// dependency-first: files copied with the manifests when they exist.
    pub extra_manifests: Vec<String>,
    /// With cache mounts, a `# syntax=docker/dockerfile:1` line is added when the file has none.
    pub syntax_directive: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            unsafe_fixes: false,
            cache_mounts: false,
            select: None,
            ignore: Vec::new(),
            context: None,
            user_name: "app".to_string(),
            user_uid: 10001,
            prefer_alpine: false,
            file_name: None,
            ignore_pragmas: false,
            base_map: Default::default(),
            extra_manifests: Vec::new(),
            syntax_directive: true,
        }
    }
}

impl Settings {
    /// A fix is applied when it is Safe, or Unsafe with `--unsafe-fixes`; never DisplayOnly.
    pub fn applies(&self, fix: Option<&Fix>) -> bool {
        let threshold = if self.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        fix.is_some_and(|f| f.applicability >= threshold)
    }

    pub fn enabled(&self, meta: &Meta) -> bool {
        let hit =
            |k: &String| k.eq_ignore_ascii_case(meta.code) || k.eq_ignore_ascii_case(meta.name);
        let selected = self.select.as_ref().is_none_or(|s| s.iter().any(hit));
        selected && !self.ignore.iter().any(hit)
    }

    /// Every `--select`/`--ignore` key names a pass; returns the first that does not.
    pub fn unknown_pass(&self) -> Option<&str> {
        self.select
            .iter()
            .flatten()
            .chain(self.ignore.iter())
            .find(|k| passes::lookup(k).is_none())
            .map(String::as_str)
    }
}
