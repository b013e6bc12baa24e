#!/usr/bin/env python3
"""Times dockopt and hadolint on the whole corpus, in one run, and prints the ratio.

Both tools get every corpus file in one invocation (hadolint only lints; dockopt runs every
pass to a fixed point in safe mode with --check, and again with --unsafe-fixes). Each is run
--repeat times; the median wall time counts. Target: dockopt at least 50x hadolint's files/s.

Usage: scripts/bench.py [--repeat N]
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracles  # noqa: E402

oracles.ensure_venv()


def timed(cmd):
    start = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if p.returncode not in (0, 1, 2):
        raise SystemExit(f"{cmd[0]} exited {p.returncode}")
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    binary = oracles.build_release()
    files = [str(f) for f in oracles.corpus_files()]
    runs = {
        "hadolint (lint only)": [oracles.hadolint_bin(), "--no-fail", "-f", "json", *files],
        "dockopt --check": [binary, "optimize", "--check", *files],
        "dockopt --check --unsafe-fixes": [binary, "optimize", "--check", "--unsafe-fixes", *files],
    }
    medians = {}
    for name, cmd in runs.items():
        times = [timed(cmd) for _ in range(args.repeat)]
        medians[name] = statistics.median(times)
        print(f"{name:32} median {medians[name]:7.3f} s  {len(files) / medians[name]:9.0f} files/s"
              f"  (runs: {', '.join(f'{t:.3f}' for t in times)})")
    base = medians["hadolint (lint only)"]
    for name in list(runs)[1:]:
        print(f"{name}: {base / medians[name]:.1f}x hadolint's files/s (target >= 50x)")


if __name__ == "__main__":
    main()
