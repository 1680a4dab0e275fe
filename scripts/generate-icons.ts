/**
 * Draws the app's PNG icons (public/icons/icon-192.png, icon-512.png, icon-maskable-512.png) from the
 * favicon's design: a rising green line on a dark square. No image library: each pixel is the
 * distance to the line, written as an uncompressed-filter PNG through zlib.
 * Run: npx tsx scripts/generate-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BACKGROUND = [0x0f, 0x17, 0x2a];
const LINE = [0x22, 0xc5, 0x5e];
// The favicon's polyline in its 32-unit box.
const POINTS: [number, number][] = [
  [4, 24],
  [11, 16],
  [17, 20],
  [28, 7],
];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function distanceToSegment(px: number, py: number, [ax, ay]: [number, number], [bx, by]: [number, number]): number {
  const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
}

/** An RGBA icon; `inset` shrinks the drawing into the safe zone of a maskable icon. */
function icon(size: number, { rounded, inset }: { rounded: boolean; inset: number }): Buffer {
  const rows: Buffer[] = [];
  const radius = rounded ? size * (6 / 32) : 0;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      // Pixel centre in the favicon's 32-unit box.
      const u = (((x + 0.5) / size - 0.5) / (1 - 2 * inset)) * 32 + 16;
      const v = (((y + 0.5) / size - 0.5) / (1 - 2 * inset)) * 32 + 16;
      const cx = Math.max(radius, Math.min(size - radius, x + 0.5));
      const cy = Math.max(radius, Math.min(size - radius, y + 0.5));
      const outside = rounded && Math.hypot(x + 0.5 - cx, y + 0.5 - cy) > radius;
      const d = Math.min(...POINTS.slice(1).map((p, i) => distanceToSegment(u, v, POINTS[i], p)));
      // 1.5 units is half the favicon's stroke width; one pixel of antialiasing.
      const pixel = 32 / size / (1 - 2 * inset);
      const ink = Math.max(0, Math.min(1, (1.5 - d) / pixel + 0.5));
      const o = 1 + x * 4;
      for (let c = 0; c < 3; c++) row[o + c] = Math.round(BACKGROUND[c] * (1 - ink) + LINE[c] * ink);
      row[o + 3] = outside ? 0 : 255;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', icon(192, { rounded: true, inset: 0 }));
writeFileSync('public/icons/icon-512.png', icon(512, { rounded: true, inset: 0 }));
// Maskable: full-bleed background, the drawing inside the central 80 % safe zone.
writeFileSync('public/icons/icon-maskable-512.png', icon(512, { rounded: false, inset: 0.1 }));
