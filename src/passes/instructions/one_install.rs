use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{SimpleCmd, basename};
use crate::syntax::Body;

pub struct OneInstall;

static META: Meta = Meta {
    code: "DO024",
    name: "one-install",
    summary: "Consecutive installs of one package manager in a RUN become one, packages sorted one per line",
    safety: Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Joins consecutive installs of the same package manager in one `RUN` chain
(`apt-get install -y curl && apt-get install -y git`) into one install with the packages sorted,
one per line, as Docker's guide writes them. System package managers (`apt-get`/`apt install`,
`apk add`, `dnf`/`yum`/`microdnf install`) are joined in safe mode; `pip install` only with
`--unsafe-fixes`.

## Why
One install resolves the packages together, once, and reads as the list it is: a reviewer sees
what the image gets, a sorted list shows duplicates and keeps diffs small when a package is
added.

## Example
```dockerfile
RUN apt-get update \
    && apt-get install -y python3 \
    && apt-get install -y curl
```
becomes
```dockerfile
RUN apt-get update \
    && apt-get install -y \
        curl \
        python3
```

## Fix safety
Safe for apt, apk and dnf/yum/microdnf when every install has the same options, all of them
flags (no option with a value such as `-t`, `-o` or `--virtual`), the same prefix assignments, and
plain package names: the package manager installs the same set in one transaction, and the
chain fails where it failed before. Unsafe for pip, whose resolver may pick other versions when
it sees the packages together. Left alone: an install between others in a pipe, a subshell, an
`if`, or with a comment line among the commands; packages named by a variable or a local file;
and no install is joined to one before it that installs a package source (`epel-release`,
`centos-release-scl`, `yum-utils`: what the later install finds comes from it).

## Facts it relies on
Which packages add a package source (a dated rule in `facts/packages.rs`); the analysed script (a plain `&&` chain, its commands and their words), per instruction whether
the shell is POSIX; the file's escape character and line endings.
"#,
};

/// The package managers whose installs are joined, with the flags (options without a value)
/// an install of each may carry, and whether joining them is safe.
const MANAGERS: &[(&str, &str, &[&str], bool)] = &[
    (
        "apt-get",
        "install",
        &[
            "-y",
            "--yes",
            "--assume-yes",
            "-q",
            "-qq",
            "--quiet",
            "--no-install-recommends",
            "--no-install-suggests",
            "--fix-missing",
            "-f",
            "--fix-broken",
            "--allow-unauthenticated",
            "--force-yes",
            "--allow-downgrades",
            "--allow-remove-essential",
            "--allow-change-held-packages",
            "--reinstall",
            "--no-upgrade",
            "--only-upgrade",
        ],
        true,
    ),
    (
        "apt",
        "install",
        &[
            "-y",
            "--yes",
            "-q",
            "-qq",
            "--no-install-recommends",
            "--no-install-suggests",
            "--fix-missing",
        ],
        true,
    ),
    (
        "apk",
        "add",
        &[
            "--no-cache",
            "--update",
            "-U",
            "--upgrade",
            "-u",
            "-q",
            "--quiet",
            "--no-progress",
        ],
        true,
    ),
    (
        "dnf",
        "install",
        &[
            "-y",
            "--assumeyes",
            "-q",
            "--quiet",
            "--setopt=install_weak_deps=False",
            "--nodocs",
            "--best",
            "--allowerasing",
        ],
        true,
    ),
    (
        "yum",
        "install",
        &[
            "-y",
            "--assumeyes",
            "-q",
            "--quiet",
            "--setopt=tsflags=nodocs",
            "--nogpgcheck",
        ],
        true,
    ),
    (
        "microdnf",
        "install",
        &[
            "-y",
            "--assumeyes",
            "--nodocs",
            "--setopt=install_weak_deps=0",
        ],
        true,
    ),
    (
        "pip",
        "install",
        &[
            "--no-cache-dir",
            "-U",
            "--upgrade",
            "-q",
            "--quiet",
            "--user",
            "--pre",
            "--no-compile",
            "--disable-pip-version-check",
            "--break-system-packages",
            "--ignore-installed",
            "--no-warn-script-location",
            "--progress-bar=off",
        ],
        false,
    ),
];

/// An install of one of `MANAGERS` that can be joined: its manager, the words before the
/// packages (name, subcommand and flags, in their order) and the packages.
struct Install<'c> {
    manager: usize,
    head: Vec<&'c str>,
    flags: Vec<&'c str>,
    packages: Vec<&'c str>,
}

fn install(c: &SimpleCmd) -> Option<Install<'_>> {
    let name = c.name()?;
    // pip3, pip3.11 are pip.
    let key = match basename(name) {
        n if crate::shell::is_pip(n) => "pip",
        n => n,
    };
    let manager = MANAGERS.iter().position(|(m, ..)| *m == key)?;
    let (_, sub, flags, _) = MANAGERS[manager];
    let words: Vec<&str> = c
        .args()
        .map(|w| w.lit.as_deref())
        .collect::<Option<Vec<_>>>()?;
    if words.iter().find(|w| !w.starts_with('-')) != Some(&sub) {
        return None;
    }
    let mut head = vec![name];
    let mut options = Vec::new();
    let mut packages = Vec::new();
    for w in words {
        if w.starts_with('-') {
            if !flags.contains(&w) {
                return None; // an option with a value, or one we do not know
            }
            options.push(w);
            head.push(w);
        } else if w == sub && packages.is_empty() && !head.contains(&sub) {
            head.push(w);
        } else if w.contains(['/', '$', '*', '?']) || w.starts_with('.') {
            return None; // a local file, a release path (`pkg/bookworm-backports`) or a glob
        } else if key != "pip" && w.contains(['[', '<', '>', '@']) {
            return None; // not a system package name
        } else {
            packages.push(w);
        }
    }
    if packages.is_empty() {
        return None;
    }
    options.sort_unstable();
    Some(Install {
        manager,
        head,
        flags: options,
        packages,
    })
}

impl Pass for OneInstall {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for (i, ins) in doc.instructions.iter().enumerate() {
            let Some(script) = cx.script(i) else { continue };
            if !cx.in_posix_stage(ins)
                || !ins.heredocs.is_empty()
                || !matches!(ins.body, Body::Shell(_))
                || !script.is_plain_and_chain()
            {
                continue;
            }
            let cmds = &script.commands;
            let mut k = 0;
            while k < cmds.len() {
                let first = match install(&cmds[k]) {
                    Some(f) if !cmds[k].nested && !cmds[k].piped => f,
                    _ => {
                        k += 1;
                        continue;
                    }
                };
                if first
                    .packages
                    .iter()
                    .any(|p| crate::facts::packages::adds_package_source(p))
                {
                    k += 1;
                    continue;
                }
                let prefix = &doc.text[cmds[k].span.start..cmds[k].words[0].span.start];
                let mut group = vec![(k, first)];
                let mut m = k + 1;
                while m < cmds.len() {
                    let c = &cmds[m];
                    let Some(next) = install(c).filter(|_| !c.nested && !c.piped) else {
                        break;
                    };
                    let (_, head) = &group[0];
                    let same = next.manager == head.manager
                        && next.flags == head.flags
                        && next.head[0] == head.head[0]
                        && &doc.text[c.span.start..c.words[0].span.start] == prefix;
                    if !same {
                        break;
                    }
                    // What an install of a package source makes available is only known
                    // once it is installed: the group ends with it.
                    let adds_source = next
                        .packages
                        .iter()
                        .any(|p| crate::facts::packages::adds_package_source(p));
                    group.push((m, next));
                    m += 1;
                    if adds_source {
                        break;
                    }
                }
                let joined = (group.len() > 1)
                    .then(|| join(cx, ins, &cmds[k], &cmds[m - 1], &group))
                    .flatten();
                out.extend(joined);
                k = m;
            }
        }
    }
}

/// The fix that writes the group's installs as one.
fn join(
    cx: &Context<'_, '_>,
    ins: &crate::syntax::Instr,
    first: &SimpleCmd,
    last: &SimpleCmd,
    group: &[(usize, Install<'_>)],
) -> Option<Finding> {
    let doc = cx.doc;
    let range = first.span.start..last.span.end;
    // A comment line among them would be lost.
    if doc.text[range.clone()]
        .lines()
        .skip(1)
        .any(|l| l.trim_start().starts_with('#'))
    {
        return None;
    }
    let mut packages: Vec<&str> = group.iter().flat_map(|(_, g)| g.packages.clone()).collect();
    packages.sort_unstable();
    packages.dedup();
    let indent = doc.indent_at(first.span.start);
    // One level deeper than the command's line, in its own kind of indentation.
    let indent = match indent.ends_with('\t') {
        true => format!("{indent}\t"),
        false => format!("{indent}    "),
    };
    let (nl, esc) = (doc.newline, doc.escape);
    let prefix = &doc.text[first.span.start..first.words[0].span.start];
    let mut text = format!("{prefix}{}", group[0].1.head.join(" "));
    for p in &packages {
        text.push_str(&format!(" {esc}{nl}{indent}{p}"));
    }
    let (manager, sub, _, safe) = MANAGERS[group[0].1.manager];
    let applicability = if safe {
        Applicability::Safe
    } else {
        Applicability::Unsafe
    };
    Some(cx.finding(
        &META,
        ins.span.start,
        format!(
            "{} `{manager} {sub}` commands in one RUN: one install of {} packages, sorted",
            group.len(),
            packages.len()
        ),
        Some(Fix::new(applicability, vec![Edit::replace(range, text)])),
    ))
}
