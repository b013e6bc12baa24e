//! Which install commands dockopt knows, and what each reads from the build context: the
//! dispatch over package managers, and the words of their command lines.

use super::*;

/// Commands that install dependencies (worth a word when they cannot be moved).
pub(super) const INSTALLERS: &[&str] = &[
    "npm", "yarn", "pnpm", "go", "bundle", "composer", "pipenv", "poetry", "mvn", "dotnet",
    "gradle", "cargo", "uv",
];

/// A word that names a package rather than a path or an expansion.
pub(super) fn is_package_name(w: &str) -> bool {
    !w.is_empty()
        && !w.contains('/')
        && !w.starts_with('.')
        && !w.contains(['$', '`', '*', '?'])
        && !w.ends_with(".deb")
}

/// Classifies one command. Ok(None): independent of the source. Ok(Some(manifests)): reads only
/// these manifests (relative to its folder). Err: reads the source or is not understood.
pub(super) fn classify(c: &SimpleCmd, cx: &Ctx<'_>) -> Result<Option<Vec<String>>, String> {
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
                    .iter()
                    .filter(|n| [".csproj", ".fsproj", ".vbproj", ".sln"].iter().any(|x| n.ends_with(x)) || n.eq_ignore_ascii_case("nuget.config"))
                    .cloned()
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
pub(super) fn location_option<'a>(name: &str, args: &[&'a str]) -> Option<&'a str> {
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

/// Each word's literal text, `$` for a computed one.
pub(super) fn literal_words(words: &[crate::shell::Word]) -> Vec<&str> {
    words
        .iter()
        .map(|w| w.lit.as_deref().unwrap_or("$"))
        .collect()
}

/// An option word and its value, attached (`--opt=v`, `-rv`) or the next word (`-r v`).
pub(super) fn split_option<'a>(word: &'a str, next: Option<&'a str>) -> (&'a str, Option<&'a str>) {
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
