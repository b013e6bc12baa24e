//! Every fixture in `tests/fixtures/passes/<pass>/` runs through its pass alone, in safe and in
//! unsafe mode. `*.ok.Dockerfile` must not change in either. `*.cache-mounts.Dockerfile` runs
//! with `--cache-mounts`. The snapshot shows the findings, the diff and the output.

use std::fmt::Write;
use std::path::Path;

use dockopt::passes::REGISTRY;
use dockopt::{Settings, diff};

use crate::support::{only, optimize_checked, repo};

fn render(name: &str, text: &str, settings: &Settings) -> String {
    let out = optimize_checked(text, settings);
    let mut s = String::new();
    for a in &out.applied {
        writeln!(s, "applied {}:{} {} {}", a.code, a.line, a.name, a.message).unwrap();
    }
    for g in &out.suggestions {
        writeln!(
            s,
            "suggest {}:{} {} [{}] {}",
            g.code,
            g.line,
            g.name,
            g.applicability.as_str(),
            g.message
        )
        .unwrap();
    }
    for f in &out.new_files {
        writeln!(s, "new file {}:\n{}", f.path, f.content).unwrap();
    }
    let d = diff::unified(name, text, &out.output);
    if d.is_empty() && out.new_files.is_empty() {
        s.push_str("(unchanged)\n");
    } else {
        s.push_str(&d);
        s.push_str("----- output -----\n");
        s.push_str(&out.output);
    }
    s
}

#[test]
fn pass_fixtures() {
    let mut failures = Vec::new();
    let mut fixtures: Vec<_> = std::fs::read_dir(repo().join("tests/fixtures/passes"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "Dockerfile"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 20, "only {} fixtures", fixtures.len());
    // A build context belongs to a fixture of the same name (`x.context` to `x.Dockerfile` or
    // `x.ok.Dockerfile`): one that matches none would go silently unused.
    for dir in std::fs::read_dir(repo().join("tests/fixtures/passes")).unwrap() {
        for e in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap();
            if let Some(stem) = name.strip_suffix(".context") {
                assert!(
                    p.with_file_name(format!("{stem}.Dockerfile")).exists()
                        || p.with_file_name(format!("{stem}.ok.Dockerfile")).exists(),
                    "{} belongs to no fixture",
                    p.display()
                );
            }
        }
    }
    for path in fixtures {
        let pass = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        let result = std::panic::catch_unwind(|| check_fixture(&pass, &file, &path));
        if result.is_err() {
            failures.push(format!("{pass}/{file}"));
        }
    }
    assert!(failures.is_empty(), "failing fixtures: {failures:#?}");
}

fn check_fixture(pass: &str, file: &str, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let cache = file.contains(".cache-mounts.");
    // `name.context/` beside `name.Dockerfile` is its build context.
    let context = path.with_file_name(
        file.replace(".ok.Dockerfile", ".context")
            .replace(".Dockerfile", ".context"),
    );
    let with_context = |mut s: dockopt::Settings| {
        s.context = context.is_dir().then(|| context.clone());
        s.prefer_alpine = file.contains(".prefer-alpine.");
        s
    };
    let safe = render(file, &text, &with_context(only(pass, false, cache)));
    let unsafe_ = render(file, &text, &with_context(only(pass, true, cache)));
    if file.ends_with(".ok.Dockerfile") {
        assert!(
            safe.contains("(unchanged)") && unsafe_.contains("(unchanged)"),
            "{file} changed:\n{safe}\n{unsafe_}"
        );
    }
    let display_only =
        dockopt::passes::lookup(pass).unwrap().meta().safety == dockopt::Applicability::DisplayOnly;
    let warned = unsafe_.lines().any(|l| l.starts_with("suggest "));
    match (file.ends_with(".ok.Dockerfile"), display_only) {
        // A warning-only pass: positive fixtures warn, `.ok` ones stay silent.
        (true, true) => assert!(!warned, "{file} warned:\n{unsafe_}"),
        (false, true) => assert!(warned, "{file}: a positive fixture of a warning must warn"),
        (false, false) => assert!(
            !unsafe_.contains("(unchanged)"),
            "{file}: a positive fixture must change (at least with --unsafe-fixes)"
        ),
        (true, false) => {}
    }
    let both = if safe == unsafe_ {
        format!("## safe = unsafe\n{safe}")
    } else {
        format!("## safe\n{safe}\n## --unsafe-fixes\n{unsafe_}")
    };
    insta::with_settings!({ snapshot_path => repo().join("snapshots/passes"), prepend_module_to_snapshot => false, description => format!("{pass}/{file}") }, {
        insta::assert_snapshot!(format!("{pass}__{}", file.trim_end_matches(".Dockerfile")), both);
    });
}

#[test]
fn every_pass_is_documented_and_has_fixtures() {
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for p in REGISTRY {
        let m = p.meta();
        assert!(codes.insert(m.code), "duplicate code {}", m.code);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        for section in [
            "## What it does",
            "## Why",
            "## Example",
            "## Fix safety",
            "## Facts it relies on",
        ] {
            assert!(m.docs.contains(section), "{} docs lack {section}", m.name);
        }
        let dir = repo().join("tests/fixtures/passes").join(m.name);
        let files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{} has no fixture folder {}", m.name, dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            files.iter().any(|f| f.ends_with(".ok.Dockerfile")),
            "{}: no must-not-change fixture",
            m.name
        );
        assert!(
            files.iter().any(|f| !f.ends_with(".ok.Dockerfile")),
            "{}: no positive fixture",
            m.name
        );
    }
    for entry in std::fs::read_dir(repo().join("tests/fixtures/passes")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(name.as_str()),
            "fixture folder {name} names no pass"
        );
    }
}

/// The whole pipeline on the classic exercise (techniques.md): the winning single-stage "after".
#[test]
fn classic_exercise() {
    let text = std::fs::read_to_string(repo().join("examples/classic/Dockerfile")).unwrap();
    let safe = optimize_checked(&text, &Settings::default());
    let runs: Vec<&str> = safe
        .output
        .lines()
        .filter(|l| l.starts_with("RUN"))
        .collect();
    assert_eq!(
        runs.len(),
        2,
        "one apt RUN and one pip RUN:\n{}",
        safe.output
    );
    assert_eq!(
        safe.output.matches("rm -rf /var/lib/apt/lists/*").count(),
        1
    );
    assert_eq!(safe.output.matches("--no-cache-dir").count(), 3);
    // One apt-get install, its packages sorted one per line (issue 13's "after").
    assert_eq!(safe.output.matches("apt-get install").count(), 1);
    assert!(
        safe.output
            .contains("apt-get install -y \\\n        curl \\\n        git \\\n        python3 \\\n        python3-pip \\\n"),
        "{}",
        safe.output
    );
    assert!(safe.output.contains(r#"CMD ["python3", "app.py"]"#));
    assert!(!safe.output.contains("--no-install-recommends"));
    let unsafe_ = optimize_checked(
        &text,
        &Settings {
            unsafe_fixes: true,
            ..Settings::default()
        },
    );
    assert!(unsafe_.output.contains("--no-install-recommends"));
    // The winning single-stage "after": slim Python base, installs above the source, non-root.
    assert!(unsafe_.output.starts_with("FROM python:3.8-slim\n"));
    let pip = unsafe_.output.find("pip3 install").unwrap();
    assert!(
        pip < unsafe_
            .output
            .find("COPY --chown=10001:10001 . /app/")
            .unwrap()
    );
    assert!(unsafe_.output.contains("\nUSER 10001:10001\n"));
    // One pip3 install with the three packages (pip resolves them together: unsafe only).
    assert_eq!(unsafe_.output.matches("pip3 install").count(), 1);
    assert!(
        unsafe_
            .output
            .contains("    flask \\\n    gunicorn \\\n    requests\n")
    );
    insta::with_settings!({ snapshot_path => repo().join("snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("classic_safe", safe.output);
        insta::assert_snapshot!("classic_unsafe", unsafe_.output);
    });
}

/// The whole pipeline on every bundled example app (`examples/*/`, the image benchmark's
/// inputs), with its folder as the build context: what `dockopt optimize` makes of each.
#[test]
fn bundled_examples() {
    let mut dirs: Vec<_> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("Dockerfile").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 9, "only {} examples", dirs.len());
    for dir in dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
        assert!(
            dir.join("smoke").is_file(),
            "{name}: no smoke command for the image benchmark"
        );
        let settings = |unsafe_fixes, cache_mounts| Settings {
            unsafe_fixes,
            cache_mounts,
            context: Some(dir.clone()),
            ..Settings::default()
        };
        let safe = render("Dockerfile", &text, &settings(false, false));
        let unsafe_ = render("Dockerfile", &text, &settings(true, false));
        // Every pass at once with cache mounts: where a merge and a mount meet.
        let mounts = render("Dockerfile", &text, &settings(true, true));
        let output = optimize_checked(&text, &settings(true, false)).output;
        // What the benchmark counts on: compiled builds split in two, a non-root final stage
        // unless the server binds a port below 1024 (nginx), and no heredoc (buildah 1.28).
        let stages = output.lines().filter(|l| l.starts_with("FROM ")).count();
        if ["go", "rust", "c-make", "node-build", "c-extension"].contains(&name.as_str()) {
            assert_eq!(
                stages, 2,
                "{name}: not split into build and runtime:\n{output}"
            );
        }
        let final_stage = &output[output.rfind("\nFROM ").map_or(0, |p| p + 1)..];
        assert_eq!(
            final_stage.contains("\nUSER "),
            !final_stage.contains("EXPOSE 80\n"),
            "{name}: final stage user:\n{output}"
        );
        assert!(!output.contains("<<"), "{name}: a heredoc:\n{output}");
        insta::with_settings!({ snapshot_path => repo().join("snapshots/examples"), prepend_module_to_snapshot => false, description => format!("examples/{name}") }, {
            insta::assert_snapshot!(name, format!("## safe\n{safe}\n## --unsafe-fixes\n{unsafe_}\n## --unsafe-fixes --cache-mounts\n{mounts}"));
        });
    }
}

/// The whole pipeline folds a later removal of build tools into the layer that installed them
/// (late-removal moves the manifests, merge-runs joins the RUNs): nothing of them ships.
#[test]
fn late_removal_folds_into_the_install_layer() {
    let path = repo().join("tests/fixtures/passes/late-removal/two-manifests.Dockerfile");
    let text = std::fs::read_to_string(path).unwrap();
    let settings = Settings {
        unsafe_fixes: true,
        ..Settings::default()
    };
    let out = optimize_checked(&text, &settings).output;
    let install = out.find("RUN apk --no-cache add").expect("install kept");
    let layer = &out[install..];
    let layer = &layer[..layer.find("\nCOPY").expect("source copied after")];
    assert!(layer.contains("apk del --purge build-base gcc"), "{out}");
    assert!(layer.contains("npm install"), "{out}");
    assert!(out.find("package.json /app/package.json").unwrap() < install);
    let safe = optimize_checked(&text, &Settings::default()).output;
    assert!(
        safe.contains("nodejs\n\nCOPY requirements.txt"),
        "safe mode leaves the order alone:\n{safe}"
    );
}
