use crate::fix::{Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct StageCasing;

static META: Meta = Meta {
    code: "DO026",
    name: "stage-casing",
    summary: "FROM … AS in one case, stage names in lower case (BuildKit's FromAsCasing, StageNameCasing)",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Writes the `AS` of a `FROM` in the case of its `FROM` keyword (`FROM x as y` → `FROM x AS y`,
`from x AS y` → `from x as y`), and a stage name in lower case (`AS Builder` → `AS builder`):
the two build checks BuildKit reports as `FromAsCasing` and `StageNameCasing`.

## Why
`docker build --check` (and every build, as a warning) reports both; a file that mixes cases
reads as if `as` were something else than the keyword, and stage names are compared in lower
case anyway.

## Example
```dockerfile
FROM golang:1.22 as Builder
```
becomes
```dockerfile
FROM golang:1.22 AS builder
```

## Fix safety
Safe: BuildKit reads the keyword in any case and compares stage names in lower case; the
stage's references (`FROM Builder`, `COPY --from=Builder`, `RUN --mount=from=Builder`) are
lowered with it, so that engines that compare them as written find the stage too. A keyword in mixed
case (`From`) is left alone.

## Facts it relies on
The FROM instruction's keyword, its image and stage name arguments and the text between them;
the `FROM` images and `from=` flag values that name the stage.
"#,
};

impl Pass for StageCasing {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for ins in cx.doc.instructions.iter().filter(|i| i.is(Kind::From)) {
            let [image, name] = ins.args.as_slice() else {
                continue;
            };
            let keyword = cx.text(&ins.keyword_span);
            let upper = keyword.chars().all(|c| c.is_ascii_uppercase());
            let lower = keyword.chars().all(|c| c.is_ascii_lowercase());
            let mut edits = Vec::new();
            let mut said = Vec::new();
            // The `AS` token between the image and the name.
            let gap = &cx.doc.text[image.span.end..name.span.start];
            if let Some(at) = gap
                .char_indices()
                .find(|&(k, _)| gap[k..].to_ascii_lowercase().starts_with("as"))
                .map(|(k, _)| image.span.end + k)
            {
                let written = &cx.doc.text[at..at + 2];
                let wanted = match (upper, lower) {
                    (true, _) => Some("AS"),
                    (_, true) => Some("as"),
                    _ => None,
                };
                if let Some(wanted) = wanted.filter(|w| *w != written) {
                    edits.push(Edit::replace(at..at + 2, wanted));
                    said.push(format!(
                        "`{written}` → `{wanted}` as `{keyword}` is written"
                    ));
                }
            }
            let stage = cx.text(&name.span);
            if stage.chars().any(|c| c.is_ascii_uppercase()) && !stage.contains('$') {
                let lowered = stage.to_ascii_lowercase();
                said.push(format!("stage name `{stage}` → `{lowered}`"));
                edits.push(Edit::replace(name.span.clone(), lowered.clone()));
                // Its references too: BuildKit compares names in lower case, other engines
                // may not.
                edits.extend(references(cx, stage, &lowered));
            }
            if !edits.is_empty() {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    said.join("; "),
                    Some(Fix::safe(edits)),
                ));
            }
        }
    }
}

/// Edits that write `lowered` for each reference to the stage `name` written in another case:
/// `FROM name`, `COPY/ADD --from=name`, `RUN --mount=…,from=name`.
fn references(cx: &Context<'_, '_>, name: &str, lowered: &str) -> Vec<Edit> {
    let mut edits = Vec::new();
    for ins in &cx.doc.instructions {
        let image = ins
            .args
            .first()
            .filter(|a| ins.is(Kind::From) && a.value.eq_ignore_ascii_case(name));
        if let Some(image) = image {
            edits.push(Edit::replace(image.span.clone(), lowered.to_string()));
        }
        for flag in &ins.flags {
            let text = cx.text(&flag.span);
            let lower = text.to_ascii_lowercase();
            // `--from=Name`, or `from=Name` among a mount's options.
            for (k, _) in lower.match_indices("from=") {
                let value = &text[k + 5..];
                let end = value.find([',', ' ']).unwrap_or(value.len());
                let written = &value[..end];
                if written.eq_ignore_ascii_case(name) && written != lowered {
                    let at = flag.span.start + k + 5;
                    edits.push(Edit::replace(at..at + end, lowered.to_string()));
                }
            }
        }
    }
    edits
}
