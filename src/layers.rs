//! The layer view: for each instruction, whether it makes a filesystem layer, and whether an edit
//! of a source file (not a dependency manifest) makes the build run it again.

use serde::Serialize;

use crate::syntax::{Document, Instr, Kind};

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub stage: usize,
    pub line: usize,
    pub instruction: String,
    /// `base`, `layer` or `metadata`.
    pub kind: &'static str,
    /// Runs again after a source file changes (the build cache misses from here on).
    pub rebuilt_after_source_edit: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Layers {
    pub steps: Vec<Step>,
    /// Filesystem layers of the final stage (its base not counted).
    pub final_stage_layers: usize,
    /// Steps of the final stage that run again after a source edit.
    pub rebuilt_after_source_edit: usize,
}

/// A COPY/ADD that brings source files from the context: `.`, a folder or a glob (not a named
/// manifest, not another stage, not a URL).
fn copies_source(ins: &Instr) -> bool {
    if !(ins.is(Kind::Copy) || ins.is(Kind::Add))
        || ins.flag("from").is_some()
        || ins.args.len() < 2
    {
        return false;
    }
    ins.args[..ins.args.len() - 1].iter().any(|a| {
        let v = a.value.as_str();
        !v.contains("://")
            && (v == "."
                || v == "./"
                || v.ends_with('/')
                || v.contains('*')
                || !v.rsplit('/').next().unwrap_or(v).contains('.'))
    })
}

pub fn analyse(doc: &Document<'_>) -> Layers {
    let mut steps = Vec::new();
    // Per stage: does a source edit reach it (from which step on)?
    let mut stage_dirty = vec![false; doc.stages.len()];
    for (s, stage) in doc.stages.iter().enumerate() {
        let mut dirty = doc.parent_stage(s).is_some_and(|p| stage_dirty[p]);
        for ins in &doc.instructions[stage.instrs.clone()] {
            let from_dirty_stage = ins
                .flag("from")
                .and_then(|f| f.value.as_deref())
                .is_some_and(|name| {
                    doc.stages
                        .iter()
                        .position(|st| {
                            st.name
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                        })
                        .is_some_and(|k| k < s && stage_dirty[k])
                });
            if copies_source(ins) || from_dirty_stage {
                dirty = true;
            }
            let kind = match ins.kind {
                Kind::From => "base",
                Kind::Run | Kind::Copy | Kind::Add => "layer",
                _ => "metadata",
            };
            let text = doc.slice(&ins.span);
            let first_line = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_end_matches('\\')
                .trim_end();
            let shown = if first_line.len() > 60 || text.contains('\n') {
                let cut: String = first_line.chars().take(57).collect();
                format!("{cut}…")
            } else {
                first_line.to_string()
            };
            steps.push(Step {
                stage: s,
                line: doc.line_of(ins.span.start),
                instruction: shown,
                kind,
                rebuilt_after_source_edit: dirty && kind != "base",
            });
        }
        stage_dirty[s] = dirty;
    }
    let last = doc.stages.len().saturating_sub(1);
    let final_steps = steps.iter().filter(|st| st.stage == last);
    let final_stage_layers = final_steps.clone().filter(|st| st.kind == "layer").count();
    let rebuilt = final_steps
        .filter(|st| st.rebuilt_after_source_edit && st.kind == "layer")
        .count();
    Layers {
        steps,
        final_stage_layers,
        rebuilt_after_source_edit: rebuilt,
    }
}

/// A terminal table.
pub fn table(l: &Layers) -> String {
    let mut out = String::from("stage  line  kind      after a source edit  instruction\n");
    for st in &l.steps {
        let edit = match (st.kind, st.rebuilt_after_source_edit) {
            ("base", _) => "",
            (_, true) => "runs again",
            (_, false) => "cached",
        };
        out.push_str(&format!(
            "{:<6} {:<5} {:<9} {:<20} {}\n",
            st.stage, st.line, st.kind, edit, st.instruction
        ));
    }
    out.push_str(&format!(
        "final stage: {} filesystem layers, {} of them rebuilt after a source edit\n",
        l.final_stage_layers, l.rebuilt_after_source_edit
    ));
    out
}

/// Two views next to each other, each `width` characters wide (rows are not matched up: the
/// optimized file has other instructions).
pub fn side_by_side(before: &Layers, after: &Layers, width: usize) -> String {
    let rows = |l: &Layers| -> Vec<String> {
        let mut v = vec![format!(
            "{:<5} {:<9} {:<11} {}",
            "line", "kind", "source edit", "instruction"
        )];
        for st in &l.steps {
            let edit = match (st.kind, st.rebuilt_after_source_edit) {
                ("base", _) => "",
                (_, true) => "runs again",
                (_, false) => "cached",
            };
            v.push(format!(
                "{:<5} {:<9} {:<11} {}",
                st.line, st.kind, edit, st.instruction
            ));
        }
        v.push(format!(
            "{} layers, {} rebuilt after a source edit",
            l.final_stage_layers, l.rebuilt_after_source_edit
        ));
        v
    };
    let (left, right) = (rows(before), rows(after));
    let cut = |s: &str| -> String {
        let n = s.chars().count();
        if n <= width {
            format!("{s}{}", " ".repeat(width - n))
        } else {
            format!("{}…", s.chars().take(width - 1).collect::<String>())
        }
    };
    let mut out = format!("{} │ {}\n", cut("before"), "after");
    for k in 0..left.len().max(right.len()) {
        let l = left.get(k).map_or(String::new(), |s| s.clone());
        let r = right.get(k).map_or(String::new(), |s| s.clone());
        out.push_str(&format!(
            "{} │ {}\n",
            cut(&l),
            r.chars().take(width).collect::<String>()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_copy_invalidates_what_follows() {
        let doc = Document::parse("FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN python -m compileall .\nCMD [\"python\"]\n").unwrap();
        let l = analyse(&doc);
        let rebuilt: Vec<bool> = l
            .steps
            .iter()
            .map(|s| s.rebuilt_after_source_edit)
            .collect();
        assert_eq!(rebuilt, vec![false, false, false, true, true, true]);
        assert_eq!((l.final_stage_layers, l.rebuilt_after_source_edit), (4, 2));
    }

    #[test]
    fn copies_from_a_rebuilt_stage_are_rebuilt() {
        let doc = Document::parse("FROM golang AS b\nCOPY . .\nRUN go build -o /app\nFROM scratch\nCOPY --from=b /app /app\n").unwrap();
        let l = analyse(&doc);
        assert!(l.steps.last().unwrap().rebuilt_after_source_edit);
    }
}
