// Turning any picture into a model input the way the model's training data looks. Pure math on
// typed arrays (no DOM), unit-tested in node (tests/js/preprocess.test.mjs).
//
//   const grey = toGrey(imageData.data, width, height);          // [0, 1], alpha over white
//   const invert = autoInvert(grey, width, height);              // dark-on-light picture?
//   const out = prepare(grey, width, height, {mode, invert, outHeight: 28, outWidth: 28});
//
// Modes:
// - "mnist": like MNIST digits: white on black, the ink's bounding box scaled (keeping its aspect
//   ratio) to fit a 20x20 box, then placed so its centre of mass is the centre of the 28x28 frame.
// - "fashion": like Fashion-MNIST: white-ish object on black, its bounding box scaled so the long
//   side fills the frame, centred.
// - "fit": the whole picture scaled to fit the frame keeping its aspect ratio, centred (photos).
// Colour models (3 input channels) get the picture's RGB planes instead, centre-cropped to the
// input's aspect ratio and resized (`prepareColour`), as ImageNet models are evaluated.

/** Luminance in [0, 1] of RGBA pixels; transparent pixels count as white paper. */
export function toGrey(rgba, width, height) {
  const n = width * height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    const a = rgba[o + 3] / 255;
    const y = (0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) / 255;
    out[i] = a * y + (1 - a); // composite over white
  }
  return out;
}

/** RGB of RGBA pixels as three planes (CHW) in [0, 1]; transparent pixels count as white paper. */
export function toRgbPlanes(rgba, width, height) {
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    const a = rgba[o + 3] / 255;
    for (let c = 0; c < 3; c++) out[c * n + i] = (a * rgba[o + c]) / 255 + (1 - a);
  }
  return out;
}

/** The centred window of a `width x height` picture with the aspect ratio of `outWidth x outHeight`. */
export function centreCrop(width, height, outWidth, outHeight) {
  if (width * outHeight > height * outWidth) {
    const w = Math.max(1, Math.min(width, Math.round((height * outWidth) / outHeight)));
    return { x0: (width - w) >> 1, y0: 0, w, h: height };
  }
  const h = Math.max(1, Math.min(height, Math.round((width * outHeight) / outWidth)));
  return { x0: 0, y0: (height - h) >> 1, w: width, h };
}

/**
 * Model input from a colour picture given as RGB planes (3 x height x width, [0, 1]): the centre
 * crop with the input's aspect ratio, resized by area averaging. Returns 3 * outHeight * outWidth
 * values, CHW.
 */
export function prepareColour(planes, width, height, { outHeight, outWidth }) {
  const n = width * height;
  const out = new Float32Array(3 * outHeight * outWidth);
  if (!width || !height) return out;
  const { x0, y0, w, h } = centreCrop(width, height, outWidth, outHeight);
  for (let c = 0; c < 3; c++) {
    const window = crop(planes.subarray(c * n, (c + 1) * n), width, x0, y0, w, h);
    out.set(resizeArea(window, w, h, outWidth, outHeight), c * outHeight * outWidth);
  }
  return out;
}

/** Median of the one-pixel border: the background level of a picture. */
export function borderLevel(grey, width, height) {
  const vals = [];
  for (let x = 0; x < width; x++) {
    vals.push(grey[x], grey[(height - 1) * width + x]);
  }
  for (let y = 1; y < height - 1; y++) {
    vals.push(grey[y * width], grey[y * width + width - 1]);
  }
  if (!vals.length) return 0;
  vals.sort((a, b) => a - b);
  return vals[vals.length >> 1];
}

/** True when the picture looks dark-on-light (bright border), so it should be inverted. */
export function autoInvert(grey, width, height) {
  return borderLevel(grey, width, height) > 0.5;
}

/**
 * Resamples `src` (sw x sh) to dw x dh by exact area averaging (each output pixel is the mean of
 * the source area it covers, with fractional edge weights): a good downscaler, and a blocky but
 * honest upscaler.
 */
export function resizeArea(src, sw, sh, dw, dh) {
  const out = new Float32Array(dw * dh);
  if (!sw || !sh || !dw || !dh) return out;
  const fx = sw / dw;
  const fy = sh / dh;
  // Per output column: the source columns it covers and their weights (reused for every row).
  const cols = [];
  for (let x = 0; x < dw; x++) {
    const x0 = x * fx;
    const x1 = x0 + fx;
    const list = [];
    for (let sx = Math.floor(x0); sx < Math.min(sw, Math.ceil(x1)); sx++) {
      const w = Math.min(x1, sx + 1) - Math.max(x0, sx);
      if (w > 0) list.push(sx, w);
    }
    cols.push(list);
  }
  const row = new Float32Array(dw);
  for (let y = 0; y < dh; y++) {
    const y0 = y * fy;
    const y1 = y0 + fy;
    row.fill(0);
    for (let sy = Math.floor(y0); sy < Math.min(sh, Math.ceil(y1)); sy++) {
      const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
      if (wy <= 0) continue;
      const base = sy * sw;
      for (let x = 0; x < dw; x++) {
        const list = cols[x];
        let s = 0;
        for (let k = 0; k < list.length; k += 2) s += src[base + list[k]] * list[k + 1];
        row[x] += s * wy;
      }
    }
    const area = fx * fy;
    for (let x = 0; x < dw; x++) out[y * dw + x] = row[x] / area;
  }
  return out;
}

/** Bounding box {x0, y0, x1, y1} (exclusive ends) of values above `threshold`, or null. */
export function inkBox(grey, width, height, threshold) {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Centre of mass {x, y} (pixel centres at +0.5), or null for an all-zero image. */
export function centreOfMass(grey, width, height) {
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = grey[y * width + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return m > 0 ? { x: mx / m, y: my / m } : null;
}

/** Copies the w x h window of `src` at (x0, y0). */
function crop(src, width, x0, y0, w, h) {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) out.set(src.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);
  return out;
}

/** Pastes `src` (w x h) into `dst` (dw x dh) with its top-left at (ox, oy), clipping. */
function paste(dst, dw, dh, src, w, h, ox, oy) {
  for (let y = 0; y < h; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= dh) continue;
    for (let x = 0; x < w; x++) {
      const tx = x + ox;
      if (tx >= 0 && tx < dw) dst[ty * dw + tx] = src[y * w + x];
    }
  }
}

/** `w x h` scaled to fit inside `bw x bh` keeping the aspect ratio (each side at least 1). */
export function fitSize(w, h, bw, bh) {
  const s = Math.min(bw / w, bh / h);
  return { width: Math.max(1, Math.min(bw, Math.round(w * s))), height: Math.max(1, Math.min(bh, Math.round(h * s))) };
}

/**
 * Model input from a greyscale picture (values in [0, 1], light = 1).
 * options: {mode: "mnist" | "fashion" | "fit", invert: boolean, outHeight, outWidth}.
 * Returns a Float32Array of outHeight * outWidth values in [0, 1].
 */
export function prepare(grey, width, height, { mode = "fit", invert = false, outHeight = 28, outWidth = 28 } = {}) {
  const out = new Float32Array(outHeight * outWidth);
  if (!width || !height) return out;
  let g = grey;
  if (invert) g = Float32Array.from(grey, (v) => 1 - v);
  if (mode === "fit") {
    const { width: w, height: h } = fitSize(width, height, outWidth, outHeight);
    const small = resizeArea(g, width, height, w, h);
    paste(out, outWidth, outHeight, small, w, h, (outWidth - w) >> 1, (outHeight - h) >> 1);
    return out;
  }
  // Stretch so the background (border level) is 0 and the brightest ink is 1.
  const bg = borderLevel(g, width, height);
  let max = 0;
  for (const v of g) if (v > max) max = v;
  const span = max - bg;
  if (span < 0.05) return out; // nothing stands out from the background: an empty input
  const s = Float32Array.from(g, (v) => Math.min(1, Math.max(0, (v - bg) / span)));
  const box = inkBox(s, width, height, 0.2);
  if (!box) return out;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const ink = crop(s, width, box.x0, box.y0, bw, bh);
  if (mode === "mnist") {
    const side = Math.round(Math.min(outHeight, outWidth) * (20 / 28));
    const { width: w, height: h } = fitSize(bw, bh, side, side);
    const small = resizeArea(ink, bw, bh, w, h);
    const com = centreOfMass(small, w, h) ?? { x: w / 2, y: h / 2 };
    let ox = Math.round(outWidth / 2 - com.x);
    let oy = Math.round(outHeight / 2 - com.y);
    // Keep the whole digit inside the frame.
    ox = Math.min(Math.max(ox, 0), outWidth - w);
    oy = Math.min(Math.max(oy, 0), outHeight - h);
    paste(out, outWidth, outHeight, small, w, h, ox, oy);
    return out;
  }
  // fashion: the object's box fills the frame, centred.
  const { width: w, height: h } = fitSize(bw, bh, outWidth, outHeight);
  const small = resizeArea(ink, bw, bh, w, h);
  paste(out, outWidth, outHeight, small, w, h, (outWidth - w) >> 1, (outHeight - h) >> 1);
  return out;
}

/**
 * The preprocessing mode for a model: digit classifiers (1x28x28 with labels 0..9) get "mnist",
 * the fashion model gets "fashion", everything else "fit".
 */
export function modeFor(name, summary) {
  const { channels, height, width } = summary.input;
  const labels = summary.labels ?? [];
  if (name === "digits") return "mnist";
  if (name === "fashion") return "fashion";
  if (channels === 1 && height === 28 && width === 28 && labels.length === 10 && labels.every((l, i) => l === String(i))) return "mnist";
  return "fit";
}

// Image-file sniffing: dimensions from the header, so a huge image is refused before decoding.

/** {format, width, height} from the first bytes of a PNG, GIF, JPEG, WebP or BMP file, or null. */
export function sniffImage(bytes) {
  const b = bytes;
  const u16be = (o) => (b[o] << 8) | b[o + 1];
  const u16le = (o) => b[o] | (b[o + 1] << 8);
  const u32be = (o) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
  const i32le = (o) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return { format: "PNG", width: u32be(16), height: u32be(20) };
  }
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) {
    return { format: "GIF", width: u16le(6), height: u16le(8) };
  }
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) {
    return { format: "BMP", width: Math.abs(i32le(18)), height: Math.abs(i32le(22)) };
  }
  if (b.length >= 30 && String.fromCharCode(...b.subarray(0, 4)) === "RIFF" && String.fromCharCode(...b.subarray(8, 12)) === "WEBP") {
    const kind = String.fromCharCode(...b.subarray(12, 16));
    if (kind === "VP8X") return { format: "WebP", width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
    if (kind === "VP8 ") return { format: "WebP", width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff };
    if (kind === "VP8L") {
      const v = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { format: "WebP", width: 1 + (v & 0x3fff), height: 1 + ((v >>> 14) & 0x3fff) };
    }
    return null;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let o = 2;
    while (o + 9 < b.length) {
      if (b[o] !== 0xff) return null;
      const marker = b[o + 1];
      if (marker === 0xff) {
        o += 1;
        continue;
      }
      const len = u16be(o + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { format: "JPEG", width: u16be(o + 7), height: u16be(o + 5) };
      }
      o += 2 + len;
    }
    return null;
  }
  return null;
}

/** Largest picture accepted, in pixels (a 50-megapixel photo decodes to 200 MB of RGBA). */
export const MAX_PIXELS = 50e6;
export const MAX_SIDE = 16384;

/** An error message when a w x h picture can't be used, else null. */
export function sizeProblem(width, height) {
  if (!(width > 0) || !(height > 0)) return `the image has no pixels (${width} × ${height})`;
  if (width * height > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE) {
    return `the image is too large (${width} × ${height} pixels, ${Math.round((width * height) / 1e6)} megapixels; the limit is ${MAX_PIXELS / 1e6} megapixels and ${MAX_SIDE} pixels a side)`;
  }
  return null;
}

/** True when `bytes` starts like a safetensors file (8-byte little-endian length, then "{"). */
export function looksLikeSafetensors(bytes) {
  if (bytes.length < 10) return false;
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + bytes[i];
  return n > 1 && n < 1e8 && bytes[8] === 0x7b;
}

/** `values` (h x w) moved dx right and dy down; what moves in is 0. */
export function shiftImage(values, h, w, dx, dy) {
  if (!dx && !dy) return values;
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < w; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < w) out[y * w + x] = values[sy * w + sx];
    }
  }
  return out;
}

/**
 * A picture (`{grey, rgb?, width, height}`, values in [0, 1]; `rgb` as three planes) as the input
 * of a model of `planes` colour planes (1 or 3), `height` x `width`: for colour models the RGB
 * picture centre-cropped, for the others greyscale fitted by `mode` (modeFor) and inverted when
 * `invert` (default: when the picture has a light background, autoInvert); then moved by `shift`
 * (`{dx, dy}`, what moves in is 0). A grey picture for a colour model fills every plane alike.
 */
export function pictureToInput(pic, { planes, height, width, mode, invert, shift = { dx: 0, dy: 0 } }) {
  const colour = planes === 3 && pic.rgb;
  const prepared = colour
    ? prepareColour(pic.rgb, pic.width, pic.height, { outHeight: height, outWidth: width })
    : prepare(pic.grey, pic.width, pic.height, {
        mode,
        invert: planes === 3 ? false : (invert ?? autoInvert(pic.grey, pic.width, pic.height)),
        outHeight: height,
        outWidth: width,
      });
  const plane = height * width;
  const values = new Float32Array(planes * plane);
  for (let p = 0; p < planes; p++) {
    const src = prepared.length === planes * plane ? prepared.subarray(p * plane, (p + 1) * plane) : prepared;
    values.set(shiftImage(src, height, width, shift.dx, shift.dy), p * plane);
  }
  return values;
}
