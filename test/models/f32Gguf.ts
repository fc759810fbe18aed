// Writes an F32 copy of an F16 GGUF: the same header and the same weight values (F16 → F32 is exact), every
// tensor stored as F32. llama.cpp then multiplies in F32 (activations are not rounded to F16; see
// docs/engine-numerics.md), so the float64 references written for the F16 file hold for the copy to float32
// round-off. The copies are made at test time in a temporary folder: one source of truth for the weights.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GGML_F16, GGML_F32, GgufType, readGgufHeader } from '../../src/engine/ggufFile';

const LLAMA_FTYPE_ALL_F32 = 0;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}
function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u64(b.length), b]);
}

/** The F32 copy of an F16/F32 GGUF as bytes. */
export function toF32(file: string): Buffer {
  const h = readGgufHeader(file);
  const src = readFileSync(file);
  const parts: Buffer[] = [Buffer.from('GGUF'), u32(h.version), u64(h.tensors.length), u64(h.kv.length)];
  for (const kv of h.kv) {
    if (kv.key === 'general.file_type') parts.push(str(kv.key), u32(GgufType.UINT32), u32(LLAMA_FTYPE_ALL_F32));
    else parts.push(src.subarray(kv.start, kv.end));
  }
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const t of h.tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    const at = h.dataStart + t.offset;
    const data = Buffer.alloc(n * 4);
    if (t.type === GGML_F16) for (let i = 0; i < n; i++) data.writeFloatLE(halfToFloat(src.readUInt16LE(at + 2 * i)), 4 * i);
    else if (t.type === GGML_F32) src.copy(data, 0, at, at + 4 * n);
    else throw new Error(`${file}: tensor ${t.name} has type ${t.type}; only F16 and F32 are converted`);
    parts.push(str(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(GGML_F32), u64(offset));
    const pad = (h.alignment - (data.length % h.alignment)) % h.alignment;
    blobs.push(data, Buffer.alloc(pad));
    offset += data.length + pad;
  }
  const header = Buffer.concat(parts);
  const pad = (h.alignment - (header.length % h.alignment)) % h.alignment;
  return Buffer.concat([header, Buffer.alloc(pad), ...blobs]);
}

/** IEEE 754 binary16 → number (exact). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** F32 copies of the given files in a fresh temporary folder, under the same base names. */
export function f32Copies(files: string[]): { dir: string; path: (file: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-f32-'));
  for (const f of files) writeFileSync(join(dir, basename(f)), toF32(f));
  return { dir, path: (f) => join(dir, basename(f)) };
}
