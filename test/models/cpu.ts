// What a numerics test says about the CPU it ran on: llama.cpp picks its CPU kernels by instruction set
// (docs/engine-numerics.md), so a bound that fails must be read together with these flags.
import { readFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';

/** The instruction-set flags that decide llama.cpp's x86 CPU backend variant. */
const RELEVANT = /^(sse4_2|avx|avx2|f16c|fma|avx_vnni|avx512f|avx512bw|avx512vl|avx512dq|avx512cd|avx512_vbmi|avx512_vnni|avx512_bf16|amx_tile|amx_int8|amx_bf16|asimd|fphp|asimdhp|sve|i8mm)$/;

/** "<model> [<arch>]: <flags>", from /proc/cpuinfo where there is one. */
export function cpuDescription(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  let flags = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => /^(flags|Features)\s*:/.test(l)) ?? '';
    flags = line.replace(/^[^:]*:\s*/, '').split(/\s+/).filter((f) => RELEVANT.test(f)).join(' ');
  } catch {
    flags = '(no /proc/cpuinfo)';
  }
  return `${model} [${arch()}]: ${flags}`;
}
