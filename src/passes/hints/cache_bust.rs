use crate::fix::Applicability;
use crate::passes::{Context, Finding, Meta, Pass};
use crate::syntax::Kind;

pub struct CacheBust;

static META: Meta = Meta {
    code: "DO041",
    name: "cache-bust",
    summary: "A step that records the build time or busts the cache, early in the file",
    safety: Applicability::DisplayOnly,
    phase: crate::passes::Phase::Edit,
    hadolint: &[],
    docs: r#"## What it does
Warns about a `RUN` that writes the build date (`date > file`, `$(date ...)`) or uses a
cache-busting build argument (`ARG CACHEBUST`), when other build steps come after it.

## Why
Docker caches `RUN date > /build-time` by its command text, so the recorded time is the first
build's, not this one's; a cache-busting argument, once changed, rebuilds every later step.
Either way, put such a step last (or compute the value at run time) so that the steps before it
keep their cache.

## Example
```dockerfile
RUN date > /build-time.txt
RUN apt-get update && apt-get install -y curl
```
should put the `date` step after the install (or write the time at container start).

## Fix safety
A suggestion only: where the value belongs is the author's call.

## Facts it relies on
The instructions and their order.
"#,
};

impl Pass for CacheBust {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn run(&self, cx: &Context<'_, '_>, out: &mut Vec<Finding>) {
        let doc = cx.doc;
        for (i, ins) in doc.instructions.iter().enumerate() {
            if !ins.is(Kind::Run) {
                continue;
            }
            let text = cx.text(&ins.span);
            let stamps = text.contains("$(date")
                || text.contains("`date")
                || cx.script(i).is_some_and(|s| {
                    s.commands.iter().any(|c| c.name() == Some("date"))
                        && (text.contains('>') || text.contains("| tee"))
                });
            let busts = ["CACHEBUST", "CACHE_BUST", "CACHEBUSTER", "CACHE_DATE"]
                .iter()
                .any(|a| text.contains(a));
            if !(stamps || busts) {
                continue;
            }
            let later_work = cx
                .later_in_chain(i)
                .iter()
                .any(|&j| matches!(doc.instructions[j].kind, Kind::Run | Kind::Copy | Kind::Add));
            if later_work {
                let what = if busts {
                    "uses a cache-busting argument"
                } else {
                    "records the build time"
                };
                out.push(cx.finding(&META, ins.span.start, format!("this RUN {what} before other build steps: move it last, or compute the value at run time"), None));
            }
        }
    }
}
