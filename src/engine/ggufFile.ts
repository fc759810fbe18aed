// Checks a model file before llama.cpp sees it: the file exists, is a regular file, starts with GGUF's magic
// bytes, and every count and length in its header fits in the file. llama.cpp trusts the header's counts and
// reserves memory for them before reading, so a few bytes claiming 2^63 tensors would keep it busy until the
// machine runs out of memory; here such a file fails at once, naming the file.
//
// Format (ggml/include/gguf.h): "GGUF", uint32 version, int64 tensor count, int64 KV count; KV pairs
// (string key, uint32 type, value); tensor infos (string name, uint32 n_dims, int64 dims[n_dims], uint32 ggml
// type, uint64 offset); padding to general.alignment (default 32); tensor data. Little-endian throughout.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { LoadFailure } from './loadFailure';

const MAGIC = 'GGUF';
const DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
const MAX_DIMS = 4;

/** gguf_type: value types of the KV store. */
export const GgufType = { UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12 } as const;
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** Bytes per block and elements per block of the ggml tensor types whose size is checked against the file (others are left to llama.cpp). */
const GGML_TYPE_SIZE: Record<number, { bytes: number; block: number }> = {
  0: { bytes: 4, block: 1 }, // F32
  1: { bytes: 2, block: 1 }, // F16
  2: { bytes: 18, block: 32 }, // Q4_0
  3: { bytes: 20, block: 32 }, // Q4_1
  6: { bytes: 22, block: 32 }, // Q5_0
  7: { bytes: 24, block: 32 }, // Q5_1
  8: { bytes: 34, block: 32 }, // Q8_0
  30: { bytes: 2, block: 1 }, // BF16
};
export const GGML_F32 = 0;
export const GGML_F16 = 1;

export interface GgufKv {
  key: string;
  type: number;
  /** Scalars and strings; arrays as { type, length } (their items are not kept). */
  value: number | bigint | boolean | string | { itemType: number; length: number };
  /** Byte range of the whole pair (key, type and value) in the file. */
  start: number;
  end: number;
}

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  /** Offset of the data from the start of the data section. */
  offset: number;
}

export interface GgufHeader {
  version: number;
  kv: GgufKv[];
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Where the tensor data section starts. */
  dataStart: number;
  size: number;
}

/** A header that cannot be what it claims: the message says what is wrong, not which file (the caller adds that). */
export class GgufHeaderError extends Error {}

/** Reads a file front to back in chunks; every length is checked against the bytes left before it is used. */
class Reader {
  private buf = Buffer.alloc(0);
  private bufAt = 0;
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  left(): number {
    return this.size - this.pos;
  }

  bytes(n: number, what: string): Buffer {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.left()) throw new GgufHeaderError(`${what} needs ${n} bytes at offset ${this.pos}, but the file has ${this.left()} left`);
    if (this.pos < this.bufAt || this.pos + n > this.bufAt + this.buf.length) {
      const want = Math.min(Math.max(n, 1 << 20), this.left());
      this.buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const r = readSync(this.fd, this.buf, got, want - got, this.pos + got);
        if (r === 0) throw new GgufHeaderError(`the file ended at ${this.pos + got} bytes while reading ${what}`);
        got += r;
      }
      this.bufAt = this.pos;
    }
    const out = this.buf.subarray(this.pos - this.bufAt, this.pos - this.bufAt + n);
    this.pos += n;
    return out;
  }

  u32(what: string): number {
    return this.bytes(4, what).readUInt32LE(0);
  }

  /** A uint64/int64 count or length, refused beyond 2^53 (no file is that large). */
  count(what: string): number {
    const v = this.bytes(8, what).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufHeaderError(`${what} is ${v}, more than any file can hold`);
    return Number(v);
  }

  string(what: string): string {
    const n = this.count(`the length of ${what}`);
    if (n > this.left()) throw new GgufHeaderError(`${what} claims ${n} bytes at offset ${this.pos}, but the file has ${this.left()} left`);
    return this.bytes(n, what).toString('utf8');
  }
}

function readValue(r: Reader, type: number, what: string): GgufKv['value'] {
  if (type === GgufType.STRING) return r.string(what);
  if (type === GgufType.ARRAY) {
    const itemType = r.u32(`the item type of ${what}`);
    const length = r.count(`the length of ${what}`);
    if (itemType === GgufType.ARRAY) throw new GgufHeaderError(`${what} is an array of arrays, which GGUF does not allow`);
    // Every item takes at least its fixed size (a string at least its 8-byte length): the file must hold that many.
    const min = itemType === GgufType.STRING ? 8 : SCALAR_SIZE[itemType];
    if (min === undefined) throw new GgufHeaderError(`${what} has items of unknown type ${itemType}`);
    if (length > r.left() / min) throw new GgufHeaderError(`${what} claims ${length} items, but the file has ${r.left()} bytes left`);
    if (itemType === GgufType.STRING) for (let i = 0; i < length; i++) r.string(`item ${i} of ${what}`);
    else r.bytes(length * min, what);
    return { itemType, length };
  }
  const size = SCALAR_SIZE[type];
  if (size === undefined) throw new GgufHeaderError(`${what} has unknown value type ${type}`);
  const b = r.bytes(size, what);
  switch (type) {
    case GgufType.UINT8: return b.readUInt8(0);
    case GgufType.INT8: return b.readInt8(0);
    case GgufType.UINT16: return b.readUInt16LE(0);
    case GgufType.INT16: return b.readInt16LE(0);
    case GgufType.UINT32: return b.readUInt32LE(0);
    case GgufType.INT32: return b.readInt32LE(0);
    case GgufType.FLOAT32: return b.readFloatLE(0);
    case GgufType.BOOL: return b.readUInt8(0) !== 0;
    case GgufType.UINT64: return b.readBigUInt64LE(0);
    case GgufType.INT64: return b.readBigInt64LE(0);
    default: return b.readDoubleLE(0);
  }
}

/** Parses and bounds-checks the header of an open GGUF file. Throws GgufHeaderError. */
function parseHeader(fd: number, size: number): GgufHeader {
  const r = new Reader(fd, size);
  if (r.bytes(4, 'the magic bytes').toString('latin1') !== MAGIC) throw new GgufHeaderError('not GGUF');
  const version = r.u32('the version');
  if (version !== 2 && version !== 3) throw new GgufHeaderError(`GGUF version ${version} is not supported (llama.cpp reads versions 2 and 3)`);
  const nTensors = r.count('the tensor count');
  const nKv = r.count('the key-value count');
  // A KV pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info 8 + 4 + 4 + 8 bytes.
  if (nKv > r.left() / 13) throw new GgufHeaderError(`the header claims ${nKv} key-value pairs, but the file has ${r.left()} bytes left`);
  if (nTensors > r.left() / 24) throw new GgufHeaderError(`the header claims ${nTensors} tensors, but the file has ${r.left()} bytes left`);
  const kv: GgufKv[] = [];
  for (let i = 0; i < nKv; i++) {
    const start = r.pos;
    const key = r.string(`key ${i}`);
    const type = r.u32(`the type of ${JSON.stringify(key)}`);
    const value = readValue(r, type, JSON.stringify(key));
    kv.push({ key, type, value, start, end: r.pos });
  }
  const alignKv = kv.find((k) => k.key === 'general.alignment');
  const alignment = typeof alignKv?.value === 'number' ? alignKv.value : DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw new GgufHeaderError(`general.alignment ${alignment} is not a power of two`);
  if (nTensors > r.left() / 24) throw new GgufHeaderError(`the header claims ${nTensors} tensors, but the file has ${r.left()} bytes left`);
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = r.string(`the name of tensor ${i}`);
    const nDims = r.u32(`the dimension count of ${name}`);
    if (nDims < 1 || nDims > MAX_DIMS) throw new GgufHeaderError(`tensor ${JSON.stringify(name)} has ${nDims} dimensions (1 to ${MAX_DIMS} allowed)`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(r.count(`dimension ${d} of ${JSON.stringify(name)}`));
    const type = r.u32(`the type of ${JSON.stringify(name)}`);
    const offset = r.count(`the data offset of ${JSON.stringify(name)}`);
    tensors.push({ name, dims, type, offset });
  }
  const dataStart = Math.ceil(r.pos / alignment) * alignment;
  for (const t of tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const ts = GGML_TYPE_SIZE[t.type];
    const bytes = ts ? (elements / ts.block) * ts.bytes : 0;
    if (!Number.isSafeInteger(elements) || dataStart + t.offset + bytes > size)
      throw new GgufHeaderError(`tensor ${JSON.stringify(t.name)} (${t.dims.join(' × ')}) lies beyond the end of the file (${size} bytes)`);
  }
  return { version, kv, tensors, alignment, dataStart, size };
}

/** The parsed header of a GGUF file; throws GgufHeaderError (or a file system error) when it cannot be read. */
export function readGgufHeader(file: string): GgufHeader {
  const fd = openSync(file, 'r');
  try {
    return parseHeader(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** null when the file is a GGUF file whose header fits in it; otherwise why not, naming the file. */
export function checkGgufFile(file: string): LoadFailure | null {
  // stat before open: opening a FIFO for reading would wait for a writer.
  try {
    if (!statSync(file).isFile()) return { kind: 'missing-file', file, message: `${file}: not a file` };
  } catch {
    return { kind: 'missing-file', file, message: `${file}: no such file` };
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return { kind: 'missing-file', file, message: `${file}: cannot be read (${e instanceof Error ? e.message : String(e)})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'missing-file', file, message: `${file}: not a file` };
    const head = Buffer.alloc(4);
    if (st.size >= 4) readSync(fd, head, 0, 4, 0);
    if (st.size < 4 || head.toString('latin1') !== MAGIC)
      return { kind: 'not-gguf', file, message: `${file}: not a GGUF model file (it does not start with the bytes "GGUF"; safetensors or PyTorch checkpoints must be converted with llama.cpp's convert_hf_to_gguf.py first)` };
    try {
      parseHeader(fd, st.size);
    } catch (e) {
      if (!(e instanceof GgufHeaderError)) throw e;
      return { kind: 'corrupt', file, message: `${file}: damaged or truncated GGUF file (${e.message})` };
    }
    return null;
  } catch (e) {
    return { kind: 'missing-file', file, message: `${file}: cannot be read (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    closeSync(fd);
  }
}
