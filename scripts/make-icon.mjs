// Generates media/icon.png (128×128 RGBA) with zlib only: a rounded tile with a rising reward curve
// and token dots, so the marketplace icon needs no image tool and stays reproducible.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const N = 128;
const px = new Uint8Array(N * N * 4);
const blend = (x, y, [r, g, b], a) => {
  if (x < 0 || y < 0 || x >= N || y >= N || a <= 0) return;
  const i = (y * N + x) * 4, k = Math.min(1, a), ia = px[i + 3] / 255, oa = k + ia * (1 - k);
  for (const [c, v] of [[0, r], [1, g], [2, b]]) px[i + c] = Math.round((v * k + px[i + c] * ia * (1 - k)) / (oa || 1));
  px[i + 3] = Math.round(oa * 255);
};
// Coverage of a disc/rounded box by signed distance, for cheap anti-aliasing.
const cover = (d) => Math.max(0, Math.min(1, 0.5 - d));
const roundBoxDist = (x, y, r) => {
  const qx = Math.abs(x - 63.5) - (63.5 - r), qy = Math.abs(y - 63.5) - (63.5 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
  const t = y / N;
  blend(x, y, [Math.round(30 + 20 * t), Math.round(40 + 30 * t), Math.round(90 + 60 * t)], cover(roundBoxDist(x + 0.5, y + 0.5, 22)));
}
// Reward curve: a smooth rise from lower left to upper right.
const curve = (x) => 100 - 70 / (1 + Math.exp(-(x - 64) / 14));
for (let y = 0; y < N; y++) for (let x = 14; x < 114; x++) {
  let d = Infinity;
  for (let s = 14; s <= 114; s += 0.5) d = Math.min(d, Math.hypot(x + 0.5 - s, y + 0.5 - curve(s)));
  blend(x, y, [255, 196, 61], cover(d - 3));
}
// Token dots along the curve: the decoder's per-token choices.
for (const cx of [24, 44, 64, 84, 104]) {
  const cy = curve(cx);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) blend(x, y, [255, 255, 255], cover(Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - 6));
}

const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) Buffer.from(px.buffer, y * N * 4, N * 4).copy(raw, y * (N * 4 + 1) + 1); // filter 0 per row
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
const out = fileURLToPath(new URL('../media/icon.png', import.meta.url));
writeFileSync(out, png);
console.log(`make-icon: wrote ${out} (${png.length} bytes)`);
