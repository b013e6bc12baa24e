#!/usr/bin/env bash
# Fuzz the parser and the whole optimize path with cargo-fuzz (libFuzzer), seeded with the
# committed seeds (fuzz/seeds/, from ../shared/corpus) and the reproducers of past crashes
# (fuzz/regressions/, also replayed by `cargo test`). Needs a nightly toolchain for the
# sanitizer flags; installs cargo-fuzz if missing.
# Usage: scripts/fuzz.sh [seconds-per-target]   (default 900 = 15 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-900}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in parse optimize; do
  mkdir -p "fuzz/corpus/$target"
  cargo +nightly fuzz run "$target" "fuzz/corpus/$target" fuzz/seeds fuzz/regressions \
    -- -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=4096 &
done
wait
echo "fuzzing done: no crash (a crash stops its target with a reproducer under fuzz/artifacts/)"
