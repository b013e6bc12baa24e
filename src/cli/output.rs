//! Everything the CLI prints.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};

use super::args::Color;
use super::{FileReport, Format, OptimizeArgs};
use dockopt::fix::Applicability;
use dockopt::passes::{Meta, REGISTRY};

pub fn passes_table(out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "{:<6} {:<26} {:<13} {:<8} summary",
        "code", "name", "safety", "default"
    )?;
    for p in REGISTRY {
        let m = p.meta();
        let default = if m.safety == Applicability::Safe {
            "on"
        } else {
            "unsafe"
        };
        writeln!(
            out,
            "{:<6} {:<26} {:<13} {:<8} {}",
            m.code,
            m.name,
            m.safety.as_str(),
            default,
            m.summary
        )?;
    }
    Ok(())
}

pub fn explain(out: &mut impl Write, m: &Meta) -> io::Result<()> {
    writeln!(out, "# {} ({})", m.name, m.code)?;
    writeln!(out)?;
    writeln!(out, "{}", m.summary)?;
    writeln!(out)?;
    writeln!(out, "Fix safety: {}", m.safety.as_str())?;
    if !m.hadolint.is_empty() {
        writeln!(out, "Fixes hadolint: {}", m.hadolint.join(", "))?;
    }
    writeln!(out)?;
    write!(out, "{}", m.docs)?;
    Ok(())
}

fn use_color(args: &OptimizeArgs) -> bool {
    match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn write_diff(out: &mut impl Write, diff: &str, color: bool) -> io::Result<()> {
    if !color {
        return out.write_all(diff.as_bytes());
    }
    for line in diff.split_inclusive('\n') {
        use dockopt::diff::LineKind;
        let code = match LineKind::of(line) {
            LineKind::Header => "1",
            LineKind::Added => "32",
            LineKind::Removed => "31",
            LineKind::Hunk => "36",
            LineKind::Context => "",
        };
        if code.is_empty() {
            out.write_all(line.as_bytes())?;
        } else {
            let body = line.trim_end_matches('\n');
            write!(out, "\x1b[{code}m{body}\x1b[0m{}", &line[body.len()..])?;
        }
    }
    Ok(())
}

/// stdout and stderr, each buffered, kept in the order they are written: turning from one to
/// the other flushes the first, so a terminal showing both shows them as written, with one
/// write per stretch rather than one per line (a run over a thousand files printed its
/// findings with a system call each).
struct Streams<'a> {
    out: io::BufWriter<io::StdoutLock<'a>>,
    err: io::BufWriter<io::StderrLock<'a>>,
    on_err: bool,
}

impl Streams<'_> {
    fn new() -> Self {
        Streams {
            out: io::BufWriter::new(io::stdout().lock()),
            err: io::BufWriter::new(io::stderr().lock()),
            on_err: false,
        }
    }

    fn out(&mut self) -> io::Result<&mut impl Write> {
        if self.on_err {
            self.err.flush()?;
            self.on_err = false;
        }
        Ok(&mut self.out)
    }

    fn err(&mut self) -> io::Result<&mut impl Write> {
        if !self.on_err {
            self.out.flush()?;
            self.on_err = true;
        }
        Ok(&mut self.err)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.err.flush()
    }
}

/// Prints the reports: diffs or the rewritten text on stdout, findings and the summary on stderr.
pub fn emit(args: &OptimizeArgs, reports: &[FileReport], stdin_mode: bool) -> io::Result<()> {
    let mut streams = Streams::new();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(streams.out()?, reports)?;
            writeln!(streams.out()?)?;
            return streams.flush();
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(streams.out()?, &super::formats::sarif(reports))?;
            writeln!(streams.out()?)?;
            return streams.flush();
        }
        Format::Gitlab => {
            serde_json::to_writer_pretty(streams.out()?, &super::formats::gitlab(reports))?;
            writeln!(streams.out()?)?;
            return streams.flush();
        }
        Format::Github => {
            streams
                .out()?
                .write_all(super::formats::github(reports).as_bytes())?;
            summary(streams.err()?, args, reports)?;
            return streams.flush();
        }
        Format::Suggestions => {
            streams
                .out()?
                .write_all(super::formats::suggestions(reports).as_bytes())?;
            return streams.flush();
        }
        Format::Text => {}
    }
    let color = use_color(args);
    for r in reports {
        if let Some(e) = &r.error {
            writeln!(streams.err()?, "error: {e}")?;
            if stdin_mode && !args.check && !args.diff {
                // A filter must not swallow its input.
                if let Some(o) = &r.output {
                    streams.out()?.write_all(o.as_bytes())?;
                }
            }
            continue;
        }
        if stdin_mode && !args.check && !args.diff {
            streams
                .out()?
                .write_all(r.output.as_deref().unwrap_or("").as_bytes())?;
        } else if !args.check && !args.write {
            write_diff(streams.out()?, &r.patch(), color)?;
        }
        if let Some(why) = &r.skipped {
            writeln!(streams.err()?, "{}: {why}", r.path)?;
        }
        if args.check && !args.write {
            // What makes the check fail, as ruff check lists it: the fixes pending (`[*]`);
            // unsafe fixes and suggestions are counted below.
            let mut pending: Vec<_> = r.applied.iter().collect();
            pending.sort_by_key(|a| a.line);
            for a in pending {
                writeln!(
                    streams.err()?,
                    "{}:{}: {} {}: {} [*]",
                    r.path,
                    a.line,
                    a.code,
                    a.name,
                    a.message
                )?;
            }
            continue;
        }
        for s in &r.suggestions {
            let tag = match s.applicability {
                Applicability::Unsafe => " [unsafe fix: --unsafe-fixes]",
                _ => "",
            };
            writeln!(
                streams.err()?,
                "{}:{}: {} {}: {}{tag}",
                r.path,
                s.line,
                s.code,
                s.name,
                s.message
            )?;
        }
    }
    summary(streams.err()?, args, reports)?;
    streams.flush()
}

fn summary(err: &mut impl Write, args: &OptimizeArgs, reports: &[FileReport]) -> io::Result<()> {
    let changed: Vec<&FileReport> = reports
        .iter()
        .filter(|r| r.changed && r.error.is_none())
        .collect();
    let fixes: usize = changed.iter().map(|r| r.applied.len()).sum();
    let mut by_pass: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &changed {
        for a in &r.applied {
            *by_pass.entry(a.name).or_default() += 1;
        }
    }
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    let hidden: usize = reports.iter().map(|r| r.hidden_unsafe).sum();
    let verb = if args.write { "fixed" } else { "would change" };
    let files = |n: usize| plural(n, "file", "files");
    let mut line = format!("{} scanned, {} {verb}", files(reports.len()), changed.len());
    if fixes > 0 {
        let detail: Vec<String> = by_pass.iter().map(|(k, v)| format!("{k} {v}")).collect();
        line.push_str(&format!(
            " ({}: {})",
            plural(fixes, "fix", "fixes"),
            detail.join(", ")
        ));
    }
    let generated = reports.iter().filter(|r| r.skipped.is_some()).count();
    if generated > 0 {
        line.push_str(&format!(
            ", {} left as generated (--include-generated)",
            files(generated)
        ));
    }
    if errors > 0 {
        line.push_str(&format!(", {errors} with errors"));
    }
    writeln!(err, "{line}")?;
    if hidden > 0 {
        let noun = if hidden == 1 { "fix" } else { "fixes" };
        writeln!(err, "{hidden} more {noun} with --unsafe-fixes")?;
    }
    if args.check && !args.write {
        let notes: usize = reports
            .iter()
            .flat_map(|r| &r.suggestions)
            .filter(|s| s.applicability != Applicability::Unsafe)
            .count();
        if fixes > 0 {
            writeln!(
                err,
                "[*] {} fixable: run with --write",
                plural(fixes, "is", "are")
            )?;
        }
        if notes > 0 {
            writeln!(
                err,
                "{} not shown (run without --check to see them)",
                plural(notes, "suggestion", "suggestions")
            )?;
        }
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
