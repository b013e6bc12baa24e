//! .NET: `dotnet publish -o DIR` on the SDK image, the published folder onto the runtime image of
//! the same .NET version (ASP.NET Core's, which also runs console applications, unless the
//! project file says it is not a web project).

use super::*;

/// Programs a .NET build stage may run besides `dotnet` that leave nothing the runtime needs.
const HARMLESS: &[&str] = &["cd", "mkdir", "cp", "mv", "rm", "ls", "echo", "true"];

/// `mcr.microsoft.com/dotnet/sdk:X.Y` that publishes the application the start command runs
/// (`dotnet DIR/App.dll`).
pub(super) fn dotnet(cx: &Context<'_, '_>, image: &ImageRef, instrs: &[(usize, &Instr)]) -> Split {
    // `8.0`, `8.0-jammy`: the runtime images have the same tags. An SDK version (`8.0.100`)
    // names no runtime image.
    let Some(tag) = image.tag.as_deref().filter(|t| {
        let version = t.split('-').next().unwrap_or("");
        version.split('.').count() == 2 && version.split('.').all(|p| p.parse::<u32>().is_ok())
    }) else {
        return Err(format!(
            "the tag of `{}` is not MAJOR.MINOR, so the runtime image with the same .NET version is not known",
            cx.facts.stages[0].base.reference
        ));
    };
    let mut published: Option<(String, Option<String>)> = None;
    for (i, ins) in instrs {
        if !ins.is(Kind::Run) {
            continue;
        }
        let line = cx.doc.line_of(ins.span.start);
        let Some(script) = cx.script(*i) else {
            return Err(format!("the RUN at line {line} could not be read"));
        };
        for c in &script.commands {
            let name = c.name().map(basename).unwrap_or("");
            if HARMLESS.contains(&name) {
                continue;
            }
            if name != "dotnet" {
                return Err(format!(
                    "the RUN at line {line} runs `{name}`, whose effect the runtime stage would not have"
                ));
            }
            if c.first_operand() != Some("publish") {
                continue;
            }
            let words: Vec<&str> = c.args().map(|w| w.lit.as_deref().unwrap_or("$")).collect();
            if words.iter().any(|w| {
                matches!(*w, "-r" | "--runtime" | "--self-contained" | "--sc")
                    || w.starts_with("--runtime=")
                    || w.starts_with("-p:PublishSingleFile")
                    || w.starts_with("-p:PublishAot")
            }) {
                return Err(format!(
                    "the RUN at line {line} publishes for a runtime identifier or self-contained: its runtime image is not the shared-framework one"
                ));
            }
            let out = words
                .windows(2)
                .find(|w| matches!(w[0], "-o" | "--output"))
                .map(|w| w[1].to_string())
                .or_else(|| {
                    words
                        .iter()
                        .find_map(|w| w.strip_prefix("--output=").map(str::to_string))
                });
            let Some(out) = out else {
                return Err(format!(
                    "the RUN at line {line} runs `dotnet publish` without `-o`: where it puts the application depends on the project"
                ));
            };
            let Some(dir) = absolute(&out, cx.facts.instrs[*i].workdir.as_deref()) else {
                return Err(format!(
                    "cannot tell where `dotnet publish -o {out}` writes"
                ));
            };
            let project = words
                .iter()
                .find(|w| w.ends_with(".csproj") || w.ends_with(".fsproj"))
                .map(|w| w.to_string());
            published = Some((dir, project));
        }
    }
    let Some((dir, project)) = published else {
        return Ok(None);
    };
    let workdir = final_workdir(instrs);
    let start = instrs
        .iter()
        .rev()
        .find(|(_, i)| i.is(Kind::Entrypoint))
        .or_else(|| instrs.iter().rev().find(|(_, i)| i.is(Kind::Cmd)))
        .map(|(_, i)| *i);
    let words = start
        .and_then(|s| cx.doc.command_words(s))
        .unwrap_or_default();
    let dll = match words.as_slice() {
        [dotnet, dll, ..] if dotnet == "dotnet" => absolute(dll, workdir.as_deref()),
        _ => None,
    };
    if !dll.as_deref().is_some_and(|d| is_under(d, &dir)) {
        return Err(format!(
            "the start command does not run (`dotnet X.dll`) an assembly of `{dir}`, which `dotnet publish` writes"
        ));
    }
    // A project that is not a web project runs on the smaller .NET runtime image.
    let project_text = match &project {
        Some(p) => cx.build_context.read(p.trim_start_matches("./")),
        None => {
            let projects: Vec<String> = cx
                .build_context
                .entries("")
                .iter()
                .filter(|e| e.ends_with(".csproj") || e.ends_with(".fsproj"))
                .cloned()
                .collect();
            match projects.as_slice() {
                [one] => cx.build_context.read(one),
                _ => None,
            }
        }
    };
    let flavour = match project_text {
        Some(t) if !t.contains("Microsoft.NET.Sdk.Web") && t.contains("Microsoft.NET.Sdk") => {
            "runtime"
        }
        _ => "aspnet",
    };
    let runtime = format!("mcr.microsoft.com/dotnet/{flavour}:{tag}");
    let mut t = runtime_context(cx, instrs, &runtime, &workdir);
    t.insert("artefact", &dir);
    let msg = format!(
        "builds and runs in one stage: the runtime stage `{runtime}` gets `{dir}`, the published application, only"
    );
    Ok(Some(("dotnet", t, Vec::new(), msg)))
}
