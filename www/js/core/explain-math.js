// Pure helpers for the explaining views (maximize.js, attribution.js, stats.js): upsampling a
// Grad-CAM map, histogram bins, attribution maps prepared for an overlay, which layers to show. No
// DOM here, so everything is unit-tested in node (tests/js/explain-math.test.mjs).

/** Methods of `explorer.attribute`, with whether their maps are signed (diverging colours). */
export const METHODS = {
  gradient: { label: "Gradient", signed: true },
  saliency: { label: "Saliency (max |gradient|)", signed: false },
  gradxinput: { label: "Gradient × input", signed: true },
  smoothgrad: { label: "SmoothGrad", signed: false },
  integrated: { label: "Integrated Gradients", signed: true },
  gradcam: { label: "Grad-CAM", signed: false },
};

/**
 * Defaults of the maximization options for small greyscale models (the engine's; a model's own
 * come from `explorer.maximizeDefaults()`: colour models of 64 px and more get a decorrelated
 * Fourier image with jitter, rescaling and rotation).
 */
export const MAXIMIZE_DEFAULTS = {
  steps: 128,
  learningRate: 0.05,
  optimizer: "adam",
  param: "pixel",
  decorrelate: false,
  l2: 1e-3,
  tv: 5e-3,
  jitter: 1,
  scale: [1, 1],
  rotate: 0,
  pad: 0,
  blurEvery: 4,
  blurSigma: 0.5,
  init: "noise",
  seed: 0,
};

/** Blur applies to plain pixels only (pixels without colour decorrelation). */
export const plainPixels = (param, decorrelate) => param === "pixel" && !decorrelate;

/** The settings form's values (strings, one per control) for a defaults object. */
export function settingsValues(defaults) {
  const v = {};
  for (const [k, d] of Object.entries(defaults)) {
    if (k === "scale") {
      v.scaleMin = String(d[0]);
      v.scaleMax = String(d[1]);
    } else v[k] = String(d);
  }
  return v;
}

/**
 * The maximization options object from the settings form's values (strings): numbers parsed (a
 * value that is not a number falls back to `defaults`), counts rounded, `scale` from
 * scaleMin/scaleMax, `decorrelate` only for 3-channel models, blur only for plain pixels.
 */
export function maximizeOptions(values, channels, defaults = MAXIMIZE_DEFAULTS) {
  const num = (k, d) => {
    const v = Number(values[k]);
    return values[k] !== "" && Number.isFinite(v) ? v : d;
  };
  const o = {};
  for (const k of ["steps", "learningRate", "l2", "tv", "jitter", "rotate", "pad", "blurEvery", "blurSigma", "seed"]) {
    o[k] = num(k, defaults[k]);
  }
  for (const k of ["steps", "jitter", "pad", "blurEvery", "seed"]) o[k] = Math.max(0, Math.round(o[k]));
  o.steps = Math.max(1, o.steps);
  for (const k of ["optimizer", "init", "param"]) o[k] = values[k] ?? defaults[k];
  o.scale = [num("scaleMin", defaults.scale[0]), num("scaleMax", defaults.scale[1])];
  if (o.scale[0] > o.scale[1]) o.scale.reverse();
  const decorrelate = channels === 3 && String(values.decorrelate ?? defaults.decorrelate) === "true";
  if (channels === 3) o.decorrelate = decorrelate;
  if (!plainPixels(o.param, decorrelate)) {
    delete o.blurEvery;
    delete o.blurSigma;
  }
  return o;
}

/** Defaults of the attribution parameters. */
export const ATTRIBUTE_DEFAULTS = { samples: 16, sigma: 0.15, steps: 64, seed: 0 };

/**
 * Bilinear upsampling of an h x w map to H x W (pixel centres aligned, as PyTorch's
 * `interpolate(mode="bilinear", align_corners=False)`; edges clamp).
 */
export function upsample(map, h, w, H, W) {
  if (map.length !== h * w) throw new Error(`upsample: map has ${map.length} values, not ${h}x${w}`);
  const out = new Float32Array(H * W);
  const sy = h / H;
  const sx = w / W;
  for (let y = 0; y < H; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = fx - x0;
      const top = map[y0 * w + x0] * (1 - tx) + map[y0 * w + x1] * tx;
      const bottom = map[y1 * w + x0] * (1 - tx) + map[y1 * w + x1] * tx;
      out[y * W + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/**
 * An attribution result as one H x W map for the overlay: the gradient (CHW) summed over
 * channels, Grad-CAM (h x w) upsampled, the others as they are. Returns
 * {map, signed, min, max, scale}: signed maps are scaled symmetrically (|v| <= scale, colours
 * centred on 0), non-negative ones over [0, max].
 */
export function overlayMap(method, values, { channels, height, width }, camShape) {
  const plane = height * width;
  let map;
  if (method === "gradient" && values.length === channels * plane) {
    map = new Float32Array(plane);
    for (let c = 0; c < channels; c++) for (let i = 0; i < plane; i++) map[i] += values[c * plane + i];
  } else if (method === "gradcam") {
    const [h, w] = camShape ?? [height, width];
    map = h === height && w === width ? Float32Array.from(values) : upsample(values, h, w, height, width);
  } else if (values.length === plane) {
    map = Float32Array.from(values);
  } else {
    throw new Error(`${method}: ${values.length} values do not fit a ${height}x${width} input`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of map) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(min <= max)) min = max = 0;
  const signed = METHODS[method]?.signed ?? min < 0;
  const scale = signed ? Math.max(Math.abs(min), Math.abs(max)) : Math.max(max, 0);
  return { map, signed, min, max, scale };
}

/**
 * Histogram of `values` over [lo, hi] in `bins` equal bins (the last bin includes hi; values
 * outside are clamped into the end bins). Returns {counts, lo, hi, width}.
 */
export function histogram(values, bins, lo, hi) {
  if (lo === undefined || hi === undefined) {
    lo = Infinity;
    hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(lo <= hi)) lo = hi = 0;
  }
  if (hi === lo) hi = lo + 1;
  const counts = new Array(bins).fill(0);
  const width = (hi - lo) / bins;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[i]++;
  }
  return { counts, lo, hi, width };
}

/**
 * Per-pixel blend of `base` and `overlay` (RGBA bytes) with opacity `alpha` in [0, 1], optionally
 * times a per-pixel `weights` in [0, 1] (so that where the map is ~0 the input shows through).
 */
export function blend(base, overlay, alpha, out = new Uint8ClampedArray(base.length), weights = null) {
  const a0 = Math.min(Math.max(alpha, 0), 1);
  for (let i = 0, p = 0; i < base.length; i += 4, p++) {
    const a = weights ? a0 * Math.min(Math.max(weights[p], 0), 1) : a0;
    out[i] = base[i] * (1 - a) + overlay[i] * a;
    out[i + 1] = base[i + 1] * (1 - a) + overlay[i + 1] * a;
    out[i + 2] = base[i + 2] * (1 - a) + overlay[i + 2] * a;
    out[i + 3] = 255;
  }
  return out;
}

/**
 * Overlay weights of a map: sqrt(|v| / scale) in [0, 1], so strong attributions are opaque and
 * zero ones transparent (the sqrt keeps weaker ones visible).
 */
export function overlayWeights(map, scale) {
  const w = new Float32Array(map.length);
  if (!(scale > 0)) return w;
  for (let i = 0; i < map.length; i++) w[i] = Math.sqrt(Math.min(Math.abs(map[i]) / scale, 1));
  return w;
}

/**
 * A raw input image (CHW in [0, 1], starting at `offset`) as RGBA bytes: one channel is grey,
 * three are RGB, any other count shows the channel mean.
 */
export function imageRGBA(data, offset, channels, height, width, out = new Uint8ClampedArray(4 * height * width)) {
  const plane = height * width;
  for (let i = 0; i < plane; i++) {
    let r;
    let g;
    let b;
    if (channels === 3) {
      r = data[offset + i];
      g = data[offset + plane + i];
      b = data[offset + 2 * plane + i];
    } else {
      let s = 0;
      for (let c = 0; c < channels; c++) s += data[offset + c * plane + i];
      r = g = b = s / channels;
    }
    out[4 * i] = r * 255;
    out[4 * i + 1] = g * 255;
    out[4 * i + 2] = b * 255;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Channel count of a layer's output ([c, h, w] -> c; [n] -> n). */
export const channelsOf = (layer) => layer.outputShape[0];
export const isSpatial = (layer) => layer.outputShape.length === 3;

/** Indices of the layers that read layer `i` (a layer without `inputs` reads the one before it). */
function readersOf(layers, i) {
  const name = layers[i].name;
  const readers = [];
  for (let j = i + 1; j < layers.length; j++) {
    if ((layers[j].inputs ?? [layers[j - 1].name]).includes(name)) readers.push(j);
  }
  return readers;
}

const ACTIVATIONS = new Set(["relu", "relu6", "clip", "hardswish"]);

/**
 * The layer whose output a channel target of layer `i` reads, as the engine does: a softmax is
 * replaced by its input (the logits); a conv2d by the activation (relu, relu6, clip, hardswish)
 * that alone reads it, directly or through a batchnorm2d that alone reads the conv.
 */
export function readLayer(summary, i) {
  const layers = summary.layers;
  if (i > 0 && layers[i].type === "softmax") return i - 1;
  if (layers[i].type !== "conv2d") return i;
  const onlyReader = (j) => {
    const r = readersOf(layers, j);
    return r.length === 1 ? r[0] : -1;
  };
  let next = onlyReader(i);
  if (next >= 0 && layers[next].type === "batchnorm2d") next = onlyReader(next);
  return next >= 0 && ACTIVATIONS.has(layers[next].type) ? next : i;
}

/** The layer index whose units are the class scores (the logits when the model ends in softmax). */
export function classLayer(summary) {
  const n = summary.layers.length;
  return n > 1 && summary.layers[n - 1].type === "softmax" ? n - 2 : n - 1;
}

/** Indices of the conv2d layers (Grad-CAM layers). */
export function convLayers(summary) {
  return summary.layers.flatMap((l, i) => (l.type === "conv2d" ? [i] : []));
}

/**
 * The layers the statistics view shows: each activation (relu, relu6, clip, hardswish: the units
 * that can die), named after the layer it follows; a model without any shows its conv2d and
 * linear layers.
 */
export function statLayers(summary) {
  const L = summary.layers;
  const acts = L.flatMap((l, i) => (ACTIVATIONS.has(l.type) ? [i] : []));
  const pick = acts.length ? acts : L.flatMap((l, i) => (l.type === "conv2d" || l.type === "linear" ? [i] : []));
  return pick.map((i) => ({
    index: i,
    title: ACTIVATIONS.has(L[i].type) && i > 0 ? `${L[i - 1].name} → ${L[i].name}` : L[i].name,
  }));
}

/** Channels flagged in one layer's statistics: {dead: [...], rare: [...]} (rare: active < threshold). */
export function flagChannels(channels, rareBelow = 0.01) {
  const dead = [];
  const rare = [];
  channels.forEach((c, i) => {
    if (c.dead) dead.push(i);
    else if (c.active < rareBelow) rare.push(i);
  });
  return { dead, rare };
}

/** Points of a line chart of `values` inside a w x h box (with `pad`): [[x, y], ...]. */
export function chartPoints(values, w, h, pad = 4) {
  const n = values.length;
  if (n === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  return values.map((v, i) => [
    pad + (n === 1 ? 0 : (i / (n - 1)) * (w - 2 * pad)),
    h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad),
  ]);
}

/** Frames per second from frame timestamps (ms) within the last `window` ms. */
export function fpsOf(times, window = 1000) {
  if (times.length < 2) return 0;
  const end = times[times.length - 1];
  let i = times.length - 1;
  while (i > 0 && end - times[i - 1] <= window) i--;
  const span = end - times[i];
  return span > 0 ? ((times.length - 1 - i) * 1000) / span : 0;
}

/** A duration for people: "40 s", "3 min", "1 h 5 min". */
export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** The layer atlas's progress line after `done` of `n` channels took `elapsedMs`: the time left
 *  assumes the remaining channels take as long as the ones done. */
export function atlasProgress(name, done, n, elapsedMs) {
  const left = done > 0 ? (elapsedMs / done) * (n - done) : NaN;
  const eta = Number.isFinite(left) ? `, about ${formatDuration(left)} left` : "";
  return `Layer atlas of ${name}: ${done} of ${n} channels${eta}. Stop keeps the ones drawn.`;
}

/** A time in milliseconds for a status line: two significant digits below 10 ms, whole above. */
export function formatMs(ms) {
  return ms < 10 ? `${ms.toPrecision(2)} ms` : `${Math.round(ms)} ms`;
}

/** An attribution's status-line timing: its own time in the engine, plus the round trip through
 *  the worker when that took noticeably longer (a request waits while the worker runs another
 *  job, e.g. a maximization). Without the engine's time, just the round trip. */
export function attributionTiming(engineMs, roundTripMs) {
  if (!Number.isFinite(engineMs)) return formatMs(roundTripMs);
  const own = `${formatMs(engineMs)} in the engine`;
  return roundTripMs > engineMs + 5 ? `${own}, ${formatMs(roundTripMs)} with the wait for the worker` : own;
}
