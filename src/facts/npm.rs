//! What npm packages need from the image: which are native addons that node-gyp compiles on
//! install (when no prebuilt binary can be fetched, or always), and which system libraries they
//! link. Data as of 2026-12-06, from the packages' `binding.gyp` files and install scripts, and
//! from what the official `node` images ship: the full image is `buildpack-deps` (python3, make,
//! g++ and the -dev packages listed below), the slim one has none of them.

/// Native addons whose install runs node-gyp (always, or when the prebuilt binary they try to
/// download is not there for the Node version, platform or network): on an image with no
/// compiler the install fails.
pub const NODE_GYP_ADDONS: &[&str] = &[
    "argon2",
    "bcrypt",
    "better-sqlite3",
    "canvas",
    "cpu-features",
    "deasync",
    "diskusage",
    "epoll",
    "farmhash",
    "ffi-napi",
    "fibers",
    "grpc",
    "heapdump",
    "iconv",
    "kerberos",
    "leveldown",
    "libpq",
    "libxmljs",
    "libxmljs2",
    "microtime",
    "node-expat",
    "node-pty",
    "node-rdkafka",
    "node-sass",
    "pg-native",
    "re2",
    "ref-napi",
    "sqlite3",
    "unix-dgram",
    "usb",
    "zeromq",
];

/// Addons that link a library of the full image that the slim image lacks, with the Debian
/// -dev packages that provide it: the runtime needs their runtime libraries.
pub const NODE_ADDON_LIBRARIES: &[(&str, &[&str])] = &[
    (
        "canvas",
        &[
            "libcairo2-dev",
            "libpango1.0-dev",
            "libjpeg-dev",
            "libgif-dev",
            "librsvg2-dev",
        ],
    ),
    ("libpq", &["libpq-dev"]),
    ("pg-native", &["libpq-dev"]),
    ("kerberos", &["libkrb5-dev"]),
];

/// The package names a Node project installs, read from its lock file (package-lock.json v1–3,
/// npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml), else the dependencies package.json names.
/// `read` gives a file of the project's folder; `None` when none of them can be read.
pub fn installed_packages(read: impl Fn(&str) -> Option<String>) -> Option<Vec<String>> {
    for lock in ["package-lock.json", "npm-shrinkwrap.json"] {
        let Some(json) =
            read(lock).and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        let mut names = Vec::new();
        // v2/v3: "packages": {"node_modules/a/node_modules/b": …}
        if let Some(pkgs) = json.get("packages").and_then(|p| p.as_object()) {
            for key in pkgs.keys() {
                if let Some((_, name)) = key.rsplit_once("node_modules/") {
                    names.push(name.to_string());
                }
            }
        }
        // v1: nested "dependencies": {"a": {"dependencies": {…}}}
        fn walk(v: &serde_json::Value, names: &mut Vec<String>) {
            if let Some(deps) = v.get("dependencies").and_then(|d| d.as_object()) {
                for (name, sub) in deps {
                    names.push(name.clone());
                    walk(sub, names);
                }
            }
        }
        walk(&json, &mut names);
        return Some(names);
    }
    if let Some(text) = read("yarn.lock") {
        // `"@scope/a@^1.0.0", "@scope/a@^1.2.0":` or `a@^1.0.0:` at the start of a line.
        let names = text
            .lines()
            .filter(|l| !l.starts_with([' ', '#']) && l.ends_with(':'))
            .filter_map(|l| {
                let first = l
                    .trim_end_matches(':')
                    .split(',')
                    .next()?
                    .trim()
                    .trim_matches('"');
                let at = first[1..].find('@')? + 1;
                Some(first[..at].to_string())
            })
            .collect();
        return Some(names);
    }
    if let Some(text) = read("pnpm-lock.yaml") {
        // `  /a@1.0.0:` (v6), `  a@1.0.0:` (v9), `  /@scope/a@1.0.0:`
        let names = text
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
            .filter_map(|l| {
                let entry = l.trim().trim_end_matches(':').trim_matches('\'');
                let entry = entry.trim_start_matches('/');
                let at = entry.get(1..)?.find('@')? + 1;
                Some(entry[..at].to_string())
            })
            .collect();
        return Some(names);
    }
    let manifest: serde_json::Value = serde_json::from_str(&read("package.json")?).ok()?;
    let mut names = Vec::new();
    for section in ["dependencies", "devDependencies", "optionalDependencies"] {
        if let Some(deps) = manifest.get(section).and_then(|d| d.as_object()) {
            names.extend(deps.keys().cloned());
        }
    }
    Some(names)
}

/// The first installed package that is a native addon node-gyp may compile.
pub fn compiled_addon(packages: &[String]) -> Option<&str> {
    packages
        .iter()
        .map(String::as_str)
        .find(|p| NODE_GYP_ADDONS.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files<'a>(list: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            list.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.to_string())
        }
    }

    #[test]
    fn reads_every_lock_format() {
        let v3 = r#"{"lockfileVersion": 3, "packages": {"": {"name": "app"}, "node_modules/express": {}, "node_modules/a/node_modules/bcrypt": {}}}"#;
        let v1 = r#"{"lockfileVersion": 1, "dependencies": {"express": {"dependencies": {"sqlite3": {}}}}}"#;
        let yarn = "# yarn lockfile v1\n\n\"@types/node@^18.0.0\", \"@types/node@^18.1.0\":\n  version \"18.1.0\"\n\nnode-sass@^7.0.0:\n  version \"7.0.3\"\n";
        let pnpm = "lockfileVersion: '6.0'\n\npackages:\n\n  /canvas@2.11.2:\n    resolution: {}\n  /@scope/x@1.0.0:\n    dev: false\n";
        let mut p = installed_packages(files(&[("package-lock.json", v3)])).unwrap();
        p.sort();
        assert_eq!(p, ["bcrypt", "express"]);
        assert_eq!(compiled_addon(&p), Some("bcrypt"));
        let p = installed_packages(files(&[("package-lock.json", v1)])).unwrap();
        assert_eq!(p, ["express", "sqlite3"]);
        let p = installed_packages(files(&[("yarn.lock", yarn)])).unwrap();
        assert_eq!(p, ["@types/node", "node-sass"]);
        let p = installed_packages(files(&[("pnpm-lock.yaml", pnpm)])).unwrap();
        assert_eq!(p, ["canvas", "@scope/x"]);
        let manifest = r#"{"dependencies": {"express": "^4"}, "devDependencies": {"jest": "^29"}}"#;
        let p = installed_packages(files(&[("package.json", manifest)])).unwrap();
        assert_eq!(compiled_addon(&p), None);
        assert_eq!(installed_packages(files(&[])), None);
    }
}
