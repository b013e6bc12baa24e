use crate::fix::{Applicability, Fix};
use crate::passes::{Context, Finding, Meta, Pass};
use crate::shell::{basename, insert_after_word};
use crate::syntax::Kind;

pub struct NpmOmitDev;

static META: Meta = Meta {
    code: "DO048",
    name: "npm-omit-dev",
    summary: "npm installs development dependencies into the image the application runs in, which nothing after it uses",
    safety: Applicability::Unsafe,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
In the final stage of an application image, adds `--omit=dev` (`--production` where the Node
image's npm is older than 7) to `npm install` / `npm ci` when `package.json` (build context)
has `devDependencies` and nothing after the install needs them: no later `RUN` runs an npm
script, `npx`, yarn or a program of a development dependency, and the start command runs
`node` (directly, or through `npm start` whose script starts with `node`).

## Why
Development dependencies (test runners, linters, bundlers, type checkers, nodemon) are often
larger than the application's own, and a running server never loads them.

## Example
```dockerfile
FROM node:18-slim
WORKDIR /app
COPY . .
RUN npm install
CMD ["node", "server.js"]
```
becomes `RUN npm install --omit=dev`.

## Fix safety
Unsafe: the application could `require` a package listed only under `devDependencies` (a
mistake in its package.json that the full install hid); such a start fails at once.

## Facts it relies on
The stage's role (an application, the final stage), its base's tag (the Node major, for the
flag npm understands), the analysed scripts of the RUNs after the install, the start command,
and `package.json` in the build context (its `devDependencies` and `start` script).
"#,
};

/// The Node major of a `node:` tag (`18`, `18-slim`, `18.19.0-bookworm`), if it says.
fn node_major(tag: Option<&str>) -> Option<u32> {
    tag?.split(['.', '-']).next()?.parse().ok()
}

impl Pass for NpmOmitDev {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        let Some(last) = cx.application_stage() else {
            return;
        };
        let Some(manifest) = cx
            .build_context
            .read("package.json")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            return;
        };
        let dev: Vec<String> = manifest["devDependencies"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        if dev.is_empty() {
            return;
        }
        // The start command must run node, not a development tool (nodemon, ts-node).
        let instrs: Vec<(usize, &crate::syntax::Instr)> = cx.stage_instrs(last).collect();
        let start = instrs
            .iter()
            .rev()
            .find(|(_, i)| i.is(Kind::Entrypoint) || i.is(Kind::Cmd))
            .and_then(|(_, i)| doc.command_words(i));
        let start_script = manifest["scripts"]["start"].as_str().unwrap_or("");
        let runs_node = match start.as_deref() {
            Some([node, ..]) if node == "node" => true,
            Some([npm, s, ..]) if npm == "npm" && s == "start" => {
                start_script.split_whitespace().next() == Some("node")
            }
            _ => false,
        };
        if !runs_node {
            return;
        }
        let image = &cx.facts.stages[last].base;
        let flag = match image
            .image
            .as_ref()
            .filter(|i| i.name == "node")
            .and_then(|i| node_major(i.tag.as_deref()))
        {
            Some(major) if major >= 16 => "--omit=dev",
            _ => "--production",
        };
        for (n, (i, _)) in instrs.iter().enumerate() {
            let Some(script) = cx.script(*i) else {
                continue;
            };
            let Some((k, c)) = script.commands.iter().enumerate().find(|(_, c)| {
                c.name().map(basename) == Some("npm")
                    && matches!(c.first_operand(), Some("install" | "i" | "ci"))
                    && c.operands().len() == 1
                    && !c.args().any(|w| {
                        w.lit.as_deref().is_some_and(|a| {
                            a.starts_with("--omit")
                                || a.starts_with("--only")
                                || a.starts_with("--production")
                                || a == "-g"
                                || a == "--global"
                        })
                    })
            }) else {
                continue;
            };
            // Nothing after the install (in this RUN or later) may need a dev dependency.
            let later = script.commands[k + 1..].iter().chain(
                instrs[n + 1..]
                    .iter()
                    .filter_map(|(j, _)| cx.script(*j))
                    .flat_map(|s| s.commands.iter()),
            );
            let mut needs_dev = false;
            for c in later {
                let name = c.name().map(basename).unwrap_or("");
                let npm_script = name == "npm"
                    && !matches!(c.first_operand(), Some("cache" | "config" | "prune"));
                if npm_script
                    || matches!(name, "npx" | "yarn" | "pnpm" | "node")
                    || dev.iter().any(|d| d == name)
                {
                    needs_dev = true;
                }
            }
            let unread_later = instrs[n + 1..]
                .iter()
                .any(|(j, x)| x.is(Kind::Run) && cx.script(*j).is_none());
            if needs_dev || unread_later {
                continue;
            }
            let word = c
                .words
                .iter()
                .position(|w| matches!(w.lit.as_deref(), Some("install" | "i" | "ci")))
                .unwrap_or(0);
            out.push(cx.finding(
                &META,
                doc.instructions[*i].span.start,
                format!(
                    "`npm {}` installs the {} development dependencies of package.json too, and nothing after it uses them: `{flag}`",
                    c.first_operand().unwrap_or("install"),
                    dev.len()
                ),
                Some(Fix::new(
                    Applicability::Unsafe,
                    vec![insert_after_word(c, word, flag)],
                )),
            ));
        }
    }
}
