#!/usr/bin/env bash
# Installs what cosign-ts needs on a fresh Debian machine: Debian packages for the tests and the
# demo (a real OCI registry, libsodium for interop checks, htpasswd, openssl) and the npm
# dependencies (which bring deno and bun). Safe to run again.
#
# scripts/install.sh --demo installs only what the demo needs: the registry it signs in, and the
# runtime npm dependencies (no test peers, no dev dependencies; the demo builds with bun via npx).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
DEMO=""
if [ "${1:-}" = "--demo" ]; then DEMO=1; fi
if [ -n "$DEMO" ]; then
  PKGS=(docker-registry ca-certificates python3)
else
  PKGS=(docker-registry python3-nacl python3-cryptography python3-botocore python3-yaml apache2-utils openssl ca-certificates skopeo time curl softhsm2 opensc ykcs11 pcscd llvm)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ -n "$DEMO" ]; then
  # A developer's full install is fine as it is; a fresh tree gets the runtime dependencies only.
  if [ ! -d node_modules/jose ]; then
    npm ci --omit=dev --no-audit --no-fund --loglevel=error
  fi
elif [ ! -x node_modules/.bin/deno ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
