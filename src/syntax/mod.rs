//! The Dockerfile model: a thin, span-keeping view over `parse-dockerfile`.
//!
//! The parser gives byte spans for every keyword, flag, argument and heredoc. We flatten its typed
//! instructions into one `Instr` shape that the passes can query, and keep the source text so that
//! every rewrite is a span edit.

mod heredoc;
mod lines;
mod style;

pub use lines::{LineIndex, line_end, whole_lines};
pub use style::Style;

use std::ops::Range;

use parse_dockerfile as pd;

const BOM: &str = "\u{feff}";

/// A parse failure, with a 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// How an instruction's command is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No command (FROM, COPY, ...): see `args`.
    None,
    /// Shell form; the span covers the raw text, continuations and inner comments included.
    Shell(Range<usize>),
    /// JSON (exec) form, with the decoded arguments.
    Exec(Range<usize>, Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub value: String,
    pub span: Range<usize>,
}

/// The kind of an instruction (its keyword), typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
    /// An instruction the parser crate knows and this model does not (kept as it is).
    Other,
}

impl Kind {
    /// The upper-case keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::From => "FROM",
            Kind::Run => "RUN",
            Kind::Cmd => "CMD",
            Kind::Label => "LABEL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Expose => "EXPOSE",
            Kind::Env => "ENV",
            Kind::Add => "ADD",
            Kind::Copy => "COPY",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Volume => "VOLUME",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Arg => "ARG",
            Kind::Onbuild => "ONBUILD",
            Kind::Stopsignal => "STOPSIGNAL",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Shell => "SHELL",
            Kind::Other => "UNKNOWN",
        }
    }
}

/// One instruction, flattened.
#[derive(Debug, Clone)]
pub struct Instr {
    /// Upper-case keyword (`RUN`, `COPY`, ...). For `ONBUILD X` this is `ONBUILD`.
    pub keyword: String,
    pub kind: Kind,
    pub keyword_span: Range<usize>,
    /// From the keyword to the last byte of the instruction (heredoc terminators included,
    /// the final line break excluded).
    pub span: Range<usize>,
    pub flags: Vec<Flag>,
    pub body: Body,
    /// Positional arguments for non-command instructions (COPY/ADD sources then destination,
    /// FROM image then stage name, USER, WORKDIR, ...).
    pub args: Vec<Arg>,
    pub heredocs: Vec<Range<usize>>,
    /// Index into `Document::stages`, `None` for the global ARGs before the first FROM.
    pub stage: Option<usize>,
    /// The instruction an `ONBUILD` registers (its spans in this file), run by builds FROM
    /// this image.
    pub trigger: Option<Box<Instr>>,
}

impl Instr {
    pub fn is(&self, kind: Kind) -> bool {
        self.kind == kind
    }
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The image reference as written (`python:3.11`, a stage name, `${BASE}`...).
    pub base: String,
    pub name: Option<String>,
    /// Indices into `Document::instructions`; the first one is the FROM.
    pub instrs: Range<usize>,
}

/// A parsed Dockerfile together with its source text.
#[derive(Debug)]
pub struct Document<'s> {
    pub text: &'s str,
    /// The escape character (`\` or `` ` ``).
    pub escape: char,
    /// The file's dominant line ending, used for generated lines.
    pub newline: &'static str,
    /// Where the leading parser-directive block ends (generated lines go after it).
    pub directives_end: usize,
    pub syntax_directive: Option<String>,
    pub instructions: Vec<Instr>,
    pub stages: Vec<Stage>,
    pub lines: LineIndex,
    /// The file's RUN continuation style, read once (see [`Style::of`]).
    style: std::sync::OnceLock<Style>,
}

impl<'s> Document<'s> {
    pub fn parse(text: &'s str) -> Result<Self, SyntaxError> {
        let bom = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let lines = LineIndex::new(text);
        let taken = heredoc::taken_runs(&text[bom..], directive_escape(&text[bom..]));
        let mut view = parser_view(&text[bom..]);
        if !taken.is_empty() {
            heredoc::hide(view.to_mut(), &taken);
        }
        let body: &str = &view;
        let parsed = pd::parse(body).map_err(|e| SyntaxError {
            line: e.line(),
            column: e.column(),
            message: explain_refusal(first_line(&e.to_string())),
        })?;
        let escape = parsed
            .parser_directives
            .escape
            .as_ref()
            .map(|d| d.value.value)
            .unwrap_or('\\');
        let syntax_directive = parsed
            .parser_directives
            .syntax
            .as_ref()
            .map(|d| d.value.value.to_string());
        let mut instructions = Vec::with_capacity(parsed.instructions.len());
        for ins in &parsed.instructions {
            instructions.push(flatten(ins, body, bom));
        }
        // Give the taken RUNs their heredocs back (see `heredoc`).
        for run in &taken {
            if let Some(ins) = instructions
                .iter_mut()
                .find(|i| i.keyword_span.start == run.keyword + bom)
            {
                ins.heredocs = run
                    .bodies
                    .iter()
                    .map(|b| b.start + bom..b.end + bom)
                    .collect();
                ins.span.end = run.tail.end + bom;
            }
        }
        check_name_values(&instructions, &lines)?;
        for ins in &mut instructions {
            // Undo the `[]` → `""` mask of `parser_view`: exec form, no arguments.
            if let Body::Shell(span) = &ins.body {
                let raw = &text[span.clone()];
                if raw.starts_with('[')
                    && raw.ends_with(']')
                    && raw[1..raw.len() - 1].trim().is_empty()
                {
                    ins.body = Body::Exec(span.clone(), Vec::new());
                }
            }
        }
        let stages = assign_stages(&mut instructions);
        let directives_end = directive_block_end(text, bom);
        Ok(Document {
            text,
            escape,
            newline: dominant_newline(text),
            directives_end,
            syntax_directive,
            instructions,
            stages,
            lines,
            style: std::sync::OnceLock::new(),
        })
    }

    /// Where the file's style is kept once read.
    pub(crate) fn style_cell(&self) -> &std::sync::OnceLock<Style> {
        &self.style
    }

    pub fn slice(&self, span: &Range<usize>) -> &'s str {
        &self.text[span.clone()]
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.lines.line_col(offset).0
    }

    /// The stages that build on `stage` (directly or not), by `FROM <name>`.
    pub fn descendants(&self, stage: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut frontier = vec![stage];
        while let Some(s) = frontier.pop() {
            let Some(name) = self.stages[s].name.as_deref() else {
                continue;
            };
            for (i, st) in self.stages.iter().enumerate() {
                if i > s && st.base.eq_ignore_ascii_case(name) && !out.contains(&i) {
                    out.push(i);
                    frontier.push(i);
                }
            }
        }
        out
    }

    /// The stage whose name `stage`'s FROM refers to, if any.
    pub fn parent_stage(&self, stage: usize) -> Option<usize> {
        let base = &self.stages[stage].base;
        self.stages[..stage].iter().rposition(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(base))
        })
    }

    /// `stage` and the stages it is built on through `FROM <stage>`, nearest first.
    pub fn stage_chain(&self, stage: usize) -> Vec<usize> {
        let mut chain = vec![stage];
        while let Some(p) = self.parent_stage(*chain.last().expect("not empty")) {
            chain.push(p);
        }
        chain
    }

    /// The stage's base image as seen through `FROM <stage>` chains.
    pub fn root_image(&self, stage: usize) -> &str {
        let root = *self.stage_chain(stage).last().expect("not empty");
        &self.stages[root].base
    }

    /// The words of a CMD/ENTRYPOINT/RUN command: the JSON array of exec form, or the shell
    /// form's text split at blanks (no shell parsing); `None` without a command.
    pub fn command_words(&self, ins: &Instr) -> Option<Vec<String>> {
        match &ins.body {
            Body::Exec(_, args) => Some(args.clone()),
            Body::Shell(span) => Some(
                self.slice(span)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
            ),
            Body::None => None,
        }
    }

    /// The instruction whose span holds `offset` (its last byte included), by index.
    pub fn instruction_at(&self, offset: usize) -> Option<usize> {
        let k = self
            .instructions
            .partition_point(|i| i.span.start <= offset);
        k.checked_sub(1)
            .filter(|&k| offset <= self.instructions[k].span.end)
    }

    /// `keyword` written in the case of `like`'s keyword: lower case after a lower-case one
    /// (`copy` beside `add`), else upper case, as the file writes its instructions.
    pub fn keyword_like(&self, like: &Instr, keyword: &str) -> String {
        let lower = self.text[like.keyword_span.clone()]
            .chars()
            .all(|c| c.is_ascii_lowercase());
        if lower {
            keyword.to_ascii_lowercase()
        } else {
            keyword.to_ascii_uppercase()
        }
    }

    /// The spaces and tabs that start the line holding `offset`.
    pub fn indent_at(&self, offset: usize) -> &'s str {
        let line_start = self.text[..offset].rfind('\n').map_or(0, |p| p + 1);
        let line = &self.text[line_start..];
        &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
    }

    /// Where the block of comment lines right above `offset`'s line starts (the start of that
    /// line when there is none): where a line inserted "before" an instruction goes, so that the
    /// comments describing the instruction stay with it.
    pub fn line_start_above_comments(&self, offset: usize) -> usize {
        let line = self.line_of(offset);
        self.lines
            .line_start(line - self.comment_lines_before(offset).len())
    }

    /// The comment lines right above `offset`'s line (nearest first), trimmed.
    pub fn comment_lines_before(&self, offset: usize) -> Vec<&'s str> {
        let mut out = Vec::new();
        let mut line = self.line_of(offset);
        while line > 1 {
            line -= 1;
            let t = self.lines.line_text(self.text, line).trim();
            if !t.starts_with('#') {
                break;
            }
            out.push(t);
        }
        out
    }
}

/// The text as the parser crate should see it, byte for byte the same length so that every
/// span holds for the real text. It masks two things the crate reads differently from BuildKit:
/// a line ending in an escaped escape (`foo\\`), which BuildKit does not treat as a line
/// continuation, and a heredoc on another file descriptor (`RUN 3<<EOF`), which BuildKit
/// takes as a heredoc.
fn parser_view(text: &str) -> std::borrow::Cow<'_, str> {
    let escape = directive_escape(text);
    let mut out: Option<String> = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r', ' ', '\t']);
        let mut chars = content.chars().rev();
        if chars.next() == Some(escape) && chars.next() == Some(escape) {
            let at = pos + content.len() - escape.len_utf8();
            let buf = out.get_or_insert_with(|| text.to_string());
            // A backtick or backslash is one byte; `_` keeps the length.
            buf.replace_range(at..at + 1, "_");
        }
        let head = content.trim_start().as_bytes();
        let starts_with = |kw: &str| {
            head.len() >= kw.len() && head[..kw.len()].eq_ignore_ascii_case(kw.as_bytes())
        };
        if let Some(at) = empty_exec_form(content) {
            // `ENTRYPOINT []` / `CMD []` reset the command; the crate wants one argument. `""`
            // parses, and the instruction is marked exec form with no arguments afterwards.
            let buf = out.get_or_insert_with(|| text.to_string());
            buf.replace_range(pos + at.start..pos + at.start + 1, "\"");
            buf.replace_range(pos + at.end - 1..pos + at.end, "\"");
        }
        if (starts_with("RUN")
            || starts_with("COPY")
            || starts_with("ADD")
            || starts_with("ONBUILD"))
            && content.contains("<<")
        {
            let bytes = content.as_bytes();
            for i in 1..bytes.len().saturating_sub(2) {
                let fd_heredoc = bytes[i].is_ascii_digit()
                    && bytes[i - 1].is_ascii_whitespace()
                    && bytes[i + 1] == b'<'
                    && bytes[i + 2] == b'<';
                if fd_heredoc {
                    let buf = out.get_or_insert_with(|| text.to_string());
                    buf.replace_range(pos + i..pos + i + 1, " ");
                }
            }
        }
        pos += line.len();
    }
    match out {
        Some(s) => std::borrow::Cow::Owned(s),
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// The `[ ]` of a `CMD []` or `ENTRYPOINT []` line, as a byte range in `line`.
fn empty_exec_form(line: &str) -> Option<Range<usize>> {
    let lead = line.len() - line.trim_start().len();
    let rest = &line[lead..];
    let kw = rest.split(|c: char| c.is_whitespace()).next()?;
    if !(kw.eq_ignore_ascii_case("CMD") || kw.eq_ignore_ascii_case("ENTRYPOINT")) {
        return None;
    }
    let args = rest[kw.len()..].trim();
    let inner = args.strip_prefix('[')?.strip_suffix(']')?;
    if !inner.trim().is_empty() || rest[kw.len()..].trim_start().len() == rest[kw.len()..].len() {
        return None;
    }
    let start = lead + rest.find('[')?;
    Some(start..start + args.len())
}

/// The escape character named by a leading `# escape=` directive.
fn directive_escape(text: &str) -> char {
    for line in text.lines() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = rest.split_once('=') else {
            break;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "escape" => return if value.trim() == "`" { '`' } else { '\\' },
            "syntax" | "check" => continue,
            _ => break,
        }
    }
    '\\'
}

/// BuildKit refuses `ENV NAME` / `LABEL NAME` with no value ("must have two arguments");
/// parse-dockerfile accepts them.
fn check_name_values(instrs: &[Instr], lines: &LineIndex) -> Result<(), SyntaxError> {
    for ins in instrs
        .iter()
        .filter(|i| i.is(Kind::Env) || i.is(Kind::Label))
    {
        let value = ins.args.first().map(|a| a.value.trim()).unwrap_or("");
        let mut words = value.split_whitespace();
        let first = words.next().unwrap_or("");
        if !first.contains('=') && words.next().is_none() {
            let (line, column) = lines.line_col(ins.span.start);
            return Err(SyntaxError {
                line,
                column,
                message: format!("{} must have two arguments", ins.keyword),
            });
        }
    }
    Ok(())
}

/// Says, for the refusals a build shares, that it does.
fn explain_refusal(message: String) -> String {
    if message.starts_with("unknown instruction") {
        format!("{message} (a build rejects it too)")
    } else if message.starts_with("expected FROM") {
        "no FROM before this instruction (a build needs a base image first)".to_string()
    } else {
        message
    }
}

/// The parser's message without its own trailing " at line L column C" (we say where).
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    match line.rfind(" at line ") {
        Some(i) if line[i..].contains(" column ") => line[..i].to_string(),
        _ => line.to_string(),
    }
}

fn dominant_newline(text: &str) -> &'static str {
    let lf = text.matches('\n').count();
    let crlf = text.matches("\r\n").count();
    if crlf > 0 && crlf * 2 >= lf {
        "\r\n"
    } else {
        "\n"
    }
}

/// The end of the leading block of `# key=value` directive lines (and the BOM).
fn directive_block_end(text: &str, bom: usize) -> usize {
    let mut pos = bom;
    for line in text[bom..].split_inclusive('\n') {
        let t = line.trim();
        let is_directive = t.strip_prefix('#').is_some_and(|rest| {
            let rest = rest.trim_start();
            match rest.split_once('=') {
                Some((key, _)) => {
                    let key = key.trim().to_ascii_lowercase();
                    matches!(key.as_str(), "syntax" | "escape" | "check")
                }
                None => false,
            }
        });
        if !is_directive {
            break;
        }
        pos += line.len();
    }
    pos
}

fn shift(r: &Range<usize>, by: usize) -> Range<usize> {
    r.start + by..r.end + by
}

fn unescaped(s: &pd::UnescapedString<'_>, by: usize) -> Arg {
    Arg {
        value: s.value.to_string(),
        span: shift(&s.span, by),
    }
}

fn flags(opts: &[pd::Flag<'_>], by: usize) -> Vec<Flag> {
    opts.iter()
        .map(|f| Flag {
            name: f.name.value.to_string(),
            value: f.value.as_ref().map(|v| v.value.to_string()),
            span: shift(&f.span(), by),
        })
        .collect()
}

fn command_body(c: &pd::Command<'_>, by: usize) -> Body {
    match c {
        pd::Command::Exec(s) => Body::Exec(
            shift(&s.span, by),
            s.value.iter().map(|a| a.value.to_string()).collect(),
        ),
        pd::Command::Shell(s) => Body::Shell(shift(&s.span, by)),
        _ => Body::None,
    }
}

/// A heredoc's content. For `<<-EOF` the crate's span also takes the tabs that indent the
/// terminator line; they are not content.
fn heredoc_span(h: &pd::HereDoc<'_>, body: &str, by: usize) -> Range<usize> {
    let mut span = shift(&h.span, by);
    let raw: &str = &body[h.span.clone()];
    let tabs = raw.len() - raw.trim_end_matches('\t').len();
    if tabs > 0 && (raw.len() == tabs || raw[..raw.len() - tabs].ends_with('\n')) {
        span.end -= tabs.min(span.len());
    }
    span
}

fn sources(
    src: &[pd::Source<'_>],
    body: &str,
    by: usize,
    args: &mut Vec<Arg>,
    heredocs: &mut Vec<Range<usize>>,
) {
    for s in src {
        match s {
            pd::Source::Path(p) => args.push(unescaped(p, by)),
            pd::Source::HereDoc(h) => heredocs.push(heredoc_span(h, body, by)),
            _ => {}
        }
    }
}

/// Flattens one parsed instruction. `body` is the text the parser saw (BOM removed), `by` the
/// BOM length to add to every span.
fn flatten(ins: &pd::Instruction<'_>, body: &str, by: usize) -> Instr {
    use pd::Instruction as I;
    let mut flags_v = Vec::new();
    let mut args = Vec::new();
    let mut heredocs = Vec::new();
    let mut cmd = Body::None;
    let (kind, kw): (Kind, &Range<usize>) = match ins {
        I::Add(i) => {
            flags_v = flags(&i.options, by);
            sources(&i.src, body, by, &mut args, &mut heredocs);
            args.push(unescaped(&i.dest, by));
            (Kind::Add, &i.add.span)
        }
        I::Copy(i) => {
            flags_v = flags(&i.options, by);
            sources(&i.src, body, by, &mut args, &mut heredocs);
            args.push(unescaped(&i.dest, by));
            (Kind::Copy, &i.copy.span)
        }
        I::Arg(i) => {
            args.push(unescaped(&i.arguments, by));
            (Kind::Arg, &i.arg.span)
        }
        I::Cmd(i) => {
            cmd = command_body(&i.arguments, by);
            (Kind::Cmd, &i.cmd.span)
        }
        I::Entrypoint(i) => {
            cmd = command_body(&i.arguments, by);
            (Kind::Entrypoint, &i.entrypoint.span)
        }
        I::Env(i) => {
            args.push(unescaped(&i.arguments, by));
            (Kind::Env, &i.env.span)
        }
        I::Expose(i) => {
            args.extend(i.arguments.iter().map(|a| unescaped(a, by)));
            (Kind::Expose, &i.expose.span)
        }
        I::From(i) => {
            flags_v = flags(&i.options, by);
            args.push(unescaped(&i.image, by));
            if let Some((_, name)) = &i.as_ {
                args.push(unescaped(name, by));
            }
            (Kind::From, &i.from.span)
        }
        I::Healthcheck(i) => {
            flags_v = flags(&i.options, by);
            match &i.arguments {
                pd::HealthcheckArguments::Cmd { arguments, .. } => {
                    cmd = command_body(arguments, by)
                }
                pd::HealthcheckArguments::None { none, .. } => args.push(Arg {
                    value: "NONE".into(),
                    span: shift(&none.span, by),
                }),
                _ => {}
            }
            (Kind::Healthcheck, &i.healthcheck.span)
        }
        I::Label(i) => {
            args.push(unescaped(&i.arguments, by));
            (Kind::Label, &i.label.span)
        }
        I::Maintainer(i) => {
            args.push(unescaped(&i.name, by));
            (Kind::Maintainer, &i.maintainer.span)
        }
        I::Onbuild(i) => {
            let inner = flatten(&i.instruction, body, by);
            let start = shift(&i.onbuild.span, by);
            return Instr {
                keyword: "ONBUILD".into(),
                kind: Kind::Onbuild,
                span: start.start..inner.span.end,
                keyword_span: start,
                flags: Vec::new(),
                body: Body::None,
                args: Vec::new(),
                heredocs: inner.heredocs.clone(),
                stage: None,
                trigger: Some(Box::new(inner)),
            };
        }
        I::Run(i) => {
            flags_v = flags(&i.options, by);
            cmd = command_body(&i.arguments, by);
            heredocs.extend(i.here_docs.iter().map(|h| heredoc_span(h, body, by)));
            (Kind::Run, &i.run.span)
        }
        I::Shell(i) => {
            args.extend(i.arguments.iter().map(|a| unescaped(a, by)));
            (Kind::Shell, &i.shell.span)
        }
        I::Stopsignal(i) => {
            args.push(unescaped(&i.arguments, by));
            (Kind::Stopsignal, &i.stopsignal.span)
        }
        I::User(i) => {
            args.push(unescaped(&i.arguments, by));
            (Kind::User, &i.user.span)
        }
        I::Volume(i) => {
            match &i.arguments {
                pd::JsonOrStringArray::Json(s) => args.push(Arg {
                    value: body[s.span.clone()].to_string(),
                    span: shift(&s.span, by),
                }),
                pd::JsonOrStringArray::String(v) => args.extend(v.iter().map(|a| unescaped(a, by))),
            }
            (Kind::Volume, &i.volume.span)
        }
        I::Workdir(i) => {
            args.push(unescaped(&i.arguments, by));
            (Kind::Workdir, &i.workdir.span)
        }
        _ => (Kind::Other, &(0..0)),
    };
    let keyword_span = shift(kw, by);
    let mut end = keyword_span.end;
    for f in &flags_v {
        end = end.max(f.span.end);
    }
    for a in &args {
        end = end.max(a.span.end);
    }
    match &cmd {
        Body::Shell(s) | Body::Exec(s, _) => end = end.max(s.end),
        Body::None => {}
    }
    for h in &heredocs {
        // A heredoc's span is its content; the instruction ends after the terminator line.
        let after = h.end.max(end);
        let rest = &body[after - by..];
        let line_len = rest.find('\n').unwrap_or(rest.len());
        let line = rest[..line_len].trim_end_matches('\r');
        end = after + line.len();
    }
    Instr {
        keyword: kind.keyword().to_string(),
        kind,
        keyword_span: keyword_span.clone(),
        span: keyword_span.start..end,
        flags: flags_v,
        body: cmd,
        args,
        heredocs,
        stage: None,
        trigger: None,
    }
}

fn assign_stages(instrs: &mut [Instr]) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for (i, ins) in instrs.iter_mut().enumerate() {
        if ins.is(Kind::From) {
            if let Some(last) = stages.last_mut() {
                last.instrs.end = i;
            }
            stages.push(Stage {
                base: ins
                    .args
                    .first()
                    .map(|a| a.value.clone())
                    .unwrap_or_default(),
                name: ins.args.get(1).map(|a| a.value.to_ascii_lowercase()),
                instrs: i..i + 1,
            });
        }
        if !stages.is_empty() {
            ins.stage = Some(stages.len() - 1);
        }
    }
    let n = instrs.len();
    if let Some(last) = stages.last_mut() {
        last.instrs.end = n;
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_shifts_every_span() {
        let text = "\u{feff}FROM x\nRUN echo hi\n";
        let doc = Document::parse(text).unwrap();
        let run = &doc.instructions[1];
        assert_eq!(doc.slice(&run.keyword_span), "RUN");
        assert_eq!(doc.slice(&run.span), "RUN echo hi");
    }

    #[test]
    fn escaped_escape_ends_the_line() {
        let doc = Document::parse("FROM x\nENV C trailing\\\\\nENV D next\n").unwrap();
        assert_eq!(doc.instructions.len(), 3);
    }

    #[test]
    fn heredoc_on_another_fd() {
        let text = "FROM x\nRUN 3<<EOF\nhello\nEOF\nRUN echo after\n";
        let doc = Document::parse(text).unwrap();
        assert_eq!(doc.instructions.len(), 3);
        assert_eq!(doc.slice(&doc.instructions[1].heredocs[0]), "hello\n");
        assert_eq!(
            doc.slice(&doc.instructions[1].span),
            "RUN 3<<EOF\nhello\nEOF"
        );
    }

    #[test]
    fn empty_exec_form_resets() {
        let doc = Document::parse("FROM x\nENTRYPOINT []\nCMD [ ]\n").unwrap();
        assert!(matches!(&doc.instructions[1].body, Body::Exec(_, a) if a.is_empty()));
        assert!(matches!(&doc.instructions[2].body, Body::Exec(_, a) if a.is_empty()));
    }

    #[test]
    fn env_without_value_is_refused_like_buildkit() {
        let e = Document::parse("FROM x\nENV PATH\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "ENV must have two arguments")
        );
        assert!(Document::parse("FROM x\nENV A=1\nENV B 2\nARG C\n").is_ok());
    }

    #[test]
    fn stages_and_descendants() {
        let doc = Document::parse(
            "FROM debian AS base\nRUN a\nFROM base AS mid\nFROM mid\nFROM alpine\n",
        )
        .unwrap();
        assert_eq!(doc.stages.len(), 4);
        assert_eq!(doc.descendants(0), vec![1, 2]);
        assert_eq!(doc.root_image(2), "debian");
        assert_eq!(doc.parent_stage(3), None);
    }
}
