use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::basename;
use crate::syntax::Kind;

pub struct UnusedTools;

static META: Meta = Meta {
    code: "DO047",
    name: "unused-tools",
    summary: "Interactive and debugging tools installed in the image the application runs in, used by no instruction",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
In the final stage of an application image, names the packages of interactive and debugging
tools (`vim`, `nano`, `curl`, `wget`, `git`, `htop`, `strace`, `gdb`, `telnet`, `ping`, `dig`,
`netstat`, `tcpdump`, `lsof`, `jq`, `less`) that the stage installs with apt, apk, yum or dnf
and that no later instruction runs: no later `RUN`, `CMD`, `ENTRYPOINT` or `HEALTHCHECK` names
their commands. Also names `nginx` where the release has `nginx-light`, which is enough to
serve static files.

## Why
Each one adds megabytes (git brings perl, vim its runtime files) and attack surface to every
container that runs the image, for a convenience that `docker exec` into a debug image, or an
ephemeral debug container, gives without shipping it.

## Example
```dockerfile
FROM python:3.11-slim
RUN apt-get update && apt-get install -y vim curl git && rm -rf /var/lib/apt/lists/*
COPY . /app
CMD ["gunicorn", "app:app"]
```
gets: `vim`, `curl`, `git` are installed on line 2 and no later instruction runs them.

## Fix safety
A suggestion only: the application itself may run one of them (a `subprocess` call to `git`,
a shell script that curls), which only its author knows.

## Facts it relies on
The stage's role (an application, the final stage), its base's release (which has
`nginx-light`, a dated table), the analysed scripts of its RUNs (what they install and run), and
its start and health-check commands.
"#,
};

/// Tool packages and the commands they provide (checked against Debian's and Alpine's package
/// contents, 2026-12).
const TOOLS: &[(&str, &[&str])] = &[
    ("vim", &["vim", "vi"]),
    ("vim-tiny", &["vi", "vim.tiny"]),
    ("nano", &["nano"]),
    ("emacs", &["emacs"]),
    ("curl", &["curl"]),
    ("wget", &["wget"]),
    ("git", &["git"]),
    ("htop", &["htop"]),
    ("strace", &["strace"]),
    ("gdb", &["gdb"]),
    ("telnet", &["telnet"]),
    ("iputils-ping", &["ping"]),
    ("dnsutils", &["dig", "nslookup", "host"]),
    ("bind-tools", &["dig", "nslookup", "host"]),
    ("net-tools", &["netstat", "ifconfig", "route"]),
    ("tcpdump", &["tcpdump"]),
    ("lsof", &["lsof"]),
    ("jq", &["jq"]),
    ("less", &["less"]),
];

/// The words of an instruction's text, as command names might appear in it.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Pass for UnusedTools {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        let Some(last) = cx.application_stage() else {
            return;
        };
        // The chain of stages the final one is built on.
        let chain = doc.stage_chain(last);
        let instrs: Vec<usize> = (0..doc.instructions.len())
            .filter(|&i| {
                doc.instructions[i]
                    .stage
                    .is_some_and(|s| chain.contains(&s))
            })
            .collect();
        for (n, &i) in instrs.iter().enumerate() {
            let Some(script) = cx.script(i) else { continue };
            let installed: Vec<&str> = script
                .commands
                .iter()
                .filter(|c| {
                    let sub = c.first_operand();
                    matches!(
                        (c.name().map(basename), sub),
                        (Some("apt-get" | "apt" | "yum" | "dnf"), Some("install"))
                            | (Some("apk"), Some("add"))
                    )
                })
                .flat_map(|c| c.operands().into_iter().skip(1))
                .collect();
            // Run later: a command of a later RUN (or of this one) by that name, or a word of a
            // start or health-check command.
            let mut ran: Vec<String> = Vec::new();
            for &j in &instrs[n..] {
                let x = &doc.instructions[j];
                match x.kind {
                    Kind::Run => match cx.script(j) {
                        Some(sc) => ran.extend(
                            sc.commands
                                .iter()
                                .filter_map(|c| c.name().map(|n| basename(n).to_string())),
                        ),
                        // Not analysed (another shell, a heredoc): every word may be a command.
                        None => ran.extend(words_of(cx.text(&x.span))),
                    },
                    Kind::Cmd | Kind::Entrypoint | Kind::Healthcheck => {
                        ran.extend(words_of(cx.text(&x.span)))
                    }
                    _ => {}
                }
            }
            let runs = |cmd: &str| ran.iter().any(|r| r == cmd);
            let unused: Vec<&str> = TOOLS
                .iter()
                .filter(|(pkg, _)| installed.contains(pkg))
                .filter(|(_, cmds)| !cmds.iter().any(|c| runs(c)))
                .map(|(pkg, _)| *pkg)
                .collect();
            // nginx where the release has nginx-light: a static-file server needs no more.
            let release = cx.facts.stages[last]
                .base
                .release
                .as_ref()
                .map(|r| r.name.as_str());
            if installed.contains(&"nginx")
                && release
                    .is_some_and(|r| crate::facts::packages::NGINX_LIGHT_RELEASES.contains(&r))
            {
                out.push(cx.finding(
                    &META,
                    doc.instructions[i].span.start,
                    "`nginx` installs every module; where it serves static files, `nginx-light` (same release) is smaller and has what that needs".to_string(),
                    None,
                ));
            }
            if unused.is_empty() {
                continue;
            }
            let names: Vec<String> = unused.iter().map(|p| format!("`{p}`")).collect();
            out.push(cx.finding(
                &META,
                doc.instructions[i].span.start,
                format!(
                    "{} installed in the image the application runs in, and no later instruction runs {}: if the application does not call {}, leave {} out (debug with `docker exec` into a debug image instead)",
                    names.join(", "),
                    if unused.len() == 1 { "it" } else { "them" },
                    if unused.len() == 1 { "it" } else { "them" },
                    if unused.len() == 1 { "it" } else { "them" },
                ),
                None,
            ));
        }
    }
}
