//! `dockopt measure`: build the original and the optimized Dockerfile from the same context,
//! cold, then again after a source edit, and compare size, layers, build times, user and an
//! optional smoke test. Works with docker, podman or buildah (whichever is there); images it
//! builds are removed afterwards.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
    Buildah,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Buildah => "buildah",
        }
    }

    fn works(self) -> bool {
        let probe: &[&str] = match self {
            Engine::Docker => &["info", "--format", "{{.ServerVersion}}"],
            Engine::Podman => &["info", "--format", "{{.Version.Version}}"],
            Engine::Buildah => &["version"],
        };
        Command::new(self.name())
            .args(probe)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The engine asked for, or the first that works (docker, podman, buildah).
    pub fn detect(wanted: Option<Engine>) -> Result<Engine, String> {
        let candidates = match wanted {
            Some(e) => vec![e],
            None => vec![Engine::Docker, Engine::Podman, Engine::Buildah],
        };
        candidates.into_iter().find(|e| e.works()).ok_or_else(|| match wanted {
            Some(e) => format!("`{}` is not installed or cannot build here", e.name()),
            None => "no container engine found: install docker, or podman and buildah (scripts/setup-engine.sh sets them up without a daemon)".to_string(),
        })
    }

    fn run(self, args: &[&str]) -> Result<String, String> {
        self.run_for(args, None)
    }

    /// Runs the engine, killed (with what it started) after `limit`: a build that hangs (a
    /// cache-mount lock, a network wait) must not hang the measurement.
    fn run_for(self, args: &[&str], limit: Option<Duration>) -> Result<String, String> {
        let mut cmd = Command::new(self.name());
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", self.name()))?;
        // Both pipes drained while the engine runs, so that neither fills up and blocks it.
        fn drain<R: std::io::Read + Send + 'static>(
            pipe: Option<R>,
        ) -> std::thread::JoinHandle<Vec<u8>> {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        }
        let out_reader = drain(child.stdout.take());
        let err_reader = drain(child.stderr.take());
        let start = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(st);
            }
            if limit.is_some_and(|l| start.elapsed() > l) {
                // The whole process group: buildah's runtime children too.
                let _ = Command::new("kill")
                    .args(["-KILL", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        let Some(status) = status else {
            return Err(format!(
                "{} {}: no result after {} s (--timeout)",
                self.name(),
                args.first().unwrap_or(&""),
                limit.map_or(0, |l| l.as_secs())
            ));
        };
        if status.success() {
            Ok(String::from_utf8_lossy(&stdout).into_owned())
        } else {
            let err = String::from_utf8_lossy(&stderr);
            let tail: Vec<&str> = err.lines().rev().take(3).collect();
            Err(format!(
                "{} {}: {}",
                self.name(),
                args.first().unwrap_or(&""),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        }
    }

    /// Builds `dockerfile` in `context` as `tag`; returns the seconds it took.
    fn build(
        self,
        dockerfile: &Path,
        context: &Path,
        tag: &str,
        no_cache: bool,
        limit: Duration,
    ) -> Result<f64, String> {
        let f = dockerfile.to_string_lossy();
        let c = context.to_string_lossy();
        let mut args: Vec<&str> = match self {
            Engine::Docker => vec!["build", "-q"],
            Engine::Podman => vec![
                "build",
                "-q",
                "--layers",
                "--pull=never",
                "--format",
                "docker",
            ],
            Engine::Buildah => vec![
                "bud",
                "-q",
                "--layers",
                "--pull=never",
                "--format",
                "docker",
            ],
        };
        if no_cache {
            args.push("--no-cache");
        }
        args.extend(["-f", &f, "-t", tag, &c]);
        let start = Instant::now();
        self.run_for(&args, Some(limit))?;
        Ok(start.elapsed().as_secs_f64())
    }

    /// (size in bytes, layer count, user) of an image.
    fn inspect(self, tag: &str) -> Result<(u64, usize, String), String> {
        // podman reads the images buildah makes (the same storage); buildah's own inspect has no size.
        let json = match self {
            Engine::Buildah => Engine::Podman
                .run(&["image", "inspect", tag])
                .or_else(|_| self.run(&["inspect", "--type", "image", tag]))?,
            _ => self.run(&["image", "inspect", tag])?,
        };
        let v: serde_json::Value =
            serde_json::from_str(&json).map_err(|e| format!("inspect: {e}"))?;
        let img = if v.is_array() { &v[0] } else { &v };
        let size = img["Size"]
            .as_u64()
            .or_else(|| img["size"].as_u64())
            .unwrap_or(0);
        let layers = img["RootFS"]["Layers"]
            .as_array()
            .map(Vec::len)
            .or_else(|| img["OCIv1"]["rootfs"]["diff_ids"].as_array().map(Vec::len))
            .unwrap_or(0);
        let user = img["Config"]["User"]
            .as_str()
            .or_else(|| img["Docker"]["config"]["User"].as_str())
            .unwrap_or("")
            .to_string();
        Ok((
            size,
            layers,
            if user.is_empty() {
                "root".to_string()
            } else {
                user
            },
        ))
    }

    /// Runs `sh -c smoke` in a container of the image.
    fn smoke(self, tag: &str, smoke: &str, limit: Duration) -> bool {
        match self {
            Engine::Docker | Engine::Podman => self
                .run_for(
                    &["run", "--rm", "--entrypoint", "sh", tag, "-c", smoke],
                    Some(limit),
                )
                .is_ok(),
            Engine::Buildah => {
                let Ok(ctr) = self.run(&["from", "--pull=never", tag]) else {
                    return false;
                };
                let ctr = ctr.trim().to_string();
                let ok = self
                    .run_for(&["run", &ctr, "--", "sh", "-c", smoke], Some(limit))
                    .is_ok();
                let _ = self.run(&["rm", &ctr]);
                ok
            }
        }
    }

    fn remove(self, tag: &str) {
        let _ = match self {
            Engine::Buildah => self.run(&["rmi", "-f", tag]),
            _ => self.run(&["image", "rm", "-f", tag]),
        };
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Measurement {
    pub built: bool,
    pub size_bytes: u64,
    pub layers: usize,
    pub cold_s: f64,
    pub rebuild_s: f64,
    pub user: String,
    pub smoke_ok: Option<bool>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub engine: String,
    pub touched: Option<String>,
    pub before: Measurement,
    pub after: Measurement,
    pub size_ratio: Option<f64>,
    pub rebuild_ratio: Option<f64>,
}

pub struct Options<'a> {
    pub engine: Engine,
    pub context: &'a Path,
    pub smoke: Option<&'a str>,
    /// A file of the context to edit between the cold build and the rebuild.
    pub touch: Option<&'a Path>,
    /// How long one build may take before it is killed and reported as failed.
    pub timeout: Duration,
}

/// Source files worth editing, best first; manifests and build files are not "source".
fn pick_source(context: &Path) -> Option<PathBuf> {
    let prefer = [
        "py", "js", "ts", "go", "rs", "c", "cpp", "java", "rb", "php", "html", "sh",
    ];
    let mut found: Vec<(usize, PathBuf)> = Vec::new();
    for entry in ignore::WalkBuilder::new(context)
        .hidden(true)
        .build()
        .filter_map(Result::ok)
    {
        let p = entry.path();
        if !p.is_file() {
            continue;
        }
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if name.to_ascii_lowercase().contains("dockerfile") {
            continue;
        }
        if let Some(rank) = prefer.iter().position(|e| *e == ext) {
            found.push((rank, p.to_path_buf()));
        }
    }
    found.sort();
    found.into_iter().next().map(|(_, p)| p)
}

/// Copies the context (without `.git`) so that the edit never touches the user's files.
fn copy_context(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in ignore::WalkBuilder::new(from)
        .hidden(false)
        .git_ignore(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
    {
        let entry = entry.map_err(std::io::Error::other)?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .map_err(std::io::Error::other)?;
        let dest = to.join(rel);
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            std::fs::create_dir_all(&dest)?;
        } else if entry.file_type().is_some_and(|t| t.is_file()) {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

fn measure_one(
    o: &Options<'_>,
    dockerfile: &Path,
    ctx: &Path,
    touched: Option<&Path>,
    tag: &str,
) -> Measurement {
    let mut m = Measurement::default();
    let result = (|| -> Result<(), String> {
        m.cold_s = o.engine.build(dockerfile, ctx, tag, true, o.timeout)?;
        m.built = true;
        let (size, layers, user) = o.engine.inspect(tag)?;
        (m.size_bytes, m.layers, m.user) = (size, layers, user);
        if let Some(smoke) = o.smoke {
            m.smoke_ok = Some(o.engine.smoke(tag, smoke, o.timeout));
        }
        if let Some(file) = touched {
            // One build with the cache first, untimed: the engine may hold older layers for the
            // same steps (buildah picks those over the ones the cold build just made), and the
            // timed rebuild must follow one consistent chain, as a developer's second build does.
            o.engine
                .build(dockerfile, ctx, tag, false, o.timeout)
                .map_err(|e| format!("warm build: {e}"))?;
            // A one-line edit, as a developer would make.
            let mut text = std::fs::read(file).map_err(|e| e.to_string())?;
            text.extend_from_slice(b"\n");
            std::fs::write(file, text).map_err(|e| e.to_string())?;
            m.rebuild_s = o.engine.build(dockerfile, ctx, tag, false, o.timeout)?;
        }
        Ok(())
    })();
    m.error = result.err();
    o.engine.remove(tag);
    m
}

/// One side of a measurement: a Dockerfile text and the files it adds to the context (the
/// `.dockerignore` a rewrite creates), as paths relative to the context.
pub struct Side<'a> {
    pub dockerfile: &'a str,
    pub new_files: &'a [(String, String)],
}

/// Measures `before` against each of `afters`, each side in its own copy of the context, so
/// that a file a rewrite adds reaches only its build, and the edit before the rebuild never
/// touches the user's files. The original is built once, whatever the number of rewrites.
pub fn measure(
    before: &Side<'_>,
    afters: &[Side<'_>],
    o: &Options<'_>,
) -> Result<Vec<Report>, String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let rel_touch = match o.touch {
        Some(t) => Some(t.strip_prefix(o.context).unwrap_or(t).to_path_buf()),
        None => pick_source(o.context)
            .and_then(|p| p.strip_prefix(o.context).ok().map(Path::to_path_buf)),
    };
    let id = std::process::id();
    let run = |side: &Side<'_>, name: &str| -> Result<Measurement, String> {
        let ctx = work.path().join(format!("{name}-context"));
        copy_context(o.context, &ctx).map_err(|e| format!("copying the context: {e}"))?;
        for (rel, content) in side.new_files {
            let dest = ctx.join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::write(&dest, content).map_err(|e| e.to_string())?;
        }
        let file = work.path().join(format!("{name}.Dockerfile"));
        std::fs::write(&file, side.dockerfile).map_err(|e| e.to_string())?;
        let touched = rel_touch.as_ref().map(|t| ctx.join(t));
        Ok(measure_one(
            o,
            &file,
            &ctx,
            touched.as_deref(),
            &format!("localhost/dockopt-measure-{id}-{name}"),
        ))
    };
    let b = run(before, "before")?;
    let ratio = |x: f64, y: f64| (x > 0.0 && y > 0.0).then(|| y / x);
    let mut reports = Vec::new();
    for (k, side) in afters.iter().enumerate() {
        let a = run(side, &format!("after{k}"))?;
        reports.push(Report {
            engine: o.engine.name().to_string(),
            touched: rel_touch.as_ref().map(|t| t.display().to_string()),
            size_ratio: (a.built && b.built)
                .then(|| ratio(b.size_bytes as f64, a.size_bytes as f64))
                .flatten(),
            rebuild_ratio: (a.built && b.built)
                .then(|| ratio(b.rebuild_s, a.rebuild_s))
                .flatten(),
            before: b.clone(),
            after: a,
        });
    }
    Ok(reports)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// The comparison table.
pub fn table(r: &Report) -> String {
    let (b, a) = (&r.before, &r.after);
    let row = |name: &str, x: String, y: String, ratio: String| {
        format!("{name:<22} {x:>14} {y:>14} {ratio:>10}\n")
    };
    let pct = |x: f64, y: f64| {
        if x > 0.0 {
            format!("{:+.0} %", (y / x - 1.0) * 100.0)
        } else {
            String::new()
        }
    };
    let mut out = row("", "before".into(), "after".into(), "change".into());
    out += &row(
        "image size",
        mb(b.size_bytes),
        mb(a.size_bytes),
        pct(b.size_bytes as f64, a.size_bytes as f64),
    );
    out += &row(
        "layers",
        b.layers.to_string(),
        a.layers.to_string(),
        String::new(),
    );
    out += &row(
        "cold build",
        format!("{:.1} s", b.cold_s),
        format!("{:.1} s", a.cold_s),
        pct(b.cold_s, a.cold_s),
    );
    out += &row(
        "rebuild after edit",
        format!("{:.1} s", b.rebuild_s),
        format!("{:.1} s", a.rebuild_s),
        pct(b.rebuild_s, a.rebuild_s),
    );
    out += &row("user", b.user.clone(), a.user.clone(), String::new());
    let smoke = |s: Option<bool>| {
        s.map_or("-".to_string(), |ok| {
            if ok { "ok".into() } else { "FAILED".into() }
        })
    };
    out += &row(
        "smoke test",
        smoke(b.smoke_ok),
        smoke(a.smoke_ok),
        String::new(),
    );
    for (name, m) in [("before", b), ("after", a)] {
        if let Some(e) = &m.error {
            out += &format!("{name}: {e}\n");
        }
    }
    if let Some(t) = &r.touched {
        out += &format!(
            "(engine {}; edited {t} between the cold build and the rebuild)\n",
            r.engine
        );
    }
    out
}
