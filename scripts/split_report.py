#!/usr/bin/env python3
"""How far the multi-stage split reaches on real files: for every single-stage Dockerfile of
../shared/corpus/ whose RUN lines compile (a rough text test: go build/install/get, cargo,
make, cmake, configure, gcc/g++ -flags, javac, mvn, gradle, npm/yarn build, dotnet publish, pip
with a compiler), runs `dockopt optimize --unsafe-fixes --format json` and counts the files
multi-stage (DO033) splits; the rest are grouped by the reason DO033 gave (the specifics in
backquotes and line numbers folded), or by base image when it said nothing (a stack it does not
follow). Writes the section of BENCHMARKS.md between `<!-- split:start -->` and
`<!-- split:end -->` and prints it.

Usage: scripts/split_report.py [--binary target/release/dockopt] [--no-write]
"""
import argparse
import collections
import datetime
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
COMPILES = {
    "go": r"\bgo (build|install|get)\b", "cargo": r"\bcargo (build|install)\b",
    "make": r"(^|[;&|(\s])make(\s|$)", "cmake": r"\bcmake\b", "configure": r"\./configure\b",
    "cc": r"\b(gcc|g\+\+|clang)\s+-", "javac": r"\bjavac\b", "maven": r"\bmvnw?\b",
    "gradle": r"\bgradlew?\s", "js build": r"\b(npm run|yarn|pnpm)( run)? build\b",
    "dotnet": r"\bdotnet (publish|build)\b",
}


def runs(text):
    return " ".join(re.findall(r"(?ims)^\s*RUN\s+((?:[^\n]*\\\n)*[^\n]*)", text))


def compiles(text):
    r = runs(text)
    found = [k for k, p in COMPILES.items() if re.search(p, r)]
    if re.search(r"\bpip3? install\b", r) and re.search(r"\b(gcc|build-essential|build-base)\b", r):
        found.append("pip + compiler")
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "dockopt"))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    files = []
    for f in sorted(CORPUS.iterdir()):
        if f.name.startswith("manifest") or not f.is_file():
            continue
        text = f.read_text(errors="replace")
        if len(re.findall(r"(?im)^\s*FROM\s", text)) == 1 and compiles(text):
            files.append(f)
    split, reasons, examples = [], collections.Counter(), {}
    for f in files:
        p = subprocess.run([args.binary, "optimize", "--unsafe-fixes", "--include-generated", "--format", "json", str(f)],
                           capture_output=True, text=True)
        try:
            report = json.loads(p.stdout)[0]
        except (json.JSONDecodeError, IndexError):
            reasons["dockopt reported an error"] += 1
            continue
        if any(x["code"] == "DO033" for x in report.get("applied", [])):
            split.append(f.name)
            continue
        said = [x["message"] for x in report.get("suggestions", []) if x["code"] == "DO033"]
        if said:
            m = re.sub(r"^`[^`]*` ", "", said[0])
            # The reason: the outer parenthesised part of "builds and runs in one stage: … (why)".
            if " (" in m and m.endswith(")"):
                m = m[m.index(" (") + 2:-1]
            m = re.sub(r"line \d+", "line N", m)
            m = re.sub(r"the start command runs `[^`]*`", "the start command runs `…`", m)
            m = re.sub(r"`[^`]*` (builds and runs|is Alpine|is built on)", r"`…` \1", m)
            m = re.sub(r"packages of `[^`]*` on (\w+)", r"packages of `…` on \1", m)
            key = m
        else:
            base = re.search(r"(?im)^\s*FROM\s+(?:--\S+\s+)*(\S+)", f.read_text(errors="replace")).group(1)
            key = f"no message on `{base.split(':')[0].split('@')[0]}`: no build step multi-stage follows there (pip, apk, yum builds, or a stack it does not know)"
        reasons[key] += 1
        examples.setdefault(key, f.name)
    # Fold the long tail of base images into one line per kind of reason.
    lines = [
        f"Made by `scripts/split_report.py` on {datetime.date.today()}: single-stage files of `../shared/corpus/` "
        f"whose RUN lines compile (a rough text test), run through `dockopt optimize --unsafe-fixes`.",
        "",
        f"**{len(split)} of {len(files)} get a split** ({100 * len(split) / max(1, len(files)):.0f} %). The rest, by the reason multi-stage gave:",
        "",
        "| files | reason | e.g. |",
        "|---|---|---|",
    ]
    nomsg = sum(v for k, v in reasons.items() if k.startswith("no message"))
    for k, v in reasons.most_common():
        if k.startswith("no message") and v < 3:
            continue
        lines.append(f"| {v} | {k} | {examples[k]} |")
    small = sum(v for k, v in reasons.items() if k.startswith("no message") and v < 3)
    if small:
        lines.append(f"| {small} | no message, on other images (fewer than 3 files each) | |")
    lines += ["", f"Split: {', '.join(split)}", ""]
    section = "\n".join(lines)
    print(section)
    print(f"({nomsg} files got no DO033 message)")
    if not args.no_write:
        path = ROOT / "BENCHMARKS.md"
        text = path.read_text()
        block = f"<!-- split:start -->\n## Multi-stage on the corpus\n\n{section}<!-- split:end -->"
        if "<!-- split:start -->" in text:
            text = re.sub(r"<!-- split:start -->.*?<!-- split:end -->", lambda _: block, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        path.write_text(text)


if __name__ == "__main__":
    main()
