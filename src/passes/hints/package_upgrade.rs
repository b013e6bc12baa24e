use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::basename;

pub struct PackageUpgrade;

static META: Meta = Meta {
    code: "DO043",
    name: "package-upgrade",
    summary: "apt-get upgrade / dist-upgrade, apk upgrade, yum/dnf update of every package",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3005"],
    docs: r#"## What it does
Warns about upgrading every installed package inside the build (`apt-get upgrade`,
`apt-get dist-upgrade`, `apk upgrade`, `yum update`/`dnf upgrade` without package names).

## Why
The base image's packages are replaced in a new layer (the old ones stay in the base layer: the
image grows), and what gets installed depends on the day of the build. A newer base image tag
brings the same fixes reproducibly.

## Example
```dockerfile
RUN apt-get update && apt-get upgrade -y
```
should rebuild on a fresh base (`docker build --pull`) instead.

## Fix safety
A suggestion only: some images need a security fix their base does not have yet.

## Facts it relies on
The analysed scripts.
"#,
};

impl Pass for PackageUpgrade {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            let Some(script) = cx.script(i) else { continue };
            let upgrade = script.commands.iter().find_map(|c| {
                let name = basename(c.name()?);
                let ops: Vec<&str> = c
                    .args()
                    .filter_map(|w| w.lit.as_deref())
                    .filter(|a| !a.starts_with('-'))
                    .collect();
                let whole = match (name, ops.as_slice()) {
                    ("apt-get" | "apt", [sub, ..]) => {
                        matches!(*sub, "upgrade" | "dist-upgrade" | "full-upgrade")
                    }
                    ("apk", ["upgrade", rest @ ..]) => rest.is_empty(),
                    ("yum" | "dnf" | "microdnf", [sub, rest @ ..]) => {
                        matches!(*sub, "update" | "upgrade") && rest.is_empty()
                    }
                    _ => false,
                };
                whole.then(|| format!("{name} {}", ops[0]))
            });
            if let Some(cmd) = upgrade {
                out.push(cx.finding(&META, ins.span.start, format!("`{cmd}` upgrades every package in a new layer: rebuild on a newer base image instead"), None));
            }
        }
    }
}
