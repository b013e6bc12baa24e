//! One version of one document, analysed: what `dockopt optimize` would fix and suggest there,
//! as diagnostics, and the rewrites the code actions offer (computed when first asked for).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dockopt::passes::PassId;
use dockopt::{Applicability, BuildContext, Document, Error, Outcome, Settings, optimize_in};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString, Range, Uri,
};

use super::text::{Encoding, Lines};

/// How a finding stands with the settings in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `dockopt optimize` applies its fix.
    Fix,
    /// Its fix is unsafe and unsafe fixes are off.
    Unsafe,
    /// Nothing to apply: a display-only suggestion, or a pragma that protects nothing.
    Note,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub message: String,
    pub kind: Kind,
    pub range: Range,
}

/// Where each pass's documentation lives, for a diagnostic's link.
#[derive(Debug, Clone)]
pub struct DocsLink {
    /// `{code}` and `{name}` are replaced by the pass's (`DO001`, `merge-runs`).
    pub template: String,
}

impl Default for DocsLink {
    /// The pass table of the README, whose rows carry anchors `#do001`…: in the repository
    /// named in Cargo.toml when it names one, else in the source tree the binary was built from.
    fn default() -> Self {
        let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
        let template = if repository.is_empty() {
            let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
            format!("{}#{{code}}", file_uri(&readme))
        } else {
            format!("{repository}/blob/main/README.md#{{code}}")
        };
        DocsLink { template }
    }
}

impl DocsLink {
    fn href(&self, code: &str, name: &str) -> Option<Uri> {
        let link = self
            .template
            .replace("{code}", &code.to_ascii_lowercase())
            .replace("{name}", name);
        link.parse().ok()
    }
}

pub struct Analysis {
    pub version: i32,
    /// The settings `dockopt optimize` would use for this file (`None`: its config is broken).
    pub settings: Option<Settings>,
    /// The rewrite with those settings (`None` when the file does not parse or the rewrite failed).
    pub outcome: Option<Outcome>,
    pub findings: Vec<Finding>,
    /// The findings' diagnostics (in the same order), then any problem with the file itself.
    pub diagnostics: Vec<Diagnostic>,
    /// Rewrites made for code actions: (only this pass, unsafe fixes) → outcome.
    rewrites: HashMap<(Option<&'static str>, bool), Option<Outcome>>,
}

/// `path`, or a name for a document that has none.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri
        .scheme()
        .is_some_and(|s| s.as_str().eq_ignore_ascii_case("file"))
    {
        return None;
    }
    let path = uri.path().as_estr().decode().into_string().ok()?;
    // `file:///C:/x` on Windows names `C:/x`.
    #[cfg(windows)]
    let path = match path.strip_prefix('/') {
        Some(rest) if rest.as_bytes().get(1) == Some(&b':') => rest.to_string(),
        _ => path.into_owned(),
    };
    Some(PathBuf::from(path.to_string()))
}

/// A `file://` URI for an absolute path, each byte outside the unreserved set percent-encoded.
pub fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The rewrite, with a panic turned into an error (the server must outlive any input).
pub fn run(text: &str, settings: &Settings) -> Result<Outcome, String> {
    let context = BuildContext::folder(settings.context.as_deref());
    match std::panic::catch_unwind(|| optimize_in(text, settings, &context)) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(Error::Syntax(e))) => Err(format!("{}:{}: {}", e.line, e.column, e.message)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("internal error (panic) while optimizing".to_string()),
    }
}

fn diagnostic(range: Range, severity: DiagnosticSeverity, message: String) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity),
        source: Some("dockopt".to_string()),
        message,
        ..Diagnostic::default()
    }
}

impl Analysis {
    /// Analyses `text` with `settings` (or the error that stopped them being resolved).
    pub fn new(
        version: i32,
        text: &str,
        settings: Result<Settings, String>,
        docs: &DocsLink,
        encoding: Encoding,
    ) -> Analysis {
        let lines = Lines::new(text, encoding);
        let mut analysis = Analysis {
            version,
            settings: None,
            outcome: None,
            findings: Vec::new(),
            diagnostics: Vec::new(),
            rewrites: HashMap::new(),
        };
        let problem = |line: usize, message: String| {
            diagnostic(lines.trimmed_line(line), DiagnosticSeverity::ERROR, message)
        };
        // An empty buffer (a new file) is not an error in an editor.
        if text.trim_start_matches('\u{feff}').trim().is_empty() {
            return analysis;
        }
        if let Err(e) = crate::cli::check_text("document", text.as_bytes()) {
            analysis.diagnostics.push(problem(1, e));
            return analysis;
        }
        let settings = match settings {
            Ok(s) => s,
            Err(e) => {
                analysis
                    .diagnostics
                    .push(problem(1, format!("config: {e}")));
                return analysis;
            }
        };
        let context = BuildContext::folder(settings.context.as_deref());
        let result = std::panic::catch_unwind(|| optimize_in(text, &settings, &context));
        let outcome = match result {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(Error::Syntax(e))) => {
                // One diagnostic, where the parser stopped.
                analysis.diagnostics.push(problem(e.line, e.message));
                analysis.settings = Some(settings);
                return analysis;
            }
            Ok(Err(e)) => {
                analysis.diagnostics.push(problem(1, e.to_string()));
                return analysis;
            }
            Err(_) => {
                analysis.diagnostics.push(problem(
                    1,
                    "internal error (panic) while optimizing; see the server's log".to_string(),
                ));
                return analysis;
            }
        };
        // `optimize_in` parsed it: the instructions give each finding its range.
        let doc = Document::parse(text).ok();
        let range_of = |line: usize| -> Range {
            let Some(doc) = &doc else {
                return lines.trimmed_line(line);
            };
            let start = doc.lines.line_start(line);
            let lead = doc.lines.line_text(text, line).len()
                - doc.lines.line_text(text, line).trim_start().len();
            doc.instruction_at(start + lead)
                .map(|k| &doc.instructions[k])
                .filter(|ins| doc.line_of(ins.span.start) == line)
                .map_or_else(
                    || lines.trimmed_line(line),
                    |ins| lines.range(ins.span.clone()),
                )
        };
        let applied = outcome.applied.iter().map(|a| Finding {
            code: a.code,
            name: a.name,
            message: a.message.clone(),
            kind: Kind::Fix,
            range: range_of(a.line),
        });
        let suggested = outcome.suggestions.iter().map(|s| Finding {
            code: s.code,
            name: s.name,
            message: s.message.clone(),
            kind: match s.applicability {
                Applicability::Unsafe => Kind::Unsafe,
                _ => Kind::Note,
            },
            range: range_of(s.line),
        });
        analysis.findings = applied.chain(suggested).collect();
        analysis.diagnostics = analysis
            .findings
            .iter()
            .map(|f| finding_diagnostic(f, docs))
            .collect();
        if !outcome.converged {
            analysis.diagnostics.push(problem(
                1,
                "the rewrite did not settle after 10 rounds: `dockopt optimize` leaves the file unchanged"
                    .to_string(),
            ));
        }
        if let (Some(why), Some(doc)) = (&outcome.skipped, &doc) {
            let line = dockopt::facts::generated_header(doc).unwrap_or(1);
            analysis.diagnostics.push(diagnostic(
                lines.trimmed_line(line),
                DiagnosticSeverity::INFORMATION,
                why.clone(),
            ));
        }
        analysis.settings = Some(settings);
        analysis.outcome = Some(outcome);
        analysis
    }

    /// The rewrite with only `pass` (or every pass), unsafe fixes on or off; made once per
    /// version.
    pub fn rewrite(
        &mut self,
        text: &str,
        pass: Option<&'static str>,
        unsafe_fixes: bool,
    ) -> Option<&Outcome> {
        let settings = self.settings.as_ref()?;
        if pass.is_none() && unsafe_fixes == settings.unsafe_fixes {
            return self.outcome.as_ref();
        }
        self.rewrites
            .entry((pass, unsafe_fixes))
            .or_insert_with(|| {
                let mut settings = settings.clone();
                settings.unsafe_fixes = unsafe_fixes;
                if let Some(code) = pass {
                    settings.select = Some(vec![PassId::parse(code).ok()?]);
                }
                match run(text, &settings) {
                    Ok(outcome) => Some(outcome),
                    Err(e) => {
                        eprintln!("dockopt server: rewrite for a code action failed: {e}");
                        None
                    }
                }
            })
            .as_ref()
    }
}

/// Severity by kind: a fix `optimize` applies is a warning; an unsafe fix left for
/// `--unsafe-fixes`, a suggestion and a pragma problem are information (a hint would be
/// drawn as dots only, easy to miss). Tags where the pass is about deprecated syntax.
fn finding_diagnostic(f: &Finding, docs: &DocsLink) -> Diagnostic {
    let severity = match (f.kind, f.code) {
        (Kind::Fix, _) | (_, "DO000") => DiagnosticSeverity::WARNING,
        _ => DiagnosticSeverity::INFORMATION,
    };
    let message = match f.kind {
        Kind::Unsafe => format!("{}: {} (unsafe fix)", f.name, f.message),
        _ => format!("{}: {}", f.name, f.message),
    };
    // MAINTAINER is deprecated; `ENV key value` is the legacy form the reference says may go.
    let tags = matches!(f.code, "DO022" | "DO027").then(|| vec![DiagnosticTag::DEPRECATED]);
    Diagnostic {
        code: Some(NumberOrString::String(f.code.to_string())),
        code_description: docs
            .href(f.code, f.name)
            .map(|href| CodeDescription { href }),
        tags,
        ..diagnostic(f.range, severity, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a dir/é/Dockerfile");
        let uri: Uri = file_uri(path).parse().unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%A9/Dockerfile");
        assert_eq!(file_path(&uri).as_deref(), Some(path));
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_path(&untitled), None);
    }

    #[test]
    fn every_pass_has_its_anchor_in_the_readme() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        for pass in dockopt::passes::REGISTRY {
            let code = pass.meta().code;
            let anchor = format!("<a id=\"{}\"></a>{code} |", code.to_ascii_lowercase());
            assert!(
                readme.contains(&anchor),
                "README's pass table has no row {anchor}"
            );
        }
    }

    #[test]
    fn docs_link_names_the_pass() {
        let link = DocsLink {
            template: "https://example.org/passes/{name}#{code}".to_string(),
        };
        let href = link.href("DO001", "merge-runs").unwrap();
        assert_eq!(href.as_str(), "https://example.org/passes/merge-runs#do001");
        assert!(DocsLink::default().href("DO001", "merge-runs").is_some());
    }
}
