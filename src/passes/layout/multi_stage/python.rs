//! Python with compiled extensions: a virtualenv built in the full image, copied onto the
//! slim one.

use super::*;

/// `python` (full image) that pip-installs: a virtualenv in the build stage, copied onto the slim
/// image with the application.
pub(super) fn python(cx: &Context<'_, '_>, image: &ImageRef, instrs: &[(usize, &Instr)]) -> Split {
    // On a slim image that installs its compiler, the runtime is the same slim image.
    let slim_base = image.tag_has("slim");
    // `python:3`/`latest`: the minor version must match in both stages. Said only once the
    // stage is known to compile (below).
    let version = image.tag.as_deref().filter(|t| {
        t.split('.').take(2).count() == 2 && t.chars().next().is_some_and(|c| c.is_ascii_digit())
    });
    let slim = match (slim_base, version) {
        (true, Some(v)) => Some(v.to_string()),
        (false, Some(v)) => crate::facts::images::slim_tag("python", Some(v)),
        (_, None) => None,
    };
    let release = build_release_name(cx);
    // The runtime packages: what apt installs, without compilers and build tools, each -dev
    // package replaced by its runtime libraries; a later purge takes packages out again.
    let mut runtime_packages: Vec<String> = Vec::new();
    let mut first_pip = None;
    let mut compiles = false;
    for (i, ins) in instrs {
        let Some(script) = cx.script(*i) else {
            if ins.is(Kind::Run) && cx.text(&ins.span).contains("pip") {
                return Ok(None);
            }
            continue;
        };
        for c in &script.commands {
            let name = c.name().map(basename).unwrap_or("");
            compiles |= apt_runtime_packages(
                c,
                release.as_deref(),
                &image.name,
                &|p| BUILD_ONLY.contains(&p) || is_python_headers(p),
                &mut runtime_packages,
            )?;
            if name == "apk" && c.first_operand() == Some("add") {
                compiles |= c
                    .operands()
                    .iter()
                    .any(|p| matches!(*p, "gcc" | "g++" | "build-base" | "musl-dev" | "make"));
            }
            let pip = name.starts_with("pip") || (name.starts_with("python") && c.has_arg("pip"));
            if pip && c.has_arg("install") {
                if c.has_arg("--user") {
                    return Ok(None);
                }
                first_pip.get_or_insert(ins);
                // The image's own compiler builds the application's C extensions (setup.py in
                // the build context) or sdist-only packages its requirements name.
                if cx.facts.stages[0].base.has_compilers {
                    compiles |= c.has_arg(".") && local_extensions(cx);
                    compiles |= requirement_files(c)
                        .iter()
                        .filter_map(|f| cx.build_context.read(f))
                        .any(|r| names_source_only(&r));
                }
            }
        }
    }
    // Only a build that compiles (it installs a compiler) pays for two stages; a pure-Python
    // install is better served by slim-base's single slim stage (measured: the split alone cost
    // more than it saved).
    if !compiles {
        return Ok(None);
    }
    let slim = slim_runtime_tag(cx, image, slim, "Python")?;
    let Some(first_pip) = first_pip else {
        return Ok(None);
    };
    let Some(workdir) = final_workdir(instrs) else {
        return Ok(None); // no application folder to carry over: slim-base covers the base
    };
    let nl = cx.doc.newline;
    let at = cx
        .doc
        .lines
        .line_start(cx.doc.line_of(first_pip.span.start));
    let venv = format!("RUN python -m venv /opt/venv{nl}ENV PATH=\"/opt/venv/bin:$PATH\"{nl}");
    let runtime = format!("python:{slim}");
    keep_first(&mut runtime_packages);
    let mut t = runtime_context(cx, instrs, &runtime, &workdir);
    t.insert("packages", &runtime_packages);
    let with = match runtime_packages.is_empty() {
        true => String::new(),
        false => format!(" with `{}`", runtime_packages.join("`, `")),
    };
    let msg = format!(
        "builds and runs in one stage: packages go into a virtualenv, copied with `{workdir}` onto `{runtime}`{with}"
    );
    Ok(Some(("python", t, vec![Edit::insert(at, venv)], msg)))
}

/// apt packages only a build needs.
pub(super) const BUILD_ONLY: &[&str] = &[
    "gcc",
    "g++",
    "build-essential",
    "make",
    "cmake",
    "pkg-config",
    "git",
    "python3-dev",
];

/// Python's own headers: the official images carry them; a runtime never needs them.
fn is_python_headers(p: &str) -> bool {
    p == "python-dev" || (p.starts_with("python3") && p.ends_with("-dev") && !p.contains("-lib"))
}

/// The application's own C extensions: setup.py in the build context declares some.
fn local_extensions(cx: &Context<'_, '_>) -> bool {
    cx.build_context
        .read("setup.py")
        .is_some_and(|s| s.contains("Extension(") || s.contains("ext_modules"))
}

/// The files `pip install -r FILE` reads.
fn requirement_files(c: &crate::shell::SimpleCmd) -> Vec<String> {
    let words: Vec<&str> = c.args().filter_map(|w| w.lit.as_deref()).collect();
    words
        .windows(2)
        .filter(|w| matches!(w[0], "-r" | "--requirement"))
        .map(|w| w[1].trim_start_matches("./").to_string())
        .collect()
}

/// A requirements file that names a package PyPI has no wheels for (it compiles on install).
fn names_source_only(requirements: &str) -> bool {
    requirements.lines().any(|l| {
        let name: String = l
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        packages::PIP_SOURCE_ONLY.contains(&name.to_ascii_lowercase().replace('_', "-").as_str())
    })
}
