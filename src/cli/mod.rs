//! The command line: argument parsing, file discovery, output and exit codes.
//! Exit codes: 0 nothing pending (or written), 1 changes pending with `--diff`/`--check`, 2 error.

mod args;
mod files;
mod formats;
mod output;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::Parser;

pub use args::{Cli, Command, Format, OptimizeArgs, RewriteArgs};
// For the language server, which resolves settings and explains passes as the CLI does.
pub(crate) use files::check_text;
pub(crate) use output::explain;

use dockopt::passes::PassId;
use dockopt::pipeline::{Applied, Suggestion};
use dockopt::{Settings, passes};

/// What happened to one file.
#[derive(Debug, serde::Serialize)]
pub struct FileReport {
    pub path: String,
    pub changed: bool,
    pub error: Option<String>,
    pub applied: Vec<AppliedJson>,
    pub suggestions: Vec<Suggestion>,
    /// Why the file was left as it is without running the passes (a generated file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Files the fixes create (such as a `.dockerignore`), with their paths on disk.
    #[serde(serialize_with = "new_file_paths")]
    pub new_files: Vec<(std::path::PathBuf, String)>,
    #[serde(skip)]
    pub output: Option<String>,
    /// The text as read (for the review formats).
    #[serde(skip)]
    pub input: Option<String>,
    #[serde(skip)]
    pub hidden_unsafe: usize,
}

impl FileReport {
    /// The diff of the Dockerfile and of the files it creates, as one patch (made when asked
    /// for: `--check` and the report formats never print it).
    pub fn patch(&self) -> String {
        let mut patch = match (&self.input, &self.output) {
            (Some(input), Some(output)) => dockopt::diff::unified(&self.path, input, output),
            _ => String::new(),
        };
        for (path, content) in &self.new_files {
            patch.push_str(&files::creation_diff(path, content));
        }
        patch
    }
}

fn new_file_paths<S: serde::Serializer>(
    files: &[(std::path::PathBuf, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(files.iter().map(|(p, _)| p.display().to_string()))
}

#[derive(Debug, serde::Serialize)]
pub struct AppliedJson {
    pub code: &'static str,
    pub name: &'static str,
    pub line: usize,
    pub message: String,
}

impl From<&Applied> for AppliedJson {
    fn from(a: &Applied) -> Self {
        AppliedJson {
            code: a.code,
            name: a.name,
            line: a.line,
            message: a.message.clone(),
        }
    }
}

/// Runs the CLI and returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return 0;
            }
            let _ = writeln!(io::stderr(), "error: {e:#}");
            2
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Optimize(args) => optimize(args),
        Command::Parse { path } => parse_dump(&path),
        Command::Server { stdio: _ } => Ok(crate::server::main()),
        Command::Measure {
            path,
            rewrite,
            context,
            engine,
            smoke,
            touch,
            against,
            timeout,
            rebuilds,
            build_arg,
            verify,
            weights,
            format,
        } => measure(
            &path,
            &rewrite,
            context,
            engine,
            MeasureRun {
                smoke: smoke.as_deref(),
                touch: touch.as_deref(),
                against: &against,
                timeout: std::time::Duration::from_secs(timeout),
                rebuilds: usize::from(rebuilds),
                build_args: &build_arg,
                verify,
                weights: weights.unwrap_or_default(),
            },
            format,
        ),
        Command::Layers {
            path,
            after,
            build,
            rewrite,
            context,
            engine,
            build_arg,
            timeout,
            format,
        } => {
            if build {
                layers_built(
                    &path,
                    after,
                    &rewrite,
                    LayersBuild {
                        context,
                        engine,
                        build_args: &build_arg,
                        timeout: std::time::Duration::from_secs(timeout),
                    },
                    format,
                )
            } else {
                layers(&path, after, &rewrite, format)
            }
        }
        Command::Passes => {
            output::passes_table(&mut io::stdout().lock())?;
            Ok(0)
        }
        Command::Explain { pass } => match passes::lookup(&pass) {
            Some(p) => {
                output::explain(&mut io::stdout().lock(), p.meta())?;
                Ok(0)
            }
            None => {
                eprintln!("error: no pass named `{pass}` (see `dockopt passes`)");
                Ok(2)
            }
        },
    }
}

/// What `measure` runs besides the builds.
struct MeasureRun<'a> {
    smoke: Option<&'a str>,
    touch: Option<&'a Path>,
    against: &'a [String],
    timeout: std::time::Duration,
    rebuilds: usize,
    build_args: &'a [String],
    verify: bool,
    weights: crate::measure::scoreboard::Weights,
}

/// One rewrite to build: its name, text, the files it adds, and the passes that made it.
struct Rewrite {
    name: String,
    text: String,
    new_files: Vec<(String, String)>,
    applied: Vec<Applied>,
}

/// An `--against` value: `[NAME=]DOCKERFILE`, where the file may be `dockopt:safe` or
/// `dockopt:unsafe` (dockopt's rewrites).
fn against_variant(value: &str) -> (String, String) {
    match value.split_once('=') {
        Some((name, file)) if !name.is_empty() && !name.contains('/') && !file.is_empty() => {
            (name.to_string(), file.to_string())
        }
        _ => (value.to_string(), value.to_string()),
    }
}

/// The rewrite dockopt makes, safe or not as asked (`unsafe_fixes` over the config).
fn dockopt_rewrite(
    name: &str,
    rewrite: &RewriteArgs,
    path: &Path,
    context: &Path,
    text: &str,
    verify: bool,
) -> std::result::Result<Rewrite, String> {
    let settings = settings_for_file(rewrite, path, Some(context.to_path_buf()))?;
    if verify && settings.unsafe_fixes {
        return Err(format!(
            "--verify checks a safe rewrite, and {name} applies unsafe fixes (the command line or the config file turns them on)"
        ));
    }
    let o = dockopt::optimize(text, &settings).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Rewrite {
        name: name.to_string(),
        text: o.output,
        new_files: o
            .new_files
            .into_iter()
            .map(|f| (f.path, f.content))
            .collect(),
        applied: o.applied,
    })
}

/// The rewrite as one patch: the Dockerfile's diff and the files it creates (a `.dockerignore`),
/// as `optimize --diff` prints it.
fn rewrite_patch(name: &str, original: &str, r: &Rewrite) -> String {
    let mut patch = dockopt::diff::unified(name, original, &r.text);
    for (path, content) in &r.new_files {
        patch.push_str(&files::creation_diff(Path::new(path), content));
    }
    patch
}

/// `dockopt measure`: build before and after, compare.
fn measure(
    path: &Path,
    rewrite: &RewriteArgs,
    context: Option<PathBuf>,
    engine: args::EngineChoice,
    run: MeasureRun<'_>,
    format: args::TableFormat,
) -> Result<i32> {
    use crate::measure::{Side, scoreboard};
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let context = context.unwrap_or_else(|| folder_of(path));
    // The rewrites to build: dockopt's, or the files given.
    let mut rewrites: Vec<Rewrite> = Vec::new();
    for value in run.against {
        let (name, file) = against_variant(value);
        let made = match file.as_str() {
            "dockopt:safe" | "dockopt:unsafe" => {
                let mut args = rewrite.clone();
                args.unsafe_fixes = file == "dockopt:unsafe";
                let name = if name == file {
                    format!("dockopt ({})", &file[8..])
                } else {
                    name
                };
                dockopt_rewrite(&name, &args, path, &context, &text, run.verify)
            }
            _ => std::fs::read_to_string(&file)
                .map(|text| Rewrite {
                    name,
                    text,
                    new_files: Vec::new(),
                    applied: Vec::new(),
                })
                .map_err(|e| format!("{file}: cannot read: {e}")),
        };
        match made {
            Ok(r) => rewrites.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        }
    }
    if rewrites.is_empty() {
        let name = if rewrite.unsafe_fixes {
            "dockopt --unsafe-fixes"
        } else {
            "dockopt"
        };
        match dockopt_rewrite(name, rewrite, path, &context, &text, run.verify) {
            Ok(r) => rewrites.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        }
    }
    let engine = match detect_engine(engine) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let options = crate::measure::Options {
        engine,
        context: &context,
        smoke: run.smoke,
        touch: run.touch,
        timeout: run.timeout,
        rebuilds: run.rebuilds,
        build_args: run.build_args,
        verify: run.verify,
    };
    let before = Side {
        name: "original",
        dockerfile: &text,
        new_files: &[],
    };
    let afters: Vec<Side<'_>> = rewrites
        .iter()
        .map(|r| Side {
            name: &r.name,
            dockerfile: &r.text,
            new_files: &r.new_files,
        })
        .collect();
    // Ctrl-C (or SIGTERM, SIGHUP) must not leave a build running and its images behind: the
    // engine runs in a process group of its own, which the terminal's interrupt does not reach.
    let _ = ctrlc::set_handler(crate::measure::interrupt);
    let reports = match engine_outcome(
        "measure",
        path,
        crate::measure::measure(&before, &afters, &options),
    ) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let original_name = path.display().to_string();
    let scores = scoreboard::rank(&original_name, &reports, run.weights);
    let mut out = io::stdout().lock();
    match format {
        args::TableFormat::Json => {
            if let [one] = reports.as_slice() {
                serde_json::to_writer_pretty(&mut out, &with_scores(one, &scores, &original_name))?;
            } else {
                let all: Vec<serde_json::Value> = reports
                    .iter()
                    .map(|r| with_scores(r, &scores, &original_name))
                    .collect();
                serde_json::to_writer_pretty(&mut out, &all)?;
            }
            writeln!(out)?;
        }
        args::TableFormat::Html => {
            let variants: Vec<crate::measure::html::Variant> = rewrites
                .iter()
                .map(|r| crate::measure::html::Variant {
                    name: r.name.clone(),
                    diff: rewrite_patch(&original_name, &text, r),
                    changes: crate::measure::html::changes(&r.applied),
                })
                .collect();
            let page = crate::measure::html::measure_page(
                &original_name,
                &reports,
                &variants,
                &scores,
                run.weights,
            )
            .map_err(anyhow::Error::msg)?;
            out.write_all(page.as_bytes())?;
        }
        args::TableFormat::Text => {
            for (k, r) in reports.iter().enumerate() {
                if reports.len() > 1 {
                    writeln!(out, "{}{}:", if k > 0 { "\n" } else { "" }, r.name)?;
                }
                write!(out, "{}", crate::measure::table(r))?;
            }
            if reports.len() > 1 {
                write!(out, "{}", scoreboard::text(&scores, run.weights))?;
            }
        }
    }
    let failed = reports
        .iter()
        .any(|r| !r.before.built || !r.after.built || r.after.smoke_ok == Some(false));
    // --verify fails when a rewrite changed what it must keep, or when it could not be checked.
    let unverified = run.verify
        && reports.iter().any(|r| match &r.image_diff {
            Some(d) => d.problems.as_ref().is_none_or(|p| !p.is_empty()),
            None => true,
        });
    if unverified && reports.iter().any(|r| r.image_diff.is_none()) {
        eprintln!("error: --verify: an image could not be read, so the rewrite is not verified");
    }
    Ok(if failed || unverified { 2 } else { 0 })
}

/// A report as JSON with the scoreboard's rows for its rewrite (`score`) and for the original
/// (`original_score`), each with its rank among all the variants measured.
fn with_scores(
    r: &crate::measure::Report,
    scores: &[crate::measure::scoreboard::Score],
    original: &str,
) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    let named = |n: &str| serde_json::to_value(scores.iter().find(|s| s.name == n));
    v["score"] = named(&r.name).unwrap_or_default();
    v["original_score"] = named(original).unwrap_or_default();
    v
}

/// The engine asked for, or the first that works; the exit code when there is none.
fn detect_engine(engine: args::EngineChoice) -> std::result::Result<crate::measure::Engine, i32> {
    use crate::measure::Engine;
    let wanted = match engine {
        args::EngineChoice::Auto => None,
        args::EngineChoice::Docker => Some(Engine::Docker),
        args::EngineChoice::Podman => Some(Engine::Podman),
        args::EngineChoice::Buildah => Some(Engine::Buildah),
    };
    Engine::detect(wanted).map_err(|why| {
        eprintln!("error: {why}");
        2
    })
}

/// `dockopt layers`: the layer table, before (and after) optimizing.
fn layers(
    path: &Path,
    after: bool,
    rewrite: &RewriteArgs,
    format: args::TableFormat,
) -> Result<i32> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let name = path.display().to_string();
    let text = match files::check_text(&name, &bytes) {
        Ok(t) => t.to_string(),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let before_doc = match dockopt::Document::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {name}:{}:{}: {}", e.line, e.column, e.message);
            return Ok(2);
        }
    };
    let before = dockopt::layers::analyse(&before_doc);
    let optimized = if after {
        match rewritten(rewrite, path, folder_of(path), &text) {
            Ok(o) => Some(o.output),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        }
    } else {
        None
    };
    let after_layers = optimized
        .as_deref()
        .map(|t| dockopt::Document::parse(t).map(|d| dockopt::layers::analyse(&d)));
    let after_layers = match after_layers {
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => {
            eprintln!("error: {name}: the optimized file does not parse: {e}");
            return Ok(2);
        }
        None => None,
    };
    let mut out = io::stdout().lock();
    if format == args::TableFormat::Html {
        eprintln!("error: --format html shows built layers: add --build");
        return Ok(2);
    }
    if format == args::TableFormat::Json {
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({ "before": before, "after": after_layers }),
        )?;
        writeln!(out)?;
        return Ok(0);
    }
    // Side by side on a terminal wide enough; one after the other otherwise.
    let width = console::Term::stdout()
        .size_checked()
        .map_or(0, |(_, cols)| usize::from(cols));
    let Some(a) = &after_layers else {
        write!(out, "{}", dockopt::layers::table(&before))?;
        return Ok(0);
    };
    if width >= 120 && io::stdout().is_terminal() {
        write!(
            out,
            "{}",
            dockopt::layers::side_by_side(&before, a, (width - 3) / 2)
        )?;
    } else {
        writeln!(out, "== before ({name})")?;
        write!(out, "{}", dockopt::layers::table(&before))?;
        writeln!(out, "\n== after dockopt optimize{}", unsafe_flag(rewrite))?;
        write!(out, "{}", dockopt::layers::table(a))?;
    }
    writeln!(
        out,
        "\nfinal stage: {} → {} layers; {} → {} rebuilt after a source edit",
        before.final_stage_layers,
        a.final_stage_layers,
        before.rebuilt_after_source_edit,
        a.rebuilt_after_source_edit
    )?;
    Ok(0)
}

/// How `layers --build` builds.
struct LayersBuild<'a> {
    context: Option<PathBuf>,
    engine: args::EngineChoice,
    build_args: &'a [String],
    timeout: std::time::Duration,
}

/// `dockopt layers --build`: build the file (and its rewrite) and show the real size of each
/// instruction's layer.
fn layers_built(
    path: &Path,
    after: bool,
    rewrite: &RewriteArgs,
    how: LayersBuild<'_>,
    format: args::TableFormat,
) -> Result<i32> {
    use crate::measure::{Side, history};
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let context = how.context.unwrap_or_else(|| folder_of(path));
    let optimized = if after {
        match dockopt_rewrite("dockopt", rewrite, path, &context, &text, false) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        }
    } else {
        None
    };
    let engine = match detect_engine(how.engine) {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let options = crate::measure::Options {
        engine,
        context: &context,
        smoke: None,
        touch: None,
        timeout: how.timeout,
        rebuilds: 1,
        build_args: how.build_args,
        verify: false,
    };
    let mut sides = vec![Side {
        name: "before",
        dockerfile: &text,
        new_files: &[],
    }];
    if let Some(o) = &optimized {
        sides.push(Side {
            name: "after",
            dockerfile: &o.text,
            new_files: &o.new_files,
        });
    }
    let _ = ctrlc::set_handler(crate::measure::interrupt);
    let built = match engine_outcome(
        "layers",
        path,
        crate::measure::build_layers(&sides, &options),
    ) {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    let mut layers = Vec::new();
    for (side, result) in sides.iter().zip(built) {
        match result {
            Ok(l) => layers.push(l),
            Err(e) => {
                eprintln!("error: {} ({}): {e}", path.display(), side.name);
                return Ok(2);
            }
        }
    }
    let name = path.display().to_string();
    let mut out = io::stdout().lock();
    match format {
        args::TableFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "engine": engine.label(), "before": layers[0], "after": layers.get(1) }),
            )?;
            writeln!(out)?;
        }
        args::TableFormat::Html => {
            let variant = optimized.as_ref().map(|o| crate::measure::html::Variant {
                name: o.name.clone(),
                diff: rewrite_patch(&name, &text, o),
                changes: crate::measure::html::changes(&o.applied),
            });
            let page = crate::measure::html::layers_page(
                &name,
                &engine.label(),
                &layers[0],
                layers.get(1).zip(variant.as_ref()),
            )
            .map_err(anyhow::Error::msg)?;
            out.write_all(page.as_bytes())?;
        }
        args::TableFormat::Text => {
            writeln!(out, "== {name} (built with {})", engine.label())?;
            // Side by side on a terminal wide enough; one after the other otherwise.
            let width = console::Term::stdout()
                .size_checked()
                .map_or(0, |(_, cols)| usize::from(cols));
            if let Some(a) = layers.get(1)
                && width >= 120
                && io::stdout().is_terminal()
            {
                writeln!(
                    out,
                    "before │ after dockopt optimize{}",
                    unsafe_flag(rewrite)
                )?;
                write!(
                    out,
                    "{}",
                    history::side_by_side(&layers[0], a, (width - 3) / 2)
                )?;
                writeln!(
                    out,
                    "\nimage layers: {} → {}",
                    history::mb(layers[0].total_bytes),
                    history::mb(a.total_bytes)
                )?;
                return Ok(0);
            }
            write!(out, "{}", history::text(&layers[0]))?;
            if let Some(a) = layers.get(1) {
                writeln!(out, "\n== after dockopt optimize{}", unsafe_flag(rewrite))?;
                write!(out, "{}", history::text(a))?;
                writeln!(
                    out,
                    "\nimage layers: {} → {}",
                    history::mb(layers[0].total_bytes),
                    history::mb(a.total_bytes)
                )?;
            }
        }
    }
    Ok(0)
}

/// `dockopt parse`: the instructions as JSON lines, or the parse error; exit 2 on errors.
fn parse_dump(path: &Path) -> Result<i32> {
    let bytes = if path == Path::new("-") {
        let mut b = Vec::new();
        io::stdin().read_to_end(&mut b)?;
        b
    } else {
        std::fs::read(path)?
    };
    let name = path.display().to_string();
    let text = match files::check_text(&name, &bytes) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    match dockopt::Document::parse(text) {
        Ok(doc) => {
            let mut out = io::stdout().lock();
            for ins in &doc.instructions {
                let line = serde_json::json!({
                    "cmd": ins.keyword,
                    "start_line": doc.line_of(ins.span.start),
                    "end_line": doc.line_of(ins.span.end.saturating_sub(1).max(ins.span.start)),
                    "flags": ins.flags.iter().map(|f| match &f.value { Some(v) => format!("--{}={v}", f.name), None => format!("--{}", f.name) }).collect::<Vec<_>>(),
                    "heredocs": ins.heredocs.len(),
                });
                writeln!(out, "{line}")?;
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("error: {name}:{}:{}: {}", e.line, e.column, e.message);
            Ok(2)
        }
    }
}

/// Runs the optimizer on every file, spread over the machine's cores; reports come back in the
/// files' order.
/// Files from which a progress bar is worth showing.
const PROGRESS_FROM: usize = 50;

/// Stack of each worker thread (the main thread's default, 8 MiB, is what stdin gets).
const WORKER_STACK: usize = 64 * 1024 * 1024;

fn process_all(args: &OptimizeArgs, found: &[(PathBuf, PathBuf)]) -> Vec<FileReport> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(found.len().max(1));
    let next = AtomicUsize::new(0);
    // Nothing is written before every file is optimized: the run may keep what it reads of
    // the build contexts.
    let contexts = std::sync::Arc::new(dockopt::facts::DiskCache::default());
    let slots: Mutex<Vec<Option<FileReport>>> =
        Mutex::new((0..found.len()).map(|_| None).collect());
    // A progress bar only for people: many files, stderr a terminal.
    let progress = (found.len() >= PROGRESS_FROM && io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(found.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} Dockerfiles {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    std::thread::scope(|scope| {
        for _ in 0..threads {
            // Room for deep (but allowed) nesting in a RUN script or a long file.
            let worker = std::thread::Builder::new().stack_size(WORKER_STACK);
            let spawned = worker.spawn_scoped(scope, || {
                // Each worker takes the next file: long files do not hold up a fixed share.
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, _)) = found.get(k) else { break };
                    let context = args.context.clone().or_else(|| Some(folder_of(path)));
                    let report = match settings_for_file_in_run(&args.rewrite, path, context) {
                        Ok(settings) => files::process_path(path, &settings, &contexts),
                        Err(e) => files::error_report(&path.display().to_string(), e),
                    };
                    slots.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(report);
                    if let Some(bar) = &progress {
                        bar.inc(1);
                    }
                }
            });
            if spawned.is_err() {
                // No thread to be had: the files left get an error report each, below.
                break;
            }
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    // A report per file, always, so that results never shift onto another file's path.
    let slots = slots.into_inner().unwrap_or_else(|e| e.into_inner());
    slots
        .into_iter()
        .zip(found)
        .map(|(slot, (p, _))| {
            slot.unwrap_or_else(|| {
                files::error_report(
                    &p.display().to_string(),
                    format!("{}: internal error; file left unchanged", p.display()),
                )
            })
        })
        .collect()
}

/// What the engine built for `dockopt <command>` on `path`, or the exit code once the failure
/// is said: 130 when the run was interrupted (its images removed), else 2.
fn engine_outcome<T>(
    command: &str,
    path: &Path,
    result: std::result::Result<T, String>,
) -> std::result::Result<T, i32> {
    result.map_err(|why| {
        if crate::measure::interrupted() {
            eprintln!("dockopt {command}: interrupted; the images it built are removed");
            130
        } else {
            eprintln!("error: {}: {why}", path.display());
            2
        }
    })
}

/// ` --unsafe-fixes` when the rewrite shown takes unsafe fixes: the "after" heading names the
/// command that made it.
fn unsafe_flag(rewrite: &RewriteArgs) -> &'static str {
    if rewrite.unsafe_fixes {
        " --unsafe-fixes"
    } else {
        ""
    }
}

/// The folder a Dockerfile is in (`.` for a bare file name): its default build context.
pub(crate) fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn settings_for(
    args: &RewriteArgs,
    context: Option<PathBuf>,
) -> std::result::Result<Settings, String> {
    let passes = |keys: &[String]| {
        PassId::parse_all(keys)
            .map_err(|e| format!("{e} in --select/--ignore (see `dockopt passes`)"))
    };
    Ok(Settings {
        unsafe_fixes: args.unsafe_fixes,
        cache_mounts: args.cache_mounts,
        select: match args.select.is_empty() {
            true => None,
            false => Some(passes(&args.select)?),
        },
        ignore: passes(&args.ignore)?,
        context,
        user_name: args.user_name.clone().unwrap_or_else(|| "app".to_string()),
        user_uid: args.user_uid.unwrap_or(10001),
        prefer_alpine: args.prefer_alpine,
        file_name: None,
        ignore_pragmas: args.ignore_pragmas,
        include_generated: args.include_generated,
        syntax_directive: !args.no_syntax_directive,
        ..Settings::default()
    })
}

/// What `optimize` would make of `text` (the Dockerfile at `path`), for the commands that show
/// or build the rewrite; the error says which file.
fn rewritten(
    rewrite: &RewriteArgs,
    path: &Path,
    context: PathBuf,
    text: &str,
) -> std::result::Result<dockopt::pipeline::Outcome, String> {
    let settings = settings_for_file(rewrite, path, Some(context))?;
    dockopt::optimize(text, &settings).map_err(|e| format!("{}: {e}", path.display()))
}

/// The config file for Dockerfiles in `folder`, looked up once per folder in this run (a
/// repository's Dockerfiles share a folder or an ancestor, and the look-up walks up to the root).
/// Not for the language server, which outlives config files made or removed while it runs.
fn discovered_config(folder: &Path) -> Option<PathBuf> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static FOUND: OnceLock<Mutex<HashMap<PathBuf, Option<PathBuf>>>> = OnceLock::new();
    let found = FOUND.get_or_init(Default::default);
    if let Some(hit) = found.lock().ok().and_then(|m| m.get(folder).cloned()) {
        return hit;
    }
    let path = dockopt::config::Config::discover(folder);
    if let Ok(mut m) = found.lock() {
        m.insert(folder.to_path_buf(), path.clone());
    }
    path
}

/// The settings for one Dockerfile: the command line over its config file (`--config`, or
/// the nearest `.dockopt.yaml` above it unless `--isolated`).
pub(crate) fn settings_for_file(
    args: &RewriteArgs,
    dockerfile: &Path,
    context: Option<PathBuf>,
) -> std::result::Result<Settings, String> {
    settings_with_config(args, dockerfile, context, dockopt::config::Config::discover)
}

/// [`settings_for_file`] for one file of a run over many: the config file is looked up once per
/// folder.
fn settings_for_file_in_run(
    args: &RewriteArgs,
    dockerfile: &Path,
    context: Option<PathBuf>,
) -> std::result::Result<Settings, String> {
    settings_with_config(args, dockerfile, context, discovered_config)
}

fn settings_with_config(
    args: &RewriteArgs,
    dockerfile: &Path,
    context: Option<PathBuf>,
    find_config: fn(&Path) -> Option<PathBuf>,
) -> std::result::Result<Settings, String> {
    let mut settings = settings_for(args, context)?;
    settings.file_name = dockerfile
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let config_path = match (&args.config, args.isolated) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => find_config(&folder_of(dockerfile)),
    };
    if let Some(path) = config_path {
        let config = dockopt::config::Config::load(&path).map_err(|e| e.to_string())?;
        let cli = dockopt::config::CliSet {
            select: !args.select.is_empty(),
            ignore: !args.ignore.is_empty(),
            unsafe_fixes: args.unsafe_fixes,
            cache_mounts: args.cache_mounts,
            prefer_alpine: args.prefer_alpine,
            ignore_pragmas: args.ignore_pragmas,
            include_generated: args.include_generated,
            syntax_directive: args.no_syntax_directive,
            user_name: args.user_name.is_some(),
            user_uid: args.user_uid.is_some(),
        };
        config.apply(&mut settings, dockerfile, &cli);
    }
    Ok(settings)
}

fn optimize(args: OptimizeArgs) -> Result<i32> {
    // Said once, before any file, rather than once per file.
    if let Err(e) = settings_for(&args.rewrite, None) {
        eprintln!("error: {e}");
        return Ok(2);
    }
    let mut reports = Vec::new();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let stdin_mode = paths.len() == 1 && paths[0] == Path::new("-");
    if stdin_mode {
        let mut bytes = Vec::new();
        io::stdin().read_to_end(&mut bytes)?;
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        let context = args
            .context
            .clone()
            .or_else(|| args.stdin_filename.as_deref().map(folder_of));
        // The config is looked for from the named file's folder (or the current one).
        let named = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("Dockerfile"));
        let report = match settings_for_file(&args.rewrite, &named, context) {
            Ok(settings) => files::process_bytes(&name.display().to_string(), &bytes, &settings),
            Err(e) => files::error_report(&name.display().to_string(), e),
        };
        reports.push(report);
    } else {
        let (found, mut errors) = files::discover(&paths);
        reports.append(&mut errors);
        if args.write {
            // Interrupted, the run removes its temporary files before it ends; files an
            // earlier run could not remove (killed outright) are removed here, and said.
            let _ = ctrlc::set_handler(files::remove_temporaries_and_exit);
            let mut folders: Vec<PathBuf> = found.iter().map(|(p, _)| folder_of(p)).collect();
            folders.sort();
            folders.dedup();
            for folder in folders {
                for stale in files::remove_stale_temporaries(&folder) {
                    eprintln!(
                        "removed {}: a temporary file an interrupted dockopt run left",
                        files::clean_path(&stale).display()
                    );
                }
            }
        }
        // Optimizing is pure: files are processed in parallel, in order; writes follow, one
        // by one, so that two Dockerfiles sharing a context settle who writes its new files.
        let mut processed = process_all(&args, &found);
        files::merge_new_files(&mut processed);
        for ((path, root), mut report) in found.iter().zip(processed) {
            let pending = args.write && report.changed && report.error.is_none();
            let written = match (pending, report.output.as_deref()) {
                (true, Some(output)) => files::write_atomic(path, root, output).and_then(|()| {
                    report
                        .new_files
                        .iter()
                        .try_for_each(|(p, c)| match files::create_new(p, c) {
                            // Another Dockerfile of this run created it first.
                            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
                            other => other,
                        })
                }),
                _ => Ok(()),
            };
            if let Err(e) = written {
                report.error = Some(format!("{}: not written: {e}", path.display()));
            }
            reports.push(report);
        }
    }
    output::emit(&args, &reports, stdin_mode)?;
    let errors = reports.iter().any(|r| r.error.is_some());
    let changed = reports.iter().any(|r| r.changed);
    Ok(if errors {
        2
    } else if changed && (args.diff || args.check) {
        1
    } else {
        0
    })
}
