// A convlens sequential model rebuilt in TensorFlow.js (NHWC) with the same weights, for the
// side-by-side benchmark: conv2d (HWIO filters), relu, max/avg pooling, flatten (the dense kernel's
// rows permuted from CHW to HWC order), linear, softmax. `tf` is passed in, so the same code runs
// in the page (WebAssembly backend) and in node's test (e2e/bench-math.test.mjs).

import { linearChwToHwcKernel, oihwToHwio } from "./tf-layout.js";

/** TF.js padding for a convlens symmetric padding: "same"/"valid" where identical, else explicit. */
export function tfPadding(kernel, stride, padding) {
  const [kh, kw] = kernel;
  const [ph, pw] = padding;
  if (ph === 0 && pw === 0) return "valid";
  if (stride[0] === 1 && stride[1] === 1 && 2 * ph === kh - 1 && 2 * pw === kw - 1) return "same";
  return [[0, 0], [ph, ph], [pw, pw], [0, 0]];
}

/**
 * `summary`: Explorer.summary(); `params(i)`: Explorer.parameters(i); `mean`, `std`: the input
 * normalization. Returns {forward(x) -> {logits, probabilities}, scores(x), dispose()}:
 * `forward` is the inference graph (fused conv + bias + relu, fused dense, as TF.js's converters
 * emit); `scores` returns the logits through unfused ops, whose gradients the WebAssembly backend
 * has (its fused conv2d gradient needs Conv2DBackpropFilter, which that backend lacks). `x` is a
 * raw input [1, h, w, c].
 */
export function buildTfModel(tf, summary, params, mean, std) {
  const { channels, height, width } = summary.input;
  const owned = [];
  const keep = (t) => (owned.push(t), t);
  const meanT = keep(tf.tensor4d(Float32Array.from(mean), [1, 1, 1, channels]));
  const stdT = keep(tf.tensor4d(Float32Array.from(std), [1, 1, 1, channels]));
  const layers = summary.layers;
  const ops = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const [c, h, w] = l.inputShape;
    switch (l.type) {
      case "conv2d": {
        if (l.dilation.some((d) => d !== 1)) throw new Error(`layer ${i}: dilated conv2d is not mirrored in TF.js here`);
        const p = params(i);
        const [o, ci, kh, kw] = p.weightShape;
        const filter = keep(tf.tensor4d(oihwToHwio(p.weight, o, ci, kh, kw), [kh, kw, ci, o]));
        const bias = p.bias ? keep(tf.tensor1d(p.bias)) : null;
        const pad = tfPadding(l.kernelSize, l.stride, l.padding);
        // A relu right after is fused into the inference graph's conv.
        const reluNext = layers[i + 1]?.type === "relu";
        ops.push({
          fused: (x) => tf.fused.conv2d({ x, filter, strides: l.stride, pad, bias, activation: reluNext ? "relu" : "linear" }),
          plain: (x) => {
            const y = tf.conv2d(x, filter, l.stride, pad);
            return bias ? tf.add(y, bias) : y;
          },
          skipNextWhenFused: reluNext,
        });
        break;
      }
      case "relu":
        ops.push({ fused: tf.relu, plain: tf.relu });
        break;
      case "maxpool2d":
      case "avgpool2d": {
        const pool = l.type === "maxpool2d" ? tf.maxPool : tf.avgPool;
        if (l.padding.some((p) => p !== 0)) throw new Error(`layer ${i}: padded pooling is not mirrored in TF.js here`);
        const f = (x) => pool(x, l.kernelSize, l.stride, "valid");
        ops.push({ fused: f, plain: f });
        break;
      }
      case "flatten": {
        const f = (x) => tf.reshape(x, [1, -1]);
        ops.push({ fused: f, plain: f, flattened: [c, h, w] });
        break;
      }
      case "linear": {
        const p = params(i);
        const [out, inp] = p.weightShape;
        const prev = ops.findLast((op) => op.flattened);
        // After a flatten of a CHW map, rows go in HWC order; a linear on a vector input keeps its order.
        const [fc, fh, fw] = prev?.flattened ?? [inp, 1, 1];
        const kernel = keep(tf.tensor2d(linearChwToHwcKernel(p.weight, out, fc, fh, fw), [inp, out]));
        const bias = p.bias ? keep(tf.tensor1d(p.bias)) : null;
        ops.push({
          fused: (x) => tf.fused.matMul({ a: x, b: kernel, bias }),
          plain: (x) => (bias ? tf.add(tf.matMul(x, kernel), bias) : tf.matMul(x, kernel)),
        });
        break;
      }
      case "softmax":
        ops.push({ fused: tf.softmax, plain: tf.softmax, softmax: true });
        break;
      default:
        throw new Error(`layer ${i}: type '${l.type}' is not mirrored in TF.js here`);
    }
  }
  const normalize = (x) => tf.div(tf.sub(x, meanT), stdT);
  const run = (x, mode, stopAtSoftmax) => {
    let y = normalize(x);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (stopAtSoftmax && op.softmax) break;
      y = op[mode](y);
      if (mode === "fused" && op.skipNextWhenFused) i++;
    }
    return y;
  };
  const endsInSoftmax = ops.at(-1)?.softmax === true;
  return {
    shape: [1, height, width, channels],
    endsInSoftmax,
    /** Inference: {logits, probabilities} (probabilities null without a final softmax). */
    forward(x) {
      const logits = run(x, "fused", true);
      return { logits, probabilities: endsInSoftmax ? tf.softmax(logits) : null };
    },
    /** The class scores (logits) through unfused ops, for tf.grad. */
    scores: (x) => run(x, "plain", true),
    dispose: () => owned.forEach((t) => t.dispose()),
  };
}
