//! Cargo: the dependencies built first from the manifests and a stub `src/main.rs`.

use super::*;

/// A top-level `cargo build` in RUN `idx` with only flags that do not change what or where it
/// builds, as its words.
pub(super) fn cargo_build(cx: &Context<'_, '_>, idx: usize) -> Option<Vec<String>> {
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
    pub(super) fn cargo_stub(
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
        let name = crate::facts::tools::cargo_package_name(&manifest)?;
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
