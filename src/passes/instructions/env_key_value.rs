use crate::fix::{Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct EnvKeyValue;

static META: Meta = Meta {
    code: "DO027",
    name: "env-key-value",
    summary: "ENV key value (the legacy form) to ENV key=value (BuildKit's LegacyKeyValueFormat)",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Rewrites the legacy `ENV key value` as `ENV key=value`, quoting a value of several words
(`ENV PATH /opt/bin:$PATH` → `ENV PATH=/opt/bin:$PATH`, `ENV MSG hello world` →
`ENV MSG="hello world"`): BuildKit's `LegacyKeyValueFormat` check.

## Why
The legacy form sets one variable to the whole rest of the line, which reads like several
variables; Docker documents it as deprecated and `docker build --check` reports it.

## Example
```dockerfile
ENV NODE_ENV production
```
becomes
```dockerfile
ENV NODE_ENV=production
```

## Fix safety
Safe: the variable gets the same value. Only a value on one line, of words separated by single
spaces, with no quote, backslash or backtick in it, is rewritten: a value continued over
several lines (`ENV PHPIZE_DEPS \` and a list, as the official php image writes it), one with
quotes or escapes, or with runs of spaces is left as it is, since its quoting would need care
the rewrite cannot check.

## Facts it relies on
The ENV instruction's text.
"#,
};

/// `key=value` for a legacy `key value` on one line, when the value needs no quoting care.
fn key_value(text: &str) -> Option<String> {
    if text.contains(['\n', '\r', '"', '\'', '\\', '`', '\t']) {
        return None;
    }
    let (key, value) = text.trim().split_once(' ')?;
    let value = value.trim();
    let name_ok = key
        .chars()
        .enumerate()
        .all(|(k, c)| c == '_' || c.is_ascii_alphabetic() || (k > 0 && c.is_ascii_digit()));
    if key.is_empty() || !name_ok || value.is_empty() || value.contains("  ") {
        return None;
    }
    Some(match value.contains(' ') {
        true => format!("{key}=\"{value}\""),
        false => format!("{key}={value}"),
    })
}

impl Pass for EnvKeyValue {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for ins in cx.doc.instructions.iter().filter(|i| i.is(Kind::Env)) {
            let [arg] = ins.args.as_slice() else { continue };
            let text = cx.text(&arg.span);
            // The modern form has `=` in its first word.
            let first = text.split_whitespace().next().unwrap_or("");
            if first.contains('=') {
                continue;
            }
            let Some(new) = key_value(text) else { continue };
            out.push(cx.finding(
                &META,
                ins.span.start,
                format!("legacy `ENV {first} …`: `ENV {new}`"),
                Some(Fix::safe(vec![Edit::replace(arg.span.clone(), new)])),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_value;

    #[test]
    fn quotes_only_what_needs_no_care() {
        assert_eq!(
            key_value("NODE_ENV production").as_deref(),
            Some("NODE_ENV=production")
        );
        assert_eq!(
            key_value("MSG hello world").as_deref(),
            Some("MSG=\"hello world\"")
        );
        assert_eq!(key_value("PATH /x:$PATH").as_deref(), Some("PATH=/x:$PATH"));
        assert_eq!(key_value("A \"b c\""), None);
        assert_eq!(key_value("A b  c"), None);
        assert_eq!(key_value("DEPS \\\n  a b"), None);
        assert_eq!(key_value("1A b"), None);
    }
}
