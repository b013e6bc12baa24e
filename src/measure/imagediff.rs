//! What a rewrite changed inside the image: config, packages, the application's files, and the
//! biggest paths it removed; and, for `--verify`, which of those a safe rewrite may not change.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::image::Image;

/// The config fields compared, as the image config names them.
pub const CONFIG_FIELDS: [&str; 10] = [
    "Env",
    "Cmd",
    "Entrypoint",
    "WorkingDir",
    "User",
    "ExposedPorts",
    "Volumes",
    "Labels",
    "Shell",
    "Healthcheck",
];

/// Packages that are only needed to build (compilers, make, headers), as of Debian 12 / Ubuntu
/// 24.04 / Alpine 3.20 (2025): a removed one is marked `build tool`. Besides these names, every
/// `*-dev` (and Alpine's `*-dev`) package, and versioned compilers (`gcc-12`, `g++-12`, `cpp-12`).
pub const BUILD_TOOLS: [&str; 22] = [
    "gcc",
    "g++",
    "cpp",
    "make",
    "build-essential",
    "build-base",
    "binutils",
    "dpkg-dev",
    "autoconf",
    "automake",
    "libtool",
    "pkg-config",
    "pkgconf",
    "cmake",
    "ninja-build",
    "bison",
    "flex",
    "m4",
    "patch",
    "musl-dev",
    "libc6-dev",
    "linux-libc-dev",
];

pub fn is_build_tool(name: &str) -> bool {
    BUILD_TOOLS.contains(&name)
        || name.ends_with("-dev")
        || ["gcc-", "g++-", "cpp-", "binutils-"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// One config difference; `allowed` says why a safe rewrite may make it.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigChange {
    /// `Cmd`, or `Env PATH`, `Labels maintainer` for one key.
    pub field: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RemovedPackage {
    pub name: String,
    pub version: String,
    /// `recommends dropped`, `library`, `build tool`.
    pub marks: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddedPackage {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionChange {
    pub name: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Packages {
    /// `dpkg`, `apk`, `rpm database not read` or `no package database`, per side.
    pub database_before: String,
    pub database_after: String,
    pub count_before: usize,
    pub count_after: usize,
    pub removed: Vec<RemovedPackage>,
    pub added: Vec<AddedPackage>,
    pub changed: Vec<VersionChange>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AppFiles {
    /// The original's WORKDIR, whose files are compared.
    pub workdir: String,
    /// False when the image has no WORKDIR (or `/`): nothing tells the application's files apart.
    pub compared: bool,
    pub same: usize,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Same path, another sha256 (or link target).
    pub changed: Vec<String>,
}

impl AppFiles {
    /// `under /app: 4 same, 0 added, 0 removed, 0 changed`.
    pub fn summary(&self) -> String {
        format!(
            "under {}: {} same, {} added, {} removed, {} changed",
            self.workdir,
            self.same,
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RemovedPath {
    pub path: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageDiff {
    pub config: Vec<ConfigChange>,
    pub packages: Packages,
    pub app_files: AppFiles,
    /// The biggest paths the original has and the rewrite does not, by folder.
    pub removed_paths: Vec<RemovedPath>,
    /// With `--verify`: what a safe rewrite changed that it must not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<String>>,
}

/// A value as compared: a missing field, `null`, `[]`, `{}` and `""` are all "not set".
fn normal(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(a) if a.is_empty() => serde_json::Value::Null,
        serde_json::Value::Object(o) if o.is_empty() => serde_json::Value::Null,
        serde_json::Value::String(s) if s.is_empty() => serde_json::Value::Null,
        other => other.clone(),
    }
}

/// `KEY=VALUE` list (Env) as a map.
fn env_map(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str())
        .map(|e| {
            let (k, v) = e.split_once('=').unwrap_or((e, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn label_map(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
        .collect()
}

fn keyed_changes(
    field: &str,
    b: &BTreeMap<String, String>,
    a: &BTreeMap<String, String>,
    out: &mut Vec<ConfigChange>,
) {
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    for k in keys {
        if b.get(k) != a.get(k) {
            let val = |m: &BTreeMap<String, String>| {
                m.get(k).map_or(serde_json::Value::Null, |v| {
                    serde_json::Value::from(v.as_str())
                })
            };
            out.push(ConfigChange {
                field: format!("{field} {k}"),
                before: val(b),
                after: val(a),
                allowed: None,
            });
        }
    }
}

/// The config differences, each one the rewrite may make in safe mode marked with the reason.
pub fn config_changes(before: &Image, after: &Image) -> Vec<ConfigChange> {
    let mut out = Vec::new();
    for field in CONFIG_FIELDS {
        let (b, a) = (&before.config[field], &after.config[field]);
        match field {
            "Env" => keyed_changes(field, &env_map(b), &env_map(a), &mut out),
            "Labels" => keyed_changes(field, &label_map(b), &label_map(a), &mut out),
            _ if normal(b) != normal(a) => out.push(ConfigChange {
                field: field.to_string(),
                before: normal(b),
                after: normal(a),
                allowed: None,
            }),
            _ => {}
        }
    }
    if before.author != after.author {
        out.push(ConfigChange {
            field: "Author".into(),
            before: normal(&before.author.as_str().into()),
            after: normal(&after.author.as_str().into()),
            allowed: None,
        });
    }
    for c in &mut out {
        c.allowed = allowed(c, before, after);
    }
    out
}

/// Why a safe rewrite may make this change, checked against the values (never by the field
/// alone):
/// - exec-form (DO020) turns `CMD cmd args` into `CMD ["cmd", "args"]`: the same words, without
///   `/bin/sh -c` in between (signals reach the program);
/// - maintainer-to-label (DO022) turns `MAINTAINER x` (the config's Author) into
///   `LABEL maintainer="x"`.
fn allowed(c: &ConfigChange, before: &Image, after: &Image) -> Option<String> {
    match c.field.as_str() {
        "Cmd" | "Entrypoint" => {
            let b: Vec<String> = serde_json::from_value(c.before.clone()).ok()?;
            let a: Vec<String> = serde_json::from_value(c.after.clone()).ok()?;
            let shell: Vec<String> = serde_json::from_value(before.config["Shell"].clone())
                .unwrap_or_else(|_| vec!["/bin/sh".into(), "-c".into()]);
            let [sh, dash_c, script] = b.as_slice() else {
                return None;
            };
            let is_shell = (sh == &shell[0] || sh == "/bin/sh" || sh == "sh")
                && dash_c == shell.get(1).map_or("-c", String::as_str);
            (is_shell && shell_words::split(script).ok()? == a).then(|| {
                "exec-form (DO020): the same command without the shell in between".to_string()
            })
        }
        "Labels maintainer" => (!before.author.is_empty()
            && c.before.is_null()
            && c.after.as_str() == Some(before.author.as_str()))
        .then(|| "maintainer-to-label (DO022): MAINTAINER written as LABEL maintainer".into()),
        "Author" => (after.author.is_empty()
            && label_map(&after.config["Labels"]).get("maintainer") == Some(&before.author))
        .then(|| "maintainer-to-label (DO022): MAINTAINER written as LABEL maintainer".into()),
        _ => None,
    }
}

pub fn packages(before: &Image, after: &Image) -> Packages {
    let (b, a) = (&before.packages, &after.packages);
    let mut out = Packages {
        database_before: before.package_db.clone(),
        database_after: after.package_db.clone(),
        count_before: b.len(),
        count_after: a.len(),
        ..Packages::default()
    };
    // Recommended by a package both images still have.
    let recommended: BTreeSet<&str> = b
        .iter()
        .filter(|(name, _)| a.contains_key(*name))
        .flat_map(|(_, p)| p.recommends.iter().map(String::as_str))
        .collect();
    for (name, p) in b {
        match a.get(name) {
            None => {
                let mut marks = Vec::new();
                if recommended.contains(name.as_str()) {
                    marks.push("recommends dropped");
                }
                if name.starts_with("lib") {
                    marks.push("library");
                }
                if is_build_tool(name) {
                    marks.push("build tool");
                }
                out.removed.push(RemovedPackage {
                    name: name.clone(),
                    version: p.version.clone(),
                    marks,
                });
            }
            Some(q) if q.version != p.version => out.changed.push(VersionChange {
                name: name.clone(),
                before: p.version.clone(),
                after: q.version.clone(),
            }),
            _ => {}
        }
    }
    for (name, p) in a {
        if !b.contains_key(name) {
            out.added.push(AddedPackage {
                name: name.clone(),
                version: p.version.clone(),
            });
        }
    }
    out
}

pub fn app_files(before: &Image, after: &Image) -> AppFiles {
    let workdir = before.config["WorkingDir"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let dir = workdir.trim_matches('/');
    let mut out = AppFiles {
        workdir: workdir.clone(),
        compared: !dir.is_empty(),
        ..AppFiles::default()
    };
    if dir.is_empty() {
        return out;
    }
    let prefix = format!("{dir}/");
    let under = |img: &Image| -> BTreeMap<String, String> {
        img.files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, f)| !f.is_dir)
            .map(|(k, f)| (format!("/{k}"), f.digest.clone()))
            .collect()
    };
    let (b, a) = (under(before), under(after));
    for (path, digest) in &b {
        match a.get(path) {
            None => out.removed.push(path.clone()),
            Some(d) if d != digest => out.changed.push(path.clone()),
            _ => out.same += 1,
        }
    }
    out.added = a.keys().filter(|k| !b.contains_key(*k)).cloned().collect();
    out
}

/// The folder a removed file counts under: its package-manager cache, else its first three
/// path elements (`/usr/share/doc`, `/usr/lib/python3`).
fn removed_folder(path: &str) -> String {
    if let Some(dir) = super::image::CACHES
        .iter()
        .map(|(d, _)| *d)
        .find(|d| path.strip_prefix(d).is_some_and(|r| r.starts_with('/')))
    {
        return format!("/{dir}");
    }
    let parts: Vec<&str> = path.split('/').collect();
    let depth = parts.len().saturating_sub(1).clamp(1, 3);
    format!("/{}", parts[..depth].join("/"))
}

pub fn removed_paths(before: &Image, after: &Image, top: usize) -> Vec<RemovedPath> {
    let mut by_folder: BTreeMap<String, u64> = BTreeMap::new();
    for (path, f) in &before.files {
        if !f.is_dir && f.size > 0 && !after.files.contains_key(path) {
            *by_folder.entry(removed_folder(path)).or_default() += f.size;
        }
    }
    let mut out: Vec<RemovedPath> = by_folder
        .into_iter()
        .map(|(path, bytes)| RemovedPath { path, bytes })
        .collect();
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.path.cmp(&b.path)));
    out.truncate(top);
    out
}

pub fn diff(before: &Image, after: &Image) -> ImageDiff {
    ImageDiff {
        config: config_changes(before, after),
        packages: packages(before, after),
        app_files: app_files(before, after),
        removed_paths: removed_paths(before, after, 10),
        problems: None,
    }
}

/// What a safe rewrite must keep: the same config (but for the allowed changes above), the same
/// packages (names and versions), the same files under the application's WORKDIR.
pub fn problems(d: &ImageDiff) -> Vec<String> {
    let mut out = Vec::new();
    for c in d.config.iter().filter(|c| c.allowed.is_none()) {
        out.push(format!(
            "config {} changed: {} → {}",
            c.field, c.before, c.after
        ));
    }
    let p = &d.packages;
    if !p.removed.is_empty() {
        out.push(format!(
            "packages removed: {}",
            names(p.removed.iter().map(|r| &r.name))
        ));
    }
    if !p.added.is_empty() {
        out.push(format!(
            "packages added: {}",
            names(p.added.iter().map(|r| &r.name))
        ));
    }
    if !p.changed.is_empty() {
        out.push(format!(
            "package versions changed: {}",
            names(p.changed.iter().map(|r| &r.name))
        ));
    }
    let f = &d.app_files;
    for (what, list) in [
        ("added", &f.added),
        ("removed", &f.removed),
        ("changed", &f.changed),
    ] {
        if !list.is_empty() {
            out.push(format!(
                "application files {what} under {}: {}",
                f.workdir,
                names(list.iter())
            ));
        }
    }
    out
}

/// What `--verify` could not check, said next to its verdict.
pub fn unchecked(d: &ImageDiff) -> Vec<String> {
    let mut out = Vec::new();
    if !d.app_files.compared {
        out.push("the original sets no WORKDIR: application files not compared".to_string());
    }
    for db in [&d.packages.database_before, &d.packages.database_after] {
        if db.starts_with("rpm") && !out.iter().any(|o| o.contains("rpm")) {
            out.push("rpm database not read: packages not compared".to_string());
        }
    }
    out
}

/// Up to eight names, then how many more.
fn names<'a>(list: impl Iterator<Item = &'a String>) -> String {
    let all: Vec<&String> = list.collect();
    let mut s = all
        .iter()
        .take(8)
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > 8 {
        s += &format!(" and {} more", all.len() - 8);
    }
    s
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// Removed packages listed in the text output; JSON and HTML list them all.
const SHOWN: usize = 25;

/// The image differences as text, under measure's table.
pub fn text(d: &ImageDiff) -> String {
    let mut out = String::from("\nimage config:\n");
    if d.config.is_empty() {
        out += "  same (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes, Labels, Shell, Healthcheck)\n";
    }
    for c in &d.config {
        out += &format!("  {}: {} → {}", c.field, c.before, c.after);
        if let Some(why) = &c.allowed {
            out += &format!("  (allowed in safe mode: {why})");
        }
        out += "\n";
    }
    let p = &d.packages;
    out += &format!(
        "packages ({} → {}, {}):\n",
        p.count_before,
        p.count_after,
        if p.database_before == p.database_after {
            p.database_before.clone()
        } else {
            format!("{} → {}", p.database_before, p.database_after)
        }
    );
    if p.removed.is_empty() && p.added.is_empty() && p.changed.is_empty() {
        out += "  same\n";
    }
    if p.removed.len() > SHOWN {
        let count = |mark: &str| p.removed.iter().filter(|r| r.marks.contains(&mark)).count();
        out += &format!(
            "  {} removed: {} libraries, {} build tools, {} recommends dropped (the first {} below; --format json lists all)\n",
            p.removed.len(),
            count("library"),
            count("build tool"),
            count("recommends dropped"),
            SHOWN
        );
    }
    for r in p.removed.iter().take(SHOWN) {
        out += &format!("  - {} {}", r.name, r.version);
        if !r.marks.is_empty() {
            out += &format!("  ({})", r.marks.join(", "));
        }
        out += "\n";
    }
    for a in &p.added {
        out += &format!("  + {} {}\n", a.name, a.version);
    }
    for c in &p.changed {
        out += &format!("  ~ {} {} → {}\n", c.name, c.before, c.after);
    }
    let f = &d.app_files;
    if f.compared {
        out += &format!("application files {}\n", f.summary());
        for (mark, list) in [("+", &f.added), ("-", &f.removed), ("~", &f.changed)] {
            for path in list.iter().take(20) {
                out += &format!("  {mark} {path}\n");
            }
            if list.len() > 20 {
                out += &format!("  {mark} … and {} more\n", list.len() - 20);
            }
        }
    } else {
        out += "application files: not compared (the original sets no WORKDIR)\n";
    }
    if !d.removed_paths.is_empty() {
        out += "biggest removed paths:\n";
        for r in &d.removed_paths {
            out += &format!("  {:>10}  {}\n", mb(r.bytes), r.path);
        }
    }
    if let Some(problems) = &d.problems {
        if problems.is_empty() {
            out += "verify: ok, the safe rewrite kept the packages, the config and the application files\n";
        } else {
            out += "verify: FAILED, the safe rewrite changed what it must keep:\n";
            for p in problems {
                out += &format!("  {p}\n");
            }
        }
        for u in unchecked(d) {
            out += &format!("verify: not checked: {u}\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::image::{FileEntry, Package};

    fn image(config: serde_json::Value, files: &[(&str, &str)], pkgs: &[(&str, &str)]) -> Image {
        Image {
            config,
            files: files
                .iter()
                .map(|(p, d)| {
                    (
                        p.to_string(),
                        FileEntry {
                            size: d.len() as u64,
                            digest: d.to_string(),
                            is_dir: false,
                        },
                    )
                })
                .collect(),
            packages: pkgs
                .iter()
                .map(|(n, r)| {
                    (
                        n.to_string(),
                        Package {
                            version: "1".into(),
                            recommends: r
                                .split(' ')
                                .filter(|s| !s.is_empty())
                                .map(String::from)
                                .collect(),
                        },
                    )
                })
                .collect(),
            package_db: "dpkg".into(),
            ..Image::default()
        }
    }

    #[test]
    fn exec_form_and_maintainer_label_are_allowed_other_changes_are_problems() {
        let mut b = image(
            serde_json::json!({"Cmd": ["/bin/sh", "-c", "python3 app.py --port 80"], "WorkingDir": "/app", "Env": ["A=1"]}),
            &[("app/app.py", "x")],
            &[],
        );
        b.author = "me@example.com".into();
        let a = image(
            serde_json::json!({"Cmd": ["python3", "app.py", "--port", "80"], "WorkingDir": "/app", "Env": ["A=1"], "Labels": {"maintainer": "me@example.com"}}),
            &[("app/app.py", "x")],
            &[],
        );
        let d = diff(&b, &a);
        assert_eq!(d.config.len(), 3, "{:?}", d.config);
        assert!(
            d.config.iter().all(|c| c.allowed.is_some()),
            "{:?}",
            d.config
        );
        assert!(problems(&d).is_empty());
        // Another command, another user: problems.
        let c = image(
            serde_json::json!({"Cmd": ["python3", "app.py"], "WorkingDir": "/app", "Env": ["A=2"], "User": "app"}),
            &[("app/app.py", "x")],
            &[],
        );
        let p = problems(&diff(&b, &c));
        assert!(
            p.iter().any(|x| x.starts_with("config Cmd changed")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|x| x == "config Env A changed: \"1\" → \"2\""),
            "{p:?}"
        );
        assert!(
            p.iter().any(|x| x.starts_with("config User changed")),
            "{p:?}"
        );
    }

    #[test]
    fn removed_packages_are_marked_and_app_files_compared_by_hash() {
        let b = image(
            serde_json::json!({"WorkingDir": "/app"}),
            &[
                ("app/a.py", "h1"),
                ("app/b.py", "h2"),
                ("var/lib/apt/lists/x", "0123456789"),
            ],
            &[
                ("python3-pip", "build-essential python3-dev"),
                ("build-essential", ""),
                ("libexpat1-dev", ""),
                ("python3-dev", ""),
                ("curl", ""),
            ],
        );
        let a = image(
            serde_json::json!({"WorkingDir": "/app"}),
            &[("app/a.py", "h1"), ("app/b.py", "h3"), ("app/c.py", "h4")],
            &[("python3-pip", "")],
        );
        let d = diff(&b, &a);
        let marks: BTreeMap<&str, Vec<&str>> = d
            .packages
            .removed
            .iter()
            .map(|r| (r.name.as_str(), r.marks.clone()))
            .collect();
        assert_eq!(
            marks["build-essential"],
            ["recommends dropped", "build tool"]
        );
        assert_eq!(marks["libexpat1-dev"], ["library", "build tool"]);
        assert_eq!(marks["curl"], Vec::<&str>::new());
        assert_eq!(d.app_files.same, 1);
        assert_eq!(d.app_files.changed, ["/app/b.py"]);
        assert_eq!(d.app_files.added, ["/app/c.py"]);
        assert_eq!(d.removed_paths[0].path, "/var/lib/apt/lists");
        assert_eq!(d.removed_paths[0].bytes, 10);
        let p = problems(&d);
        assert_eq!(p.len(), 3, "{p:?}");
    }
}
