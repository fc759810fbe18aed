#!/usr/bin/env bash
# Installs what the end-to-end tests need, outside the extension's own dependency tree:
# Debian's Chromium, ripgrep and libkrb5-dev (apt), and code-server 4.100.3 (VS Code 1.100, runs on
# Node 20) into .cache/e2e/code-server. Idempotent: a second run with everything present takes seconds.
# Usage: scripts/install-e2e.sh [--no-apt]   (env E2E_CACHE overrides the cache folder)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${E2E_CACHE:-$root/.cache/e2e}"
cs_dir="$cache/code-server"
no_apt=false
[[ "${1:-}" == "--no-apt" ]] && no_apt=true

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

# 1. System packages. Chromium drives the workbench; code-server's native modules need libkrb5-dev
#    (kerberos) and its @vscode/ripgrep postinstall is fed Debian's rg instead of a GitHub download.
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if ((${#missing[@]})); then
  if $no_apt; then echo "install-e2e: missing system packages: ${missing[*]} (run without --no-apt)" >&2; exit 1; fi
  echo "install-e2e: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-e2e: system packages present (chromium, ripgrep, libkrb5-dev)"
fi

# 2. code-server, cached. The marker records the version so a bump reinstalls.
marker="$cs_dir/.installed-$CODE_SERVER_VERSION"
if [[ -f "$marker" && -x "$cs_dir/node_modules/.bin/code-server" ]]; then
  echo "install-e2e: code-server $CODE_SERVER_VERSION already in $cs_dir"
  exit 0
fi
rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -f "$rg_tar" ]]; then
  tmp="$(mktemp -d)"
  cp "$(command -v rg)" "$tmp/rg"
  mkdir -p "$rg_cache"
  tar czf "$rg_tar" -C "$tmp" rg
  rm -rf "$tmp"
fi
mkdir -p "$cs_dir"
# Its own package.json makes npm treat this folder as a separate project, so the extension's
# package-lock.json never sees code-server.
[[ -f "$cs_dir/package.json" ]] || echo '{ "name": "tqstar-e2e-code-server", "private": true }' > "$cs_dir/package.json"
echo "install-e2e: npm install code-server@$CODE_SERVER_VERSION into $cs_dir"
(cd "$cs_dir" && npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
touch "$marker"
echo "install-e2e: done"
