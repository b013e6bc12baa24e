//! The runtime stage: the stack's template rendered with what the build stage carries over
//! (ENV, LABEL, WORKDIR, ports, start command) and appended to the file.

use super::*;

pub(super) static TEMPLATES: &[(&str, &str)] = &[
    (
        "go",
        include_str!("../../../../templates/multi-stage/go.tera"),
    ),
    (
        "rust",
        include_str!("../../../../templates/multi-stage/rust.tera"),
    ),
    (
        "c",
        include_str!("../../../../templates/multi-stage/c.tera"),
    ),
    (
        "maven",
        include_str!("../../../../templates/multi-stage/maven.tera"),
    ),
    (
        "gradle",
        include_str!("../../../../templates/multi-stage/gradle.tera"),
    ),
    (
        "node",
        include_str!("../../../../templates/multi-stage/node.tera"),
    ),
    (
        "native",
        include_str!("../../../../templates/multi-stage/native.tera"),
    ),
    (
        "node-app",
        include_str!("../../../../templates/multi-stage/node-app.tera"),
    ),
    (
        "python",
        include_str!("../../../../templates/multi-stage/python.tera"),
    ),
    (
        "ruby",
        include_str!("../../../../templates/multi-stage/ruby.tera"),
    ),
    (
        "dotnet",
        include_str!("../../../../templates/multi-stage/dotnet.tera"),
    ),
];

/// Renders the stack's template and appends it as the runtime stage, naming the first stage
/// `build` when it has no name. `edits` are the fix's other edits (to the build stage).
pub(super) fn append_stage(
    cx: &Context<'_, '_>,
    from: &Instr,
    stack: &str,
    mut tctx: tera::Context,
    mut edits: Vec<Edit>,
    message: String,
    out: &mut Vec<Finding>,
) {
    let doc = cx.doc;
    let builder = from
        .args
        .get(1)
        .map_or_else(|| "build".to_string(), |n| n.value.clone());
    tctx.insert("builder", &builder);
    tctx.insert("esc", &doc.escape.to_string());
    let template = TEMPLATES
        .iter()
        .find(|(n, _)| *n == stack)
        .map(|(_, t)| *t)
        .expect("a template per stack");
    let rendered = match tera::Tera::default().render_str(template, &tctx, false) {
        Ok(r) => r,
        Err(e) => {
            out.push(cx.finding(
                &META,
                from.span.start,
                format!("internal error rendering the {stack} template: {e}"),
                None,
            ));
            return;
        }
    };
    let nl = doc.newline;
    let mut stage = format!("{}\n", rendered.trim_matches('\n'));
    if nl != "\n" {
        stage = stage.replace('\n', nl);
    }
    if from.args.get(1).is_none() {
        let as_kw = cx.doc.keyword_like(from, "AS");
        edits.push(Edit::insert(
            from.args[0].span.end,
            format!(" {as_kw} {builder}"),
        ));
    }
    let lead = if doc.text.ends_with("\n\n") || doc.text.ends_with("\n\r\n") {
        String::new()
    } else if doc.text.ends_with('\n') {
        nl.to_string()
    } else {
        format!("{nl}{nl}")
    };
    // The stage ends the file; drop the template's last line break if the file had none.
    let body = if doc.text.ends_with('\n') {
        stage
    } else {
        stage.trim_end_matches(['\r', '\n']).to_string()
    };
    edits.push(Edit::insert(doc.text.len(), format!("{lead}{body}")));
    out.push(cx.finding(
        &META,
        from.span.start,
        message,
        Some(Fix::new(Applicability::Unsafe, edits)),
    ));
}

/// What an interpreted-language split needs: the template, its context, the edits to the build
/// stage, and the message. `Ok(None)`: nothing to say.
pub(super) type Split = Result<Option<(&'static str, tera::Context, Vec<Edit>, String)>, String>;

/// The WORKDIR at the end of the stage (absolute), if known.
pub(super) fn final_workdir(instrs: &[(usize, &Instr)]) -> Option<String> {
    let mut cwd: Option<String> = Some("/".into());
    for (_, ins) in instrs.iter().filter(|(_, i)| i.is(Kind::Workdir)) {
        cwd = absolute(&ins.args.first()?.value, cwd.as_deref());
    }
    cwd.filter(|c| c != "/")
}

/// The instructions the runtime stage repeats after its files, in the build stage's order.
pub(super) const TAIL_KINDS: &[Kind] = &[
    Kind::Expose,
    Kind::Stopsignal,
    Kind::Volume,
    Kind::User,
    Kind::Entrypoint,
    Kind::Cmd,
];

/// The template context every runtime stage starts from: its base, the WORKDIR, and the
/// build stage's ENV/LABEL lines (carried) and start and port lines (tail).
pub(super) fn runtime_context(
    cx: &Context<'_, '_>,
    instrs: &[(usize, &Instr)],
    runtime: &str,
    workdir: &impl serde::Serialize,
) -> tera::Context {
    // ENV lines that set only what build tools read stay in the build stage.
    let build_only = |i: &Instr| {
        i.is(Kind::Env)
            && !i.args.is_empty()
            && i.args.iter().all(|a| {
                let name = a.value.split('=').next().unwrap_or("");
                crate::facts::tools::BUILD_ONLY_ENV.contains(&name)
            })
    };
    let carried: Vec<&str> = instrs
        .iter()
        .filter(|(_, i)| (i.is(Kind::Env) || i.is(Kind::Label)) && !build_only(i))
        .map(|(_, i)| cx.text(&i.span))
        .collect();
    let tail: Vec<&str> = instrs
        .iter()
        .filter(|(_, i)| TAIL_KINDS.contains(&i.kind))
        .map(|(_, i)| cx.text(&i.span))
        .collect();
    let mut t = tera::Context::new();
    t.insert("runtime", runtime);
    t.insert("carried", &carried);
    t.insert("tail", &tail);
    t.insert("workdir", workdir);
    t
}

/// The release name of the build stage's base (`bookworm`), when the facts know it.
pub(super) fn build_release_name(cx: &Context<'_, '_>) -> Option<String> {
    cx.facts.stages[0]
        .base
        .release
        .as_ref()
        .map(|r| r.name.clone())
}

/// The slim tag a language route runs on, or why there is none: Alpine builds (no -dev package
/// table), or no slim tag with the same `language` version and release.
pub(super) fn slim_runtime_tag(
    cx: &Context<'_, '_>,
    image: &ImageRef,
    slim: Option<String>,
    language: &str,
) -> Result<String, String> {
    let written = &cx.facts.stages[0].base.reference;
    if image.tag_has("alpine") {
        return Err(format!(
            "`{written}` is Alpine: the runtime libraries of its -dev packages are not in the package table, which holds Debian's and Ubuntu's"
        ));
    }
    slim.ok_or(format!(
        "no slim tag of `{written}` with the same {language} version and release is known for the runtime"
    ))
}
