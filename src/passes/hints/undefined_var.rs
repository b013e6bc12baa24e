use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct UndefinedVar;

static META: Meta = Meta {
    code: "DO049",
    name: "undefined-var",
    summary: "A variable the builder expands that no ENV or ARG sets: most likely a misspelling",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Reports a `$NAME` in an instruction the builder expands itself (`FROM`, `COPY`, `ADD`, `ENV`,
`ARG`, `WORKDIR`, `USER`, `LABEL`, `EXPOSE`, `VOLUME`, `STOPSIGNAL`) when no `ENV` or `ARG` before
it in the stage sets `NAME` and one that does is spelled almost alike (`$APP_HOEM` where the file
sets `APP_HOME`), or when the stage starts `FROM scratch` (no image sets it). This is BuildKit's
`UndefinedVar` build check, kept to what the file shows.

## Why
An unset variable expands to nothing, without an error: `WORKDIR $APP_HOEM/src` works in `/src`,
`COPY app $APP_DIR/` copies to `/`. The build passes and the image is wrong.

## Example
```dockerfile
FROM python:3.12-slim
ENV APP_HOME=/srv/app
WORKDIR $APP_HOEM
```
reports `$APP_HOEM` (did you mean `$APP_HOME`?).

## Fix safety
A finding only: which name was meant is the author's call. A name no ENV or ARG sets may come
from the base image's own environment, which dockopt does not read; such names are reported only
when a name the file sets is spelled almost alike, or on `scratch`. Shell-form `RUN`, `CMD` and
`ENTRYPOINT` are the shell's to expand and are not read.

## Facts it relies on
Per instruction: the names ENV and ARG set before it in its stage's chain (the global ARGs for
`FROM`); per stage: whether its base is `scratch`.
"#,
};

/// The names a builder-expanded text refers to (`$X`, `${X}`, `${X:-y}`), with their offsets;
/// single-quoted text and escaped dollars are literal.
fn references(text: &str, escape: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut chars = text.char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        if c == escape {
            chars.next();
            continue;
        }
        if c == '\'' {
            quoted = !quoted;
            continue;
        }
        if c != '$' || quoted {
            continue;
        }
        let rest = &text[k + 1..];
        let braced = rest.starts_with('{');
        let name_start = k + 1 + usize::from(braced);
        let name_len = text[name_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - name_start);
        let name = &text[name_start..name_start + name_len];
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            out.push((k, name));
        }
    }
    out
}

/// A name the file sets that `name` is most likely a misspelling of.
fn near_name<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    if name.len() < 4 {
        return None;
    }
    crate::passes::closest(
        name,
        known
            .iter()
            .map(String::as_str)
            .filter(|k| k.len() >= 4 && *k != name),
        2,
    )
}

impl Pass for UndefinedVar {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        let global_args: Vec<String> = doc
            .instructions
            .iter()
            .filter(|i| i.stage.is_none() && i.is(Kind::Arg))
            .flat_map(|i| i.args.iter())
            .map(|a| a.value.split('=').next().unwrap_or("").to_string())
            .collect();
        for (i, ins) in doc.instructions.iter().enumerate() {
            let expanded = matches!(
                ins.kind,
                Kind::From
                    | Kind::Copy
                    | Kind::Add
                    | Kind::Env
                    | Kind::Arg
                    | Kind::Workdir
                    | Kind::User
                    | Kind::Label
                    | Kind::Expose
                    | Kind::Volume
                    | Kind::Stopsignal
            );
            if !expanded || !ins.heredocs.is_empty() {
                continue;
            }
            let (known, scratch): (&[String], bool) = match (ins.kind, ins.stage) {
                (Kind::From, _) | (_, None) => (&global_args, false),
                (_, Some(s)) => {
                    let root = cx.facts.stages[s].base.reference == "scratch";
                    (&cx.facts.instrs[i].env, root)
                }
            };
            if ins.stage.is_some_and(|s| cx.facts.stages[s].windows) {
                continue;
            }
            let start = ins.keyword_span.end;
            let text = &doc.text[start..ins.span.end];
            // `ARG X=${X}` passes a value through: its own name is not a misspelling.
            let own: Vec<&str> = match ins.kind {
                Kind::Arg | Kind::Env => ins
                    .args
                    .iter()
                    .map(|a| {
                        a.value
                            .split('=')
                            .next()
                            .unwrap_or("")
                            .trim_matches(['"', '\''])
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let mut seen: Vec<&str> = own;
            for (_, name) in references(text, doc.escape) {
                if known.iter().any(|k| k == name) || name == "PATH" || seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                let message = match near_name(name, known) {
                    Some(near) => format!(
                        "`${name}` is set by no ENV or ARG before it (did you mean `${near}`?); unless the base image sets it, it expands to nothing"
                    ),
                    None if scratch => format!(
                        "`${name}` is set by no ENV or ARG before it, and the stage starts FROM scratch: it expands to nothing"
                    ),
                    None => continue,
                };
                out.push(cx.finding(&META, ins.span.start, message, None));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_references_as_the_builder_does() {
        let names: Vec<&str> = references(r"$A ${B:-x} '$C' \$D $1 ${E}f", '\\')
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(names, ["A", "B", "E"]);
        let known = vec!["APP_HOME".to_string(), "PORT".to_string()];
        assert_eq!(near_name("APP_HOEM", &known), Some("APP_HOME"));
        assert_eq!(near_name("PRT", &known), None);
        assert_eq!(near_name("GOPATH", &known), None);
    }
}
