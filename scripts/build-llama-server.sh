#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` (CPU only, one static binary) from the llama.cpp source that the
# pinned node-llama-cpp package ships (node_modules/node-llama-cpp/llama/gitRelease.bundle), offline,
# once per machine, into a cache outside the clone keyed by the llama.cpp commit. Prints the binary's
# path on its last line. See ../shared/ENGINE.md ("A real llama.cpp server from the same package").
#
#   scripts/build-llama-server.sh            build if missing, print the path
#   scripts/build-llama-server.sh --path     print the path it would have (built or not) and exit
#
# Cache: $TQSTAR_CACHE (default ~/.cache/tqstar)/llama-server/<commit>/llama-server.
# Takes ~25 minutes on 2 busy cores; needs cmake, g++ and git (Debian: cmake g++ git).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bundle="node_modules/node-llama-cpp/llama/gitRelease.bundle"
if [[ ! -f "$bundle" ]]; then
  echo "build-llama-server: $bundle not found — run npm ci first" >&2
  exit 1
fi
commit=$(git bundle list-heads "$bundle" | awk '$2=="HEAD"{print $1; exit}')
[[ -n "$commit" ]] || commit=$(git bundle list-heads "$bundle" | awk '{print $1; exit}')
cache="${TQSTAR_CACHE:-$HOME/.cache/tqstar}/llama-server/${commit:0:12}"
bin="$cache/llama-server"
if [[ "${1:-}" == "--path" ]]; then echo "$bin"; exit 0; fi
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

mkdir -p "$cache"
src="$cache/src"
rm -rf "$src"
git clone -q "$bundle" "$src"
git -C "$src" checkout -q "$commit"
jobs="${LLAMA_BUILD_JOBS:-$(nproc)}"
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
  -DBUILD_SHARED_LIBS=OFF >"$cache/cmake.log" 2>&1 \
  || { tail -40 "$cache/cmake.log" >&2; exit 1; }
cmake --build "$src/build" --target llama-server -j"$jobs" >"$cache/build.log" 2>&1 \
  || { tail -40 "$cache/build.log" >&2; exit 1; }
cp "$src/build/bin/llama-server" "$bin.tmp" && mv "$bin.tmp" "$bin"
echo "$commit" >"$cache/COMMIT"
rm -rf "$src"   # the source and objects are ~1 GB; only the binary is kept
echo "$bin"
