use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{exec_form_of, unfold};
use crate::syntax::{Body, Kind};

pub struct ExecForm;

static META: Meta = Meta {
    code: "DO020",
    name: "exec-form",
    summary: "CMD and ENTRYPOINT in exec (JSON) form",
    safety: Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3025"],
    docs: r#"## What it does
Rewrites a shell-form `CMD` or `ENTRYPOINT` whose command uses no shell feature as a JSON array.

## Why
In shell form Docker runs `/bin/sh -c "<command>"`: the shell is PID 1 and does not forward
signals, so `docker stop` waits 10 s and then kills the application without a clean shutdown.
In exec form the application is PID 1 and receives `SIGTERM` itself.

## Example
```dockerfile
CMD python3 app.py
```
becomes
```dockerfile
CMD ["python3", "app.py"]
```

## Fix safety
A command with a shell feature (`$`, `&&`, `;`, `|`, `<`, `>`, globs, quotes, `~`, backslashes,
`VAR=value` prefixes) is left alone: exec form would change what runs.
- `CMD`: Safe when the stage has no `ENTRYPOINT` (else the CMD becomes the entrypoint's
  arguments, and `sh -c ...` was what it got before): Unsafe then.
- `ENTRYPOINT`: Unsafe, because in exec form the arguments of `docker run` and any `CMD` are
  passed to it, where the shell form ignored them.

## Facts it relies on
The shell in force (POSIX stages only) and the analysed command line (no shell features).
"#,
};

impl Pass for ExecForm {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for ins in &doc.instructions {
            let is_cmd = ins.is(Kind::Cmd);
            if !(is_cmd || ins.is(Kind::Entrypoint)) || !cx.in_posix_stage(ins) {
                continue;
            }
            let Body::Shell(span) = &ins.body else {
                continue;
            };
            let text = unfold(doc.text, span.clone(), doc.escape).text;
            if text.split_whitespace().next().is_none() {
                continue;
            }
            let Some(json) = exec_form_of(&text) else {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    format!(
                        "{} in shell form uses shell features; exec form needs a rewrite by hand",
                        ins.keyword
                    ),
                    None,
                ));
                continue;
            };
            let has_entrypoint = ins.stage.is_some_and(|s| {
                doc.stage_chain(s)
                    .into_iter()
                    .any(|x| cx.stage_instrs(x).any(|(_, i)| i.is(Kind::Entrypoint)))
            });
            let applicability = if is_cmd && !has_entrypoint {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            };
            out.push(cx.finding(
                &META,
                ins.span.start,
                format!(
                    "{} in shell form: signals do not reach the process",
                    ins.keyword
                ),
                Some(Fix::new(
                    applicability,
                    vec![Edit::replace(span.clone(), json)],
                )),
            ));
        }
    }
}
