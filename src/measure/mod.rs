//! `dockopt measure`: build the original and the optimized Dockerfile from the same context,
//! cold, then again after a source edit, and compare size, layers, build times, user and an
//! optional smoke test. Works with docker, podman or buildah (whichever is there); images it
//! builds are removed afterwards.

pub mod history;
pub mod html;
pub mod image;
pub mod imagediff;
pub mod scoreboard;

use dockopt::facts::BuildContext;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Set by `interrupt` (Ctrl-C, SIGTERM, SIGHUP): no new build starts, the images built so far
/// are removed and `measure` returns.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The process group of the build or smoke run under way, for `interrupt` to kill: it runs in a
/// group of its own (so that a timeout kills its children too), where the terminal's Ctrl-C
/// does not reach it.
static RUNNING: Mutex<Option<u32>> = Mutex::new(None);

/// The slot of the process group under way (a poisoned lock still holds a usable value).
fn running() -> std::sync::MutexGuard<'static, Option<u32>> {
    RUNNING.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a signal handler calls: stop the build under way and let `measure` clean up. A second
/// interrupt leaves at once, as a user pressing Ctrl-C twice expects.
pub fn interrupt() {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        std::process::exit(130);
    }
    eprintln!("dockopt measure: interrupted; removing the images built so far (again to quit now)");
    if let Some(pgid) = *running() {
        kill_group(pgid);
    }
}

/// Whether the measurement was interrupted.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The error that ends a measurement once it is interrupted.
fn stop_if_interrupted() -> Result<(), String> {
    if interrupted() {
        Err("interrupted".to_string())
    } else {
        Ok(())
    }
}

/// Set when a build or smoke run was killed (timeout, interrupt): only then are there working
/// containers of ours to remove.
static KILLED: AtomicBool = AtomicBool::new(false);

/// Kills a process group. (`--` is needed: procps' kill takes `-KILL -PID` for two options
/// and kills nothing.)
fn kill_group(pgid: u32) {
    KILLED.store(true, Ordering::SeqCst);
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pgid}")])
        .status();
}

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

    /// The engine as the report names it: for Docker, which builder it used.
    pub fn label(self) -> String {
        match self {
            Engine::Docker if docker_buildkit() => "docker (BuildKit)".to_string(),
            Engine::Docker => "docker (legacy builder)".to_string(),
            _ => self.name().to_string(),
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
    /// cache-mount lock, a network wait) must not hang the measurement. Returns its standard
    /// output.
    fn run_for(self, args: &[&str], limit: Option<Duration>) -> Result<String, String> {
        let lines = self.run_lines(args, limit)?;
        Ok(lines
            .into_iter()
            .filter(|l| !l.stderr)
            .map(|l| l.text + "\n")
            .collect())
    }

    /// As `run_for`, with every line of both outputs and when it arrived: the build progress
    /// the step times are read from. A command with a limit is a long one (a build, a smoke
    /// run): an interrupt kills it, and none starts after one. Those without (inspecting,
    /// removing images) still run, since the clean-up after an interrupt needs them.
    fn run_lines(self, args: &[&str], limit: Option<Duration>) -> Result<Vec<Line>, String> {
        let interruptible = limit.is_some();
        if interruptible {
            stop_if_interrupted()?;
        }
        let mut cmd = Command::new(self.name());
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        if self == Engine::Docker && std::env::var_os("DOCKER_BUILDKIT").is_none() {
            cmd.env("DOCKER_BUILDKIT", if docker_buildkit() { "1" } else { "0" });
        }
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", self.name()))?;
        // Both pipes drained while the engine runs, so that neither fills up and blocks it.
        fn drain<R: std::io::Read + Send + 'static>(
            pipe: Option<R>,
            stderr: bool,
        ) -> std::thread::JoinHandle<Vec<Line>> {
            std::thread::spawn(move || {
                use std::io::BufRead;
                let mut lines = Vec::new();
                let Some(p) = pipe else { return lines };
                let mut reader = std::io::BufReader::new(p);
                let mut buf = Vec::new();
                while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                    let text = String::from_utf8_lossy(&buf);
                    lines.push(Line {
                        at: Instant::now(),
                        stderr,
                        text: text.trim_end_matches(['\n', '\r']).to_string(),
                    });
                    buf.clear();
                }
                lines
            })
        }
        let out_reader = drain(child.stdout.take(), false);
        let err_reader = drain(child.stderr.take(), true);
        // A waiting thread rather than polling, so that the caller's clock stops when the engine
        // exits, not at the next tick: a cached rebuild takes well under a second.
        let pid = child.id();
        if interruptible {
            *running() = Some(pid);
            // An interrupt between the check above and now found nothing to kill.
            if interrupted() {
                kill_group(pid);
            }
        }
        let (done, exited) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(child.wait());
        });
        let waited = match limit {
            Some(l) => exited.recv_timeout(l).ok(),
            None => exited.recv().ok(),
        };
        let status = match waited {
            Some(st) => Some(st.map_err(|e| e.to_string())?),
            None => {
                // The whole process group: buildah's runtime children too.
                kill_group(pid);
                let _ = exited.recv();
                None
            }
        };
        if interruptible {
            *running() = None;
            stop_if_interrupted()?;
        }
        let mut lines = out_reader.join().unwrap_or_default();
        lines.extend(err_reader.join().unwrap_or_default());
        lines.sort_by_key(|l| l.at);
        let Some(status) = status else {
            return Err(format!(
                "{} {}: no result after {} s (--timeout)",
                self.name(),
                args.first().unwrap_or(&""),
                limit.map_or(0, |l| l.as_secs())
            ));
        };
        if status.success() {
            return Ok(lines);
        }
        let tail: Vec<&str> = lines
            .iter()
            .filter(|l| l.stderr && !l.text.trim().is_empty())
            .map(|l| l.text.as_str())
            .rev()
            .take(3)
            .collect();
        Err(format!(
            "{} {}: {}",
            self.name(),
            args.first().unwrap_or(&""),
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ))
    }

    /// Builds `dockerfile` in `context` as `tag`: the seconds it took, and its slowest step
    /// that ran (not taken from the cache), when the engine's progress output tells.
    fn build(
        self,
        dockerfile: &Path,
        context: &Path,
        tag: &str,
        no_cache: bool,
        o: &Options<'_>,
    ) -> Result<(f64, Option<Step>), String> {
        let f = dockerfile.to_string_lossy();
        let c = context.to_string_lossy();
        // Progress output on, since the step times are read from it. `--force-rm`: a build
        // that fails keeps its working container otherwise (buildah, podman, Docker's legacy
        // builder), and peers' rewrites that fail would leave one per measurement.
        let mut args: Vec<&str> = match self {
            Engine::Docker if docker_buildkit() => vec!["build", "--progress=plain"],
            Engine::Docker => vec!["build", "--force-rm"],
            Engine::Podman | Engine::Buildah => vec![
                if self == Engine::Podman {
                    "build"
                } else {
                    "bud"
                },
                "--layers",
                "--force-rm",
                "--pull=never",
                "--format",
                "docker",
            ],
        };
        if no_cache {
            args.push("--no-cache");
        }
        for arg in o.build_args {
            args.extend(["--build-arg", arg.as_str()]);
        }
        // The secrets the file mounts, from the context's files of the same name (the
        // convention of the secret-mount pass: the id is the file's path in the context).
        let secrets: Vec<String> = std::fs::read_to_string(dockerfile)
            .map(|text| secret_ids(&text))
            .unwrap_or_default()
            .into_iter()
            .filter(|id| context.join(id).is_file())
            .map(|id| format!("id={id},src={}", context.join(&id).display()))
            .collect();
        for s in &secrets {
            args.extend(["--secret", s.as_str()]);
        }
        args.extend(["-f", &f, "-t", tag, &c]);
        let start = Instant::now();
        let lines = self.run_lines(&args, Some(o.timeout))?;
        let end = Instant::now();
        Ok((
            end.duration_since(start).as_secs_f64(),
            slowest_step(&lines, end),
        ))
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

    /// Saves the image as a docker-archive at `dest` (no container runs): what the image
    /// differences and the layer sizes are read from.
    fn save(self, tag: &str, dest: &Path, limit: Duration) -> Result<(), String> {
        let d = dest.to_string_lossy();
        let archive = format!("docker-archive:{d}");
        let args: Vec<&str> = match self {
            Engine::Buildah => vec!["push", "--quiet", tag, &archive],
            Engine::Podman => vec![
                "save",
                "--quiet",
                "--format",
                "docker-archive",
                "-o",
                &d,
                tag,
            ],
            Engine::Docker => vec!["save", "-o", &d, tag],
        };
        self.run_for(&args, Some(limit)).map(drop)
    }

    /// The image `tag` as `image::read_archive` reads it, saved to a temporary file that goes
    /// when it is read.
    pub fn read_image(self, tag: &str, limit: Duration) -> Result<image::Image, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let file = dir.path().join("image.tar");
        self.save(tag, &file, limit)?;
        image::read_archive(&file)
    }

    /// Runs the smoke test in a container of the image: `sh -c smoke`, or, when the smoke test is
    /// a JSON array of strings (for an image without a shell: distroless, scratch), that command
    /// line as it is. On failure, why (the last lines the command wrote to stderr, or the timeout).
    fn smoke(self, tag: &str, smoke: &str, limit: Duration) -> Result<(), String> {
        let argv = smoke_argv(smoke);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        match self {
            Engine::Docker | Engine::Podman => {
                // Named, so that a container left running when the client is killed (timeout,
                // interrupt) can be removed: `--rm` is the client's job.
                let name = format!("{}-smoke", tag.rsplit('/').next().unwrap_or(tag));
                let mut args = vec!["run", "--rm", "--name", &name, "--entrypoint", argv[0], tag];
                args.extend(&argv[1..]);
                let result = self.run_for(&args, Some(limit));
                if result.is_err() {
                    let _ = self.run(&["rm", "-f", &name]);
                }
                result.map(drop)
            }
            Engine::Buildah => {
                let ctr = self.run(&["from", "--pull=never", tag])?;
                let ctr = ctr.trim().to_string();
                let mut args = vec!["run", &ctr, "--"];
                args.extend(&argv);
                let result = self.run_for(&args, Some(limit));
                let _ = self.run(&["rm", &ctr]);
                result.map(drop)
            }
        }
    }

    fn remove(self, tag: &str) {
        let _ = match self {
            Engine::Buildah => self.run(&["rmi", "-f", tag]),
            _ => self.run(&["image", "rm", "-f", tag]),
        };
    }

    /// The untagged images in the store: buildah and podman keep one per cached build step,
    /// which removing the tagged image leaves behind. (Docker's BuildKit keeps its cache apart,
    /// under its own garbage collection.)
    fn untagged_images(self) -> Vec<String> {
        match self {
            Engine::Docker => Vec::new(),
            _ => self.lines(&[
                "images",
                "-q",
                "--all",
                "--no-trunc",
                "--filter",
                "dangling=true",
            ]),
        }
    }

    /// The lines a listing command prints; none when it fails (nothing to clean up then).
    fn lines(self, args: &[&str]) -> Vec<String> {
        self.run(args)
            .map(|out| out.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// The build containers in the store. A buildah or podman build killed before it ends (a
    /// timeout, an interrupt) leaves its working container, which keeps its image from being
    /// removed. (Docker's builder keeps none.)
    fn build_containers(self) -> Vec<String> {
        match self {
            Engine::Docker => Vec::new(),
            // (Full ids already; buildah has no --no-trunc here.)
            Engine::Buildah => self.lines(&["containers", "-q"]),
            // Build containers only (state `storage`), never a container the user runs.
            Engine::Podman => self
                .lines(&[
                    "ps",
                    "--all",
                    "--external",
                    "--no-trunc",
                    "--format",
                    "{{.ID}} {{.State}}",
                ])
                .into_iter()
                .filter_map(|l| {
                    let (id, state) = l.split_once(' ')?;
                    state
                        .eq_ignore_ascii_case("storage")
                        .then(|| id.to_string())
                })
                .collect(),
        }
    }

    /// What the engine holds before a measurement, to tell what the measurement left.
    fn leftovers(self) -> Leftovers {
        Leftovers {
            containers: self.build_containers(),
            images: self.untagged_images(),
        }
    }

    /// Removes the build containers and untagged images that were not there `before`: what our
    /// builds left, containers first since they hold their images. Containers only when one of
    /// our builds was killed, the one way a build leaves one: a build of someone else's that
    /// runs meanwhile has working containers too, and removing those would break it.
    fn remove_new_leftovers(self, before: &Leftovers) {
        let containers = if KILLED.load(Ordering::SeqCst) {
            self.build_containers()
        } else {
            Vec::new()
        };
        for id in containers {
            if !before.containers.contains(&id) {
                let _ = match self {
                    Engine::Buildah => self.run(&["rm", &id]),
                    _ => self.run(&["rm", "-f", &id]),
                };
            }
        }
        self.remove_new_untagged(&before.images);
    }

    /// Removes the untagged images that were not there before: the step images of our builds.
    /// A child goes before its parent, so the pass repeats while it removes something.
    fn remove_new_untagged(self, before: &[String]) {
        loop {
            let new: Vec<String> = self
                .untagged_images()
                .into_iter()
                .filter(|id| !before.contains(id))
                .collect();
            if new.is_empty() {
                return;
            }
            let removed = new
                .iter()
                .filter(|id| self.run(&["rmi", id.as_str()]).is_ok())
                .count();
            if removed == 0 {
                return;
            }
        }
    }
}

/// Whether `docker build` can use BuildKit, the builder Docker users have: a client with the
/// buildx plugin (Docker 23 and later), or an older one, which has BuildKit built in (Docker
/// 20.10, when asked with DOCKER_BUILDKIT=1). A newer client without buildx has only the legacy
/// builder, whose cache behaves differently: the report says so. DOCKER_BUILDKIT, when set, decides.
fn docker_buildkit() -> bool {
    static BUILDKIT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *BUILDKIT.get_or_init(|| {
        if let Some(v) = std::env::var_os("DOCKER_BUILDKIT") {
            return v != "0" && v != "false";
        }
        let ok = |args: &[&str]| {
            Command::new("docker")
                .args(args)
                .stderr(Stdio::null())
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        if ok(&["buildx", "version"]).is_some() {
            return true;
        }
        ok(&["version", "--format", "{{.Client.Version}}"])
            .and_then(|v| v.split('.').next()?.parse::<u32>().ok())
            .is_some_and(|major| major < 23)
    })
}

/// One line an engine printed, and when.
struct Line {
    at: Instant,
    stderr: bool,
    text: String,
}

/// A build step and how long it ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub instruction: String,
    pub seconds: f64,
}

/// The slowest step that ran rather than came from the cache, from the engine's progress:
/// BuildKit's plain progress gives each step's time (`#12 [build 5/6] RUN …`, `#12 DONE 8.3s`,
/// `#12 CACHED`); buildah, podman and Docker's legacy builder print `STEP 5/6: RUN …` (`Step 5/6
/// : …`), a step lasting until the next one starts, and `Using cache` for a cached one.
fn slowest_step(lines: &[Line], end: Instant) -> Option<Step> {
    let mut steps: Vec<Step> = Vec::new();
    // BuildKit: step number -> (instruction, seconds, cached)
    let mut kit: std::collections::BTreeMap<u32, (String, Option<f64>, bool)> = Default::default();
    // buildah / podman / legacy: (instruction, started, cached)
    let mut current: Option<(String, Instant, bool)> = None;
    let close = |cur: Option<(String, Instant, bool)>, at: Instant, steps: &mut Vec<Step>| {
        if let Some((instruction, started, false)) = cur
            && !instruction.starts_with("FROM ")
        {
            steps.push(Step {
                instruction,
                seconds: at.duration_since(started).as_secs_f64(),
            });
        }
    };
    for l in lines {
        let t = l.text.trim();
        if let Some(rest) = t.strip_prefix('#')
            && let Some((num, what)) = rest.split_once(' ')
            && let Ok(num) = num.parse::<u32>()
        {
            let entry = kit.entry(num).or_insert((String::new(), None, false));
            if let Some(named) = what.strip_prefix('[')
                && let Some((stage, instruction)) = named.split_once("] ")
            {
                if stage != "internal" && !instruction.starts_with("FROM ") {
                    entry.0 = instruction.to_string();
                }
            } else if let Some(secs) = what.strip_prefix("DONE ") {
                entry.1 = secs.trim_end_matches('s').parse().ok();
            } else if what == "CACHED" {
                entry.2 = true;
            }
            continue;
        }
        // A multi-stage build prefixes the stage: `[1/2] STEP 5/8: COPY . .`.
        let t = match t.strip_prefix('[').and_then(|r| r.split_once("] ")) {
            Some((stage, rest)) if stage.split('/').all(|x| x.parse::<u32>().is_ok()) => rest,
            _ => t,
        };
        let step = t
            .strip_prefix("STEP ")
            .or_else(|| t.strip_prefix("Step "))
            .and_then(|r| r.split_once(':'))
            .filter(|(n, _)| n.trim().split('/').all(|x| x.parse::<u32>().is_ok()));
        if let Some((_, instruction)) = step {
            close(current.take(), l.at, &mut steps);
            current = Some((instruction.trim().to_string(), l.at, false));
        } else if t.contains("Using cache")
            && let Some(cur) = current.as_mut()
        {
            cur.2 = true;
        }
    }
    close(current, end, &mut steps);
    steps.extend(kit.into_values().filter_map(|(instruction, secs, cached)| {
        (!instruction.is_empty() && !cached).then_some(Step {
            instruction,
            seconds: secs?,
        })
    }));
    steps
        .into_iter()
        .max_by(|a, b| a.seconds.total_cmp(&b.seconds))
}

/// Build containers and untagged images, by id.
struct Leftovers {
    containers: Vec<String>,
    images: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Measurement {
    pub built: bool,
    pub size_bytes: u64,
    pub layers: usize,
    pub cold_s: f64,
    /// The median of `rebuilds_s`.
    pub rebuild_s: f64,
    /// Each rebuild after an edit (`--rebuilds`), in seconds.
    pub rebuilds_s: Vec<f64>,
    /// The slowest step that ran in the median rebuild: what the rebuild waits for.
    pub rebuild_slowest_step: Option<Step>,
    pub user: String,
    pub smoke_ok: Option<bool>,
    /// Why the smoke test failed: the end of its error output, or the timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoke_error: Option<String>,
    pub error: Option<String>,
    /// What the image holds that the scoreboard scores (read from the saved image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<ImageFacts>,
    /// The final stage's instructions with the real size of each layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_sizes: Option<history::BuiltLayers>,
    /// Why the image could not be read (its differences are then not shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_error: Option<String>,
    /// The image as read, for the differences.
    #[serde(skip)]
    pub image: Option<std::sync::Arc<image::Image>>,
}

/// What the scoreboard's security criterion reads from an image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageFacts {
    /// Installed packages, from `package_db`.
    pub packages: usize,
    pub package_db: String,
    /// Bytes of package-manager caches in any layer (deleted later or not: still shipped).
    pub cache_bytes: u64,
    /// Secret-looking files in any layer.
    pub secrets: Vec<String>,
}

impl ImageFacts {
    pub fn of(img: &image::Image) -> ImageFacts {
        ImageFacts {
            packages: img.packages.len(),
            package_db: img.package_db.clone(),
            cache_bytes: image::cache_bytes(img),
            secrets: image::secrets(img).into_iter().collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The rewrite's name: `dockopt` or the `--against` file (or the name given as NAME=PATH).
    pub name: String,
    pub engine: String,
    pub touched: Option<String>,
    pub before: Measurement,
    pub after: Measurement,
    pub size_ratio: Option<f64>,
    pub rebuild_ratio: Option<f64>,
    /// What changed inside the image (both built and read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_diff: Option<imagediff::ImageDiff>,
}

pub struct Options<'a> {
    pub engine: Engine,
    pub context: &'a Path,
    pub smoke: Option<&'a str>,
    /// A file of the context to edit between the cold build and the rebuild.
    pub touch: Option<&'a Path>,
    /// How long one build may take before it is killed and reported as failed.
    pub timeout: Duration,
    /// How many edit-and-rebuild rounds; the median is reported.
    pub rebuilds: usize,
    /// `KEY=VALUE` build arguments, for both builds.
    pub build_args: &'a [String],
    /// Check that each rewrite kept the packages, the config and the application files.
    pub verify: bool,
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// An instruction cut to `max` characters, for one line of the table.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Seconds, with the precision a reader needs: a cached rebuild takes hundredths.
fn secs(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2} s")
    } else {
        format!("{x:.1} s")
    }
}

/// The source file to edit when `--touch` is not given: a regular file of a common source
/// language, shallowest first, that the build sees (not ignored by `.dockerignore`, `.gitignore`
/// or hidden) and that is not vendored (`node_modules`, a virtualenv, build output).
fn pick_source(context: &Path) -> Option<PathBuf> {
    const PREFER: [&str; 12] = [
        "py", "js", "ts", "go", "rs", "c", "cpp", "java", "rb", "php", "html", "sh",
    ];
    const VENDORED: [&str; 9] = [
        "node_modules",
        "venv",
        "site-packages",
        "vendor",
        "target",
        "dist",
        "build",
        "__pycache__",
        "bower_components",
    ];
    let mut found: Vec<(usize, usize, PathBuf)> = Vec::new();
    for entry in ignore::WalkBuilder::new(context)
        .hidden(true)
        .add_custom_ignore_filename(".dockerignore")
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && VENDORED.contains(&e.file_name().to_str().unwrap_or("")))
        })
        .build()
        .filter_map(Result::ok)
    {
        // A symlink is never picked: editing it would edit whatever it points to.
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let p = entry.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if name.to_ascii_lowercase().contains("dockerfile") {
            continue;
        }
        if let Some(rank) = PREFER.iter().position(|e| *e == ext) {
            found.push((rank, entry.depth(), p.to_path_buf()));
        }
    }
    found.sort();
    found.into_iter().next().map(|(_, _, p)| p)
}

/// `--touch FILE` as a path relative to the context: FILE relative to the context, or as given
/// (from the current folder), whichever is inside the context. It must be a regular file there,
/// since its copy in the measurement's own context is what gets edited; anything else is
/// refused before a build starts.
fn touched_in_context(context: &Path, touch: &Path) -> Result<PathBuf, String> {
    let ctx = context
        .canonicalize()
        .map_err(|e| format!("--touch {}: {e}", touch.display()))?;
    let inside = |file: &Path| -> Result<PathBuf, String> {
        let meta = file.symlink_metadata().map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err("not a regular file (a folder or a symlink)".to_string());
        }
        let abs = file.canonicalize().map_err(|e| e.to_string())?;
        abs.strip_prefix(&ctx)
            .map(Path::to_path_buf)
            .map_err(|_| format!("outside the build context {}", context.display()))
    };
    let mut first_error = None;
    for file in [context.join(touch), touch.to_path_buf()] {
        if file.symlink_metadata().is_err() {
            continue;
        }
        match inside(&file) {
            Ok(rel) => return Ok(rel),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(format!(
        "--touch {}: {}",
        touch.display(),
        first_error.unwrap_or_else(|| "no such file".to_string())
    ))
}

/// Copies the context so that the edit never touches the user's files: every file the engine
/// would send, whatever git ignores, and `.git` too unless `.dockerignore` leaves it out (a
/// `COPY . .` copies it into the image then, and the sizes must say so).
fn copy_context(from: &Path, to: &Path) -> std::io::Result<()> {
    let skip_git = BuildContext::Folder(from.to_path_buf()).dockerignore_excludes_top(".git");
    for entry in ignore::WalkBuilder::new(from)
        .standard_filters(false)
        .filter_entry(move |e| !(skip_git && e.depth() == 1 && e.file_name() == ".git"))
        .build()
    {
        let entry = entry.map_err(std::io::Error::other)?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .map_err(std::io::Error::other)?;
        let dest = to.join(rel);
        let kind = entry.file_type();
        if kind.is_some_and(|t| t.is_dir()) {
            std::fs::create_dir_all(&dest)?;
        } else if kind.is_some_and(|t| t.is_file()) {
            std::fs::copy(entry.path(), &dest)?;
        } else if kind.is_some_and(|t| t.is_symlink()) {
            // As a symlink, the way the engine sends it: COPY keeps links as links.
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &dest)?;
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
        m.cold_s = o.engine.build(dockerfile, ctx, tag, true, o)?.0;
        m.built = true;
        let (size, layers, user) = o.engine.inspect(tag)?;
        (m.size_bytes, m.layers, m.user) = (size, layers, user);
        // Read now, before the edits change the application's files.
        match o.engine.read_image(tag, o.timeout) {
            Ok(img) => {
                // The user as the image's config has it (inspect's answer, read once more).
                if let Some(user) = img.config["User"].as_str().filter(|u| !u.is_empty()) {
                    m.user = user.to_string();
                }
                m.facts = Some(ImageFacts::of(&img));
                let text = std::fs::read_to_string(dockerfile).unwrap_or_default();
                m.layer_sizes = Some(history::built_layers(&text, &img));
                m.image = Some(std::sync::Arc::new(img));
            }
            Err(e) => {
                stop_if_interrupted()?;
                m.image_error = Some(e);
            }
        }
        if let Some(smoke) = o.smoke {
            let result = o.engine.smoke(tag, smoke, o.timeout);
            m.smoke_ok = Some(result.is_ok());
            m.smoke_error = result.err();
        }
        if let Some(file) = touched {
            // One build with the cache first, untimed: the engine may hold older layers for the
            // same steps (buildah picks those over the ones the cold build just made), and the
            // timed rebuild must follow one consistent chain, as a developer's second build does.
            o.engine
                .build(dockerfile, ctx, tag, false, o)
                .map_err(|e| format!("warm build: {e}"))?;
            // A one-line edit each time, as a developer would make; the median of the rebuilds,
            // since one sub-second build is at the mercy of whatever else the machine does.
            let mut runs = Vec::new();
            for round in 0..o.rebuilds.max(1) {
                let mut text = std::fs::read(file).map_err(|e| e.to_string())?;
                text.extend_from_slice(edit_line(file, &text, round).as_bytes());
                std::fs::write(file, text).map_err(|e| e.to_string())?;
                runs.push(o.engine.build(dockerfile, ctx, tag, false, o)?);
            }
            m.rebuilds_s = runs.iter().map(|r| r.0).collect();
            m.rebuild_s = median(&m.rebuilds_s);
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            m.rebuild_slowest_step = runs.swap_remove(runs.len() / 2).1;
        }
        Ok(())
    })();
    m.error = result.err();
    o.engine.remove(tag);
    m
}

/// The line appended to the source before a rebuild: a comment no earlier run has written,
/// in the file's language. An edit the engine has seen before would be found in its build cache
/// (BuildKit keeps it after the images are removed), and the rebuild would not rebuild. A file of
/// another kind gets an empty line.
fn edit_line(file: &Path, text: &[u8], round: usize) -> String {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // The counter keeps two edits in one process apart even within a clock tick.
    static EDITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = EDITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let note = format!("dockopt measure: edit {round} at {nonce}.{seq}");
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let comment = match ext {
        "py" | "rb" | "sh" | "pl" | "r" | "yaml" | "yml" | "toml" => format!("# {note}"),
        "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx" | "go" | "rs" | "c" | "h" | "cc" | "cpp"
        | "hpp" | "java" | "kt" | "scala" | "cs" | "swift" | "php" | "dart" => format!("// {note}"),
        "css" | "scss" => format!("/* {note} */"),
        "html" | "htm" | "xml" | "vue" | "svelte" => format!("<!-- {note} -->"),
        "sql" | "lua" | "hs" => format!("-- {note}"),
        _ => String::new(),
    };
    let sep = if text.is_empty() || text.ends_with(b"\n") {
        ""
    } else {
        "\n"
    };
    format!("{sep}{comment}\n")
}

/// One side of a measurement: a Dockerfile text and the files it adds to the context (the
/// `.dockerignore` a rewrite creates), as paths relative to the context.
pub struct Side<'a> {
    /// How the report names it.
    pub name: &'a str,
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
    let _one_at_a_time = measure_lock(o.engine)?;
    KILLED.store(false, Ordering::SeqCst);
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let held_before = o.engine.leftovers();
    let reports = measure_sides(before, afters, o, work.path());
    o.engine.remove_new_leftovers(&held_before);
    reports
}

/// One measurement per engine at a time, across processes: two at once would slow each
/// other's builds (the times are the point), and each would take the other's step images for
/// its own leftovers. Held until the returned file is dropped; the lock goes with the process.
fn measure_lock(engine: Engine) -> Result<std::fs::File, String> {
    let path = std::env::temp_dir().join(format!("dockopt-measure-{}.lock", engine.name()));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // Polled rather than blocked on, so that Ctrl-C still stops a measurement that waits.
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(format!("{}: {e}", path.display())),
        }
        if !said {
            eprintln!(
                "dockopt measure: waiting for another measurement with {} to finish ({})",
                engine.name(),
                path.display()
            );
            said = true;
        }
        std::thread::sleep(Duration::from_millis(200));
        stop_if_interrupted()?;
    }
}

/// Builds each side (with the cache: only the layers count here) from its own copy of the
/// context and reads the real size of each layer from the image; the images are removed.
pub fn build_layers(
    sides: &[Side<'_>],
    o: &Options<'_>,
) -> Result<Vec<Result<history::BuiltLayers, String>>, String> {
    let _one_at_a_time = measure_lock(o.engine)?;
    KILLED.store(false, Ordering::SeqCst);
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let held_before = o.engine.leftovers();
    let id = std::process::id();
    let mut out = Vec::new();
    for (k, side) in sides.iter().enumerate() {
        let ctx = work.path().join(format!("side{k}-context"));
        let result = (|| -> Result<history::BuiltLayers, String> {
            copy_context(o.context, &ctx).map_err(|e| format!("copying the context: {e}"))?;
            for (rel, content) in side.new_files {
                let dest = ctx.join(rel);
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                std::fs::write(&dest, content).map_err(|e| e.to_string())?;
            }
            let file = work.path().join(format!("side{k}.Dockerfile"));
            std::fs::write(&file, side.dockerfile).map_err(|e| e.to_string())?;
            let tag = format!("localhost/dockopt-layers-{id}-{k}");
            let built = o.engine.build(&file, &ctx, &tag, false, o).and_then(|_| {
                let img = o.engine.read_image(&tag, o.timeout)?;
                Ok(history::built_layers(side.dockerfile, &img))
            });
            o.engine.remove(&tag);
            built
        })();
        if interrupted() {
            break;
        }
        out.push(result);
    }
    o.engine.remove_new_leftovers(&held_before);
    stop_if_interrupted()?;
    Ok(out)
}

fn measure_sides(
    before: &Side<'_>,
    afters: &[Side<'_>],
    o: &Options<'_>,
    work: &Path,
) -> Result<Vec<Report>, String> {
    let rel_touch = match o.touch {
        Some(t) => Some(touched_in_context(o.context, t)?),
        None => pick_source(o.context)
            .and_then(|p| p.strip_prefix(o.context).ok().map(Path::to_path_buf)),
    };
    let id = std::process::id();
    let run = |side: &Side<'_>, name: &str| -> Result<Measurement, String> {
        let ctx = work.join(format!("{name}-context"));
        copy_context(o.context, &ctx).map_err(|e| format!("copying the context: {e}"))?;
        for (rel, content) in side.new_files {
            let dest = ctx.join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::write(&dest, content).map_err(|e| e.to_string())?;
        }
        let file = work.join(format!("{name}.Dockerfile"));
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
    stop_if_interrupted()?;
    let ratio = |x: f64, y: f64| (x > 0.0 && y > 0.0).then(|| y / x);
    let mut reports = Vec::new();
    for (k, side) in afters.iter().enumerate() {
        let a = run(side, &format!("after{k}"))?;
        stop_if_interrupted()?;
        let image_diff = match (&b.image, &a.image) {
            (Some(bi), Some(ai)) => {
                let mut d = imagediff::diff(bi, ai);
                if o.verify {
                    d.problems = Some(imagediff::problems(&d));
                }
                Some(d)
            }
            _ => None,
        };
        reports.push(Report {
            name: side.name.to_string(),
            image_diff,
            engine: o.engine.label(),
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
        // Whole percents; a change that rounds to none is `0 %`, never `-0 %`.
        let p = ((y / x - 1.0) * 100.0).round();
        match p {
            _ if x <= 0.0 => String::new(),
            0.0 => "0 %".to_string(),
            _ => format!("{p:+} %"),
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
        secs(b.cold_s),
        secs(a.cold_s),
        pct(b.cold_s, a.cold_s),
    );
    out += &row(
        "rebuild after edit",
        secs(b.rebuild_s),
        secs(a.rebuild_s),
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
        if let Some(step) = &m.rebuild_slowest_step {
            out += &format!(
                "{name}: the rebuild waited longest for `{}` ({})\n",
                shorten(&step.instruction, 60),
                secs(step.seconds)
            );
        }
    }
    for (name, m) in [("before", b), ("after", a)] {
        if let Some(e) = &m.error {
            out += &format!("{name}: {e}\n");
        }
        if let Some(e) = &m.smoke_error {
            out += &format!("{name}: smoke test failed: {}\n", shorten(e, 300));
        }
    }
    if let Some(t) = &r.touched {
        out += &format!(
            "(engine {}; edited {t} between the cold build and the rebuild)\n",
            r.engine
        );
    }
    if let Some(d) = &r.image_diff {
        out += &imagediff::text(d);
    }
    for (name, m) in [("before", b), ("after", a)] {
        if let Some(e) = &m.image_error {
            out += &format!(
                "{name}: the image could not be read, so its differences are not shown: {e}\n"
            );
        }
    }
    out
}

/// The ids of the secrets a Dockerfile mounts (`RUN --mount=type=secret,id=ID,…`).
fn secret_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = text
        .split("--mount=")
        .skip(1)
        .map(|m| m.split_whitespace().next().unwrap_or(""))
        .filter(|m| m.split(',').any(|kv| kv == "type=secret"))
        .filter_map(|m| m.split(',').find_map(|kv| kv.strip_prefix("id=")))
        .filter(|id| !id.contains("..") && !id.starts_with('/'))
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The smoke test's command line: a JSON array of strings is one as it is (for images without a
/// shell), anything else a shell command (`sh -c`).
fn smoke_argv(smoke: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(smoke.trim()) {
        Ok(argv) if !argv.is_empty() => argv,
        _ => vec!["sh".into(), "-c".into(), smoke.into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_mounts_name_their_ids() {
        let text = "RUN --mount=type=secret,id=pip.conf,target=/app/pip.conf,required=true pip install\nRUN --mount=type=cache,target=/root/.cache true\nRUN --mount=id=.npmrc,type=secret npm ci\nRUN --mount=type=secret,id=../etc/passwd true\n";
        assert_eq!(secret_ids(text), [".npmrc", "pip.conf"]);
    }

    #[test]
    fn a_json_array_smoke_test_runs_without_a_shell() {
        assert_eq!(
            smoke_argv(r#"["/app", "-selftest"]"#),
            ["/app", "-selftest"]
        );
        assert_eq!(
            smoke_argv("./rpn 3 | grep 3"),
            ["sh", "-c", "./rpn 3 | grep 3"]
        );
        // Not an array of strings: a shell command (`[` is the test command).
        assert_eq!(smoke_argv("[ -x /app ]"), ["sh", "-c", "[ -x /app ]"]);
        assert_eq!(smoke_argv("[]"), ["sh", "-c", "[]"]);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[0.7]), 0.7);
        assert_eq!(median(&[]), 0.0);
    }

    /// Lines as an engine would print them, `ms` milliseconds after `t0`.
    fn lines(t0: Instant, printed: &[(u64, &str)]) -> Vec<Line> {
        printed
            .iter()
            .map(|(ms, text)| Line {
                at: t0 + Duration::from_millis(*ms),
                stderr: false,
                text: text.to_string(),
            })
            .collect()
    }

    #[test]
    fn slowest_step_from_buildkit_progress() {
        let t0 = Instant::now();
        let out = lines(
            t0,
            &[
                (0, "#1 [internal] load build definition from Dockerfile"),
                (1, "#1 DONE 0.9s"),
                (2, "#5 [build 1/6] FROM docker.io/library/node:18"),
                (3, "#5 DONE 0.0s"),
                (4, "#11 [build 4/6] RUN npm install"),
                (5, "#11 CACHED"),
                (6, "#13 [build 6/6] RUN npm run build"),
                (7, "#13 0.512 > tsc"),
                (8, "#13 DONE 8.3s"),
                (9, "#16 [stage-1 5/5] COPY --from=build /app/dist /app/dist"),
                (10, "#16 DONE 0.1s"),
            ],
        );
        let step = slowest_step(&out, t0 + Duration::from_secs(9)).unwrap();
        assert_eq!(step.instruction, "RUN npm run build");
        assert_eq!(step.seconds, 8.3);
    }

    #[test]
    fn slowest_step_from_buildah_timing_skips_cached_steps() {
        let t0 = Instant::now();
        let out = lines(
            t0,
            &[
                (0, "STEP 1/4: FROM python:3.11-slim"),
                (100, "STEP 2/4: RUN pip install -r requirements.txt"),
                (150, "--> Using cache 2cd2209fd8d"),
                (200, "STEP 3/4: COPY . ."),
                (700, "--> c1336d4e7d9"),
                (750, "STEP 4/4: CMD [\"python\", \"app.py\"]"),
            ],
        );
        let step = slowest_step(&out, t0 + Duration::from_millis(900)).unwrap();
        assert_eq!(step.instruction, "COPY . .");
        assert!((step.seconds - 0.55).abs() < 1e-9, "{}", step.seconds);
        // Docker's legacy builder prints `Step n/m : …`.
        let staged = lines(
            t0,
            &[
                (0, "[1/2] STEP 5/8: RUN npm run build"),
                (300, "[2/2] STEP 1/4: FROM node:18-slim"),
            ],
        );
        let step = slowest_step(&staged, t0 + Duration::from_millis(400)).unwrap();
        assert_eq!(step.instruction, "RUN npm run build");
        let legacy = lines(t0, &[(0, "Step 2/3 : RUN make"), (40, "Step 3/3 : CMD x")]);
        let step = slowest_step(&legacy, t0 + Duration::from_millis(50)).unwrap();
        assert_eq!(step.instruction, "RUN make");
        assert!(slowest_step(&[], t0).is_none());
    }

    #[test]
    fn each_edit_is_a_new_comment_in_the_files_language() {
        let py = edit_line(Path::new("app.py"), b"print(1)\n", 0);
        assert!(py.starts_with("# dockopt measure: edit 0 at "), "{py}");
        assert!(py.ends_with('\n') && py.matches('\n').count() == 1);
        let ts = edit_line(Path::new("src/a.ts"), b"let x = 1;", 2);
        assert!(ts.starts_with("\n// dockopt measure: edit 2 at "), "{ts}");
        let html = edit_line(Path::new("index.html"), b"<p>hi</p>\n", 1);
        assert!(
            html.starts_with("<!-- ") && html.ends_with(" -->\n"),
            "{html}"
        );
        assert_eq!(edit_line(Path::new("data.bin"), b"xyz\n", 0), "\n");
        assert_ne!(py, edit_line(Path::new("app.py"), b"print(1)\n", 0));
    }

    #[test]
    fn the_table_says_why_a_smoke_test_failed() {
        let ok = Measurement {
            built: true,
            smoke_ok: Some(true),
            ..Measurement::default()
        };
        let failed = Measurement {
            smoke_ok: Some(false),
            smoke_error: Some("buildah run: ModuleNotFoundError: No module named 'app'".into()),
            ..ok.clone()
        };
        let r = Report {
            name: "dockopt".into(),
            image_diff: None,
            engine: "buildah".into(),
            touched: None,
            before: ok,
            after: failed,
            size_ratio: None,
            rebuild_ratio: None,
        };
        let t = table(&r);
        assert!(
            t.contains("smoke test                         ok         FAILED"),
            "{t}"
        );
        assert!(
            t.contains("after: smoke test failed: buildah run: ModuleNotFoundError: No module named 'app'\n"),
            "{t}"
        );
        assert!(!t.contains("before: smoke"), "{t}");
    }

    #[test]
    fn changes_are_whole_percents_and_none_is_not_negative() {
        let sized = |size_bytes, cold_s| Measurement {
            built: true,
            size_bytes,
            cold_s,
            ..Measurement::default()
        };
        let r = Report {
            name: "dockopt".into(),
            image_diff: None,
            engine: "buildah".into(),
            touched: None,
            before: sized(197_200_000, 3.40),
            after: sized(197_100_000, 4.76),
            size_ratio: None,
            rebuild_ratio: None,
        };
        let t = table(&r);
        let size = t.lines().find(|l| l.starts_with("image size")).unwrap();
        assert!(size.ends_with(" 0 %"), "{t}");
        let cold = t.lines().find(|l| l.starts_with("cold build")).unwrap();
        assert!(cold.ends_with(" +40 %"), "{t}");
    }

    #[test]
    fn the_picked_source_is_one_the_build_sees_shallowest_first() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        for dir in ["env", "node_modules/x", "src/deep", "venv/lib", "skipped"] {
            std::fs::create_dir_all(t.join(dir)).unwrap();
        }
        for file in [
            "env/a.py",
            "node_modules/x/a.js",
            "venv/lib/a.py",
            "skipped/a.py",
            "src/deep/z.py",
            "src/app.py",
            "setup.cfg",
        ] {
            std::fs::write(t.join(file), "x\n").unwrap();
        }
        std::fs::write(t.join(".dockerignore"), "env\nskipped/\n").unwrap();
        assert_eq!(pick_source(t), Some(t.join("src/app.py")));
        // A symlink is never picked, even at the top.
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", t.join("a.py")).unwrap();
        assert_eq!(pick_source(t), Some(t.join("src/app.py")));
    }

    #[test]
    fn the_context_copy_has_what_the_engine_would_send() {
        let tmp = tempfile::tempdir().unwrap();
        let (from, to) = (tmp.path().join("from"), tmp.path().join("to"));
        std::fs::create_dir_all(from.join(".git")).unwrap();
        std::fs::write(from.join(".git/HEAD"), "ref\n").unwrap();
        // git ignores it, the engine sends it all the same.
        std::fs::write(from.join(".gitignore"), "secret.env\n").unwrap();
        std::fs::write(from.join("secret.env"), "x\n").unwrap();
        copy_context(&from, &to).unwrap();
        assert!(
            to.join(".git/HEAD").is_file(),
            "no .dockerignore: .git is sent"
        );
        assert!(to.join("secret.env").is_file());
        for (ignore, skipped) in [
            (".git\n", true),
            ("/.git/\n", true),
            ("**/.git\n", true),
            ("node_modules\n", false),
            (".git\n!.git/HEAD\n", false),
            (".gitignore\n", false),
        ] {
            std::fs::write(from.join(".dockerignore"), ignore).unwrap();
            assert_eq!(
                BuildContext::Folder(from.clone()).dockerignore_excludes_top(".git"),
                skipped,
                "{ignore:?}"
            );
        }
    }

    #[test]
    fn touch_must_be_a_regular_file_inside_the_context() {
        let tmp = tempfile::tempdir().unwrap();
        let ctx = tmp.path().join("ctx");
        std::fs::create_dir_all(ctx.join("src")).unwrap();
        std::fs::write(ctx.join("src/app.py"), "x\n").unwrap();
        std::fs::write(tmp.path().join("outside.py"), "x\n").unwrap();
        // Relative to the context, or a path that leads into it.
        assert_eq!(
            touched_in_context(&ctx, Path::new("src/app.py")),
            Ok(PathBuf::from("src/app.py"))
        );
        assert_eq!(
            touched_in_context(&ctx, &ctx.join("src/app.py")),
            Ok(PathBuf::from("src/app.py"))
        );
        let refused = |p: &Path| touched_in_context(&ctx, p).unwrap_err();
        assert!(refused(&tmp.path().join("outside.py")).contains("outside the build context"));
        assert!(refused(Path::new("../outside.py")).contains("outside the build context"));
        assert!(refused(Path::new("src/nope.py")).contains("no such file"));
        assert!(refused(Path::new("src")).contains("not a regular file"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("app.py", ctx.join("src/link.py")).unwrap();
            assert!(refused(Path::new("src/link.py")).contains("not a regular file"));
        }
    }

    #[test]
    fn seconds_keep_hundredths_below_ten() {
        assert_eq!(secs(0.087), "0.09 s");
        assert_eq!(secs(9.994), "9.99 s");
        assert_eq!(secs(14.26), "14.3 s");
    }
}
