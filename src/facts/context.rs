//! The build context behind one read-only interface, so that passes never touch the disk and
//! tests can give a context in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files a build would send, as far as dockopt may look at them.
#[derive(Debug, Clone, Default)]
pub enum BuildContext {
    /// Not known (stdin without a name, or no folder given): every question answers "unknown".
    #[default]
    Unknown,
    /// A folder on disk.
    Folder(PathBuf),
    /// Files in memory, by relative path (folders are implied by the paths).
    Memory(BTreeMap<String, String>),
}

impl BuildContext {
    pub fn folder(path: Option<&Path>) -> BuildContext {
        match path {
            Some(p) => BuildContext::Folder(p.to_path_buf()),
            None => BuildContext::Unknown,
        }
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, BuildContext::Unknown)
    }

    /// The names (files and folders) directly inside `dir` (`""` for the top), sorted.
    pub fn entries(&self, dir: &str) -> Vec<String> {
        let dir = dir.trim_matches('/');
        match self {
            BuildContext::Unknown => Vec::new(),
            BuildContext::Folder(root) => {
                let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .collect();
                names.sort();
                names
            }
            BuildContext::Memory(files) => {
                let prefix = if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                };
                let mut names: Vec<String> = files
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix))
                    .filter_map(|rest| rest.split('/').next())
                    .map(str::to_string)
                    .collect();
                names.dedup();
                names
            }
        }
    }

    /// A folder at `rel`.
    pub fn is_dir(&self, rel: &str) -> bool {
        let rel = rel.trim_matches('/');
        match self {
            BuildContext::Unknown => false,
            BuildContext::Folder(root) => root.join(rel).is_dir(),
            BuildContext::Memory(files) => {
                let prefix = format!("{rel}/");
                files.keys().any(|k| k.starts_with(&prefix))
            }
        }
    }

    /// The text of the file at `rel`, if it exists and is UTF-8.
    pub fn read(&self, rel: &str) -> Option<String> {
        let rel = rel.trim_start_matches("./");
        match self {
            BuildContext::Unknown => None,
            BuildContext::Folder(root) => std::fs::read_to_string(root.join(rel)).ok(),
            BuildContext::Memory(files) => files.get(rel).cloned(),
        }
    }
}
