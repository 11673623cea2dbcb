// Layout conversions between convlens (CHW tensors, PyTorch weight layouts) and TensorFlow.js
// (NHWC tensors, HWIO conv filters, [in, out] dense kernels), for the side-by-side benchmark.

/** CHW -> HWC (batch 1 NHWC). */
export function chwToHwc(x, c, h, w) {
  if (x.length !== c * h * w) throw new Error(`chwToHwc: ${x.length} values for ${c}x${h}x${w}`);
  const out = new Float32Array(x.length);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) out[p * c + ch] = x[ch * h * w + p];
  }
  return out;
}

/** HWC -> CHW. */
export function hwcToChw(x, c, h, w) {
  if (x.length !== c * h * w) throw new Error(`hwcToChw: ${x.length} values for ${c}x${h}x${w}`);
  const out = new Float32Array(x.length);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) out[ch * h * w + p] = x[p * c + ch];
  }
  return out;
}

/** Conv weights [out, in, kh, kw] (PyTorch) -> [kh, kw, in, out] (TensorFlow's HWIO). */
export function oihwToHwio(wt, o, i, kh, kw) {
  if (wt.length !== o * i * kh * kw) throw new Error(`oihwToHwio: ${wt.length} values for ${o}x${i}x${kh}x${kw}`);
  const out = new Float32Array(wt.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((y * kw + x) * i + b) * o + a] = wt[((a * i + b) * kh + y) * kw + x];
      }
    }
  }
  return out;
}

/**
 * Linear weights [out, c*h*w] over a CHW-flattened input (PyTorch's flatten) -> a dense kernel
 * [h*w*c, out] over an HWC-flattened input (flatten of an NHWC tensor), so that both give the same
 * outputs: kernel[(y*w + x)*c + ch][o] = weight[o][ch*h*w + y*w + x].
 */
export function linearChwToHwcKernel(wt, out, c, h, w) {
  const n = c * h * w;
  if (wt.length !== out * n) throw new Error(`linearChwToHwcKernel: ${wt.length} values for ${out}x(${c}*${h}*${w})`);
  const k = new Float32Array(wt.length);
  for (let o = 0; o < out; o++) {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) k[(p * c + ch) * out + o] = wt[o * n + ch * h * w + p];
    }
  }
  return k;
}

/** Largest |a[i] - b[i]| and largest |b[i]|; throws when the lengths differ. */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`compared arrays differ in length: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (Number.isNaN(diff) || a.some(Number.isNaN)) return { diff: NaN, scale };
  return { diff, scale };
}
