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
decides); when the source is `.`, ends in `/` or `/.`, or its name has an extension that is not an
archive's (after variables too: `target/${APP}-${VERSION}.jar`); when a later instruction runs the
copied file as a program (a RUN command, a script given to `sh`, the ENTRYPOINT or CMD); or when
the one source lands at a path that holds one file (`/etc/init.d/NAME`, `/etc/ssh/sshd_config`,
`/root/.bashrc`, a runit `run` script, a program in `/usr/local/bin`: a dated table) or under a
file's name (`/tmp/requirements.txt`): an archive would have been unpacked into a folder there,
which nothing could run or read.
Unsafe when a source could be an archive that `ADD` unpacks: a glob without an extension, or a
name without an extension that is not in the context and not a well-known name of a source
tree, build output or file (`src`, `dist`, `wheelhouse`, `data`, `Gemfile`, `authorized_keys`,
`Dockerfile-dev`, ...). Skipped for URLs, `git@` sources, names that start or end
in a variable, heredocs and
ADD-only flags (`--checksum`, `--keep-git-dir`, `--unpack`).

## Facts it relies on
The build context (whether a source is a folder, or a file that is an archive by its first bytes);
the WORKDIR at the ADD and the later RUN scripts and start commands of its chain; the table of
paths that hold one file (`facts::paths`).
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
    // Build outputs and dependency folders, named by their tools' conventions: webpack, Vite
    // and setuptools (`dist`), make and Gradle (`build`), Maven and Cargo (`target`), `pip
    // wheel -w wheelhouse`, `npm install` (`node_modules`), Django (`migrations`).
    "dist",
    "build",
    "target",
    "out",
    "wheelhouse",
    "node_modules",
    "migrations",
    // Data and assets of an application. (Not `rootfs`: a root file system is as often
    // a tarball ADD is meant to unpack as an overlay folder.)
    "data",
    "resources",
    "res",
    "css",
    "js",
    "fonts",
    // OpenSSH's own file names: keys and lists it reads as text files.
    "authorized_keys",
    "known_hosts",
    "id_rsa",
    "id_ecdsa",
    "id_ed25519",
    // A release's version number, one line of text.
    "version",
];
/// Beginnings of Dockerfile names (`Dockerfile-dev`, `Dockerfile_prod`, as discovery finds
/// them): text files, never archives.
const DOCKERFILE_PREFIXES: &[&str] = &["dockerfile-", "dockerfile_"];
/// Extensions of file names that are not archives (2026-12): a destination named so is one
/// file of that kind, not a folder that an unpacked archive would make.
const FILE_EXT: &[&str] = &[
    ".txt",
    ".conf",
    ".cfg",
    ".cnf",
    ".ini",
    ".json",
    ".yml",
    ".yaml",
    ".toml",
    ".xml",
    ".properties",
    ".env",
    ".lock",
    ".jar",
    ".war",
    ".ear",
    ".py",
    ".sh",
    ".bash",
    ".rb",
    ".pl",
    ".php",
    ".js",
    ".mjs",
    ".html",
    ".htm",
    ".css",
    ".sql",
    ".pem",
    ".crt",
    ".key",
    ".service",
    ".list",
    ".repo",
    ".rpm",
    ".deb",
    ".whl",
    ".md",
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

/// The extension of a file name (`.jar` of `app-1.0.jar`, `.sh` of `.install.sh`; none for
/// `.bashrc` or `Makefile`), lowercase.
fn extension(name: &str) -> Option<String> {
    let stem = name.strip_prefix('.').unwrap_or(name);
    let (_, ext) = stem.rsplit_once('.')?;
    (!ext.is_empty()).then(|| format!(".{}", ext.to_ascii_lowercase()))
}

/// The literal end of the last path component of a source that uses variables: what follows
/// the last `${…}` or `$NAME` (`.jar` of `target/${APP}-${VERSION}.jar`), which no value of
/// the variables changes. `None` when the source does not start with a literal folder (a
/// variable there could hold a URL, which ADD downloads) or its name ends in a variable.
fn literal_suffix(src: &str) -> Option<&str> {
    let (prefix, _) = src.split_once('$')?;
    if !prefix.contains('/') {
        return None;
    }
    let name = src.rsplit('/').next()?;
    let last = name.rfind('$')?;
    let rest = &name[last + 1..];
    let suffix = match rest.strip_prefix('{') {
        Some(braced) => &braced[braced.find('}')? + 1..],
        None => rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    };
    (!suffix.is_empty()).then_some(suffix)
}

/// Safe, Unsafe, or None (keep ADD) for one source.
fn source_safety(src: &str, context: &BuildContext) -> Option<Applicability> {
    let lower = src.to_ascii_lowercase();
    if lower.contains("://") || lower.starts_with("git@") || src.starts_with('<') {
        return None;
    }
    if src.contains('$') {
        // Only the literal end of the name is known: its extension says what the file is.
        let suffix = literal_suffix(src)?;
        let ext = suffix[suffix.rfind('.')?..].to_ascii_lowercase();
        let plain = ext.len() > 1 && !ARCHIVE_EXT.contains(&ext.as_str()) && !suffix.ends_with('*');
        return plain.then_some(Applicability::Safe);
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
    // `dir/` and `dir/.` name folders: ADD copies a folder's contents and unpacks nothing.
    if src == "."
        || src.ends_with('/')
        || src.ends_with("/.")
        || has_plain_ext
        || WELL_KNOWN.contains(&name.as_str())
        || DOCKERFILE_PREFIXES.iter().any(|p| name.starts_with(p))
    {
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
            let landing = |src: &str| crate::facts::copy_landing(src, dest, sources.len(), cwd);
            // Why a source whose name does not say it is a file, not an archive: it is run as
            // a program where it lands, or it lands at a path that holds one file (an archive
            // would be unpacked into a folder there, which neither could use).
            let file_evidence = |src: &str| -> Option<String> {
                let path = landing(src)?;
                if let Some(line) = run_as_program(cx, i, &path) {
                    return Some(format!("is run as a program on line {line}"));
                }
                let names_file = sources.len() == 1
                    && !dest.ends_with('/')
                    && !matches!(dest.rsplit('/').next(), Some("." | ".." | ""));
                let name = path.rsplit('/').next().unwrap_or_default();
                if names_file && crate::facts::paths::is_file_slot(&path) {
                    return Some(format!("lands at `{path}`, a path that holds one file"));
                }
                (names_file && extension(name).is_some_and(|e| FILE_EXT.contains(&e.as_str())))
                    .then(|| format!("lands as `{name}`, a file's name"))
            };
            let safety = |src: &str| match source_safety(src, context) {
                Some(Applicability::Unsafe) if file_evidence(src).is_some() => {
                    Some(Applicability::Safe)
                }
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
                        .then(|| file_evidence(&s.value).map(|why| (s, why)))
                        .flatten()
                }) {
                    Some((s, why)) => format!(
                        "ADD of local files: COPY says what it does (`{}` {why}, so it is no archive ADD would unpack)",
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
