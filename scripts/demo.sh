#!/usr/bin/env bash
# The main job, for real: install, build dist/cosign-ts, generate a key pair, sign a blob and
# verify it (with the binary, from an empty folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
./node_modules/.bin/deno task compile
BIN="$PWD/dist/cosign-ts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "== cosign-ts version"; "$BIN" version
export COSIGN_PASSWORD=demo-password
echo "== generate-key-pair"; "$BIN" generate-key-pair --output-key-prefix demo
echo "hello from cosign-ts" > artifact.txt
echo "== sign-blob"; "$BIN" sign-blob --key demo.key --output-signature artifact.sig --tlog-upload=false artifact.txt
echo "== verify-blob"; "$BIN" verify-blob --key demo.pub --signature artifact.sig --insecure-ignore-tlog artifact.txt
echo "demo: OK"
