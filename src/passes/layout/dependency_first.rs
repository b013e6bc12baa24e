use crate::facts::BuildContext;
use crate::facts::tools::UV_VALUE_OPTS;
use crate::facts::tools::uv_subcommand;
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{Script, SimpleCmd, basename};
use crate::syntax::line_end;
use crate::syntax::whole_lines;
use crate::syntax::{Instr, Kind};

pub struct DependencyFirst;

static META: Meta = Meta {
    code: "DO031",
    name: "dependency-first",
    summary: "Install dependencies before copying the source, so that a source edit reuses them",
    safety: Applicability::Safe,
    phase: crate::passes::Phase::Layout,
    hadolint: &[],
    docs: r#"## What it does
When a broad `COPY` of the source (`COPY . .`, `COPY . /app`, `COPY src/ /app/`) comes before
dependency installs, it moves that `COPY` below them:
- an install by name that does not read the source (`pip install flask`, `apt-get install`,
  `apk add`, `npm install -g`) simply runs before the `COPY`;
- an install that reads manifests gets them copied first: `requirements*.txt` (and the files
  they include with `-r`/`-c`), for pip and `uv pip`; a `pyproject.toml` that writes out its
  dependencies (`uv pip install -r pyproject.toml`); `Pipfile*`; `pyproject.toml` +
  `poetry.lock` (`poetry install --no-root`); `pyproject.toml` + `uv.lock` (+ `.python-version`,
  `uv.toml`) for `uv sync --no-install-project`; `package.json` +
  `package-lock.json`/`npm-shrinkwrap.json`/`yarn.lock`/`pnpm-lock.yaml`; `go.mod` + `go.sum`;
  `Gemfile` + `Gemfile.lock`; `composer.json` + `composer.lock`; `pom.xml`
  (`mvn dependency:go-offline`); the Gradle build files and wrapper (`gradle dependencies`);
  `*.csproj`/`*.sln` (`dotnet restore`);
- a `uv sync` or `poetry install` that installs the project as well as its dependencies stays
  after the `COPY`, and the same command runs once before it for the dependencies alone
  (`--no-install-project`, `--no-root`), from the manifests.
The build context on disk (the Dockerfile's folder, or `--context`) says which manifests exist
and what they include; without it the install command's own arguments are used. A build step
that downloads its dependencies itself (`go build`, `mvn package`, `cargo build`,
`dotnet publish`) gets a suggestion that says what a cached dependency step needs. A Cargo
package with one binary (`src/main.rs`, a `Cargo.lock`, no workspace, library, build script
or path dependency) gets that step: `Cargo.toml` and `Cargo.lock` are copied first and the
dependencies built with a stub `src/main.rs`; the crate's own stub artefacts are then cleaned
(`cargo clean -p`), so that the real build compiles the real source whatever its file times.

## Why
The build cache is checked step by step: once `COPY . .` sees a changed file, every later step
runs again. With the install above it, editing a source file rebuilds in seconds instead of
reinstalling every dependency.

## Example
```dockerfile
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
```
becomes
```dockerfile
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
```

## Fix safety
Moving an install by name is Safe: such an install reads nothing the `COPY` brings, and the
`COPY` writes only the application's folder. Copying manifests first is Unsafe: an install may
read more than its manifests (a lifecycle script, a local path in a requirements file). So are
the Cargo stub build (the same `cargo build` once more, on a crate with no code of its own) and
the dependencies-only `uv sync`/`poetry install` (it resolves before the project's own files are
there). The pass refuses, and says why, when:
- anything between the `COPY` and the install could read the source or change where the `COPY`
  lands (`RUN`s that are not installs, other `COPY`s, `WORKDIR` with a relative destination,
  variables in the `COPY`);
- the install or its manifests read the context: `-e`, a path, a `file:` URL,
  `--find-links ./wheels` or a relative `--target` (pip, uv); a local path dependency in
  `package.json`, a `Gemfile`, a `Pipfile`, `composer.json` or `pyproject.toml`; a `gemspec`;
  `go.mod` replacing a module with a folder; install scripts in `package.json`;
- the project is a workspace (npm/yarn/pnpm workspaces, `go.work`, a uv workspace);
- `pyproject.toml` has `dynamic` dependencies (any `dynamic` field for `uv sync` without
  `--frozen`);
- the context holds a `.venv` that the `COPY` would send over the installed one;
- an installer is pointed at manifests elsewhere (`npm --prefix`, `yarn --cwd`,
  `bundle --gemfile`, `mvn -f`, `poetry -C`, …).

## Facts it relies on
The build context (which manifests exist, what they reference, `.dockerignore`), the WORKDIR in force at the COPY and at each install, the analysed scripts (what each install reads), the package-manager knowledge of its ecosystems.
"#,
};

/// Commands that install dependencies (worth a word when they cannot be moved).
const INSTALLERS: &[&str] = &[
    "npm", "yarn", "pnpm", "go", "bundle", "composer", "pipenv", "poetry", "mvn", "dotnet",
    "gradle", "cargo", "uv",
];

/// Instructions a COPY can be moved past without changing what it copies or where.
fn harmless_between(ins: &Instr) -> bool {
    matches!(
        ins.kind,
        Kind::Workdir
            | Kind::Env
            | Kind::Arg
            | Kind::Label
            | Kind::Expose
            | Kind::User
            | Kind::Maintainer
            | Kind::Stopsignal
    )
}

/// Folders an install writes to: a COPY there could clash with it.
const SYSTEM_DESTS: &[&str] = &[
    "/",
    "/usr",
    "/usr/local",
    "/usr/lib",
    "/usr/local/lib",
    "/lib",
    "/etc",
    "/opt",
    "/root",
    "/var",
];

/// What one RUN needs from the build context.
#[derive(Debug, Default)]
struct Needs {
    /// Manifest paths, relative to the folder the RUN reads them in.
    manifests: Vec<String>,
    /// Why the RUN cannot go above the COPY (the first reason).
    refusal: Option<String>,
}

struct Ctx<'a> {
    /// The whole build context.
    top: &'a BuildContext,
    /// The context folder the broad COPY copies from (`.` or `src/`), seen from inside.
    context: BuildContext,
    source: &'a str,
}

impl Ctx<'_> {
    fn exists(&self, name: &str) -> Option<bool> {
        self.context.exists(name)
    }
    fn read(&self, name: &str) -> Option<String> {
        self.context.read(name)
    }
    /// The names that exist, or all of them when there is no context to look at.
    fn present(&self, names: &[&str]) -> Vec<String> {
        match self.context.is_known() {
            true => names
                .iter()
                .filter(|n| self.exists(n) == Some(true))
                .map(|n| n.to_string())
                .collect(),
            false => names.iter().map(|n| n.to_string()).collect(),
        }
    }
}

/// A word that names a package rather than a path or an expansion.
fn is_package_name(w: &str) -> bool {
    !w.is_empty()
        && !w.contains('/')
        && !w.starts_with('.')
        && !w.contains(['$', '`', '*', '?'])
        && !w.ends_with(".deb")
}

fn pip_subcommand(c: &SimpleCmd) -> Option<usize> {
    let name = basename(c.name()?);
    let lits: Vec<Option<&str>> = c.words.iter().map(|w| w.lit.as_deref()).collect();
    let start = if name == "pip"
        || (name.starts_with("pip") && name[3..].chars().all(|x| x.is_ascii_digit() || x == '.'))
    {
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
const PIP_VALUE_OPTS: &[&str] = &[
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

/// Classifies one command. Ok(None): independent of the source. Ok(Some(manifests)): reads only
/// these manifests (relative to its folder). Err: reads the source or is not understood.
fn classify(c: &SimpleCmd, cx: &Ctx<'_>) -> Result<Option<Vec<String>>, String> {
    let name = c
        .name()
        .map(basename)
        .ok_or("a command whose name is computed")?;
    let args = literal_words(&c.words[1..]);
    let operands: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    if let Some(opt) = location_option(name, &args) {
        return Err(format!(
            "`{name} {opt}` reads its manifests from another place"
        ));
    }
    match name {
        "apt-get" | "apt" | "aptitude" | "apk" | "yum" | "dnf" | "microdnf" | "zypper" => {
            if operands.iter().skip(1).all(|p| is_package_name(p) || p.contains('=')) {
                Ok(None)
            } else {
                Err(format!("`{name}` installs a local file"))
            }
        }
        "rm" => {
            let caches = ["/var/lib/apt/lists", "/var/cache/", "/tmp/", "/root/.cache", "/root/.npm"];
            if c.args().all(|w| w.raw.starts_with('-') || caches.iter().any(|p| w.raw.starts_with(p))) {
                Ok(None)
            } else {
                Err("`rm` of something other than a cache".into())
            }
        }
        "groupadd" | "useradd" | "addgroup" | "adduser" | "true" => Ok(None),
        // `corepack install` (and `prepare` with no version) reads package.json's
        // `packageManager`.
        "corepack" => match operands.as_slice() {
            ["enable" | "disable", ..] => Ok(None),
            ["prepare" | "install", _, ..] => Ok(None),
            _ => Err("`corepack` reads package.json".into()),
        },
        "npm" => {
            let global = args.iter().any(|a| matches!(*a, "-g" | "--global"));
            match operands.first().copied() {
                Some("cache") => Ok(None),
                Some("install" | "i" | "add") if global && operands.len() > 1 && operands[1..].iter().all(|p| is_package_name(p) || p.starts_with('@')) => Ok(None),
                Some("ci") | Some("install" | "i") if operands.len() == 1 && !global => node_manifests(cx, &["package-lock.json", "npm-shrinkwrap.json"]).map(Some),
                _ => Err("`npm` reads the project".into()),
            }
        }
        "yarn" => match operands.first().copied() {
            None | Some("install") if operands.len() <= 1 => {
                if cx.exists(".yarnrc.yml") == Some(true) {
                    return Err("Yarn 2+ project (`.yarnrc.yml`) needs its `.yarn/` folder".into());
                }
                node_manifests(cx, &["yarn.lock", ".yarnrc"]).map(Some)
            }
            Some("cache") => Ok(None),
            _ => Err("`yarn` reads the project".into()),
        },
        "pnpm" => match operands.first().copied() {
            Some("install" | "i") if operands.len() == 1 => {
                if cx.exists("pnpm-workspace.yaml") == Some(true) {
                    return Err("a pnpm workspace needs every package's manifest".into());
                }
                node_manifests(cx, &["pnpm-lock.yaml"]).map(Some)
            }
            _ => Err("`pnpm` reads the project".into()),
        },
        "go" => match operands.first().copied() {
            Some("mod") if operands.get(1) == Some(&"download") => {
                let local_replace = cx.read("go.mod").is_some_and(|g| {
                    g.lines().any(|l| l.contains("=> ./") || l.contains("=> ../"))
                });
                if local_replace {
                    return Err("go.mod replaces a module with a local folder".into());
                }
                if cx.exists("go.work") == Some(true) {
                    return Err("a go.work workspace needs every module's go.mod".into());
                }
                Ok(Some(cx.present(&["go.mod", "go.sum"])))
            }
            _ => Err("`go` reads the source".into()),
        },
        "bundle" => match operands.first().copied() {
            None | Some("install") => {
                if cx.read("Gemfile").is_some_and(|g| g.lines().any(|l| l.trim_start().starts_with("gemspec"))) {
                    return Err("the Gemfile installs the project's own gemspec".into());
                }
                let local = cx.read("Gemfile").is_some_and(|g| {
                    g.lines().map(str::trim_start).filter(|l| !l.starts_with('#')).any(|l| {
                        l.starts_with("eval_gemfile") || l.contains("path:") || l.contains(":path")
                    })
                });
                if local {
                    return Err("the Gemfile takes a gem from a local path".into());
                }
                Ok(Some(cx.present(&["Gemfile", "Gemfile.lock"])))
            }
            Some("config") => Ok(None),
            _ => Err("`bundle` reads the project".into()),
        },
        "composer" => match operands.first().copied() {
            Some("install") if args.contains(&"--no-scripts") && args.contains(&"--no-autoloader") => {
                let path_repository = cx.read("composer.json").is_some_and(|j| {
                    let j: String = j.split_whitespace().collect();
                    j.contains("\"type\":\"path\"")
                });
                if path_repository {
                    return Err("composer.json has a `path` repository in the build context".into());
                }
                Ok(Some(cx.present(&["composer.json", "composer.lock"])))
            }
            Some("install") => Err("`composer install` runs scripts and builds the autoloader from the source (add `--no-scripts --no-autoloader`, then `composer dump-autoload` after the COPY)".into()),
            _ => Err("`composer` reads the project".into()),
        },
        "pipenv" => match operands.first().copied() {
            Some("install" | "sync") if operands.len() == 1 => {
                let local = cx.read("Pipfile").is_some_and(|p| {
                    let p: String = p.split_whitespace().collect();
                    p.contains("path=") || p.contains("editable=true")
                });
                if local {
                    return Err("the Pipfile takes a package from a local path".into());
                }
                Ok(Some(cx.present(&["Pipfile", "Pipfile.lock"])))
            }
            _ => Err("`pipenv` reads the project".into()),
        },
        "poetry" => match operands.first().copied() {
            Some("install") if args.contains(&"--no-root") => Ok(Some(cx.present(&["pyproject.toml", "poetry.lock"]))),
            Some("install") => Err("`poetry install` without `--no-root` installs the project itself".into()),
            Some("config") => Ok(None),
            _ => Err("`poetry` reads the project".into()),
        },
        "gradle" | "gradlew" => {
            if operands != ["dependencies"] {
                return Err("`gradle` builds the source".into());
            }
            if !cx.context.is_known() {
                return Err("`gradle dependencies` needs the build files from the build context".into());
            }
            let files = cx.present(&[
                "settings.gradle", "settings.gradle.kts", "build.gradle", "build.gradle.kts", "gradle.properties", "gradlew",
                "gradle/wrapper/gradle-wrapper.properties", "gradle/wrapper/gradle-wrapper.jar", "gradle/libs.versions.toml",
            ]);
            if files.iter().any(|f| f.starts_with("build.gradle")) { Ok(Some(files)) } else { Err("no build.gradle in the build context".into()) }
        }
        "mvn" | "mvnw" => {
            if operands.iter().all(|o| o.starts_with("dependency:")) && !operands.is_empty() {
                Ok(Some(vec!["pom.xml".to_string()]))
            } else {
                Err("`mvn` builds the source".into())
            }
        }
        "dotnet" => match operands.first().copied() {
            Some("restore") if operands.len() == 1 => {
                if !cx.context.is_known() {
                    return Err("`dotnet restore` needs the project files from the build context".into());
                }
                let mut projects: Vec<String> = cx.context.entries("")
                    .into_iter()
                    .filter(|n| [".csproj", ".fsproj", ".vbproj", ".sln"].iter().any(|x| n.ends_with(x)) || n.eq_ignore_ascii_case("nuget.config"))
                    .collect();
                projects.sort();
                if projects.iter().any(|p| p.ends_with("proj")) { Ok(Some(projects)) } else { Err("no project file at the top of the context".into()) }
            }
            _ => Err("`dotnet` builds the source".into()),
        },
        "uv" => uv(c, cx),
        _ if pip_subcommand(c).is_some() => pip(c, cx),
        other => Err(format!("`{other}` may read the source")),
    }
}

/// Options that make an installer read its manifests from another folder or file than the one
/// it runs in (`npm --prefix`, `bundle --gemfile`, `mvn -f`): the manifests copied would be the
/// wrong ones.
fn location_option<'a>(name: &str, args: &[&'a str]) -> Option<&'a str> {
    let options: &[&str] = match name {
        "npm" => &["--prefix", "-C"],
        "yarn" => &["--cwd"],
        "pnpm" => &["-C", "--dir", "--prefix"],
        "bundle" => &["--gemfile"],
        "composer" => &["-d", "--working-dir"],
        "go" => &["-modfile", "--modfile", "-C"],
        "poetry" => &["-C", "--directory", "-P", "--project"],
        "pipenv" => &["--pipfile"],
        "uv" => &["--directory", "--project", "--config-file"],
        "mvn" | "mvnw" => &["-f", "--file"],
        "gradle" | "gradlew" => &[
            "-p",
            "--project-dir",
            "-b",
            "--build-file",
            "-c",
            "--settings-file",
        ],
        _ => &[],
    };
    args.iter().copied().find(|a| {
        options.iter().any(|o| {
            *a == *o
                || a.strip_prefix(o).is_some_and(|rest| {
                    rest.starts_with('=') || (!o.starts_with("--") && !rest.is_empty())
                })
        })
    })
}

fn node_manifests(cx: &Ctx<'_>, locks: &[&str]) -> Result<Vec<String>, String> {
    if let Some(pkg) = cx.read("package.json") {
        let json: serde_json::Value =
            serde_json::from_str(&pkg).map_err(|_| "package.json does not parse".to_string())?;
        if json.get("workspaces").is_some() {
            return Err("package.json declares workspaces".into());
        }
        // A dependency on a local folder or tarball needs it in the build context.
        for field in [
            "dependencies",
            "devDependencies",
            "optionalDependencies",
            "peerDependencies",
        ] {
            let deps = json.get(field).and_then(|d| d.as_object());
            for (name, spec) in deps.into_iter().flatten() {
                let spec = spec.as_str().unwrap_or("");
                if ["file:", "link:", "portal:", "./", "../", "/", "~/"]
                    .iter()
                    .any(|p| spec.starts_with(p))
                    || spec.ends_with(".tgz")
                {
                    return Err(format!(
                        "package.json takes `{name}` from a local path (`{spec}`)"
                    ));
                }
            }
        }
        let scripts = json.get("scripts").and_then(|s| s.as_object());
        if let Some(hook) = ["preinstall", "install", "postinstall", "prepare"]
            .iter()
            .find(|h| scripts.is_some_and(|s| s.contains_key(**h)))
        {
            return Err(format!(
                "package.json runs a `{hook}` script, which may read the source"
            ));
        }
    }
    let mut files = vec!["package.json".to_string()];
    match cx.context.is_known() {
        true => files.extend(cx.present(locks).into_iter().chain(cx.present(&[".npmrc"]))),
        false => files = vec!["package*.json".to_string()],
    }
    if !cx.context.is_known() && locks.contains(&"yarn.lock") {
        files.push("yarn.lock".to_string());
    }
    if !cx.context.is_known() && locks.contains(&"pnpm-lock.yaml") {
        files.push("pnpm-lock.yaml".to_string());
    }
    Ok(files)
}

/// pip: by name (independent) or `-r`/`-c` files (manifests, with what they include).
fn pip(c: &SimpleCmd, cx: &Ctx<'_>) -> Result<Option<Vec<String>>, String> {
    let k = pip_subcommand(c).expect("checked");
    if c.words[k].lit.as_deref() != Some("install") {
        return Err("pip subcommand other than install".into());
    }
    install_args(&literal_words(&c.words[k + 1..]), cx, PIP_VALUE_OPTS)
}

/// Each word's literal text, `$` for a computed one.
fn literal_words(words: &[crate::shell::Word]) -> Vec<&str> {
    words
        .iter()
        .map(|w| w.lit.as_deref().unwrap_or("$"))
        .collect()
}

/// The arguments of `pip install` or `uv pip install`: packages by name (independent), or
/// requirement files (manifests); anything else reads the source.
fn install_args(
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

/// An option word and its value, attached (`--opt=v`, `-rv`) or the next word (`-r v`).
fn split_option<'a>(word: &'a str, next: Option<&'a str>) -> (&'a str, Option<&'a str>) {
    if let Some((o, v)) = word.split_once('=').filter(|(o, _)| o.starts_with("--")) {
        return (o, Some(v));
    }
    if word.starts_with('-')
        && !word.starts_with("--")
        && let Some((at, _)) = word.char_indices().nth(2)
    {
        return (&word[..at], Some(&word[at..]));
    }
    (word, next)
}

/// Why an install option makes pip read the build context: packages found in a local folder
/// (`--find-links ./wheels`), a local index, or files written under the working folder, where
/// the source COPY lands (`--target lib`).
fn local_source(option: &str, value: Option<&str>) -> Option<String> {
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
fn uv(c: &SimpleCmd, cx: &Ctx<'_>) -> Result<Option<Vec<String>>, String> {
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
fn no_venv_sent(cx: &Ctx<'_>) -> Result<(), String> {
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
fn uv_sync(args: &[&str], cx: &Ctx<'_>) -> Result<Vec<String>, String> {
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
fn requirement_files(mut files: Vec<String>, cx: &Ctx<'_>) -> Result<Vec<String>, String> {
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
fn static_python_project(text: &str, any_dynamic: bool) -> Result<(), String> {
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

/// What a RUN needs: nothing (by name), manifests, or a refusal.
fn needs(script: &Script, cx: &Ctx<'_>) -> Needs {
    let mut n = Needs::default();
    let mut reads_manifests = false;
    for c in &script.commands {
        if c.has_assignment && c.words.is_empty() {
            continue;
        }
        match classify(c, cx) {
            Ok(None) => {}
            Ok(Some(files)) => {
                reads_manifests = true;
                for f in files {
                    if !n.manifests.contains(&f) {
                        n.manifests.push(f);
                    }
                }
            }
            Err(why) => {
                n.refusal = Some(why);
                return n;
            }
        }
    }
    if reads_manifests && n.manifests.is_empty() {
        n.refusal = Some("no manifest found in the build context".into());
    }
    n
}

/// Build steps that fetch dependencies themselves, and what a cached step needs.
fn self_fetching_build(script: &Script) -> Option<&'static str> {
    for c in &script.commands {
        let ops = c.operands();
        let hint = match (c.name().map(basename), ops.first().copied()) {
            (Some("go"), Some("build" | "install" | "test")) => {
                "copy `go.mod go.sum` and `RUN go mod download` before the source"
            }
            (Some("mvn" | "mvnw" | "./mvnw"), Some("package" | "install" | "verify")) => {
                "copy `pom.xml` and `RUN mvn dependency:go-offline` before the source"
            }
            (Some("gradle" | "gradlew" | "./gradlew"), Some(_)) => {
                "copy the Gradle build files and run `gradle dependencies` before the source"
            }
            (Some("cargo"), Some("build" | "install")) => {
                "build the dependencies first from `Cargo.toml` + `Cargo.lock` with a stub `src/main.rs` (or cargo-chef), then copy the source"
            }
            (Some("dotnet"), Some("publish" | "build")) => {
                "copy the `*.csproj` files and `RUN dotnet restore` before the source"
            }
            _ => continue,
        };
        return Some(hint);
    }
    None
}

/// `dest` resolved against the WORKDIR in force (`None` when unknown).
fn resolve(dest: &str, cwd: Option<&str>) -> Option<String> {
    let d = dest.trim_end_matches('/');
    let path = if dest.starts_with('/') {
        d.to_string()
    } else {
        let base = cwd?;
        let rel = d.trim_start_matches("./").trim_start_matches('.');
        if rel.is_empty() {
            base.trim_end_matches('/').to_string()
        } else {
            format!("{}/{}", base.trim_end_matches('/'), rel)
        }
    };
    Some(if path.is_empty() {
        "/".to_string()
    } else {
        path
    })
}

impl Pass for DependencyFirst {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for stage in 0..doc.stages.len() {
            let instrs: Vec<(usize, &Instr)> = cx.stage_instrs(stage).collect();
            // The WORKDIR in force at each instruction (None: inherited, unknown).
            let mut cwd: Option<String> = None;
            let mut cwds = Vec::with_capacity(instrs.len());
            for (_, ins) in &instrs {
                cwds.push(cwd.clone());
                if ins.is(Kind::Workdir) {
                    let arg = ins.args.first().map(|a| a.value.as_str()).unwrap_or("");
                    cwd = if arg.contains('$') {
                        Some("$".into())
                    } else {
                        resolve(arg, cwd.as_deref()).or(Some(format!("?{arg}")))
                    };
                }
            }
            for (pos, (_, copy)) in instrs.iter().enumerate() {
                if let Some(f) = self.check_copy(cx, &instrs, &cwds, pos, copy) {
                    let moves = f.fix.is_some();
                    out.push(f);
                    if moves {
                        return; // one move per round; the next round sees the new order
                    }
                }
            }
        }
    }
}

impl DependencyFirst {
    fn check_copy(
        &self,
        cx: &Context<'_, '_>,
        instrs: &[(usize, &Instr)],
        cwds: &[Option<String>],
        pos: usize,
        copy: &Instr,
    ) -> Option<Finding> {
        let doc = cx.doc;
        if !(copy.is(Kind::Copy) || copy.is(Kind::Add))
            || copy.flag("from").is_some()
            || copy.args.len() != 2
            || !copy.heredocs.is_empty()
        {
            return None;
        }
        let source = copy.args[0].value.as_str();
        let dest = copy.args[1].value.as_str();
        let broad = source == "."
            || source == "./"
            || (source.ends_with('/')
                && !source.contains(['*', '?', '$'])
                && !source.starts_with('/'));
        if !broad
            || cx.text(&copy.span).contains('$')
            || (copy.is(Kind::Add) && source.contains("://"))
        {
            return None;
        }
        let dest_dir = resolve(dest, cwds[pos].as_deref());
        if let Some(d) = &dest_dir {
            if SYSTEM_DESTS.contains(&d.as_str()) {
                return None;
            }
        } else if dest.starts_with('/') {
            return None;
        }
        let ctx = Ctx {
            top: cx.build_context,
            context: cx.build_context.sub(source),
            source,
        };
        // The RUNs right after the COPY (past harmless instructions) that do not need the source.
        let mut last_movable = None;
        let mut manifests: Vec<String> = Vec::new();
        let mut refusal = None;
        for (k, (idx, ins)) in instrs.iter().enumerate().skip(pos + 1) {
            if harmless_between(ins) {
                if ins.is(Kind::Workdir) && !dest.starts_with('/') {
                    break; // a relative destination would land elsewhere
                }
                continue;
            }
            if !ins.is(Kind::Run) {
                break;
            }
            let Some(script) = cx.script(*idx) else { break };
            let n = needs(script, &ctx);
            if let Some(why) = n.refusal {
                if last_movable.is_none() {
                    refusal = Some((why, *idx, self_fetching_build(script)));
                }
                break;
            }
            if !n.manifests.is_empty() {
                // Manifests are read relative to the RUN's folder: it must be where they land.
                let lands_in_cwd = if dest.starts_with('/') {
                    cwds[k].is_some() && cwds[k].as_deref() == dest_dir.as_deref()
                } else {
                    matches!(dest, "." | "./") && cwds[k] == cwds[pos]
                };
                if !lands_in_cwd {
                    if last_movable.is_none() {
                        refusal = Some((
                            "the install runs in another folder than the COPY fills".to_string(),
                            *idx,
                            None,
                        ));
                    }
                    break;
                }
            }
            manifests.extend(
                n.manifests
                    .into_iter()
                    .filter(|m| !manifests.contains(m))
                    .collect::<Vec<_>>(),
            );
            last_movable = Some(k);
        }
        // Files the project always wants beside its manifests (config `extra-manifests`).
        if !manifests.is_empty() {
            for extra in &cx.settings.extra_manifests {
                if ctx.exists(extra) == Some(true) && !manifests.contains(extra) {
                    manifests.push(extra.clone());
                }
            }
        }
        let Some(last) = last_movable else {
            let (why, idx, hint) = refusal?;
            // A dependency step earlier in the stage already did what the hint asks.
            let done_before = |marker: &str| {
                instrs[..pos].iter().any(|(_, i)| {
                    i.is(Kind::Run) && marker.split(' ').all(|w| cx.text(&i.span).contains(w))
                })
            };
            if let Some(h) = hint {
                let marker = [
                    "go mod download",
                    "dependency:",
                    "dotnet restore",
                    "gradle dependencies",
                ]
                .into_iter()
                .find(|m| h.contains(m));
                if marker.is_some_and(done_before) {
                    return None;
                }
            }
            if hint.is_some_and(|h| h.contains("Cargo.toml")) {
                // Dependencies already built from the manifests above: nothing to say.
                if instrs[..pos]
                    .iter()
                    .any(|(i, ins)| ins.is(Kind::Run) && cargo_build(cx, *i).is_some())
                {
                    return None;
                }
                if let Some(f) = self.cargo_stub(cx, &ctx, copy, dest, idx) {
                    return Some(f);
                }
            }
            let installs = cx.script(idx).is_some_and(|s| {
                s.commands.iter().any(|c| {
                    c.name()
                        .map(basename)
                        .is_some_and(|n| INSTALLERS.contains(&n) || n.starts_with("pip"))
                })
            });
            if hint.is_none() && !installs {
                return None; // an ordinary build step after the COPY: nothing to say
            }
            // Dependencies already installed from their manifests above (`pip install -r`
            // before `COPY . .` and `pip install .`): the layout is already the right one.
            let installed_before = instrs[..pos].iter().any(|(i, ins)| {
                ins.is(Kind::Run)
                    && cx
                        .script(*i)
                        .is_some_and(|s| !needs(s, &ctx).manifests.is_empty())
            });
            if hint.is_none() && installed_before {
                return None;
            }
            let mut why = why;
            if hint.is_none() {
                match self.dependencies_only_step(cx, &ctx, instrs, cwds, pos, idx) {
                    Ok(f) => return Some(f),
                    Err(Some(reason)) => why = reason,
                    Err(None) => {}
                }
            }
            let line = doc.line_of(doc.instructions[idx].span.start);
            let msg = match hint {
                Some(h) => format!(
                    "source copied before the build on line {line}, which fetches dependencies itself: {h}"
                ),
                None => format!(
                    "source copied before line {line}, which needs it ({why}); dependencies not moved"
                ),
            };
            return Some(cx.finding(&META, copy.span.start, msg, None));
        };
        let (_, last_run) = instrs[last];
        let nl = doc.newline;
        let copy_text = cx.text(&copy.span);
        let mut edits = Vec::new();
        let applicability = if manifests.is_empty() {
            edits.push(Edit::delete(lines_and_one_blank(doc.text, &copy.span)));
            Applicability::Safe
        } else {
            let mut dest_slash = dest.to_string();
            if !dest_slash.ends_with('/') {
                dest_slash.push('/');
            }
            let prefix = if source == "." || source == "./" {
                String::new()
            } else {
                format!("{}/", source.trim_end_matches('/'))
            };
            let flags: Vec<&str> = copy.flags.iter().map(|f| cx.text(&f.span)).collect();
            let kw = cx.text(&copy.keyword_span);
            let kw = if kw.chars().all(|c| c.is_ascii_lowercase()) {
                "copy"
            } else {
                "COPY"
            };
            // One COPY per folder, so that `requirements/prod.txt` lands in `requirements/`.
            let mut dirs: Vec<&str> = Vec::new();
            for m in &manifests {
                let dir = m.rsplit_once('/').map_or("", |(d, _)| d);
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
            let lines: Vec<String> = dirs
                .iter()
                .map(|dir| {
                    let mut line = kw.to_string();
                    for f in &flags {
                        line.push(' ');
                        line.push_str(f);
                    }
                    for m in manifests
                        .iter()
                        .filter(|m| m.rsplit_once('/').map_or("", |(d, _)| d) == *dir)
                    {
                        line.push(' ');
                        line.push_str(&prefix);
                        line.push_str(m);
                    }
                    line.push(' ');
                    line.push_str(&dest_slash);
                    if !dir.is_empty() {
                        line.push_str(dir);
                        line.push('/');
                    }
                    line
                })
                .collect();
            edits.push(Edit::replace(copy.span.clone(), lines.join(nl)));
            Applicability::Unsafe
        };
        let at = line_end(doc.text, last_run.span.end);
        // At the end of a file with no final line break, keep it without one.
        let moved = if at == doc.text.len() && !doc.text.ends_with('\n') {
            format!("{nl}{copy_text}")
        } else {
            format!("{copy_text}{nl}")
        };
        edits.push(Edit::insert(at, moved));
        let what = if manifests.is_empty() {
            "installs".to_string()
        } else {
            format!("installs (manifests first: {})", manifests.join(", "))
        };
        Some(cx.finding(
            &META,
            copy.span.start,
            format!("source copied after the dependency {what}, so a source edit reuses them"),
            Some(Fix::new(applicability, edits)),
        ))
    }
}

/// A top-level `cargo build` in RUN `idx` with only flags that do not change what or where it
/// builds, as its words.
fn cargo_build(cx: &Context<'_, '_>, idx: usize) -> Option<Vec<String>> {
    let script = cx.script(idx)?;
    let c = script
        .commands
        .iter()
        .find(|c| c.name().map(basename) == Some("cargo") && c.first_operand() == Some("build"))?;
    let words: Option<Vec<String>> = c.words.iter().map(|w| w.lit.clone()).collect();
    let words = words?;
    let plain = |w: &String| {
        matches!(
            w.as_str(),
            "cargo" | "build" | "--release" | "--locked" | "--frozen" | "-q" | "--quiet" | "-v"
        )
    };
    (!c.nested && !c.has_assignment && words.iter().all(plain)).then_some(words)
}

impl DependencyFirst {
    /// `COPY . .` before `cargo build`: the dependencies are built first, from `Cargo.toml` and
    /// `Cargo.lock` and a stub `src/main.rs`, in a step of their own that a source edit does
    /// not invalidate; the crate's own stub artefacts are cleaned so that the real build
    /// compiles the real source whatever the file times.
    fn cargo_stub(
        &self,
        cx: &Context<'_, '_>,
        ctx: &Ctx<'_>,
        copy: &Instr,
        dest: &str,
        run: usize,
    ) -> Option<Finding> {
        let doc = cx.doc;
        let words = cargo_build(cx, run)?;
        if ctx.source != "." && ctx.source != "./" || !matches!(dest, "." | "./") {
            return None;
        }
        let manifest = ctx.read("Cargo.toml")?;
        // One package with one binary at src/main.rs and nothing else the stub would lack.
        let refused = [
            "[workspace",
            "[lib",
            "[[bin",
            "[[example",
            "[[bench",
            "[[test",
            "build =",
            "autobins",
            "path =",
            "[patch",
            "[replace",
        ];
        if ctx.exists("Cargo.lock") != Some(true)
            || refused.iter().any(|r| manifest.contains(r))
            || ctx.exists("build.rs") != Some(false)
            || ctx.exists("src/lib.rs") != Some(false)
            || ctx.exists("src/main.rs") != Some(true)
        {
            return None;
        }
        let name = package_name(&manifest)?;
        let profile = if words.iter().any(|w| w == "--release") {
            " --release"
        } else {
            ""
        };
        let nl = doc.newline;
        let (copy_kw, run_kw, flags, run_flags) =
            inserted_copy_and_run(cx, copy, &doc.instructions[run]);
        let at = whole_lines(doc.text, &copy.span).start;
        let text = format!(
            "{copy_kw}{flags} Cargo.toml Cargo.lock ./{nl}{run_kw}{run_flags} mkdir -p src && echo 'fn main() {{}}' > src/main.rs && {} && cargo clean{profile} -p {name} && rm -rf src{nl}",
            words.join(" "),
        );
        let line = doc.line_of(doc.instructions[run].span.start);
        Some(cx.finding(
            &META,
            copy.span.start,
            format!("source copied before `cargo build` on line {line}, which compiles every dependency again after a source edit: they are built first from `Cargo.toml` + `Cargo.lock` with a stub `src/main.rs`"),
            Some(Fix::new(Applicability::Unsafe, vec![Edit::insert(at, text)])),
        ))
    }
}

/// A project install that can run once for the dependencies alone: the flag that says so and
/// the files it then reads (relative to the project folder). `Err(None)`: not such an install;
/// `Err(Some(why))`: one, but its dependencies cannot be installed from the manifests alone.
fn dependencies_only(
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
    fn dependencies_only_step(
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

/// For a dependency step inserted above the source `copy`, before the install `run`: the COPY
/// and RUN keywords in the file's case, the COPY's flags (`--chown`, …) and the RUN's (the same
/// mounts, a cache or a private index's secret, serve both steps), each with a leading space.
fn inserted_copy_and_run(
    cx: &Context<'_, '_>,
    copy: &Instr,
    run: &Instr,
) -> (&'static str, &'static str, String, String) {
    let lower = cx
        .text(&copy.keyword_span)
        .chars()
        .all(|c| c.is_ascii_lowercase());
    let flags = |ins: &Instr| -> String {
        ins.flags
            .iter()
            .map(|f| format!(" {}", cx.text(&f.span)))
            .collect()
    };
    let (copy_kw, run_kw) = if lower {
        ("copy", "run")
    } else {
        ("COPY", "RUN")
    };
    (copy_kw, run_kw, flags(copy), flags(run))
}

/// `name` in the `[package]` table of a Cargo.toml.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_package = t == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some(rest) = t.strip_prefix("name") {
            let value = rest.trim_start().strip_prefix('=')?.trim();
            let name = value.strip_prefix('"')?.strip_suffix('"')?;
            return name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                .then(|| name.to_string());
        }
    }
    None
}

/// The span's lines, plus the blank line after them when a blank line precedes them too (so
/// that removing an instruction leaves no double gap).
fn lines_and_one_blank(text: &str, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let r = whole_lines(text, span);
    let before_blank = text[..r.start].ends_with("\n\n") || text[..r.start].ends_with("\n\r\n");
    let rest = &text[r.end..];
    let next_len = rest.find('\n').map_or(rest.len(), |p| p + 1);
    if before_blank && rest[..next_len].trim().is_empty() && next_len > 0 {
        r.start..r.end + next_len
    } else {
        r
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
