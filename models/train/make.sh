#!/usr/bin/env bash
# Regenerates the project's tiny models from scratch: random test fixtures, tokenizer, sft, two DPO models, manifest.
#   models/train/make.sh            everything (npm run models)
#   models/train/make.sh fixtures   only test/fixtures/gguf/
# Needs Debian's python3-torch, python3-numpy, libopenblas0-pthread (PYTHON overrides /usr/bin/python3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PY="${PYTHON:-/usr/bin/python3}"
mode="${1:-all}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

node --import tsx models/train/dump-demo-corpus.ts >"$tmp/demo.txt"
(cd models/train && "$PY" make_fixtures.py "$tmp/demo.txt" ../../test/fixtures/gguf)
UV_THREADPOOL_SIZE=1 node models/train/check-gguf.mjs test/fixtures/gguf/fixtures.json
[[ "$mode" == fixtures ]] && exit 0

echo "make.sh: done in $(( $(date +%s) - start )) s"
