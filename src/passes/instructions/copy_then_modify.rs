use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::basename;
use crate::syntax::Kind;

pub struct CopyThenModify;

static META: Meta = Meta {
    code: "DO042",
    name: "copy-then-modify",
    summary: "Files copied and then changed in a later layer are stored twice",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Warns when a `RUN` runs `chown`, `chmod` or `sed -i` on files that an earlier `COPY`/`ADD` of
the same stage put into the image.

## Why
A layer stores whole files: changing the owner, the mode or one line of a copied file stores it
again in the new layer, and the image carries both copies (for `chown -R /app`, the whole
application twice).

## Example
```dockerfile
COPY . /app
RUN chown -R app:app /app
```
should be
```dockerfile
COPY --chown=app:app . /app
```
(`COPY --chmod=755` for modes; edit a file before copying it, or generate it in one `RUN`).

## Fix safety
A suggestion only; the non-root-user pass writes `--chown` itself when it adds a user.

## Facts it relies on
The COPY destinations and the analysed scripts that modify them.
"#,
};

impl Pass for CopyThenModify {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for stage in 0..doc.stages.len() {
            let mut copied: Vec<String> = Vec::new();
            for (i, ins) in cx.stage_instrs(stage) {
                if ins.is(Kind::Copy) || ins.is(Kind::Add) {
                    if let Some(dest) = ins
                        .args
                        .last()
                        .filter(|d| d.value.starts_with('/') && !d.value.contains('$'))
                    {
                        copied.push(dest.value.trim_end_matches('/').to_string());
                    }
                    continue;
                }
                let Some(script) = cx.script(i) else { continue };
                for c in &script.commands {
                    let Some(name) = c.name().map(basename) else {
                        continue;
                    };
                    let in_place = name == "sed"
                        && c.args()
                            .any(|w| w.lit.as_deref().is_some_and(|a| a.starts_with("-i")));
                    if !(matches!(name, "chown" | "chmod") || in_place) {
                        continue;
                    }
                    let hit = c.args().filter_map(|w| w.lit.as_deref()).find(|a| {
                        a.starts_with('/')
                            && copied.iter().any(|d| {
                                !d.is_empty()
                                    && (a.trim_end_matches('/') == d
                                        || a.starts_with(&format!("{d}/")))
                            })
                    });
                    if let Some(path) = hit {
                        let fix = if name == "sed" {
                            "edit the file before copying it"
                        } else {
                            "use `COPY --chown`/`--chmod`"
                        };
                        out.push(cx.finding(&META, ins.span.start, format!("`{name}` on `{path}`, copied earlier, stores those files again in a new layer: {fix}"), None));
                        break;
                    }
                }
            }
        }
    }
}
