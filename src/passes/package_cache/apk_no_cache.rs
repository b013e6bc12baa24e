use super::cache_mount_edits;
use super::mounts_cache;
use crate::fix::{Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::has_option;
use crate::shell::insert_after_word;
use crate::shell::is_named;
use crate::shell::subcommand;
use crate::shell::{Script, SimpleCmd};
use crate::syntax::Kind;

pub struct ApkNoCache;

static META: Meta = Meta {
    code: "DO012",
    name: "apk-no-cache",
    summary: "apk add --no-cache, without a separate apk update",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3019"],
    docs: r#"## What it does
Adds `--no-cache` to `apk add` and drops an `apk update` that only served it. With
`--cache-mounts` it mounts a BuildKit cache on `/var/cache/apk` instead.

## Why
`apk update` and `apk add` without `--no-cache` leave the package index (a few MB) in
`/var/cache/apk`. `--no-cache` fetches a fresh index, uses it and throws it away.

## Example
```dockerfile
RUN apk update && apk add curl
```
becomes
```dockerfile
RUN apk add --no-cache curl
```

## Fix safety
Safe. `apk update` is only dropped when every other apk command of the RUN is an `apk add`
(which gets `--no-cache`) and no later step of the stage uses apk for anything but `add`/`del`.

## Facts it relies on
The analysed script; cache mounts already on the RUN.
"#,
};

/// Every apk command in the script is `add` or `del` (so the index is not needed).
fn only_add_del(s: &Script) -> bool {
    s.commands
        .iter()
        .filter(|c| is_named(c, &["apk"]))
        .all(|c| matches!(c.first_operand(), Some("add" | "del")))
}

impl Pass for ApkNoCache {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(s) = cx.script(i) else { continue };
            if mounts_cache(ins, "/var/cache/apk") {
                continue;
            }
            let adds: Vec<(&SimpleCmd, usize)> = s
                .commands
                .iter()
                .filter(|c| is_named(c, &["apk"]))
                .filter_map(|c| Some((c, subcommand(c, &["add"])?)))
                .filter(|(c, _)| !has_option(c, &["--no-cache"], &[]))
                .collect();
            if cx.settings.cache_mounts {
                if !adds.is_empty() {
                    let edits = cache_mount_edits(cx, ins, &["/var/cache/apk"]);
                    if !edits.is_empty() {
                        out.push(cx.finding(
                            &META,
                            ins.span.start,
                            "apk cache stored in the layer: a BuildKit cache mount keeps it out",
                            Some(Fix::safe(edits)),
                        ));
                    }
                }
                continue;
            }
            let mut edits: Vec<Edit> = adds
                .iter()
                .map(|(c, k)| insert_after_word(c, *k, "--no-cache"))
                .collect();
            edits.extend(self.drop_update(cx, i, s));
            if !edits.is_empty() {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    "apk add without --no-cache",
                    Some(Fix::safe(edits)),
                ));
            }
        }
    }
}

impl ApkNoCache {
    /// Deletes `apk update` from a plain `&&` chain when nothing needs the index it fetches.
    fn drop_update(&self, cx: &Context<'_, '_>, i: usize, s: &Script) -> Vec<Edit> {
        let has_add = s
            .commands
            .iter()
            .any(|c| is_named(c, &["apk"]) && c.first_operand() == Some("add"));
        if !has_add
            || !s.is_plain_and_chain()
            || !only_add_del(s)
                && !s.commands.iter().all(|c| {
                    !is_named(c, &["apk"])
                        || matches!(c.first_operand(), Some("add" | "del" | "update"))
                })
        {
            return Vec::new();
        }
        let later_ok = cx.later_in_chain(i).iter().all(|&j| {
            let x = &cx.doc.instructions[j];
            match cx.script(j) {
                Some(t) => t
                    .commands
                    .iter()
                    .filter(|c| is_named(c, &["apk"]))
                    .all(|c| matches!(c.first_operand(), Some("add" | "del"))),
                None => {
                    !(x.is(Kind::Run) || x.is(Kind::Onbuild)) || !cx.text(&x.span).contains("apk")
                }
            }
        });
        if !later_ok {
            return Vec::new();
        }
        let mut edits = Vec::new();
        for (k, c) in s.commands.iter().enumerate() {
            if is_named(c, &["apk"]) && c.first_operand() == Some("update") {
                edits.extend(crate::shell::delete_command(s, k));
            }
        }
        edits
    }
}
