use super::cache_kept_for_later;
use super::mount_or_append;
use super::mounts_cache;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::has_option;
use crate::shell::insert_after_word;
use crate::shell::is_named;
use crate::shell::subcommand;
use crate::shell::{Script, SimpleCmd, basename, delete_command};

pub struct RpmCacheClean;

static META: Meta = Meta {
    code: "DO014",
    name: "rpm-cache-clean",
    summary: "yum/dnf/microdnf/zypper: -y and the cache cleaned in the same layer",
    safety: crate::Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3032", "DL3040", "DL3036", "DL3030", "DL3038", "DL3034"],
    docs: r#"## What it does
After `yum`, `dnf`, `microdnf` or `zypper` installs packages, appends `yum clean all`,
`dnf clean all`, `microdnf clean all` or `zypper clean --all` to the same RUN, and makes the
install non-interactive (`-y`, `zypper -n`). With `--cache-mounts` it mounts a BuildKit cache on
the package manager's cache directory instead.

## Why
These package managers keep repository metadata and downloaded packages under `/var/cache`
(often 100 MB or more). Cleaned in a later RUN, they still ship in the earlier layer.

## Example
```dockerfile
RUN yum install -y httpd
```
becomes
```dockerfile
RUN yum install -y httpd && yum clean all
```

In a RUN that cleans at its end, a clean-up before a later install of the same package manager
(`yum update && yum clean all && yum install -y x && yum clean all`, as merged RUNs read) is
dropped: the last one leaves the layer clean.

## Fix safety
Safe: a later install fetches the metadata again by itself; dropping an interim clean-up only
spares the next install that download. The cache is kept, and the pass
says so, when a later step installs from it alone (`yum -C`, `dnf --cacheonly`,
`zypper --no-refresh`).

## Facts it relies on
The analysed scripts of the RUN and of later RUNs that install from the cache alone. An appended cleanup waits for a merge of its RUN.
"#,
};

struct Manager {
    name: &'static str,
    clean: &'static str,
    cache: &'static str,
}

const MANAGERS: &[Manager] = &[
    Manager {
        name: "yum",
        clean: "yum clean all",
        cache: "/var/cache/yum",
    },
    Manager {
        name: "dnf",
        clean: "dnf clean all",
        cache: "/var/cache/dnf",
    },
    Manager {
        name: "microdnf",
        clean: "microdnf clean all",
        cache: "/var/cache/yum",
    },
    Manager {
        name: "zypper",
        clean: "zypper clean --all",
        cache: "/var/cache/zypp",
    },
];

const INSTALLS: &[&str] = &[
    "install",
    "in",
    "groupinstall",
    "update",
    "upgrade",
    "reinstall",
    "localinstall",
    "up",
    "dist-upgrade",
    "dup",
];

/// The script cleans `m`'s cache after its last install (a clean before it, as in `yum
/// update; yum clean all && yum install x`, leaves the install's cache behind).
fn cleans(s: &Script, m: &Manager) -> bool {
    let last_install = s
        .commands
        .iter()
        .rposition(|c| is_named(c, &[m.name]) && subcommand(c, INSTALLS).is_some())
        .unwrap_or(0);
    s.commands[last_install..].iter().any(|c| {
        (is_named(c, &[m.name])
            && c.args()
                .any(|w| matches!(w.lit.as_deref(), Some("clean" | "cc"))))
            || (c.name() == Some("rm") && c.args().any(|w| w.raw.starts_with(m.cache)))
    })
}

impl Pass for RpmCacheClean {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(s) = cx.script(i) else { continue };
            let mut yes: Vec<Edit> = Vec::new();
            let mut clean: Option<&Manager> = None;
            for m in MANAGERS {
                let installs: Vec<_> = s
                    .commands
                    .iter()
                    .filter(|c| c.name().map(basename) == Some(m.name))
                    .filter_map(|c| Some((c, subcommand(c, INSTALLS)?)))
                    .collect();
                if installs.is_empty() {
                    continue;
                }
                for (c, k) in &installs {
                    match m.name {
                        "yum" | "dnf" if !has_option(c, &["--assumeyes", "--yes"], &['y']) => {
                            yes.push(insert_after_word(c, *k, "-y"))
                        }
                        "zypper"
                            if !has_option(
                                c,
                                &["--non-interactive", "--no-confirm"],
                                &['n', 'y'],
                            ) =>
                        {
                            yes.push(insert_after_word(c, 0, "-n"))
                        }
                        _ => {}
                    }
                }
                if clean.is_none() && !cleans(s, m) && !mounts_cache(ins, m.cache) {
                    clean = Some(m);
                }
            }
            // Merged chains (`yum update && yum clean all && yum install x && yum clean all`)
            // clean twice: the interim clean only makes the next install fetch the metadata
            // again, the last one leaves the layer clean.
            if s.is_plain_and_chain() {
                let is_clean = |c: &SimpleCmd, m: &Manager| {
                    c.name().map(basename) == Some(m.name)
                        && c.args()
                            .any(|w| matches!(w.lit.as_deref(), Some("clean" | "cc")))
                        && !c.nested
                };
                let interim: Vec<usize> = MANAGERS
                    .iter()
                    .flat_map(|m| {
                        let cmds = &s.commands;
                        (0..cmds.len()).filter(move |&k| {
                            is_clean(&cmds[k], m)
                                && cmds[k + 1..].iter().enumerate().any(|(d, c)| {
                                    c.name().map(basename) == Some(m.name)
                                        && subcommand(c, INSTALLS).is_some()
                                        && cmds[k + 2 + d..].iter().any(|x| is_clean(x, m))
                                })
                        })
                    })
                    .collect();
                let edits: Option<Vec<Edit>> =
                    interim.iter().map(|&k| delete_command(s, k)).collect();
                if let Some(edits) = edits.filter(|e| !e.is_empty()) {
                    out.push(cx.finding(
                        &META,
                        ins.span.start,
                        "a clean-up before a later install of the same RUN, which cleans again at its end: the first is not needed",
                        Some(Fix::safe(edits)),
                    ));
                }
            }
            if !yes.is_empty() {
                out.push(cx.finding(
                    &META,
                    ins.span.start,
                    "package install made non-interactive",
                    Some(Fix::safe(yes)),
                ));
            }
            let Some(m) = clean else { continue };
            // The manager first: the finding names the cache after it.
            let tools = [m.name, "yum", "dnf", "microdnf", "zypper"];
            let long = ["--cacheonly", "--no-refresh"];
            if let Some(f) = cache_kept_for_later(cx, &META, i, &tools, &long, &['C']) {
                out.push(f);
                continue;
            }
            let mounts = [m.cache];
            out.extend(mount_or_append(
                cx,
                &META,
                i,
                s,
                m.name,
                &mounts,
                m.clean,
                Applicability::Safe,
            ));
        }
    }
}
