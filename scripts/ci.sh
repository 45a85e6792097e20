#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite (build, deno test, bun test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
./node_modules/.bin/deno task test
