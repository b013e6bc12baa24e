//! Python with compiled extensions: a virtualenv built in the full image, copied onto the
//! slim one.

use super::*;

/// `python` (full image) that pip-installs: a virtualenv in the build stage, copied onto the slim
/// image with the application.
pub(super) fn python(cx: &Context<'_, '_>, image: &ImageRef, instrs: &[(usize, &Instr)]) -> Split {
    if image.tag_has("slim") || image.tag_has("alpine") {
        return Ok(None);
    }
    let Some(version) = image.tag.as_deref().filter(|t| {
        t.split('.').take(2).count() == 2 && t.chars().next().is_some_and(|c| c.is_ascii_digit())
    }) else {
        return Ok(None); // `python:3`/`latest`: the minor version must match in both stages
    };
    let Some(slim) = crate::facts::images::slim_tag("python", Some(version)) else {
        return Ok(None);
    };
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
            if matches!(name, "apt-get" | "apt") && c.first_operand() == Some("install") {
                let pkgs: Vec<&str> = c
                    .args()
                    .filter_map(|w| w.lit.as_deref())
                    .filter(|a| !a.starts_with('-') && *a != "install")
                    .collect();
                compiles |= pkgs
                    .iter()
                    .any(|p| matches!(*p, "gcc" | "g++" | "build-essential" | "make" | "cmake"));
                if let Some(p) = pkgs.iter().find(|p| !BUILD_ONLY.contains(p)) {
                    return Err(format!(
                        "a Python build that also installs `{p}` with apt: the runtime stage would need to know which packages it keeps; split it by hand"
                    ));
                }
            }
            let pip = name.starts_with("pip") || (name.starts_with("python") && c.has_arg("pip"));
            if pip && c.has_arg("install") {
                if c.has_arg("--user") {
                    return Ok(None);
                }
                first_pip.get_or_insert(ins);
            }
        }
    }
    // Only a build that compiles (it installs a compiler) pays for two stages; a pure-Python
    // install is better served by slim-base's single slim stage (measured: the split alone cost
    // more than it saved).
    if !compiles {
        return Ok(None);
    }
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
    let t = runtime_context(cx, instrs, &runtime, &workdir);
    let msg = format!(
        "builds and runs in one stage: packages go into a virtualenv, copied with `{workdir}` onto `{runtime}` (add the runtime libraries compiled extensions load, such as libpq5)"
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
