#!/usr/bin/env bash
# The frontier sweeps behind docs/where-tqstar-stands.md: TQ*'s estimators, strength, gate and the peers against the baseline
# alone and Best-of-N, paired over prompts × seeds, with the held-out score (fluency). Several runs write into one folder
# (each resumes from its answers.jsonl); bench/eval/summarise.ts then summarises every answer in it.
# Run from the repository root: bash bench/eval/frontier.sh   (≈ 60 min on 2 busy shared cores; resumes if interrupted)
set -euo pipefail
cli() { TQSTAR_CLI_MAIN=1 node --import tsx src/cli/main.ts "$@"; }
for f in bench/eval/*/answers.jsonl.gz; do [ -f "${f%.gz}" ] || gunzip -k "$f"; done   # the tabular folders keep their answers gzipped

# Tiny transformers (local llama.cpp engine, direct transfer, demo-sentiment reward): the tiny world's 26 prompts × 2 seeds.
O=bench/eval/frontier-tiny
cli eval --world tiny --seeds 2 --out $O --strategy baseline --strategy bon --sweep bon:bon=1,2,4,8,16,32
T="--world tiny --seeds 2 --out $O --strategy baseline --strategy tqstar"
cli eval $T --sweep tqstar:est=implicit --sweep tqstar:alpha=1,2,4,8,16
cli eval $T --sweep tqstar:est=implicit --sweep tqstar:strength=kl --sweep tqstar:kl=0.3,1,3
cli eval $T --sweep tqstar:est=hybrid --sweep tqstar:contenders=2 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=0.5,2 --sweep tqstar:gate=none,entropy
cli eval $T --sweep tqstar:est=hybrid --sweep tqstar:contenders=2 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:alpha=16 --sweep tqstar:gate=entropy
cli eval $T --sweep tqstar:est=hybrid --sweep tqstar:contenders=2 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=4,8 --sweep tqstar:gate=entropy
cli eval $T --sweep tqstar:est=hybrid --sweep tqstar:contenders=3 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=4 --sweep tqstar:gate=none
cli eval $T --sweep tqstar:est=rollouts --sweep tqstar:k=3 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=0.5,2,4 --sweep tqstar:gate=entropy
cli eval $T --sweep tqstar:est=rollouts --sweep tqstar:k=3 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=2 --sweep tqstar:gate=entropy --sweep tqstar:gate.minEntropy=0.5
cli eval --world tiny --seeds 2 --out $O --strategy baseline --strategy specrej --sweep specrej:bon=8,16 --sweep specrej:ckpt=4 --sweep specrej:keep=0.5
cli eval --world tiny --seeds 2 --out $O --strategy baseline --strategy smc --sweep smc:bon=4,8 --sweep smc:ckpt=4 --sweep smc:lambda=0.3,1
node --import tsx bench/eval/summarise.ts $O "tqstar eval sweeps on the tiny transformers (26 prompts × 2 seeds; bench/eval/frontier.sh)"

# Tabular models (exact columns by enumeration): 12 start states × 16 seeds; TQ* with greedy selection (the world samples by default).
O=bench/eval/frontier-tabular
cli eval --world tabular --seeds 16 --out $O --strategy baseline --strategy bon --sweep bon:bon=1,2,4,8,16,32
cli eval --world tabular --seeds 16 --out $O --strategy baseline --strategy specrej --sweep specrej:bon=8,16,32 --sweep specrej:ckpt=2 --sweep specrej:keep=0.5
cli eval --world tabular --seeds 16 --out $O --strategy baseline --strategy smc --sweep smc:bon=4,8,16 --sweep smc:ckpt=2 --sweep smc:lambda=0.5,1 --sweep smc:selection=greedy
B="--world tabular --seeds 16 --out $O --strategy baseline --strategy tqstar --sweep tqstar:selection=greedy"
cli eval $B --sweep tqstar:est=implicit --sweep tqstar:alpha=1,1.25,1.5,2,4,8
cli eval $B --sweep tqstar:est=implicit --sweep tqstar:strength=kl --sweep tqstar:kl=0.1,0.3,1,3
cli eval $B --sweep tqstar:est=implicit --sweep tqstar:alpha=2,4 --sweep tqstar:gate=entropy --sweep tqstar:gate.minEntropy=0.5,1
cli eval $B --sweep tqstar:est=hybrid --sweep tqstar:contenders=2 --sweep tqstar:N=1,2 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=0.3,1
cli eval $B --sweep tqstar:est=hybrid --sweep tqstar:contenders=2 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=0.5,1 --sweep tqstar:gate=entropy
cli eval $B --sweep tqstar:est=rollouts --sweep tqstar:k=3 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=1 --sweep tqstar:gate=none,entropy
cli eval $B --sweep tqstar:est=rollouts --sweep tqstar:k=3 --sweep tqstar:N=1 --sweep tqstar:H=5 --sweep tqstar:strength=kl --sweep tqstar:kl=2,4 --sweep tqstar:gate=entropy
node --import tsx bench/eval/reexact.ts $O   # exact columns with the current exact policies
node --import tsx bench/eval/summarise.ts $O "tqstar eval sweeps on the tabular models (12 start states × 16 seeds; bench/eval/frontier.sh)"

# The defaults (src/config/schema.ts) against the baseline and Best-of-N, at reward ×1, ×10 and ×0.1. On the tabular world the
# sweeps set the defaults the world overrides (selection greedy, k 3, N 1, H 5; the world's own are for its exact tests).
TAB="--sweep tqstar:selection=greedy --sweep tqstar:k=3 --sweep tqstar:N=1 --sweep tqstar:H=5"
S="--strategy baseline --strategy bon --strategy tqstar"
cli eval --world tiny --seeds 2 --out bench/eval/defaults-tiny $S --sweep bon:bon=1,2,4,8,16,32
cli eval --world tabular --seeds 16 --out bench/eval/defaults-tabular $S --sweep bon:bon=1,2,4,8,16,32 $TAB
for s in 10 0.1; do
  cli eval --world tabular --seeds 16 --reward-scale $s --out bench/eval/defaults-tabular-x$s $S --sweep bon:bon=2,4,8,16 $TAB
  cli eval --world tiny --seeds 2 --reward-scale $s --out bench/eval/defaults-tiny-x$s $S --sweep bon:bon=2,4,8,16
done

# A 256-token answer at the defaults on the vLLM-8B latency model (demo pair, EOS off).
node --expose-gc --import tsx bench/run.ts --only len256/defaults --no-engine --out bench/eval/latency/len256-defaults.json
