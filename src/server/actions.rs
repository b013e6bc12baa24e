//! Code actions (a quick fix per pass, fix all safe, fix all with unsafe fixes) and hover.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CreateFile, CreateFileOptions,
    DocumentChangeOperation, DocumentChanges, Hover, HoverContents, MarkupContent, MarkupKind,
    OneOf, OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp, TextDocumentEdit,
    TextEdit, Uri, WorkspaceEdit,
};

use super::analysis::{Analysis, Kind, file_uri};
use super::text::{self, Encoding};

/// `source.fixAll.dockopt`: what `dockopt optimize` writes (editors run it on save when asked).
pub const FIX_ALL: &str = "source.fixAll.dockopt";
/// Everything, unsafe fixes too: not under `source.fixAll`, so that no save applies it.
pub const FIX_ALL_UNSAFE: &str = "source.fixAllUnsafe.dockopt";

/// What the code actions need to know besides the document.
pub struct Request<'a> {
    pub uri: &'a Uri,
    pub text: &'a str,
    pub range: Range,
    /// The kinds the editor asked for (`None`: all).
    pub only: Option<&'a [CodeActionKind]>,
    pub encoding: Encoding,
    /// The editor can create files in a workspace edit (for a `.dockerignore` a fix makes).
    pub can_create_files: bool,
}

fn overlaps(a: &Range, b: &Range) -> bool {
    let key = |p: &Position| (p.line, p.character);
    key(&a.start) <= key(&b.end) && key(&b.start) <= key(&a.end)
}

fn wanted(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    only.is_none_or(|only| {
        only.iter().any(|o| {
            let o = o.as_str();
            kind == o || kind.starts_with(&format!("{o}."))
        })
    })
}

pub fn code_actions(analysis: &mut Analysis, req: &Request<'_>) -> Vec<CodeActionOrCommand> {
    let mut actions: Vec<CodeAction> = Vec::new();
    let Some(settings) = analysis.settings.clone() else {
        return Vec::new();
    };
    if wanted(req.only, CodeActionKind::QUICKFIX.as_str()) {
        // One quick fix per pass flagged in the range, and per safety: the fix is the pass's
        // own rewrite of the file, so it covers each of its findings there.
        let mut seen: Vec<(&'static str, bool)> = Vec::new();
        let findings = analysis.findings.clone();
        for (k, f) in findings.iter().enumerate() {
            if f.kind == Kind::Note || !overlaps(&f.range, &req.range) {
                continue;
            }
            let unsafe_fixes = f.kind == Kind::Unsafe || settings.unsafe_fixes;
            if seen.contains(&(f.code, unsafe_fixes)) {
                continue;
            }
            seen.push((f.code, unsafe_fixes));
            let Some(fixed) = analysis
                .rewrite(req.text, Some(f.code), unsafe_fixes)
                .cloned()
            else {
                continue;
            };
            if !fixed.changed(req.text) {
                continue;
            }
            // With unsafe fixes on, the fix is safe when the safe rewrite makes the same.
            let is_unsafe = f.kind == Kind::Unsafe
                || (unsafe_fixes
                    && analysis
                        .rewrite(req.text, Some(f.code), false)
                        .is_none_or(|safe| safe.output != fixed.output));
            let covered: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    g.code == f.code
                        && (g.kind == Kind::Fix || (unsafe_fixes && g.kind != Kind::Note))
                })
                .map(|(j, _)| j)
                .collect();
            let mut title = format!("Fix {} ({})", f.name, f.code);
            if covered.len() > 1 {
                title.push_str(&format!(": all {} in this file", covered.len()));
            }
            if is_unsafe {
                title.push_str(" (unsafe)");
            }
            let diagnostics = findings
                .iter()
                .enumerate()
                .filter(|(j, g)| {
                    g.code == f.code
                        && overlaps(&g.range, &req.range)
                        && (*j == k || covered.contains(j))
                })
                .filter_map(|(j, _)| analysis.diagnostics.get(j).cloned())
                .collect();
            let (edit, note) = workspace_edit(req, analysis.version, &fixed, &settings);
            actions.push(CodeAction {
                title: title + &note,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(diagnostics),
                edit: Some(edit),
                is_preferred: Some(!is_unsafe),
                ..CodeAction::default()
            });
        }
    }
    let converged = analysis.outcome.as_ref().is_some_and(|o| o.converged);
    if converged
        && wanted(req.only, FIX_ALL)
        && let Some(all) = analysis.outcome.clone().filter(|o| o.changed(req.text))
    {
        let title = if settings.unsafe_fixes {
            "dockopt: fix all, unsafe too (unsafe fixes are on)"
        } else {
            "dockopt: fix all safe"
        };
        let (edit, note) = workspace_edit(req, analysis.version, &all, &settings);
        actions.push(CodeAction {
            title: format!("{title}{note}"),
            kind: Some(CodeActionKind::new(FIX_ALL)),
            edit: Some(edit),
            ..CodeAction::default()
        });
    }
    let has_unsafe = analysis.findings.iter().any(|f| f.kind == Kind::Unsafe);
    if converged && has_unsafe && !settings.unsafe_fixes && wanted(req.only, FIX_ALL_UNSAFE) {
        let safe_output = analysis.outcome.as_ref().map(|o| o.output.clone());
        if let Some(all) = analysis.rewrite(req.text, None, true).cloned()
            && all.converged
            && (Some(&all.output) != safe_output.as_ref() || !all.new_files.is_empty())
        {
            let (edit, note) = workspace_edit(req, analysis.version, &all, &settings);
            actions.push(CodeAction {
                title: format!("dockopt: fix all, unsafe too{note}"),
                kind: Some(CodeActionKind::new(FIX_ALL_UNSAFE)),
                edit: Some(edit),
                is_preferred: Some(false),
                ..CodeAction::default()
            });
        }
    }
    actions
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

/// The edit that turns the document into `fixed.output`, with the files the fix creates when
/// the editor can create files; else a note for the title naming what is left out.
fn workspace_edit(
    req: &Request<'_>,
    version: i32,
    fixed: &dockopt::Outcome,
    settings: &dockopt::Settings,
) -> (WorkspaceEdit, String) {
    let edits = text::edits(req.text, &fixed.output, req.encoding);
    let folder = settings.context.as_deref();
    let creatable = folder.is_some() && req.can_create_files;
    if fixed.new_files.is_empty() || !creatable {
        let note = match fixed.new_files.as_slice() {
            [] => String::new(),
            files => format!(
                " (does not create {}: {})",
                files
                    .iter()
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if folder.is_none() {
                    "the document has no folder"
                } else {
                    "the editor cannot create files"
                }
            ),
        };
        let edit = WorkspaceEdit {
            changes: Some(HashMap::from([(req.uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        };
        return (edit, note);
    }
    let mut operations = Vec::new();
    for file in &fixed.new_files {
        let path = folder.unwrap_or(std::path::Path::new(".")).join(&file.path);
        let Ok(uri) = file_uri(&path).parse::<Uri>() else {
            continue;
        };
        operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
            CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(true),
                }),
                annotation_id: None,
            },
        )));
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![OneOf::Left(TextEdit {
                range: Range::default(),
                new_text: file.content.clone(),
            })],
        }));
    }
    operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
        text_document: OptionalVersionedTextDocumentIdentifier {
            uri: req.uri.clone(),
            version: Some(version),
        },
        edits: edits.into_iter().map(OneOf::Left).collect(),
    }));
    let edit = WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(operations)),
        ..WorkspaceEdit::default()
    };
    (edit, String::new())
}

/// The documentation of each pass flagged at `position`, as `dockopt explain` prints it,
/// under what it found there.
pub fn hover(analysis: &Analysis, position: Position) -> Option<Hover> {
    let here = Range::new(position, position);
    let found: Vec<_> = analysis
        .findings
        .iter()
        .filter(|f| overlaps(&f.range, &here))
        .collect();
    let first = found.first()?;
    let mut markdown = String::new();
    let mut codes: Vec<&'static str> = Vec::new();
    for f in &found {
        markdown.push_str(&format!("**{} {}**: {}\n\n", f.code, f.name, f.message));
        if !codes.contains(&f.code) {
            codes.push(f.code);
        }
    }
    for code in codes {
        let Some(pass) = dockopt::passes::lookup(code) else {
            continue;
        };
        let mut doc = Vec::new();
        if crate::cli::explain(&mut doc, pass.meta()).is_ok() {
            markdown.push_str("---\n\n");
            markdown.push_str(&String::from_utf8_lossy(&doc));
            markdown.push('\n');
        }
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(first.range),
    })
}
