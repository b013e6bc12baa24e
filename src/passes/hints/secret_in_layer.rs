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
into the image, and says so louder when a later `RUN` deletes it; also when a `RUN` deletes
such a file after `COPY . .` brought the whole context (`RUN pip install … && rm pip.conf`).

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
The COPY/ADD sources, the stage chain after them, and the analysed scripts of later RUNs (what
they delete).
"#,
};

fn looks_secret(path: &str) -> bool {
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "id_rsa"
            | "id_ed25519"
            | "id_ecdsa"
            | "id_dsa"
            | ".env"
            | ".netrc"
            | ".npmrc"
            | ".pypirc"
            | ".git-credentials"
            | "pip.conf"
            | "pip.ini"
    ) || [".pem", ".key", ".p12", ".pfx", ".keystore", ".jks"]
        .iter()
        .any(|e| name.ends_with(e))
        || name.starts_with("credentials")
        || name.starts_with("secret")
}

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
            // A broad COPY (`COPY . .`) brings whatever secret the context holds: a later RUN
            // that deletes one shows it came with it.
            let broad = ins.args[..ins.args.len() - 1]
                .iter()
                .any(|a| matches!(a.value.as_str(), "." | "./"));
            if !broad {
                continue;
            }
            for j in cx.later_in_chain(i) {
                let Some(script) = cx.script(j) else { continue };
                let deleted = script
                    .commands
                    .iter()
                    .filter(|c| c.name() == Some("rm"))
                    .flat_map(|c| c.operands())
                    .find(|w| looks_secret(w));
                if let Some(file) = deleted {
                    let line = doc.line_of(ins.span.start);
                    out.push(cx.finding(
                        &META,
                        doc.instructions[j].span.start,
                        format!("`{file}` came in with the whole context (line {line}) and is deleted here, but stays in that COPY's layer: keep it out of the context (.dockerignore) and mount it for this RUN only (`RUN --mount=type=secret,id=…,target=…`, built with `--secret id=…,src=…`)"),
                        None,
                    ));
                }
            }
        }
    }
}
