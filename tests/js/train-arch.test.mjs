// Unit tests (node) of the Train view's architectures (www/js/core/train-arch.js) and set-up keys
// (www/js/core/train-settings.js): shapes against hand-computed cases and PyTorch's output-size
// rule, the presets against the builtin models' own architectures (read from models/*.safetensors),
// the compact form and the link keys.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PRESETS, formatLayers, newLayer, parseLayers, presetLayers, shapesOf, toArchitecture } from "../../www/js/core/train-arch.js";
import { datasetOf, parseSettings, settingsEntries, trainOptions } from "../../www/js/core/train-settings.js";

const MNIST = { channels: 1, height: 28, width: 28 };
const settingsOf = (hash) => {
  const p = new URLSearchParams(hash);
  return parseSettings((k) => p.get(k));
};

/** The `convlens` architecture a committed model file carries. */
function fileArchitecture(name) {
  const bytes = readFileSync(new URL(`../../models/${name}.safetensors`, import.meta.url));
  const n = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")).__metadata__.convlens);
}

test("shapes of the tiny preset, by hand: conv 5x5 pad 2 keeps 28, pooling halves, flatten 8*14*14", () => {
  const r = shapesOf(presetLayers("tiny"), MNIST, 10);
  assert.equal(r.problem, null);
  assert.deepEqual(r.rows.map((x) => x.outputShape), [[8, 28, 28], [8, 28, 28], [8, 14, 14], [1568], [10]]);
  assert.deepEqual(r.rows.map((x) => x.params), [8 * 25 + 8, 0, 0, 0, 1568 * 10 + 10]);
  assert.equal(r.parameters, 208 + 15690);
  assert.equal(r.rows[0].formulas[0].text, "(28 + 2*2 - 5) / 1 + 1 = 28");
  assert.equal(r.rows[2].formulas[0].text, "(28 + 2*0 - 2) / 2 + 1 = 14");
});

test("shapes follow PyTorch's floor rule for strides that do not divide evenly", () => {
  // conv 3x3 stride 2 on 28: floor((28 - 3) / 2) + 1 = 13; max pool 3 stride 2 on 13: floor(10 / 2) + 1 = 6
  const { layers } = parseLayers("c4k3s2-mp3s2-flat-fc10");
  const r = shapesOf(layers, MNIST, 10);
  assert.deepEqual(r.rows.map((x) => x.outputShape), [[4, 13, 13], [4, 6, 6], [144], [10]]);
  assert.match(r.rows[0].formulas[0].text, /^⌊\(28 \+ 2\*0 - 3\) \/ 2⌋ \+ 1 = 13$/);
});

test("an impossible architecture names the layer and why", () => {
  const cases = [
    ["c8k5-mp2-mp2-mp2-c8k5-flat-fc10", 4, /layer 5 \(conv2\).*5-wide kernel is larger than its 3-wide input/],
    ["c8k5p2-relu-fc10", 2, /layer 3 \(fc1\).*add a flatten layer before it/],
    ["c8k5p2-flat-bn-fc10", 2, /layer 3 \(bn1\).*needs channels × height × width/],
    ["c8k5p2-flat-fc12", 3, /one score per class \(10\).*gives 12 values/],
    ["c8k5p2-relu", 2, /not a vector/],
  ];
  for (const [text, index, message] of cases) {
    const r = shapesOf(parseLayers(text).layers, MNIST, 10);
    assert.equal(r.problem?.index, index, text);
    assert.match(r.problem.message, message, text);
  }
  const bad = presetLayers("tiny");
  bad[0].channels = 0;
  assert.match(shapesOf(bad, MNIST, 10).problem.message, /layer 1 \(conv1\): channels must be/);
  bad[0] = { ...newLayer("dropout"), p: 1 };
  assert.match(shapesOf(bad, MNIST, 10).problem.message, /drop probability/);
  assert.match(shapesOf([], MNIST, 10).problem.message, /no layers/);
});

/** A layer's type and the numbers that shape it (pairs as their first value; defaults filled in). */
function canonical(l) {
  const one = (v, d) => (v === undefined ? d : [].concat(v)[0]);
  if (l.type === "conv2d") return [l.type, l.out_channels, one(l.kernel_size), one(l.stride, 1), one(l.padding, 0)];
  if (l.type.endsWith("pool2d")) return [l.type, one(l.kernel_size), one(l.stride, one(l.kernel_size)), one(l.padding, 0)];
  if (l.type === "linear") return [l.type, l.out_features];
  return [l.type];
}

test("the digits and fashion presets are the builtin models' architectures", () => {
  for (const name of ["digits", "fashion"]) {
    const file = fileArchitecture(name);
    const ours = toArchitecture(presetLayers(name), { input: file.input, labels: file.labels });
    assert.deepEqual(ours.layers.map(canonical), file.layers.map(canonical), name);
    assert.equal(PRESETS[name].dataset, name);
  }
});

test("the compact form round-trips every preset and rejects what it does not know", () => {
  for (const name of Object.keys(PRESETS)) {
    assert.equal(formatLayers(presetLayers(name)), PRESETS[name].layers, name);
    assert.equal(shapesOf(presetLayers(name), MNIST, 10).problem, null, name);
  }
  assert.deepEqual(parseLayers("c8k3s2p1-ap2s1-d0.5-gap-sigmoid").layers, [
    { kind: "conv", channels: 8, kernel: 3, stride: 2, padding: 1 },
    { kind: "pool", pool: "avg", size: 2, stride: 1 },
    { kind: "dropout", p: 0.5 },
    { kind: "gap" },
    { kind: "act", fn: "sigmoid" },
  ]);
  assert.match(parseLayers("c8k5-lstm").problem, /“lstm” is not a layer/);
  assert.match(parseLayers("").problem, /empty/);
  assert.match(parseLayers(Array(65).fill("relu").join("-")).problem, /at most 64/);
});

test("link keys: the issue's example, defaults left out, bad values reported, options for the engine", () => {
  const { settings, problems } = settingsOf("view=train&preset=tiny&steps=300&autostart");
  assert.deepEqual(problems, []);
  assert.equal(settings.preset, "tiny");
  assert.equal(settings.steps, 300);
  assert.equal(settings.autostart, true);
  assert.equal(datasetOf(settings), "digits");
  assert.deepEqual(settingsEntries(settings), [["steps", "300"], ["autostart", ""]]);

  const s = settingsOf("preset=deep&dataset=digits&optimizer=sgd&learning-rate=0.05&batch-size=32&seed=7&arch=c4k3p1-relu-flat-fc10").settings;
  assert.deepEqual(trainOptions(s), { seed: 7, optimizer: "sgd", learningRate: 0.05, batchSize: 32, weightDecay: 0 });
  assert.equal(datasetOf(s), "digits");
  const again = new URLSearchParams(settingsEntries(s));
  assert.deepEqual(settingsOf(again.toString()).settings, s);

  const bad = settingsOf("preset=huge&learning-rate=-1&batch-size=1.5&steps=0&optimizer=rmsprop&arch=zz");
  assert.equal(bad.problems.length, 6);
  assert.equal(bad.settings.preset, "tiny");
  assert.equal(bad.settings.learningRate, null);
  assert.equal(settingsOf("autostart=false").settings.autostart, false);
});
