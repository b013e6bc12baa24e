#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium, which the HTML report's test renders the page in
# (tests/it/html.rs). Idempotent: does nothing when `chromium` is on PATH. Needs root (apt-get);
# without it, it says so and exits 2, and the test then skips (or fails under CI=true).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n "$0" "$@"
  fi
  echo "setup-browser.sh installs chromium with apt-get: run it as root (or with sudo)" >&2
  exit 2
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
