// The trainers the training benchmark page (bench/train.html) times side by side, each on the same
// architecture (a builtin model's `convlens` metadata), the same real images and labels, batch 64,
// Adam (lr 1e-3, betas 0.9 / 0.999, eps 1e-8), softmax cross-entropy, from each library's own
// initialization:
//   - convlens: `Trainer.fromArchitecture(architecture, {seed, optimizer: "adam", learningRate,
//     batchSize})`, `setData(images, labels, count)` with the raw 0-255 bytes, `step(1)`;
//   - TF.js on its plain-JS cpu backend: a tf.layers sequential model of the same layers
//     (`model.trainOnBatch`, `tf.train.adam`);
//   - ConvNetJS (npm convnetjs 0.3.0): a `convnetjs.Net` of the same layers, trained one example at
//     a time (`net.forward(x, true)`, `net.backward(y)`, gradients summed over the batch) as its
//     `Trainer.train` does; convnetjs 0.3.0's Trainer has no Adam (sgd, adagrad, windowgrad,
//     adadelta; an unknown method silently means SGD with momentum 0.9), so the update after each
//     batch is Adam applied to `net.getParamsAndGrads()` the way ConvNetJS's later GitHub Trainer
//     does (with the bias correction as PyTorch's).
// Each `create*` resolves to a peer {step(): Promise<loss>, info, free()} or throws; a peer that
// cannot run (a missing export or bundle) throws `Unavailable`, which the page reports as
// "not available" without stopping the others.

export class Unavailable extends Error {}

export const BATCH = 64;
export const ADAM = Object.freeze({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** mulberry32: a small seeded generator in [0, 1). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Batches of `size` indices over `count` examples: each pass a fresh seeded permutation, the last
 * batch of a pass shorter when `count` is not a multiple (PyTorch's drop_last=False, as the convlens
 * Trainer cuts them). `next()` returns an Int32Array view valid until the next call.
 */
export function batches(count, size, seed = 0) {
  const random = rng(seed);
  const order = new Int32Array(count);
  let pos = count;
  return {
    next() {
      if (pos >= count) {
        for (let i = 0; i < count; i++) order[i] = i;
        for (let i = count - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        pos = 0;
      }
      const b = order.subarray(pos, Math.min(count, pos + size));
      pos += b.length;
      return b;
    },
  };
}

/** Examples in step `i` (0-based) of passes of `count` examples cut into batches of `size`. */
export function batchLength(i, count, size = BATCH) {
  const perPass = Math.ceil(count / size);
  return i % perPass === perPass - 1 && count % size ? count % size : size;
}

/** The layers of a plain chain, checked against what every peer builds: {input, layers, classes}. */
export function plainChain(arch) {
  const { channels, height, width } = arch.input;
  const layers = [];
  let prev = "input";
  for (const [i, l] of arch.layers.entries()) {
    if (l.inputs && !(l.inputs.length === 1 && l.inputs[0] === prev)) throw new Error(`layer ${l.name}: the training bench builds plain chains only`);
    prev = l.name;
    const two = (v, d) => (v == null ? [d, d] : Array.isArray(v) ? v : [v, v]);
    switch (l.type) {
      case "conv2d": {
        const [k, s, p, d] = [two(l.kernel_size), two(l.stride, 1), two(l.padding, 0), two(l.dilation, 1)];
        if (k[0] !== k[1] || s[0] !== 1 || s[1] !== 1 || d[0] !== 1 || d[1] !== 1 || (l.groups ?? 1) !== 1) throw new Error(`layer ${l.name}: only square, stride-1, undilated, ungrouped conv2d`);
        if (p[0] !== p[1] || (p[0] !== 0 && 2 * p[0] !== k[0] - 1)) throw new Error(`layer ${l.name}: padding must be 0 or (kernel - 1) / 2`);
        layers.push({ type: "conv", kernel: k[0], pad: p[0], filters: l.out_channels });
        break;
      }
      case "relu":
        layers.push({ type: "relu" });
        break;
      case "maxpool2d": {
        const [k, s] = [two(l.kernel_size), two(l.stride ?? l.kernel_size)];
        if (k[0] !== k[1] || s[0] !== s[1] || two(l.padding, 0)[0] !== 0) throw new Error(`layer ${l.name}: only square unpadded max pooling`);
        layers.push({ type: "pool", kernel: k[0], stride: s[0] });
        break;
      }
      case "flatten":
        break;
      case "linear":
        layers.push({ type: "linear", units: l.out_features });
        break;
      case "softmax":
        if (i !== arch.layers.length - 1) throw new Error(`layer ${l.name}: softmax only at the end`);
        break;
      default:
        throw new Error(`layer ${l.name}: type ${l.type} is not in the training bench`);
    }
  }
  const last = layers.at(-1);
  if (last?.type !== "linear") throw new Error("the training bench needs a linear layer (class scores) at the end");
  return { input: { channels, height, width }, layers, classes: last.units };
}

/** The raw bytes normalized as every peer's first layer sees them: (x / 255 - mean[c]) / std[c], CHW. */
export function normalized(arch, images) {
  const { channels: c, height: h, width: w, mean = [0], std = [1] } = arch.input;
  const out = new Float32Array(images.length);
  const plane = h * w;
  for (let i = 0; i < images.length; i++) {
    const ch = Math.floor(i / plane) % c;
    out[i] = (images[i] / 255 - (mean[ch] ?? 0)) / (std[ch] ?? 1);
  }
  return out;
}

/** convlens's Trainer (the bench build's glue module `convlens`). */
export async function createConvlens(convlens, arch, data, { seed = 0 } = {}) {
  if (typeof convlens.Trainer?.fromArchitecture !== "function") throw new Unavailable("this build of convlens exports no Trainer.fromArchitecture");
  const t = convlens.Trainer.fromArchitecture(arch, { seed, optimizer: "adam", learningRate: ADAM.learningRate, batchSize: BATCH });
  try {
    t.setData(data.images, data.labels, data.count);
  } catch (e) {
    t.free?.();
    throw e;
  }
  return {
    step: async () => t.step(1).loss,
    trainer: t,
    info: { api: "Trainer.fromArchitecture + setData (Uint8Array) + step(1)" },
    free: () => t.free?.(),
  };
}

/** TF.js (tfjs-train.js: core + layers + cpu backend), already on its cpu backend. */
export function createTfjs(tf, arch, data, { seed = 0 } = {}) {
  const chain = plainChain(arch);
  const { channels: c, height: h, width: w } = chain.input;
  const model = tf.sequential();
  let first = true; // the first layer carries the input shape
  for (const [i, l] of chain.layers.entries()) {
    const next = chain.layers[i + 1];
    const relu = next?.type === "relu" ? "relu" : undefined; // fused as a layer's activation, as a TF.js user writes it
    if (l.type === "conv") {
      model.add(tf.layers.conv2d({ ...(first ? { inputShape: [h, w, c] } : {}), filters: l.filters, kernelSize: l.kernel, padding: l.pad ? "same" : "valid", activation: relu }));
      first = false;
    } else if (l.type === "relu") {
      if (chain.layers[i - 1]?.type !== "conv" && chain.layers[i - 1]?.type !== "linear") model.add(tf.layers.reLU());
    } else if (l.type === "pool") {
      model.add(tf.layers.maxPooling2d({ poolSize: l.kernel, strides: l.stride }));
    } else if (l.type === "linear") {
      if (model.layers.at(-1)?.getClassName() !== "Flatten") model.add(tf.layers.flatten());
      const last = i === chain.layers.length - 1;
      model.add(tf.layers.dense({ units: l.units, activation: last ? "softmax" : relu }));
    }
  }
  const optimizer = tf.train.adam(ADAM.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  // NHWC, normalized, and one-hot labels, made once; a step gathers its batch.
  const norm = normalized(arch, data.images);
  const hwc = c === 1 ? norm : chwToHwcBatch(norm, data.count, c, h, w);
  const xs = tf.tensor4d(hwc, [data.count, h, w, c]);
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.labels, "int32"), chain.classes), "float32"));
  const order = batches(data.count, BATCH, seed);
  return {
    async step() {
      const idx = tf.tensor1d(order.next(), "int32");
      const [xb, yb] = [tf.gather(xs, idx), tf.gather(ys, idx)];
      const loss = await model.trainOnBatch(xb, yb);
      tf.dispose([idx, xb, yb]);
      return loss;
    },
    info: { backend: tf.getBackend(), api: "tf.sequential + model.trainOnBatch, tf.train.adam", parameters: model.countParams() },
    free() {
      tf.dispose([xs, ys]);
      model.dispose();
      optimizer.dispose();
    },
  };
}

function chwToHwcBatch(x, n, c, h, w) {
  const out = new Float32Array(x.length);
  const size = c * h * w;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[i * size + p * c + ch] = x[i * size + ch * h * w + p];
  }
  return out;
}

/** ConvNetJS (convnet.js: the npm package as an ES module). */
export function createConvnetjs(convnetjs, arch, data, { seed = 0 } = {}) {
  const chain = plainChain(arch);
  const { channels: c, height: h, width: w } = chain.input;
  const defs = [{ type: "input", out_sx: w, out_sy: h, out_depth: c }];
  for (const [i, l] of chain.layers.entries()) {
    const relu = chain.layers[i + 1]?.type === "relu" ? { activation: "relu" } : {};
    if (l.type === "conv") defs.push({ type: "conv", sx: l.kernel, filters: l.filters, stride: 1, pad: l.pad, ...relu });
    else if (l.type === "pool") defs.push({ type: "pool", sx: l.kernel, stride: l.stride });
    else if (l.type === "linear" && i === chain.layers.length - 1) defs.push({ type: "softmax", num_classes: l.units }); // fc + softmax
    else if (l.type === "linear") defs.push({ type: "fc", num_neurons: l.units, ...relu });
    else if (l.type === "relu" && !["conv", "linear"].includes(chain.layers[i - 1]?.type)) defs.push({ type: "relu" });
  }
  const net = new convnetjs.Net();
  net.makeLayers(defs);
  // ConvNetJS's volumes are HWC (x fastest, then depth innermost: ((W * y) + x) * depth + d).
  const norm = normalized(arch, data.images);
  const size = c * h * w;
  const x = new convnetjs.Vol(w, h, c, 0.0);
  const order = batches(data.count, BATCH, seed);
  let moments = null;
  let t = 0;
  return {
    async step() {
      const b = order.next();
      let loss = 0;
      for (const k of b) {
        const src = k * size;
        for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) x.w[p * c + ch] = norm[src + ch * h * w + p];
        net.forward(x, true);
        loss += net.backward(data.labels[k]);
      }
      // Adam on the batch's mean gradient; the gradients zeroed for the next batch.
      const pgs = net.getParamsAndGrads();
      moments ??= pgs.map((pg) => ({ m: new Float64Array(pg.params.length), v: new Float64Array(pg.params.length) }));
      t++;
      const { learningRate: lr, beta1, beta2, epsilon } = ADAM;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (const [i, pg] of pgs.entries()) {
        const { m, v } = moments[i];
        const p = pg.params;
        const g = pg.grads;
        for (let j = 0; j < p.length; j++) {
          const gj = g[j] / b.length;
          m[j] = beta1 * m[j] + (1 - beta1) * gj;
          v[j] = beta2 * v[j] + (1 - beta2) * gj * gj;
          p[j] -= (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + epsilon);
          g[j] = 0;
        }
      }
      return loss / b.length;
    },
    net,
    info: { api: "convnetjs.Net (forward/backward per example) + Adam over getParamsAndGrads (0.3.0's Trainer has no Adam)", layers: defs.map((d) => d.type).join(",") },
    free() {},
  };
}
