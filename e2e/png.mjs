// A minimal PNG encoder for tests: 8-bit greyscale or RGBA images generated in JS.

import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A PNG of `width` x `height`; `pixel(x, y)` returns a grey level 0..255 (channels 1) or
 * [r, g, b, a] (channels 4). Without `pixel` every pixel is 0 (fast for huge images).
 */
export function png(width, height, pixel, channels = 1) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 0; // colour type: RGBA or greyscale
  const stride = width * channels + 1;
  const raw = Buffer.alloc(stride * height); // filter byte 0 (none) on every row
  if (pixel) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = pixel(x, y);
        const o = y * stride + 1 + x * channels;
        if (channels === 4) for (let k = 0; k < 4; k++) raw[o + k] = v[k];
        else raw[o] = v;
      }
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 1 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
