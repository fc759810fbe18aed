// Owns listing a zip archive's entries (a .vsix is a zip) from its central directory, without unzipping.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry { name: string; size: number; compressedSize: number; method: number; offset: number }

export function listZip(path: string): ZipEntry[] {
  const buf = readFileSync(path);
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment (≤ 64 KiB).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${path}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${n}`);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    out.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), method: buf.readUInt16LE(p + 10), compressedSize: buf.readUInt32LE(p + 20), size: buf.readUInt32LE(p + 24), offset: buf.readUInt32LE(p + 42) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The bytes of one entry (stored or deflated, the two methods vsce writes). */
export function readZipEntry(path: string, name: string): Buffer {
  const entry = listZip(path).find((e) => e.name === name);
  if (!entry) throw new Error(`${path}: no entry ${name}`);
  const buf = readFileSync(path);
  const p = entry.offset;
  if (buf.readUInt32LE(p) !== 0x04034b50) throw new Error(`${path}: bad local header for ${name}`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${path}: ${name} uses compression method ${entry.method}`);
}

/** Writes every entry under `dest` (reading the archive once). */
export function extractZip(path: string, dest: string): number {
  const buf = readFileSync(path);
  const entries = listZip(path);
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const p = e.offset;
    const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
    const data = buf.subarray(start, start + e.compressedSize);
    const file = join(dest, e.name);
    if (!file.startsWith(dest)) throw new Error(`${path}: entry ${e.name} escapes the destination`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, e.method === 8 ? inflateRawSync(data) : data);
  }
  return entries.length;
}
