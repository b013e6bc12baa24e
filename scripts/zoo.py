#!/usr/bin/env python3
"""The zoo benchmark: for each app of the build zoo (zoo/<app>/ with a naive single-stage
`Dockerfile`, a hand-optimized `expert.Dockerfile` and a one-line `smoke` test), builds four
variants with buildah through `dockopt measure` and compares them:

  naive   the app's Dockerfile as written
  safe    dockopt's rewrite (`dockopt optimize --stdin-filename zoo/<app>/Dockerfile -`)
  unsafe  its rewrite with `--unsafe-fixes` (with the .dockerignore it may add, in its context only)
  expert  expert.Dockerfile

Per variant it records image size, layers, cold build time, rebuild time after a source edit,
the user, and whether the smoke test passed (and its error). The naive file is built once for
the variants that share its context (`measure --against`); an unsafe rewrite that adds a
.dockerignore is measured on its own (`measure --unsafe-fixes`, as scripts/bench_images.py
does), and the expert is then the original of a second measurement, with the safe rewrite
against it, so that every variant is still built once (when the safe rewrite is the naive file
itself, that second one is the naive against the expert: the naive is built twice). A rewrite
identical to another variant is not built again. Each build and smoke test may take --timeout
seconds (measure's own limit), then it fails.

Each app's results go to target/zoo/<app>.json with a hash of everything that decides them
(the four Dockerfile texts and the .dockerignore the unsafe rewrite adds, the smoke line, the
app's files, the rebuild count): an app whose hash is unchanged is not built again (`--fresh`
builds it all the same). A failed build is a result, recorded like any other; one app's failure
never stops the others. Ctrl-C stops the build under way (measure removes its images) and
leaves the apps finished so far cached: run the same command again to go on.

The report replaces the part of BENCHMARKS.md between `<!-- zoo:start -->` and
`<!-- zoo:end -->` (appended at the end when the markers are missing; everything else is left
byte for byte): every app of zoo/ with a current result (the apps not measured, or changed
since, are named at the end, so that measuring one app keeps the others' rows), the summary, the per-app table, the
apps whose unsafe image is above 1.5x the expert's with what dockopt said it lacked, and the
done-when check (every unsafe image builds and passes its smoke test; median unsafe/expert
<= 1.15), which is printed too.

`--static` builds nothing: per app, whether the unsafe rewrite changed the file, whether it
split it into stages, and the messages of the unsafe run that were not fixed (the suggestions
of `dockopt optimize --unsafe-fixes --format json`), multi-stage (DO033) and slim-base (DO032)
in full. It takes a second or two: run it after each change to dockopt.

A full run takes long (every variant built cold, then rebuilt after edits: minutes per app on
2 cores), which is why it is resumable, and why it is not part of CI or scripts/test.sh.

Apps are named as in zoo/ (`go-build-static`) or by folder (any folder with the three files).
The script builds dockopt first (`cargo build --release`) unless --binary names one.

Usage: scripts/zoo.py [--static] [--fresh] [--rebuilds 1] [--timeout 600] [--binary PATH]
                      [--output BENCHMARKS.md] [--only APP,APP] [APP ...]
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_images import engine_version, secs

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "zoo"
CACHE = ROOT / "target" / "zoo"
ENGINE = "buildah"
VARIANTS = ["naive", "safe", "unsafe", "expert"]
START, END = "<!-- zoo:start -->", "<!-- zoo:end -->"
# The unfixed messages that tell why an unsafe image stays big: no split into a build and a
# runtime stage, no slimmer base.
SIZE_CODES = {"DO033": "multi-stage", "DO032": "slim-base", "DO047": "unused-tools"}
TOO_BIG = 1.5  # unsafe/expert above this is listed with dockopt's reasons
TARGET_RATIO = 1.15  # done when the median unsafe/expert is at most this


def app_dirs(names):
    """The apps: those named (a name in zoo/, or a folder), else every zoo/*/ with a Dockerfile."""
    if not names:
        return sorted(p.parent for p in ZOO.glob("*/Dockerfile"))
    dirs = []
    for n in names:
        d = ZOO / n if (ZOO / n / "Dockerfile").exists() else Path(n).resolve()
        if not (d / "Dockerfile").is_file():
            sys.exit(f"zoo.py: {n}: no such app (no {d / 'Dockerfile'})")
        dirs.append(d)
    return dirs


def shown(d):
    """An app's folder as the commands name it: relative to the project when inside it."""
    return str(d.relative_to(ROOT)) if d.is_relative_to(ROOT) else str(d)


def dockopt(binary, args, stdin=None):
    p = subprocess.run([binary, *args], input=stdin, capture_output=True, text=True, cwd=ROOT)
    return p


def stage_count(binary, text):
    """How many FROMs the file has, by dockopt's own parser (`dockopt parse -`); None if it does not parse."""
    p = dockopt(binary, ["parse", "-"], stdin=text)
    if p.returncode != 0:
        return None
    return sum(1 for line in p.stdout.splitlines() if line.strip() and json.loads(line).get("cmd", "").upper() == "FROM")


def new_files_from_diff(diff):
    """The files a rewrite creates, from its unified diff (`--- /dev/null`): {absolute path: text}."""
    files, lines, k = {}, diff.splitlines(), 0
    while k + 2 < len(lines):
        hunk = re.match(r"@@ -0,0 \+1(?:,(\d+))? @@", lines[k + 2])
        if lines[k] == "--- /dev/null" and lines[k + 1].startswith("+++ ") and hunk:
            # The next N lines are the file, each after a `+`.
            count = int(hunk.group(1) or 1)
            body = [line[1:] for line in lines[k + 3:k + 3 + count]]
            files[(ROOT / lines[k + 1][4:].removeprefix("b/")).resolve()] = "\n".join(body) + "\n"
            k += 3 + count
        else:
            k += 1
    return files


def static_info(binary, app, report):
    """What dockopt makes of an app, without building: the four texts and, from `report` (its
    `optimize --unsafe-fixes --format json` object), the unsafe run's messages."""
    name = shown(app / "Dockerfile")
    info = {"app": app.name, "dir": str(app)}
    naive = (app / "Dockerfile").read_text()
    info["naive"] = naive
    expert = app / "expert.Dockerfile"
    info["expert"] = expert.read_text() if expert.exists() else None
    smoke = app / "smoke"
    info["smoke"] = smoke.read_text().strip() if smoke.exists() else None
    for mode in ["safe", "unsafe"]:
        args = ["optimize", "--stdin-filename", name, "-"] + (["--unsafe-fixes"] if mode == "unsafe" else [])
        p = dockopt(binary, args, stdin=naive)
        info[mode] = p.stdout if p.returncode == 0 and p.stdout else None
        if info[mode] is None:
            info.setdefault("error", f"{mode} rewrite: {p.stderr.strip()[-300:] or 'no output'}")
    if report.get("error"):
        info.setdefault("error", f"unsafe run: {report['error']}")
    info["applied"] = [a["code"] for a in report.get("applied", [])]
    info["unfixed"] = [{k: s.get(k) for k in ["code", "name", "line", "message"]} for s in report.get("suggestions", [])]
    info["new_file_names"] = [str((ROOT / f).resolve().relative_to(app)) for f in report.get("new_files", [])]
    info["new_files"] = {}  # their texts, filled in by static_all when asked
    info["differs"] = info["unsafe"] is not None and (info["unsafe"] != naive or bool(info["new_file_names"]))
    info["stages_naive"] = stage_count(binary, naive)
    info["stages_unsafe"] = stage_count(binary, info["unsafe"]) if info["unsafe"] else None
    return info


def static_all(binary, dirs, new_file_texts=True):
    """static_info of each app. The unsafe run's reports come from one dockopt run over all the
    apps (it spreads files over the cores), as do the texts of the files the unsafe rewrites add
    (from the diff; not needed for --static); the rewrites themselves from stdin, one per app."""
    names = [shown(d / "Dockerfile") for d in dirs]
    p = dockopt(binary, ["optimize", "--unsafe-fixes", "--format", "json", *names])
    try:
        reports = {str((ROOT / r["path"]).resolve()): r for r in json.loads(p.stdout)}
    except (json.JSONDecodeError, KeyError, TypeError):
        reports = {}
    why = {"error": p.stderr.strip()[-300:] or "no output"}
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        infos = list(pool.map(lambda d: static_info(binary, d, reports.get(str(d / "Dockerfile"), why)), dirs))
    adding = [shown(Path(i["dir"]) / "Dockerfile") for i in infos if i["new_file_names"]]
    if new_file_texts and adding:
        texts = new_files_from_diff(dockopt(binary, ["optimize", "--unsafe-fixes", *adding]).stdout)
        for i in infos:
            app = Path(i["dir"])
            i["new_files"] = {n: texts.get(app / n) for n in i["new_file_names"]}
    return infos


def app_hash(info, rebuilds):
    """A hash of everything that decides an app's results."""
    app = Path(info["dir"])
    files = {}
    for p in sorted(app.rglob("*")):
        rel = str(p.relative_to(app))
        if rel == "gap":
            continue  # the note on what dockopt lacks decides no result
        if p.is_symlink():
            files[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            files[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    key = {k: info.get(k) for k in ["naive", "safe", "unsafe", "new_files", "expert", "smoke"]}
    key.update(files=files, rebuilds=rebuilds)
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def missing(info):
    """Why an app cannot be measured yet (its folder is still being written), or None."""
    lacks = [f for f, k in [("expert.Dockerfile", "expert"), ("smoke", "smoke")] if not info.get(k)]
    return f"no {' and no '.join(lacks)}" if lacks else None


def run_measure(binary, args, timeout):
    """Runs `dockopt measure` and returns its reports (a list) or an error. It runs in a session
    of its own, so that the terminal's Ctrl-C reaches this script alone: it then sends measure
    one interrupt, which stops the build and removes its images, and waits for it (a second
    Ctrl-C sends the second interrupt, which quits at once)."""
    p = subprocess.Popen([binary, "measure", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=ROOT, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)  # measure cleans up on SIGTERM as on Ctrl-C
        p.communicate()
        return None, f"dockopt measure gave no result after {timeout:.0f} s"
    except KeyboardInterrupt:
        print("\nzoo.py: interrupted; measure is removing the images it built (Ctrl-C again to quit now)",
              file=sys.stderr)
        p.send_signal(signal.SIGINT)
        try:
            p.communicate()
        except KeyboardInterrupt:
            p.send_signal(signal.SIGINT)
            p.wait()
        raise
    try:
        reports = json.loads(out)
    except json.JSONDecodeError:
        return None, (err.strip().splitlines() or ["no output"])[-1][:300]
    return (reports if isinstance(reports, list) else [reports]), None


def measure_app(binary, info, rebuilds, timeout):
    """Builds the four variants; {variant: measurement} (measure's JSON fields), plus what was touched."""
    app = Path(info["dir"])
    naive_file, expert_file = app / "Dockerfile", app / "expert.Dockerfile"
    common = ["--format", "json", "--engine", ENGINE, "--timeout", str(timeout), "--rebuilds", str(rebuilds)]
    if info["smoke"]:
        common += ["--smoke", info["smoke"]]
    # Each build is cold + warm + rebuilds + smoke, each at most `timeout`: measure's own limit
    # decides; this one only guards against a measure that hangs.
    limit = lambda sides: sides * (rebuilds + 3) * timeout + 300
    variants, notes = {}, {}

    def failed(why):
        return {"built": False, "error": why}

    with tempfile.TemporaryDirectory(prefix="dockopt-zoo-") as work:
        files = {}
        for v in ["safe", "unsafe"]:
            if info[v] is not None:
                files[v] = Path(work) / f"{v}.Dockerfile"
                files[v].write_text(info[v])
        # Which variant is which text: an identical rewrite is not built twice.
        same = {}
        if info["safe"] == info["naive"]:
            same["safe"] = "naive"
        if not info["new_file_names"] and info["unsafe"] is not None:
            if info["unsafe"] == info["naive"]:
                same["unsafe"] = "naive"
            elif info["unsafe"] == info["safe"]:
                same["unsafe"] = "safe"
        for v in ["safe", "unsafe"]:
            if info[v] is None:
                variants[v] = failed(info.get("error", f"no {v} rewrite"))
        calls = []  # (original, [(variant, file)], extra args)
        if info["new_file_names"] and info["unsafe"] is not None:
            # The unsafe rewrite adds a .dockerignore: dockopt's own rewrite inside measure,
            # which puts it into the unsafe build's context only.
            calls.append((naive_file, [("unsafe", None)], ["--unsafe-fixes"]))
            if "safe" not in same and "safe" not in variants:
                calls.append((expert_file, [("safe", files["safe"])], ["--context", str(app)]))
                notes["expert_is_original"] = True
            else:
                calls.append((naive_file, [("expert", expert_file)], []))
        else:
            afters = [(v, files[v]) for v in ["safe", "unsafe"] if v not in same and v not in variants]
            calls.append((naive_file, afters + [("expert", expert_file)], []))
        for original, afters, extra in calls:
            args = [*common, *extra]
            for _, f in afters:
                if f is not None:
                    args += ["--against", str(f)]
            reports, error = run_measure(binary, args + [str(original)], limit(1 + len(afters)))
            before = "expert" if original == expert_file else "naive"
            if error:
                for v in [before] + [v for v, _ in afters]:
                    variants.setdefault(v, failed(error))
                continue
            variants.setdefault(before, reports[0]["before"])
            for (v, _), r in zip(afters, reports):
                variants[v] = r["after"]
                notes.setdefault("touched", r.get("touched"))
    for v, src in same.items():
        variants[v] = dict(variants.get(src) or failed("not built"), same_as=src)
    return variants, notes


def load_cached(app_name, hash_):
    f = CACHE / f"{app_name}.json"
    try:
        saved = json.loads(f.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return saved if saved.get("hash") == hash_ else None


def save(record):
    CACHE.mkdir(parents=True, exist_ok=True)
    f = CACHE / f"{record['app']}.json"
    tmp = f.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(f)  # whole or not at all, even when interrupted


# --- output -------------------------------------------------------------------------------


def size(m):
    if not m or not m.get("built"):
        return "failed"
    mb_ = m["size_bytes"] / 1e6
    return f"{mb_:.1f} MB" if mb_ < 10 else f"{mb_:.0f} MB"


def passes(m):
    """Built, and the smoke test passed (or there is none)."""
    return bool(m and m.get("built") and m.get("smoke_ok") is not False)


def smoke_mark(m):
    if not m or not m.get("built"):
        return "✗build"
    return {True: "ok", False: "✗", None: "-"}[m.get("smoke_ok")]


def ratio(record, a="unsafe", b="expert"):
    x, y = record["variants"].get(a) or {}, record["variants"].get(b) or {}
    if x.get("built") and y.get("built") and y.get("size_bytes"):
        return x["size_bytes"] / y["size_bytes"]
    return None


def stages_word(info):
    n, u = info.get("stages_naive"), info.get("stages_unsafe")
    if u is None:
        return "?"
    return f"{n}→{u}" if u != n else f"{u}"


def why_big(info):
    """What dockopt said about the size it left: its unfixed multi-stage and slim-base messages."""
    said = [f"{s['code']} {s['name']}: {s['message']}" for s in info.get("unfixed", []) if s["code"] in SIZE_CODES]
    if said:
        return said
    other = sorted({f"{s['code']} {s['name']}" for s in info.get("unfixed", [])})
    return [f"no multi-stage or slim-base message{' (others: ' + ', '.join(other) + ')' if other else ''}"]


def print_static(infos):
    width = max([len(i["app"]) for i in infos] + [3])
    counts = {"changed": 0, "split": 0, "DO033": 0, "DO032": 0}
    for i in infos:
        if i.get("error") and i.get("unsafe") is None:
            print(f"{i['app']:<{width}}  ERROR {i['error']}")
            continue
        counts["changed"] += i["differs"]
        split = (i["stages_unsafe"] or 0) > (i["stages_naive"] or 0)
        counts["split"] += split
        extra = " ".join("+" + n for n in i["new_file_names"])
        head = f"{i['app']:<{width}}  {'changed' if i['differs'] else 'SAME   '}  stages {stages_word(i):<4} {extra}"
        print(head.rstrip())
        others = []
        for s in i["unfixed"]:
            if s["code"] in SIZE_CODES:
                counts[s["code"]] = counts.get(s["code"], 0) + 1
                print(f"{'':<{width}}    {s['code']} {s['name']}: {s['message']}")
            else:
                others.append(f"{s['code']} {s['name']}")
        if not split and (i["stages_unsafe"] or 0) < 2 and not any(s["code"] == "DO033" for s in i["unfixed"]):
            print(f"{'':<{width}}    no split and no DO033 message")
        if others:
            print(f"{'':<{width}}    also: {', '.join(dict.fromkeys(others))}")
        if i.get("error"):
            print(f"{'':<{width}}    ERROR {i['error']}")
    print(f"{len(infos)} apps: {counts['changed']} changed, {counts['split']} split into stages; "
          f"unfixed DO033 multi-stage in {counts['DO033']}, DO032 slim-base in {counts['DO032']}")


def summary_lines(records, infos_by_app):
    n = len(records)
    out = [f"{n} apps measured.", "", "| variant | builds | builds and passes the smoke test |", "|---|---|---|"]
    for v in VARIANTS:
        built = sum(1 for r in records if (r["variants"].get(v) or {}).get("built"))
        ok = sum(1 for r in records if passes(r["variants"].get(v)))
        out.append(f"| {v} | {built}/{n} | {ok}/{n} |")
    ratios = [x for x in (ratio(r) for r in records) if x is not None]
    reds = [1 - x for x in (ratio(r, "unsafe", "naive") for r in records) if x is not None]
    med_ratio = statistics.median(ratios) if ratios else None
    out += ["",
            f"- median unsafe ÷ expert size: {f'{med_ratio:.2f}×' if med_ratio else '-'} (over {len(ratios)} apps where both built)",
            f"- median size reduction, unsafe vs naive: {f'{statistics.median(reds):.0%}' if reds else '-'} (over {len(reds)} apps)"]
    return out, med_ratio


def done_when(records, med_ratio):
    n = len(records)
    good = sum(1 for r in records if passes(r["variants"].get("unsafe")))
    ok_all = n > 0 and good == n
    # At the two decimals it is shown with.
    ok_ratio = med_ratio is not None and round(med_ratio, 2) <= TARGET_RATIO
    med = f"{med_ratio:.2f}" if med_ratio is not None else "-"
    return [f"- {'✅' if ok_all else '❌'} every unsafe image builds and passes its smoke test: {good}/{n} ({good / n:.0%})" if n else "- ❌ no app measured",
            f"- {'✅' if ok_ratio else '❌'} median unsafe ÷ expert ≤ {TARGET_RATIO}: {med}"]


def table_rows(records, infos_by_app):
    rows = []
    for r in records:
        v, info = r["variants"], infos_by_app[r["app"]]
        x = ratio(r)
        sizes = []
        for k in VARIANTS:
            m = v.get(k) or {}
            sizes.append(f"= {m['same_as']}" if m.get("same_as") else size(m))
        layers = "/".join(str((v.get(k) or {}).get("layers", "-")) if (v.get(k) or {}).get("built") else "-" for k in VARIANTS)

        def rb(k):
            m = v.get(k) or {}
            return secs(m["rebuild_s"]) if m.get("built") and m.get("rebuild_s") else "-"
        rebuild = f"{rb('naive')} → {rb('unsafe')}; {rb('expert')} s"
        smoke = "/".join(smoke_mark(v.get(k)) for k in VARIANTS)
        split = (info.get("stages_unsafe") or 0) > (info.get("stages_naive") or 0)
        rows.append(f"| {r['app']} | {r['app'].split('-')[0]} | {' | '.join(sizes)} | "
                    f"{f'{x:.2f}×' if x else '-'} | {layers} | {rebuild} | {smoke} | "
                    f"{'yes, ' + stages_word(info) if split else 'no'} |")
    return rows


def report_section(records, infos_by_app, unmeasured, version, elapsed_run, rebuilds):
    total = sum(r.get("seconds", 0) for r in records)
    summary, med_ratio = summary_lines(records, infos_by_app)
    big = []
    for r in records:
        x = ratio(r)
        if x is not None and x > TOO_BIG:
            info = infos_by_app[r["app"]]
            split = f"split into {info['stages_unsafe']} stages" if (info.get("stages_unsafe") or 0) > 1 else "one stage"
            # zoo/<app>/gap: what the expert did that dockopt cannot know to do (written by hand
            # after comparing the two images), beside what dockopt itself said.
            gap = ZOO / r["app"] / "gap"
            reasons = why_big(info) + ([f"the fact dockopt lacks: {gap.read_text().strip()}"] if gap.exists() else [])
            big.append(f"- **{r['app']}** {x:.1f}× ({size(r['variants']['unsafe'])} vs {size(r['variants']['expert'])}; {split}): "
                       + "; ".join(reasons))
    failures = []
    for r in records:
        for k in VARIANTS:
            m = r["variants"].get(k) or {}
            if m.get("same_as"):
                continue
            for what in ["error", "smoke_error"]:
                if m.get(what):
                    label = "smoke test" if what == "smoke_error" else "build"
                    failures.append(f"- {r['app']}, {k}, {label}: {' '.join(m[what].split())[:300]}")
    today = datetime.date.today().isoformat()
    lines = [
        START,
        "## The build zoo",
        "",
        f"Made by `scripts/zoo.py` on {today} with `dockopt measure` on {version}: "
        f"{total / 60:.0f} min of builds over {len(records)} apps (this run {elapsed_run / 60:.0f} min; "
        "an app is built again only when its files, its rewrites or the rebuild count change).",
        "",
        "Each app of `zoo/` is a naive single-stage Dockerfile as public repositories write them "
        "(its first lines name the corpus files it is modelled on) and an `expert.Dockerfile` written by hand. "
        "Four variants are built cold: naive, dockopt's safe rewrite, its `--unsafe-fixes` rewrite "
        "and the expert's; then rebuilt "
        + ("once after a one-line edit of a source file, " if rebuilds == 1 else
           f"{rebuilds} times, each after a one-line edit of a source file (the median counts), ")
        + "and `zoo/<app>/smoke` runs in each image. `= naive` / `= safe`: the rewrite is that file, built once. "
        "Layers and smoke results are naive/safe/unsafe/expert.",
        "",
        "### Summary",
        "",
        *summary,
        "",
        "### Done when",
        "",
        *done_when(records, med_ratio),
        "",
        "### Every app",
        "",
        "| app | stack | naive | safe | unsafe | expert | unsafe ÷ expert | layers | rebuild after a source edit (naive → unsafe; expert) | smoke | unsafe split into stages |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *table_rows(records, infos_by_app),
        "",
        f"### Unsafe images above {TOO_BIG}× the expert's, and what dockopt said it lacked",
        "",
        *(big or ["None."]),
        "",
    ]
    if failures:
        lines += ["### Failures, as the engine reported them", "", *failures, ""]
    if unmeasured:
        lines += ["Not measured yet: " + "; ".join(f"{a} ({why})" for a, why in unmeasured) + ".", ""]
    lines.append(END)
    return "\n".join(lines)


def write_section(path, section):
    """Puts `section` between the markers of `path`, or at its end; every other byte stays."""
    p = Path(path)
    old = p.read_text() if p.exists() else ""
    start, end = old.find(START), old.find(END)
    if start >= 0 and end > start:
        new = old[:start] + section + old[end + len(END):]
    else:
        sep = "" if not old or old.endswith("\n\n") else ("\n" if old.endswith("\n") else "\n\n")
        new = old + sep + section + "\n"
    p.write_text(new)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("apps", nargs="*", help="apps to measure (names in zoo/, or folders); default: all")
    ap.add_argument("--only", default="", help="comma-separated app names, as the positional names")
    ap.add_argument("--static", action="store_true", help="no builds: what the unsafe rewrite did and what it left, per app")
    ap.add_argument("--fresh", action="store_true", help="measure again even when the cached result is current")
    ap.add_argument("--rebuilds", type=int, default=1, help="edit-and-rebuild rounds per variant; the median counts")
    ap.add_argument("--timeout", type=int, default=600, help="seconds one build or smoke test may take (default 600)")
    ap.add_argument("--binary", help="a dockopt binary (default: cargo build --release, then target/release/dockopt)")
    ap.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    t0 = time.time()
    if args.binary:
        binary = str(Path(args.binary).resolve())
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = str(ROOT / "target" / "release" / "dockopt")
    names = args.apps + [n for n in args.only.split(",") if n]
    selected = app_dirs(names)
    if args.static:
        print_static(static_all(binary, selected, new_file_texts=False))
        return 0
    # The report covers every app of the zoo with a current result, and the apps named.
    every = sorted(dict.fromkeys(selected + app_dirs([])), key=lambda d: d.name)
    infos = static_all(binary, every)
    infos_by_app = {i["app"]: i for i in infos}
    version = engine_version(ENGINE)
    records, unmeasured = {}, []
    for info in infos:
        d = Path(info["dir"])
        h = app_hash(info, args.rebuilds)
        cached = load_cached(info["app"], h)
        if d not in selected or (cached and not args.fresh):
            if cached:
                records[info["app"]] = cached
            else:
                stale = (CACHE / f"{info['app']}.json").exists()
                unmeasured.append((info["app"], missing(info) or ("changed since it was measured" if stale else "not built")))
            continue
        if missing(info):
            unmeasured.append((info["app"], missing(info)))
            print(f"{info['app']}: skipped, {missing(info)}", file=sys.stderr)
            continue
        print(f"{info['app']}: building naive, safe, unsafe and expert …", file=sys.stderr, flush=True)
        started = time.time()
        variants, notes = measure_app(binary, info, args.rebuilds, args.timeout)
        record = {"app": info["app"], "hash": h, "measured_at": datetime.datetime.now().isoformat(timespec="seconds"),
                  "seconds": time.time() - started, "engine": version, "rebuilds": args.rebuilds,
                  **notes, "variants": variants,
                  "static": {k: info[k] for k in ["differs", "stages_naive", "stages_unsafe", "applied", "unfixed"]}}
        save(record)
        records[info["app"]] = record
        line = "  ".join(f"{k} {size(variants.get(k))} {smoke_mark(variants.get(k))}" for k in VARIANTS)
        print(f"{info['app']}: {record['seconds']:.0f} s  {line}", file=sys.stderr, flush=True)
    ordered = [records[i["app"]] for i in infos if i["app"] in records]
    section = report_section(ordered, infos_by_app, unmeasured, version, time.time() - t0, args.rebuilds)
    write_section(args.output, section)
    print(section)
    print()
    _, med_ratio = summary_lines(ordered, infos_by_app)
    print("Done when:")
    print("\n".join(done_when(ordered, med_ratio)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `| head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        # Each app's results are saved as it ends: those stay.
        print(f"\nzoo.py: interrupted; the apps finished so far are cached in {CACHE.relative_to(ROOT)}/: "
              "run the same command again to go on", file=sys.stderr)
        sys.exit(130)
