#!/usr/bin/env python3
"""Measures every example (examples/*/Dockerfile) with `dockopt measure`, safe and unsafe,
and writes BENCHMARKS.md with the table and the medians. An example's `smoke` file holds the
smoke command. Needs an engine: run scripts/setup-engine.sh first on a machine without Docker.

Usage: scripts/bench_images.py [--engine buildah] [examples/NAME ...]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(binary, dockerfile, unsafe, engine):
    args = [binary, "measure", "--format", "json", "--engine", engine]
    if unsafe:
        args.append("--unsafe-fixes")
    smoke = dockerfile.parent / "smoke"
    if smoke.exists():
        args += ["--smoke", smoke.read_text().strip()]
    p = subprocess.run(args + [str(dockerfile)], capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"error": p.stderr.strip()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="auto")
    ap.add_argument("examples", nargs="*")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = str(ROOT / "target" / "release" / "dockopt")
    dirs = [Path(e) for e in args.examples] or sorted(p.parent for p in (ROOT / "examples").glob("*/Dockerfile"))
    rows, sizes, rebuilds = [], {"safe": [], "unsafe": []}, {"safe": [], "unsafe": []}
    start = time.time()
    for d in dirs:
        for mode in ["safe", "unsafe"]:
            r = measure(binary, d / "Dockerfile", mode == "unsafe", args.engine)
            print(f"{d.name} {mode}: {json.dumps({k: r.get(k) for k in ('size_ratio', 'rebuild_ratio')})}", file=sys.stderr)
            b, a = r.get("before") or {}, r.get("after") or {}
            if r.get("size_ratio"):
                sizes[mode].append(1 - r["size_ratio"])
            if r.get("rebuild_ratio"):
                rebuilds[mode].append(r["rebuild_ratio"])
            mb = lambda m: f"{m.get('size_bytes', 0) / 1e6:.0f} MB" if m.get("built") else "failed"  # noqa: E731
            smoke = lambda m: {True: "ok", False: "FAILED", None: "-"}[m.get("smoke_ok")]  # noqa: E731
            rows.append(f"| {d.name} | {mode} | {mb(b)} → {mb(a)} | {b.get('layers', '-')} → {a.get('layers', '-')} | "
                        f"{b.get('cold_s', 0):.1f} → {a.get('cold_s', 0):.1f} s | {b.get('rebuild_s', 0):.1f} → {a.get('rebuild_s', 0):.1f} s | "
                        f"{b.get('user', '-')} → {a.get('user', '-')} | {smoke(b)} / {smoke(a)} |")
    med = lambda v: f"{statistics.median(v):.0%}" if v else "-"  # noqa: E731
    medr = lambda v: f"{1 / statistics.median(v):.1f}×" if v else "-"  # noqa: E731
    text = [
        "# Benchmarks: images built before and after dockopt",
        "",
        f"Made by `scripts/bench_images.py` ({time.strftime('%Y-%m-%d')}, {time.time() - start:.0f} s) with "
        "`dockopt measure` on podman/buildah. Base images are the Debian-built stand-ins of "
        "`scripts/setup-engine.sh` (`python:*` and `python:*-slim` are the same bookworm image here, "
        "so a slim switch saves nothing in these numbers).",
        "",
        "| example | mode | size | layers | cold build | rebuild after a source edit | user | smoke (before / after) |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Median size reduction: safe {med(sizes['safe'])}, unsafe {med(sizes['unsafe'])}. "
        f"Median rebuild speed-up: safe {medr(rebuilds['safe'])}, unsafe {medr(rebuilds['unsafe'])}.",
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
