// The Train view's architectures: the presets, the editable layer list, its shapes and output-size
// formulas, and its compact form in links. Pure functions (no DOM), unit-tested in node
// (tests/js/train-arch.test.mjs); the engine checks the same architecture again when a trainer is
// made from it (Trainer.fromArchitecture names the layer it refuses).
//
// An editable layer is one of
//   {kind: "conv", channels, kernel, stride, padding}    conv2d (bias on, PyTorch's default)
//   {kind: "pool", pool: "max" | "avg", size, stride}    maxpool2d / avgpool2d (stride 0: = size)
//   {kind: "act", fn: "relu" | "sigmoid" | "relu6" | "hardswish"}
//   {kind: "bn"}  {kind: "dropout", p}  {kind: "flatten"}  {kind: "gap"}  {kind: "linear", features}
// and the model made of a list of them ends in a softmax over the classes, which the list's last
// layer must score.

import { formulaLines } from "./geometry.js";

export const ACTIVATIONS = ["relu", "sigmoid", "relu6", "hardswish"];
export const KINDS = {
  conv: "convolution",
  pool: "pooling",
  act: "activation",
  bn: "batch norm",
  dropout: "dropout",
  flatten: "flatten",
  gap: "global average pool",
  linear: "linear",
};

/** A new layer of `kind` with its usual settings. */
export function newLayer(kind) {
  switch (kind) {
    case "conv":
      return { kind, channels: 8, kernel: 3, stride: 1, padding: 1 };
    case "pool":
      return { kind, pool: "max", size: 2, stride: 0 };
    case "act":
      return { kind, fn: "relu" };
    case "dropout":
      return { kind, p: 0.25 };
    case "linear":
      return { kind, features: 10 };
    case "bn":
    case "flatten":
    case "gap":
      return { kind };
    default:
      throw new Error(`there is no layer kind ${JSON.stringify(kind)} (there are: ${Object.keys(KINDS).join(", ")})`);
  }
}

// ---------------------------------------------------------------- the compact form (links)

// conv c<channels>k<kernel>[s<stride>][p<padding>], pool mp<size>[s<stride>] / ap..., act its
// name, bn, d<p>, flat, gap, fc<features>; joined with "-": "c8k5p2-relu-mp2-flat-fc10".
const TOKEN = {
  conv: /^c(\d{1,4})k(\d{1,2})(?:s(\d{1,2}))?(?:p(\d{1,2}))?$/,
  pool: /^([ma])p(\d{1,2})(?:s(\d{1,2}))?$/,
  dropout: /^d(0(?:\.\d{1,4})?|1)$/,
  linear: /^fc(\d{1,5})$/,
};
const MAX_LAYERS = 64;

/** A layer list as its compact text. */
export function formatLayers(layers) {
  return layers
    .map((l) => {
      switch (l.kind) {
        case "conv":
          return `c${l.channels}k${l.kernel}${l.stride !== 1 ? `s${l.stride}` : ""}${l.padding ? `p${l.padding}` : ""}`;
        case "pool":
          return `${l.pool === "avg" ? "a" : "m"}p${l.size}${l.stride && l.stride !== l.size ? `s${l.stride}` : ""}`;
        case "act":
          return l.fn;
        case "dropout":
          return `d${l.p}`;
        case "linear":
          return `fc${l.features}`;
        case "flatten":
          return "flat";
        default:
          return l.kind; // bn, gap
      }
    })
    .join("-");
}

/** The layer list of a compact text: {layers} or {problem} (naming the part not understood). */
export function parseLayers(text) {
  const parts = String(text ?? "").split("-").filter(Boolean);
  if (!parts.length) return { problem: "the architecture is empty" };
  if (parts.length > MAX_LAYERS) return { problem: `the architecture has ${parts.length} layers, at most ${MAX_LAYERS} are accepted` };
  const layers = [];
  for (const part of parts) {
    let m;
    if ((m = TOKEN.conv.exec(part))) {
      layers.push({ kind: "conv", channels: +m[1], kernel: +m[2], stride: m[3] ? +m[3] : 1, padding: m[4] ? +m[4] : 0 });
    } else if ((m = TOKEN.pool.exec(part))) layers.push({ kind: "pool", pool: m[1] === "a" ? "avg" : "max", size: +m[2], stride: m[3] ? +m[3] : 0 });
    else if ((m = TOKEN.dropout.exec(part))) layers.push({ kind: "dropout", p: +m[1] });
    else if ((m = TOKEN.linear.exec(part))) layers.push({ kind: "linear", features: +m[1] });
    else if (ACTIVATIONS.includes(part)) layers.push({ kind: "act", fn: part });
    else if (part === "flat") layers.push({ kind: "flatten" });
    else if (part === "bn" || part === "gap") layers.push({ kind: part });
    else return { problem: `“${part}” is not a layer (e.g. c8k5p2, relu, mp2, bn, d0.25, flat, gap, fc10)` };
  }
  return { layers };
}

// ---------------------------------------------------------------- presets

/** The presets: their layers (compact form), label and dataset. */
export const PRESETS = Object.freeze({
  tiny: { label: "Tiny: one convolution", dataset: "digits", layers: "c8k5p2-relu-mp2-flat-fc10" },
  digits: { label: "The digits model's", dataset: "digits", layers: "c8k5p2-relu-mp2-c16k5p2-relu-mp2-flat-fc10" },
  fashion: { label: "The fashion model's", dataset: "fashion", layers: "c12k5p2-relu-mp2-c24k5p2-relu-mp2-flat-fc10" },
  deep: {
    label: "Deeper, with batch norm",
    dataset: "fashion",
    layers: "c16k3p1-bn-relu-mp2-c32k3p1-bn-relu-mp2-c32k3p1-bn-relu-mp2-flat-d0.25-fc10",
  },
});

/** A preset's layer list (a fresh copy). */
export function presetLayers(name) {
  if (!Object.hasOwn(PRESETS, name)) throw new Error(`there is no preset ${JSON.stringify(name)} (there are: ${Object.keys(PRESETS).join(", ")})`);
  return parseLayers(PRESETS[name].layers).layers;
}

// ---------------------------------------------------------------- shapes

const shapeText = (s) => (s.length === 1 ? `${s[0]}` : s.join(" × "));
const whole = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;

/** Why layer `l`'s fields are not usable, or null. */
function fieldProblem(l) {
  switch (l.kind) {
    case "conv":
      if (!whole(l.channels, 1, 1024)) return "channels must be a whole number from 1 to 1024";
      if (!whole(l.kernel, 1, 15)) return "the kernel size must be a whole number from 1 to 15";
      if (!whole(l.stride, 1, 8)) return "the stride must be a whole number from 1 to 8";
      if (!whole(l.padding, 0, 7)) return "the padding must be a whole number from 0 to 7";
      return null;
    case "pool":
      if (l.pool !== "max" && l.pool !== "avg") return "the pooling must be max or avg";
      if (!whole(l.size, 1, 15)) return "the window size must be a whole number from 1 to 15";
      if (!whole(l.stride, 0, 15)) return "the stride must be a whole number from 1 to 15 (0: the window size)";
      return null;
    case "act":
      return ACTIVATIONS.includes(l.fn) ? null : `the activation must be one of ${ACTIVATIONS.join(", ")}`;
    case "dropout":
      return Number.isFinite(l.p) && l.p >= 0 && l.p < 1 ? null : "the drop probability must be at least 0 and below 1";
    case "linear":
      return whole(l.features, 1, 65536) ? null : "the number of outputs must be a whole number from 1 to 65536";
    case "bn":
    case "flatten":
    case "gap":
      return null;
    default:
      return `there is no layer kind ${JSON.stringify(l.kind)}`;
  }
}

/** Output size of a window over `n` cells, or a problem text. */
function windowOut(n, kernel, stride, padding, what) {
  const padded = n + 2 * padding;
  if (padded < kernel) return { problem: `its ${kernel}-wide ${what} is larger than its ${n}-wide input${padding ? ` padded by ${padding} on each side` : ""}` };
  return { size: Math.floor((padded - kernel) / stride) + 1 };
}

/**
 * The shapes of a layer list on `input` ({channels, height, width}) for `classes` classes: {rows:
 * [{name, kind, text, inputShape, outputShape, params, formulas}], parameters, problem: {index,
 * message} | null}. Rows stop at the first layer that does not fit; `problem.index` is that layer's
 * (or the list's length when the last layer does not score the classes).
 */
export function shapesOf(layers, input, classes) {
  const names = layerNames(layers);
  const rows = [];
  let shape = [input.channels, input.height, input.width];
  let parameters = 0;
  const fail = (index, message) => ({ rows, parameters, problem: { index, message } });
  if (!layers.length) return fail(0, "the model has no layers: add one");
  for (const [i, l] of layers.entries()) {
    const bad = fieldProblem(l);
    if (bad) return fail(i, `layer ${i + 1} (${names[i]}): ${bad}`);
    const chw = shape.length === 3;
    const needsChw = ["conv", "pool", "bn", "gap"].includes(l.kind);
    if (needsChw && !chw) return fail(i, `layer ${i + 1} (${names[i]}): a ${KINDS[l.kind]} needs channels × height × width, but its input is a vector of ${shape[0]} (put it before the flatten)`);
    if (l.kind === "linear" && chw) return fail(i, `layer ${i + 1} (${names[i]}): a linear layer needs a vector, but its input is ${shapeText(shape)}: add a flatten layer before it`);
    const inputShape = shape;
    let params = 0;
    let formulas = [];
    if (l.kind === "conv" || l.kind === "pool") {
      const [k, s, p] = l.kind === "conv" ? [l.kernel, l.stride, l.padding] : [l.size, l.stride || l.size, 0];
      const what = l.kind === "conv" ? "kernel" : "window";
      const h = windowOut(shape[1], k, s, p, what);
      const w = windowOut(shape[2], k, s, p, what);
      const problem = h.problem ?? w.problem;
      if (problem) return fail(i, `layer ${i + 1} (${names[i]}): ${problem}`);
      formulas = formulaLines({ kernelSize: [k, k], stride: [s, s], padding: [p, p], inputShape: shape });
      if (l.kind === "conv") params = l.channels * shape[0] * k * k + l.channels;
      shape = [l.kind === "conv" ? l.channels : shape[0], h.size, w.size];
    } else if (l.kind === "bn") {
      params = 2 * shape[0];
    } else if (l.kind === "gap") {
      shape = [shape[0], 1, 1];
    } else if (l.kind === "flatten") {
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (l.kind === "linear") {
      params = l.features * shape[0] + l.features;
      shape = [l.features];
    }
    parameters += params;
    rows.push({ name: names[i], kind: l.kind, text: layerText(l), inputShape, outputShape: shape, params, formulas });
  }
  if (shape.length !== 1 || shape[0] !== classes) {
    const has = shape.length === 1 ? `${shape[0]} values` : `${shapeText(shape)} (not a vector: end with flatten and linear)`;
    return fail(layers.length, `the last layer must give one score per class (${classes}), but it gives ${has}`);
  }
  return { rows, parameters, problem: null };
}

/** A layer's one-line description, e.g. "8 channels, 5×5, stride 1, padding 2". */
export function layerText(l) {
  switch (l.kind) {
    case "conv":
      return `${l.channels} channels, ${l.kernel}×${l.kernel}, stride ${l.stride}, padding ${l.padding}`;
    case "pool":
      return `${l.pool} ${l.size}×${l.size}, stride ${l.stride || l.size}`;
    case "act":
      return l.fn;
    case "dropout":
      return `p = ${l.p}`;
    case "linear":
      return `${l.features} outputs`;
    default:
      return KINDS[l.kind] ?? l.kind;
  }
}

/** The layers' names in the model: conv1, relu1, pool1, bn1, dropout1, flatten, gap1, fc1... */
export function layerNames(layers) {
  const counts = {};
  return layers.map((l) => {
    const base = { conv: "conv", pool: "pool", act: l.fn, bn: "bn", dropout: "dropout", flatten: "flatten", gap: "gap", linear: "fc" }[l.kind] ?? l.kind;
    counts[base] = (counts[base] ?? 0) + 1;
    return base === "flatten" && counts[base] === 1 ? "flatten" : `${base}${counts[base]}`;
  });
}

/**
 * The architecture object Trainer.fromArchitecture takes (a model file's `convlens` metadata):
 * `input` ({channels, height, width, mean, std}), `labels`, and the layers with a final softmax.
 */
export function toArchitecture(layers, { input, labels }) {
  const names = layerNames(layers);
  const out = layers.map((l, i) => {
    const name = names[i];
    switch (l.kind) {
      case "conv":
        return { name, type: "conv2d", out_channels: l.channels, kernel_size: l.kernel, stride: l.stride, padding: l.padding };
      case "pool":
        return { name, type: l.pool === "avg" ? "avgpool2d" : "maxpool2d", kernel_size: l.size, stride: l.stride || l.size };
      case "act":
        return { name, type: l.fn };
      case "bn":
        return { name, type: "batchnorm2d" };
      case "dropout":
        return { name, type: "dropout", p: l.p };
      case "flatten":
        return { name, type: "flatten" };
      case "gap":
        return { name, type: "global_avgpool" };
      case "linear":
        return { name, type: "linear", out_features: l.features };
      default:
        throw new Error(`there is no layer kind ${JSON.stringify(l.kind)}`);
    }
  });
  out.push({ name: "softmax", type: "softmax" });
  return { input, labels, layers: out };
}
