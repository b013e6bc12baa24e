#!/usr/bin/env bash
# The whole test suite: formatting, lints, the Rust tests (unit, pass fixtures with snapshots,
# BuildKit conformance cases, the CLI, the language server, the corpus), the VS Code extension's
# build, then the corpus check against BuildKit's parser and hadolint (installed into
# .venv-oracles by the script itself), and the trust check of the unsafe rewrites over the corpus
# (every class of known breakage must count 0).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test --quiet
# The VS Code extension compiles (npm packages from the npm registry). A machine without npm
# (CI images may have no node) skips it, saying so.
if command -v npm >/dev/null 2>&1; then
    scripts/build-vscode.sh
else
    echo "skipped: the VS Code extension build (editors/vscode; no npm)" >&2
fi
# The corpus checks need ../shared/ (the corpus and BuildKit's cases) beside the repository. A
# fresh clone without it skips them, saying so; CI has it and must run them.
if [ ! -d ../shared/corpus ]; then
    if [ -n "${CI:-}" ]; then
        echo "error: ../shared/corpus is missing, and CI must run the corpus checks" >&2
        exit 1
    fi
    echo "skipped: parser agreement, corpus check and trust check (no ../shared/corpus beside the repository)" >&2
    exit 0
fi
python3 scripts/parser_agreement.py --show 20
python3 scripts/corpus_check.py
python3 scripts/trust_check.py
