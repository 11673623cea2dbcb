// Writes convlens model files (safetensors + architecture JSON under metadata key "convlens")
// from JS, so tests can load models the builtins do not cover (non-square input, vectors, labels).

/** Deterministic values in [-1, 1). */
export function pseudoRandom(n, seed) {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) / (1 << 23) - 1;
  });
}

/** A safetensors file: `tensors` maps name -> {shape, data: Float32Array}; all F32. */
export function safetensors(architecture, tensors) {
  const header = { __metadata__: { convlens: JSON.stringify(architecture) } };
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + 4 * data.length] };
    offset += 4 * data.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const { data } of Object.values(tensors)) {
    for (const v of data) {
      out.writeFloatLE(v, at);
      at += 4;
    }
  }
  return out;
}

/**
 * A classifier architecture: for each of `convs` ({out, k, pad}) a conv2d, relu and 2x2 max pooling
 * (layers c1, r1, p1, c2, ...), then flatten, linear (one output per label) and softmax (flat, fc,
 * prob).
 */
export function convClassifier(input, labels, convs) {
  const layers = convs.flatMap(({ out, k, pad }, i) => [
    { name: `c${i + 1}`, type: "conv2d", out_channels: out, kernel_size: k, padding: pad },
    { name: `r${i + 1}`, type: "relu" },
    { name: `p${i + 1}`, type: "maxpool2d", kernel_size: 2 },
  ]);
  layers.push({ name: "flat", type: "flatten" }, { name: "fc", type: "linear", out_features: labels.length }, { name: "prob", type: "softmax" });
  return { input, labels, layers };
}

/**
 * A small classifier with a non-square 1x12x10 input: conv 3x3 (3 ch) -> relu -> maxpool 2 ->
 * flatten (90) -> linear (5) -> softmax, labels alpha..epsilon.
 */
export function tinyClassifier() {
  const labels = ["alpha", "beta", "gamma", "delta", "epsilon"];
  const architecture = convClassifier({ channels: 1, height: 12, width: 10 }, labels, [{ out: 3, k: 3, pad: 1 }]);
  const tensors = {
    "c1.weight": { shape: [3, 1, 3, 3], data: pseudoRandom(27, 1) },
    "c1.bias": { shape: [3], data: Float32Array.from([0.1, 0, -0.1]) },
    "fc.weight": { shape: [5, 90], data: pseudoRandom(450, 2) },
    "fc.bias": { shape: [5], data: pseudoRandom(5, 3) },
  };
  return { architecture, bytes: safetensors(architecture, tensors) };
}

/**
 * A colour graph model of 57 layers on a 3x64x64 input (big enough for the page's compact view):
 * a stride-2 stem conv (3 -> 8) and relu, ten residual blocks (conv, relu, conv, add with the block
 * input, relu), a concat of the last block with the stem, max pooling, flatten, linear (4), softmax,
 * labels w..z. Weights are pseudo-random.
 */
export function colourGraph() {
  const layers = [
    { name: "stem", type: "conv2d", out_channels: 8, kernel_size: 3, stride: 2, padding: 1 },
    { name: "stem_relu", type: "relu" },
  ];
  const tensors = {
    "stem.weight": { shape: [8, 3, 3, 3], data: pseudoRandom(216, 1).map((v) => v * 0.5) },
    "stem.bias": { shape: [8], data: pseudoRandom(8, 2).map((v) => v * 0.1) },
  };
  let prev = "stem_relu";
  for (let b = 0; b < 10; b++) {
    const p = `block${b}`;
    layers.push(
      { name: `${p}.conv1`, type: "conv2d", out_channels: 8, kernel_size: 3, padding: 1, inputs: [prev] },
      { name: `${p}.relu1`, type: "relu" },
      { name: `${p}.conv2`, type: "conv2d", out_channels: 8, kernel_size: 3, padding: 1 },
      { name: `${p}.add`, type: "add", inputs: [prev, `${p}.conv2`] },
      { name: `${p}.relu2`, type: "relu" },
    );
    for (const [k, conv] of ["conv1", "conv2"].entries()) {
      tensors[`${p}.${conv}.weight`] = { shape: [8, 8, 3, 3], data: pseudoRandom(576, 10 + 2 * b + k).map((v) => v * 0.2) };
      tensors[`${p}.${conv}.bias`] = { shape: [8], data: pseudoRandom(8, 50 + 2 * b + k).map((v) => v * 0.05) };
    }
    prev = `${p}.relu2`;
  }
  layers.push(
    { name: "join", type: "concat", inputs: [prev, "stem_relu"] },
    { name: "pool", type: "maxpool2d", kernel_size: 4 },
    { name: "flat", type: "flatten" },
    { name: "fc", type: "linear", out_features: 4 },
    { name: "prob", type: "softmax" },
  );
  tensors["fc.weight"] = { shape: [4, 16 * 8 * 8], data: pseudoRandom(4 * 1024, 99).map((v) => v * 0.05) };
  tensors["fc.bias"] = { shape: [4], data: new Float32Array(4) };
  const architecture = { input: { channels: 3, height: 64, width: 64 }, labels: ["w", "x", "y", "z"], layers };
  return { architecture, bytes: safetensors(architecture, tensors) };
}

/**
 * A random colour model with ImageNet's normalization, 3x64x64: conv 5x5 (8) -> relu -> maxpool 2
 * -> conv 3x3 (8) -> relu -> maxpool 2 -> flatten -> linear (4) -> softmax, labels a..d. Big
 * enough for the colour defaults of activation maximization (a decorrelated Fourier image with
 * jitter, rescaling and rotation).
 */
export function colourConvModel() {
  const input = { channels: 3, height: 64, width: 64, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const architecture = convClassifier(input, ["a", "b", "c", "d"], [{ out: 8, k: 5, pad: 2 }, { out: 8, k: 3, pad: 1 }]);
  const scaled = (n, seed, s) => pseudoRandom(n, seed).map((v) => v * s);
  const tensors = {
    "c1.weight": { shape: [8, 3, 5, 5], data: scaled(600, 11, 0.2) },
    "c1.bias": { shape: [8], data: scaled(8, 12, 0.1) },
    "c2.weight": { shape: [8, 8, 3, 3], data: scaled(576, 13, 0.2) },
    "c2.bias": { shape: [8], data: scaled(8, 14, 0.1) },
    "fc.weight": { shape: [4, 8 * 16 * 16], data: scaled(4 * 8 * 16 * 16, 15, 0.05) },
    "fc.bias": { shape: [4], data: new Float32Array(4) },
  };
  return { architecture, bytes: safetensors(architecture, tensors) };
}
