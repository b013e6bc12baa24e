use crate::facts::BuildContext;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct AddToCopy;

static META: Meta = Meta {
    code: "DO021",
    name: "add-to-copy",
    summary: "COPY instead of ADD for local files and folders",
    safety: Applicability::Safe,
    phase: crate::passes::Phase::Edit,
    hadolint: &["DL3020"],
    docs: r#"## What it does
Replaces `ADD` with `COPY` when every source is a local file or folder that `ADD` would not
unpack. URLs, git sources and archives stay `ADD`.

## Why
`ADD` has hidden behaviour: it downloads URLs and unpacks local tar archives. `COPY` does only
what it says, so a reader (and a reviewer) knows what lands in the image.

## Example
```dockerfile
ADD app.py /app/
```
becomes
```dockerfile
COPY app.py /app/
```

## Fix safety
Safe when the build context on disk shows that no source is an archive (by content, as `ADD`
decides), when the source is `.` or its name has an extension that is not an archive's, or when
a later instruction runs the copied file as a program (a RUN command, a script given to `sh`, the
ENTRYPOINT or CMD): an archive would have been unpacked into a folder there, which nothing can
run.
Unsafe when a source could be an archive that `ADD` unpacks: a glob without an extension, or a
name without an extension that is not in the context and not a well-known source-tree name
(`src`, `app`, `config`, `Gemfile`, ...). Skipped for URLs, `git@` sources, variables, heredocs and
ADD-only flags (`--checksum`, `--keep-git-dir`, `--unpack`).

## Facts it relies on
The build context (whether a source is a folder, or a file that is an archive by its first bytes);
the WORKDIR at the ADD and the later RUN scripts and start commands of its chain.
"#,
};

const ARCHIVE_EXT: &[&str] = &[
    ".tar", ".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".xz", ".txz", ".zst", ".tzst", ".lz4", ".z",
    ".lzma",
];
/// Names that are files or folders of a source tree, never archives.
const WELL_KNOWN: &[&str] = &[
    "gemfile",
    "rakefile",
    "procfile",
    "makefile",
    "dockerfile",
    "pipfile",
    "license",
    "readme",
    "src",
    "app",
    "apps",
    "bin",
    "lib",
    "config",
    "conf",
    "etc",
    "scripts",
    "script",
    "static",
    "public",
    "templates",
    "views",
    "docs",
    "www",
    "html",
    "web",
    "server",
    "client",
    "certs",
    "tools",
    "vendor",
    "assets",
    "test",
    "tests",
    "cmd",
    "pkg",
    "internal",
    "api",
    "root",
];
const COPY_FLAGS: &[&str] = &["chown", "chmod", "link", "exclude", "parents"];

/// Do these first bytes start an archive that ADD would unpack (gzip, bzip2, xz, zstd, tar)?
fn is_archive(head: &[u8]) -> bool {
    let (h, n) = (head, head.len());
    h.starts_with(&[0x1f, 0x8b])
        || h.starts_with(b"BZh")
        || h.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || h.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (n >= 262 && &h[257..262] == b"ustar")
}

/// Safe, Unsafe, or None (keep ADD) for one source.
fn source_safety(src: &str, context: &BuildContext) -> Option<Applicability> {
    let lower = src.to_ascii_lowercase();
    if lower.contains("://")
        || lower.starts_with("git@")
        || src.contains('$')
        || src.starts_with('<')
    {
        return None;
    }
    let rel = src.trim_start_matches('/');
    if context.is_dir(rel) {
        return Some(Applicability::Safe);
    }
    if let Some(head) = context.head(rel, 512).filter(|_| context.is_file(rel)) {
        return (!is_archive(&head)).then_some(Applicability::Safe);
    }
    let name = src
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(src)
        .to_ascii_lowercase();
    if ARCHIVE_EXT.iter().any(|e| name.ends_with(e)) {
        return None;
    }
    // A name with an extension that is not an archive's (`*.jar` included) is not unpacked.
    // `.bashrc` has no extension; `.install.sh` has one.
    let stem = name.strip_prefix('.').unwrap_or(&name);
    let has_plain_ext = stem.contains('.') && !name.ends_with('*');
    if src == "." || src.ends_with('/') || has_plain_ext || WELL_KNOWN.contains(&name.as_str()) {
        return Some(Applicability::Safe);
    }
    Some(Applicability::Unsafe)
}

/// The line of a later instruction that runs `path` as a program (a RUN command, a script given
/// to a shell, the start command): an archive ADD unpacked there would be a folder, which
/// neither the build nor the container could run.
fn run_as_program(cx: &Context<'_, '_>, add: usize, path: &str) -> Option<usize> {
    let shells = ["sh", "bash", "ash", "dash", "source", "."];
    cx.later_in_chain(add).into_iter().find_map(|j| {
        let ins = &cx.doc.instructions[j];
        let runs = match ins.kind {
            Kind::Run => cx.script(j).is_some_and(|script| {
                script.commands.iter().any(|c| {
                    c.name() == Some(path)
                        || (c
                            .name()
                            .is_some_and(|n| shells.contains(&crate::shell::basename(n)))
                            && c.first_operand() == Some(path))
                })
            }),
            Kind::Entrypoint | Kind::Cmd => cx
                .doc
                .command_words(ins)
                .is_some_and(|w| w.first().map(String::as_str) == Some(path)),
            _ => false,
        };
        runs.then(|| cx.doc.line_of(ins.span.start))
    })
}

impl Pass for AddToCopy {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let context = cx.build_context;
        for (i, ins) in cx.doc.instructions.iter().enumerate() {
            if !ins.is(Kind::Add) {
                continue;
            }
            if !ins.heredocs.is_empty() || ins.args.len() < 2 {
                continue;
            }
            if ins
                .flags
                .iter()
                .any(|f| !COPY_FLAGS.contains(&f.name.to_ascii_lowercase().as_str()))
            {
                continue;
            }
            let sources = &ins.args[..ins.args.len() - 1];
            let dest = &ins.args[ins.args.len() - 1].value;
            let cwd = cx.facts.instrs[i].workdir.as_deref();
            // A source run as a program where it lands is a file, not an archive.
            let program = |src: &str| {
                crate::facts::copy_landing(src, dest, sources.len(), cwd)
                    .and_then(|p| run_as_program(cx, i, &p))
            };
            let safety = |src: &str| match source_safety(src, context) {
                Some(Applicability::Unsafe) if program(src).is_some() => Some(Applicability::Safe),
                other => other,
            };
            let Some(applicability) = sources.iter().map(|s| safety(&s.value)).min().flatten()
            else {
                continue;
            };
            let copy = cx.doc.keyword_like(ins, "COPY");
            let message = match sources
                .iter()
                .find(|s| safety(&s.value) == Some(Applicability::Unsafe))
            {
                Some(doubt) => format!(
                    "ADD of local files: COPY says what it does, if `{}` is not a tar archive (ADD would unpack it)",
                    doubt.value
                ),
                None => match sources.iter().find_map(|s| {
                    (source_safety(&s.value, context) == Some(Applicability::Unsafe))
                        .then(|| program(&s.value).map(|line| (s, line)))
                        .flatten()
                }) {
                    Some((s, line)) => format!(
                        "ADD of local files: COPY says what it does (`{}` is run as a program on line {line}, so it is no archive ADD would unpack)",
                        s.value
                    ),
                    None => "ADD of local files: COPY says what it does".to_string(),
                },
            };
            out.push(cx.finding(
                &META,
                ins.span.start,
                message,
                Some(Fix::new(
                    applicability,
                    vec![Edit::replace(ins.keyword_span.clone(), copy)],
                )),
            ));
        }
    }
}
