//! Finding Dockerfiles, reading them defensively, and writing them back atomically.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{AppliedJson, FileReport};
use dockopt::{BuildContext, Error, Settings, diff, optimize_in};

/// Larger files are refused: no real Dockerfile comes near this.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Extensions of files named after a Dockerfile that are not one: BuildKit's per-Dockerfile
/// ignore file (`Dockerfile.dockerignore`), notes, data, editor and merge leftovers.
const NOT_DOCKERFILES: &[&str] = &[
    ".dockerignore",
    ".md",
    ".txt",
    ".rst",
    ".json",
    ".yml",
    ".yaml",
    ".lock",
    ".swp",
    ".orig",
    ".rej",
    ".bak",
    ".tmpl",
    ".j2",
    ".sh",
];

/// Is this file name a Dockerfile's? `Dockerfile`, `Containerfile`, and variants named after
/// them as hadolint's and tally's users name them: `Dockerfile.prod`, `Dockerfile-dev`,
/// `Dockerfile_prod`, `dev.Dockerfile`, `api-Dockerfile`, `app_dockerfile`.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if NOT_DOCKERFILES.iter().any(|ext| lower.ends_with(ext)) {
        return false;
    }
    ["dockerfile", "containerfile"].iter().any(|base| {
        lower == *base
            || lower
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with(['.', '-', '_']))
            || lower
                .strip_suffix(base)
                .is_some_and(|rest| rest.ends_with(['.', '-', '_']))
    })
}

/// Expands the arguments: files as given, directories searched (hidden folders included,
/// `.gitignore`d paths and `.git` skipped). Returns each file with the root it was found under,
/// and reports for arguments that do not exist.
pub fn discover(paths: &[PathBuf]) -> (Vec<(PathBuf, PathBuf)>, Vec<FileReport>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        let named_like_a_dockerfile = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_dockerfile_name);
        // One look at the path (a run over a thousand named files looked three times each).
        let meta = std::fs::metadata(p);
        let is_dir = meta.as_ref().is_ok_and(|m| m.is_dir());
        if is_dir && named_like_a_dockerfile {
            errors.push(error_report(
                &p.display().to_string(),
                format!("{}: is a directory, not a Dockerfile", p.display()),
            ));
        } else if is_dir {
            let walker = ignore::WalkBuilder::new(p)
                .hidden(false)
                .require_git(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            let mut here: Vec<PathBuf> = walker
                .filter_map(Result::ok)
                .filter(|e| {
                    // A symlink counts when it leads to a file; `--write` checks where.
                    e.file_type()
                        .is_some_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()))
                })
                .filter(|e| e.file_name().to_str().is_some_and(is_dockerfile_name))
                .map(|e| e.into_path())
                .collect();
            here.sort();
            found.extend(here.into_iter().map(|f| (f, p.clone())));
        } else if meta.is_ok() {
            let root = p
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            found.push((p.clone(), root));
        } else {
            // `exists` is false for a link that leads nowhere, too: say which.
            let why = match (std::fs::symlink_metadata(p), std::fs::metadata(p)) {
                (Ok(_), Err(e)) if e.raw_os_error() == Some(40) => {
                    "a symbolic link loop (the link leads back to itself)".to_string()
                }
                (Ok(m), Err(_)) if m.file_type().is_symlink() => {
                    let to = std::fs::read_link(p)
                        .map(|t| t.display().to_string())
                        .unwrap_or_default();
                    format!("a symbolic link to `{to}`, which does not exist")
                }
                _ => "no such file or directory".to_string(),
            };
            errors.push(error_report(
                &clean_path(p).display().to_string(),
                format!("{}: {why}", clean_path(p).display()),
            ));
        }
    }
    (found, errors)
}

pub fn error_report(path: &str, error: String) -> FileReport {
    FileReport {
        path: path.to_string(),
        changed: false,
        error: Some(error),
        applied: Vec::new(),
        suggestions: Vec::new(),
        skipped: None,
        new_files: Vec::new(),
        output: None,
        input: None,
        hidden_unsafe: 0,
    }
}

/// Optimizes the Dockerfile at `path`, its build context read through `cache` (shared by the
/// files of one run).
pub fn process_path(
    path: &Path,
    settings: &Settings,
    cache: &std::sync::Arc<dockopt::facts::DiskCache>,
) -> FileReport {
    let name = clean_path(path).display().to_string();
    let context = match &settings.context {
        Some(folder) => BuildContext::cached(folder, cache),
        None => BuildContext::Unknown,
    };
    match fs::read(path) {
        Ok(bytes) => process_in(&name, &bytes, settings, &context),
        Err(e) => error_report(&name, format!("{name}: cannot read: {e}")),
    }
}

/// Checks that the bytes are a plausible Dockerfile's text.
pub fn check_text<'b>(name: &str, bytes: &'b [u8]) -> Result<&'b str, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "{name}: file too large ({} bytes, limit {MAX_BYTES})",
            bytes.len()
        ));
    }
    // UTF-16 (Windows editors and PowerShell's `>` write it): a byte order mark, or ASCII with
    // a NUL beside every character.
    let utf16_bom = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    let head = &bytes[..bytes.len().min(64)];
    let nul_every_other = head.len() >= 8
        && (head.iter().skip(1).step_by(2).all(|&b| b == 0)
            || head.iter().step_by(2).all(|&b| b == 0));
    if utf16_bom || nul_every_other {
        return Err(format!(
            "{name}: UTF-16 text; Docker reads Dockerfiles as UTF-8: convert it (`iconv -f UTF-16 -t UTF-8`, or save it as UTF-8) and run again"
        ));
    }
    if bytes.contains(&0) {
        return Err(format!(
            "{name}: binary file (contains NUL bytes), not a Dockerfile"
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let upto = &bytes[..e.valid_up_to()];
        let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = upto.len() - upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        format!("{name}:{line}:{col}: not UTF-8 text")
    })?;
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(format!("{name}: empty file, nothing to optimize"));
    }
    Ok(text)
}

pub fn process_bytes(name: &str, bytes: &[u8], settings: &Settings) -> FileReport {
    let context = BuildContext::folder(settings.context.as_deref());
    process_in(name, bytes, settings, &context)
}

fn process_in(name: &str, bytes: &[u8], settings: &Settings, context: &BuildContext) -> FileReport {
    let text = match check_text(name, bytes) {
        Ok(t) => t,
        Err(e) => return error_report(name, e),
    };
    let result = std::panic::catch_unwind(|| optimize_in(text, settings, context));
    let Ok(result) = result else {
        return error_report(
            name,
            format!("{name}: internal error (panic) while optimizing; file left unchanged"),
        );
    };
    match result {
        Ok(outcome) => {
            let changed = outcome.changed(text);
            let base = settings
                .context
                .clone()
                .unwrap_or_else(|| PathBuf::from("."));
            let new_files: Vec<(PathBuf, String)> = outcome
                .new_files
                .iter()
                .map(|f| (join_clean(&base, &f.path), f.content.clone()))
                .collect();
            FileReport {
                path: name.to_string(),
                changed,
                error: (!outcome.converged).then(|| {
                    format!("{name}: rewrite did not settle after 10 rounds; file left unchanged")
                }),
                applied: outcome.applied.iter().map(AppliedJson::from).collect(),
                hidden_unsafe: outcome.hidden_unsafe(),
                suggestions: outcome.suggestions,
                skipped: outcome.skipped,
                new_files,
                output: Some(outcome.output),
                input: Some(text.to_string()),
            }
        }
        Err(Error::Syntax(e)) => error_report(
            name,
            format!("{name}:{}:{}: {}", e.line, e.column, e.message),
        ),
        Err(e) => error_report(name, format!("{name}: {e}")),
    }
}

/// The prefix of dockopt's temporary files (`.dockopt-XXXXXX` beside the file written).
const TEMP_PREFIX: &str = ".dockopt-";

/// The temporary files being written now: an interrupted run removes them before it exits.
static IN_FLIGHT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn in_flight() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// On SIGINT or SIGTERM during `--write`: the temporary files under way are removed (the files
/// they were to replace are untouched: a rename had not happened), then the run ends (130).
pub fn remove_temporaries_and_exit() {
    for path in in_flight().drain(..) {
        let _ = fs::remove_file(path);
    }
    std::process::exit(130);
}

/// Temporary files of an earlier run of dockopt that was killed (SIGKILL, a power cut) in `dir`,
/// older than a minute (so that a run under way beside this one keeps its own): removed, and
/// their paths returned to be reported.
pub fn remove_stale_temporaries(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let minute_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix(TEMP_PREFIX).is_some_and(|rest| {
                rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric())
            }) && e
                .metadata()
                .is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|t| t < minute_ago))
        })
        .map(|e| e.path())
        .filter(|p| fs::remove_file(p).is_ok())
        .collect()
}

/// A synced temporary file holding `content`, in `path`'s folder (so a rename is atomic),
/// registered as under way until it is renamed or dropped.
fn temp_beside(path: &Path, content: &str) -> std::io::Result<Temporary> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    in_flight().push(tmp.path().to_path_buf());
    let tmp = Temporary(Some(tmp));
    let file = tmp.0.as_ref().expect("just made");
    file.as_file().write_all(content.as_bytes())?;
    file.as_file().sync_all()?;
    // A fault point for the interruption test: hold the temporary file before its rename.
    if let Some(ms) = std::env::var("DOCKOPT_TEST_HOLD_TEMPORARY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    Ok(tmp)
}

/// A temporary file that leaves the in-flight list when it is renamed or dropped.
struct Temporary(Option<tempfile::NamedTempFile>);

impl Temporary {
    fn path(&self) -> &Path {
        self.0.as_ref().expect("not persisted yet").path()
    }

    fn persist(mut self, to: &Path, clobber: bool) -> std::io::Result<()> {
        let tmp = self.0.take().expect("persisted once");
        let path = tmp.path().to_path_buf();
        let done = if clobber {
            tmp.persist(to).map(|_| ()).map_err(|e| e.error)
        } else {
            tmp.persist_noclobber(to).map(|_| ()).map_err(|e| e.error)
        };
        in_flight().retain(|p| *p != path);
        done
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Some(tmp) = self.0.take() {
            let path = tmp.path().to_path_buf();
            drop(tmp);
            in_flight().retain(|p| *p != path);
        }
    }
}

/// `base/name`, without `./` in it.
fn join_clean(base: &Path, name: &str) -> PathBuf {
    clean_path(&base.join(name))
}

/// A path as `git diff` writes it: without `.` components (`./svc/Dockerfile` →
/// `svc/Dockerfile`); `.` itself for an empty one.
pub fn clean_path(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if cleaned.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cleaned
    }
}

/// The unified diff that creates `path` with `content`.
pub fn creation_diff(path: &Path, content: &str) -> String {
    let shown = path.display().to_string();
    diff::unified(&shown, "", content).replacen(
        &format!("--- a/{}", shown.trim_start_matches('/')),
        "--- /dev/null",
        1,
    )
}

/// One creation per new file of the run: where several Dockerfiles of one folder each want a
/// `.dockerignore`, the first report creates it with the entries all of them need, each once.
pub fn merge_new_files(reports: &mut [FileReport]) {
    let mut owner: Vec<(PathBuf, usize)> = Vec::new();
    for k in 0..reports.len() {
        let files = std::mem::take(&mut reports[k].new_files);
        let mut kept = Vec::new();
        for (path, content) in files {
            match owner.iter().find(|(p, _)| *p == path) {
                Some(&(_, first)) => {
                    let target = reports[first]
                        .new_files
                        .iter_mut()
                        .find(|(p, _)| *p == path)
                        .expect("the owner keeps its file");
                    let have: std::collections::HashSet<String> =
                        target.1.lines().map(str::to_string).collect();
                    let extra: Vec<&str> = content
                        .lines()
                        .filter(|l| !l.trim().is_empty() && !have.contains(*l))
                        .collect();
                    // Only comments new: nothing the first file lacks.
                    if extra.iter().any(|l| !l.starts_with('#')) {
                        if !target.1.ends_with('\n') {
                            target.1.push('\n');
                        }
                        target.1.push('\n');
                        target.1.push_str(&extra.join("\n"));
                        target.1.push('\n');
                    }
                }
                None => {
                    owner.push((path.clone(), k));
                    kept.push((path, content));
                }
            }
        }
        reports[k].new_files = kept;
    }
}

/// Creates a file that must not exist yet (atomically: a temporary file, then a rename that
/// refuses to replace anything).
pub fn create_new(path: &Path, content: &str) -> std::io::Result<()> {
    let tmp = temp_beside(path, content)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A temporary file is private; the new file is an ordinary one.
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path, false)
}

/// Writes `content` to `path` through a temporary file in the same folder and a rename,
/// keeping the permissions (and, as root, the owner). A symlink is written through only when
/// its target stays inside `root`.
pub fn write_atomic(path: &Path, root: &Path, content: &str) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    let target = if meta.file_type().is_symlink() {
        let t = fs::canonicalize(path)?;
        let r = fs::canonicalize(root)?;
        if !t.starts_with(&r) {
            return Err(std::io::Error::other(format!(
                "symlink points outside {} ({})",
                root.display(),
                t.display()
            )));
        }
        t
    } else {
        path.to_path_buf()
    };
    let meta = fs::metadata(&target)?;
    // A read-only file says "do not touch": leave it, and say so.
    if meta.permissions().readonly() {
        return Err(std::io::Error::other("the file is read-only"));
    }
    let tmp = temp_beside(&target, content)?;
    fs::set_permissions(tmp.path(), meta.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root can give a file away; for others the owner is already theirs.
        let _ = std::os::unix::fs::chown(tmp.path(), Some(meta.uid()), Some(meta.gid()));
    }
    tmp.persist(&target, true)
}
