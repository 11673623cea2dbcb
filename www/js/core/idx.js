// IDX files (the MNIST format: a big-endian header of magic and dimensions, then unsigned bytes),
// as the page's evaluation samples and training sets are stored. No DOM here
// (tests/js/idx.test.mjs).

/**
 * Parses an IDX file (big-endian header, unsigned bytes): {dims, data: Uint8Array}. Throws on
 * anything else.
 */
export function parseIdx(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error("not an IDX file");
  if (bytes[2] !== 0x08) throw new Error(`IDX type 0x${bytes[2].toString(16)} is not unsigned bytes`);
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) throw new Error("IDX header is truncated");
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length !== start + n) throw new Error(`IDX data has ${bytes.length - start} bytes, the header says ${n}`);
  return { dims, data: bytes.subarray(start) };
}

/** IDX image bytes as raw inputs in [0, 1] for a model with `channels` input channels. */
export function idxToInputs(images, channels = 1) {
  const [count, h, w] = images.dims;
  const plane = h * w;
  const out = new Float32Array(count * channels * plane);
  for (let k = 0; k < count; k++) {
    for (let c = 0; c < channels; c++) {
      const o = (k * channels + c) * plane;
      for (let i = 0; i < plane; i++) out[o + i] = images.data[k * plane + i] / 255;
    }
  }
  return out;
}
