#!/usr/bin/env python3
"""Times dockopt and hadolint on the whole corpus, in one run, and prints the ratio.

Both tools get every corpus file in one invocation (hadolint only lints; dockopt runs every
pass to a fixed point in safe mode with --check, and again with --unsafe-fixes). Each is run
--repeat times; the median wall time counts. Target: dockopt at least 50x hadolint's files/s.

Then times one long generated Dockerfile at 2,500 and at 20,000 instructions (apt and pip
installs, whole-context COPYs, WORKDIR and USER lines, every pass at work in unsafe mode): eight
times the instructions should take about eight times as long (it took 70x when some passes
looked at every later instruction for each one).

Usage: scripts/bench.py [--repeat N] [--scaling-only]
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


def long_dockerfile(n):
    shapes = ["RUN apt-get update && apt-get install -y p{i}", "COPY . /app", "WORKDIR /app",
              "RUN pip install x{i}", "USER u"]
    lines = ["FROM debian:12"] + [shapes[i % len(shapes)].format(i=i) for i in range(n - 1)]
    return "\n".join(lines) + "\n"


def scaling(binary, repeat):
    import tempfile
    medians = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (2500, 20000):
            path = Path(tmp) / f"Dockerfile.{n}"
            path.write_text(long_dockerfile(n))
            times = [timed([binary, "optimize", "--unsafe-fixes", "--check", str(path)])
                     for _ in range(repeat)]
            medians[n] = statistics.median(times)
            print(f"{n:6} instructions: median {medians[n]:6.3f} s")
    print(f"20,000 / 2,500 instructions: {medians[20000] / medians[2500]:.1f}x the time "
          f"(linear is 8x)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scaling-only", action="store_true")
    args = ap.parse_args()
    binary = oracles.build_release()
    if args.scaling_only:
        scaling(binary, args.repeat)
        return
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
        print(f"{name}: {base / medians[name]:.1f}x hadolint's files/s (target >= 200x)")
    scaling(binary, args.repeat)


if __name__ == "__main__":
    main()
