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
decides), or when the source is `.` or its name has an extension that is not an archive's.
Unsafe when a source could be an archive that `ADD` unpacks: a glob without an extension, or a
name without an extension that is not in the context and not a well-known source-tree name
(`src`, `app`, `config`, `Gemfile`, ...). Skipped for URLs, `git@` sources, variables, heredocs and
ADD-only flags (`--checksum`, `--keep-git-dir`, `--unpack`).

## Facts it relies on
The build context (whether a source is a folder, or a file that is an archive by its first bytes).
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
    let has_plain_ext = name.contains('.') && !name.starts_with('.') && !name.ends_with('*');
    if src == "." || src.ends_with('/') || has_plain_ext || WELL_KNOWN.contains(&name.as_str()) {
        return Some(Applicability::Safe);
    }
    Some(Applicability::Unsafe)
}

impl Pass for AddToCopy {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let context = cx.build_context;
        for ins in cx.doc.instructions.iter().filter(|i| i.is(Kind::Add)) {
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
            let Some(applicability) = sources
                .iter()
                .map(|s| source_safety(&s.value, context))
                .min()
                .flatten()
            else {
                continue;
            };
            let kw = cx.text(&ins.keyword_span);
            let copy = if kw.chars().all(|c| c.is_ascii_lowercase()) {
                "copy"
            } else {
                "COPY"
            };
            let message = match sources
                .iter()
                .find(|s| source_safety(&s.value, context) == Some(Applicability::Unsafe))
            {
                Some(doubt) => format!(
                    "ADD of local files: COPY says what it does, if `{}` is not a tar archive (ADD would unpack it)",
                    doubt.value
                ),
                None => "ADD of local files: COPY says what it does".to_string(),
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
