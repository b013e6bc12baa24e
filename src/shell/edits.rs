//! Span edits on RUN scripts: a command appended in the file's style, a word inserted, a
//! command deleted with its operator.

use super::{Script, SimpleCmd};
use crate::fix::Edit;
use crate::syntax::{Document, Instr, Style};

/// Lines longer than this get the new command on a continuation line.
const MAX_INLINE: usize = 100;

/// An edit that appends `&& command` after the script of `ins`, inline when the line stays
/// short and the RUN is one line, else on a continuation line.
pub fn append_command(doc: &Document<'_>, ins: &Instr, script: &Script, command: &str) -> Edit {
    let at = script.end;
    let line_start = doc.text[..at].rfind('\n').map_or(0, |i| i + 1);
    let single_line = !doc.text[ins.span.start..at].contains('\n');
    let tail = at..script.tail_end;
    if single_line && (at - line_start) + command.len() + 4 <= MAX_INLINE {
        Edit::replace(tail, format!(" && {command}"))
    } else {
        Edit::replace(
            tail,
            format!("{}{command}", Style::for_instr(doc, ins).and_break(&[])),
        )
    }
}

/// An edit that inserts ` flag` right after the word at `index` of `cmd`.
pub fn insert_after_word(cmd: &SimpleCmd, index: usize, flag: &str) -> Edit {
    Edit::insert(cmd.words[index].span.end, format!(" {flag}"))
}

/// An edit that removes command `k` of a plain `a && b && c` script with what joins it to its
/// neighbour, or `None` when it is nested, alone, or not in such a chain.
pub fn delete_command(script: &crate::shell::Script, k: usize) -> Option<Edit> {
    let cmds = &script.commands;
    let c = cmds.get(k)?;
    if c.nested || !script.is_plain_and_chain() || cmds.len() < 2 {
        return None;
    }
    match (k.checked_sub(1).map(|p| &cmds[p]), cmds.get(k + 1)) {
        (_, Some(next)) => Some(Edit::delete(c.span.start..next.span.start)),
        (Some(prev), None) => Some(Edit::delete(prev.span.end..c.span.end)),
        (None, None) => None,
    }
}

/// Characters that make a shell-form command line need the shell.
const SHELL_CHARS: &[char] = &[
    '$', '&', ';', '|', '<', '>', '*', '?', '[', ']', '(', ')', '{', '}', '~', '`', '\'', '"',
    '\\', '#', '!',
];

/// The exec form (a JSON array) of a shell-form command line (unfolded) that uses no shell
/// feature and starts with no `VAR=value`; `None` when it needs the shell or is empty.
pub fn exec_form_of(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.is_empty() || command.contains(SHELL_CHARS) || words[0].contains('=') {
        return None;
    }
    Some(format!(
        "[{}]",
        words
            .iter()
            .map(|w| serde_json::to_string(w).expect("string"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
