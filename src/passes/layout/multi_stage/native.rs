//! A program built on a distribution image (`debian`, `ubuntu`) with the compilers apt
//! installs: the runtime stage is the same release with the runtime packages only (`-dev`
//! packages mapped to their libraries, compilers and JDKs left out) and the paths the build
//! wrote that the program needs: the install prefix of `make install`, the outputs of
//! `gcc -o`/`go build -o`, the application folder for a program started from it.

use super::*;
use crate::facts::{Family, PackageManager};
use crate::shell::SimpleCmd;

/// What the runtime stage of a distribution build gets.
pub(super) struct NativePlan {
    pub runtime: String,
    pub packages: Vec<String>,
    /// Paths copied from the build stage, each to the same place.
    pub copies: Vec<String>,
    pub workdir: Option<String>,
    /// The account commands of the build (`groupadd`, `useradd`, …), run again in the runtime
    /// stage so that its USER and file owners exist there too.
    pub accounts: Vec<String>,
}

/// Folders of the system image: a build step that writes there changes what the program finds
/// at run time, so the runtime stage copies what it wrote (or the split is refused).
const SYSTEM: &[&str] = &[
    "/etc", "/usr", "/var", "/opt", "/root", "/home", "/srv", "/bin", "/sbin", "/lib", "/lib64",
];
/// Build places inside the system folders: sources, caches and temporary files.
const NOT_SYSTEM: &[&str] = &[
    "/usr/src",
    "/usr/local/src",
    "/var/tmp",
    "/var/lib/apt",
    "/var/cache",
];

pub(super) use crate::facts::is_under;

fn is_system(path: &str) -> bool {
    SYSTEM.iter().any(|d| is_under(path, d)) && !NOT_SYSTEM.iter().any(|d| is_under(path, d))
}

/// The runtime packages a `-dev` package stands for on `release` (the generated table); `Err`
/// when the table does not know them.
pub(super) fn dev_runtime(release: &str, dev: &str) -> Result<Vec<String>, String> {
    packages::runtime_of_dev(release, dev)
        .map(|libs| libs.into_iter().map(str::to_string).collect())
        .ok_or(format!(
            "the runtime packages of `{dev}` on {release} are not in the package table"
        ))
}

/// What one apt command leaves the runtime needing: an install adds its packages (compilers
/// and build tools left out, and those `skip` names, each -dev package replaced by its runtime
/// libraries on `release`), a purge or remove takes them out again. Says whether it installs a
/// compiler.
pub(super) fn apt_runtime_packages(
    c: &crate::shell::SimpleCmd,
    release: Option<&str>,
    image: &str,
    skip: &dyn Fn(&str) -> bool,
    runtime: &mut Vec<String>,
) -> Result<bool, String> {
    let name = c.name().map(basename).unwrap_or("");
    if !matches!(name, "apt-get" | "apt") {
        return Ok(false);
    }
    if matches!(c.first_operand(), Some("purge" | "remove")) {
        let gone = c.operands();
        runtime.retain(|p| !gone.contains(&p.as_str()));
        return Ok(false);
    }
    if c.first_operand() != Some("install") {
        return Ok(false);
    }
    let pkgs: Vec<&str> = c
        .args()
        .filter_map(|w| w.lit.as_deref())
        .filter(|a| !a.starts_with('-') && *a != "install")
        .collect();
    let compiles = pkgs
        .iter()
        .any(|p| matches!(*p, "gcc" | "g++" | "build-essential" | "make" | "cmake"));
    for p in pkgs {
        let p = p.split('=').next().unwrap_or(p);
        if p.contains('$') {
            return Err("apt installs packages named by a variable".into());
        }
        if skip(p) {
            continue;
        }
        if p.ends_with("-dev") {
            let Some(release) = release else {
                return Err(format!(
                    "the Debian release of `{image}` is not known, so the runtime libraries of `{p}` cannot be named"
                ));
            };
            runtime.extend(dev_runtime(release, p)?);
        } else if !packages::is_build_package(p) {
            runtime.push(p.to_string());
        }
    }
    Ok(compiles)
}

/// Each package once, in the order first named.
pub(super) fn keep_first(packages: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    packages.retain(|p| seen.insert(p.clone()));
}

/// The JRE that runs what a JDK package compiled (same major version).
fn jre_of(jdk: &str) -> Option<String> {
    let base = jdk.strip_suffix("-headless").unwrap_or(jdk);
    let stem = base.strip_suffix("-jdk")?;
    Some(format!("{stem}-jre-headless"))
}

/// What one stage's build steps did, gathered RUN by RUN.
#[derive(Default)]
pub(super) struct Build {
    /// apt packages installed (literal names, versions stripped), in order.
    installed: Vec<String>,
    /// Install prefixes of `make install`, `cmake --install`, `ninja install`.
    pub prefixes: Vec<String>,
    /// Files a compiler or `go build` wrote (`-o`).
    pub outputs: Vec<String>,
    /// Paths in system folders a step wrote, for the runtime stage to copy.
    system_writes: Vec<String>,
    /// A step compiles.
    compiles: bool,
    /// The prefix `./configure --prefix=` or `-DCMAKE_INSTALL_PREFIX=` chose.
    configured_prefix: Option<String>,
    /// Account commands, as written, to run again in the runtime stage.
    accounts: Vec<String>,
}

fn option_value<'a>(args: &[&'a str], names: &[&str]) -> Option<&'a str> {
    for (k, a) in args.iter().enumerate() {
        for n in names {
            if let Some(v) = a.strip_prefix(&format!("{n}=")[..]) {
                return Some(v);
            }
            if a == n {
                return args.get(k + 1).copied();
            }
        }
    }
    None
}

impl Build {
    /// Takes one command of a RUN (in the folder `cwd`); `Err` names a step whose effect the
    /// runtime stage would not have.
    fn take(&mut self, c: &SimpleCmd, cwd: &mut Option<String>) -> Result<(), String> {
        let Some(name) = c.name().map(basename) else {
            return Err("a command whose name is not literal".into());
        };
        let args: Vec<&str> = c.args().map(|w| w.lit.as_deref().unwrap_or("$")).collect();
        let at = |p: &str| absolute(p, cwd.as_deref());
        // An output redirection writes a file.
        for target in &c.writes {
            match target.lit.as_deref().and_then(at) {
                Some(p) if p.starts_with("/dev/") => {}
                Some(p) if is_system(&p) => self.system_writes.push(p),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "`{name}` writes to `{}`, not a literal path",
                        target.raw
                    ));
                }
            }
        }
        match name {
            "apt-get" | "apt" => match c.first_operand() {
                Some("install") => {
                    for p in c.operands().into_iter().skip(1) {
                        if p.contains('$') {
                            return Err("apt installs packages named by a variable".into());
                        }
                        let p = p.split('=').next().unwrap_or(p);
                        self.installed.push(p.to_string());
                    }
                }
                Some("purge" | "remove") => {
                    let gone = c.operands();
                    self.installed.retain(|p| !gone.contains(&p.as_str()));
                }
                _ => {}
            },
            "make" | "gmake" => {
                self.compiles = true;
                if args.contains(&"install") {
                    if args.iter().any(|a| a.starts_with("DESTDIR=")) {
                        return Err("`make install` stages into DESTDIR".into());
                    }
                    self.install_into(option_value(&args, &["PREFIX", "prefix"]));
                }
            }
            "cmake" => {
                self.compiles = true;
                if let Some(p) = option_value(&args, &["-DCMAKE_INSTALL_PREFIX"]) {
                    self.configured_prefix = Some(p.to_string());
                }
                if args.contains(&"--install") {
                    self.install_into(option_value(&args, &["--prefix"]));
                }
            }
            "ninja" => {
                self.compiles = true;
                if args.contains(&"install") {
                    self.install_into(None);
                }
            }
            "configure" | "autogen.sh" | "bootstrap" | "autoreconf" | "meson" => {
                self.compiles = true;
                if let Some(p) = option_value(&args, &["--prefix"]) {
                    self.configured_prefix = Some(p.to_string());
                }
            }
            "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" => {
                self.compiles = true;
                if let Some(o) = option_value(&args, &["-o"]) {
                    self.outputs
                        .push(at(o).ok_or("a compiler output that is not literal")?);
                }
            }
            "go" => match args.first() {
                Some(&"build") => {
                    self.compiles = true;
                    if let Some(o) = option_value(&args, &["-o"]) {
                        self.outputs
                            .push(at(o).ok_or("a `go build -o` that is not literal")?);
                    }
                }
                // `go install` writes to GOBIN, which the Go stack of the pass follows.
                Some(&"install") => self.compiles = true,
                Some(
                    &"mod" | &"get" | &"version" | &"env" | &"vet" | &"test" | &"generate" | &"fmt"
                    | &"list" | &"clean",
                ) => {}
                _ => {
                    return Err(format!(
                        "`go {}` (only `go build` is followed here)",
                        args.first().unwrap_or(&"")
                    ));
                }
            },
            // Cargo writes into target/ and CARGO_HOME, which the Rust stack of the pass follows.
            "cargo" | "rustup" | "rustc" => self.compiles = true,
            // Maven and Gradle write into the project folder and their caches; the Java stacks
            // of the pass copy the jar.
            "mvn" | "mvnw" | "gradle" | "gradlew" | "sbt" => self.compiles = true,
            // Alpine packages: only a toolchain stage installs them here (its runtime is another
            // image, which gets its packages from the stack).
            "apk" => {}
            "javac" | "jar" | "ldconfig" | "strip" | "pkg-config" => {
                self.compiles |= name == "javac"
            }
            "cd" | "pushd" => {
                *cwd = match args.first() {
                    Some(d) => absolute(d, cwd.as_deref()),
                    None => None,
                };
            }
            "popd" => *cwd = None,
            "groupadd" | "useradd" | "adduser" | "addgroup" | "usermod" | "groupmod" => {
                if c.nested || c.words.iter().any(|w| w.lit.is_none()) {
                    return Err(format!("`{name}` with words that are not literal"));
                }
                let words: Vec<&str> = c.words.iter().map(|w| w.raw.as_str()).collect();
                self.accounts.push(words.join(" "));
            }
            "git" | "true" | "set" | "export" | "echo" | "printf" | "test" | "[" | "ls" | "cat"
            | "rm" | "sha256sum" | "md5sum" | "gpg" | "sleep" | "which" | "nproc" | "uname" => {}
            "curl" => {
                if let Some(o) = option_value(&args, &["-o", "--output"]) {
                    self.write(&at(o).ok_or("a download to a path that is not literal")?);
                } else if args.iter().any(|a| *a == "-O" || *a == "--remote-name") {
                    self.write(cwd.as_deref().ok_or("a download into an unknown folder")?);
                }
            }
            "wget" => {
                let place = option_value(&args, &["-O", "--output-document"])
                    .or_else(|| option_value(&args, &["-P", "--directory-prefix"]));
                match place {
                    Some("-") => {}
                    Some(p) => {
                        self.write(&at(p).ok_or("a download to a path that is not literal")?)
                    }
                    None => self.write(cwd.as_deref().ok_or("a download into an unknown folder")?),
                }
            }
            "tar" | "unzip" => {
                let dir = option_value(&args, &["-C", "--directory", "-d"])
                    .map(&at)
                    .unwrap_or_else(|| cwd.clone());
                self.write(&dir.ok_or("an archive unpacked into a folder that is not literal")?);
            }
            "mkdir" | "touch" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    self.write(&at(a).ok_or("a path that is not literal")?);
                }
            }
            "cp" | "mv" | "install" | "ln" | "chmod" | "chown" | "sed" => {
                // The last operand is where cp/mv/install/ln write; chmod/chown/sed -i change
                // every operand after the first.
                let ops: Vec<&str> = args
                    .iter()
                    .copied()
                    .filter(|a| !a.starts_with('-'))
                    .collect();
                let targets: Vec<&str> = match name {
                    "sed" if !args.iter().any(|a| a.starts_with("-i")) => Vec::new(),
                    "chmod" | "chown" | "sed" => ops.iter().skip(1).copied().collect(),
                    _ => ops.last().copied().into_iter().collect(),
                };
                for t in targets {
                    let p = at(t)
                        .ok_or_else(|| format!("`{name}` writes to `{t}`, not a literal path"))?;
                    if name == "ln" && is_system(&p) {
                        return Err(format!("`ln` makes a link in `{p}`"));
                    }
                    self.write(&p);
                }
            }
            other => {
                return Err(format!(
                    "`{other}`, whose effect on the image the runtime stage would not have"
                ));
            }
        }
        Ok(())
    }

    /// An install step writes into `given`, else the prefix the build configured, else
    /// `/usr/local` (the default of make, cmake, autotools and meson).
    fn install_into(&mut self, given: Option<&str>) {
        let prefix = given
            .map(str::to_string)
            .or_else(|| self.configured_prefix.clone())
            .unwrap_or_else(|| "/usr/local".into());
        self.prefixes.push(prefix);
    }

    fn write(&mut self, path: &str) {
        if is_system(path) && !self.prefixes.iter().any(|p| is_under(path, p)) {
            self.system_writes.push(path.to_string());
        }
    }
}

/// What the stage's build steps did, and the first step whose effect a runtime stage would miss.
pub(super) fn scan(cx: &Context<'_, '_>, instrs: &[(usize, &Instr)]) -> (Build, Option<String>) {
    let mut build = Build::default();
    let mut cwd: Option<String> = Some("/".into());
    // The first step whose effect the runtime stage would miss: said once the build is known to
    // compile and the image to be an application.
    let mut blocked: Option<String> = None;
    for (i, ins) in instrs {
        match ins.kind {
            Kind::Workdir => {
                let arg = ins.args.first().map(|a| a.value.as_str()).unwrap_or("");
                cwd = absolute(arg, cwd.as_deref());
            }
            Kind::Run => {
                let line = cx.doc.line_of(ins.span.start) + 1;
                let Some(script) = cx.script(*i) else {
                    blocked.get_or_insert(format!("the RUN at line {line} could not be read"));
                    continue;
                };
                let mut here = cwd.clone();
                for c in &script.commands {
                    if let Err(why) = build.take(c, &mut here) {
                        blocked.get_or_insert(format!("the RUN at line {line} runs {why}"));
                    }
                }
            }
            Kind::Copy | Kind::Add => {
                let dest = ins.args.last().map(|a| a.value.as_str()).unwrap_or("");
                match absolute(dest, cwd.as_deref()) {
                    Some(dest) if ins.flag("from").is_none() => build.write(&dest),
                    _ => {
                        blocked.get_or_insert(format!(
                            "the {} at line {} cannot be carried over",
                            ins.keyword,
                            cx.doc.line_of(ins.span.start) + 1
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    (build, blocked)
}

/// The program a Makefile's `install` target installs is all it installs: its recipe writes
/// only into a `bin` folder (no libraries, data, manuals or configuration).
pub(super) fn make_install_is_bin_only(cx: &Context<'_, '_>) -> bool {
    let Some(makefile) = ["GNUmakefile", "makefile", "Makefile"]
        .iter()
        .find_map(|m| cx.build_context.read(m))
    else {
        return false;
    };
    let mut recipe = String::new();
    let mut inside = false;
    for line in makefile.lines() {
        if line.starts_with('\t') {
            if inside {
                recipe.push_str(line);
                recipe.push('\n');
            }
        } else {
            inside = line
                .split(':')
                .next()
                .is_some_and(|t| t.split_whitespace().any(|w| w == "install"))
                && line.contains(':');
        }
    }
    let other = [
        "/lib",
        "/share",
        "/etc",
        "/include",
        "/man",
        "libdir",
        "datadir",
        "sysconfdir",
        "mandir",
        "includedir",
        "$(MAKE)",
        "${MAKE}",
    ];
    !recipe.is_empty()
        && recipe.to_ascii_lowercase().contains("bin")
        && !other.iter().any(|o| {
            recipe
                .to_ascii_lowercase()
                .contains(&o.to_ascii_lowercase())
        })
}

/// The runtime stage for a stage on a Debian or Ubuntu image that compiles with apt-installed
/// tools. `Ok(None)`: not such a build (nothing to say); `Err`: why it is not split.
pub(super) fn native(
    cx: &Context<'_, '_>,
    instrs: &[(usize, &Instr)],
) -> Result<Option<NativePlan>, String> {
    let base = &cx.facts.stages[0].base;
    if base.family != Family::Debian || base.package_manager != Some(PackageManager::Apt) {
        return Ok(None);
    }
    let Some(image) = base.image.as_ref().filter(|i| i.is_official()) else {
        return Ok(None);
    };
    if !matches!(image.name.as_str(), "debian" | "ubuntu" | "buildpack-deps") {
        return Ok(None);
    }
    let (build, blocked) = scan(cx, instrs);
    let workdir = final_workdir(instrs);
    let cwd = workdir.clone().or(Some("/".into()));
    if !build.compiles {
        return Ok(None);
    }
    match cx.facts.stages[0].role {
        crate::facts::Role::Application => {}
        crate::facts::Role::BuiltUpon(why) | crate::facts::Role::Undecided(why) => {
            return Err(format!("not an application image: {why}"));
        }
        crate::facts::Role::Build => return Ok(None),
    }
    let start = instrs
        .iter()
        .rev()
        .find(|(_, i)| i.is(Kind::Entrypoint))
        .or_else(|| instrs.iter().rev().find(|(_, i)| i.is(Kind::Cmd)))
        .map(|(_, i)| *i)
        .ok_or("no start command")?;
    if let Some(why) = blocked {
        return Err(why);
    }
    // buildpack-deps brings -dev libraries the file does not install.
    if image.name == "buildpack-deps" {
        links_only_base_libraries(cx, instrs)?;
    }
    let Some(release) = base.release.as_ref().map(|r| r.name.clone()) else {
        return Err(format!(
            "the release of `{}` is not known, so the runtime packages cannot be named",
            base.reference
        ));
    };
    // The runtime packages: compilers and build tools left out, -dev packages mapped to their
    // libraries, a JDK to its JRE, the rest kept.
    let mut packages: Vec<String> = Vec::new();
    let mut jre = None;
    for p in &build.installed {
        if let Some(j) = jre_of(p) {
            jre = Some(j.clone());
            packages.push(j);
        } else if p.ends_with("-dev") {
            packages.extend(dev_runtime(&release, p)?);
        } else if !packages::is_build_package(p) && !packages::is_toolchain_package(p) {
            packages.push(p.clone());
        }
    }
    keep_first(&mut packages);
    // What the program needs from the build stage.
    let words = cx
        .doc
        .command_words(start)
        .ok_or("the start command could not be read")?;
    let program = words.first().ok_or("the start command is empty")?.clone();
    let mut copies: Vec<String> = Vec::new();
    let in_workdir = |p: &str| workdir.as_deref().is_some_and(|w| is_under(p, w));
    if program == "java" {
        if jre.is_none() {
            return Err(
                "the start command runs `java`, but no JDK package is installed with apt".into(),
            );
        }
        let w = workdir
            .clone()
            .ok_or("`java` runs classes from a folder that is not known")?;
        copies.push(w);
    } else if matches!(
        program.as_str(),
        "sh" | "bash" | "python" | "python3" | "node" | "perl"
    ) {
        return Err(format!(
            "the start command runs `{program}`: a script, not the program the build made"
        ));
    } else if program.contains('/') {
        let path =
            absolute(&program, cwd.as_deref()).ok_or("the start command's path is not literal")?;
        if let Some(prefix) = build.prefixes.iter().find(|p| is_under(&path, p)) {
            copies.push(prefix.clone());
        } else if build.outputs.contains(&path) {
            copies.push(path);
        } else if in_workdir(&path) {
            copies.push(workdir.clone().unwrap_or_default());
        } else {
            return Err(format!("cannot tell which build step makes `{path}`"));
        }
    } else {
        // Run by name: from a folder on PATH that the build filled.
        let on_path = [
            "/usr/local/bin",
            "/usr/local/sbin",
            "/usr/bin",
            "/usr/sbin",
            "/bin",
        ];
        if let Some(out) = build.outputs.iter().find(|o| {
            o.rsplit('/').next() == Some(program.as_str()) && on_path.iter().any(|d| is_under(o, d))
        }) {
            copies.push(out.clone());
        } else if let Some(prefix) = build
            .prefixes
            .iter()
            .find(|p| on_path.iter().any(|d| is_under(d, p)))
        {
            copies.push(prefix.clone());
        } else {
            return Err(format!(
                "cannot tell where the build puts `{program}`, which the start command runs by name"
            ));
        }
    }
    // Every install prefix goes along (the program's libraries and data live there), and the
    // system files the steps wrote.
    for p in build.prefixes.iter().chain(&build.system_writes) {
        if matches!(p.as_str(), "/" | "/usr" | "/opt" | "/etc") && build.prefixes.contains(p) {
            return Err(format!(
                "`make install` writes under `{p}`, mixed with the distribution's own files"
            ));
        }
        copies.push(p.clone());
    }
    let mut kept: Vec<String> = Vec::new();
    copies.sort();
    for c in copies {
        if !kept.iter().any(|k| is_under(&c, k)) {
            kept.retain(|k| !is_under(k, &c));
            kept.push(c);
        }
    }
    let runtime = match image.name.as_str() {
        "debian" | "buildpack-deps" => match image.tag.as_deref() {
            Some(t) if t.contains("slim") => base.reference.clone(),
            _ if images::official_tag("debian", &format!("{release}-slim")).is_some() => {
                format!("debian:{release}-slim")
            }
            _ => base.reference.clone(),
        },
        _ => base.reference.clone(),
    };
    Ok(Some(NativePlan {
        runtime,
        packages,
        copies: kept,
        workdir,
        accounts: build.accounts,
    }))
}

/// Libraries every Debian slim image has (the C library's own, zlib and libstdc++, which apt
/// itself needs): a program that links only these runs there.
const BASE_LIBRARIES: &[&str] = &[
    "c", "m", "pthread", "dl", "rt", "util", "crypt", "resolv", "z", "stdc++", "gcc_s",
];

/// On a build image that carries -dev libraries of its own (`gcc`, `buildpack-deps`), the program
/// must link only what the slim runtime has: the build files of the context (Makefile,
/// Makefile.am, configure.ac, CMakeLists.txt, meson.build) and the compile commands show no
/// other library. `Err` names the library, or what could not be seen.
pub(super) fn links_only_base_libraries(
    cx: &Context<'_, '_>,
    instrs: &[(usize, &Instr)],
) -> Result<(), String> {
    let mut texts: Vec<String> = Vec::new();
    for (i, _) in instrs {
        if let Some(script) = cx.script(*i) {
            for c in &script.commands {
                if matches!(
                    c.name().map(basename),
                    Some("gcc" | "g++" | "cc" | "c++" | "clang")
                ) {
                    let words: Vec<&str> = c.words.iter().map(|w| w.raw.as_str()).collect();
                    texts.push(words.join(" "));
                }
            }
        }
    }
    let files = [
        "Makefile",
        "makefile",
        "GNUmakefile",
        "Makefile.am",
        "configure.ac",
        "configure.in",
        "CMakeLists.txt",
        "meson.build",
    ];
    let found: Vec<String> = files
        .iter()
        .filter_map(|f| cx.build_context.read(f))
        .collect();
    let compiles_by_hand = !texts.is_empty();
    if found.is_empty() && !compiles_by_hand {
        return Err("the build files are not in the build context, so the libraries the program links are not known".into());
    }
    texts.extend(found);
    for text in &texts {
        for probe in [
            "AC_CHECK_LIB",
            "AC_SEARCH_LIBS",
            "PKG_CHECK_MODULES",
            "pkg-config",
            "find_package",
            "pkg_check_modules",
            "dependency(",
        ] {
            if text.contains(probe) {
                return Err(format!(
                    "the build looks for libraries (`{probe}`), which the slim runtime may lack"
                ));
            }
        }
        for word in text.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'')) {
            if let Some(lib) = word.strip_prefix("-l").filter(|l| !l.is_empty())
                && !BASE_LIBRARIES.contains(&lib)
            {
                return Err(format!(
                    "the program links `-l{lib}`, a library the slim runtime may lack"
                ));
            }
        }
        if text.contains("target_link_libraries") {
            return Err(
                "CMake links libraries (`target_link_libraries`), which the slim runtime may lack"
                    .into(),
            );
        }
    }
    Ok(())
}
