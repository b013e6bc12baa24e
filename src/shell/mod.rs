//! The shell facts layer: unfold a RUN body as Docker does, parse it with a real shell parser
//! (brush-parser), and lower it to simple commands whose words keep their source byte spans.
//! A script we cannot parse is `Opaque`, and passes leave it alone.

mod edits;
mod plain;
mod query;
mod unfold;

pub use edits::{append_command, delete_command, exec_form_of, insert_after_word};
pub use query::{has_option, is_named, is_pip, subcommand};
pub use unfold::{Unfolded, unfold};

use std::ops::Range;

use brush_parser::ast::{self, SourceLocation};

/// One word of a simple command.
#[derive(Debug, Clone)]
pub struct Word {
    /// As written (quotes kept).
    pub raw: String,
    /// The value after quote removal, when it has no expansion in it.
    pub lit: Option<String>,
    /// Source byte span in the Dockerfile.
    pub span: Range<usize>,
}

impl Word {
    pub fn is(&self, s: &str) -> bool {
        self.lit.as_deref() == Some(s)
    }
}

/// A simple command: `name arg...`, with where it sits.
#[derive(Debug, Clone)]
pub struct SimpleCmd {
    /// Command name then arguments (prefix assignments and redirections left out).
    pub words: Vec<Word>,
    /// `VAR=x cmd` prefix assignments present.
    pub has_assignment: bool,
    /// Inside an `if`, loop, subshell, brace group, function or pipeline.
    pub nested: bool,
    /// Source byte span of the whole command (redirections included).
    pub span: Range<usize>,
    /// Index of the top-level and-or list it belongs to (`a && b; c` has two).
    pub list: usize,
    /// Runs in a subshell (`( ... )` or a pipeline element), so shell state it sets stays there.
    pub contained: bool,
    /// An element of a pipeline `a | b` (directly, not inside a nested compound).
    pub piped: bool,
    /// The files its output redirections write (`> f`, `>> f`, `>| f`, `<> f`, `&> f`).
    pub writes: Vec<Word>,
}

impl SimpleCmd {
    pub fn name(&self) -> Option<&str> {
        self.words.first().and_then(|w| w.lit.as_deref())
    }
    /// Literal arguments after the command name (`None` where a word is not literal).
    pub fn args(&self) -> impl Iterator<Item = &Word> {
        self.words.iter().skip(1)
    }
    pub fn has_arg(&self, a: &str) -> bool {
        self.args().any(|w| w.is(a))
    }
    /// The literal arguments that are not options (`install`, `x` in `apt-get -y install x`).
    pub fn operands(&self) -> Vec<&str> {
        self.args()
            .filter_map(|w| w.lit.as_deref())
            .filter(|a| !a.starts_with('-'))
            .collect()
    }

    /// The first literal argument that is not an option (`install` in `apt-get -y install x`).
    pub fn first_operand(&self) -> Option<&str> {
        self.args()
            .filter_map(|w| w.lit.as_deref())
            .find(|a| !a.starts_with('-'))
    }
}

/// How a top-level and-or list ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEnd {
    /// `;`, a newline or the end of the script.
    Sequence,
    /// `&`
    Background,
}

/// A top-level and-or list (`a && b || c`).
#[derive(Debug, Clone)]
pub struct TopList {
    /// Operators between its pipelines, in order: `true` for `&&`, `false` for `||`.
    pub ops: Vec<bool>,
    pub end: ListEnd,
    /// Source byte span from its first to its last word.
    pub span: Range<usize>,
}

/// What we know of one RUN script.
#[derive(Debug, Clone)]
pub struct Script {
    pub unfolded: Unfolded,
    pub commands: Vec<SimpleCmd>,
    pub lists: Vec<TopList>,
    /// A `# comment` runs to the end of the script, so nothing may be appended.
    pub trailing_comment: bool,
    /// Source byte offset just after the script's last command (a trailing `;` excluded): where
    /// `&& more` goes.
    pub end: usize,
    /// Source byte offset just after the last token (the trailing `;`, if any). Appending
    /// replaces `end..tail_end`, so that no `; &&` is ever written.
    pub tail_end: usize,
    /// A function defined outside a subshell: a later command of that name would call it.
    pub defines_state: bool,
    /// Variables that `for` loops outside a subshell leave set (`f` of `for f in ...`).
    pub loop_vars: Vec<String>,
}

impl Script {
    /// A single top-level and-or list joined by `&&` only, not in the background.
    pub fn is_plain_and_chain(&self) -> bool {
        self.lists.len() == 1
            && self.lists[0].ops.iter().all(|&and| and)
            && self.lists[0].end == ListEnd::Sequence
    }

    /// Can a command be appended after the script's end, so that it runs after everything else
    /// (no trailing comment to swallow it, no background job, no final `exit` that skips it)?
    pub fn can_append(&self) -> bool {
        let last = self.lists.len().checked_sub(1);
        let ends_in_exit = self
            .commands
            .iter()
            .rev()
            .find(|c| Some(c.list) == last && !c.nested)
            .is_some_and(|c| matches!(c.name(), Some("exit" | "return" | "exec")));
        !self.trailing_comment
            && !ends_in_exit
            && self
                .lists
                .last()
                .is_some_and(|l| l.end == ListEnd::Sequence)
    }
}

/// Builtins that change the shell's own state (directory, variables, options, traps) or end it.
const STATE_BUILTINS: &[&str] = &[
    "cd",
    "pushd",
    "popd",
    "export",
    "unset",
    "set",
    "shopt",
    "umask",
    "alias",
    "unalias",
    "source",
    ".",
    "trap",
    "ulimit",
    "exec",
    "exit",
    "return",
    "readonly",
    "declare",
    "typeset",
    "local",
    "eval",
    "hash",
    "enable",
    "read",
    "let",
    "mapfile",
    "readarray",
    "getopts",
    "shift",
    "builtin",
    "command",
    "wait",
];

impl Script {
    /// Why running another script after this one in the same shell could behave differently
    /// than in a fresh shell; `None` when it cannot.
    pub fn leaks_state(&self) -> Option<String> {
        self.leaks(|_| true, "")
    }

    /// Why running `next` after this script in the same shell could behave differently than in
    /// a fresh shell; `None` when it cannot. A loop variable left set matters only to a script
    /// that reads it (or runs code that might: `eval`, `source`).
    pub fn leaks_state_into(&self, next: &Script) -> Option<String> {
        let dynamic = next
            .commands
            .iter()
            .any(|c| matches!(c.name(), Some("eval" | "source" | ".")));
        self.leaks(
            |v| dynamic || reads_variable(&next.unfolded.text, v),
            ", which the next script reads",
        )
    }

    /// What leaks: a function, a loop variable that `read` says the next script sees
    /// (`read_by` says so in the message), or a command that changes the shell.
    fn leaks(&self, read: impl Fn(&str) -> bool, read_by: &str) -> Option<String> {
        if self.defines_state {
            return Some("defines a function".into());
        }
        if let Some(v) = self.loop_vars.iter().find(|v| read(v)) {
            return Some(format!("leaves the loop variable `{v}` set{read_by}"));
        }
        if self.lists.iter().any(|l| l.end == ListEnd::Background) {
            return Some("starts a background job".into());
        }
        // Each RUN starts `/bin/sh -c`: a script that replaces /bin/sh (`ln -sf /bin/bash
        // /bin/sh`, `dpkg-reconfigure dash`) changes the shell every later RUN starts, which
        // a command appended to it would not get.
        let replaces_sh = self.commands.iter().any(|c| {
            let name = c.name().map(basename).unwrap_or("");
            let names_sh = c.args().any(|w| {
                w.lit
                    .as_deref()
                    .is_some_and(|a| a == "/bin/sh" || a == "sh" || a == "dash")
            });
            (matches!(name, "ln" | "mv" | "cp" | "rm" | "install")
                && c.args().any(|w| w.is("/bin/sh")))
                || (matches!(
                    name,
                    "dpkg-reconfigure" | "update-alternatives" | "dpkg-divert"
                ) && names_sh)
        });
        if replaces_sh {
            return Some("replaces `/bin/sh`, the shell later RUNs start".into());
        }
        for c in self.commands.iter().filter(|c| !c.contained) {
            match c.words.first() {
                None if c.has_assignment => return Some("sets a shell variable".into()),
                Some(w) => match &w.lit {
                    Some(n) if STATE_BUILTINS.contains(&n.as_str()) => {
                        return Some(format!("runs `{n}`, which changes the shell's state"));
                    }
                    // A name with a `/` of its own is a file the shell executes, never a
                    // builtin or function (`$HOME/bin/pip`, `/opt/build-*.sh`).
                    None if has_literal_slash(&w.raw) => {}
                    None => {
                        return Some(format!(
                            "runs a command whose name is computed (`{}`)",
                            w.raw
                        ));
                    }
                    _ => {}
                },
                None => {}
            }
        }
        None
    }
}

/// Does `text` read the shell variable `name` (`$name`, `${name...}`)?
fn reads_variable(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices('$').any(|(i, _)| {
        let rest = &text[i + 1..];
        let rest = rest
            .strip_prefix('{')
            .map_or(rest, |r| r.trim_start_matches(['#', '!']));
        rest.strip_prefix(name)
            .is_some_and(|after| !after.starts_with(ident))
    })
}

/// A word with a `/` outside any expansion (`${...}`, `$(...)`, backquotes), which no value of
/// a variable takes away.
fn has_literal_slash(raw: &str) -> bool {
    let (mut depth, mut backquoted) = (0usize, false);
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'`' => backquoted = !backquoted,
            b'$' if matches!(bytes.get(i + 1), Some(b'{' | b'(')) => {
                depth += 1;
                i += 1;
            }
            b'}' | b')' if depth > 0 => depth -= 1,
            b'/' if depth == 0 && !backquoted => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// `/usr/bin/apt-get` → `apt-get`.
pub fn basename(name: &str) -> &str {
    // A byte loop: command names are short, and every pass asks for them (a reverse split
    // set up its searcher 190,000 times over 400 corpus files).
    match name.bytes().rposition(|b| b == b'/') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Why a script is not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque(pub String);

/// Parses a shell-form body (source span `span` of `text`, escape char `escape`).
pub fn analyse(text: &str, span: Range<usize>, escape: char) -> Result<Script, Opaque> {
    analyse_unfolded(unfold(text, span, escape))
}

/// Analyses a heredoc body that `/bin/sh` runs (`RUN <<EOF`): the text is the shell's as written.
pub fn analyse_heredoc(text: &str, body: Range<usize>) -> Result<Script, Opaque> {
    // Without its final line breaks: a command appended to the script goes on its last line,
    // never onto the terminator's.
    let end = body.start + text[body.clone()].trim_end_matches(['\n', '\r']).len();
    analyse_unfolded(unfold::verbatim(text, body.start..end))
}

/// Scripts nested deeper than this (`$(`, `${`, `(`, `{`) are not parsed: the parser recurses
/// once a level, and a generated or hostile RUN could exhaust the stack.
const MAX_NESTING: usize = 100;

/// The deepest nesting of brackets in `text` (quotes not followed: an upper bound).
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '(' | '{' | '[' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// brush's parse of a script's text, with where its last token and its last command end
/// (bytes of the text).
struct Parsed {
    program: ast::Program,
    last_token_end: usize,
    body_end: usize,
    /// Each token's byte range in the text, and whether it is a control operator (`&&`, `||`,
    /// `|`, `;`, `&`, a line break, a parenthesis), which ends a simple command.
    tokens: Vec<(Range<usize>, bool)>,
}

/// Operators that end a simple command (redirection operators do not).
const CONTROL_OPERATORS: &[&str] = &[
    "&&", "||", "|", "|&", ";", ";;", ";&", ";;&", "&", "\n", "(", ")",
];

fn parse(src: &str) -> Result<Parsed, Opaque> {
    let tokens = brush_parser::tokenize_str(src).map_err(|e| Opaque(format!("shell: {e}")))?;
    let program = brush_parser::parse_tokens(&tokens, &brush_parser::ParserOptions::default())
        .map_err(|e| Opaque(format!("shell: {e}")))?;
    let chars = CharMap::new(src);
    let token_end = |t: &brush_parser::Token| match t {
        brush_parser::Token::Operator(_, l) | brush_parser::Token::Word(_, l) => {
            chars.byte(l.end.index)
        }
    };
    let last_token_end = tokens.last().map(token_end).unwrap_or(0);
    let body_end = tokens
        .iter()
        .rev()
        .find(|t| !matches!(t, brush_parser::Token::Operator(op, _) if op == ";" || op == "\n"))
        .map(token_end)
        .unwrap_or(0);
    let token_start = |t: &brush_parser::Token| match t {
        brush_parser::Token::Operator(_, l) | brush_parser::Token::Word(_, l) => {
            chars.byte(l.start.index)
        }
    };
    let tokens = tokens
        .iter()
        .map(|t| {
            let control = matches!(t, brush_parser::Token::Operator(op, _) if CONTROL_OPERATORS.contains(&op.as_str()));
            (token_start(t)..token_end(t), control)
        })
        .collect();
    Ok(Parsed {
        program,
        last_token_end,
        body_end,
        tokens,
    })
}

/// This thread's parses, by script text.
type Parses =
    std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<Result<Parsed, Opaque>>>>;

thread_local! {
    static PARSED: Parses = Parses::default();
}

/// Drops this thread's kept parses: the fix loop calls it when it starts on another file, whose
/// scripts are rarely the last file's, so that the cache holds one file's scripts at most.
pub fn forget_parses() {
    PARSED.with(|cache| cache.borrow_mut().clear());
}

/// The parse of `src`, from a cache of this thread's recent scripts: the fix loop analyses every
/// RUN again each round, and most RUNs are the same text as in the round before (only their
/// place in the file moves, which the parse does not see: offsets come from the unfolding).
fn parse_cached(src: &str) -> std::rc::Rc<Result<Parsed, Opaque>> {
    use std::rc::Rc;
    /// Enough for the RUNs of a long file; the cache starts over past it.
    const KEEP: usize = 4096;
    PARSED.with(|cache| {
        if let Some(hit) = cache.borrow().get(src) {
            return hit.clone();
        }
        let parsed = Rc::new(parse(src));
        let mut cache = cache.borrow_mut();
        if cache.len() >= KEEP {
            cache.clear();
        }
        cache.insert(src.to_string(), parsed.clone());
        parsed
    })
}

fn analyse_unfolded(unfolded: Unfolded) -> Result<Script, Opaque> {
    if unfolded.text.trim().is_empty() {
        return Err(Opaque("empty script".into()));
    }
    if nesting(&unfolded.text) > MAX_NESTING {
        return Err(Opaque(format!(
            "nested more than {MAX_NESTING} levels deep"
        )));
    }
    let unfolded = match plain::plain_script(unfolded) {
        Ok(script) => return Ok(script),
        Err(unfolded) => unfolded,
    };
    analyse_parsed(unfolded)
}

/// [`analyse_unfolded`] by brush's parse alone.
fn analyse_parsed(unfolded: Unfolded) -> Result<Script, Opaque> {
    let src = unfolded.text.as_str();
    let parsed = parse_cached(src);
    let Parsed {
        program,
        last_token_end,
        body_end,
        tokens,
    } = parsed.as_ref().as_ref().map_err(|e| Opaque(e.0.clone()))?;
    let (last_token_end, body_end) = (*last_token_end, *body_end);
    let chars = CharMap::new(src);
    let trailing_comment = !src[last_token_end..].trim().is_empty();
    let mut lower = Lower {
        unfolded: &unfolded,
        chars: &chars,
        tokens,
        commands: Vec::new(),
        lists: Vec::new(),
        contained: 0,
        piped: false,
        defines_state: false,
        loop_vars: Vec::new(),
    };
    for cc in &program.complete_commands {
        for item in &cc.0 {
            lower.top_list(item);
        }
    }
    let end = unfolded.source_end(body_end);
    let tail_end = unfolded.source_end(last_token_end);
    Ok(Script {
        commands: lower.commands,
        lists: lower.lists,
        trailing_comment,
        end,
        tail_end,
        defines_state: lower.defines_state,
        loop_vars: lower.loop_vars,
        unfolded,
    })
}

/// brush reports character indices; we need bytes.
struct CharMap {
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl CharMap {
    fn new(s: &str) -> Self {
        let bytes = (!s.is_ascii()).then(|| s.char_indices().map(|(b, _)| b).collect());
        CharMap {
            bytes,
            len: s.len(),
        }
    }
    fn byte(&self, ch: usize) -> usize {
        match &self.bytes {
            None => ch.min(self.len),
            Some(v) => v.get(ch).copied().unwrap_or(self.len),
        }
    }
}

struct Lower<'a> {
    unfolded: &'a Unfolded,
    chars: &'a CharMap,
    tokens: &'a [(Range<usize>, bool)],
    commands: Vec<SimpleCmd>,
    lists: Vec<TopList>,
    /// Depth of subshells around the current node.
    contained: usize,
    /// The current pipeline has more than one element.
    piped: bool,
    defines_state: bool,
    loop_vars: Vec<String>,
}

impl Lower<'_> {
    fn span(&self, loc: Option<brush_parser::SourceSpan>) -> Range<usize> {
        match loc {
            Some(l) => {
                let s = self.chars.byte(l.start.index);
                let e = self.chars.byte(l.end.index);
                self.unfolded.source_range(s..e)
            }
            None => 0..0,
        }
    }

    /// The source span of a simple command or and-or list at `loc`, to its last token: brush
    /// gives redirections no place, so a command that ends in one (`echo hi > /tmp/x`) would
    /// end at its name, and deleting it would leave its arguments behind.
    fn command_span(&self, loc: Option<brush_parser::SourceSpan>) -> Range<usize> {
        let Some(l) = loc else { return 0..0 };
        let s = self.chars.byte(l.start.index);
        let e = self.chars.byte(l.end.index);
        let stop = self
            .tokens
            .iter()
            .position(|(r, control)| *control && r.start >= e)
            .unwrap_or(self.tokens.len());
        let end = self.tokens[..stop].last().map_or(e, |(r, _)| r.end.max(e));
        self.unfolded.source_range(s..end)
    }

    fn top_list(&mut self, item: &ast::CompoundListItem) {
        let list = self.lists.len();
        let and_or = &item.0;
        let ops = and_or
            .additional
            .iter()
            .map(|a| matches!(a, ast::AndOr::And(_)))
            .collect();
        let end = match item.1 {
            ast::SeparatorOperator::Async => ListEnd::Background,
            ast::SeparatorOperator::Sequence => ListEnd::Sequence,
        };
        let span = self.command_span(and_or.location());
        self.lists.push(TopList { ops, end, span });
        for p in and_or.iter() {
            self.pipeline(p.1, list, false);
        }
    }

    fn pipeline(&mut self, p: &ast::Pipeline, list: usize, nested: bool) {
        let piped = p.seq.len() > 1;
        let nested = nested || piped;
        self.contained += usize::from(piped);
        let outer = std::mem::replace(&mut self.piped, piped);
        for c in &p.seq {
            self.command(c, list, nested);
        }
        self.piped = outer;
        self.contained -= usize::from(piped);
    }

    fn compound_list(&mut self, l: &ast::CompoundList, list: usize) {
        for item in &l.0 {
            for p in item.0.iter() {
                self.pipeline(p.1, list, true);
            }
        }
    }

    fn command(&mut self, c: &ast::Command, list: usize, nested: bool) {
        match c {
            ast::Command::Simple(s) => self.simple(s, list, nested),
            ast::Command::Compound(cc, _) => self.compound(cc, list),
            ast::Command::Function(f) => {
                self.defines_state |= self.contained == 0;
                self.compound(&f.body.0, list)
            }
            ast::Command::ExtendedTest(..) => {}
        }
    }

    fn compound(&mut self, cc: &ast::CompoundCommand, list: usize) {
        use ast::CompoundCommand as C;
        match cc {
            C::BraceGroup(b) => self.compound_list(&b.list, list),
            C::Subshell(s) => {
                self.contained += 1;
                self.compound_list(&s.list, list);
                self.contained -= 1;
            }
            C::ForClause(f) => {
                if self.contained == 0 {
                    self.loop_vars.push(f.variable_name.clone());
                }
                self.compound_list(&f.body.list, list)
            }
            C::ArithmeticForClause(f) => self.compound_list(&f.body.list, list),
            C::CaseClause(c) => {
                for item in &c.cases {
                    if let Some(l) = &item.cmd {
                        self.compound_list(l, list);
                    }
                }
            }
            C::IfClause(i) => {
                self.compound_list(&i.condition, list);
                self.compound_list(&i.then, list);
                for e in i.elses.iter().flatten() {
                    if let Some(c) = &e.condition {
                        self.compound_list(c, list);
                    }
                    self.compound_list(&e.body, list);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.compound_list(&w.0, list);
                self.compound_list(&w.1.list, list);
            }
            C::Coprocess(c) => self.command(&c.body, list, true),
            C::Arithmetic(_) => {}
        }
    }

    fn word(&self, w: &ast::Word) -> Word {
        Word {
            raw: w.value.clone(),
            lit: literal(&w.value),
            span: self.span(w.location()),
        }
    }

    fn simple(&mut self, s: &ast::SimpleCommand, list: usize, nested: bool) {
        let mut words = Vec::new();
        let mut has_assignment = false;
        let mut writes = Vec::new();
        let prefix = s.prefix.iter().flat_map(|p| &p.0);
        let items = prefix.chain(s.suffix.iter().flat_map(|p| &p.0));
        for item in items {
            use ast::{IoFileRedirectKind as K, IoFileRedirectTarget as T, IoRedirect as R};
            if let ast::CommandPrefixOrSuffixItem::IoRedirect(
                R::File(_, K::Write | K::Append | K::Clobber | K::ReadAndWrite, T::Filename(w))
                | R::OutputAndError(w, _),
            ) = item
            {
                writes.push(self.word(w));
            }
        }
        if let Some(prefix) = &s.prefix {
            for item in &prefix.0 {
                if matches!(item, ast::CommandPrefixOrSuffixItem::AssignmentWord(..)) {
                    has_assignment = true;
                }
            }
        }
        if let Some(w) = &s.word_or_name {
            words.push(self.word(w));
        }
        if let Some(suffix) = &s.suffix {
            for item in &suffix.0 {
                match item {
                    ast::CommandPrefixOrSuffixItem::Word(w) => words.push(self.word(w)),
                    ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                        words.push(self.word(w))
                    }
                    _ => {}
                }
            }
        }
        let span = self.command_span(s.location());
        let contained = self.contained > 0;
        self.commands.push(SimpleCmd {
            words,
            has_assignment,
            nested,
            span,
            list,
            contained,
            piped: self.piped,
            writes,
        });
    }
}

/// The value of a word after quote removal, or `None` if it expands anything.
pub fn literal(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            // `[` opens a glob's bracket expression only when a `]` follows in the word: the
            // test command `[` is a plain word.
            '[' if !chars.as_str().contains(']') => out.push('['),
            '$' | '`' | '*' | '?' | '[' | '{' | '~' => return None,
            '\\' => out.push(chars.next()?),
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '$' | '`' | '\\' => return None,
                    c => out.push(c),
                }
            },
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(s: &str) -> Script {
        analyse(s, 0..s.len(), '\\').expect("parses")
    }

    #[test]
    fn output_redirections_name_the_files_written() {
        let s =
            script("echo x > /etc/a.conf 2>&1 && printf y >> \"$F\" && cat < in.txt &> /tmp/log");
        let writes: Vec<Vec<&str>> = s
            .commands
            .iter()
            .map(|c| c.writes.iter().map(|w| w.raw.as_str()).collect())
            .collect();
        assert_eq!(
            writes,
            [vec!["/etc/a.conf"], vec!["\"$F\""], vec!["/tmp/log"]]
        );
        assert_eq!(s.commands[1].writes[0].lit, None);
    }

    #[test]
    fn sequences_are_separate_lists() {
        let s = script("yum -y install x; yum clean all");
        assert_eq!(s.lists.len(), 2, "{:?}", s.lists);
        assert!(!s.is_plain_and_chain());
        assert!(script("a && b | c").is_plain_and_chain());
        assert!(!script("a || b").is_plain_and_chain());
        assert!(!script("a &").is_plain_and_chain());
    }

    #[test]
    fn trailing_semicolon_is_outside_end() {
        let src = "a && b ;";
        let s = script(src);
        assert_eq!(&src[..s.end], "a && b");
        assert_eq!(s.tail_end, src.len());
    }

    #[test]
    fn words_map_back_to_source() {
        let src = "RUN apt-get \\\n  install -y curl";
        let s = analyse(src, 4..src.len(), '\\').unwrap();
        let c = &s.commands[0];
        assert_eq!(c.name(), Some("apt-get"));
        assert_eq!(&src[c.words[1].span.clone()], "install");
        assert_eq!(c.words[3].lit.as_deref(), Some("curl"));
    }

    #[test]
    fn a_loop_variable_leaks_only_into_a_script_that_reads_it() {
        let lp = script("for f in a b; do mv \"$f\" /x; done");
        assert!(
            lp.leaks_state_into(&script("install-plugins.sh a b"))
                .is_none()
        );
        for reads in [
            "echo $f",
            "echo ${f}",
            "echo \"${f%.hpi}\"",
            "echo ${#f}",
            "eval x",
        ] {
            assert!(lp.leaks_state_into(&script(reads)).is_some(), "{reads}");
        }
        assert!(lp.leaks_state_into(&script("echo $foo")).is_none());
        let func = script("f() { echo; }");
        assert!(func.leaks_state_into(&script("make")).is_some());
    }

    #[test]
    fn a_computed_name_with_a_slash_of_its_own_is_a_program() {
        for program in [
            "$HOME/bin/pip install x",
            "/pd_build/ruby-*.sh",
            "\"$D\"/run.sh",
        ] {
            assert!(script(program).leaks_state().is_none(), "{program}");
        }
        for unknown in ["$CMD x", "${X#/} y", "$(echo /bin/cd) /", "`echo /x`"] {
            assert!(script(unknown).leaks_state().is_some(), "{unknown}");
        }
    }

    #[test]
    fn a_command_span_holds_its_redirections() {
        let src = "echo hi > /tmp/x 2>&1 && (cat a >> b) ; c <f";
        let s = script(src);
        let spans: Vec<&str> = s.commands.iter().map(|c| &src[c.span.clone()]).collect();
        assert_eq!(spans, ["echo hi > /tmp/x 2>&1", "cat a >> b", "c <f"]);
        let lists: Vec<&str> = s.lists.iter().map(|l| &src[l.span.clone()]).collect();
        assert_eq!(lists, ["echo hi > /tmp/x 2>&1 && (cat a >> b)", "c <f"]);
    }

    #[test]
    fn state_leaks_are_found() {
        assert!(script("cd /src && make").leaks_state().is_some());
        assert!(script("export A=1").leaks_state().is_some());
        assert!(script("A=1").leaks_state().is_some());
        assert!(script("(cd /src && make)").leaks_state().is_none());
        assert!(
            script("for f in a b; do echo $f; done")
                .leaks_state()
                .is_some()
        );
        assert!(
            script("apt-get update && apt-get install -y x")
                .leaks_state()
                .is_none()
        );
        assert!(script("A=1 make").leaks_state().is_none());
        // The test command is a command, not a computed name.
        assert!(script("[ -d /x ] && rm -rf /x").leaks_state().is_none());
    }

    #[test]
    fn brackets_are_globs_only_when_closed() {
        assert_eq!(literal("[").as_deref(), Some("["));
        assert_eq!(literal("]").as_deref(), Some("]"));
        assert_eq!(literal("[[").as_deref(), Some("[["));
        assert_eq!(literal("a[b"), Some("a[b".to_string()));
        assert_eq!(literal("file[0-9].txt"), None);
        assert_eq!(literal("flask[async]"), None);
        assert_eq!(literal("'[x]'").as_deref(), Some("[x]"));
    }
}
