//! What changed inside the image (`measure`, `--verify`), `layers --build`, the scoreboard and
//! the HTML page, with a stand-in engine: a `buildah` whose `push … docker-archive:` writes an
//! image archive the test made (layers as tars, a config), so that the image differences are read
//! from real archives without building anything. The HTML page is rendered in headless Chromium.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::repo;

/// One layer: (path, content); a path ending in `/` is a folder, `.wh.NAME` deletes NAME.
type Layer<'a> = &'a [(&'a str, &'a str)];

/// A docker-archive as `docker save` / `buildah push` write it: `manifest.json`, the config,
/// one tar per layer. Every layer gets a history entry made by `created_by[k]` (a RUN when the
/// list is shorter), and `metadata` entries (no layer) follow.
fn archive(config: serde_json::Value, layers: &[Layer<'_>], created_by: &[&str]) -> Vec<u8> {
    let mut outer = tar::Builder::new(Vec::new());
    let add = |b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8], dir: bool| {
        let mut h = tar::Header::new_gnu();
        h.set_size(if dir { 0 } else { data.len() as u64 });
        h.set_mode(if dir { 0o755 } else { 0o644 });
        h.set_entry_type(if dir {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        });
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    };
    let mut names = Vec::new();
    let mut history = Vec::new();
    for (k, layer) in layers.iter().enumerate() {
        let mut inner = tar::Builder::new(Vec::new());
        for (path, content) in layer.iter() {
            add(&mut inner, path, content.as_bytes(), path.ends_with('/'));
        }
        let name = format!("layer{k}.tar");
        add(&mut outer, &name, &inner.into_inner().unwrap(), false);
        names.push(name);
        history.push(serde_json::json!({
            "created_by": created_by.get(k).copied().unwrap_or("/bin/sh -c true")
        }));
    }
    for extra in created_by.iter().skip(layers.len()) {
        history.push(serde_json::json!({"created_by": extra, "empty_layer": true}));
    }
    let mut config = config;
    config["history"] = history.into();
    add(
        &mut outer,
        "config.json",
        config.to_string().as_bytes(),
        false,
    );
    let manifest = serde_json::json!([{"Config": "config.json", "Layers": names}]);
    add(
        &mut outer,
        "manifest.json",
        manifest.to_string().as_bytes(),
        false,
    );
    outer.into_inner().unwrap()
}

const DPKG_FULL: &str = "Package: python3\nStatus: install ok installed\nVersion: 3.11.2-1\n\nPackage: python3-pip\nStatus: install ok installed\nVersion: 23.0.1+dfsg-1\nRecommends: build-essential, python3-dev\n\nPackage: build-essential\nStatus: install ok installed\nVersion: 12.9\n\nPackage: libexpat1-dev\nStatus: install ok installed\nVersion: 2.5.0-1\n\nPackage: curl\nStatus: install ok installed\nVersion: 7.88.1-10\n";

/// The original: packages, the app, then an install layer that leaves the apt lists and pip's
/// cache behind.
fn original_image() -> Vec<u8> {
    let lists = "x".repeat(300_000);
    let pip = "p".repeat(160_000);
    archive(
        serde_json::json!({"config": {"Cmd": ["/bin/sh", "-c", "python3 app.py"], "WorkingDir": "/app", "Env": ["PATH=/usr/bin"]}}),
        &[
            &[
                ("var/", ""),
                ("var/lib/", ""),
                ("var/lib/dpkg/", ""),
                ("var/lib/dpkg/status", DPKG_FULL),
            ],
            &[
                ("var/lib/apt/lists/", ""),
                ("var/lib/apt/lists/deb.debian.org_bookworm_Packages", &lists),
                ("root/.cache/pip/", ""),
                ("root/.cache/pip/wheel", &pip),
            ],
            &[
                ("app/", ""),
                ("app/app.py", "print('hello')\n"),
                ("app/requirements.txt", "flask\n"),
            ],
        ],
        &[
            "/bin/sh -c #(nop) ADD file:base in /",
            "/bin/sh -c apt-get update && apt-get install -y python3-pip && pip install flask",
            "/bin/sh -c #(nop) COPY dir:abc in /app/",
            "/bin/sh -c #(nop) CMD python3 app.py",
        ],
    )
}

/// A rewrite that keeps what matters: the same packages and app, no caches, CMD in exec form.
fn kept_image() -> Vec<u8> {
    archive(
        serde_json::json!({"config": {"Cmd": ["python3", "app.py"], "WorkingDir": "/app", "Env": ["PATH=/usr/bin"]}}),
        &[
            &[("var/lib/dpkg/status", DPKG_FULL)],
            &[("var/lib/apt/lists/", "")],
            &[
                ("app/app.py", "print('hello')\n"),
                ("app/requirements.txt", "flask\n"),
            ],
        ],
        &[],
    )
}

/// A rewrite that drops packages, edits the app and changes the user.
fn changed_image() -> Vec<u8> {
    let fewer: String = DPKG_FULL
        .split("\n\n")
        .filter(|p| !p.contains("build-essential\nStatus") && !p.contains("libexpat1-dev"))
        .collect::<Vec<_>>()
        .join("\n\n");
    archive(
        serde_json::json!({"config": {"Cmd": ["python3", "app.py"], "WorkingDir": "/app", "Env": ["PATH=/usr/bin"], "User": "10001:10001"}}),
        &[
            &[("var/lib/dpkg/status", &fewer)],
            &[
                ("app/app.py", "print('hello, edited')\n"),
                ("app/requirements.txt", "flask\n"),
                ("app/extra.py", "x = 1\n"),
            ],
        ],
        &[],
    )
}

/// A stand-in engine in a temporary folder: `buildah` answers `push TAG docker-archive:DEST`
/// with `images/SIDE.tar` (SIDE: the tag's last `-` part: `before`, `after0`, … for measure,
/// `0`, `1` for layers --build), `inspect` with a small image, and everything else with success;
/// `podman` fails (measure asks podman first for an image's size).
struct Engine {
    tmp: tempfile::TempDir,
    path: String,
}

impl Engine {
    fn new(dockerfile: &str, images: &[(&str, Vec<u8>)]) -> Engine {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        for sub in ["bin", "app", "images"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        std::fs::write(dir.join("app/Dockerfile"), dockerfile).unwrap();
        for (side, bytes) in images {
            std::fs::write(dir.join(format!("images/{side}.tar")), bytes).unwrap();
        }
        let buildah = format!(
            r#"#!/bin/sh
case "$1" in
  push) tag="$3"; dest="${{4#docker-archive:}}"; cp "{d}/images/${{tag##*-}}.tar" "$dest";;
  inspect) echo '[{{"Size": 123000000, "RootFS": {{"Layers": ["a", "b"]}}, "Config": {{"User": ""}}}}]';;
  *) exit 0;;
esac
"#,
            d = dir.display()
        );
        std::fs::write(dir.join("bin/buildah"), buildah).unwrap();
        std::fs::write(dir.join("bin/podman"), "#!/bin/sh\nexit 1\n").unwrap();
        for b in ["buildah", "podman"] {
            std::fs::set_permissions(
                dir.join("bin").join(b),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
        }
        let path = format!(
            "{}:{}",
            dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Engine { tmp, path }
    }

    fn context(&self) -> PathBuf {
        self.tmp.path().join("app")
    }

    /// `dockopt ARGS` in the context, the stand-in first on PATH, the temporary folder its own.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dockopt"))
            .args(args)
            .current_dir(self.context())
            .env("PATH", &self.path)
            .env("TMPDIR", self.tmp.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
}

const NAIVE: &str = "FROM python:3.11\nWORKDIR /app\nRUN apt-get update && apt-get install -y python3-pip && pip install flask\nCOPY . /app/\nCMD python3 app.py\n";

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn verify_passes_a_rewrite_that_kept_packages_config_and_app_files() {
    let e = Engine::new(
        NAIVE,
        &[("before", original_image()), ("after0", kept_image())],
    );
    let out = e.run(&["measure", "--engine", "buildah", "--verify", "Dockerfile"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("verify: ok"), "{stdout}");
    assert!(
        stdout.contains(
            "  Cmd: [\"/bin/sh\",\"-c\",\"python3 app.py\"] → [\"python3\",\"app.py\"]  (allowed in safe mode: exec-form (DO020)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("packages (5 → 5, dpkg):\n  same\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("application files under /app: 2 same, 0 added, 0 removed, 0 changed"),
        "{stdout}"
    );
    // The caches the original left, biggest first, by folder.
    let removed = stdout
        .split("biggest removed paths:\n")
        .nth(1)
        .unwrap_or("");
    let lines: Vec<&str> = removed.lines().take(2).map(str::trim).collect();
    assert_eq!(
        lines,
        ["0.3 MB  /var/lib/apt/lists", "0.2 MB  /root/.cache/pip"],
        "{stdout}"
    );
}

#[test]
fn verify_fails_when_a_rewrite_drops_packages_or_changes_app_files_or_config() {
    let e = Engine::new(
        NAIVE,
        &[("before", original_image()), ("after0", changed_image())],
    );
    let out = e.run(&["measure", "--engine", "buildah", "--verify", "Dockerfile"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    for expected in [
        "verify: FAILED",
        "  - build-essential 12.9  (recommends dropped, build tool)\n",
        "  - libexpat1-dev 2.5.0-1  (library, build tool)\n",
        "  config User changed: null → \"10001:10001\"\n",
        "  packages removed: build-essential, libexpat1-dev\n",
        "  application files added under /app: /app/extra.py\n",
        "  application files changed under /app: /app/app.py\n",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing:\n{stdout}");
    }
    // The same in JSON, and without --verify no verdict and exit 0.
    let out = e.run(&[
        "measure",
        "--engine",
        "buildah",
        "--format",
        "json",
        "Dockerfile",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["image_diff"];
    assert!(d.get("problems").is_none(), "{d}");
    assert_eq!(d["packages"]["removed"][0]["name"], "build-essential");
    assert_eq!(d["app_files"]["changed"][0], "/app/app.py");
    assert_eq!(d["config"][1]["field"], "User", "{}", d["config"]);
    assert_eq!(v["before"]["facts"]["cache_bytes"], 460_000);
    assert_eq!(v["after"]["facts"]["packages"], 3);
    assert_eq!(v["score"]["name"], "dockopt");
}

#[test]
fn verify_refuses_unsafe_fixes_and_an_unsafe_config() {
    let e = Engine::new(NAIVE, &[]);
    let out = e.run(&["measure", "--verify", "--unsafe-fixes", "Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("cannot be used with"),
        "{}",
        text(&out).1
    );
    let out = e.run(&[
        "measure",
        "--engine",
        "buildah",
        "--verify",
        "--against",
        "dockopt:unsafe",
        "Dockerfile",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("--verify checks a safe rewrite, and dockopt (unsafe) applies unsafe fixes"),
        "{}",
        text(&out).1
    );
    std::fs::write(e.context().join(".dockopt.yaml"), "unsafe-fixes: true\n").unwrap();
    let out = e.run(&["measure", "--engine", "buildah", "--verify", "Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("--verify checks a safe rewrite"),
        "{}",
        text(&out).1
    );
}

#[test]
fn layers_build_shows_each_layer_size_and_why() {
    let e = Engine::new(NAIVE, &[("0", original_image())]);
    let out = e.run(&["layers", "--build", "--engine", "buildah", "Dockerfile"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let run = stdout
        .lines()
        .position(|l| l.contains("RUN apt-get update"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[run].contains(" 0.5 MB  ████████████████████████  RUN apt-get"),
        "{stdout}"
    );
    assert!(
        lines[run + 1].ends_with("↳ the apt lists stay in this layer: 0.3 MB"),
        "{stdout}"
    );
    assert!(
        lines[run + 2].ends_with("↳ pip's cache stays in this layer: 0.2 MB"),
        "{stdout}"
    );
    assert!(stdout.contains("base image (1 layers)"), "{stdout}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("WORKDIR /app") && l.contains(" - ")),
        "a metadata step has no layer: {stdout}"
    );
    let out = e.run(&[
        "layers",
        "--build",
        "--engine",
        "buildah",
        "--format",
        "html",
        "Dockerfile",
    ]);
    let (page, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        page.contains("the apt lists stay in this layer: 0.3 MB"),
        "{page}"
    );
    let out = e.run(&["layers", "--format", "html", "Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("add --build"), "{}", text(&out).1);
}

#[test]
fn the_scoreboard_ranks_every_variant() {
    let e = Engine::new(
        NAIVE,
        &[
            ("before", original_image()),
            ("after0", kept_image()),
            ("after1", changed_image()),
        ],
    );
    std::fs::write(
        e.context().join("hand.Dockerfile"),
        "FROM python:3.11-slim\n",
    )
    .unwrap();
    let out = e.run(&[
        "measure",
        "--engine",
        "buildah",
        "--against",
        "dockopt:safe",
        "--against",
        "by-hand=hand.Dockerfile",
        "--weights",
        "size=0,rebuild=0",
        "Dockerfile",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let board = stdout
        .split("scoreboard (")
        .nth(1)
        .unwrap_or_else(|| panic!("{stdout}"));
    let ranked: Vec<&str> = board
        .lines()
        .filter(|l| l.starts_with(char::is_numeric))
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    // Security only: by-hand runs as non-root with fewer packages and no cache; the safe rewrite
    // has no cache; the original keeps its caches.
    assert_eq!(ranked, ["by-hand", "dockopt", "Dockerfile"], "{stdout}");
    assert!(
        board.contains("security: non-root; 3 packages (-40 % of the original's)"),
        "{stdout}"
    );
}

/// The page for `--format html`, from the stand-in's images.
fn html_page(e: &Engine) -> String {
    let out = e.run(&[
        "measure",
        "--engine",
        "buildah",
        "--verify",
        "--format",
        "html",
        "Dockerfile",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    stdout
}

/// Chromium, installed by scripts/setup-browser.sh when missing; none (the test skips) where it
/// cannot be installed, unless CI is set.
fn chromium() -> Option<PathBuf> {
    let find = || {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    };
    if let Some(p) = find() {
        return Some(p);
    }
    let setup = Command::new(repo().join("scripts/setup-browser.sh")).output();
    let found = find();
    if found.is_none() {
        let why = setup.map_or_else(
            |e| e.to_string(),
            |o| String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        assert!(
            std::env::var("CI").is_err(),
            "CI: chromium is needed for the HTML test and scripts/setup-browser.sh could not install it: {why}"
        );
        eprintln!("skipped: the HTML page in Chromium (chromium is not installed: {why})");
    }
    found
}

fn headless(chromium: &Path, profile: &Path, args: &[&str]) -> Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_html_page_renders_in_headless_chromium() {
    let e = Engine::new(
        NAIVE,
        &[("before", original_image()), ("after0", changed_image())],
    );
    let page = html_page(&e);
    let Some(chromium) = chromium() else { return };
    let artefacts = repo().join("target/artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let file = artefacts.join("measure.html");
    std::fs::write(&file, &page).unwrap();
    let url = format!("file://{}", file.display());
    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&chromium, profile.path(), &["--dump-dom", &url]);
    let (dom_text, log) = text(&dom);
    assert!(dom.status.success(), "{log}");
    // The numbers, as the browser parsed them.
    for shown in [
        "Scoreboard",
        "123.0 MB",
        "verify: FAILED",
        "build-essential",
        "recommends dropped",
        "/var/lib/apt/lists",
        "the apt lists stay in this layer: 0.3 MB",
        "<svg",
    ] {
        assert!(
            dom_text.contains(shown),
            "{shown:?} not in the DOM:\n{dom_text}"
        );
    }
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("net::ERR"))
        .collect();
    assert!(console.is_empty(), "console errors: {console:?}");
    for (name, size) in [
        ("measure.png", "1280,1800"),
        ("measure-phone.png", "390,2400"),
    ] {
        let shot = artefacts.join(name);
        let _ = std::fs::remove_file(&shot);
        let out = headless(
            &chromium,
            profile.path(),
            &[
                &format!("--screenshot={}", shot.display()),
                &format!("--window-size={size}"),
                "--hide-scrollbars",
                &url,
            ],
        );
        assert!(out.status.success(), "{}", text(&out).1);
        let png = std::fs::read(&shot).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{name}: {} bytes",
            png.len()
        );
    }
}

/// The engine named by DOCKOPT_TEST_ENGINE (buildah, podman, docker), for the real builds below;
/// none (they skip, saying so) when it is not set.
fn real_engine(test: &str) -> Option<String> {
    let engine = std::env::var("DOCKOPT_TEST_ENGINE").ok();
    if engine.is_none() {
        eprintln!(
            "{test}: set DOCKOPT_TEST_ENGINE=buildah (after scripts/setup-engine.sh) to run it"
        );
    }
    engine
}

/// A real build of the classic exercise: dockopt's safe rewrite keeps the packages, the config
/// (but for CMD in exec form) and the application's files, and drops the apt lists.
#[test]
fn real_engine_verifies_the_classic_safe_rewrite() {
    let Some(engine) = real_engine("real_engine_verifies_the_classic_safe_rewrite") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args([
            "measure", "--engine", &engine, "--verify", "--format", "json",
        ])
        .arg(repo().join("examples/classic/Dockerfile"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let d = &v["image_diff"];
    assert_eq!(d["problems"], serde_json::json!([]), "{d}");
    assert_eq!(d["packages"]["database_before"], "dpkg");
    assert!(d["packages"]["count_before"].as_u64().unwrap() > 100, "{d}");
    assert!(d["app_files"]["same"].as_u64().unwrap() >= 3, "{d}");
    assert_eq!(d["removed_paths"][0]["path"], "/var/lib/apt/lists", "{d}");
}

/// A real build of the classic exercise, layer by layer: the apt lists stay in the layer of the
/// first RUN.
#[test]
fn real_engine_layers_of_the_classic_exercise() {
    let Some(engine) = real_engine("real_engine_layers_of_the_classic_exercise") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(["layers", "--build", "--engine", &engine])
        .arg(repo().join("examples/classic/Dockerfile"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let update = lines
        .iter()
        .position(|l| l.ends_with("RUN apt-get update"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(lines[update].contains(" MB "), "{stdout}");
    assert!(
        lines[update + 1].contains("↳ the apt lists stay in this layer: "),
        "{stdout}"
    );
}
