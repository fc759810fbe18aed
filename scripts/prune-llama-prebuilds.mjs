// Runs after `npm install`/`npm ci` (postinstall): removes node-llama-cpp's prebuilt binaries for other platforms and GPUs
// (CUDA ~540 MB, Vulkan ~80 MB, ARM), keeping only @node-llama-cpp/<platform>-<arch>, the CPU build the engine loads
// (getLlama({ gpu: false })). Only that one package scope is touched: other packages' platform binaries (esbuild's) stay.
// TQSTAR_KEEP_LLAMA_PREBUILDS=1 keeps everything.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scope = join(root, 'node_modules', '@node-llama-cpp');
const keep = `${process.platform}-${process.arch}`;

function size(p) {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((n, f) => n + size(join(p, f)), 0) : s.size;
}

if (process.env.TQSTAR_KEEP_LLAMA_PREBUILDS === '1' || !existsSync(scope)) process.exit(0);
let freed = 0;
const removed = [];
for (const name of readdirSync(scope)) {
  if (name === keep) continue;
  const p = join(scope, name);
  freed += size(p);
  rmSync(p, { recursive: true, force: true });
  removed.push(name);
}
if (removed.length) console.log(`prune-llama-prebuilds: kept @node-llama-cpp/${keep}; removed ${removed.join(', ')} (${(freed / 1e6).toFixed(0)} MB)`);
