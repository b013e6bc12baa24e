//! The build context behind one read-only interface, so that passes never touch the disk and
//! tests can give a context in memory.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The files a build would send, as far as dockopt may look at them.
#[derive(Debug, Clone, Default)]
pub enum BuildContext {
    /// Not known (stdin without a name, or no folder given): every question answers "unknown".
    #[default]
    Unknown,
    /// A folder on disk.
    Folder(PathBuf),
    /// A folder on disk, read through a cache that the Dockerfiles of one run share: each path
    /// is looked at once (a run over many Dockerfiles asks their contexts the same questions).
    /// For a run that writes nothing before it has read everything.
    Cached(PathBuf, std::sync::Arc<DiskCache>),
    /// Files in memory, by relative path (folders are implied by the paths).
    Memory(BTreeMap<String, String>),
}

/// The sorted names in a folder, read once while the folder is unchanged (its modification
/// time): the passes ask for a context's top level again and again, and a folder holding many
/// Dockerfiles (a corpus) made every file read it many times.
fn listing(dir: &Path) -> std::sync::Arc<[String]> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    use std::time::SystemTime;
    type Listings = Mutex<HashMap<PathBuf, (SystemTime, std::sync::Arc<[String]>)>>;
    static LISTINGS: OnceLock<Listings> = OnceLock::new();
    let read = || read_listing(dir);
    let Some(modified) = std::fs::metadata(dir).and_then(|m| m.modified()).ok() else {
        return read();
    };
    let cache = LISTINGS.get_or_init(Default::default);
    if let Some((at, names)) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(dir)
        && *at == modified
    {
        return names.clone();
    }
    let names = read();
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(dir.to_path_buf(), (modified, names.clone()));
    names
}

/// What a run has learned of the files of its build contexts, by path (its bytes: hashing a
/// `PathBuf` walks its components, and the passes ask thousands of times).
#[derive(Debug, Default)]
pub struct DiskCache {
    kinds: Memo<Option<Kind>>,
    texts: Memo<Option<std::sync::Arc<str>>>,
    listings: Memo<std::sync::Arc<[String]>>,
}

type Memo<V> = std::sync::Mutex<std::collections::HashMap<OsString, V>>;

/// The value kept for `path` in `memo`, or what `read` makes of the path, kept.
fn remembered<V: Clone>(memo: &Memo<V>, path: PathBuf, read: impl FnOnce(&Path) -> V) -> V {
    let lock = || memo.lock().unwrap_or_else(|e| e.into_inner());
    let path = path.into_os_string();
    if let Some(hit) = lock().get(&path) {
        return hit.clone();
    }
    let value = read(Path::new(&path));
    lock().insert(path, value.clone());
    value
}

/// A path's kind and permission bits (symbolic links followed).
#[derive(Debug, Clone, Copy)]
struct Kind {
    file: bool,
    dir: bool,
    mode: u32,
}

impl DiskCache {
    fn kind(&self, path: PathBuf) -> Option<Kind> {
        use std::os::unix::fs::PermissionsExt;
        remembered(&self.kinds, path, |p| {
            std::fs::metadata(p).ok().map(|m| Kind {
                file: m.is_file(),
                dir: m.is_dir(),
                mode: m.permissions().mode() & 0o7777,
            })
        })
    }

    fn listing(&self, dir: PathBuf) -> std::sync::Arc<[String]> {
        remembered(&self.listings, dir, read_listing)
    }

    fn text(&self, path: PathBuf) -> Option<String> {
        remembered(&self.texts, path, |p| {
            std::fs::read_to_string(p)
                .ok()
                .map(std::sync::Arc::<str>::from)
        })
        .as_deref()
        .map(str::to_string)
    }
}

/// The sorted names in a folder (none when it cannot be read).
fn read_listing(dir: &Path) -> std::sync::Arc<[String]> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    std::sync::Arc::<[String]>::from(names)
}

impl BuildContext {
    /// `folder` read through `cache` (see [`BuildContext::Cached`]).
    pub fn cached(folder: &Path, cache: &std::sync::Arc<DiskCache>) -> BuildContext {
        BuildContext::Cached(folder.to_path_buf(), cache.clone())
    }

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
    pub fn entries(&self, dir: &str) -> std::sync::Arc<[String]> {
        let dir = dir.trim_matches('/');
        match self {
            BuildContext::Unknown => std::sync::Arc::from(Vec::new()),
            BuildContext::Folder(root) => listing(&root.join(dir)),
            BuildContext::Cached(root, cache) => cache.listing(root.join(dir)),
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
                names.sort();
                names.dedup();
                std::sync::Arc::from(names)
            }
        }
    }

    /// A folder at `rel`.
    pub fn is_dir(&self, rel: &str) -> bool {
        let rel = rel.trim_matches('/');
        match self {
            BuildContext::Unknown => false,
            BuildContext::Folder(root) => root.join(rel).is_dir(),
            BuildContext::Cached(root, cache) => cache.kind(root.join(rel)).is_some_and(|k| k.dir),
            BuildContext::Memory(files) => {
                let prefix = format!("{rel}/");
                files.keys().any(|k| k.starts_with(&prefix))
            }
        }
    }

    /// A file at `rel`.
    pub fn is_file(&self, rel: &str) -> bool {
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        match self {
            BuildContext::Unknown => false,
            BuildContext::Folder(root) => root.join(rel).is_file(),
            BuildContext::Cached(root, cache) => cache.kind(root.join(rel)).is_some_and(|k| k.file),
            BuildContext::Memory(files) => files.contains_key(rel),
        }
    }

    /// A file or folder at `rel`; `None` when the context is not known.
    pub fn exists(&self, rel: &str) -> Option<bool> {
        self.is_known()
            .then(|| self.is_file(rel) || self.is_dir(rel))
    }

    /// The permission bits of the file at `rel` (COPY keeps them): known for a folder on disk
    /// only (a context in memory has no modes).
    pub fn mode(&self, rel: &str) -> Option<u32> {
        use std::os::unix::fs::PermissionsExt;
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        match self {
            BuildContext::Folder(root) => {
                let meta = std::fs::metadata(root.join(rel)).ok()?;
                meta.is_file().then(|| meta.permissions().mode() & 0o7777)
            }
            BuildContext::Cached(root, cache) => cache
                .kind(root.join(rel))
                .filter(|k| k.file)
                .map(|k| k.mode),
            _ => None,
        }
    }

    /// The first `n` bytes of the file at `rel` (to tell an archive by its content).
    pub fn head(&self, rel: &str, n: usize) -> Option<Vec<u8>> {
        use std::io::Read;
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        match self {
            BuildContext::Unknown => None,
            BuildContext::Folder(root) | BuildContext::Cached(root, _) => {
                let mut f = std::fs::File::open(root.join(rel)).ok()?;
                let mut head = vec![0u8; n];
                let got = f.read(&mut head).unwrap_or(0);
                head.truncate(got);
                Some(head)
            }
            BuildContext::Memory(files) => files
                .get(rel)
                .map(|t| t.as_bytes()[..t.len().min(n)].to_vec()),
        }
    }

    /// Whether the context's `.dockerignore` leaves out the top-level folder `name` (`.git`,
    /// `/.git`, `.git/`, `**/.git`, …) with no later exception for it.
    pub fn dockerignore_excludes_top(&self, name: &str) -> bool {
        let Some(text) = self.read(".dockerignore") else {
            return false;
        };
        let mut excluded = false;
        for line in text.lines().map(str::trim) {
            let (negated, pattern) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            let pattern = pattern.trim_start_matches('/').trim_end_matches('/');
            let pattern = pattern.strip_prefix("**/").unwrap_or(pattern);
            let pattern = pattern.strip_suffix("/**").unwrap_or(pattern);
            if pattern == name {
                excluded = !negated;
            } else if negated
                && pattern
                    .strip_prefix(name)
                    .is_some_and(|p| p.starts_with('/'))
            {
                excluded = false; // something inside it is sent after all
            }
        }
        excluded
    }

    /// The context seen from its sub-folder `dir` (`.` or `src/`, what a COPY copies from).
    pub fn sub(&self, dir: &str) -> BuildContext {
        let dir = dir.trim_start_matches("./").trim_matches('/');
        if dir.is_empty() || dir == "." {
            return self.clone();
        }
        match self {
            BuildContext::Unknown => BuildContext::Unknown,
            BuildContext::Folder(root) => BuildContext::Folder(root.join(dir)),
            BuildContext::Cached(root, cache) => {
                BuildContext::Cached(root.join(dir), cache.clone())
            }
            BuildContext::Memory(files) => {
                let prefix = format!("{dir}/");
                BuildContext::Memory(
                    files
                        .iter()
                        .filter_map(|(k, v)| {
                            Some((k.strip_prefix(&prefix)?.to_string(), v.clone()))
                        })
                        .collect(),
                )
            }
        }
    }

    /// The text of the file at `rel`, if it exists and is UTF-8.
    pub fn read(&self, rel: &str) -> Option<String> {
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        match self {
            BuildContext::Unknown => None,
            BuildContext::Folder(root) => std::fs::read_to_string(root.join(rel)).ok(),
            BuildContext::Cached(root, cache) => cache.text(root.join(rel)),
            BuildContext::Memory(files) => files.get(rel).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_top_folder_left_out_by_dockerignore() {
        for (ignore, excluded) in [
            (".venv\n", true),
            ("/.venv/\n", true),
            ("**/.venv\n", true),
            (".venv/**\n", true),
            (".venv\n!.venv/pyvenv.cfg\n", false),
            (".venv-old\n", false),
            ("venv\n", false),
        ] {
            let context =
                BuildContext::Memory([(".dockerignore".to_string(), ignore.to_string())].into());
            assert_eq!(
                context.dockerignore_excludes_top(".venv"),
                excluded,
                "{ignore:?}"
            );
        }
    }

    #[test]
    fn memory_and_folder_answer_alike() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("src/app")).unwrap();
        std::fs::write(tmp.path().join("src/app/main.py"), "print()").unwrap();
        std::fs::write(tmp.path().join("requirements.txt"), "flask").unwrap();
        let folder = BuildContext::Folder(tmp.path().to_path_buf());
        let memory = BuildContext::Memory(
            [
                ("src/app/main.py".to_string(), "print()".to_string()),
                ("requirements.txt".to_string(), "flask".to_string()),
            ]
            .into(),
        );
        let cached = BuildContext::cached(tmp.path(), &Default::default());
        for c in [&folder, &memory, &cached] {
            assert_eq!(*c.entries(""), ["requirements.txt", "src"]);
            assert!(c.is_dir("src/app") && c.is_file("src/app/main.py"));
            assert_eq!(c.sub("src").read("app/main.py").as_deref(), Some("print()"));
            assert_eq!(c.exists("missing"), Some(false));
            assert_eq!(c.head("requirements.txt", 3).as_deref(), Some(&b"fla"[..]));
        }
        assert_eq!(BuildContext::Unknown.exists("x"), None);
    }
}
