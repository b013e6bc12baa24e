use crate::facts::secrets::looks_secret;
use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct SecretInLayer;

static META: Meta = Meta {
    code: "DO040",
    name: "secret-in-layer",
    summary: "A secret-looking file copied into a layer (deleting it later does not remove it)",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Warns when `COPY`/`ADD` brings a file that looks like a secret (`id_rsa`, `*.pem`, `*.key`,
`.env`, `.netrc`, `.npmrc`, `.pypirc`, `pip.conf`, `credentials*`, `secret*`, `*.p12`, `*.pfx`)
into the image, and says so louder when a later `RUN` deletes it. (A secret that comes in with
`COPY . .` and is deleted by a later `RUN` is secret-mount's, which mounts it instead.)

## Why
Every layer ships with the image: a key copied in one step and deleted in the next is still in
the first layer, readable by anyone who pulls the image (`docker save`, `dive`).

## Example
```dockerfile
COPY id_rsa /root/.ssh/id_rsa
RUN git clone git@github.com:org/private.git && rm /root/.ssh/id_rsa
```
should be
```dockerfile
RUN --mount=type=secret,id=ssh_key,target=/root/.ssh/id_rsa git clone git@github.com:org/private.git
```
(or `RUN --mount=type=ssh` with an SSH agent).

## Fix safety
A suggestion only: the build command has to pass the secret (`--secret id=...`).

## Facts it relies on
The COPY/ADD sources, and the stage chain after them (the RUNs that delete them).
"#,
};

impl Pass for SecretInLayer {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for (i, ins) in doc.instructions.iter().enumerate() {
            if !(ins.is(Kind::Copy) || ins.is(Kind::Add))
                || ins.flag("from").is_some()
                || ins.args.len() < 2
            {
                continue;
            }
            for src in &ins.args[..ins.args.len() - 1] {
                if !looks_secret(&src.value) {
                    continue;
                }
                let name = src.value.rsplit('/').next().unwrap_or(&src.value);
                let removed_later = cx.later_in_chain(i).iter().any(|&j| {
                    let x = &doc.instructions[j];
                    x.is(Kind::Run)
                        && cx.text(&x.span).contains("rm ")
                        && cx.text(&x.span).contains(name)
                });
                let msg = if removed_later {
                    format!(
                        "`{}` is copied into a layer and deleted later, but stays in the image: use `RUN --mount=type=secret`",
                        src.value
                    )
                } else {
                    format!(
                        "`{}` looks like a secret and is copied into the image: use `RUN --mount=type=secret` if it is one",
                        src.value
                    )
                };
                out.push(cx.finding(&META, ins.span.start, msg, None));
            }
        }
    }
}
