//! pip, uv and Poetry: requirement files and what they include, static pyproject.toml
//! dependencies, and the dependencies-only step of `uv sync` / `poetry install`.

use super::*;

pub(super) fn pip_subcommand(c: &SimpleCmd) -> Option<usize> {
    let name = basename(c.name()?);
    let lits: Vec<Option<&str>> = c.words.iter().map(|w| w.lit.as_deref()).collect();
    let start = if crate::shell::is_pip(name) {
        1
    } else if name.starts_with("python")
        && lits.get(1) == Some(&Some("-m"))
        && lits.get(2) == Some(&Some("pip"))
    {
        3
    } else {
        return None;
    };
    (start..lits.len()).find(|&k| lits[k].is_some_and(|a| !a.starts_with('-')))
}

/// Options whose value is the next word (so that value is not a package).
pub(super) const PIP_VALUE_OPTS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--target",
    "-t",
    "--prefix",
    "--root",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--timeout",
    "--retries",
    "--proxy",
    "--cert",
    "--progress-bar",
];

/// pip: by name (independent) or `-r`/`-c` files (manifests, with what they include).
pub(super) fn pip(c: &SimpleCmd, cx: &Ctx<'_>) -> Result<Option<Vec<String>>, String> {
    let k = pip_subcommand(c).expect("checked");
    if c.words[k].lit.as_deref() != Some("install") {
        return Err("pip subcommand other than install".into());
    }
    install_args(&literal_words(&c.words[k + 1..]), cx, PIP_VALUE_OPTS)
}

/// The arguments of `pip install` or `uv pip install`: packages by name (independent), or
/// requirement files (manifests); anything else reads the source.
pub(super) fn install_args(
    words: &[&str],
    cx: &Ctx<'_>,
    value_opts: &[&str],
) -> Result<Option<Vec<String>>, String> {
    let mut files = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let file_opt = |o: &str| {
            matches!(
                o,
                "-r" | "--requirement"
                    | "--requirements"
                    | "-c"
                    | "--constraint"
                    | "--constraints"
                    | "--override"
                    | "--overrides"
                    | "-b"
                    | "--build-constraint"
                    | "--build-constraints"
            )
        };
        if file_opt(w) {
            let f = words.get(i + 1).ok_or("`-r` without a file")?;
            files.push(f.to_string());
            i += 2;
            continue;
        }
        // An option with its value attached: `--requirement=x`, or a short one, `-rx`.
        let attached = match split_option(w, None) {
            (o, Some(v)) => Some((o, v)),
            _ => None,
        };
        let option = attached.map_or(w, |(o, _)| o);
        // A bundle of flags (`-qU`) may end in one that takes a value (`-qr file`).
        let bundle_takes_value = w.starts_with('-')
            && !w.starts_with("--")
            && w.len() > 2
            && !value_opts.contains(&option)
            && !file_opt(option)
            && option != "-e"
            && w[2..].contains(['r', 'c', 'b', 'e', 'i', 'f', 't', 'p', 'C', 'P']);
        if bundle_takes_value {
            return Err(format!(
                "`{w}`: a bundle of options this pass does not read"
            ));
        }
        let value = attached.map(|(_, v)| v).or_else(|| {
            value_opts
                .contains(&w)
                .then(|| words.get(i + 1).copied())
                .flatten()
        });
        if let Some(why) = local_source(option, value) {
            return Err(why);
        }
        if matches!(option, "-e" | "--editable") {
            return Err("pip installs the project itself (`-e`)".into());
        } else if option == "--group" {
            return Err("`--group` reads the project's pyproject.toml".into());
        } else if let Some((_, f)) = attached.filter(|(o, _)| file_opt(o)) {
            files.push(f.to_string());
        } else if attached.is_none() && value_opts.contains(&w) {
            i += 1;
        } else if !w.starts_with('-') && !is_package_name(w) {
            return Err(format!("pip installs `{w}` from the source"));
        }
        i += 1;
    }
    if files.is_empty() {
        return Ok(None);
    }
    requirement_files(files, cx).map(Some)
}

/// Why an install option makes pip read the build context: packages found in a local folder
/// (`--find-links ./wheels`), a local index, or files written under the working folder, where
/// the source COPY lands (`--target lib`).
pub(super) fn local_source(option: &str, value: Option<&str>) -> Option<String> {
    let value = value?;
    let remote = value.contains("://") && !value.starts_with("file:");
    match option {
        "-f" | "--find-links" | "-i" | "--index-url" | "--extra-index-url" | "--index"
        | "--default-index"
            if !remote =>
        {
            Some(format!(
                "`{option} {value}` reads packages from the build context"
            ))
        }
        "-t" | "--target" | "--prefix" | "--root" if !value.starts_with('/') => Some(format!(
            "`{option} {value}` installs into the folder the source is copied to"
        )),
        _ => None,
    }
}

/// uv: `uv pip install`/`sync` like pip; `uv sync --no-install-project` from pyproject.toml and
/// uv.lock; tools and Pythons by name.
pub(super) fn uv(c: &SimpleCmd, cx: &Ctx<'_>) -> Result<Option<Vec<String>>, String> {
    let (subs, k) = uv_subcommand(c).ok_or("`uv` reads the project")?;
    let rest = literal_words(&c.words[k + 1..]);
    let operands: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    match subs.as_slice() {
        ["pip", "install"] => install_args(&rest, cx, UV_VALUE_OPTS),
        ["pip", "sync"] => {
            if operands.is_empty() || rest.iter().any(|w| UV_VALUE_OPTS.contains(w)) {
                return Err("`uv pip sync` with options this pass does not read".into());
            }
            requirement_files(operands.iter().map(|f| f.to_string()).collect(), cx).map(Some)
        }
        ["sync"] => uv_sync(&rest, cx).map(Some),
        ["venv"]
            if rest
                .iter()
                .any(|w| *w == "--python" || *w == "-p" || w.starts_with("--python=")) =>
        {
            Ok(None)
        }
        ["venv"] => {
            Err("`uv venv` picks its Python from the project's files (give `--python`)".into())
        }
        ["tool", "install"] | ["python", "install"]
            if !operands.is_empty()
                && operands
                    .iter()
                    .all(|p| is_package_name(p) || p.contains("==")) =>
        {
            Ok(None)
        }
        ["pip", "list" | "show" | "freeze"]
        | ["tool", "list"]
        | ["python", "list"]
        | ["cache", ..]
        | ["version" | "help" | "self"] => Ok(None),
        _ => Err("`uv` reads the project".into()),
    }
}

/// The COPY of the source must not bring a `.venv` that would land over the one the
/// dependency step made.
pub(super) fn no_venv_sent(cx: &Ctx<'_>) -> Result<(), String> {
    let sent = cx.exists(".venv") == Some(true)
        && !(matches!(cx.source, "." | "./") && cx.top.dockerignore_excludes_top(".venv"));
    if sent {
        return Err(
            "the build context holds a `.venv`, which the COPY would put over the installed one"
                .into(),
        );
    }
    Ok(())
}

/// `uv sync --no-install-project`: the dependencies from pyproject.toml and uv.lock (and the
/// files that pick the Python and configure uv).
pub(super) fn uv_sync(args: &[&str], cx: &Ctx<'_>) -> Result<Vec<String>, String> {
    if !args
        .iter()
        .any(|a| matches!(*a, "--no-install-project" | "--no-install-workspace"))
    {
        return Err("`uv sync` installs the project itself (`--no-install-project` installs only its dependencies)".into());
    }
    if !cx.context.is_known() {
        return Err("`uv sync` needs the build context to know the project's files".into());
    }
    let text = cx
        .read("pyproject.toml")
        .ok_or("no pyproject.toml in the build context")?;
    let frozen = args.contains(&"--frozen");
    static_python_project(&text, !frozen)?;
    no_venv_sent(cx)?;
    Ok(cx.present(&["pyproject.toml", "uv.lock", ".python-version", "uv.toml"]))
}

/// Requirement files with the files they include (`-r`/`-c` lines); a `pyproject.toml` (uv
/// reads its dependencies) only when they are written out in it.
pub(super) fn requirement_files(
    mut files: Vec<String>,
    cx: &Ctx<'_>,
) -> Result<Vec<String>, String> {
    let mut all = Vec::new();
    while let Some(f) = files.pop() {
        if f.contains('$') || f.starts_with('/') || f.contains("..") {
            return Err(format!(
                "requirements file `{f}` is not a plain relative path"
            ));
        }
        let file_name = f.rsplit('/').next().unwrap_or(&f);
        if matches!(file_name, "setup.py" | "setup.cfg") {
            return Err(format!(
                "`{f}`: its dependencies come from the project's build"
            ));
        }
        if file_name == "pyproject.toml" {
            let text = cx
                .read(&f)
                .ok_or("the dependencies in pyproject.toml need the build context")?;
            static_python_project(&text, false)?;
            if !all.contains(&f) {
                all.push(f);
            }
            continue;
        }
        if let Some(text) = cx.read(&f) {
            for line in text.lines() {
                // A comment starts at `#` at the line's start or after a space.
                let line = match line.find(" #") {
                    Some(at) => &line[..at],
                    None if line.trim_start().starts_with('#') => "",
                    None => line,
                }
                .trim();
                let words: Vec<&str> = line.split_whitespace().collect();
                let Some(&first) = words.first() else {
                    continue;
                };
                let (option, value) = split_option(first, words.get(1).copied());
                match option {
                    "-r" | "--requirement" | "-c" | "--constraint" => {
                        let inc = value.ok_or("include without a file")?;
                        let dir = std::path::Path::new(&f)
                            .parent()
                            .map(|p| p.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        files.push(if dir.is_empty() {
                            inc.to_string()
                        } else {
                            format!("{dir}/{inc}")
                        });
                        continue;
                    }
                    "-e" | "--editable" => {
                        return Err(format!("`{f}` installs a local path (`{line}`)"));
                    }
                    _ => {}
                }
                if let Some(why) = local_source(option, value) {
                    return Err(format!("`{f}`: {why}"));
                }
                // A requirement that is a path (`./lib`, `libs/x`, `x @ file:///...`).
                let path_like = |w: &&str| {
                    w.starts_with('.')
                        || w.starts_with('/')
                        || w.contains("file:")
                        || (w.contains('/') && !w.contains("://") && !w.starts_with('-'))
                };
                if !first.starts_with('-') && words.iter().any(path_like) {
                    return Err(format!("`{f}` installs a local path (`{line}`)"));
                }
            }
        } else if cx.context.is_known() {
            return Err(format!("`{f}` is not in the build context"));
        }
        if !all.contains(&f) {
            all.push(f);
        }
    }
    Ok(all)
}

/// A pyproject.toml whose dependencies can be installed from it alone: none computed by the
/// build backend (unless a lock file is used as it is), no local path or workspace sources.
pub(super) fn static_python_project(text: &str, any_dynamic: bool) -> Result<(), String> {
    let toml_lines = || text.lines().map(str::trim);
    // `dynamic = [...]`, perhaps over several lines: the fields the backend computes.
    let dynamic = text.lines().position(|l| {
        let l = l.trim_start();
        l.starts_with("dynamic") && l["dynamic".len()..].trim_start().starts_with('=')
    });
    if let Some(at) = dynamic {
        let rest: String = text.lines().skip(at).collect::<Vec<_>>().join("\n");
        let fields = &rest[..rest.find(']').unwrap_or(rest.len())];
        if any_dynamic || fields.contains("dependencies") {
            return Err("pyproject.toml has `dynamic` fields, which the build backend computes from the source".into());
        }
    }
    if toml_lines().any(|l| l.starts_with("[tool.uv.workspace")) {
        return Err("a uv workspace needs every member's pyproject.toml".into());
    }
    let local = |l: &str| {
        let l = l.replace(' ', "");
        l.contains("path=") || l.contains("workspace=true") || l.contains("editable=true")
    };
    if toml_lines().any(local) {
        return Err("pyproject.toml has a dependency on a local path".into());
    }
    Ok(())
}

/// A project install that can run once for the dependencies alone: the flag that says so and
/// the files it then reads (relative to the project folder). `Err(None)`: not such an install;
/// `Err(Some(why))`: one, but its dependencies cannot be installed from the manifests alone.
pub(super) fn dependencies_only(
    c: &SimpleCmd,
    cx: &Ctx<'_>,
) -> Result<(&'static str, Vec<String>), Option<String>> {
    let words: Vec<&str> = c
        .words
        .iter()
        .map(|w| w.lit.as_deref())
        .collect::<Option<_>>()
        .ok_or(None)?;
    // Options that take a value, and flags, that change neither where nor from what it installs.
    let (values, flags): (&[&str], &[&str]) = match words.first().map(|w| basename(w)) {
        Some("uv") if words.get(1) == Some(&"sync") => (
            &[
                "--extra",
                "--group",
                "--only-group",
                "--no-group",
                "--package",
                "--python",
                "-p",
            ],
            &[
                "--frozen",
                "--locked",
                "--no-dev",
                "--compile-bytecode",
                "--no-editable",
                "--all-extras",
                "--all-groups",
                "--all-packages",
                "--no-cache",
                "-n",
                "-q",
                "--quiet",
                "-v",
                "--verbose",
                "--inexact",
                "--no-progress",
            ],
        ),
        Some("poetry") if words.get(1) == Some(&"install") => (
            &["--only", "--without", "--with", "-E", "--extras"],
            &[
                "--no-interaction",
                "-n",
                "--no-ansi",
                "--sync",
                "--no-dev",
                "--all-extras",
                "--compile",
                "-q",
                "--quiet",
                "-v",
                "--verbose",
                "--no-cache",
            ],
        ),
        _ => return Err(None),
    };
    if words.iter().any(|w| {
        matches!(
            *w,
            "--no-install-project" | "--no-install-workspace" | "--no-root"
        )
    }) {
        return Err(None); // installs only the dependencies already
    }
    let mut i = 2;
    while i < words.len() {
        let w = words[i];
        let name = w.split_once('=').map_or(w, |(n, _)| n);
        if values.contains(&w) {
            i += 1;
        } else if !(flags.contains(&w) || (w.contains('=') && values.contains(&name))) {
            return Err(Some(format!("`{w}` is an option this pass does not know")));
        }
        i += 1;
    }
    if words[0].ends_with("uv") {
        let mut args = words[2..].to_vec();
        args.push("--no-install-project");
        return Ok(("--no-install-project", uv_sync(&args, cx)?));
    }
    let text = cx
        .read("pyproject.toml")
        .ok_or(Some("no pyproject.toml in the build context".to_string()))?;
    static_python_project(&text, false)?;
    no_venv_sent(cx)?;
    // No readme: Poetry reads the one pyproject.toml names only to install the project itself.
    let files = cx.present(&["pyproject.toml", "poetry.lock", "poetry.toml"]);
    Ok(("--no-root", files))
}

impl DependencyFirst {
    /// `COPY . .` then `uv sync` / `poetry install`, which install the project itself and so
    /// need the source: the same command runs once before the COPY with the flag that skips
    /// the project (`--no-install-project`, `--no-root`), from the manifests alone, so that a
    /// source edit leaves the dependencies cached and the command after the COPY installs only
    /// the project.
    pub(super) fn dependencies_only_step(
        &self,
        cx: &Context<'_, '_>,
        ctx: &Ctx<'_>,
        instrs: &[(usize, &Instr)],
        cwds: &[Option<String>],
        pos: usize,
        run: usize,
    ) -> Result<Finding, Option<String>> {
        let doc = cx.doc;
        let (_, copy) = instrs[pos];
        let dest = copy.args.get(1).ok_or(None)?.value.as_str();
        let run_pos = instrs.iter().position(|(i, _)| *i == run).ok_or(None)?;
        // The install runs where the COPY put the project.
        let known_cwd = cwds[pos].as_deref().filter(|c| !c.starts_with(['?', '$']));
        let lands_in_cwd = matches!(dest, "." | "./")
            || known_cwd.is_some_and(|c| resolve(dest, Some(c)).as_deref() == Some(c));
        if !matches!(ctx.source, "." | "./")
            || !lands_in_cwd
            || instrs[pos + 1..run_pos]
                .iter()
                .any(|(_, i)| i.is(Kind::Workdir))
        {
            return Err(None);
        }
        let script = cx.script(run).ok_or(None)?;
        let [c] = script.commands.as_slice() else {
            return Err(None);
        };
        if c.nested || c.has_assignment || !script.is_plain_and_chain() {
            return Err(None);
        }
        let (flag, mut files) = dependencies_only(c, ctx)?;
        if files.is_empty() {
            return Err(None);
        }
        for extra in &cx.settings.extra_manifests {
            if ctx.exists(extra) == Some(true) && !files.contains(extra) {
                files.push(extra.clone());
            }
        }
        // Manifests in subfolders would need a COPY each: leave those projects alone.
        if files.iter().any(|f| f.contains('/')) {
            return Err(None);
        }
        let (copy_kw, run_kw, flags, run_flags) =
            inserted_copy_and_run(cx, copy, &doc.instructions[run]);
        let mut to = dest.to_string();
        if !to.ends_with('/') {
            to.push('/');
        }
        let nl = doc.newline;
        let command = cx.text(&c.span);
        let text = format!(
            "{copy_kw}{flags} {} {to}{nl}{run_kw}{run_flags} {command} {flag}{nl}",
            files.join(" ")
        );
        let at = whole_lines(doc.text, &copy.span).start;
        let line = doc.line_of(doc.instructions[run].span.start);
        Ok(cx.finding(
            &META,
            copy.span.start,
            format!(
                "source copied before `{command}` on line {line}, which installs every dependency again after a source edit: they are installed first from {} with `{flag}`",
                files.join(", ")
            ),
            Some(Fix::new(Applicability::Unsafe, vec![Edit::insert(at, text)])),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::static_python_project;

    #[test]
    fn dependencies_written_out_in_pyproject() {
        let fixed = "[project]\nname = \"x\"\ndependencies = [\"flask\"]\n";
        assert!(static_python_project(fixed, true).is_ok());
        // Only a dynamic version: the dependencies are still written out.
        let version = "[project]\ndynamic = [\"version\"]\ndependencies = [\"flask\"]\n";
        assert!(static_python_project(version, false).is_ok());
        assert!(static_python_project(version, true).is_err());
        // `dynamic` over several lines, the dependencies on the second.
        let spread = "[project]\ndynamic = [\n  \"version\",\n  \"dependencies\",\n]\n";
        assert!(static_python_project(spread, false).is_err());
        // A key that merely starts with the word is no `dynamic` field.
        let other = "[tool.x]\ndynamic_things = 1\n";
        assert!(static_python_project(other, true).is_ok());
        let local = "[tool.uv.sources]\nlib = { path = \"../lib\" }\n";
        assert!(static_python_project(local, false).is_err());
        let workspace = "[tool.uv.workspace]\nmembers = [\"pkgs/*\"]\n";
        assert!(static_python_project(workspace, false).is_err());
    }
}
