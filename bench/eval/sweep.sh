#!/usr/bin/env bash
# The committed evaluation sweeps (bench/eval/tiny, bench/eval/demo, bench/eval/tabular): TQ* and its peers at many compute levels.
# Run from the repository root: bash bench/eval/sweep.sh   (≈ 23 min on 2 shared cores; resumes if interrupted)
set -euo pipefail
cli() { TQSTAR_CLI_MAIN=1 node --import tsx src/cli/main.ts "$@"; }

# Tiny transformers (models/tiny, local llama.cpp engine, direct transfer, demo-sentiment reward; DEMO models): the
# default world's 26 built-in prompts, 1 seed. TQ* crossed over α × N × H × k (24 points); the peers at several compute levels.
cli eval --world tiny --out bench/eval/tiny \
  --sweep tqstar:alpha=2,8,16 --sweep tqstar:N=1,3 --sweep tqstar:H=5,10 --sweep tqstar:k=3,6 \
  --sweep cd:alpha=2,8,16 \
  --sweep args:w=1,4,16 \
  --sweep bon:bon=1,2,4,8,16,32 \
  --sweep softbon:bon=4,16 --sweep softbon:lambda=0.1,0.3 \
  --sweep blockwise:K=2,4,8

# Demo pair (word-level trigram models, sentiment reward; a DEMO backend): 101 built-in prompts, 1 seed.
cli eval --world demo --out bench/eval/demo \
  --sweep tqstar:alpha=2,8,16 --sweep tqstar:N=1,4 --sweep tqstar:selection=greedy,sample \
  --sweep cd:alpha=2,8,16 --sweep cd:selection=greedy,sample \
  --sweep args:w=1,4,16 --sweep args:selection=greedy,sample \
  --sweep bon:bon=1,2,4,8,16,32,64 \
  --sweep softbon:bon=4,16,64 --sweep softbon:lambda=0.1,0.3 \
  --sweep blockwise:K=2,4,8

# Tabular models (exact E[r], KL, objective by enumeration): 12 start states × 16 seeds.
cli eval --world tabular --seeds 16 --out bench/eval/tabular \
  --sweep tqstar:alpha=0.5,1,2,4 --sweep tqstar:N=2,8 \
  --sweep cd:alpha=0.5,1,2,4 \
  --sweep args:w=0.5,1,2,4 \
  --sweep bon:bon=1,2,4,8,16,32 \
  --sweep softbon:bon=4,16 --sweep softbon:lambda=0.25,1

# Tabular models, TQ*'s rollouts N alone (the check behind leaving decoding.rollouts at 4): α = 1, 4 × N = 1, 2, 4, 8.
cli eval --world tabular --seeds 16 --out bench/eval/tabular-rollouts --strategy tqstar --reference tqstar \
  --sweep tqstar:alpha=1,4 --sweep tqstar:N=1,2,4,8

# The README's PNG renderings of the plots (vsce refuses SVG images in a README), when Chromium is there.
if command -v chromium >/dev/null; then
  for f in tiny/plot-compute tiny/plot-kl demo/plot-compute demo/plot-kl tabular/plot-exact; do
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run \
      --force-device-scale-factor=2 --hide-scrollbars --window-size=640,400 --screenshot="$PWD/bench/eval/$f.png" "file://$PWD/bench/eval/$f.svg" >/dev/null 2>&1
  done
fi
