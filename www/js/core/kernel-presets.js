// Kernel presets and convolution arithmetic for the convolution playground. Pure: no DOM, so it
// can be unit-tested in node. Kernels are row-major arrays of size*size numbers, applied as a
// conv2d layer does (cross-correlation: no flipping).

const box = (n) => Array(n * n).fill(1 / (n * n));
const binomial5 = [1, 4, 6, 4, 1];
/** The transpose of a square row-major kernel. */
const transpose = (k) => {
  const n = Math.sqrt(k.length);
  return k.map((_, i) => k[(i % n) * n + Math.floor(i / n)]);
};
/** Both sizes of a preset's kernels ({3, 5}), transposed. */
const transposed = (sizes) => ({ 3: transpose(sizes[3]), 5: transpose(sizes[5]) });
const vertical = {
  3: [-1, 0, 1, -1, 0, 1, -1, 0, 1],
  5: [-1, -1, 0, 1, 1, -1, -1, 0, 1, 1, -1, -1, 0, 1, 1, -1, -1, 0, 1, 1, -1, -1, 0, 1, 1],
};
const sobelX = {
  3: [-1, 0, 1, -2, 0, 2, -1, 0, 1],
  5: [-1, -2, 0, 2, 1, -4, -8, 0, 8, 4, -6, -12, 0, 12, 6, -4, -8, 0, 8, 4, -1, -2, 0, 2, 1],
};

/** Preset name -> {label, hint, 3: [...9], 5: [...25]}. */
export const PRESETS = {
  identity: {
    label: "Identity",
    hint: "copies the input: one 1 in the centre",
    3: [0, 0, 0, 0, 1, 0, 0, 0, 0],
    5: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  },
  vertical: {
    label: "Vertical edge",
    hint: "right minus left: bright where the image gets brighter to the right",
    ...vertical,
  },
  horizontal: {
    label: "Horizontal edge",
    hint: "below minus above: bright where the image gets brighter downwards",
    ...transposed(vertical),
  },
  sobelX: {
    label: "Sobel x",
    hint: "a smoothed vertical-edge detector (horizontal gradient)",
    ...sobelX,
  },
  sobelY: {
    label: "Sobel y",
    hint: "a smoothed horizontal-edge detector (vertical gradient)",
    ...transposed(sobelX),
  },
  blur: {
    label: "Blur",
    hint: "averages the neighbourhood (weights sum to 1)",
    3: box(3),
    5: binomial5.flatMap((a) => binomial5.map((b) => (a * b) / 256)),
  },
  sharpen: {
    label: "Sharpen",
    hint: "the pixel minus its blurred neighbourhood, added back: edges get crisper",
    3: [0, -1, 0, -1, 5, -1, 0, -1, 0],
    5: Array.from({ length: 25 }, (_, i) => (i === 12 ? 2 : 0) - 1 / 25),
  },
  emboss: {
    label: "Emboss",
    hint: "a diagonal gradient on top of the image: looks like a relief",
    3: [-2, -1, 0, -1, 1, 1, 0, 1, 2],
    5: [-1, -1, -1, -1, 0, -1, -1, -1, 0, 1, -1, -1, 1, 1, 1, -1, 0, 1, 1, 1, 0, 1, 1, 1, 1],
  },
};

/** Preset names in the order the playground shows them. */
export const PRESET_NAMES = Object.keys(PRESETS);

/** A fresh copy of preset `name` for a `size x size` kernel (3 or 5). */
export function preset(name, size) {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown kernel preset '${name}'`);
  const k = p[size];
  if (!k) throw new Error(`preset '${name}' has no ${size}x${size} version`);
  return k.slice();
}

/** The preset whose `size x size` kernel equals `values` (within 1e-6), or null. */
export function matchPreset(values, size) {
  for (const name of PRESET_NAMES) {
    const k = PRESETS[name][size];
    if (k && k.length === values.length && k.every((v, i) => Math.abs(v - values[i]) < 1e-6)) return name;
  }
  return null;
}

/** How a kernel value is written into a number input: at most 4 decimals, no trailing zeros. */
export function formatWeight(v) {
  const s = Number(v.toFixed(4)).toString();
  return s === "-0" ? "0" : s;
}

/** Sum of the kernel's weights (1 keeps the brightness, 0 for edge detectors). */
export function kernelSum(values) {
  return values.reduce((a, b) => a + b, 0);
}

/** `floor((input + 2*padding - dilation*(kernel-1) - 1) / stride) + 1`; 0 or less means empty. */
export function outputSize(input, kernel, stride, padding, dilation = 1) {
  return Math.floor((input + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * The output-size formula with the numbers filled in, e.g. `(256 + 2*1 - 3) / 1 + 1 = 256`; with
 * a stride above 1 the division is rounded down, written `⌊(256 + 2*1 - 3) / 2⌋ + 1 = 128`.
 * An empty result is clamped to 0.
 */
export function sizeFormula(input, kernel, stride, padding) {
  const n = Math.max(0, outputSize(input, kernel, stride, padding));
  const inner = `(${input} + 2*${padding} - ${kernel}) / ${stride}`;
  return `${stride > 1 ? `⌊${inner}⌋` : inner} + 1 = ${n}`;
}

/**
 * Greyscale values in [0, 1] from RGBA bytes (ITU-R BT.601 luma; transparent pixels count as
 * black, which is how a transparent region looks on the dark input canvas).
 */
export function greyscale(rgba) {
  const n = rgba.length >> 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    const a = rgba[o + 3] / 255;
    out[i] = ((0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) / 255) * a;
  }
  return out;
}

/**
 * A display range for a convolution output that a few extreme values don't wash out: the
 * `lo` and `hi` quantiles of the finite values (sampled, at most ~8192 of them), or the full
 * range when that would be empty. `clipped` says whether it is narrower than the full range.
 */
export function robustRange(data, lo = 0.005, hi = 0.995) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(min <= max)) return { min: 0, max: 0, clipped: false };
  const step = Math.max(1, Math.floor(data.length / 8192));
  const s = [];
  for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i])) s.push(data[i]);
  s.sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  const a = q(lo);
  const b = q(hi);
  if (!(a < b)) return { min, max, clipped: false };
  return { min: a, max: b, clipped: a > min || b < max };
}
