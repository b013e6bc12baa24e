//! multi-stage: which compiled build is recognised and what its artefact is (Go, Rust, C,
//! Maven, Gradle here; Node and Python in their own files), and the runtime it gets.

mod dotnet;
mod native;
mod node;
mod python;
mod ruby;
mod stage;

use dotnet::*;
use native::*;
use node::*;
use python::*;
use ruby::*;
use stage::*;

use crate::facts::images::ImageRef;
use crate::facts::{Distro, images, packages};
use crate::fix::{Applicability, Edit, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::basename;
use crate::syntax::{Body, Document, Instr, Kind};

pub struct MultiStage;

static META: Meta = Meta {
    code: "DO033",
    name: "multi-stage",
    summary: "Split a single-stage build that compiles into a build stage and a small runtime stage",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Structure,
    hadolint: &[],
    docs: r#"## What it does
For a single-stage Dockerfile that compiles its program on a toolchain image, keeps that stage
as the build stage (`AS build`) and adds a runtime stage, from a template per stack
(`templates/multi-stage/*.tera`), that gets only the artefact with `COPY --from=build`:
- Go (`golang`, `go build -o OUT`, or `go install` of one package or of the current folder,
  whose program lands in `$GOBIN` or `$GOPATH/bin`, named after the package, the module in
  `go.mod` or the folder under `$GOPATH/src`): `gcr.io/distroless/static-debian12` when built
  with `CGO_ENABLED=0` (set by ENV or in the RUN) and started in exec form, else
  `debian:<release>-slim` (the build image's release); a build that leaves cgo unset gets
  `CGO_ENABLED=0` and distroless when the build context shows its sources need no cgo (go.mod
  requires nothing, or in GOPATH mode every import is the standard library's or the project's
  own; no `.go` file imports "C"; an unknown context or one with no sources keeps cgo); a program the start command runs by name goes to
  `/usr/local/bin`, on every runtime's PATH;
- Rust (`rust`, `cargo build --release` started as `target/release/NAME`, or
  `cargo install --path .` whose program lands in `--root`, `$CARGO_INSTALL_ROOT` or
  `$CARGO_HOME` + `/bin`, named by `--bin` or the package in `Cargo.toml`, run by path or by
  name): `debian:<release>-slim` with CA certificates (and the release's OpenSSL library,
  `libssl3` on bookworm, `libssl3t64` on trixie, when `Cargo.lock` uses OpenSSL);
- Go with `go build` without `-o`: the program lands in the current folder, named like `go
  install` names it; of several `go build`s, the one whose program the start command runs;
- C/C++ (`gcc`, `make`): `debian:<release>-slim`, with the program run by path, or by name when
  `gcc -o` wrote it onto PATH or `make install` put it in its prefix's `bin` and the Makefile
  (build context) installs nothing else; only when the build files of the context and the
  compile commands link no library beyond what the slim image has (`-lm`, `-lz`, `-lpthread`…:
  the gcc image brings -dev libraries of its own, a program linking `-lcurl` needs it at run
  time);
- `buildpack-deps` builds the same way as `debian` ones below, under the same link check;
- any program built on `debian` or `ubuntu` with apt-installed compilers (`make install`,
  `cmake --install`, `./configure`, `gcc -o`, `go build -o`, `javac` with an apt JDK): the same
  release (`debian:<release>-slim`, or the Ubuntu tag as written) with the runtime packages: the
  stage's apt packages without compilers and build tools, each `-dev` package replaced by its
  runtime libraries (`libpq-dev` → `libpq5`, from a table generated from the Debian and Ubuntu
  package indexes: bullseye to trixie, xenial to noble), a JDK by the JRE of the same version;
  the runtime gets the install prefix (`/usr/local`), the compiler outputs, or the application
  folder the start command runs from, the files the build wrote into system folders (`/etc`…),
  and the build's account commands (`groupadd`, `useradd`) run again, so that a `USER` works;
- Java (`maven:*-eclipse-temurin-N` or `maven:*-jdk-N` with `mvn package`, `gradle:*-jdkN` with
  `gradle build`/`bootJar`, started as `java -jar X.jar`, or `gradle installDist` started as
  `build/install/NAME/bin/NAME`, whose distribution folder goes with it; on a JDK image
  (`openjdk`, `eclipse-temurin`, `amazoncorretto`) also the Maven and Gradle wrappers and `sbt
  stage`, started as `target/universal/stage/bin/NAME`): `eclipse-temurin:N-jre` (`-alpine` for
  an Alpine JDK);
- Node with a build step (`npm run build`, started as `node <out>/<file>`): `node:X-slim` with
  production dependencies (`npm ci --omit=dev` / `yarn install --production`) and `<out>`;
  started otherwise (`npm start`, `yarn start`, `node server.js`): the whole application
  folder, its dependencies pruned to production ones at the end of the build stage (`npm prune
  --omit=dev`, `yarn install --production`), with the build's global installs (`npm install -g
  yarn`) run again, and the runtime packages of apt installs (-dev packages replaced by their
  libraries, compilers left out) and the libraries the copied native addons link (`canvas` →
  cairo and pango, `pg-native` → libpq: a dated table in `facts/npm.rs`) installed; refused when
  a RUN does more than npm/yarn/node/apt steps or a COPY writes outside the application folder.
  The build context's lock file (or package.json) says which packages are installed: without
  one, or when the build-output route would install a native addon again on the slim image
  (no compiler there), no split;
- Python with compiled extensions (`python:X.Y` or `python:X.Y-slim` that apt-installs a
  compiler, or the full image building the application's own C extensions (`setup.py` with
  `ext_modules`) or a package PyPI has no wheels for, named in the requirements file): the
  packages go into a virtualenv in the build stage, copied with the application onto
  `python:X.Y-slim`, which gets the runtime libraries of the `-dev` packages (`libpq-dev` →
  `libpq5`, from the package table of the image's release) and the other apt packages, without
  compilers and Python's headers (a pure-Python install is left to slim-base);
- Ruby whose gems compile (`ruby:X.Y` bundle-installing gems that the build context's
  `Gemfile.lock` gives no precompiled platform and that have C extensions, or a `ruby` image
  that apt-installs a compiler): the gems (`/usr/local/bundle`, and a `GEM_HOME`/`BUNDLE_PATH`
  the file sets) and the application folder go onto `ruby:X.Y-slim` of the same release, which
  gets the runtime libraries of the `-dev` packages apt installs and of the full image's
  libraries the locked gems link (`pg` → `libpq5`, `mysql2`, `sqlite3`, `rmagick`, … a dated
  table in `facts/gems.rs`); without a `Gemfile.lock` nothing is known about the gems and the
  message says so.
- .NET (`mcr.microsoft.com/dotnet/sdk:X.Y` with `dotnet publish -o DIR`, started as `dotnet
  DIR/App.dll`): the published folder onto `mcr.microsoft.com/dotnet/aspnet:X.Y`, or
  `runtime:X.Y` when the project file (build context) is not a web project; refused for an SDK
  version tag (`8.0.100` names no runtime image), a runtime identifier or self-contained publish,
  and RUNs that do more than `dotnet` steps.
Go's `go install ./...` counts when the start command runs by name the folder's own program
(the module's, or the GOPATH folder's) or a `cmd/NAME` folder of the build context.
The runtime stage repeats the stage's `ENV` (but not lines that set only what build tools read:
`GO111MODULE`, `CGO_ENABLED`, `PIP_*`, … a dated table) and `LABEL` lines, its `WORKDIR`, and its
`EXPOSE`, `STOPSIGNAL`, `ENTRYPOINT` and `CMD` lines; data folders found in the build context
(`templates/`, `static/`, `public/`, `assets/`, `config/`, `migrations/`) are copied too. The
artefact keeps its path, so the start command stays the same. Other stacks, or a program that
cannot be recognised, get a suggestion instead.

## Stacks at a glance
| stack | build it follows | runtime | what it needs to know |
|---|---|---|---|
| Go | `go build [-o]`, `go install` (one package, `.`, `./...` run by name) | distroless static, or the release's slim image | the program's path or name (go.mod, GOPATH folder), cgo (ENV, sources), the release |
| Rust | `cargo build --release`, `cargo install --path .` | the release's slim image + CA certificates (+ OpenSSL) | the binary's name (Cargo.toml, `--bin`), Cargo.lock, the release |
| C/C++ on gcc | `make`, `make install`, `gcc -o`, cmake | the release's slim image | the program's path, the Makefile's install recipe, the libraries it links |
| Debian/Ubuntu + apt compilers | `make install`, cmake, configure, `gcc -o`, `go build -o`, `javac` | the same release with the runtime packages | each `-dev` package's libraries (package table), the install prefix, the RUNs' other effects |
| Java on maven/gradle/JDK images | `mvn`/`./mvnw package`, `gradle`/`./gradlew build` + `java -jar`, `installDist` + `build/install/NAME/bin/NAME`, `sbt stage` + `target/universal/stage/bin/NAME` | `eclipse-temurin:N-jre` | the JDK's major version, the jar or the distribution folder |
| Node | `npm run build` / `yarn build` | `node:X-slim` with production dependencies | the build folder (`node <out>/…`), else the whole application folder |
| Python | pip installs that compile | `python:X.Y-slim` + a virtualenv | the `-dev` packages' libraries, the application folder |
| .NET | `dotnet publish -o DIR` + `dotnet DIR/App.dll` | `mcr.microsoft.com/dotnet/aspnet:X.Y` (`runtime:X.Y` for a non-web project) | the publish folder, the project's SDK |
| Ruby | `bundle install` of gems that compile | `ruby:X.Y-slim` + the gems | Gemfile.lock (which gems compile, which libraries they link), the `-dev` packages' libraries, the application folder |

## Why
The compiler, headers, package caches and sources make up most of such an image (a Go image
of 800 MB runs a 10 MB binary). The runtime stage ships the program and nothing to build with.

## Example
```dockerfile
FROM golang:1.22
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app .
ENTRYPOINT ["/app"]
```
becomes
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app .
ENTRYPOINT ["/app"]

# Runtime: only the program built above (statically linked)
FROM gcr.io/distroless/static-debian12
WORKDIR /src
COPY --from=build /app /app
ENTRYPOINT ["/app"]
```

## Fix safety
Unsafe: the program may read files at run time that are not copied. A dynamically linked
program runs on the build image's own Debian release (from its tag, or the dated official
images table: `rust:1.96` and `golang:1.25` are trixie, `golang:1.21` bookworm), so it finds the
C library it was linked against. Refused (suggestion) when that release is not known
(`golang:1.4.2`) or the build image is not Debian (`golang:*-alpine` without a static build),
on a Windows stage, when the stage sets `USER`, has a `HEALTHCHECK` (its command may not exist
in the runtime), uses `ONBUILD`, the artefact's path is not a literal, or the start command
does not run the artefact. Also refused, naming the step, when a RUN does something a runtime
stage would not have: a program the build made run at build time to write data, `apt-key` or
`dpkg`, `pip`, a link made in a system folder, a command whose name is a variable; and on a
distribution image that has no start command (a build environment), whose release is older
than the package table (`ubuntu:trusty`), or whose `make install` prefix is `/usr`.

## Facts it relies on
The build image's distribution and release (its tag, or the dated official images table), whether it is a Windows stage, the start command, the WORKDIR in force, the build context (`Cargo.lock`, `go.mod`, the Makefile's install recipe, data folders), the
release's runtime package names (OpenSSL, and each `-dev` package's runtime libraries from the
generated table), the stage's role (an application, with a start command), the accounts the
build creates.
"#,
};

const DATA_DIRS: &[&str] = &[
    "templates",
    "static",
    "public",
    "assets",
    "config",
    "migrations",
];

/// The recognised build: which template, the runtime image and the artefact's absolute path.
struct Plan {
    stack: &'static str,
    runtime: String,
    artefact: String,
    /// Where the runtime stage puts it: the same path, or a folder on every image's PATH when
    /// the start command runs it by name.
    dest: Option<String>,
    is_static: bool,
    packages: Vec<&'static str>,
    /// Where `CGO_ENABLED=0 ` goes to make the Go build static (the sources use no cgo).
    make_static: Option<usize>,
}

/// The Debian release of the build image, from the facts (the tag, or the dated official
/// images table): a dynamically linked artefact runs on the same release's slim image. `Err`
/// names what is not known.
fn build_release(cx: &Context<'_, '_>) -> Result<String, String> {
    let base = &cx.facts.stages[0].base;
    match (&base.release, base.distro) {
        // Only a runtime tag the official images table lists (`debian:jessie-slim` does,
        // `debian:sid-slim` does not).
        (Some(r), Distro::Debian)
            if images::official_tag("debian", &format!("{}-slim", r.name)).is_none() =>
        {
            Err(format!(
                "the official images table lists no `debian:{}-slim` for the runtime",
                r.name
            ))
        }
        (Some(r), Distro::Debian) => Ok(r.name.clone()),
        (_, Distro::Debian) | (_, Distro::Unknown) => Err(format!(
            "the Debian release of `{}` is not known (its tag does not name it and the official images table does not list it), so no runtime with the same C library can be chosen",
            base.reference
        )),
        (_, d) => Err(format!(
            "`{}` is built on {d:?}, not Debian: only a static build gets a runtime here",
            base.reference
        )),
    }
}

/// The folder of a Gradle application distribution whose start script `program` is
/// (`installDist` writes `build/install/PROJECT/bin/APPLICATION` and `…/PROJECT/lib/`).
fn gradle_distribution(program: &str, workdir: Option<&str>) -> Option<String> {
    start_script_home(program, workdir).filter(|home| {
        home.rsplit_once('/')
            .is_some_and(|(install, _)| install.ends_with("/build/install"))
    })
}

/// The folder sbt-native-packager's `sbt stage` writes (`target/universal/stage`, with `bin/NAME`
/// and `lib/`), when `program` is its start script.
fn sbt_stage(program: &str, workdir: Option<&str>) -> Option<String> {
    start_script_home(program, workdir).filter(|home| home.ends_with("/target/universal/stage"))
}

/// HOME when `program` (against `workdir`) is a start script `HOME/bin/NAME`, as JVM
/// distributions lay themselves out.
fn start_script_home(program: &str, workdir: Option<&str>) -> Option<String> {
    let path = absolute(program, workdir)?;
    let (home, script) = path.rsplit_once("/bin/")?;
    (!script.contains('/')).then(|| home.to_string())
}

/// A jar on a JRE: Maven and Gradle builds, once the JDK's major version and the jar are known.
fn jre_plan(
    stack: &'static str,
    major: Option<String>,
    jar: Option<&str>,
    cwd: Option<&str>,
) -> Option<Plan> {
    let artefact = absolute(jar?, cwd)?;
    Some(Plan {
        stack,
        runtime: format!("eclipse-temurin:{}-jre", major?),
        artefact,
        dest: None,
        is_static: false,
        packages: Vec::new(),
        make_static: None,
    })
}

/// Where `go install ARGS` (in RUN `i`, in the folder `cwd`) puts its one program: `$GOBIN`,
/// else the first folder of `$GOPATH` (`/go` in the official images) + `/bin`, named after the
/// package's last element (`…/cmd/gotail` → `gotail`), or for the current folder after the
/// module (`go.mod` in the build context) or, without one, the folder under `$GOPATH/src`.
/// `Err` names what is not known.
fn go_install_output(
    cx: &Context<'_, '_>,
    i: usize,
    args: &[&str],
    cwd: Option<&str>,
) -> Result<String, String> {
    const VALUED: &[&str] = &[
        "-o",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-tags",
        "-mod",
        "-modfile",
        "-p",
        "-pkgdir",
        "-installsuffix",
        "-buildmode",
        "-toolexec",
        "-overlay",
        "-pgo",
        "-compiler",
        "-exec",
    ];
    let mut packages = Vec::new();
    let mut k = 0;
    while k < args.len() {
        let a = args[k];
        if a.starts_with('-') {
            if VALUED.contains(&a) {
                k += 1;
            }
        } else {
            packages.push(a);
        }
        k += 1;
    }
    let env = |name: &str| env_before(cx, i, name);
    let gopath = env("GOPATH").unwrap_or_else(|| "/go".into());
    let gopath = gopath.split(':').next().unwrap_or("/go").to_string();
    let bin = env("GOBIN").unwrap_or_else(|| format!("{}/bin", gopath.trim_end_matches('/')));
    if bin.contains('$') || !bin.starts_with('/') {
        return Err(format!(
            "`go install` writes to `{bin}`, which is not a literal folder"
        ));
    }
    let changes_folder = cx.script(i).is_some_and(|sc| {
        sc.commands
            .iter()
            .any(|c| matches!(c.name(), Some("cd" | "pushd")))
    });
    let name = match packages.as_slice() {
        [] | ["."] if changes_folder => {
            return Err(
                "the RUN changes folder before `go install`, so the program's name is not known"
                    .into(),
            );
        }
        [] | ["."] => {
            let module = cx.build_context.read("go.mod").and_then(|m| {
                m.lines()
                    .find_map(|l| l.trim().strip_prefix("module "))
                    .map(|m| m.trim().trim_matches('"').to_string())
            });
            match (module, cwd) {
                (Some(m), _) => m.rsplit('/').next().unwrap_or(&m).to_string(),
                (None, Some(dir)) if dir.starts_with(&format!("{gopath}/src/")) => {
                    dir.rsplit('/').next().unwrap_or(dir).to_string()
                }
                _ => {
                    return Err("the name of the program `go install` builds is not known (no go.mod in the build context, and the folder is not under $GOPATH/src)".into());
                }
            }
        }
        [one] if !one.ends_with("...") && !one.contains('$') => {
            let path = one.split('@').next().unwrap_or(one).trim_end_matches('/');
            path.rsplit('/').next().unwrap_or(path).to_string()
        }
        _ => {
            return Err(
                "`go install` builds several programs (or one whose name is not literal)".into(),
            );
        }
    };
    if name.is_empty() || name == "." || name == ".." {
        return Err("the name of the program `go install` builds is not known".into());
    }
    Ok(format!("{}/{name}", bin.trim_end_matches('/')))
}

/// The value the last ENV before instruction `i` (of the single stage) gives `name`.
fn env_before(cx: &Context<'_, '_>, i: usize, name: &str) -> Option<String> {
    cx.stage_instrs(0)
        .take_while(|(j, _)| *j < i)
        .filter(|(_, x)| x.is(Kind::Env))
        .flat_map(|(_, x)| x.args.iter())
        .filter_map(|a| crate::facts::env_value(&a.value, name))
        .last()
}

/// A Go program's runtime: distroless static for a static build, else the build image's own
/// Debian release.
fn go_plan(
    cx: &Context<'_, '_>,
    artefact: String,
    dest: Option<String>,
    is_static: bool,
    make_static: Option<usize>,
) -> Result<Plan, String> {
    let is_static = is_static || make_static.is_some();
    let runtime = match is_static {
        true => "gcr.io/distroless/static-debian12".to_string(),
        false => format!("debian:{}-slim", build_release(cx)?),
    };
    Ok(Plan {
        stack: "go",
        runtime,
        artefact,
        dest,
        is_static,
        packages: Vec::new(),
        make_static,
    })
}

/// How the Go build of RUN `i` (its `go` word at `go_word`, in the folder `cwd`) links: static
/// when CGO_ENABLED=0 is in force and the start command runs without a shell (distroless has
/// none); else where to insert `CGO_ENABLED=0 ` to make it static, when the sources show they
/// need no cgo and nothing set CGO_ENABLED.
fn go_linking(
    cx: &Context<'_, '_>,
    i: usize,
    go_word: usize,
    cwd: Option<&str>,
    exec_form: bool,
) -> (bool, Option<usize>) {
    let cgo = cgo_setting(cx, i);
    let is_static = cgo.as_deref() == Some("0") && exec_form;
    let make_static = (cgo.is_none()
        && exec_form
        && go_uses_no_cgo(cx, gopath_import_path(cx, i, cwd).as_deref()))
    .then_some(go_word);
    (is_static, make_static)
}

/// The first instruction of the stage a runtime stage cannot simply repeat: a HEALTHCHECK (its
/// command may not exist there), ONBUILD, or a USER unless the runtime stage makes its account.
fn not_carried<'a>(instrs: &[(usize, &'a Instr)], user_carried: bool) -> Option<&'a Instr> {
    instrs.iter().map(|(_, i)| *i).find(|i| {
        matches!(i.kind, Kind::Healthcheck | Kind::Onbuild) || (i.is(Kind::User) && !user_carried)
    })
}

/// The message for a stage that a `not_carried` instruction keeps from being split.
fn split_by_hand(from: &Instr, bad: &Instr) -> String {
    format!(
        "`{}` builds and runs in one stage; split it by hand (a {} must work in the runtime stage too)",
        from.args[0].value, bad.keyword
    )
}

/// CGO_ENABLED as the build in RUN `i` sees it: an ENV before it, or an assignment in that RUN
/// (`CGO_ENABLED=0 go build`, `export CGO_ENABLED=0`); comments do not count.
fn cgo_setting(cx: &Context<'_, '_>, i: usize) -> Option<String> {
    let run = cx.text(&cx.doc.instructions[i].span);
    ["0", "1"]
        .into_iter()
        .find(|v| run.contains(&format!("CGO_ENABLED={v}")))
        .map(str::to_string)
        .or_else(|| env_before(cx, i, "CGO_ENABLED"))
}

/// The Go sources in the build context use no cgo and need nothing outside the standard
/// library: with a go.mod, it requires nothing (its modules could use cgo); without one (GOPATH
/// mode), every import is the standard library's (no dot in its first element) or the project's
/// own (under `own`, its import path from the folder under `$GOPATH/src`); and no `.go` file
/// imports "C". Then a build with `CGO_ENABLED=0` is the same program, statically linked (the
/// standard library's net and os/user have pure-Go versions).
fn go_uses_no_cgo(cx: &Context<'_, '_>, own: Option<&str>) -> bool {
    let module = cx.build_context.read("go.mod");
    if module
        .as_deref()
        .is_some_and(|m| m.lines().any(|l| l.trim_start().starts_with("require")))
    {
        return false;
    }
    if !cx.build_context.is_known() || (module.is_none() && own.is_none()) {
        return false;
    }
    let mut sources = 0;
    let foreign = |src: &str| {
        imports(src).into_iter().any(|path| {
            let first = path.split('/').next().unwrap_or("");
            first.contains('.')
                && !own.is_some_and(|o| path == o || path.starts_with(&format!("{o}/")))
        })
    };
    // Every folder of the context, a bounded walk (vendored code means requirements).
    let mut folders = vec![String::new()];
    let mut seen = 0;
    while let Some(dir) = folders.pop() {
        for name in cx.build_context.entries(&dir).iter() {
            seen += 1;
            if seen > 5000 || name == "vendor" {
                return false;
            }
            let rel = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            if cx.build_context.is_dir(&rel) {
                folders.push(rel);
            } else if name.ends_with(".go") {
                let Some(src) = cx.build_context.read(&rel) else {
                    return false;
                };
                sources += 1;
                if imports(&src).contains(&"C") || (module.is_none() && foreign(&src)) {
                    return false;
                }
            }
        }
    }
    // Sources seen, none of them using cgo.
    sources > 0
}

/// The project's import path in GOPATH mode: the folder under `$GOPATH/src` (`/go` in the
/// official images) that the build runs in.
fn gopath_import_path(cx: &Context<'_, '_>, i: usize, cwd: Option<&str>) -> Option<String> {
    let gopath = env_before(cx, i, "GOPATH").unwrap_or_else(|| "/go".into());
    let src = format!("{}/src/", gopath.split(':').next()?.trim_end_matches('/'));
    cwd?.strip_prefix(&src)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

/// The import paths of a Go source file (`import "x"` and `import ( … )` blocks).
fn imports(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut block = false;
    for line in src.lines().map(str::trim) {
        let spec = if block {
            if line.starts_with(')') {
                block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("import") {
            let rest = rest.trim();
            if rest.starts_with('(') {
                block = true;
                rest.trim_start_matches('(').trim()
            } else {
                rest
            }
        } else {
            continue;
        };
        if let Some(path) = spec.split('"').nth(1) {
            out.push(path);
        }
    }
    out
}

/// Where the runtime stage puts an installed program that the start command runs by its path
/// (`None`: the same path) or by its name (`/usr/local/bin`, on every image's PATH); `Err`
/// when the start command runs something else.
fn runtime_place(program: &str, installed: &str, tool: &str) -> Result<Option<String>, String> {
    let name = installed.rsplit('/').next().unwrap_or(installed);
    match program {
        p if p == installed => Ok(None),
        p if p == name => Ok(Some(format!("/usr/local/bin/{name}"))),
        p => Err(format!(
            "the start command runs `{p}`, not `{installed}` that `{tool}` writes"
        )),
    }
}

/// The runtime packages a Rust program needs besides CA certificates: the release's OpenSSL
/// library when `Cargo.lock` (in the build context) uses openssl-sys.
fn rust_runtime_packages(cx: &Context<'_, '_>, release: &str) -> Result<Vec<&'static str>, String> {
    let ssl = cx
        .build_context
        .read("Cargo.lock")
        .is_some_and(|l| l.contains("name = \"openssl-sys\""));
    match (ssl, packages::openssl_runtime(release)) {
        (false, _) => Ok(Vec::new()),
        (true, Some(lib)) => Ok(vec![lib]),
        (true, None) => Err(format!(
            "the OpenSSL runtime package of Debian {release} is not in the package table"
        )),
    }
}

/// Where `cargo install --path . ARGS` (in RUN `i`) puts its one program: `--root`, else
/// `$CARGO_INSTALL_ROOT`, else `$CARGO_HOME` (`/usr/local/cargo` in the official images), then
/// `/bin/`, named by `--bin` or by the package name in `Cargo.toml` (from the build context).
fn cargo_install_output(cx: &Context<'_, '_>, i: usize, args: &[&str]) -> Result<String, String> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| *a == flag)
            .and_then(|k| args.get(k + 1).copied())
            .or_else(|| {
                args.iter()
                    .find_map(|a| a.strip_prefix(&format!("{flag}=")[..]))
            })
    };
    if !matches!(value("--path"), Some("." | "./")) {
        return Err(
            "`cargo install` does not install the package in the current folder (`--path .`)"
                .into(),
        );
    }
    let env = |name: &str| env_before(cx, i, name);
    let root = value("--root")
        .map(str::to_string)
        .or_else(|| env("CARGO_INSTALL_ROOT"))
        .or_else(|| env("CARGO_HOME"))
        .unwrap_or_else(|| "/usr/local/cargo".into());
    if root.contains('$') || !root.starts_with('/') {
        return Err(format!(
            "`cargo install` writes under `{root}`, which is not a literal folder"
        ));
    }
    let name = match value("--bin") {
        Some(bin) => bin.to_string(),
        None => {
            let manifest = cx.build_context.read("Cargo.toml").ok_or(
                "the program's name is in Cargo.toml, which the build context does not show",
            )?;
            if manifest.contains("[[bin]]") || manifest.contains("[workspace]") {
                return Err("Cargo.toml names its programs itself ([[bin]] or a workspace): `--bin` says which one runs".into());
            }
            crate::facts::tools::cargo_package_name(&manifest)
                .ok_or("Cargo.toml has no literal package name")?
        }
    };
    Ok(format!("{}/bin/{name}", root.trim_end_matches('/')))
}

/// `rel` against the WORKDIR in force; `None` when it cannot be known.
fn absolute(path: &str, cwd: Option<&str>) -> Option<String> {
    if path.contains('$') || path.contains('*') {
        return None;
    }
    if path.starts_with('/') {
        return Some(path.to_string());
    }
    let base = cwd?;
    let rel = path.trim_start_matches("./");
    Some(format!("{}/{rel}", base.trim_end_matches('/')))
}

/// The first word of the start command (ENTRYPOINT, else CMD), and for `java -jar X` the jar.
fn start_program(cmd: &Instr, doc: &Document<'_>) -> Option<(String, Option<String>)> {
    let words = doc.command_words(cmd)?;
    let first = words.first()?.clone();
    let jar = words
        .iter()
        .position(|w| w == "-jar")
        .and_then(|k| words.get(k + 1))
        .cloned();
    Some((first, jar))
}

impl Pass for MultiStage {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        if doc.stages.len() != 1 {
            return;
        }
        if cx.facts.stages[0].windows {
            return; // no structural rewrite of a Windows stage
        }
        let from = &doc.instructions[doc.stages[0].instrs.start];
        let Some(image) = from.args.first().and_then(|a| ImageRef::parse(&a.value)) else {
            return;
        };
        let say = |msg: String| cx.finding(&META, from.span.start, msg, None);
        let instrs: Vec<(usize, &Instr)> = cx.stage_instrs(0).collect();
        if image.name == "sdk"
            && matches!(
                image.prefix.as_str(),
                "mcr.microsoft.com/dotnet/" | "mcr.microsoft.com/dotnet/core/"
            )
        {
            match (dotnet(cx, &image, &instrs), not_carried(&instrs, false)) {
                (Ok(Some(_)), Some(b)) => out.push(say(split_by_hand(from, b))),
                (Ok(Some((template, tctx, edits, message))), None) => {
                    append_stage(cx, from, template, tctx, edits, message, out)
                }
                (Ok(None), _) => {}
                (Err(why), _) => out.push(say(format!("`{}` builds and runs in one stage: a runtime stage with only the published application would be much smaller ({why})", from.args[0].value))),
            }
            return;
        }
        if !image.is_official()
            || !matches!(
                image.name.as_str(),
                "golang"
                    | "rust"
                    | "gcc"
                    | "maven"
                    | "gradle"
                    | "openjdk"
                    | "eclipse-temurin"
                    | "amazoncorretto"
                    | "node"
                    | "python"
                    | "ruby"
                    | "debian"
                    | "ubuntu"
                    | "buildpack-deps"
            )
        {
            return;
        }
        if matches!(image.name.as_str(), "node" | "python" | "ruby") {
            let split = match image.name.as_str() {
                "node" => node(cx, from, &image, &instrs),
                "python" => python(cx, &image, &instrs),
                _ => ruby(cx, &image, &instrs),
            };
            match (split, not_carried(&instrs, false)) {
                (Ok(Some(_)), Some(b)) => out.push(say(split_by_hand(from, b))),
                (Ok(Some((template, tctx, edits, message))), None) => {
                    append_stage(cx, from, template, tctx, edits, message, out)
                }
                (Ok(None), _) => {}
                (Err(why), _) => out.push(say(why)),
            }
            return;
        }
        if matches!(image.name.as_str(), "debian" | "ubuntu" | "buildpack-deps") {
            // A USER works in the runtime stage when the accounts are made there too.
            let plan = native(cx, &instrs);
            let accounts = matches!(&plan, Ok(Some(p)) if !p.accounts.is_empty());
            match (plan, not_carried(&instrs, accounts)) {
                (Ok(None), _) => {}
                (Ok(Some(_)), Some(b)) => out.push(say(split_by_hand(from, b))),
                (Ok(Some(plan)), None) => {
                    let mut tctx = runtime_context(cx, &instrs, &plan.runtime, &plan.workdir);
                    tctx.insert("packages", &plan.packages);
                    tctx.insert("copies", &plan.copies);
                    tctx.insert("accounts", &plan.accounts);
                    let prepare = match plan.runtime.contains("slim") {
                        true => packages::slim_preparation(&plan.packages),
                        false => None,
                    };
                    tctx.insert("prepare", &prepare);
                    let message = format!(
                        "builds and runs in one stage: the runtime stage `{}` gets the runtime packages and `{}`",
                        plan.runtime,
                        plan.copies.join("`, `")
                    );
                    append_stage(cx, from, "native", tctx, Vec::new(), message, out);
                }
                (Err(why), _) => out.push(say(format!("`{}` builds and runs in one stage: a runtime stage without compilers would be much smaller ({why})", from.args[0].value))),
            }
            return;
        }
        // The WORKDIR in force at the end, and at each RUN.
        let mut cwd: Option<String> = None;
        let mut plan: Option<Plan> = None;
        // The fact that stopped a plan, for the message.
        let mut missing: Option<String> = None;
        let start = instrs
            .iter()
            .rev()
            .find(|(_, i)| i.is(Kind::Entrypoint))
            .or_else(|| instrs.iter().rev().find(|(_, i)| i.is(Kind::Cmd)));
        let Some((_, start)) = start else {
            out.push(say(format!(
                "`{}` builds and runs in one stage, but has no start command to carry over",
                from.args[0].value
            )));
            return;
        };
        let Some((program, jar)) = start_program(start, doc) else {
            return;
        };

        // A shell-form CMD that needs no shell runs the same in exec form, which a runtime
        // without a shell (distroless) needs: the runtime stage gets it so.
        let exec_cmd = match (&start.body, start.kind) {
            (Body::Shell(span), Kind::Cmd)
                if !instrs.iter().any(|(_, i)| i.is(Kind::Entrypoint)) =>
            {
                crate::shell::exec_form_of(
                    &crate::shell::unfold(doc.text, span.clone(), doc.escape).text,
                )
                .map(|json| format!("{} {json}", start.keyword))
            }
            _ => None,
        };
        let exec_form = matches!(start.body, Body::Exec(..)) || exec_cmd.is_some();
        for (i, ins) in &instrs {
            if ins.is(Kind::Workdir) {
                let arg = ins
                    .args
                    .first()
                    .map(|a| a.value.clone())
                    .unwrap_or_default();
                cwd = absolute(&arg, cwd.as_deref().or(Some("/")));
                continue;
            }
            let Some(script) = cx.script(*i) else {
                continue;
            };
            for c in &script.commands {
                let name = c.name().map(basename);
                let args: Vec<&str> = c.args().map(|w| w.lit.as_deref().unwrap_or("$")).collect();
                match (image.name.as_str(), name) {
                    ("golang", Some("go")) if args.first() == Some(&"build") => {
                        let out_path = args
                            .iter()
                            .position(|a| *a == "-o")
                            .and_then(|k| args.get(k + 1))
                            .map(|o| o.to_string());
                        // Without -o, the program lands in the current folder, named like the
                        // one `go install` would make.
                        let out_path = match out_path {
                            Some(o) => o,
                            None => match go_install_output(cx, *i, &args[1..], cwd.as_deref()) {
                                Ok(p) => p.rsplit('/').next().unwrap_or(&p).to_string(),
                                Err(why) => {
                                    missing = Some(why.replace("go install", "go build"));
                                    continue;
                                }
                            },
                        };
                        let Some(artefact) = absolute(&out_path, cwd.as_deref()) else {
                            continue;
                        };
                        // Only the program the start command runs (a RUN may build several).
                        let dest = if program.contains('/') {
                            if absolute(&program, cwd.as_deref()).as_deref() != Some(&artefact) {
                                missing.get_or_insert(format!("the start command runs `{program}`, not `{artefact}` that `go build` writes"));
                                continue;
                            }
                            None
                        } else {
                            match runtime_place(&program, &artefact, "go build") {
                                Ok(d) => d,
                                Err(why) => {
                                    missing.get_or_insert(why);
                                    continue;
                                }
                            }
                        };
                        let (is_static, make_static) =
                            go_linking(cx, *i, c.words[0].span.start, cwd.as_deref(), exec_form);
                        match go_plan(cx, artefact, dest, is_static, make_static) {
                            Ok(p) => plan = Some(p),
                            Err(why) => missing = Some(why),
                        }
                    }
                    ("golang", Some("go")) if args.first() == Some(&"install") => {
                        let installed = match go_install_output(cx, *i, &args[1..], cwd.as_deref())
                        {
                            Ok(p) => p,
                            // `./...` installs every program under the folder: the one the start
                            // command runs by name is there when it is the folder's own (named
                            // after the module or the GOPATH folder) or a `cmd/NAME` folder of the
                            // build context.
                            Err(_) if args.contains(&"./...") && !program.contains('/') => {
                                let here: Vec<&str> = args[1..]
                                    .iter()
                                    .map(|a| if *a == "./..." { "." } else { *a })
                                    .collect();
                                match go_install_output(cx, *i, &here, cwd.as_deref()) {
                                    Ok(own) if own.rsplit('/').next() == Some(program.as_str()) => {
                                        own
                                    }
                                    Ok(own)
                                        if cx.build_context.is_dir(&format!("cmd/{program}")) =>
                                    {
                                        let bin = own.rsplit_once('/').map_or("", |(b, _)| b);
                                        format!("{bin}/{program}")
                                    }
                                    Ok(_) => {
                                        missing = Some(format!(
                                            "`go install ./...` builds the programs under the folder, and `{program}`, which the start command runs, is not one the build context shows (the module's own or a cmd/{program} folder)"
                                        ));
                                        continue;
                                    }
                                    Err(why) => {
                                        missing = Some(why);
                                        continue;
                                    }
                                }
                            }
                            Err(why) => {
                                missing = Some(why);
                                continue;
                            }
                        };
                        let (is_static, make_static) =
                            go_linking(cx, *i, c.words[0].span.start, cwd.as_deref(), exec_form);
                        let planned = runtime_place(&program, &installed, "go install")
                            .and_then(|dest| go_plan(cx, installed, dest, is_static, make_static));
                        match planned {
                            Ok(p) => plan = Some(p),
                            Err(why) => missing = Some(why),
                        }
                    }
                    ("rust", Some("cargo"))
                        if args.first() == Some(&"build") && args.contains(&"--release") =>
                    {
                        let release = match build_release(cx) {
                            Ok(r) => r,
                            Err(why) => {
                                missing = Some(why);
                                continue;
                            }
                        };
                        let Some(name) = program
                            .rsplit_once("target/release/")
                            .map(|(_, n)| n.to_string())
                        else {
                            continue;
                        };
                        let Some(artefact) =
                            absolute(&format!("target/release/{name}"), cwd.as_deref())
                        else {
                            continue;
                        };
                        let packages = match rust_runtime_packages(cx, &release) {
                            Ok(p) => p,
                            Err(why) => {
                                missing = Some(why);
                                continue;
                            }
                        };
                        plan = Some(Plan {
                            stack: "rust",
                            runtime: format!("debian:{release}-slim"),
                            artefact,
                            dest: None,
                            is_static: false,
                            packages,
                            make_static: None,
                        });
                    }
                    ("rust", Some("cargo")) if args.first() == Some(&"install") => {
                        let planned = build_release(cx).and_then(|release| {
                            let installed = cargo_install_output(cx, *i, &args[1..])?;
                            let dest = runtime_place(&program, &installed, "cargo install")?;
                            Ok(Plan {
                                stack: "rust",
                                runtime: format!("debian:{release}-slim"),
                                dest,
                                packages: rust_runtime_packages(cx, &release)?,
                                artefact: installed,
                                is_static: false,
                                make_static: None,
                            })
                        });
                        match planned {
                            Ok(p) => plan = Some(p),
                            Err(why) => missing = Some(why),
                        }
                    }
                    ("gcc", Some("make" | "cmake" | "gcc" | "g++" | "cc")) => {
                        let release = match build_release(cx) {
                            Ok(r) => r,
                            Err(why) => {
                                missing = Some(why);
                                continue;
                            }
                        };
                        // Run by path: that file. Run by name: a compiler's output on PATH, or
                        // what `make install` puts in its prefix's bin folder when the Makefile
                        // installs nothing else.
                        let (artefact, dest) = if program.contains('/') {
                            match absolute(&program, cwd.as_deref()) {
                                Some(a) => (a, None),
                                None => continue,
                            }
                        } else {
                            let (build, _) = scan(cx, &instrs);
                            let named =
                                |o: &&String| o.rsplit('/').next() == Some(program.as_str());
                            match (build.outputs.iter().find(named), build.prefixes.first()) {
                                (Some(out), _) => (out.clone(), Some(out.clone())),
                                (None, Some(prefix)) if make_install_is_bin_only(cx) => {
                                    let a =
                                        format!("{}/bin/{program}", prefix.trim_end_matches('/'));
                                    (a.clone(), Some(a))
                                }
                                (None, Some(_)) => {
                                    missing = Some(format!(
                                        "cannot tell what `make install` installs besides `{program}` (the Makefile in the build context does not show an install recipe that writes only to a bin folder)"
                                    ));
                                    continue;
                                }
                                (None, None) => {
                                    missing = Some(format!(
                                        "cannot tell where the build puts `{program}`, which the start command runs by name"
                                    ));
                                    continue;
                                }
                            }
                        };
                        if let Err(why) = links_only_base_libraries(cx, &instrs) {
                            missing = Some(why);
                            continue;
                        }
                        plan = Some(Plan {
                            stack: "c",
                            runtime: format!("debian:{release}-slim"),
                            artefact,
                            dest,
                            is_static: false,
                            packages: Vec::new(),
                            make_static: None,
                        });
                    }
                    ("gradle", Some("gradle" | "gradlew"))
                        if args.iter().any(|a| {
                            matches!(
                                *a,
                                "build"
                                    | "bootJar"
                                    | "jar"
                                    | "assemble"
                                    | "shadowJar"
                                    | "installDist"
                            )
                        }) =>
                    {
                        let tag = image.tag.as_deref().unwrap_or("");
                        let major: String = tag
                            .split("jdk")
                            .nth(1)
                            .unwrap_or("")
                            .chars()
                            .take_while(|c| c.is_ascii_digit())
                            .collect();
                        // Without `java -jar`, the application plugin's distribution: the start
                        // script `build/install/NAME/bin/NAME` and its `lib/` go together.
                        let artefact = jar.clone().or_else(|| {
                            gradle_distribution(&program, final_workdir(&instrs).as_deref())
                        });
                        if let Some(p) = jre_plan(
                            "gradle",
                            (!major.is_empty()).then_some(major),
                            artefact.as_deref(),
                            cwd.as_deref(),
                        ) {
                            plan = Some(p);
                        }
                    }
                    // A JDK image with the project's own build tool (Maven or Gradle wrapper,
                    // sbt): the jar, Gradle's distribution or sbt-native-packager's stage.
                    (
                        "openjdk" | "eclipse-temurin" | "amazoncorretto",
                        Some(tool @ ("mvn" | "mvnw" | "gradle" | "gradlew" | "sbt" | "javac")),
                    ) => {
                        // javac's classes run with `java CLASS` from the folder: it all goes.
                        let classes = (tool == "javac" && program == "java" && jar.is_none())
                            .then(|| final_workdir(&instrs))
                            .flatten();
                        let builds = tool == "javac"
                            || args.iter().any(|a| {
                                matches!(
                                    *a,
                                    "package"
                                        | "install"
                                        | "verify"
                                        | "build"
                                        | "bootJar"
                                        | "jar"
                                        | "assemble"
                                        | "shadowJar"
                                        | "installDist"
                                        | "stage"
                                        | "assembly"
                                )
                            });
                        let tag = image.tag.as_deref().unwrap_or("");
                        let major: String =
                            tag.chars().take_while(|c| c.is_ascii_digit()).collect();
                        let workdir = final_workdir(&instrs);
                        let artefact = jar.clone().or(classes).or_else(|| {
                            gradle_distribution(&program, workdir.as_deref())
                                .or_else(|| sbt_stage(&program, workdir.as_deref()))
                        });
                        // A JRE of the same family (Alpine stays Alpine); the jar template
                        // serves the three tools.
                        let major = (!major.is_empty() && !tag.contains("jre")).then_some(major);
                        let plan_here = builds
                            .then(|| jre_plan("gradle", major, artefact.as_deref(), cwd.as_deref()))
                            .flatten();
                        if let Some(mut p) = plan_here {
                            if tag.contains("alpine") {
                                p.runtime.push_str("-alpine");
                            }
                            plan = Some(p);
                        }
                    }
                    ("maven", Some("mvn"))
                        if args
                            .iter()
                            .any(|a| matches!(*a, "package" | "install" | "verify")) =>
                    {
                        let tag = image.tag.as_deref().unwrap_or("");
                        let major = ["temurin-", "jdk-", "openjdk-", "corretto-"]
                            .iter()
                            .find_map(|p| {
                                let rest = &tag[tag.find(p)? + p.len()..];
                                let m: String =
                                    rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                                (!m.is_empty()).then_some(m)
                            });
                        if let Some(p) = jre_plan("maven", major, jar.as_deref(), cwd.as_deref()) {
                            plan = Some(p);
                        }
                    }
                    _ => {}
                }
            }
        }
        // A build step with effects a runtime stage with only the artefact would not have (a
        // program run at build time to write data, a file written into /etc, …).
        let plan = match (plan, scan(cx, &instrs).1) {
            (Some(_), Some(why)) => {
                missing = Some(why);
                None
            }
            (plan, _) => plan,
        };
        let Some(plan) = plan else {
            let why = missing.unwrap_or_else(|| {
                format!("the start command runs `{program}`, which no build step it follows (`go build`, `go install`, `cargo build --release`, `cargo install`, make or a compiler with `-o`, a jar or distribution of Maven, Gradle or sbt) is known to write")
            });
            out.push(say(format!("`{}` builds and runs in one stage: a runtime stage with only the artefact would be much smaller ({why})", from.args[0].value)));
            return;
        };
        // Said once the plan stands, so that the reason a plan could not be made comes first
        // (a USER added by another pass in an earlier round is not the reason).
        if let Some(bad) = not_carried(&instrs, false) {
            out.push(say(split_by_hand(from, bad)));
            return;
        }
        // The start command must run the artefact (or the jar must be it).
        let runs_artefact = match plan.stack {
            "maven" | "gradle" => true,
            // Matched against the start command where the plan was made.
            _ if plan.dest.is_some() => true,
            _ => absolute(&program, cwd.as_deref()).as_deref() == Some(plan.artefact.as_str()),
        };
        if !runs_artefact {
            out.push(say(format!("`{}` builds and runs in one stage, but the start command does not run `{}`: split it by hand", from.args[0].value, plan.artefact)));
            return;
        }
        let builder = match from.args.get(1) {
            Some(name) => name.value.clone(),
            None => "build".to_string(),
        };
        let copies_context = instrs.iter().any(|(_, i)| {
            i.is(Kind::Copy)
                && i.args
                    .first()
                    .is_some_and(|a| a.value == "." || a.value == "./")
        });
        let data_dirs: Vec<String> = match (&cwd, copies_context) {
            (Some(w), true) => DATA_DIRS
                .iter()
                .filter(|d| cx.build_context.is_dir(d))
                .map(|d| format!("{}/{d}", w.trim_end_matches('/')))
                .collect(),
            _ => Vec::new(),
        };
        let mut tctx = runtime_context(cx, &instrs, &plan.runtime, &cwd);
        if let (true, Some(exec)) = (plan.is_static, &exec_cmd) {
            let shell_form = cx.text(&start.span);
            let tail: Vec<&str> = instrs
                .iter()
                .filter(|(_, i)| TAIL_KINDS.contains(&i.kind))
                .map(|(_, i)| cx.text(&i.span))
                .map(|t| if t == shell_form { exec.as_str() } else { t })
                .collect();
            tctx.insert("tail", &tail);
        }
        tctx.insert("builder", &builder);
        tctx.insert("artefact", &plan.artefact);
        tctx.insert("dest", plan.dest.as_deref().unwrap_or(&plan.artefact));
        tctx.insert("static", &plan.is_static);
        tctx.insert("packages", &plan.packages);
        tctx.insert("data_dirs", &data_dirs);
        let message = format!(
            "builds and runs in one stage: the runtime stage `{}` gets only `{}`",
            plan.runtime, plan.artefact
        );
        let edits: Vec<Edit> = plan
            .make_static
            .map(|at| Edit::insert(at, "CGO_ENABLED=0 ".to_string()))
            .into_iter()
            .collect();
        let message = match plan.make_static {
            Some(_) => format!(
                "{message} (built with CGO_ENABLED=0: the sources use no cgo and need no module outside the standard library)"
            ),
            None => message,
        };
        append_stage(cx, from, plan.stack, tctx, edits, message, out);
    }
}
