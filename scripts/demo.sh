#!/usr/bin/env bash
# The main job, for real: install (only what the demo needs), build dist/cosign-ts, generate a key
# pair, sign and verify a blob, then push an artifact to a real OCI registry (Debian's
# docker-registry on loopback), sign it by digest, verify it, and fetch it back with sget, which
# verifies before writing a byte.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --demo
# Build with the bun the project pins (from npm through npx: no dev or test packages installed).
if [ -x node_modules/.bin/bun ]; then
  node_modules/.bin/bun scripts/compile.ts
else
  npx --yes "bun@$(node -p 'require("./package.json").devDependencies.bun')" scripts/compile.ts
fi
BIN="$PWD/dist/cosign-ts"
work="$(mktemp -d)"
registry_pid=""
cleanup() {
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
echo "== cosign-ts version"
"$BIN" version
export COSIGN_PASSWORD=demo-password
echo "== generate-key-pair"
"$BIN" generate-key-pair --output-key-prefix demo
echo "hello from cosign-ts" >artifact.txt
echo "== sign-blob"
"$BIN" sign-blob --key demo.key --output-signature artifact.sig --tlog-upload=false artifact.txt
echo "== verify-blob"
"$BIN" verify-blob --key demo.pub --signature artifact.sig --insecure-ignore-tlog artifact.txt

echo "== a real OCI registry on 127.0.0.1"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >registry.yml <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve registry.yml >registry.log 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v2/')" 2>/dev/null; then break; fi
  sleep 0.1
done
image="127.0.0.1:$port/demo/artifact:v1"
echo "== upload blob (prints the artifact's digest reference)"
digest_ref="$("$BIN" upload blob -f artifact.txt "$image")"
echo "$digest_ref"
echo "== sign (by digest: what is signed cannot change under the tag)"
"$BIN" sign --key demo.key --tlog-upload=false "$digest_ref"
echo "== verify"
"$BIN" verify --key demo.pub --insecure-ignore-tlog "$image"
echo "== sget (verified before anything is written)"
"$BIN" sget --key demo.pub --insecure-ignore-tlog "$image"
echo "demo: OK"
