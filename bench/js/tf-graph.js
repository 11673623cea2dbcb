// A convlens model FILE (safetensors + architecture JSON, graphs included) rebuilt in TensorFlow.js
// (NHWC) with the same weights, for the side-by-side benchmark of large models (MobileNetV2). The
// file is read here, independently of the engine: F32/F16/BF16 tensors, the layer graph by name.
// The inference graph is what TF.js's converters emit: batch norm folded into the conv before it,
// the activation after fused into the conv (tf.fused.conv2d / depthwiseConv2d). `tf` is passed in
// so the same code runs in the page and in node (e2e/bench-math.test.mjs).

import { linearChwToHwcKernel, oihwToHwio } from "./tf-layout.js";
import { tfPadding } from "./tf-model.js";

/** Reads a safetensors file: {metadata, tensors: {name: {shape, data: Float32Array}}}. */
export function readSafetensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const base = 8 + n;
  const tensors = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [from, to] = t.data_offsets;
    const raw = bytes.subarray(base + from, base + to);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let data;
    if (t.dtype === "F32") data = Float32Array.from({ length: raw.length / 4 }, (_, i) => dv.getFloat32(4 * i, true));
    else if (t.dtype === "F16") data = Float32Array.from({ length: raw.length / 2 }, (_, i) => half(dv.getUint16(2 * i, true)));
    else if (t.dtype === "BF16") data = Float32Array.from({ length: raw.length / 2 }, (_, i) => bf16(dv.getUint16(2 * i, true)));
    else throw new Error(`tensor ${name}: dtype ${t.dtype} is not read here`);
    tensors[name] = { shape: t.shape, data };
  }
  return { metadata: header.__metadata__ ?? {}, tensors };
}

/** IEEE half bits -> number. */
export function half(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function bf16(b) {
  const u = new Uint32Array([b << 16]);
  return new Float32Array(u.buffer)[0];
}

const pairOf = (v, d) => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : v);
const ACTIVATIONS = { relu: "relu", relu6: "relu6" };

/**
 * The model in `bytes` as a TF.js graph: {shape: [1, h, w, c], logitsLayer (name), forward(x) ->
 * {logits, probabilities}, dispose()}; `x` is a raw input [1, h, w, c] in [0, 1].
 */
export function buildTfGraph(tf, bytes) {
  const { metadata, tensors } = readSafetensors(bytes);
  const arch = JSON.parse(metadata.convlens);
  const { channels, height, width } = arch.input;
  const owned = [];
  const keep = (t) => (owned.push(t), t);
  const mean = keep(tf.tensor4d(Float32Array.from(arch.input.mean ?? Array(channels).fill(0)), [1, 1, 1, channels]));
  const std = keep(tf.tensor4d(Float32Array.from(arch.input.std ?? Array(channels).fill(1)), [1, 1, 1, channels]));
  const layers = arch.layers;
  const t = (name) => tensors[name]?.data;
  const inputsOf = (i) => layers[i].inputs ?? [i === 0 ? "input" : layers[i - 1].name];
  const readers = new Map();
  layers.forEach((l, i) => inputsOf(i).forEach((n) => readers.set(n, [...(readers.get(n) ?? []), i])));
  const soleReader = (name) => (readers.get(name)?.length === 1 ? readers.get(name)[0] : -1);
  const steps = []; // {name, inputs, fn(xs) -> tensor}
  const skipped = new Set();
  let logitsLayer = null;
  for (let i = 0; i < layers.length; i++) {
    if (skipped.has(i)) continue;
    const l = layers[i];
    const inputs = inputsOf(i);
    switch (l.type) {
      case "conv2d": {
        const w = tensors[`${l.name}.weight`];
        const [o, ci, kh, kw] = w.shape;
        const groups = l.groups ?? 1;
        let bias = t(`${l.name}.bias`) ? Float32Array.from(t(`${l.name}.bias`)) : new Float32Array(o);
        let weight = Float32Array.from(w.data);
        let name = l.name;
        // conv -> batchnorm (its only reader) -> activation (its only reader): one fused op.
        const bnAt = soleReader(l.name);
        if (bnAt >= 0 && layers[bnAt].type === "batchnorm2d") {
          const bn = layers[bnAt];
          const eps = bn.eps ?? 1e-5;
          const m = t(`${bn.name}.running_mean`);
          const v = t(`${bn.name}.running_var`);
          const g = t(`${bn.name}.weight`);
          const b = t(`${bn.name}.bias`);
          const per = ci * kh * kw;
          for (let c = 0; c < o; c++) {
            const s = (g ? g[c] : 1) / Math.sqrt(v[c] + eps);
            for (let k = 0; k < per; k++) weight[c * per + k] *= s;
            bias[c] = (bias[c] - m[c]) * s + (b ? b[c] : 0);
          }
          skipped.add(bnAt);
          name = bn.name;
        }
        let activation = "linear";
        const actAt = soleReader(name);
        if (actAt >= 0 && ACTIVATIONS[layers[actAt].type]) {
          activation = ACTIVATIONS[layers[actAt].type];
          skipped.add(actAt);
          name = layers[actAt].name;
        }
        const strides = pairOf(l.stride, 1);
        const pad = tfPadding([kh, kw], strides, pairOf(l.padding, 0));
        const biasT = keep(tf.tensor1d(bias));
        let fn;
        if (groups === 1) {
          const filter = keep(tf.tensor4d(oihwToHwio(weight, o, ci, kh, kw), [kh, kw, ci, o]));
          fn = ([x]) => tf.fused.conv2d({ x, filter, strides, pad, bias: biasT, activation });
        } else if (ci === 1) {
          // Depthwise: [o, 1, kh, kw] with o = groups * multiplier -> [kh, kw, groups, multiplier].
          const mult = o / groups;
          const filter = keep(tf.tensor4d(oihwToHwio(weight, o, 1, kh, kw), [kh, kw, groups, mult]));
          fn = ([x]) => tf.fused.depthwiseConv2d({ x, filter, strides, pad, bias: biasT, activation });
        } else {
          throw new Error(`layer ${l.name}: grouped conv with ${ci} channels per group is not mirrored in TF.js here`);
        }
        steps.push({ name, inputs, fn });
        break;
      }
      case "batchnorm2d": {
        const eps = l.eps ?? 1e-5;
        const m = keep(tf.tensor1d(t(`${l.name}.running_mean`)));
        const v = keep(tf.tensor1d(t(`${l.name}.running_var`)));
        const g = t(`${l.name}.weight`) ? keep(tf.tensor1d(t(`${l.name}.weight`))) : undefined;
        const b = t(`${l.name}.bias`) ? keep(tf.tensor1d(t(`${l.name}.bias`))) : undefined;
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.batchNorm(x, m, v, b, g, eps) });
        break;
      }
      case "relu":
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.relu(x) });
        break;
      case "relu6":
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.relu6(x) });
        break;
      case "clip":
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.clipByValue(x, l.min ?? -Infinity, l.max ?? Infinity) });
        break;
      case "sigmoid":
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.sigmoid(x) });
        break;
      case "hardswish":
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)) });
        break;
      case "dropout":
        steps.push({ name: l.name, inputs, fn: ([x]) => x });
        break;
      case "add":
        steps.push({ name: l.name, inputs, fn: (xs) => tf.addN(xs) });
        break;
      case "concat":
        steps.push({ name: l.name, inputs, fn: (xs) => tf.concat(xs, xs[0].rank - 1) });
        break;
      case "global_avgpool":
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.mean(x, [1, 2], true) });
        break;
      case "maxpool2d":
      case "avgpool2d": {
        const k = pairOf(l.kernel_size);
        const s = pairOf(l.stride, k[0]);
        if (pairOf(l.padding, 0).some((p) => p !== 0)) throw new Error(`layer ${l.name}: padded pooling is not mirrored in TF.js here`);
        const pool = l.type === "maxpool2d" ? tf.maxPool : tf.avgPool;
        steps.push({ name: l.name, inputs, fn: ([x]) => pool(x, k, s, "valid") });
        break;
      }
      case "flatten": {
        // NHWC flattening; the linear after it permutes its rows to match (below). After a global
        // pool (1x1) both orders agree.
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.reshape(x, [1, -1]), flattens: true });
        break;
      }
      case "linear": {
        const w = tensors[`${l.name}.weight`];
        const [out, inp] = w.shape;
        const prev = layers.slice(0, i).findLast((p) => p.type === "flatten");
        const shape = prev ? flattenedShape(layers, prev.name) : [inp, 1, 1];
        const kernel = keep(tf.tensor2d(linearChwToHwcKernel(w.data, out, ...shape), [inp, out]));
        const bias = t(`${l.name}.bias`) ? keep(tf.tensor1d(t(`${l.name}.bias`))) : null;
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.fused.matMul({ a: x, b: kernel, bias }) });
        logitsLayer = l.name;
        break;
      }
      case "softmax":
        steps.push({ name: l.name, inputs, fn: ([x]) => tf.softmax(x), softmax: true });
        break;
      default:
        throw new Error(`layer ${l.name}: type '${l.type}' is not mirrored in TF.js here`);
    }
  }
  // A fused step (conv + batchnorm + activation) takes the last covered layer's name; the layers
  // it covers are each read only by the next, so no other layer reads their names.
  const run = (x) => {
    const values = new Map([["input", tf.div(tf.sub(x, mean), std)]]);
    let last = null;
    for (const s of steps) {
      last = s.fn(s.inputs.map((n) => values.get(n)));
      values.set(s.name, last);
    }
    return { logits: values.get(logitsLayer) ?? last, probabilities: steps.at(-1)?.softmax ? last : null };
  };
  return {
    shape: [1, height, width, channels],
    logitsLayer,
    forward: run,
    dispose: () => owned.forEach((x) => x.dispose()),
  };
}

/** [c, h, w] of the map a flatten layer flattens, from the architecture alone. */
function flattenedShape(layers, flattenName) {
  // Walk back to the nearest layer with a known spatial size: global pooling gives [c, 1, 1].
  const i = layers.findIndex((l) => l.name === flattenName);
  for (let j = i - 1; j >= 0; j--) {
    const l = layers[j];
    if (l.type === "global_avgpool") {
      const conv = layers.slice(0, j).findLast((p) => p.out_channels);
      return [conv.out_channels, 1, 1];
    }
    if (l.out_channels) throw new Error(`flatten ${flattenName}: only flatten after global pooling is mirrored here`);
  }
  throw new Error(`flatten ${flattenName}: no spatial layer before it`);
}
