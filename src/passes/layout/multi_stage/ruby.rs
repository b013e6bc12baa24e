//! Ruby with gems that compile: bundler builds them in the full image, and the gems and the
//! application are copied onto the slim one with the runtime libraries they link.

use super::*;
use crate::facts::gems;

/// Where the official ruby images install gems (`GEM_HOME`, `BUNDLE_APP_CONFIG`).
const GEM_HOME: &str = "/usr/local/bundle";
/// Settings that move where gems or bundler's configuration live.
const GEM_PLACES: &[&str] = &["GEM_HOME", "BUNDLE_PATH", "BUNDLE_APP_CONFIG", "GEM_PATH"];

/// `ruby` (full image, or slim with an apt-installed compiler) that bundle-installs gems with C
/// extensions: the gems and the application on the slim image of the same Ruby and release.
pub(super) fn ruby(cx: &Context<'_, '_>, image: &ImageRef, instrs: &[(usize, &Instr)]) -> Split {
    let slim_base = image.tag_has("slim");
    let version = image
        .tag
        .as_deref()
        .filter(|t| t.chars().next().is_some_and(|c| c.is_ascii_digit()));
    let slim = match (slim_base, version) {
        (true, Some(v)) => Some(v.to_string()),
        (false, Some(v)) => images::slim_tag("ruby", Some(v)),
        (_, None) => None,
    };
    let release = build_release_name(cx);
    let mut runtime_packages: Vec<String> = Vec::new();
    let mut installs_gems = false;
    let mut compiles = false;
    let mut places: Vec<String> = vec![GEM_HOME.to_string()];
    for (i, ins) in instrs {
        if ins.is(Kind::Env) {
            for name in GEM_PLACES {
                if let Some(v) = ins
                    .args
                    .iter()
                    .find_map(|a| crate::facts::env_value(&a.value, name))
                {
                    // A relative BUNDLE_PATH is under the application's folder, copied with it.
                    if v.contains('$') {
                        return Err(format!(
                            "`{name}` is not literal, so where the gems are is not known"
                        ));
                    }
                    if v.starts_with('/') {
                        places.push(v.trim_end_matches('/').to_string());
                    }
                }
            }
        }
        let Some(script) = cx.script(*i) else {
            if ins.is(Kind::Run)
                && (cx.text(&ins.span).contains("bundle") || cx.text(&ins.span).contains("gem "))
            {
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
                &|p| BUILD_ONLY.contains(&p) || p.starts_with("ruby"),
                &mut runtime_packages,
            )?;
            let ops = c.operands();
            if name == "bundle" && matches!(ops.first().copied(), None | Some("install")) {
                installs_gems = true;
                // `--path`/`--deployment` put the gems under the application's folder.
                if c.has_arg("--system") {
                    return Err("`bundle install --system` puts gems where the runtime stage would not look".into());
                }
            }
            if name == "gem" && ops.first() == Some(&"install") {
                installs_gems = true;
                compiles |= ops
                    .iter()
                    .skip(1)
                    .any(|g| gems::GEMS_WITH_C_EXTENSIONS.contains(g));
            }
        }
    }
    if !installs_gems {
        return Ok(None);
    }
    let lock = cx.gemfile_lock(0);
    if !slim_base && cx.facts.stages[0].base.has_compilers {
        match &lock {
            Some(lock) => compiles |= gems::compiled_gem(lock).is_some(),
            None if !compiles => {
                return Err(
                    "no Gemfile.lock in the build context tells which gems are installed, so whether they compile, and which system libraries they link, is not known".into(),
                );
            }
            None => {}
        }
    }
    // Without a compile, slim-base's single slim stage serves better.
    if !compiles {
        return Ok(None);
    }
    let slim = slim_runtime_tag(cx, image, slim, "Ruby")?;
    let Some(lock) = lock else {
        return Err(
            "no Gemfile.lock in the build context tells which gems are installed, so the system libraries they link are not known".into(),
        );
    };
    // The libraries of the full image that the locked gems link, as runtime packages.
    for gem in gems::locked_gems(&lock) {
        let gem = gem.name;
        if let Some((_, dev)) = gems::GEM_SYSTEM_LIBRARIES.iter().find(|(g, _)| *g == gem) {
            let Some(release) = &release else {
                return Err(format!(
                    "the Debian release of `{}` is not known, so the runtime libraries `{gem}` links cannot be named",
                    cx.facts.stages[0].base.reference
                ));
            };
            runtime_packages.extend(dev_runtime(release, dev)?);
        }
    }
    let Some(workdir) = final_workdir(instrs) else {
        return Ok(None); // no application folder to carry over
    };
    places.retain(|p| !is_under(p, &workdir));
    keep_first(&mut places);
    keep_first(&mut runtime_packages);
    let runtime = format!("ruby:{slim}");
    let mut t = runtime_context(cx, instrs, &runtime, &workdir);
    t.insert("packages", &runtime_packages);
    t.insert("gem_places", &places);
    let with = match runtime_packages.is_empty() {
        true => String::new(),
        false => format!(" with `{}`", runtime_packages.join("`, `")),
    };
    let msg = format!(
        "builds and runs in one stage: the gems (`{}`) and `{workdir}` go onto `{runtime}`{with}",
        places.join("`, `")
    );
    Ok(Some(("ruby", t, Vec::new(), msg)))
}
