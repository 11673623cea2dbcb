// Unit tests (node) of www/js/core/explain-math.js: the pure helpers of the explaining views.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  atlasProgress,
  attributionTiming,
  blend,
  chartPoints,
  classLayer,
  convLayers,
  flagChannels,
  formatDuration,
  formatMs,
  fpsOf,
  histogram,
  imageRGBA,
  MAXIMIZE_DEFAULTS,
  maximizeOptions,
  overlayMap,
  overlayWeights,
  readLayer,
  settingsValues,
  statLayers,
  upsample,
} from "../../www/js/core/explain-math.js";

const close = (a, b, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test("upsample: identity at the same size, constant maps stay constant", () => {
  const m = Float32Array.from([1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...upsample(m, 2, 3, 2, 3)], [...m]);
  const c = upsample(Float32Array.from([2.5, 2.5, 2.5, 2.5]), 2, 2, 7, 5);
  assert.equal(c.length, 35);
  for (const v of c) close(v, 2.5);
  assert.throws(() => upsample(m, 2, 2, 4, 4), /6 values/);
});

test("upsample: bilinear with aligned pixel centres (PyTorch align_corners=False)", () => {
  // 1x2 -> 1x4: centres at -0.25, 0.25, 0.75, 1.25 of the source, clamped at the edges
  const u = upsample(Float32Array.from([0, 4]), 1, 2, 1, 4);
  assert.deepEqual([...u], [0, 1, 3, 4]);
  // 2x2 -> 4x4: the middle of the map is the mean of the four
  const v = upsample(Float32Array.from([0, 4, 8, 12]), 2, 2, 4, 4);
  close((v[5] + v[6] + v[9] + v[10]) / 4, 6);
  assert.equal(v[0], 0);
  assert.equal(v[15], 12);
  // a 7x7 Grad-CAM map to 28x28 keeps its range and symmetry
  const cam = Float32Array.from({ length: 49 }, (_, i) => (i === 24 ? 1 : 0));
  const big = upsample(cam, 7, 7, 28, 28);
  assert.ok(Math.max(...big) <= 1 && Math.min(...big) >= 0);
  close(big[13 * 28 + 13], big[14 * 28 + 14]);
});

test("overlayMap: gradient summed over channels, gradcam upsampled, signed scale symmetric", () => {
  const shape = { channels: 2, height: 2, width: 2 };
  const g = overlayMap("gradient", Float32Array.from([1, -2, 3, 0, 1, 1, -5, 0]), shape);
  assert.deepEqual([...g.map], [2, -1, -2, 0]);
  assert.equal(g.signed, true);
  assert.equal(g.scale, 2);
  const cam = overlayMap("gradcam", Float32Array.from([0, 2]), { channels: 1, height: 2, width: 4 }, [1, 2]);
  assert.equal(cam.map.length, 8);
  assert.equal(cam.signed, false);
  assert.equal(cam.scale, 2);
  const sal = overlayMap("saliency", Float32Array.from([0, 1, 2, 3]), { channels: 1, height: 2, width: 2 });
  assert.equal(sal.signed, false);
  assert.equal(sal.scale, 3);
  assert.throws(() => overlayMap("saliency", new Float32Array(3), { channels: 1, height: 2, width: 2 }), /do not fit/);
});

test("histogram: bins, clamping, the last bin includes the top", () => {
  const h = histogram([0, 0.05, 0.1, 0.5, 0.99, 1, 1.5, -1], 10, 0, 1);
  assert.deepEqual(h.counts, [3, 1, 0, 0, 0, 1, 0, 0, 0, 3]);
  assert.equal(h.counts.reduce((a, b) => a + b), 8);
  const auto = histogram([2, 4, 6], 2);
  assert.equal(auto.lo, 2);
  assert.equal(auto.hi, 6);
  assert.deepEqual(auto.counts, [1, 2]);
  assert.deepEqual(histogram([3, 3], 4).counts, [2, 0, 0, 0]);
  assert.deepEqual(histogram([], 3).counts, [0, 0, 0]);
});

test("blend and overlay weights", () => {
  const base = Uint8ClampedArray.from([0, 0, 0, 255, 100, 100, 100, 255]);
  const over = Uint8ClampedArray.from([200, 100, 0, 255, 0, 0, 0, 255]);
  assert.deepEqual([...blend(base, over, 0)], [...base]);
  assert.deepEqual([...blend(base, over, 1)], [...over]);
  assert.deepEqual([...blend(base, over, 0.5)], [100, 50, 0, 255, 50, 50, 50, 255]);
  assert.deepEqual([...blend(base, over, 1, undefined, Float32Array.from([0, 1]))], [0, 0, 0, 255, 0, 0, 0, 255]);
  const w = overlayWeights(Float32Array.from([0, -4, 1, 9]), 4);
  assert.deepEqual([...w], [0, 1, 0.5, 1]);
  assert.deepEqual([...overlayWeights(Float32Array.from([1]), 0)], [0]);
});

test("imageRGBA: grey, RGB and other channel counts", () => {
  assert.deepEqual([...imageRGBA(Float32Array.from([0, 1]), 0, 1, 1, 2)], [0, 0, 0, 255, 255, 255, 255, 255]);
  assert.deepEqual([...imageRGBA(Float32Array.from([1, 0, 0.5]), 0, 3, 1, 1)], [255, 0, 128, 255]);
  assert.deepEqual([...imageRGBA(Float32Array.from([9, 0, 1]), 1, 2, 1, 1)], [128, 128, 128, 255]);
});

const DIGITS = {
  layers: [
    { name: "conv1", type: "conv2d", outputShape: [8, 28, 28] },
    { name: "relu1", type: "relu", outputShape: [8, 28, 28] },
    { name: "pool1", type: "maxpool2d", outputShape: [8, 14, 14] },
    { name: "conv2", type: "conv2d", outputShape: [16, 14, 14] },
    { name: "relu2", type: "relu", outputShape: [16, 14, 14] },
    { name: "pool2", type: "maxpool2d", outputShape: [16, 7, 7] },
    { name: "flat", type: "flatten", outputShape: [784] },
    { name: "fc", type: "linear", outputShape: [10] },
    { name: "prob", type: "softmax", outputShape: [10] },
  ],
};

test("layer helpers follow the engine's target semantics", () => {
  assert.equal(readLayer(DIGITS, 0), 1);
  assert.equal(readLayer(DIGITS, 2), 2);
  assert.equal(readLayer(DIGITS, 8), 7);
  // MobileNet's conv -> batchnorm -> relu6 block; a projection whose batchnorm feeds an add stays.
  const block = {
    layers: [
      { name: "c", type: "conv2d" },
      { name: "bn", type: "batchnorm2d", inputs: ["c"] },
      { name: "act", type: "relu6", inputs: ["bn"] },
      { name: "p", type: "conv2d", inputs: ["act"] },
      { name: "p_bn", type: "batchnorm2d", inputs: ["p"] },
      { name: "res", type: "add", inputs: ["act", "p_bn"] },
      { name: "h", type: "conv2d" },
      { name: "hs", type: "hardswish" },
      { name: "s", type: "conv2d" },
      { name: "sig", type: "sigmoid" },
    ],
  };
  assert.equal(readLayer(block, 0), 2);
  assert.equal(readLayer(block, 3), 3);
  assert.equal(readLayer(block, 6), 7);
  assert.equal(readLayer(block, 8), 8);
  // A conv read by two layers keeps its own channels.
  assert.equal(readLayer({ layers: [{ name: "c", type: "conv2d" }, { name: "r", type: "relu" }, { name: "a", type: "add", inputs: ["c", "r"] }] }, 0), 0);
  assert.equal(classLayer(DIGITS), 7);
  assert.equal(classLayer({ layers: DIGITS.layers.slice(0, 8) }), 7);
  assert.deepEqual(convLayers(DIGITS), [0, 3]);
  assert.deepEqual(statLayers(DIGITS), [
    { index: 1, title: "conv1 → relu1" },
    { index: 4, title: "conv2 → relu2" },
  ]);
  assert.deepEqual(statLayers({ layers: [{ name: "c", type: "conv2d" }, { name: "p", type: "maxpool2d" }] }), [{ index: 0, title: "c" }]);
  // MobileNet's conv -> batchnorm -> relu6 blocks: the relu6 layers, named after their batchnorm.
  const mobile = ["conv2d", "batchnorm2d", "relu6", "conv2d", "batchnorm2d", "add", "hardswish"].map((type, i) => ({ name: `l${i}`, type }));
  assert.deepEqual(statLayers({ layers: mobile }), [
    { index: 2, title: "l1 → l2" },
    { index: 6, title: "l5 → l6" },
  ]);
});

test("flagChannels: dead and rarely active", () => {
  const f = flagChannels([
    { dead: false, active: 0.5 },
    { dead: true, active: 0 },
    { dead: false, active: 0.004 },
    { dead: false, active: 0.01 },
  ]);
  assert.deepEqual(f, { dead: [1], rare: [2] });
});

test("chartPoints and fpsOf", () => {
  assert.deepEqual(chartPoints([], 100, 50), []);
  const p = chartPoints([0, 1, 2], 104, 54, 2);
  assert.deepEqual(p, [[2, 52], [52, 27], [102, 2]]);
  assert.equal(chartPoints([5, 5], 10, 10, 0)[0][1], 5);
  assert.equal(fpsOf([]), 0);
  const times = Array.from({ length: 121 }, (_, i) => i * (1000 / 60));
  close(fpsOf(times), 60, 1e-6);
  close(fpsOf([0, 100, 200, 2000, 2033.3, 2066.6]), 2 / 0.0666, 0.1); // only the last second counts
});

test("maximization settings: form values to the engine's options, per model", () => {
  const colour = {
    ...MAXIMIZE_DEFAULTS,
    steps: 256,
    param: "fourier",
    decorrelate: true,
    l2: 0,
    tv: 0,
    jitter: 14,
    scale: [0.9, 1.1],
    rotate: 10,
    blurEvery: 0,
  };
  const v = settingsValues(colour);
  assert.equal(v.scaleMin, "0.9");
  assert.equal(v.scaleMax, "1.1");
  assert.equal(v.decorrelate, "true");
  // a colour model: decorrelate sent, no blur (the engine refuses blur on a Fourier image)
  const o = maximizeOptions(v, 3, colour);
  assert.deepEqual(o, {
    steps: 256,
    learningRate: 0.05,
    l2: 0,
    tv: 0,
    jitter: 14,
    rotate: 10,
    pad: 0,
    seed: 0,
    optimizer: "adam",
    init: "noise",
    param: "fourier",
    scale: [0.9, 1.1],
    decorrelate: true,
  });
  // greyscale: no decorrelate; plain pixels keep the blur; bad numbers fall back, counts round
  const g = maximizeOptions({ ...settingsValues(MAXIMIZE_DEFAULTS), steps: "12.6", jitter: "x", scaleMin: "1.2", scaleMax: "0.8" }, 1);
  assert.equal(g.decorrelate, undefined);
  assert.equal(g.steps, 13);
  assert.equal(g.jitter, 1);
  assert.deepEqual(g.scale, [0.8, 1.2]);
  assert.equal(g.blurEvery, 4);
  assert.equal(g.blurSigma, 0.5);
  // decorrelated pixels on a colour model: a sigmoid image, so no blur either
  const d = maximizeOptions({ ...settingsValues(MAXIMIZE_DEFAULTS), decorrelate: "true" }, 3);
  assert.equal(d.decorrelate, true);
  assert.equal(d.blurEvery, undefined);
});

test("formatDuration and atlasProgress: time left from the channels done so far", () => {
  assert.equal(formatDuration(400), "0 s");
  assert.equal(formatDuration(40_400), "40 s");
  assert.equal(formatDuration(185_000), "3 min");
  assert.equal(formatDuration(65 * 60_000), "1 h 5 min");
  // 3 of 32 channels in 60 s: 20 s each, 29 left -> 580 s, about 10 min.
  assert.equal(atlasProgress("features.3", 3, 32, 60_000), "Layer atlas of features.3: 3 of 32 channels, about 10 min left. Stop keeps the ones drawn.");
  assert.equal(atlasProgress("conv1", 0, 8, 0), "Layer atlas of conv1: 0 of 8 channels. Stop keeps the ones drawn.");
});

test("formatMs and attributionTiming: the engine's time, and the wait for the worker when it matters", () => {
  assert.equal(formatMs(0.2134), "0.21 ms");
  assert.equal(formatMs(3.14159), "3.1 ms");
  assert.equal(formatMs(82.24), "82 ms");
  assert.equal(attributionTiming(0.21, 1.3), "0.21 ms in the engine");
  assert.equal(attributionTiming(0.21, 82.2), "0.21 ms in the engine, 82 ms with the wait for the worker");
  assert.equal(attributionTiming(undefined, 82.2), "82 ms");
});
