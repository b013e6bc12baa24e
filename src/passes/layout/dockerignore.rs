use crate::syntax::Kind;
use std::path::Path;

use crate::fix::{Applicability, Fix, NewFile};
use crate::passes::{Context, Finding, Meta, Pass};

pub struct Dockerignore;

static META: Meta = Meta {
    code: "DO034",
    name: "dockerignore",
    summary: "A .dockerignore for the detected ecosystem when the whole context is copied",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
When the build context has no `.dockerignore` (nor `<Dockerfile>.dockerignore` beside the
Dockerfile) and the
Dockerfile copies the whole context (`COPY . …`), creates one with `--write` (shown as a new
file in the diff): version-control folders, editor files and `.env` files always; then what the
ecosystems found in the Dockerfile and the context leave behind: `__pycache__/`, `*.pyc` and
virtualenvs for Python, `node_modules/` and npm logs for Node, `target/` for Rust and Maven,
`.gradle/` and `build/` for Gradle, `*.test` and `*.out` for Go, object files and CMake's cache
for C and C++. An ecosystem counts when its tool is a word of an instruction (`cargo build` is
not Go; a comment does not count) or its manifest is in the context.

## Why
The whole context is sent to the builder and, with `COPY . .`, into the image: a 300 MB
`node_modules` or `.git` slows every build, busts the cache on every commit and can leak
secrets (`.env`) into the image.

## Example
A Python project with `COPY . .` and no `.dockerignore` gets one starting with
```text
.git
.env
__pycache__/
*.pyc
.venv/
```

## Fix safety
Unsafe: a file the image relied on may no longer be copied (an `.env` read at run time, a
`node_modules` built on the host). A pattern that would exclude a file the Dockerfile copies by
name is never written.

## Facts it relies on
The build context (its `.dockerignore` and `<Dockerfile>.dockerignore`, the manifests that reveal ecosystems) and the files the Dockerfile copies by name.
"#,
};

/// (ecosystem marker, patterns)
const GENERIC: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".idea/",
    ".vscode/",
    "**/.DS_Store",
    "*.swp",
    ".env",
    ".env.*",
];
const PYTHON: &[&str] = &[
    "__pycache__/",
    "*.py[cod]",
    ".venv/",
    "venv/",
    ".pytest_cache/",
    ".mypy_cache/",
    ".tox/",
    "*.egg-info/",
];
const NODE: &[&str] = &[
    "node_modules/",
    "npm-debug.log*",
    "yarn-error.log*",
    ".npm/",
    "coverage/",
];
const RUST: &[&str] = &["target/"];
const MAVEN: &[&str] = &["target/"];
const GRADLE: &[&str] = &[".gradle/", "build/"];
const GO: &[&str] = &["*.test", "*.out"];
/// Objects and libraries a host build left behind: the image builds its own.
const C: &[&str] = &["*.o", "*.obj", "*.a", "CMakeCache.txt", "CMakeFiles/"];

impl Pass for Dockerignore {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let ctx = cx.build_context;
        if !ctx.is_known() {
            return;
        }
        let doc = cx.doc;
        let copies_all = doc.instructions.iter().find(|i| {
            (i.is(Kind::Copy) || i.is(Kind::Add))
                && i.flag("from").is_none()
                && i.args.len() >= 2
                && i.args[..i.args.len() - 1]
                    .iter()
                    .any(|a| a.value == "." || a.value == "./")
        });
        let Some(copy) = copies_all else { return };
        // BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile before `.dockerignore`.
        let own = cx
            .settings
            .file_name
            .as_ref()
            .map(|n| format!("{n}.dockerignore"));
        if ctx.exists(".dockerignore") != Some(false)
            || own.is_some_and(|p| ctx.exists(&p) != Some(false))
        {
            return;
        }
        // The instructions only: a comment that names a tool does not bring its section.
        let text = doc
            .instructions
            .iter()
            .map(|i| cx.text(&i.span).to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        let has = |f: &str| ctx.exists(f) == Some(true);
        let mut patterns: Vec<&str> = GENERIC.to_vec();
        let mut sections = Vec::new();
        // Whole words only: `cargo build` does not mention `go`, nor `node_modules` node.
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
            .filter(|w| !w.is_empty())
            .collect();
        let says = |tools: &[&str]| {
            words.iter().any(|w| {
                tools.iter().any(|t| {
                    w.strip_prefix(t)
                        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
                })
            })
        };
        if says(&["pip", "python"]) || has("requirements.txt") || has("pyproject.toml") {
            sections.push(("Python", PYTHON));
        }
        if says(&["npm", "yarn", "pnpm", "node", "npx"]) || has("package.json") {
            sections.push(("Node", NODE));
        }
        if says(&["cargo"]) || has("Cargo.toml") {
            sections.push(("Rust", RUST));
        }
        if says(&["mvn", "mvnw"]) || has("pom.xml") {
            sections.push(("Maven", MAVEN));
        }
        if says(&["gradle", "gradlew"]) || has("build.gradle") || has("build.gradle.kts") {
            sections.push(("Gradle", GRADLE));
        }
        if says(&["go"]) || has("go.mod") {
            sections.push(("Go", GO));
        }
        if says(&["make", "cmake", "gcc", "g++", "cc", "clang"])
            || has("Makefile")
            || has("CMakeLists.txt")
        {
            sections.push(("C and C++", C));
        }
        // Never exclude what the Dockerfile names.
        let named: Vec<String> = doc
            .instructions
            .iter()
            .filter(|i| (i.is(Kind::Copy) || i.is(Kind::Add)) && i.flag("from").is_none())
            .flat_map(|i| {
                i.args[..i.args.len().saturating_sub(1)]
                    .iter()
                    .map(|a| a.value.trim_start_matches("./").to_string())
            })
            .filter(|v| v != "." && !v.is_empty())
            .collect();
        let keep = |p: &&str| !excludes_any(p, &named);
        let mut content =
            String::from("# Written by dockopt (DO034): what the build does not need to see.\n");
        patterns.retain(keep);
        for p in &patterns {
            content.push_str(p);
            content.push('\n');
        }
        let mut seen: Vec<&str> = patterns.clone();
        for (name, list) in sections {
            let fresh: Vec<&str> = list
                .iter()
                .copied()
                .filter(|p| !seen.contains(p))
                .filter(keep)
                .collect();
            if fresh.is_empty() {
                continue;
            }
            content.push_str(&format!("\n# {name}\n"));
            for p in fresh {
                content.push_str(p);
                content.push('\n');
                seen.push(p);
            }
        }
        out.push(cx.finding(
            &META,
            copy.span.start,
            "the whole context is copied and there is no .dockerignore: one leaving out what the build does not need",
            Some(Fix::create(
                Applicability::Unsafe,
                NewFile {
                    path: ".dockerignore".into(),
                    content,
                },
            )),
        ));
    }
}

/// Would `pattern` exclude any of the named sources (or the folders they are in)? Matched the
/// way `.gitignore`/`.dockerignore` patterns are, with the `ignore` crate; the pattern is
/// compiled once for all of them.
fn excludes_any(pattern: &str, named: &[String]) -> bool {
    if named.is_empty() {
        return false;
    }
    let Some(gi) = matcher(pattern) else {
        return true; // a pattern we cannot read is not written
    };
    named.iter().any(|named| {
        let path = Path::new("/").join(named.trim_start_matches('/').trim_end_matches('/'));
        // A named glob (`*.conf`) may match anything: keep patterns that could hit its folder.
        gi.matched_path_or_any_parents(&path, false).is_ignore()
            || gi.matched_path_or_any_parents(&path, true).is_ignore()
    })
}

/// The compiled matcher of one pattern, kept for this thread: the patterns are the same few
/// dozen for every Dockerfile, and compiling one (a regular expression) costs more than the
/// rest of the pass.
fn matcher(pattern: &str) -> Option<std::rc::Rc<ignore::gitignore::Gitignore>> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;
    type Matchers = RefCell<HashMap<String, Option<Rc<ignore::gitignore::Gitignore>>>>;
    thread_local! {
        static MATCHERS: Matchers = RefCell::new(HashMap::new());
    }
    let compile = || {
        let mut b = ignore::gitignore::GitignoreBuilder::new("/");
        b.add_line(None, pattern).ok()?;
        b.build().ok().map(Rc::new)
    };
    MATCHERS.with(|m| {
        if let Some(hit) = m.borrow().get(pattern) {
            return hit.clone();
        }
        let compiled = compile();
        let mut m = m.borrow_mut();
        // Patterns come from the pass's own lists and the file: a bound all the same.
        if m.len() >= 1024 {
            m.clear();
        }
        m.insert(pattern.to_string(), compiled.clone());
        compiled
    })
}

#[cfg(test)]
fn excludes(pattern: &str, named: &str) -> bool {
    excludes_any(pattern, &[named.to_string()])
}

#[cfg(test)]
mod tests {
    use super::excludes;

    #[test]
    fn named_sources_are_kept() {
        assert!(excludes("target/", "target/app.jar"));
        assert!(excludes(".env", ".env"));
        assert!(excludes(".env.*", ".env.production"));
        assert!(excludes("*.test", "pkg/x.test"));
        assert!(!excludes("target/", "src/main.rs"));
        assert!(!excludes(".env", "app.py"));
    }
}
