#!/usr/bin/env bash
# Regenerates the project's tiny models from scratch: random test fixtures, tokenizer, sft, two DPO models, manifest.
#   models/train/make.sh            everything (npm run models)
#   models/train/make.sh fixtures   only test/fixtures/gguf/
# Needs Debian's python3-torch, python3-numpy, libopenblas0-pthread (PYTHON overrides /usr/bin/python3).
# Intermediate checkpoints go to models/.work/ (ignored by git).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PY="${PYTHON:-/usr/bin/python3}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mode="${1:-all}"
work=models/.work
mkdir -p "$work"
start=$(date +%s)

node --import tsx models/train/dump-demo-corpus.ts >"$work/demo.txt"
(cd models/train && "$PY" make_fixtures.py "../../$work/demo.txt" ../../test/fixtures/gguf)
UV_THREADPOOL_SIZE=1 node models/train/check-gguf.mjs test/fixtures/gguf/fixtures.json
[[ "$mode" == fixtures ]] && exit 0

# the corpus: the demo corpus first, then models/corpus/*.txt in name order, blank lines and repeats dropped
cat "$work/demo.txt" models/corpus/*.txt | awk 'NF && !seen[$0]++' >"$work/corpus.txt"
cd models/train
"$PY" train.py sft "../../$work/corpus.txt" "../../$work"
"$PY" train.py dpo "../../$work" sentiment 0.5
"$PY" train.py dpo "../../$work" politeness 0.5
"$PY" export_all.py "../../$work" ../tiny
cd ../..
UV_THREADPOOL_SIZE=1 node models/train/check-gguf.mjs models/tiny/manifest.json
echo "make.sh: done in $(( $(date +%s) - start )) s"
