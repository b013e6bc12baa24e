//! Rewrite passes. One pass = one file in its family's folder + one fixture folder + one line
//! in `REGISTRY`. The registry's order is the execution order; what waits for what is declared
//! (a pass's `Phase`, a finding's `waiting_for`) and resolved by the pipeline.
//!
//! Families: `package_cache` (what package managers leave in a layer), `layout` (how
//! instructions are arranged: merges, moves, stages, the context sent), `instructions` (the form
//! of one instruction), `runtime` (what the final image runs on and as), `hints` (suggestions
//! only). A pass reads the document, the facts and the build context through `Context`, and
//! returns findings; it never touches the disk and names no other pass.

pub mod hints;
pub mod instructions;
pub mod joining;
pub mod layout;
pub mod package_cache;
pub mod runtime;

use std::ops::Range;

use crate::facts::{BuildContext, Facts};
use crate::fix::{Applicability, Fix};
use crate::settings::Settings;
use crate::shell::Script;
use crate::syntax::{Document, Instr};

/// What a pass is, for `dockopt passes` and `dockopt explain`.
#[derive(Debug)]
pub struct Meta {
    /// Stable code, e.g. `DO001`.
    pub code: &'static str,
    /// kebab-case name, e.g. `merge-runs`.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The strongest applicability its fixes have.
    pub safety: Applicability,
    /// Where its fixes stand in a round: fixes that wait for a phase (see
    /// [`Finding::waiting_for`]) are held back while that phase changes their text.
    pub phase: Phase,
    /// Markdown with the sections What it does / Why / Example / Fix safety / Facts it relies on.
    pub docs: &'static str,
    /// hadolint rules whose findings this pass fixes (for `# hadolint ignore=`).
    pub hadolint: &'static [&'static str],
}

/// The kinds of change a round makes, outermost first. A fix may declare that it waits for a
/// phase: while a fix of that phase applies to its stage (for `Structure` and `Layout`) or to
/// its instruction (for `Merge`), the pipeline holds it back a round, and it is made again on
/// the new text. Nothing else orders the passes: the pipeline, not a pass, decides who waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Rebuilds the stages (a split into build and runtime stages).
    Structure,
    /// Moves instructions within a stage (the source COPY below the installs).
    Layout,
    /// Joins instructions (consecutive RUNs into one).
    Merge,
    /// Edits within instructions, and lines that move nothing else.
    Edit,
}

impl Phase {
    /// Whether a fix of this phase holds back the waiting fixes of its whole stage, or only
    /// those of the instructions it edits.
    pub fn claims_stage(self) -> bool {
        matches!(self, Phase::Structure | Phase::Layout)
    }
}

/// One thing a pass found, with the fix if it has one.
#[derive(Debug, Clone)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    /// Byte offset the finding is reported at.
    pub offset: usize,
    pub message: String,
    pub fix: Option<Fix>,
    /// The phase of the pass that found it.
    pub phase: Phase,
    /// Phases whose fixes to the same stage or instruction this one waits for.
    pub waits_for: &'static [Phase],
}

impl Finding {
    /// Declares that this finding's fix waits for the fixes of `phases` that touch its stage
    /// or instruction in the same round (an appended cleanup waits for the merge that would
    /// move the end of its RUN).
    pub fn waiting_for(mut self, phases: &'static [Phase]) -> Finding {
        self.waits_for = phases;
        self
    }

    pub fn applicability(&self) -> Applicability {
        self.fix
            .as_ref()
            .map_or(Applicability::DisplayOnly, |f| f.applicability)
    }
}

pub trait Pass: Sync {
    fn meta(&self) -> &'static Meta;
    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>);
}

/// The passes, in execution order.
pub static REGISTRY: &[&dyn Pass] = &[
    &layout::merge_runs::MergeRuns,
    &package_cache::apt_cleanup::AptCleanup,
    &package_cache::apt_no_install_recommends::AptNoInstallRecommends,
    &package_cache::apk_no_cache::ApkNoCache,
    &package_cache::pip_no_cache_dir::PipNoCacheDir,
    &package_cache::rpm_cache_clean::RpmCacheClean,
    &package_cache::node_cache_clean::NodeCacheClean,
    &package_cache::uv_no_cache::UvNoCache,
    &package_cache::poetry_cache_clean::PoetryCacheClean,
    &instructions::exec_form::ExecForm,
    &instructions::add_to_copy::AddToCopy,
    &instructions::maintainer_to_label::MaintainerToLabel,
    &instructions::secret_mount::SecretMount,
    &instructions::wget_progress::WgetProgress,
    &instructions::one_install::OneInstall,
    &instructions::no_sudo::NoSudo,
    &instructions::pipefail::Pipefail,
    &instructions::cd_to_workdir::CdToWorkdir,
    &instructions::workdir_absolute::WorkdirAbsolute,
    &instructions::stage_casing::StageCasing,
    &instructions::env_key_value::EnvKeyValue,
    &layout::dependency_first::DependencyFirst,
    &layout::late_removal::LateRemoval,
    &runtime::slim_base::SlimBase,
    &layout::multi_stage::MultiStage,
    &runtime::non_root_user::NonRootUser,
    &runtime::npm_omit_dev::NpmOmitDev,
    &layout::dockerignore::Dockerignore,
    &hints::secret_in_layer::SecretInLayer,
    &hints::cache_bust::CacheBust,
    &instructions::copy_then_modify::CopyThenModify,
    &hints::package_upgrade::PackageUpgrade,
    &hints::undefined_var::UndefinedVar,
    &hints::unused_tools::UnusedTools,
];

/// A pass, named by its code or name and checked against the registry: what `--select`,
/// `--ignore` and the config file's lists hold once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PassId(&'static str);

impl PassId {
    /// The pass a key names (code or name, any case); `Err` with the key when none does.
    pub fn parse(key: &str) -> Result<PassId, UnknownPass> {
        lookup(key)
            .map(|p| PassId(p.meta().code))
            .ok_or_else(|| UnknownPass(key.to_string()))
    }

    /// Every key of a list, or the first that names no pass.
    pub fn parse_all<S: AsRef<str>>(keys: &[S]) -> Result<Vec<PassId>, UnknownPass> {
        keys.iter().map(|k| PassId::parse(k.as_ref())).collect()
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    pub fn is(self, meta: &Meta) -> bool {
        self.0 == meta.code
    }
}

/// A key that names no pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown pass `{0}`{near}", near = nearest_pass(&self.0).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default())]
pub struct UnknownPass(pub String);

/// The pass name or code spelled most like `key` (a typo's fix), when one is close.
pub fn nearest_pass(key: &str) -> Option<&'static str> {
    closest(
        key,
        REGISTRY.iter().flat_map(|p| [p.meta().name, p.meta().code]),
        3,
    )
}

/// The candidate spelled most like `key`, case aside, within `max` edits (the first of the
/// nearest).
pub fn closest<'a>(
    key: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    let key = key.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&key, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Finds a pass by code or name (case-insensitive).
pub fn lookup(key: &str) -> Option<&'static dyn Pass> {
    REGISTRY.iter().copied().find(|p| {
        let m = p.meta();
        m.code.eq_ignore_ascii_case(key) || m.name.eq_ignore_ascii_case(key)
    })
}

/// Everything a pass may ask about the document being rewritten.
pub struct Context<'d, 's> {
    pub doc: &'d Document<'s>,
    pub settings: &'d Settings,
    /// What is known about each stage and instruction, computed once per round.
    pub facts: Facts,
    /// The build context (files the build would send), read-only.
    pub build_context: &'d BuildContext,
}

impl<'d, 's> Context<'d, 's> {
    pub fn new(
        doc: &'d Document<'s>,
        settings: &'d Settings,
        build_context: &'d BuildContext,
    ) -> Self {
        Context {
            doc,
            settings,
            facts: Facts::of(doc),
            build_context,
        }
    }

    /// How many RUN scripts could not be parsed as shell. A rewrite must never raise it.
    pub fn opaque_count(&self) -> usize {
        self.facts.scripts().filter(|s| s.is_err()).count()
    }

    /// Shell commands whose name is an option (`--mount=…`, `-y`): never meant, so a rewrite
    /// that makes one has put text in the wrong place (a RUN flag after a merge's `&&`).
    pub fn option_commands(&self) -> usize {
        self.facts
            .scripts()
            .flatten()
            .flat_map(|s| &s.commands)
            .filter(|c| c.name().is_some_and(|n| n.starts_with('-')))
            .count()
    }

    /// The analysed script of instruction `i`, if it is a shell-form RUN we understand.
    pub fn script(&self, i: usize) -> Option<&Script> {
        self.facts.script(i)
    }

    /// The analysed script of instruction `i` when it is an `ONBUILD RUN` in shell form, which
    /// runs in the builds FROM this image.
    pub fn trigger_script(&self, i: usize) -> Option<&Script> {
        self.facts.trigger_script(i)
    }

    /// Why instruction `i`'s script was not analysed, when it is a RUN.
    pub fn opaque_reason(&self, i: usize) -> Option<&str> {
        self.facts.opaque_reason(i)
    }

    /// The instruction runs its shell-form commands with a POSIX shell (default or sh/bash SHELL,
    /// not a Windows base).
    pub fn in_posix_stage(&self, ins: &Instr) -> bool {
        ins.stage.is_some() && self.facts.instrs[self.index_of(ins)].posix_shell
    }

    fn index_of(&self, ins: &Instr) -> usize {
        self.doc
            .instructions
            .partition_point(|x| x.span.start < ins.span.start)
    }

    /// Instructions of stage `s`, with their indices.
    pub fn stage_instrs(&self, s: usize) -> impl Iterator<Item = (usize, &'d Instr)> {
        let range = self.doc.stages[s].instrs.clone();
        range.map(|i| (i, &self.doc.instructions[i]))
    }

    /// Instructions that run after instruction `i` on top of its filesystem: the rest of its
    /// stage and every stage built `FROM` it.
    pub fn later_in_chain(&self, i: usize) -> Vec<usize> {
        let Some(stage) = self.doc.instructions[i].stage else {
            return Vec::new();
        };
        let mut out: Vec<usize> = (i + 1..self.doc.stages[stage].instrs.end).collect();
        for d in self.doc.descendants(stage) {
            out.extend(self.doc.stages[d].instrs.clone());
        }
        out
    }

    /// The final stage, when it is an application image (its role in the facts): what the
    /// passes that trim the running image look at.
    pub fn application_stage(&self) -> Option<usize> {
        let last = self.doc.stages.len().checked_sub(1)?;
        matches!(
            self.facts.stages[last].role,
            crate::facts::Role::Application
        )
        .then_some(last)
    }

    /// The effective user of instruction `i` is root (no USER, or USER root/0, in its chain).
    pub fn runs_as_root(&self, i: usize) -> bool {
        match &self.facts.instrs[i].user {
            None => true,
            Some(u) => {
                let name = u.split(':').next().unwrap_or("");
                name == "root" || name == "0"
            }
        }
    }

    /// An `ENV` or `ARG` in instruction `i`'s chain sets `name`.
    pub fn env_set_before(&self, i: usize, name: &str) -> bool {
        self.facts.instrs[i].env.iter().any(|k| k == name)
    }

    /// The build-context folder (`""` for the top, `"app/"`) from which a COPY of stage `s`
    /// brings one of the manifests `names` (by name, or a glob such as `Gemfile*` or
    /// `package*.json`); the top when no COPY names one.
    pub fn manifest_folder(&self, s: usize, names: &[&str]) -> String {
        let matches = |base: &str| {
            names.iter().any(|n| match base.split_once('*') {
                Some((pre, post)) => n.starts_with(pre) && n[pre.len()..].ends_with(post),
                None => base == *n,
            })
        };
        self.stage_instrs(s)
            .filter(|(_, ins)| {
                (ins.is(crate::syntax::Kind::Copy) || ins.is(crate::syntax::Kind::Add))
                    && ins.flag("from").is_none()
            })
            .flat_map(|(_, ins)| &ins.args[..ins.args.len().saturating_sub(1)])
            .find_map(|a| {
                let v = a.value.trim_start_matches("./");
                let (dir, base) = v.rsplit_once('/').map_or(("", v), |(d, b)| (d, b));
                matches(base).then(|| match dir {
                    "" => String::new(),
                    d => format!("{d}/"),
                })
            })
            .unwrap_or_default()
    }

    /// The `Gemfile.lock` that stage `s` installs gems from, read from the build context.
    pub fn gemfile_lock(&self, s: usize) -> Option<String> {
        let dir = self.manifest_folder(s, &["Gemfile", "Gemfile.lock"]);
        self.build_context.read(&format!("{dir}Gemfile.lock"))
    }

    /// The npm packages stage `s` installs from its manifests (lock file, else package.json),
    /// read from the build context; `None` when none can be read.
    pub fn npm_packages(&self, s: usize) -> Option<Vec<String>> {
        let dir = self.manifest_folder(
            s,
            &[
                "package.json",
                "package-lock.json",
                "yarn.lock",
                "pnpm-lock.yaml",
            ],
        );
        crate::facts::npm::installed_packages(|f| self.build_context.read(&format!("{dir}{f}")))
    }

    pub fn finding(
        &self,
        meta: &'static Meta,
        offset: usize,
        message: impl Into<String>,
        fix: Option<Fix>,
    ) -> Finding {
        Finding {
            code: meta.code,
            name: meta.name,
            offset,
            message: message.into(),
            fix,
            phase: meta.phase,
            waits_for: &[],
        }
    }

    pub fn text(&self, r: &Range<usize>) -> &'s str {
        self.doc.slice(r)
    }
}

/// The `# syntax=docker/dockerfile:1` line a fix that uses `RUN --mount` adds when the file has
/// none and the setting allows it. The frontend image it names comes from a registry: an
/// air-gapped build can do without (Docker 20.10 and later take `RUN --mount` with their
/// built-in frontend).
pub fn syntax_directive_edit(cx: &Context<'_, '_>) -> Option<crate::fix::Edit> {
    if cx.doc.syntax_directive.is_some() || !cx.settings.syntax_directive {
        return None;
    }
    let bom = if cx.doc.text.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    Some(crate::fix::Edit::insert(
        bom,
        format!("# syntax=docker/dockerfile:1{}", cx.doc.newline),
    ))
}
