use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Rewrites Dockerfiles so that their images are smaller, rebuild faster and run safer.
#[derive(Debug, Parser)]
#[command(name = "dockopt", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rewrite Dockerfiles: print a diff (default), check, or write in place.
    Optimize(OptimizeArgs),
    /// List the passes with their codes, safety and whether they run by default.
    Passes,
    /// Show a pass's documentation: what it does, why, an example, fix safety.
    Explain {
        /// Pass code (DO001) or name (merge-runs).
        pass: String,
    },
    /// Show each instruction's layer and whether a source edit rebuilds it; with --after, the
    /// same for the optimized Dockerfile, to see why each change helps.
    Layers {
        /// The Dockerfile.
        path: std::path::PathBuf,
        /// Also show the optimized version and compare.
        #[arg(long)]
        after: bool,
        /// Build the file (and with --after the optimized one) and show the real size of each
        /// instruction's layer, read from the built image.
        #[arg(long)]
        build: bool,
        /// With --after: how to rewrite, as for `optimize`.
        #[command(flatten)]
        rewrite: RewriteArgs,
        /// With --build: the build context (default: the Dockerfile's folder).
        #[arg(long, requires = "build")]
        context: Option<std::path::PathBuf>,
        /// With --build: the container engine.
        #[arg(long, value_enum, default_value = "auto")]
        engine: EngineChoice,
        /// With --build: a build argument (`KEY=VALUE`), repeat it for more.
        #[arg(long, value_name = "KEY=VALUE", value_parser = parse_build_arg, requires = "build")]
        build_arg: Vec<String>,
        /// With --build: seconds one build may take.
        #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
        timeout: u64,
        /// Output format (`html` with --build).
        #[arg(long, value_enum, default_value = "text")]
        format: TableFormat,
    },
    /// Build the Dockerfile and its optimized version from the same context and compare: image
    /// size, layers, cold build and rebuild-after-edit times, user, smoke test.
    Measure {
        /// The Dockerfile.
        path: std::path::PathBuf,
        /// How to rewrite, as for `optimize` (its config file too).
        #[command(flatten)]
        rewrite: RewriteArgs,
        /// The build context (default: the Dockerfile's folder).
        #[arg(long)]
        context: Option<std::path::PathBuf>,
        /// The container engine.
        #[arg(long, value_enum, default_value = "auto")]
        engine: EngineChoice,
        /// A shell command run in both images (`sh -c`), or a JSON array run as it is (for an image
        /// without a shell: `["/app", "--selftest"]`); its exit status is the smoke result.
        #[arg(long)]
        smoke: Option<String>,
        /// The source file to edit before the rebuild (default: one picked from the context).
        #[arg(long)]
        touch: Option<std::path::PathBuf>,
        /// Seconds one build or smoke test may take before it is stopped and reported as failed.
        #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
        timeout: u64,
        /// How many times to edit the source and rebuild; the median time is reported.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=50))]
        rebuilds: u16,
        /// A build argument (`KEY=VALUE`) for both builds, as `docker build --build-arg`;
        /// repeat it for more.
        #[arg(long, value_name = "KEY=VALUE", value_parser = parse_build_arg)]
        build_arg: Vec<String>,
        /// Compare against this Dockerfile (a hand-made or another tool's rewrite) instead of
        /// dockopt's; `NAME=DOCKERFILE` names it on the scoreboard. `dockopt:safe` and
        /// `dockopt:unsafe` stand for dockopt's own rewrites (the config file applies). Repeat
        /// it to compare several; the original is built once, and the JSON output is then a
        /// list with one object per file.
        #[arg(long, value_name = "[NAME=]DOCKERFILE", conflicts_with_all = ["unsafe_fixes", "cache_mounts", "select", "ignore", "prefer_alpine"])]
        against: Vec<String>,
        /// Check that each rewrite kept the packages, the config and the application's files
        /// (those under the original's WORKDIR), as a safe rewrite must; exit 2 if not.
        #[arg(long, conflicts_with = "unsafe_fixes")]
        verify: bool,
        /// The scoreboard's weights: `size=1,security=1,rebuild=1` (any subset).
        #[arg(long, value_name = "CRITERION=WEIGHT,…", value_parser = crate::measure::scoreboard::parse_weights)]
        weights: Option<crate::measure::scoreboard::Weights>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: TableFormat,
    },
    /// Run a language server (LSP) over standard input and output, for editors: diagnostics,
    /// quick fixes, fix all, and each pass's documentation on hover (see the README's "In your
    /// editor").
    Server {
        /// Accepted for the clients that pass it; standard input and output is the only
        /// transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Print how dockopt parses a Dockerfile: one JSON object per instruction (keyword, first
    /// and last line, flags, heredoc count). For comparing parsers.
    #[command(hide = true)]
    Parse {
        /// The Dockerfile (`-` for standard input).
        path: std::path::PathBuf,
    },
}

/// The formats of a command that prints one table (`layers`): the review formats have nothing
/// to say there, and clap refuses them by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// A table for people.
    Text,
    /// One JSON object.
    Json,
    /// One self-contained HTML page (measure, layers --build).
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diffs on stdout, findings and a summary on stderr.
    Text,
    /// One object per file.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// Markdown for a pull-request review comment, one ```suggestion block per changed hunk.
    Suggestions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineChoice {
    Auto,
    Docker,
    Podman,
    Buildah,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, clap::Args)]
pub struct OptimizeArgs {
    /// Dockerfiles or directories to search (default: `.`); `-` reads standard input and
    /// writes the rewritten Dockerfile to standard output.
    pub paths: Vec<PathBuf>,
    /// Print a unified diff; exit 1 if any file would change.
    #[arg(long, conflicts_with_all = ["check", "write"])]
    pub diff: bool,
    /// Print only the summary; exit 1 if any file would change.
    #[arg(long, conflicts_with = "write")]
    pub check: bool,
    /// Rewrite files in place (atomically).
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub rewrite: RewriteArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// The path to report (and whose folder is the build context) for standard input.
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    /// The build context (default: each Dockerfile's folder).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Colour the diff.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

/// What decides the rewrite, the same for every command that rewrites (optimize, measure,
/// layers --after), so that each shows what `optimize` would write.
#[derive(Debug, Clone, clap::Args)]
pub struct RewriteArgs {
    /// Also apply fixes that may change what the image contains or does.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Use BuildKit cache mounts instead of deleting package-manager caches.
    #[arg(long)]
    pub cache_mounts: bool,
    /// Run only these passes (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never run these passes (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Ignore `# dockopt ignore=` and `# hadolint ignore=` pragmas: report and fix everything.
    #[arg(long)]
    pub ignore_pragmas: bool,
    /// Also rewrite files that say they are generated (`DO NOT EDIT`, `generated by …`), which
    /// are otherwise left as they are: their generator would overwrite the edit.
    #[arg(long)]
    pub include_generated: bool,
    /// Let slim-base move python and node bases to Alpine (musl libc) rather than `-slim`.
    #[arg(long)]
    pub prefer_alpine: bool,
    /// With --cache-mounts, add no `# syntax=docker/dockerfile:1` line: its frontend image is
    /// pulled from a registry, which an air-gapped build cannot reach (Docker 20.10 and later
    /// take `RUN --mount` without it).
    #[arg(long)]
    pub no_syntax_directive: bool,
    /// The user that the non-root-user pass creates (default: app).
    #[arg(long, value_parser = parse_user_name)]
    pub user_name: Option<String>,
    /// Its uid and gid (default: 10001).
    #[arg(long)]
    pub user_uid: Option<u32>,
    /// Use this config file instead of the nearest `.dockopt.yaml`/`dockopt.yaml`.
    #[arg(long, conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every config file.
    #[arg(long)]
    pub isolated: bool,
}

/// `KEY=VALUE` with a name Docker accepts for a build argument.
fn parse_build_arg(s: &str) -> Result<String, String> {
    match s.split_once('=') {
        Some((key, _)) if !key.is_empty() && !key.contains(char::is_whitespace) => Ok(s.into()),
        _ => Err("expected KEY=VALUE".into()),
    }
}

/// A portable user name: what `useradd` and BusyBox `adduser` both accept.
fn parse_user_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err("use lower-case letters, digits, `_` and `-`, starting with a letter".into())
    }
}
