#!/usr/bin/env bash
# The whole test suite: formatting, lints, the Rust tests (unit, pass fixtures with snapshots,
# BuildKit conformance cases, the CLI, the corpus), then the corpus check against BuildKit's
# parser and hadolint (installed into .venv-oracles by the script itself), and the trust check of
# the unsafe rewrites over the corpus (every class of known breakage must count 0).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test --quiet
python3 scripts/parser_agreement.py --show 20
python3 scripts/corpus_check.py
python3 scripts/trust_check.py
