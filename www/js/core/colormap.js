// Pure math for turning activations into pixels. No DOM here, so it can be unit-tested in node.

/** Smallest and largest finite value of `data[offset .. offset + length]`. */
export function range(data, offset = 0, length = data.length - offset) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = offset; i < offset + length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return { min: 0, max: 0 }; // empty, or nothing finite
  return { min, max };
}

/** Min/max of each of the `channels` maps of `n` values in `data` (CHW), and of them all. */
export function channelRanges(data, channels, n) {
  const per = [];
  let min = Infinity;
  let max = -Infinity;
  for (let c = 0; c < channels; c++) {
    const r = range(data, c * n, n);
    per.push(r);
    if (r.min < min) min = r.min;
    if (r.max > max) max = r.max;
  }
  return { per, min, max };
}

/**
 * Writes one map of `data` (starting at `offset`, `length` values) as greyscale RGBA into `out`
 * (a Uint8ClampedArray of 4 * length), normalized to the map's own [min, max]: min is black,
 * max is white. A constant map is black when it is 0 (a dead ReLU channel) and mid-grey otherwise.
 * Returns the range used.
 */
export function greyscaleRGBA(data, offset, length, out) {
  const { min, max } = range(data, offset, length);
  const span = max - min;
  const flat = min === 0 ? 0 : 128;
  for (let i = 0; i < length; i++) {
    const g = span > 0 ? Math.round(((data[offset + i] - min) / span) * 255) : flat;
    const o = 4 * i;
    out[o] = g;
    out[o + 1] = g;
    out[o + 2] = g;
    out[o + 3] = 255;
  }
  return { min, max };
}

/** Index of the largest value (-1 for an empty array). */
export function argmax(values) {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    if (best < 0 || values[i] > values[best]) best = i;
  }
  return best;
}

/** A compact number for labels: 3 significant digits, no exponent for everyday magnitudes. */
export function formatValue(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** Grid (cols, rows) close to square for showing a long vector as an image. */
export function gridFor(n) {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  return { cols, rows: Math.max(1, Math.ceil(n / cols)) };
}

/** Integer magnification that shows an h x w map at about `target` CSS pixels (at least 1). */
export function pixelScale(h, w, target) {
  return Math.max(1, Math.round(target / Math.max(h, w, 1)));
}

/** The colour maps the page offers: name -> label. */
export const COLORMAPS = { grey: "Greyscale", viridis: "Viridis", diverging: "Diverging (signed)" };

// Viridis (matplotlib, CC0) sampled at 9 evenly spaced points; linear interpolation in between.
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];
// Blue - white - red, for signed values centred on zero.
const DIVERGING = [[33, 102, 172], [103, 169, 207], [209, 229, 240], [247, 247, 247], [253, 219, 199], [239, 138, 98], [178, 24, 43]];

function ramp(stops, t, out, o) {
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  out[o] = Math.round(a[0] + f * (b[0] - a[0]));
  out[o + 1] = Math.round(a[1] + f * (b[1] - a[1]));
  out[o + 2] = Math.round(a[2] + f * (b[2] - a[2]));
  out[o + 3] = 255;
}

/**
 * The colour of value `v` under colour map `map` for the range [min, max], written as RGBA into
 * `out` at `o`. Greyscale and viridis map min..max to dark..bright; the diverging map is centred
 * on zero (white) and scaled by max(|min|, |max|), so the sign of a value is its hue.
 */
export function colorOf(v, map, min, max, out, o) {
  if (map === "diverging") {
    const m = Math.max(Math.abs(min), Math.abs(max));
    ramp(DIVERGING, m > 0 ? 0.5 + v / (2 * m) : 0.5, out, o);
    return;
  }
  const span = max - min;
  const t = span > 0 ? (v - min) / span : min === 0 ? 0 : 0.5;
  if (map === "viridis") {
    ramp(VIRIDIS, t, out, o);
  } else {
    const g = Math.round(Math.min(Math.max(t, 0), 1) * 255);
    out[o] = g;
    out[o + 1] = g;
    out[o + 2] = g;
    out[o + 3] = 255;
  }
}

/** WCAG 2 relative luminance of an sRGB colour given as bytes. */
export function luminance(r, g, b) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio (1..21) of two relative luminances. */
export const contrastRatio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/**
 * The text colour, black or white, that contrasts more with background bytes `rgba` at `o`: at
 * least 4.58:1 on any colour (WCAG AA asks 4.5:1 for small text).
 */
export function inkOn(rgba, o = 0) {
  const l = luminance(rgba[o], rgba[o + 1], rgba[o + 2]);
  return contrastRatio(l, 0) >= contrastRatio(l, 1) ? "#000" : "#fff";
}

/**
 * Writes `length` values of `data` from `offset` as RGBA into `out` with colour map `map` over
 * [min, max] (from `range` of the same values when not given). Returns the range used.
 */
export function colorize(data, offset, length, out, { map = "grey", min, max } = {}) {
  if (min === undefined || max === undefined) ({ min, max } = range(data, offset, length));
  for (let i = 0; i < length; i++) colorOf(data[offset + i], map, min, max, out, 4 * i);
  return { min, max };
}

// Fast path for drawing many maps: a 256-entry lookup table per colour map, written as one
// 32-bit word per pixel. Same colours as colorOf up to the 1/255 quantization of the position.
const LUTS = new Map();
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The 256 colours of `map` from its low to its high end, as RGBA words in platform byte order. */
export function lut(map) {
  let table = LUTS.get(map);
  if (!table) {
    const bytes = new Uint8ClampedArray(256 * 4);
    // Build through colorOf so the table matches it exactly at the 256 sample points.
    for (let i = 0; i < 256; i++) {
      if (map === "diverging") colorOf(i / 127.5 - 1, map, -1, 1, bytes, 4 * i);
      else colorOf(i / 255, map, 0, 1, bytes, 4 * i);
    }
    table = new Uint32Array(bytes.buffer);
    if (!LITTLE_ENDIAN) throw new Error("big-endian platforms are not supported");
    LUTS.set(map, table);
  }
  return table;
}

/**
 * Like `colorize` but through the lookup table: writes `length` values of `data` from `offset`
 * into `out32` (a Uint32Array over RGBA bytes) with colour map `map` over [min, max].
 */
export function colorizeFast(data, offset, length, out32, map, min, max) {
  const table = lut(map);
  let a;
  let b;
  if (map === "diverging") {
    const m = Math.max(Math.abs(min), Math.abs(max));
    a = m > 0 ? 127.5 / m : 0;
    b = 127.5;
  } else {
    const span = max - min;
    a = span > 0 ? 255 / span : 0;
    b = span > 0 ? -min * a : min === 0 ? 0 : 127.5;
  }
  for (let i = 0; i < length; i++) {
    let t = data[offset + i] * a + b + 0.5;
    t = t < 0 ? 0 : t > 255 ? 255 : t;
    out32[i] = table[t | 0];
  }
}
