//! What an image holds, read from the archive an engine saves (`docker save`, `podman save`,
//! `buildah push … docker-archive:`), without running a container: its config, its history with
//! the layer each step made, the files of its final filesystem (size and sha256) and its package
//! databases. The same archive format for every engine, so the same code reads them all.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A file of the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub size: u64,
    /// The content's sha256 (hex) for a regular file; the target for a link; empty for a folder.
    pub digest: String,
    pub is_dir: bool,
}

/// Where package managers keep caches, and what to call them. (Paths in an image, without the
/// leading `/`.) A cache left in a layer is shipped with the image.
pub const CACHES: &[(&str, &str)] = &[
    ("var/lib/apt/lists", "the apt lists"),
    ("var/cache/apt", "apt's package cache"),
    ("root/.cache/pip", "pip's cache"),
    ("root/.cache/uv", "uv's cache"),
    ("root/.cache/pypoetry", "Poetry's cache"),
    ("root/.npm", "npm's cache"),
    ("usr/local/share/.cache/yarn", "yarn's cache"),
    ("var/cache/apk", "apk's cache"),
    ("var/cache/yum", "yum's cache"),
    ("var/cache/dnf", "dnf's cache"),
    ("root/.cache/go-build", "Go's build cache"),
];

/// The cache a path lies in, if any.
pub fn cache_of(path: &str) -> Option<&'static str> {
    CACHES
        .iter()
        .find(|(dir, _)| path.strip_prefix(dir).is_some_and(|r| r.starts_with('/')))
        .map(|(_, label)| *label)
}

/// A secret-looking file outside the system's folders (`/usr`, `/lib`, `/etc`, `/var/lib`) and
/// installed packages' folders, where keys, certificates and system-wide configuration (such as
/// a base image's `/etc/pip.conf`) ship as a matter of course.
pub fn secret_path(path: &str) -> bool {
    const SYSTEM: [&str; 6] = ["usr/", "lib/", "lib64/", "etc/", "var/lib/", "proc/"];
    const INSTALLED: [&str; 3] = ["/node_modules/", "/site-packages/", "/dist-packages/"];
    !SYSTEM.iter().any(|s| path.starts_with(s))
        && !INSTALLED.iter().any(|s| path.contains(s))
        && dockopt::facts::secrets::looks_secret(path)
}

/// One layer: its size, and the facts about it that explain a size.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Layer {
    /// The layer's uncompressed tar, in bytes: what it adds to the image.
    pub bytes: u64,
    /// Bytes per package-manager cache (label, bytes), biggest first.
    pub caches: Vec<(String, u64)>,
    /// Secret-looking files it holds.
    pub secrets: Vec<String>,
    /// Bytes of earlier layers' files it deletes: still shipped, in those layers.
    pub deletes_shipped_bytes: u64,
}

/// One entry of the image's history: an instruction, and the layer it made (if any).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub created_by: String,
    /// The index of its layer in `Image::layers`; none for a metadata step.
    pub layer: Option<usize>,
}

/// A package from the image's package database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub version: String,
    /// The packages it recommends (dpkg's `Recommends:`).
    pub recommends: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Image {
    /// The image config's `config` object (Env, Cmd, …), and its top-level `author`.
    pub config: serde_json::Value,
    pub author: String,
    pub history: Vec<HistoryEntry>,
    pub layers: Vec<Layer>,
    /// Path (no leading `/`) → file, after every layer is applied.
    pub files: BTreeMap<String, FileEntry>,
    /// Name → package, from dpkg's or apk's database.
    pub packages: BTreeMap<String, Package>,
    /// Which database the packages came from (`dpkg`, `apk`), or why none was read.
    pub package_db: String,
}

/// What a layer tar holds, before the layers are stacked.
#[derive(Default)]
struct LayerIndex {
    bytes: u64,
    entries: Vec<(String, FileEntry)>,
    /// Paths deleted (`.wh.NAME`) and folders emptied (`.wh..wh..opq`) in lower layers.
    whiteouts: Vec<String>,
    opaque: Vec<String>,
    /// The package databases' text, by path.
    databases: BTreeMap<String, Vec<u8>>,
}

/// Package databases kept while reading (their text is parsed afterwards).
fn is_database(path: &str) -> bool {
    path == "var/lib/dpkg/status"
        || path.starts_with("var/lib/dpkg/status.d/")
        || path == "lib/apk/db/installed"
}

/// A path in a tar, as the image sees it, without `./` and the leading `/`.
fn clean(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

/// Reads one layer tar (plain or gzip).
fn read_layer(mut reader: impl Read) -> Result<LayerIndex, String> {
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        let n = reader.read(&mut head[got..]).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        got += n;
    }
    let rest = std::io::Cursor::new(head[..got].to_vec()).chain(reader);
    if head[..got] == [0x1f, 0x8b] {
        index_tar(flate2::read::GzDecoder::new(rest))
    } else {
        index_tar(rest)
    }
}

fn index_tar(reader: impl Read) -> Result<LayerIndex, String> {
    let mut layer = LayerIndex::default();
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| format!("layer: {e}"))?;
        let path = clean(&entry.path().map_err(|e| e.to_string())?.to_string_lossy());
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if name == ".wh..wh..opq" {
            layer.opaque.push(dir.to_string());
            continue;
        }
        if let Some(deleted) = name.strip_prefix(".wh.") {
            layer.whiteouts.push(if dir.is_empty() {
                deleted.to_string()
            } else {
                format!("{dir}/{deleted}")
            });
            continue;
        }
        if path.is_empty() {
            continue;
        }
        let kind = entry.header().entry_type();
        let file = if kind.is_dir() {
            FileEntry {
                size: 0,
                digest: String::new(),
                is_dir: true,
            }
        } else if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .ok()
                .flatten()
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            FileEntry {
                size: 0,
                digest: format!("-> {target}"),
                is_dir: false,
            }
        } else {
            let keep = is_database(&path);
            let mut hasher = Sha256::new();
            let mut kept = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            let mut size = 0u64;
            loop {
                let n = entry.read(&mut buf).map_err(|e| e.to_string())?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                size += n as u64;
                if keep {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            if keep {
                layer.databases.insert(path.clone(), kept);
            }
            FileEntry {
                size,
                digest: format!("{:x}", hasher.finalize()),
                is_dir: false,
            }
        };
        layer.entries.push((path, file));
    }
    Ok(layer)
}

/// Removes `path` and everything under it; the bytes removed.
fn remove_tree(files: &mut BTreeMap<String, FileEntry>, path: &str) -> u64 {
    let prefix = format!("{path}/");
    let mut gone: Vec<String> = files
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    if path.is_empty() {
        gone = files.keys().cloned().collect();
    } else if files.contains_key(path) {
        gone.push(path.to_string());
    }
    gone.iter()
        .filter_map(|k| files.remove(k))
        .map(|f| f.size)
        .sum()
}

/// Reads an image archive (docker-archive: `manifest.json`, the config, one tar per layer; the
/// layer tars may be symlinks or OCI blobs).
pub fn read_archive(path: &Path) -> Result<Image, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut outer = tar::Archive::new(std::io::BufReader::new(file));
    let mut jsons: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut layers: BTreeMap<String, LayerIndex> = BTreeMap::new();
    let mut links: BTreeMap<String, String> = BTreeMap::new();
    for entry in outer.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| format!("image archive: {e}"))?;
        let name = clean(&entry.path().map_err(|e| e.to_string())?.to_string_lossy());
        let kind = entry.header().entry_type();
        if kind.is_symlink() {
            if let Some(target) = entry.link_name().ok().flatten() {
                // Relative to the link's folder.
                let dir = name.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
                let target = target.to_string_lossy().into_owned();
                for part in target.split('/') {
                    match part {
                        ".." => {
                            parts.pop();
                        }
                        "." | "" => {}
                        p => parts.push(p),
                    }
                }
                links.insert(name, parts.join("/"));
            }
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        // JSON (manifest, config, index) is small and starts with `{` or `[`; anything else
        // big is a layer.
        let mut head = Vec::new();
        (&mut entry)
            .take(1)
            .read_to_end(&mut head)
            .map_err(|e| e.to_string())?;
        if matches!(head.first(), Some(b'{' | b'[')) {
            let mut text = head;
            entry.read_to_end(&mut text).map_err(|e| e.to_string())?;
            jsons.insert(name, text);
        } else if name.ends_with("VERSION") || name.ends_with("oci-layout") {
            continue;
        } else {
            let layer = read_layer(std::io::Cursor::new(head).chain(&mut entry))
                .map_err(|e| format!("{name}: {e}"))?;
            let bytes = entry.header().size().unwrap_or(0);
            layers.insert(name, LayerIndex { bytes, ..layer });
        }
    }
    let manifest: serde_json::Value = serde_json::from_slice(
        jsons
            .get("manifest.json")
            .ok_or("the image archive has no manifest.json")?,
    )
    .map_err(|e| format!("manifest.json: {e}"))?;
    let manifest = if manifest.is_array() {
        &manifest[0]
    } else {
        &manifest
    };
    let config_name = manifest["Config"]
        .as_str()
        .ok_or("manifest.json names no config")?;
    let config: serde_json::Value = serde_json::from_slice(
        jsons
            .get(&clean(config_name))
            .ok_or_else(|| format!("the image archive has no {config_name}"))?,
    )
    .map_err(|e| format!("{config_name}: {e}"))?;
    let mut image = Image {
        config: config["config"].clone(),
        author: config["author"].as_str().unwrap_or("").to_string(),
        ..Image::default()
    };
    let mut databases: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for name in manifest["Layers"].as_array().into_iter().flatten() {
        let name = clean(name.as_str().unwrap_or(""));
        let resolved = links.get(&name).cloned().unwrap_or(name.clone());
        let index = layers
            .get(&resolved)
            .ok_or_else(|| format!("the image archive has no layer {name}"))?;
        let mut layer = Layer {
            bytes: index.bytes,
            ..Layer::default()
        };
        for dir in &index.opaque {
            let prefix = format!("{dir}/");
            let inside: Vec<String> = image
                .files
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .collect();
            for k in inside {
                layer.deletes_shipped_bytes += image.files.remove(&k).map_or(0, |f| f.size);
            }
        }
        for gone in &index.whiteouts {
            layer.deletes_shipped_bytes += remove_tree(&mut image.files, gone);
            databases.retain(|k, _| k != gone && !k.starts_with(&format!("{gone}/")));
        }
        let mut caches: BTreeMap<&str, u64> = BTreeMap::new();
        for (path, file) in &index.entries {
            if let Some(label) = cache_of(path) {
                *caches.entry(label).or_default() += file.size;
            }
            if !file.is_dir && file.digest.len() == 64 && secret_path(path) {
                layer.secrets.push(format!("/{path}"));
            }
            // A file replacing a folder (or the reverse) replaces all of it.
            if image
                .files
                .get(path)
                .is_some_and(|old| old.is_dir != file.is_dir)
            {
                remove_tree(&mut image.files, path);
            }
            image.files.insert(path.clone(), file.clone());
        }
        layer.caches = caches
            .into_iter()
            .filter(|(_, b)| *b > 0)
            .map(|(l, b)| (l.to_string(), b))
            .collect();
        layer.caches.sort_by_key(|c| std::cmp::Reverse(c.1));
        databases.extend(index.databases.clone());
        image.layers.push(layer);
    }
    // History: the entries that made a layer take the layers in order.
    let mut next = 0;
    for h in config["history"].as_array().into_iter().flatten() {
        let empty = h["empty_layer"].as_bool().unwrap_or(false);
        let layer = (!empty && next < image.layers.len()).then(|| {
            next += 1;
            next - 1
        });
        image.history.push(HistoryEntry {
            created_by: h["created_by"].as_str().unwrap_or("").to_string(),
            layer,
        });
    }
    read_packages(&mut image, &databases);
    Ok(image)
}

/// The packages, from the databases left in the final filesystem.
fn read_packages(image: &mut Image, databases: &BTreeMap<String, Vec<u8>>) {
    let dpkg: Vec<&Vec<u8>> = databases
        .iter()
        .filter(|(k, _)| k.starts_with("var/lib/dpkg/status") && image.files.contains_key(*k))
        .map(|(_, v)| v)
        .collect();
    if !dpkg.is_empty() {
        image.package_db = "dpkg".into();
        for text in dpkg {
            image
                .packages
                .extend(parse_dpkg(&String::from_utf8_lossy(text)));
        }
    } else if let Some(text) = databases.get("lib/apk/db/installed") {
        image.package_db = "apk".into();
        image.packages = parse_apk(&String::from_utf8_lossy(text));
    } else if ["var/lib/rpm", "usr/lib/sysimage/rpm"]
        .iter()
        .any(|d| image.files.contains_key(*d))
    {
        // rpm's database is SQLite or Berkeley DB: reading it needs rpm itself.
        image.package_db = "rpm database not read".into();
    } else {
        image.package_db = "no package database".into();
    }
}

/// dpkg's status file: installed packages, their versions and recommends.
pub fn parse_dpkg(text: &str) -> BTreeMap<String, Package> {
    let mut out = BTreeMap::new();
    for para in text.split("\n\n") {
        let field = |name: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                .map(|v| v.trim().to_string())
        };
        let Some(name) = field("Package") else {
            continue;
        };
        // A status.d entry (distroless) has no Status field: it is installed.
        if field("Status").is_some_and(|s| !s.ends_with(" installed")) {
            continue;
        }
        let recommends = field("Recommends")
            .map(|r| {
                r.split([',', '|'])
                    .filter_map(|p| p.split_whitespace().next())
                    .map(|p| p.split(':').next().unwrap_or(p).to_string())
                    .collect()
            })
            .unwrap_or_default();
        out.insert(
            name,
            Package {
                version: field("Version").unwrap_or_default(),
                recommends,
            },
        );
    }
    out
}

/// apk's installed database: `P:` name, `V:` version, a blank line between packages.
pub fn parse_apk(text: &str) -> BTreeMap<String, Package> {
    let mut out = BTreeMap::new();
    for para in text.split("\n\n") {
        let field = |k: &str| para.lines().find_map(|l| l.strip_prefix(k));
        if let Some(name) = field("P:") {
            out.insert(
                name.to_string(),
                Package {
                    version: field("V:").unwrap_or("").to_string(),
                    recommends: Vec::new(),
                },
            );
        }
    }
    out
}

/// Bytes of every package-manager cache across the layers (a cache deleted in a later layer is
/// still shipped in the one that made it).
pub fn cache_bytes(image: &Image) -> u64 {
    image
        .layers
        .iter()
        .flat_map(|l| l.caches.iter().map(|c| c.1))
        .sum()
}

/// Secret-looking files in any layer, deleted later or not.
pub fn secrets(image: &Image) -> BTreeSet<String> {
    image
        .layers
        .iter()
        .flat_map(|l| l.secrets.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_gives_installed_packages_and_recommends() {
        let text = "Package: python3-pip\nStatus: install ok installed\nVersion: 23.0.1\nRecommends: build-essential, python3-dev (>= 3.2), python3-setuptools | python3-wheel\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n";
        let p = parse_dpkg(text);
        assert_eq!(p.len(), 1);
        assert_eq!(p["python3-pip"].version, "23.0.1");
        assert_eq!(
            p["python3-pip"].recommends,
            [
                "build-essential",
                "python3-dev",
                "python3-setuptools",
                "python3-wheel"
            ]
        );
    }

    #[test]
    fn apk_database_gives_names_and_versions() {
        let p = parse_apk("C:Q1x\nP:musl\nV:1.2.4-r2\n\nP:busybox\nV:1.36.1-r5\n");
        assert_eq!(p.len(), 2);
        assert_eq!(p["busybox"].version, "1.36.1-r5");
    }

    /// A tar of (path, content, kind): kind `f` file, `d` folder, `l` symlink to the content.
    fn tar_of(entries: &[(&str, &str, char)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, content, kind) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            match kind {
                'd' => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_size(0);
                    h.set_cksum();
                    b.append_data(&mut h, path, std::io::empty()).unwrap();
                }
                'l' => {
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_size(0);
                    b.append_link(&mut h, path, content).unwrap();
                }
                _ => {
                    h.set_size(content.len() as u64);
                    h.set_cksum();
                    b.append_data(&mut h, path, content.as_bytes()).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn layers_stack_with_whiteouts_and_symlinked_layer_tars() {
        let lower = tar_of(&[
            ("a/", "", 'd'),
            ("a/x", &"x".repeat(100), 'f'),
            ("d/", "", 'd'),
            ("d/y", &"y".repeat(50), 'f'),
            (
                "var/lib/dpkg/status",
                "Package: curl\nStatus: install ok installed\nVersion: 7\n",
                'f',
            ),
        ]);
        let upper = tar_of(&[
            ("a/.wh.x", "", 'f'),
            ("d/.wh..wh..opq", "", 'f'),
            ("d/z", "z", 'f'),
            ("var/lib/apt/lists/big", &"l".repeat(10), 'f'),
        ]);
        let config = serde_json::json!({
            "config": {"WorkingDir": "/d"},
            "author": "me",
            "history": [
                {"created_by": "/bin/sh -c #(nop) ADD file:1 in /"},
                {"created_by": "/bin/sh -c #(nop) ENV A=b", "empty_layer": true},
                {"created_by": "/bin/sh -c rm -rf /a/x /d/*"}
            ]
        });
        let manifest =
            serde_json::json!([{"Config": "c.json", "Layers": ["1/layer.tar", "2/layer.tar"]}]);
        let mut outer = tar::Builder::new(Vec::new());
        let mut add = |name: &str, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            outer.append_data(&mut h, name, data).unwrap();
        };
        add("aaa.tar", &lower);
        add("bbb.tar", &upper);
        add("c.json", config.to_string().as_bytes());
        add("manifest.json", manifest.to_string().as_bytes());
        for (link, target) in [("1/layer.tar", "../aaa.tar"), ("2/layer.tar", "../bbb.tar")] {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            outer.append_link(&mut h, link, target).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("image.tar");
        std::fs::write(&file, outer.into_inner().unwrap()).unwrap();
        let img = read_archive(&file).unwrap();
        let paths: Vec<&str> = img.files.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "a",
                "d",
                "d/z",
                "var/lib/apt/lists/big",
                "var/lib/dpkg/status"
            ],
            "{paths:?}"
        );
        assert_eq!(img.layers.len(), 2);
        assert_eq!(img.layers[1].deletes_shipped_bytes, 150);
        assert_eq!(img.layers[1].caches, [("the apt lists".to_string(), 10)]);
        assert_eq!(img.layers[0].bytes, lower.len() as u64);
        let made: Vec<Option<usize>> = img.history.iter().map(|h| h.layer).collect();
        assert_eq!(made, [Some(0), None, Some(1)]);
        assert_eq!(img.author, "me");
        assert_eq!(img.package_db, "dpkg");
        assert_eq!(img.packages["curl"].version, "7");
        let z = &img.files["d/z"];
        assert_eq!(
            z.digest, "594e519ae499312b29433b7dd8a97ff068defcba9755b6d5d00e84c524d67b06",
            "sha256 of `z`"
        );
    }

    #[test]
    fn caches_and_secrets_are_known_by_path() {
        assert_eq!(
            cache_of("var/lib/apt/lists/deb.debian.org_x"),
            Some("the apt lists")
        );
        assert_eq!(cache_of("var/lib/apt/listsx/a"), None);
        assert_eq!(cache_of("root/.cache/pip/http/a"), Some("pip's cache"));
        assert!(secret_path("app/.env"));
        assert!(secret_path("root/.ssh/id_rsa"));
        assert!(!secret_path("etc/ssl/certs/ca.pem"));
        assert!(!secret_path("etc/pip.conf"));
        assert!(!secret_path(
            "usr/local/lib/python3.11/site-packages/certifi/cacert.pem"
        ));
        assert!(!secret_path("app/app.py"));
    }
}
