use crate::fix::{Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct MaintainerToLabel;

static META: Meta = Meta {
    code: "DO022",
    name: "maintainer-to-label",
    summary: "MAINTAINER (deprecated) to LABEL maintainer=",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL4000"],
    docs: r#"## What it does
Replaces the deprecated `MAINTAINER name` with `LABEL maintainer="name"`.

## Why
`MAINTAINER` has been deprecated since Docker 1.13; tools read the `maintainer` label (OCI
annotations, `docker inspect --format '{{ .Config.Labels }}'`).

## Example
```dockerfile
MAINTAINER Jane Doe <jane@example.com>
```
becomes
```dockerfile
LABEL maintainer="Jane Doe <jane@example.com>"
```

## Fix safety
Safe: it moves the same text from the deprecated Author field to a label. Quotes, `$` and the
escape character are escaped, because LABEL values are expanded where MAINTAINER's was not.

## Facts it relies on
The instruction alone.
"#,
};

impl Pass for MaintainerToLabel {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let esc = cx.doc.escape;
        for ins in cx
            .doc
            .instructions
            .iter()
            .filter(|i| i.is(Kind::Maintainer))
        {
            let Some(name) = ins.args.first() else {
                continue;
            };
            let mut value = String::new();
            for c in name.value.trim().chars() {
                if c == '"' || c == '$' || c == esc {
                    value.push(esc);
                }
                value.push(c);
            }
            let label = cx.doc.keyword_like(ins, "LABEL");
            out.push(cx.finding(
                &META,
                ins.span.start,
                "MAINTAINER is deprecated",
                Some(Fix::safe(vec![Edit::replace(
                    ins.span.clone(),
                    format!("{label} maintainer=\"{value}\""),
                )])),
            ));
        }
    }
}
