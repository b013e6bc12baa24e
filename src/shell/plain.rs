//! Scripts that are nothing but plain commands (`apt-get update && apt-get install -y curl`),
//! lowered without the full shell parser: most RUN scripts are such chains, and brush's
//! tokenizer and grammar were a quarter of a run's time. Anything beyond the plain subset
//! (expansions other than `$NAME`/`${NAME}`, escapes outside double quotes, here-documents,
//! redirections before a command's name, subshells, compound
//! commands, assignments, background jobs, comments, line breaks, non-ASCII text) returns
//! `None`, and the caller parses the script with brush. The two agree on every corpus script
//! the plain path takes (a test compares them).

use super::{ListEnd, Script, SimpleCmd, TopList, Unfolded, Word, literal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Pipe,
    Semi,
}

enum Token {
    Word(std::ops::Range<usize>),
    Op(Op, std::ops::Range<usize>),
    /// A redirection (`> f`, `2>&1`, `< f`): its whole span, and the file it writes, if any.
    Redirect(std::ops::Range<usize>, Option<std::ops::Range<usize>>),
}

/// Words that open or close a compound command, or change how one is read, at a command's
/// start: a script that has one there is not plain.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "function", "select", "time", "coproc", "{", "}", "!", "[[", "]]",
];

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The tokens of `text` if every one is a plain word or `&&`, `||`, `|`, `;`.
fn tokens(text: &str) -> Option<Vec<Token>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' => i += 1,
            b'&' if b.get(i + 1) == Some(&b'&') => {
                out.push(Token::Op(Op::And, i..i + 2));
                i += 2;
            }
            b'|' if b.get(i + 1) == Some(&b'|') => {
                out.push(Token::Op(Op::Or, i..i + 2));
                i += 2;
            }
            b'|' => {
                out.push(Token::Op(Op::Pipe, i..i + 1));
                i += 1;
            }
            b';' if b.get(i + 1) != Some(&b';') => {
                out.push(Token::Op(Op::Semi, i..i + 1));
                i += 1;
            }
            _ => {
                let start = i;
                if let Some((end, writes)) = redirect(b, i) {
                    out.push(Token::Redirect(start..end, writes));
                    i = end;
                    continue;
                }
                i = word_end(b, i)?;
                out.push(Token::Word(start..i));
            }
        }
    }
    Some(out)
}

/// The redirection at `i`, if one starts there: its end, and the file it writes (`>`, `>>`,
/// `>|`, `<>`, `&>`, `&>>`; `N>&M`, `>&-` and `< f` write none). `None` when none starts there,
/// or when it is not plain (a here-document, `>&` to a file): the word reader then refuses the
/// `<`, `>` or `&`.
fn redirect(b: &[u8], i: usize) -> Option<(usize, Option<std::ops::Range<usize>>)> {
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut j = i + digits;
    let op: &[u8] = match &b[j..] {
        [b'&', b'>', b'>', ..] if digits == 0 => b"&>>",
        [b'&', b'>', ..] if digits == 0 => b"&>",
        [b'>', b'>', ..] => b">>",
        [b'>', b'|', ..] => b">|",
        [b'>', b'&', ..] => b">&",
        [b'<', b'&', ..] => b"<&",
        [b'<', b'>', ..] => b"<>",
        [b'<', b'<', ..] => return None,
        [b'>', ..] => b">",
        [b'<', ..] => b"<",
        _ => return None,
    };
    j += op.len();
    if op == b">&" || op == b"<&" {
        // Only a descriptor, or `-` to close it.
        let fd = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = if fd > 0 {
            j + fd
        } else if b.get(j) == Some(&b'-') {
            j + 1
        } else {
            return None;
        };
        return matches!(b.get(end), None | Some(b' ' | b'\t' | b';' | b'&' | b'|'))
            .then_some((end, None));
    }
    while matches!(b.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    let target = j..word_end(b, j)?;
    let writes = op != b"<";
    Some((target.end, writes.then_some(target)))
}

/// The end of the plain word starting at `i`, or `None` if it is not plain.
fn word_end(b: &[u8], mut i: usize) -> Option<usize> {
    let start = i;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'&' | b'|' | b';' => break,
            b'\'' => {
                let close = b[i + 1..].iter().position(|&c| c == b'\'')?;
                i += close + 2;
            }
            b'"' => {
                // Inside double quotes: plain parameters and escaped characters.
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'"' => break,
                        b'`' => return None,
                        b'\\' => i += 2,
                        b'$' => i = parameter_end(b, i)?,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'$' => i = parameter_end(b, i)?,
            b'#' if i == start => return None,
            c if c.is_ascii_alphanumeric() => i += 1,
            b'_' | b'-' | b'.' | b'/' | b':' | b'=' | b'+' | b'@' | b'%' | b',' | b'^' | b'#'
            | b'*' | b'?' | b'[' | b']' | b'~' | b'!' => i += 1,
            _ => return None,
        }
    }
    (i > start).then_some(i)
}

/// The end of the `$NAME` or `${NAME}` at `i`; `None` for any other expansion.
fn parameter_end(b: &[u8], i: usize) -> Option<usize> {
    let i = i + 1;
    if b.get(i) == Some(&b'{') {
        let len = b[i + 1..].iter().take_while(|&&c| is_name_char(c)).count();
        if len == 0 || b[i + 1].is_ascii_digit() || b.get(i + 1 + len) != Some(&b'}') {
            return None;
        }
        Some(i + len + 2)
    } else {
        let len = b[i..].iter().take_while(|&&c| is_name_char(c)).count();
        if len == 0 || b[i].is_ascii_digit() {
            return None;
        }
        Some(i + len)
    }
}

/// `NAME=...` at a command's start is an assignment, not a word.
fn is_assignment(word: &str) -> bool {
    let name = word.split('=').next().unwrap_or("");
    word.contains('=')
        && !name.is_empty()
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(is_name_char)
}

/// The script of `unfolded` if it is plain, lowered as the full parser's path lowers it;
/// else `unfolded` back.
pub(super) fn plain_script(unfolded: Unfolded) -> Result<Script, Unfolded> {
    match lower(&unfolded) {
        Some((commands, lists, ends)) => Ok(Script {
            commands,
            lists,
            trailing_comment: ends.0,
            end: ends.1,
            tail_end: ends.2,
            defines_state: false,
            loop_vars: Vec::new(),
            unfolded,
        }),
        None => Err(unfolded),
    }
}

type Lowered = (Vec<SimpleCmd>, Vec<TopList>, (bool, usize, usize));
/// A command: its words' spans, the files it writes, where it ends (its last word or
/// redirection).
#[derive(Default)]
struct Command {
    words: Vec<std::ops::Range<usize>>,
    writes: Vec<std::ops::Range<usize>>,
    end: usize,
}
/// A pipeline's commands.
type Pipeline = Vec<Command>;
/// An and-or list: its pipelines, each with the operator after it (`None` for the last).
type AndOr = Vec<(Pipeline, Option<Op>)>;

fn lower(unfolded: &Unfolded) -> Option<Lowered> {
    let text = unfolded.text.as_str();
    if !text.is_ascii() {
        return None;
    }
    let tokens = tokens(text)?;
    let mut lists: Vec<AndOr> = vec![Vec::new()];
    let mut pipeline: Pipeline = vec![Command::default()];
    let mut last_token_end = 0;
    let mut body_end = 0;
    for t in &tokens {
        match t {
            Token::Word(r) => {
                let command = pipeline.last_mut().expect("a command");
                if command.words.is_empty() {
                    let w = &text[r.clone()];
                    if RESERVED.contains(&w) || is_assignment(w) {
                        return None;
                    }
                }
                command.words.push(r.clone());
                command.end = r.end;
                last_token_end = r.end;
                body_end = r.end;
            }
            Token::Redirect(r, writes) => {
                let command = pipeline.last_mut().expect("a command");
                // Before the command's name it is a prefix: left to brush.
                if command.words.is_empty() {
                    return None;
                }
                command.writes.extend(writes.clone());
                command.end = r.end;
                last_token_end = r.end;
                body_end = r.end;
            }
            Token::Op(op, r) => {
                if pipeline.last().expect("a command").words.is_empty() {
                    return None;
                }
                last_token_end = r.end;
                match op {
                    Op::Pipe => pipeline.push(Command::default()),
                    Op::And | Op::Or => {
                        let done = std::mem::replace(&mut pipeline, vec![Command::default()]);
                        lists.last_mut().expect("a list").push((done, Some(*op)));
                    }
                    Op::Semi => {
                        let done = std::mem::replace(&mut pipeline, vec![Command::default()]);
                        lists.last_mut().expect("a list").push((done, None));
                        lists.push(Vec::new());
                    }
                }
            }
        }
    }
    match pipeline.last() {
        Some(c) if !c.words.is_empty() => lists.last_mut().expect("a list").push((pipeline, None)),
        // `a &&` (or a `|` at the end) continues on a line that is not there: not plain.
        _ if lists.last().is_some_and(|l| !l.is_empty()) => return None,
        _ => {}
    }
    if lists.last().is_some_and(Vec::is_empty) {
        lists.pop();
    }
    if lists.is_empty() {
        return None;
    }
    let mut commands = Vec::new();
    let mut top = Vec::new();
    for (index, list) in lists.iter().enumerate() {
        let ops = list[..list.len() - 1]
            .iter()
            .map(|(_, op)| *op == Some(Op::And))
            .collect();
        let first = list[0].0[0].words[0].start;
        let last = list[list.len() - 1].0.last()?.end;
        top.push(TopList {
            ops,
            end: ListEnd::Sequence,
            span: unfolded.source_range(first..last),
        });
        for (pipeline, _) in list {
            let piped = pipeline.len() > 1;
            for command in pipeline {
                let word = |r: &std::ops::Range<usize>| {
                    let raw = &text[r.clone()];
                    Word {
                        raw: raw.to_string(),
                        lit: literal(raw),
                        span: unfolded.source_range(r.clone()),
                    }
                };
                commands.push(SimpleCmd {
                    words: command.words.iter().map(word).collect(),
                    has_assignment: false,
                    nested: piped,
                    span: unfolded.source_range(command.words[0].start..command.end),
                    list: index,
                    contained: piped,
                    piped,
                    writes: command.writes.iter().map(word).collect(),
                });
            }
        }
    }
    let ends = (
        !text[last_token_end..].trim().is_empty(),
        unfolded.source_end(body_end),
        unfolded.source_end(last_token_end),
    );
    Some((commands, top, ends))
}

#[cfg(test)]
mod tests {
    use super::super::{analyse_parsed, unfold};
    use super::*;
    use crate::syntax::{Body, Document, Kind};
    use std::path::{Path, PathBuf};

    /// Both ways of lowering `text[span]`: the plain path's (if it takes the script) must be
    /// brush's, field by field.
    fn agrees(text: &str, unfolded: Unfolded) -> bool {
        let Ok(plain) = plain_script(unfolded.clone()) else {
            return false;
        };
        let parsed = analyse_parsed(unfolded)
            .unwrap_or_else(|e| panic!("plain took a script brush refuses ({e:?}): {text}"));
        assert_eq!(format!("{plain:#?}"), format!("{parsed:#?}"), "{text}");
        true
    }

    fn dockerfiles(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dockerfiles(&p, out);
            } else if p.extension().is_none_or(|x| x != "snap" && x != "json") {
                out.push(p);
            }
        }
    }

    /// Every RUN script of the pass fixtures and of the shared corpus (when it is there): the
    /// plain path must lower each one it takes as brush's path does, and take most of them.
    #[test]
    fn plain_scripts_lower_as_brush_does() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        dockerfiles(&root.join("tests/fixtures/passes"), &mut files);
        let corpus = root.join("../shared/corpus");
        let with_corpus = corpus.is_dir();
        assert!(
            with_corpus || std::env::var_os("CI").is_none(),
            "{} is missing, and CI must run this test",
            corpus.display()
        );
        dockerfiles(&corpus, &mut files);
        let (mut scripts, mut plain) = (0, 0);
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let Ok(doc) = Document::parse(&text) else {
                continue;
            };
            for ins in doc.instructions.iter().filter(|i| i.is(Kind::Run)) {
                let Body::Shell(span) = &ins.body else {
                    continue;
                };
                if !ins.heredocs.is_empty() {
                    for body in &ins.heredocs {
                        let end =
                            body.start + text[body.clone()].trim_end_matches(['\n', '\r']).len();
                        scripts += 1;
                        plain += usize::from(agrees(
                            &text,
                            super::super::unfold::verbatim(&text, body.start..end),
                        ));
                    }
                    continue;
                }
                if text[span.clone()].trim().is_empty() {
                    continue;
                }
                scripts += 1;
                plain += usize::from(agrees(
                    &text[span.clone()],
                    unfold(&text, span.clone(), doc.escape),
                ));
            }
        }
        eprintln!("plain path: {plain} of {scripts} RUN scripts");
        // The corpus holds about 5,000 RUN scripts, more than half of them plain.
        let floor = if with_corpus { 2500 } else { 100 };
        assert!(
            plain >= floor,
            "plain path took only {plain} of {scripts} scripts"
        );
    }

    #[test]
    fn what_the_plain_path_leaves_to_brush() {
        for text in [
            "a &",
            "a ;; b",
            "a && ",
            "| a",
            "x=1",
            "X=1 make",
            "if true; then a; fi",
            "{ a; }",
            "(a)",
            "> f a",
            "a <<EOF",
            "a >&file",
            "a 2>&1x",
            "echo $(date)",
            "echo ${A:-b}",
            "echo $1",
            "echo \"$(date)\"",
            "echo \"`date`\"",
            "echo \"${A:-x}\"",
            "echo a\\ b",
            "a # note",
            "a\nb",
            "! a",
            "echo é",
            "for f in a; do b; done",
        ] {
            let u = Unfolded::from_text(text);
            assert!(plain_script(u).is_err(), "{text}");
        }
        for text in [
            "apt-get update && apt-get install -y curl",
            "a | b && c || d; e;",
            "echo '$HOME' \"x y\" $A ${B}c a#b [ -f x ] *.txt ~/x",
            "echo \"$A and ${B}\" \"a \\\"quoted\\\" word\" && [ ! -f x ]",
            "make -j$(nproc)",
            "a > f && b >> /var/log/x 2>&1 && c 2> /dev/null < in; d &> all >&2 >| g 3<> h 2>&-",
        ] {
            let u = Unfolded::from_text(text);
            // `$(` is not plain; the others are, and agree with brush.
            if text.contains("$(") {
                assert!(plain_script(u).is_err(), "{text}");
            } else {
                assert!(agrees(text, u), "{text}");
            }
        }
    }
}
