use crate::facts::secrets::looks_secret;
use crate::fix::{Applicability, Edit, Fix, NewFile};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct SecretMount;

static META: Meta = Meta {
    code: "DO046",
    name: "secret-mount",
    summary: "A secret copied in with the whole context and deleted after use: mount it for the RUN that needs it instead",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
When `COPY . .` brings a secret-looking file of the build context (`pip.conf`, `.npmrc`,
`.netrc`, `.pypirc`, `.git-credentials`, `id_rsa`, `*.pem`, `.env`, `credentials*`, …) and a
later `RUN` uses it and deletes it (`RUN pip install … && rm pip.conf`), the file is kept out
of the context with a `.dockerignore` line and mounted for that one RUN instead:
`RUN --mount=type=secret,id=pip.conf,target=/app/pip.conf,required=true pip install …` (the
`rm` goes: a mounted file cannot be deleted, and nothing is left to delete).

## Why
Deleting a file in a later layer does not remove it from the image: it stays in the COPY's
layer, readable by anyone who pulls the image (`docker save`, `dive`). A secret mount is never
written to a layer.

## Example
```dockerfile
WORKDIR /app
COPY . .
RUN PIP_CONFIG_FILE=pip.conf pip install -r requirements.txt && rm pip.conf
```
becomes (with `pip.conf` in `.dockerignore`)
```dockerfile
WORKDIR /app
COPY . .
RUN --mount=type=secret,id=pip.conf,target=/app/pip.conf,required=true PIP_CONFIG_FILE=pip.conf pip install -r requirements.txt
```
built with `docker build --secret id=pip.conf,src=pip.conf .` (`dockopt measure` passes it).

## Fix safety
Unsafe: the build command changes (it must pass `--secret id=…,src=…`; `required=true` makes
a build without it fail at once rather than install from the wrong index). Needs BuildKit, as
cache mounts do (the `# syntax=` line is added unless `--no-syntax-directive`). Only when the
RUN is a plain `&&` chain whose `rm` deletes that one file, and the build context shows the
file. When the context already has a `.dockerignore`, which dockopt does not edit, a
suggestion says what to add.

## Facts it relies on
The WORKDIR in force at the COPY and at the RUN, the analysed script of the RUN, the build
context (the file, and whether it has a `.dockerignore`).
"#,
};

impl Pass for SecretMount {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        // The whole-context COPYs and where they land.
        let mut copies: Vec<(usize, String)> = Vec::new();
        for (i, ins) in doc.instructions.iter().enumerate() {
            let whole_context = (ins.is(Kind::Copy) || ins.is(Kind::Add))
                && ins.flag("from").is_none()
                && ins.args.len() == 2
                && matches!(ins.args[0].value.as_str(), "." | "./");
            if !whole_context {
                continue;
            }
            let Some(dest) = crate::facts::join_workdir(
                cx.facts.instrs[i].workdir.as_deref(),
                &ins.args[1].value,
            ) else {
                continue;
            };
            copies.push((i, dest.trim_end_matches(['/', '.']).to_string()));
        }
        if copies.is_empty() {
            return;
        }
        // The RUNs that delete a secret-looking file (few), against the COPYs before them in
        // their chain: linear in the file, where each COPY looking at every later RUN was not.
        let mut found: Vec<(usize, usize, Finding)> = Vec::new();
        for (j, run) in doc.instructions.iter().enumerate() {
            let deletes_secret = cx.script(j).is_some_and(|s| {
                s.commands
                    .iter()
                    .any(|c| c.name() == Some("rm") && c.operands().iter().any(|o| looks_secret(o)))
            });
            let Some(stage) = run.stage.filter(|_| deletes_secret) else {
                continue;
            };
            let chain = doc.stage_chain(stage);
            for (i, dest) in &copies {
                let before = *i < j
                    && doc.instructions[*i]
                        .stage
                        .is_some_and(|s| s == stage || chain.contains(&s));
                if let Some(f) = before.then(|| mount_instead(cx, j, dest)).flatten() {
                    found.push((*i, j, f));
                }
            }
        }
        found.sort_by_key(|(i, j, _)| (*i, *j));
        out.extend(found.into_iter().map(|(_, _, f)| f));
    }
}

/// The fix for RUN `j` when it deletes a secret that `COPY . DEST` brought.
fn mount_instead(cx: &Context<'_, '_>, j: usize, dest: &str) -> Option<Finding> {
    let run = &cx.doc.instructions[j];
    let script = cx.script(j)?;
    let k = script.commands.iter().position(|c| {
        c.name() == Some("rm")
            && !c.nested
            && c.operands().len() == 1
            && looks_secret(c.operands()[0])
    })?;
    let file = script.commands[k].operands()[0];
    let path = crate::facts::join_workdir(cx.facts.instrs[j].workdir.as_deref(), file)?;
    // The file came in with the COPY: its place in the build context.
    let rel = path.strip_prefix(&format!("{dest}/"))?.to_string();
    let say = |msg: String, fix: Option<Fix>| Some(cx.finding(&META, run.span.start, msg, fix));
    let kept = format!(
        "`{rel}` came in with the whole context and is deleted here, but stays in that COPY's layer"
    );
    if !script.is_plain_and_chain() || script.commands.len() < 2 {
        return say(
            format!(
                "{kept}: mount it for this RUN only (`RUN --mount=type=secret`) and keep it out of the context; this RUN is not a plain `&&` chain, so it is left to you"
            ),
            None,
        );
    }
    match cx.build_context.is_known() {
        false => {
            return say(
                format!(
                    "{kept}: the build context is not known, so dockopt cannot tell that `{rel}` is a file of it; mount it for this RUN only (`RUN --mount=type=secret`)"
                ),
                None,
            );
        }
        true if !cx.build_context.is_file(&rel) => return None, // made by the build itself
        true => {}
    }
    let ignore_file = cx.build_context.exists(".dockerignore") != Some(false);
    if ignore_file && !cx.build_context.dockerignore_excludes_top(&rel) {
        return say(
            format!(
                "{kept}: add `{rel}` to .dockerignore (dockopt does not edit an existing one) and mount it for this RUN only: `RUN --mount=type=secret,id={rel},target={path},required=true`, built with `--secret id={rel},src={rel}`"
            ),
            None,
        );
    }
    let cut = crate::shell::delete_command(script, k)?;
    let mut edits = vec![
        Edit::insert(
            run.keyword_span.end + 1,
            format!("--mount=type=secret,id={rel},target={path},required=true "),
        ),
        cut,
    ];
    edits.extend(crate::passes::syntax_directive_edit(cx));
    let mut fix = Fix::new(Applicability::Unsafe, edits);
    if !ignore_file {
        fix.files.push(NewFile {
            path: ".dockerignore".into(),
            content: format!(
                "# Written by dockopt (DO046): secrets mounted at build time, not copied\n{rel}\n"
            ),
        });
    }
    say(
        format!(
            "{kept}: kept out of the context (.dockerignore) and mounted for this RUN only; build with `--secret id={rel},src={rel}`"
        ),
        Some(fix),
    )
}
