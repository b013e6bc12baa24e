#!/usr/bin/env bash
# Builds the VS Code extension (editors/vscode): its npm packages from the lock file (npm ci,
# from the npm registry), then the TypeScript compile into editors/vscode/out/.
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"
npm ci --no-audit --no-fund
npm run compile
