//! The real binary: exit codes, stdout, stderr, and what `--write` leaves on disk.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::repo;
use dockopt::Document;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// One text for a snapshot, with temporary paths made stable.
    fn render(&self, tmp: Option<&Path>) -> String {
        let mut s = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        if let Some(t) = tmp {
            s = s.replace(&t.display().to_string(), "[TMP]");
        }
        s
    }
}

fn dockopt(args: &[&str], stdin: Option<&[u8]>, cwd: &Path) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dockopt");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn snap(name: &str, value: String) {
    insta::with_settings!({ snapshot_path => repo().join("snapshots/cli"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, value);
    });
}

const CLASSIC: &str = "examples/classic/Dockerfile";

#[test]
fn default_prints_a_diff_and_exits_0() {
    let r = dockopt(&["optimize", CLASSIC], None, &repo());
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("--- a/examples/classic/Dockerfile\n+++ b/examples/classic/Dockerfile\n")
    );
    snap("classic_default", r.render(None));
}

#[test]
fn diff_and_check_exit_1_when_changes_are_pending() {
    let d = dockopt(&["optimize", "--diff", CLASSIC], None, &repo());
    assert_eq!(d.code, 1, "{}", d.stderr);
    assert!(d.stdout.contains("+RUN apt-get update \\"));
    let c = dockopt(&["optimize", "--check", CLASSIC], None, &repo());
    assert_eq!(c.code, 1);
    assert_eq!(c.stdout, "");
    // What makes it fail, a line each, by line number; the rest behind counts (issue 16).
    let listed: Vec<&str> = c.stderr.lines().filter(|l| l.ends_with(" [*]")).collect();
    assert_eq!(listed.len(), 9, "{}", c.stderr);
    assert!(
        listed[0].starts_with("examples/classic/Dockerfile:3: DO0"),
        "{}",
        c.stderr
    );
    assert!(!c.stderr.contains("[unsafe fix"), "{}", c.stderr);
    assert!(
        c.stderr.contains("5 more fixes with --unsafe-fixes"),
        "{}",
        c.stderr
    );
    assert!(c.stderr.contains("1 suggestion not shown"), "{}", c.stderr);
    snap("classic_check", c.render(None));
}

#[test]
fn stdin_filter_writes_the_rewritten_file() {
    let text = std::fs::read(repo().join(CLASSIC)).unwrap();
    let r = dockopt(&["optimize", "--unsafe-fixes", "-"], Some(&text), &repo());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("FROM python:3.8-slim\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("apt-get install --no-install-recommends -y \\\n        curl \\\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("USER 10001:10001"));
    snap("classic_stdin_unsafe", r.render(None));
}

#[test]
fn write_is_atomic_keeps_permissions_and_settles() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("Dockerfile");
    std::fs::copy(repo().join(CLASSIC), &file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let expected = dockopt(
        &["optimize", "-"],
        Some(&std::fs::read(&file).unwrap()),
        tmp.path(),
    )
    .stdout;
    let w = dockopt(&["optimize", "--write", "."], None, tmp.path());
    assert_eq!(w.code, 0, "{}", w.stderr);
    assert_eq!(w.stdout, "", "--write prints no diff");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
    let again = dockopt(&["optimize", "--check", "."], None, tmp.path());
    assert_eq!(again.code, 0, "second run finds nothing: {}", again.stderr);
    snap("write", w.render(Some(tmp.path())));
}

#[test]
fn select_and_ignore() {
    let only = dockopt(
        &["optimize", "--select", "merge-runs", CLASSIC],
        None,
        &repo(),
    );
    assert!(
        only.stdout
            .contains("+    && apt-get install -y python3-pip \\")
    );
    assert!(!only.stdout.contains("--no-cache-dir"));
    assert!(
        only.stderr.contains("(2 fixes: merge-runs 2)"),
        "{}",
        only.stderr
    );
    let ignored = dockopt(
        &["optimize", "--ignore", "DO001,pip-no-cache-dir", CLASSIC],
        None,
        &repo(),
    );
    assert!(!ignored.stdout.contains("--no-cache-dir"));
    assert!(!ignored.stdout.contains("+    && apt-get install"));
    let bad = dockopt(
        &["optimize", "--select", "no-such-pass", CLASSIC],
        None,
        &repo(),
    );
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "error: unknown pass `no-such-pass` in --select/--ignore (see `dockopt passes`)\n"
    );
}

#[test]
fn json_format() {
    let r = dockopt(&["optimize", "--format", "json", CLASSIC], None, &repo());
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let file = &v[0];
    assert_eq!(file["path"], CLASSIC);
    assert_eq!(file["changed"], true);
    assert!(file["error"].is_null());
    assert!(
        file["applied"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "merge-runs" && a["code"] == "DO001")
    );
    let s = &file["suggestions"][0];
    assert_eq!(s["name"], "apt-no-install-recommends");
    assert_eq!(s["applicability"], "unsafe");
    assert!(s["line"].as_u64().unwrap() > 0 && s["message"].is_string());
}

#[test]
fn passes_and_explain() {
    let p = dockopt(&["passes"], None, &repo());
    assert_eq!(p.code, 0);
    snap("passes", p.stdout);
    let by_name = dockopt(&["explain", "merge-runs"], None, &repo());
    let by_code = dockopt(&["explain", "do001"], None, &repo());
    assert_eq!(by_name.stdout, by_code.stdout);
    for section in ["## What it does", "## Why", "## Example", "## Fix safety"] {
        assert!(by_name.stdout.contains(section));
    }
    snap("explain_merge_runs", by_name.stdout);
    let unknown = dockopt(&["explain", "nope"], None, &repo());
    assert_eq!(unknown.code, 2);
}

#[test]
fn bad_inputs_get_a_one_line_reason_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(t.join("binary.Dockerfile"), b"FROM x\n\0\x01\x02").unwrap();
    std::fs::write(t.join("latin1.Dockerfile"), b"FROM x\nLABEL a=\xe9t\xe9\n").unwrap();
    std::fs::write(t.join("empty.Dockerfile"), b"\n\n").unwrap();
    std::fs::write(t.join("nofrom.Dockerfile"), b"RUN echo hi\n").unwrap();
    std::fs::write(
        t.join("broken.Dockerfile"),
        b"FROM x\nRUN <<EOF\necho never closed\n",
    )
    .unwrap();
    std::fs::create_dir(t.join("Dockerfile")).unwrap();
    std::fs::write(t.join("good.Dockerfile"), b"FROM x\nMAINTAINER me\n").unwrap();
    std::fs::write(t.join("huge.Dockerfile"), "FROM x\n".repeat(2_000_000)).unwrap();
    let mut names: Vec<String> = [
        "binary", "latin1", "empty", "nofrom", "broken", "good", "huge",
    ]
    .iter()
    .map(|n| format!("{n}.Dockerfile"))
    .collect();
    names.push("Dockerfile".into());
    names.push("missing.Dockerfile".into());
    let mut args = vec!["optimize", "--check"];
    args.extend(names.iter().map(String::as_str));
    let r = dockopt(&args, None, t);
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("panic"));
    for line in r.stderr.lines().filter(|l| l.starts_with("error:")) {
        assert!(!line.contains('\n'));
    }
    snap("bad_inputs", r.render(Some(t)));
}

#[test]
fn directories_are_searched() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for dir in ["svc", ".devcontainer", "ignored", ".git", "docs"] {
        std::fs::create_dir(t.join(dir)).unwrap();
    }
    let df = "FROM x\nMAINTAINER me\n";
    for f in [
        "Dockerfile",
        "svc/Dockerfile.prod",
        "svc/api.dockerfile",
        ".devcontainer/Dockerfile",
        "ignored/Dockerfile",
        ".git/Dockerfile",
        "Containerfile",
        "svc/Dockerfile-dev",
        "svc/Dockerfile_prod",
        "svc/dev.Dockerfile",
        "svc/worker-dockerfile",
    ] {
        std::fs::write(t.join(f), df).unwrap();
    }
    std::fs::write(t.join("docs/README.md"), "not a Dockerfile").unwrap();
    // Named after a Dockerfile, and none: BuildKit's ignore file for it, notes, a script.
    for f in [
        "Dockerfile.dockerignore",
        "docs/Dockerfile.md",
        "svc/dockerfile-build.sh",
    ] {
        std::fs::write(t.join(f), "not a Dockerfile").unwrap();
    }
    std::fs::write(t.join(".gitignore"), "ignored/\n").unwrap();
    let r = dockopt(&["optimize", "--format", "json", "."], None, t);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut paths: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ".devcontainer/Dockerfile",
            "Containerfile",
            "Dockerfile",
            "svc/Dockerfile-dev",
            "svc/Dockerfile.prod",
            "svc/Dockerfile_prod",
            "svc/api.dockerfile",
            "svc/dev.Dockerfile",
            "svc/worker-dockerfile",
        ]
    );
}

#[test]
fn crlf_and_bom_survive() {
    let input = "\u{feff}FROM debian:bookworm\r\n# keep me\r\nRUN apt-get update\r\nRUN apt-get install -y curl\r\n";
    let r = dockopt(&["optimize", "-"], Some(input.as_bytes()), &repo());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("\u{feff}FROM debian:bookworm\r\n# keep me\r\n")
    );
    assert_eq!(
        r.stdout.matches('\n').count(),
        r.stdout.matches("\r\n").count(),
        "every line ends in CRLF:\n{:?}",
        r.stdout
    );
    assert!(r.stdout.contains("rm -rf /var/lib/apt/lists/*"));
}

#[test]
fn no_final_newline_stays_so() {
    let r = dockopt(
        &["optimize", "-"],
        Some(b"FROM x\nRUN echo a\nRUN echo b"),
        &repo(),
    );
    assert_eq!(r.stdout, "FROM x\nRUN echo a \\\n    && echo b");
}

#[cfg(unix)]
#[test]
fn write_refuses_a_symlink_out_of_the_tree() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("Dockerfile");
    std::fs::write(&target, "FROM x\nMAINTAINER me\n").unwrap();
    let tree = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&target, tree.path().join("Dockerfile")).unwrap();
    let r = dockopt(&["optimize", "--write", "."], None, tree.path());
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("symlink points outside"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "FROM x\nMAINTAINER me\n"
    );
}

#[test]
fn add_to_copy_reads_the_build_context() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(t.join("rootfs"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap(); // gzip: ADD unpacks it
    std::fs::write(t.join("config"), "key=value\n").unwrap();
    std::fs::create_dir(t.join("site")).unwrap();
    let df = "FROM debian:bookworm\nADD rootfs /\nADD config /etc/app\nADD site /srv/www\n";
    std::fs::write(t.join("Dockerfile"), df).unwrap();
    let r = dockopt(
        &["optimize", "-", "--stdin-filename", "Dockerfile"],
        Some(df.as_bytes()),
        t,
    );
    assert_eq!(
        r.stdout, "FROM debian:bookworm\nADD rootfs /\nCOPY config /etc/app\nCOPY site /srv/www\n",
        "{}",
        r.stderr
    );
    // The same file with no context to look at: `rootfs` might be an archive, so unsafe only.
    let elsewhere = tempfile::tempdir().unwrap();
    let r = dockopt(&["optimize", "-"], Some(df.as_bytes()), elsewhere.path());
    assert!(r.stdout.contains("ADD rootfs /"));
    assert!(
        r.stderr.contains("`rootfs` is not a tar archive"),
        "{}",
        r.stderr
    );
}

#[test]
fn dockerignore_is_a_new_file_in_the_diff_and_on_write() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(
        t.join("Dockerfile"),
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
    )
    .unwrap();
    std::fs::write(t.join("app.py"), "print('hi')\n").unwrap();
    let d = dockopt(
        &[
            "optimize",
            "--unsafe-fixes",
            "--select",
            "dockerignore",
            "Dockerfile",
        ],
        None,
        t,
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    assert!(
        d.stdout.starts_with("--- /dev/null\n+++ b/.dockerignore\n"),
        "{}",
        d.stdout
    );
    assert!(d.stdout.contains("+__pycache__/\n"));
    let j = dockopt(
        &[
            "optimize",
            "--unsafe-fixes",
            "--select",
            "dockerignore",
            "--format",
            "json",
            "Dockerfile",
        ],
        None,
        t,
    );
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v[0]["new_files"][0], ".dockerignore");
    let w = dockopt(&["optimize", "--unsafe-fixes", "--write", "."], None, t);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let ignore = std::fs::read_to_string(t.join(".dockerignore")).unwrap();
    assert!(ignore.contains(".git\n") && ignore.contains("*.py[cod]\n"));
    let again = dockopt(&["optimize", "--unsafe-fixes", "--check", "."], None, t);
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[test]
fn two_dockerfiles_sharing_a_context_write_one_dockerignore() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for name in ["Dockerfile", "api.Dockerfile"] {
        std::fs::write(
            t.join(name),
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
        )
        .unwrap();
    }
    let w = dockopt(
        &[
            "optimize",
            "--unsafe-fixes",
            "--select",
            "dockerignore",
            "--write",
            ".",
        ],
        None,
        t,
    );
    assert_eq!(w.code, 0, "{}", w.stderr);
    assert!(t.join(".dockerignore").is_file());
    let again = dockopt(
        &[
            "optimize",
            "--unsafe-fixes",
            "--select",
            "dockerignore",
            "--check",
            ".",
        ],
        None,
        t,
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[test]
fn config_file_is_found_validated_and_overridden_by_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::create_dir_all(t.join(".git")).unwrap();
    std::fs::create_dir_all(t.join("svc/legacy")).unwrap();
    let df =
        "FROM python:3.12\nRUN pip install flask\nRUN pip install gunicorn\nCMD python app.py\n";
    std::fs::write(t.join("svc/Dockerfile"), df).unwrap();
    std::fs::write(t.join("svc/legacy/Dockerfile"), df).unwrap();
    std::fs::write(
        t.join(".dockopt.yaml"),
        "ignore: [exec-form]\nunsafe-fixes: true\nnon-root-user: { name: web, uid: 2000 }\nslim-base:\n  map: { \"python:3.12\": \"registry.example.com/python:3.12-slim\" }\noverrides:\n  - files: [\"svc/legacy/**\"]\n    ignore: [merge-runs, exec-form]\n",
    )
    .unwrap();
    let r = dockopt(&["optimize", "svc/Dockerfile"], None, t);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("+FROM registry.example.com/python:3.12-slim"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("+USER 2000:2000"), "{}", r.stdout);
    // merge-runs joined the RUNs, and one-install (unsafe) the two pip installs.
    assert!(
        r.stdout.contains(
            "+    && pip install --no-cache-dir \\\n+        flask \\\n+        gunicorn\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("CMD ["),
        "exec-form is ignored by the config"
    );
    let legacy = dockopt(&["optimize", "svc/legacy/Dockerfile"], None, t);
    assert!(
        !legacy.stdout.contains("&& pip install"),
        "override turns merge-runs off:\n{}",
        legacy.stdout
    );
    // Flags win; --isolated skips the file.
    let flags = dockopt(
        &["optimize", "--ignore", "non-root-user", "svc/Dockerfile"],
        None,
        t,
    );
    assert!(!flags.stdout.contains("USER"));
    assert!(
        flags.stdout.contains("CMD ["),
        "--ignore replaces the config's ignore list"
    );
    let isolated = dockopt(&["optimize", "--isolated", "svc/Dockerfile"], None, t);
    assert!(!isolated.stdout.contains("registry.example.com"));
    // A typo is refused with the line and the valid keys.
    std::fs::write(
        t.join(".dockopt.yaml"),
        "select: [merge-runs]\nunsafe-fix: true\n",
    )
    .unwrap();
    let bad = dockopt(&["optimize", "svc/Dockerfile"], None, t);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains(
            ".dockopt.yaml:2:1: unknown key `unsafe-fix` (did you mean `unsafe-fixes`?); the keys are"
        ),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("unsafe-fixes"));
    std::fs::write(t.join(".dockopt.yaml"), "ignore: [no-such-pass]\n").unwrap();
    let unknown = dockopt(&["optimize", "svc/Dockerfile"], None, t);
    assert!(
        unknown.stderr.contains("unknown pass `no-such-pass`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn review_and_ci_formats() {
    for format in ["sarif", "github", "gitlab", "suggestions"] {
        let r = dockopt(&["optimize", "--format", format, CLASSIC], None, &repo());
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        if matches!(format, "sarif" | "gitlab") {
            let v: serde_json::Value =
                serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{format}: {e}"));
            let n = if format == "sarif" {
                v["runs"][0]["results"].as_array().unwrap().len()
            } else {
                v.as_array().unwrap().len()
            };
            assert!(n >= 5, "{format}: {n} results");
        }
        snap(&format!("format_{format}"), r.stdout);
    }
}

#[test]
fn layer_view_before_and_after() {
    let r = dockopt(
        &["layers", "--after", "--unsafe-fixes", CLASSIC],
        None,
        &repo(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .ends_with("final stage: 9 → 3 layers; 4 → 1 rebuilt after a source edit\n"),
        "{}",
        r.stdout
    );
    snap("layers_classic", r.stdout);
    let j = dockopt(&["layers", "--format", "json", CLASSIC], None, &repo());
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["before"]["final_stage_layers"], 9);
    assert!(v["after"].is_null());
}

#[test]
fn write_leaves_read_only_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("Dockerfile");
    std::fs::write(&file, "FROM x\nMAINTAINER me\n").unwrap();
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&file, perms).unwrap();
    let r = dockopt(&["optimize", "--write", "Dockerfile"], None, tmp.path());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("Dockerfile: not written: the file is read-only"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "FROM x\nMAINTAINER me\n"
    );
}

#[test]
fn measure_says_what_is_missing_without_an_engine() {
    // No Docker daemon runs on these machines: the docker engine must be refused clearly.
    if std::process::Command::new("docker")
        .args(["info"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return; // a daemon exists here: nothing to check
    }
    let r = dockopt(&["measure", "--engine", "docker", CLASSIC], None, &repo());
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: `docker` is not installed or cannot build here\n"
    );
}

/// A stand-in `buildah` for measure's tests, beside a build context `app/` holding `dockerfile`.
/// The stand-in logs each call's arguments to `calls`, runs the `case` arms given (sh; `{dir}`
/// stands for the test's folder) and answers every other command with success.
#[cfg(unix)]
struct StandIn {
    tmp: tempfile::TempDir,
    path: String,
}

#[cfg(unix)]
impl StandIn {
    fn new(arms: &str, dockerfile: &str) -> StandIn {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app/Dockerfile"), dockerfile).unwrap();
        let arms = arms.replace("{dir}", &dir.display().to_string());
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> {calls}\ncase \"$1\" in\n{arms}\n  *) exit 0;;\nesac\n",
            calls = dir.join("calls").display()
        );
        std::fs::write(bin.join("buildah"), script).unwrap();
        std::fs::set_permissions(bin.join("buildah"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        StandIn { tmp, path }
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn context(&self) -> std::path::PathBuf {
        self.dir().join("app")
    }

    /// `dockopt measure --engine buildah ARGS Dockerfile` in the context, with the stand-in
    /// first on PATH and the test's folder as the temporary one: its own lock, so that no real
    /// measurement on this machine holds the test up.
    fn measure(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockopt"));
        cmd.args(["measure", "--engine", "buildah"])
            .args(args)
            .arg("Dockerfile")
            .current_dir(self.context())
            .env("PATH", &self.path)
            .env("TMPDIR", self.dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.dir().join("calls")).unwrap_or_default()
    }

    /// Whether the process whose pid is `pid` still runs (a zombie does not).
    fn alive(pid: &str) -> bool {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        state
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    }
}

/// A `bud` that hangs, as a long build does, leaving a child sleeping; each child's pid goes
/// to `sleepers`.
#[cfg(unix)]
const HANGING_BUD: &str =
    "  bud) sh -c 'echo $$ >> {dir}/sleepers; exec sleep 300' & wait; exit 0;;";

#[cfg(unix)]
const TWO_RUNS: &str = "FROM debian:bookworm\nRUN echo one\nRUN echo two\n";

/// `--timeout` stops a build that hangs together with what it started. Both builds must fail
/// with the timeout message, and no sleeper may survive (procps' `kill -KILL -PID` once
/// killed nothing, silently).
#[cfg(unix)]
#[test]
fn measure_timeout_kills_the_hung_build_and_its_children() {
    let s = StandIn::new(HANGING_BUD, TWO_RUNS);
    let out = s
        .measure(&["--timeout", "1", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for side in ["before", "after"] {
        assert_eq!(v[side]["built"], false);
        assert_eq!(
            v[side]["error"], "buildah bud: no result after 1 s (--timeout)",
            "{side}"
        );
    }
    let sleepers = std::fs::read_to_string(s.dir().join("sleepers")).unwrap();
    assert_eq!(sleepers.lines().count(), 2, "one hung build per side");
    for pid in sleepers.lines() {
        assert!(!StandIn::alive(pid), "sleeper {pid} outlived the timeout");
    }
}

/// Ctrl-C stops the build under way (it runs in a process group of its own, out of the
/// terminal's reach), and measure removes its image, the working container a killed build
/// leaves, and its copies of the context.
#[cfg(unix)]
#[test]
fn measure_interrupted_stops_the_build_and_removes_what_it_made() {
    let arms = format!(
        "{HANGING_BUD}\n  containers) [ -s {{dir}}/sleepers ] && echo left-by-bud; exit 0;;"
    );
    let s = StandIn::new(&arms, TWO_RUNS);
    let child = s.measure(&["--timeout", "120"]).spawn().unwrap();
    // Interrupt once the first build is under way.
    let sleepers = s.dir().join("sleepers");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&sleepers)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(started.elapsed().as_secs() < 60, "the build never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-s", "INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted; the images it built are removed"),
        "{stderr}"
    );
    let sleepers = std::fs::read_to_string(&sleepers).unwrap();
    assert_eq!(
        sleepers.lines().count(),
        1,
        "no build starts after the interrupt"
    );
    let pid = sleepers.trim();
    assert!(
        !StandIn::alive(pid),
        "the interrupted build {pid} still runs"
    );
    let calls = s.calls();
    assert!(
        calls
            .lines()
            .any(|c| c.starts_with("rmi -f localhost/dockopt-measure-") && c.ends_with("-before")),
        "the image is not removed: {calls}"
    );
    assert!(
        calls.lines().any(|c| c == "rm left-by-bud"),
        "the build's working container is not removed: {calls}"
    );
    // In the temporary folder, only the lock that keeps measurements one at a time stays.
    let left: Vec<String> = std::fs::read_dir(s.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp")) // what `tempfile` names them
        .collect();
    assert!(
        left.is_empty(),
        "the context copies are left behind: {left:?}"
    );
}

/// measure builds what `optimize` would write: the same flags, and the config file found
/// above the Dockerfile; build arguments go to both builds. The stand-in keeps each Dockerfile
/// it is asked to build.
#[cfg(unix)]
#[test]
fn measure_builds_the_rewrite_optimize_writes_config_included() {
    let original = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n";
    let s = StandIn::new(
        "  bud) while [ \"$1\" != -f ]; do shift; done; cp \"$2\" {dir}/; exit 1;;",
        original,
    );
    let ctx = s.context();
    std::fs::write(ctx.join("requirements.txt"), "flask\n").unwrap();
    std::fs::write(ctx.join("app.py"), "print(1)\n").unwrap();
    std::fs::write(ctx.join(".dockopt.yaml"), "cache-mounts: true\n").unwrap();
    let out = s
        .measure(&[
            "--unsafe-fixes",
            "--user-name",
            "web",
            "--build-arg",
            "PY_VERSION=3.11",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = |name: &str| std::fs::read_to_string(s.dir().join(name)).unwrap();
    assert_eq!(built("before.Dockerfile"), original);
    let written = dockopt(
        &[
            "optimize",
            "--unsafe-fixes",
            "--user-name",
            "web",
            "--write",
            "Dockerfile",
        ],
        None,
        &ctx,
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    let after = built("after0.Dockerfile");
    assert_eq!(
        after,
        std::fs::read_to_string(ctx.join("Dockerfile")).unwrap()
    );
    assert!(
        after.contains("--mount=type=cache"),
        "the config is not applied:\n{after}"
    );
    assert!(
        after.contains("useradd") && after.contains(" web"),
        "--user-name is not applied:\n{after}"
    );
    let calls = s.calls();
    let builds: Vec<&str> = calls.lines().filter(|c| c.starts_with("bud ")).collect();
    assert_eq!(builds.len(), 2, "{calls}");
    for b in builds {
        assert!(b.contains("--build-arg PY_VERSION=3.11 "), "{b}");
        // A failed build leaves no working container behind.
        assert!(b.contains(" --force-rm "), "{b}");
    }
    let bad = dockopt(&["measure", "--build-arg", "=x", "Dockerfile"], None, &ctx);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("expected KEY=VALUE"), "{}", bad.stderr);
}

/// The file edited between builds is a copy inside measure's own context: a `--touch` outside
/// the build context is refused before any build, and the file itself is never written.
#[cfg(unix)]
#[test]
fn measure_refuses_a_touch_outside_the_context_before_building() {
    let s = StandIn::new("", "FROM debian:bookworm\nCOPY . /app\n");
    let outside = s.dir().join("precious.py");
    std::fs::write(&outside, "keep = 1\n").unwrap();
    let out = s
        .measure(&["--touch", outside.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("precious.py: outside the build context"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep = 1\n");
    assert!(!s.calls().contains("bud"), "built anyway: {}", s.calls());
}

/// Two measurements with one engine take turns: the second waits for the first's lock before
/// it builds anything.
#[cfg(unix)]
#[test]
fn measure_waits_for_another_measurement_to_finish() {
    let s = StandIn::new("  bud) exit 1;;", TWO_RUNS);
    // The other measurement: this test holding the lock.
    let lock = std::fs::File::create(s.dir().join("dockopt-measure-buildah.lock")).unwrap();
    lock.lock().unwrap();
    let child = s.measure(&[]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        !s.calls().contains("bud"),
        "built while the other held the lock: {}",
        s.calls()
    );
    drop(lock);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("waiting for another measurement with buildah to finish"),
        "{stderr}"
    );
    assert!(s.calls().contains("bud"), "never built: {}", s.calls());
}

/// `--no-syntax-directive` (or `syntax-directive: false` in the config) keeps the cache mounts
/// and leaves out the `# syntax=` line, whose frontend image an air-gapped build cannot pull.
#[test]
fn cache_mounts_without_the_syntax_directive() {
    let tmp = tempfile::tempdir().unwrap();
    let input = b"FROM python:3.11\nRUN pip install flask\n";
    let mounted = "RUN --mount=type=cache,target=/root/.cache/pip pip install flask\n";
    let with = dockopt(
        &["optimize", "--isolated", "--cache-mounts", "-"],
        Some(input),
        tmp.path(),
    );
    assert_eq!(
        with.stdout,
        format!("# syntax=docker/dockerfile:1\nFROM python:3.11\n{mounted}")
    );
    let without = dockopt(
        &[
            "optimize",
            "--isolated",
            "--cache-mounts",
            "--no-syntax-directive",
            "-",
        ],
        Some(input),
        tmp.path(),
    );
    assert_eq!(without.stdout, format!("FROM python:3.11\n{mounted}"));
    std::fs::write(
        tmp.path().join(".dockopt.yaml"),
        "cache-mounts: true\nsyntax-directive: false\n",
    )
    .unwrap();
    let configured = dockopt(&["optimize", "-"], Some(input), tmp.path());
    assert_eq!(configured.stdout, without.stdout, "{}", configured.stderr);
}

#[test]
fn measure_refuses_zero_rebuilds_before_building() {
    let r = dockopt(&["measure", "--rebuilds", "0", CLASSIC], None, &repo());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("invalid value '0' for '--rebuilds <N>'"),
        "{}",
        r.stderr
    );
}

/// End to end, only where an engine can build (`DOCKOPT_E2E_MEASURE=1`, after
/// scripts/setup-engine.sh): a tiny Dockerfile measured before and after.
#[test]
fn measure_end_to_end() {
    if std::env::var_os("DOCKOPT_E2E_MEASURE").is_none() {
        eprintln!(
            "measure_end_to_end: set DOCKOPT_E2E_MEASURE=1 (and run scripts/setup-engine.sh) to run it"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(t.join("hello.sh"), "echo hello\n").unwrap();
    std::fs::write(t.join("Dockerfile"), "FROM debian:bookworm\nCOPY . /app\nRUN echo one > /one\nRUN echo two > /two\nCMD sh /app/hello.sh\n").unwrap();
    let r = dockopt(
        &[
            "measure",
            "--format",
            "json",
            "--smoke",
            "sh /app/hello.sh",
            "--rebuilds",
            "2",
            "Dockerfile",
        ],
        None,
        t,
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for side in ["before", "after"] {
        assert_eq!(v[side]["built"], true, "{side}: {}", v[side]);
        assert_eq!(v[side]["smoke_ok"], true);
        assert!(v[side]["size_bytes"].as_u64().unwrap() > 0);
        let runs = v[side]["rebuilds_s"].as_array().unwrap();
        assert_eq!(
            runs.len(),
            2,
            "{side}: one time per --rebuilds round: {}",
            v[side]
        );
        let (x, y) = (runs[0].as_f64().unwrap(), runs[1].as_f64().unwrap());
        let median = v[side]["rebuild_s"].as_f64().unwrap();
        assert!(
            (median - (x + y) / 2.0).abs() < 1e-9,
            "{side}: {median} of {x}, {y}"
        );
    }
    assert!(
        v["after"]["layers"].as_u64() < v["before"]["layers"].as_u64(),
        "the two RUNs merge into one layer"
    );
    assert!(v["size_ratio"].as_f64().is_some());
}

/// End to end with `--against` (same condition): two hand-made rewrites measured against one
/// build of the original; a rewrite that does not build is reported, not fatal to the other.
#[test]
fn measure_against_end_to_end() {
    if std::env::var_os("DOCKOPT_E2E_MEASURE").is_none() {
        eprintln!("measure_against_end_to_end: set DOCKOPT_E2E_MEASURE=1 to run it");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(t.join("hello.sh"), "echo hello\n").unwrap();
    std::fs::write(
        t.join("Dockerfile"),
        "FROM debian:bookworm\nCOPY . /app\nCMD sh /app/hello.sh\n",
    )
    .unwrap();
    std::fs::write(
        t.join("good.Dockerfile"),
        "FROM debian:bookworm-slim\nCOPY hello.sh /app/\nCMD [\"sh\", \"/app/hello.sh\"]\n",
    )
    .unwrap();
    std::fs::write(
        t.join("bad.Dockerfile"),
        "FROM debian:bookworm\nRUN exit 3\n",
    )
    .unwrap();
    let r = dockopt(
        &[
            "measure",
            "--format",
            "json",
            "--smoke",
            "sh /app/hello.sh",
            "--against",
            "good.Dockerfile",
            "--against",
            "bad.Dockerfile",
            "Dockerfile",
        ],
        None,
        t,
    );
    assert_eq!(
        r.code, 2,
        "a rewrite failed to build: {}\n{}",
        r.stdout, r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let list = v.as_array().expect("one object per --against file");
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0]["before"], list[1]["before"],
        "the original is built once"
    );
    assert_eq!(list[0]["after"]["built"], true);
    assert_eq!(list[0]["after"]["smoke_ok"], true);
    assert_eq!(list[1]["after"]["built"], false);
    assert!(
        list[1]["after"]["error"].as_str().unwrap().contains("bud")
            || list[1]["after"]["error"]
                .as_str()
                .unwrap()
                .contains("build")
    );
}

#[test]
fn generated_files_are_left_unless_asked() {
    // vsoch__github-dockerfiles__data__u__unit9__docklabs__Dockerfile.14 (corpus) starts so.
    let dir = tempfile::tempdir().unwrap();
    let text = "### AUTOGENERATED - DO NOT EDIT\nFROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n";
    let path = dir.path().join("Dockerfile");
    std::fs::write(&path, text).unwrap();
    let left = dockopt(&["optimize", "--write", "."], None, dir.path());
    assert_eq!(left.code, 0, "{}", left.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert!(
        left.stderr.contains("line 1 says the file is generated"),
        "{}",
        left.stderr
    );
    assert!(
        left.stderr.contains("1 file left as generated"),
        "{}",
        left.stderr
    );
    // Asked, by flag or by the config file.
    let flag = dockopt(
        &["optimize", "--check", "--include-generated", "."],
        None,
        dir.path(),
    );
    assert_eq!(flag.code, 1, "{}", flag.stderr);
    std::fs::write(
        dir.path().join(".dockopt.yaml"),
        "include-generated: true\n",
    )
    .unwrap();
    let config = dockopt(&["optimize", "--write", "."], None, dir.path());
    assert_eq!(config.code, 0, "{}", config.stderr);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("rm -rf /var/lib/apt/lists/*")
    );
}

/// Every line any format reports is a line of the input file, inside an instruction of the kind
/// the finding is about, even for fixes made in a later round of the fix loop (issue 16).
#[test]
fn reported_lines_are_instruction_lines_of_the_input() {
    use dockopt::syntax::Kind;
    fn kinds(code: &str) -> Option<&'static [Kind]> {
        Some(match code {
            "DO001" | "DO010" | "DO011" | "DO012" | "DO013" | "DO014" | "DO015" | "DO016"
            | "DO017" | "DO023" | "DO024" | "DO025" | "DO028" | "DO044" | "DO045" => &[Kind::Run],
            "DO020" => &[Kind::Cmd, Kind::Entrypoint],
            "DO021" => &[Kind::Add],
            "DO022" => &[Kind::Maintainer],
            "DO026" | "DO032" => &[Kind::From],
            "DO027" => &[Kind::Env],
            _ => return None,
        })
    }
    let files = [
        CLASSIC,
        "examples/static-site/Dockerfile",
        "examples/rust/Dockerfile",
        "zoo/node-static-build-nginx/Dockerfile",
        "tests/fixtures/passes/cd-to-workdir/consecutive.Dockerfile",
        "tests/fixtures/passes/merge-runs/trailing-style.Dockerfile",
    ];
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let doc = Document::parse(&text).unwrap();
        let kind_at = |line: usize| {
            doc.instructions
                .iter()
                .find(|i| {
                    doc.line_of(i.span.start) <= line
                        && line <= doc.line_of(i.span.end.saturating_sub(1).max(i.span.start))
                })
                .map(|i| i.kind)
        };
        for mode in [&[][..], &["--unsafe-fixes"][..]] {
            // A stage the split adds is new text: what is found in it is reported on the line
            // of the split (its FROM).
            let mut json = vec!["optimize", "--format", "json"];
            json.extend(mode);
            json.push(file);
            let v: serde_json::Value =
                serde_json::from_str(&dockopt(&json, None, &repo()).stdout).unwrap();
            let split_lines: Vec<usize> = v[0]["applied"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["code"] == "DO033")
                .map(|a| a["line"].as_u64().unwrap() as usize)
                .collect();
            for format in ["json", "sarif", "github", "gitlab"] {
                let mut args = vec!["optimize", "--format", format];
                args.extend(mode);
                args.push(file);
                let r = dockopt(&args, None, &repo());
                assert!(r.code <= 1, "{file} {format}: {}", r.stderr);
                let mut found: Vec<(String, usize)> = Vec::new();
                match format {
                    "json" => {
                        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
                        for key in ["applied", "suggestions"] {
                            for f in v[0][key].as_array().unwrap() {
                                found.push((
                                    f["code"].as_str().unwrap().to_string(),
                                    f["line"].as_u64().unwrap() as usize,
                                ));
                            }
                        }
                    }
                    "sarif" => {
                        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
                        for res in v["runs"][0]["results"].as_array().unwrap() {
                            let line =
                                &res["locations"][0]["physicalLocation"]["region"]["startLine"];
                            found.push((
                                res["ruleId"].as_str().unwrap().to_string(),
                                line.as_u64().unwrap() as usize,
                            ));
                        }
                    }
                    "gitlab" => {
                        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
                        for res in v.as_array().unwrap() {
                            found.push((
                                res["check_name"].as_str().unwrap().to_string(),
                                res["location"]["lines"]["begin"].as_u64().unwrap() as usize,
                            ));
                        }
                    }
                    _ => {
                        for l in r.stdout.lines().filter(|l| l.starts_with("::")) {
                            let line = l.split("line=").nth(1).unwrap().split(',').next().unwrap();
                            let code = l.split("title=").nth(1).unwrap().split(' ').next().unwrap();
                            found.push((code.to_string(), line.parse().unwrap()));
                        }
                    }
                }
                assert!(!found.is_empty(), "{file} {format}: nothing reported");
                for (code, line) in found {
                    let kind = kind_at(line).unwrap_or_else(|| {
                        panic!("{file} {format} {mode:?}: {code} on line {line}, which is no instruction line")
                    });
                    if let Some(want) = kinds(&code).filter(|_| !split_lines.contains(&line)) {
                        assert!(
                            want.contains(&kind),
                            "{file} {format} {mode:?}: {code} on line {line}, a {kind:?}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "{checked} lines checked");
}

/// `optimize --diff .` over a repository is a patch `git apply` takes: clean paths relative to
/// where dockopt ran, and one creation of a `.dockerignore` that two Dockerfiles of one folder
/// both want, with what each needs. After it, `--check` finds nothing (issue 16).
#[test]
fn diff_of_a_repository_applies_with_git() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "Dockerfile",
        "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n",
    );
    write(
        "svc/api/Dockerfile",
        "FROM python:3.12\nCOPY . /app\nRUN pip install -r /app/requirements.txt\nCMD [\"python\", \"/app/app.py\"]\n",
    );
    write("svc/api/requirements.txt", "flask\n");
    write(
        "web/Dockerfile",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD [\"node\", \"server.js\"]\n",
    );
    write("web/package.json", "{}\n");
    write(
        "web/Dockerfile.worker",
        "FROM python:3.12\nCOPY . /app\nRUN pip install flask\nCMD [\"python\", \"/app/a.py\"]\n",
    );
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let r = dockopt(&["optimize", "--unsafe-fixes", "--diff", "."], None, root);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for header in [
        "--- a/Dockerfile",
        "+++ b/svc/api/Dockerfile",
        "+++ b/web/Dockerfile.worker",
    ] {
        assert!(
            r.stdout.contains(&format!("{header}\n")),
            "{header}:\n{}",
            r.stdout
        );
    }
    assert!(
        !r.stdout.contains("/./") && !r.stdout.contains("a/./"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stdout.matches("+++ b/web/.dockerignore").count(),
        1,
        "{}",
        r.stdout
    );
    std::fs::write(root.join("changes.patch"), &r.stdout).unwrap();
    git(&["apply", "changes.patch"]);
    std::fs::remove_file(root.join("changes.patch")).unwrap();
    let ignore = std::fs::read_to_string(root.join("web/.dockerignore")).unwrap();
    assert!(
        ignore.contains("node_modules/") && ignore.contains("__pycache__/"),
        "{ignore}"
    );
    let check = dockopt(&["optimize", "--unsafe-fixes", "--check", "."], None, root);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

/// A RUN nested thousands of levels deep (`{ { …`, `$( $( …`, `${x:-${x:-…`) used to overflow
/// a worker's stack and abort the whole run; now such a script is opaque (left as it is), and
/// a bad file among good ones stops nothing: the others are written, the summary printed, exit
/// 2 (issue 16).
#[test]
fn deep_scripts_and_a_bad_file_stop_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let deep = [
        format!(
            "FROM debian:12\nRUN {}echo hi; {}\n",
            "{ ".repeat(400),
            "}; ".repeat(400)
        ),
        format!(
            "FROM debian:12\nRUN echo {}x{}\n",
            "$(".repeat(3000),
            ")".repeat(3000)
        ),
        format!(
            "FROM debian:12\nRUN echo {}y{}\n",
            "${x:-".repeat(3200),
            "}".repeat(3200)
        ),
    ];
    for (k, text) in deep.iter().enumerate() {
        std::fs::write(t.join(format!("deep{k}.Dockerfile")), text).unwrap();
    }
    std::fs::write(t.join("bad.Dockerfile"), b"FROM x\n\x00\xff binary").unwrap();
    let good = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n";
    std::fs::write(t.join("Dockerfile"), good).unwrap();
    let r = dockopt(&["optimize", "--write", "."], None, t);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("bad.Dockerfile: binary file"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("5 files scanned"), "{}", r.stderr);
    let written = std::fs::read_to_string(t.join("Dockerfile")).unwrap();
    assert!(written.contains("rm -rf /var/lib/apt/lists/*"), "{written}");
    for (k, text) in deep.iter().enumerate() {
        assert_eq!(
            &std::fs::read_to_string(t.join(format!("deep{k}.Dockerfile"))).unwrap(),
            text
        );
    }
}

/// Bad input says what is wrong: a pragma that names no pass (with the nearest name) or does not
/// read as one, UTF-16 text, a symbolic link loop, and a format the command does not have
/// (issue 16).
#[test]
fn errors_say_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::write(
        t.join("Dockerfile"),
        "FROM debian:12\n# dockopt ignore=exec-fom\n# dockopt ignore exec-form\nCMD python app.py\n",
    )
    .unwrap();
    let r = dockopt(&["optimize", "Dockerfile"], None, t);
    assert!(
        r.stderr.contains("Dockerfile:2: DO000 pragma: pragma names `exec-fom`, which is no pass (did you mean `exec-form`?)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Dockerfile:3: DO000 pragma: `# dockopt ignore exec-form` is not a pragma"),
        "{}",
        r.stderr
    );
    let utf16: Vec<u8> = "FROM x\nRUN y\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    std::fs::write(
        t.join("u16.Dockerfile"),
        [&[0xff, 0xfe][..], &utf16].concat(),
    )
    .unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("loop-b", t.join("loop-a")).unwrap();
        std::os::unix::fs::symlink("loop-a", t.join("loop-b")).unwrap();
    }
    let r = dockopt(&["optimize", "u16.Dockerfile", "loop-a"], None, t);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("u16.Dockerfile: UTF-16 text"),
        "{}",
        r.stderr
    );
    #[cfg(unix)]
    assert!(
        r.stderr.contains("loop-a: a symbolic link loop"),
        "{}",
        r.stderr
    );
    // A config error on one line, with the file's path, line and column, and the nearest key.
    std::fs::write(t.join(".dockopt.yaml"), "unsafe-fix: true\n").unwrap();
    let r = dockopt(&["optimize", "Dockerfile"], None, t);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains(".dockopt.yaml"))
        .unwrap_or("");
    assert!(
        line.contains(".dockopt.yaml:1:1: unknown key `unsafe-fix` (did you mean `unsafe-fixes`?)"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("<input>"), "{}", r.stderr);
    std::fs::remove_file(t.join(".dockopt.yaml")).unwrap();
    let r = dockopt(
        &["optimize", "--select", "merge-run", "Dockerfile"],
        None,
        t,
    );
    assert!(
        r.stderr
            .contains("unknown pass `merge-run` (did you mean `merge-runs`?)"),
        "{}",
        r.stderr
    );
    let r = dockopt(&["layers", "--format", "sarif", "Dockerfile"], None, t);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("invalid value 'sarif'"), "{}", r.stderr);
}

/// `--write` stopped by SIGINT or SIGTERM leaves no temporary file; one that a run killed outright
/// left is removed by the next `--write` there, and said (issue 16).
#[cfg(unix)]
#[test]
fn interrupted_write_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let stale = t.join(".dockopt-Ab12Cd");
    std::fs::write(&stale, "FROM x\nRUN half of a").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let young = t.join(".dockopt-Zz99Yy");
    std::fs::write(&young, "another run's").unwrap();
    std::fs::write(t.join("Dockerfile"), "FROM x\nMAINTAINER me\n").unwrap();
    let r = dockopt(&["optimize", "--write", "."], None, t);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!stale.exists(), "the stale file stays");
    assert!(young.exists(), "a file of a run under way was removed");
    assert!(
        r.stderr
            .contains("removed .dockopt-Ab12Cd: a temporary file an interrupted dockopt run left"),
        "{}",
        r.stderr
    );
    std::fs::remove_file(&young).unwrap();

    // Many files, a signal while they are written: whatever was under way is cleaned up.
    // A signal while a temporary file waits for its rename (held there by a fault point).
    for signal in ["INT", "TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let original = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n";
        std::fs::write(dir.path().join("Dockerfile"), original).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_dockopt"))
            .args(["optimize", "--write", "."])
            .current_dir(dir.path())
            .env("DOCKOPT_TEST_HOLD_TEMPORARY_MS", "20000")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let held = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            !temporaries(dir.path()).is_empty()
        });
        assert!(held, "no temporary file appeared");
        let _ = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "SIG{signal}");
        let left = temporaries(dir.path());
        assert!(left.is_empty(), "SIG{signal} left {left:?}");
        let kept = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
        assert_eq!(kept, original, "the file was half written");
    }
}

#[cfg(unix)]
fn temporaries(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".dockopt-")
        })
        .collect()
}
