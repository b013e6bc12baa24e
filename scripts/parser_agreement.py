#!/usr/bin/env python3
"""Measures how often dockopt's Dockerfile parsing agrees with BuildKit's own parser on the
corpus: the same instructions (keyword, first and last line, flags, heredoc count), file by
file. Files BuildKit rejects, and files dockopt refuses, are counted apart with the reasons.

Usage: scripts/parser_agreement.py [--show N]
"""

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracles  # noqa: E402

oracles.ensure_venv()


def buildkit(text):
    import dockerfile

    out = []
    for c in dockerfile.parse_string(text):
        out.append({"cmd": c.cmd.upper(), "start_line": c.start_line, "end_line": c.end_line,
                    "flags": list(c.flags), "heredocs": len(c.heredocs)})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", type=int, default=10, help="disagreements to print")
    args = ap.parse_args()
    binary = oracles.build_release()
    stats = collections.Counter()
    shown = 0
    refusals = collections.Counter()
    for f in oracles.corpus_files():
        text = f.read_bytes().decode("utf-8", errors="replace")
        try:
            want = buildkit(text)
        except Exception:
            stats["BuildKit rejects"] += 1
            continue
        p = subprocess.run([binary, "parse", str(f)], capture_output=True, text=True)
        if p.returncode != 0:
            stats["dockopt refuses"] += 1
            refusals[p.stderr.strip().split(": ")[-1][:70]] += 1
            continue
        got = [json.loads(line) for line in p.stdout.splitlines()]
        key = lambda i: (i["cmd"], i["start_line"], i["end_line"], i["heredocs"])  # noqa: E731
        if [key(i) for i in got] == [key(i) for i in want]:
            stats["same"] += 1
        else:
            stats["different"] += 1
            if shown < args.show:
                shown += 1
                diff = next(((g, w) for g, w in zip(got, want) if key(g) != key(w)), (got[len(want):] or None, want[len(got):] or None))
                print(f"differs: {f.name}: dockopt {diff[0]} / BuildKit {diff[1]}")
    parsed_by_bk = stats["same"] + stats["different"] + stats["dockopt refuses"]
    print(f"files: {sum(stats.values())}; BuildKit rejects {stats['BuildKit rejects']}")
    print(f"of the {parsed_by_bk} BuildKit parses: same instructions {stats['same']} "
          f"({stats['same'] / parsed_by_bk:.2%}), different {stats['different']}, refused by dockopt {stats['dockopt refuses']}")
    for reason, n in refusals.most_common():
        print(f"  refused: {reason} ×{n}")
    sys.exit(0 if stats["different"] == 0 else 1)


if __name__ == "__main__":
    main()
