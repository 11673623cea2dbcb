// The training benchmark's logic that needs no browser (bench/js/train-*.js, e2e/bench-train-report.mjs):
// batching, the architecture rebuilt in TF.js and ConvNetJS (parameter counts against the model
// files' tensors), ConvNetJS's Adam update, the timing loops and the accuracy curve with a fake clock,
// the convlens peer against a fake Trainer (the contract's calls), and the report's goal verdicts.
// TF.js (cpu backend) and ConvNetJS come from tools/bench/node_modules (./build.sh setup); without
// them those tests are skipped. About 20 s (TF.js's cpu backend trains a few steps).

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseIdx, safetensorsArchitecture } from "../bench/js/train-data.js";
import { ADAM, batches, batchLength, createConvlens, createConvnetjs, createTfjs, normalized, plainChain, Unavailable } from "../bench/js/train-peers.js";
import { accuracyCurve, peerState, summarizeSteps, timedWindow, warmUp } from "../bench/js/train-timing.js";
import { GOALS, trainingGoals, trainingMarkdown } from "./bench-train-report.mjs";
import { tfForNode } from "./tf-node.mjs";
import { markdown } from "./bench-report.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const model = async (name) => {
  const bytes = new Uint8Array(await readFile(`${ROOT}models/${name}.safetensors`));
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const tensors = Object.entries(header).filter(([k]) => k !== "__metadata__");
  // The parameter count from the file's own tensors, independent of any rebuild.
  const parameters = tensors.reduce((s, [, t]) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  return { arch: safetensorsArchitecture(bytes, name), parameters };
};
/** The product's 500-image MNIST sample (www/data/), as the page's ?data=sample reads it. */
const sample = async () => {
  const images = parseIdx(new Uint8Array(await readFile(`${ROOT}www/data/digits-test500-images.idx`)));
  const labels = parseIdx(new Uint8Array(await readFile(`${ROOT}www/data/digits-test500-labels.idx`)));
  return { count: 128, pixels: 784, images: images.data.subarray(0, 128 * 784), labels: labels.data.subarray(0, 128) };
};

test("batches: each pass a permutation of every example, the last batch shorter, seeded", () => {
  const b = batches(10, 4, 7);
  const pass = () => [b.next(), b.next(), b.next()].map((x) => [...x]);
  const one = pass();
  assert.deepEqual(one.map((x) => x.length), [4, 4, 2]);
  assert.deepEqual(one.flat().sort((x, y) => x - y), [...Array(10).keys()]);
  const two = pass();
  assert.deepEqual(two.flat().sort((x, y) => x - y), [...Array(10).keys()]);
  assert.notDeepEqual(one.flat(), two.flat(), "a fresh permutation each pass");
  const again = batches(10, 4, 7);
  assert.deepEqual([...again.next()], one[0], "the same seed, the same order");
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => batchLength(i, 10, 4)), [4, 4, 2, 4, 4, 2]);
  assert.deepEqual([0, 1, 2].map((i) => batchLength(i, 128, 64)), [64, 64, 64]);
});

test("the builtin architectures as the peers build them; the normalization of the file", async () => {
  const { arch } = await model("digits");
  const chain = plainChain(arch);
  assert.deepEqual(chain.layers.map((l) => l.type), ["conv", "relu", "pool", "conv", "relu", "pool", "linear"]);
  assert.deepEqual(chain.layers[0], { type: "conv", kernel: 5, pad: 2, filters: 8 });
  assert.equal(chain.classes, 10);
  const x = normalized(arch, Uint8Array.from([0, 255]));
  assert.ok(Math.abs(x[0] - (0 - 0.1307) / 0.3081) < 1e-6 && Math.abs(x[1] - (1 - 0.1307) / 0.3081) < 1e-6);
  assert.throws(() => plainChain({ ...arch, layers: [...arch.layers.slice(0, -3), { name: "gap", type: "global_avgpool" }] }), /gap: type global_avgpool/);
  assert.throws(() => plainChain({ ...arch, layers: [{ ...arch.layers[0], stride: [2, 2] }, ...arch.layers.slice(1)] }), /conv1: only square, stride-1/);
});

const cnjPath = path.join(ROOT, "tools/bench/node_modules/convnetjs");
const tfPath = path.join(ROOT, "tools/bench/node_modules/@tensorflow/tfjs-layers");

test("ConvNetJS: the same layers (parameter count of the model file); one Adam step moves each parameter by the learning rate", { skip: !existsSync(cnjPath) && "needs tools/bench's npm ci (./build.sh setup)" }, async () => {
  const convnetjs = createRequire(path.join(ROOT, "tools/bench/package.json"))("convnetjs");
  const data = await sample();
  for (const name of ["digits", "fashion"]) {
    const { arch, parameters } = await model(name);
    const peer = createConvnetjs(convnetjs, arch, data, { seed: 5 });
    // A twin of the fresh net sums the gradient of the peer's first batch (the same seeded order).
    const twin = new convnetjs.Net();
    twin.fromJSON(peer.net.toJSON());
    const x = new convnetjs.Vol(28, 28, 1, 0.0);
    const norm = normalized(arch, data.images);
    const first = [...batches(data.count, 64, 5).next()];
    for (const k of first) {
      x.w.set(norm.subarray(k * 784, (k + 1) * 784));
      twin.forward(x, true);
      twin.backward(data.labels[k]);
    }
    const before = twin.getParamsAndGrads().map((pg) => ({ p: Float64Array.from(pg.params), g: Float64Array.from(pg.grads, (v) => v / first.length) }));
    const loss = await peer.step();
    assert.ok(loss > 1 && loss < 4, `${name}: first loss ${loss} (about ln 10 from scratch)`);
    const after = peer.net.getParamsAndGrads();
    assert.equal(after.reduce((s, pg) => s + pg.params.length, 0), parameters, `${name}: ConvNetJS's parameters`);
    // Adam's first step, bias-corrected: -lr * g / (|g| + eps), i.e. -lr * sign(g).
    let moved = 0;
    for (const [i, pg] of after.entries()) {
      const { p, g } = before[i];
      for (let j = 0; j < pg.params.length; j++) {
        const d = pg.params[j] - p[j];
        const want = Math.abs(g[j]) > 1e-6 ? -ADAM.learningRate * Math.sign(g[j]) : -ADAM.learningRate * g[j] / (Math.abs(g[j]) + ADAM.epsilon);
        assert.ok(Math.abs(d - want) < 1e-5, `${name}: parameter ${i}/${j} moved ${d}, expected ${want} (gradient ${g[j]})`);
        if (Math.abs(g[j]) > 1e-6) moved++;
        assert.equal(pg.grads[j], 0, "gradients zeroed after the update");
      }
    }
    assert.ok(moved > parameters / 2, `${name}: ${moved} of ${parameters} parameters had a gradient and moved`);
  }
});

test("TF.js: the same layers (parameter count of the model file), trainOnBatch lowers the loss (digits)", { skip: !existsSync(tfPath) && "needs tools/bench's npm ci (./build.sh setup)", timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "convlens-tftrain-"));
  try {
    const tf = await tfForNode(dir, { entryPoints: [path.join(ROOT, "tools/bench/tfjs-train-entry.js")] });
    assert.ok(await tf.setBackend("cpu"));
    const data = await sample();
    for (const name of ["digits", "fashion"]) {
      const { arch, parameters } = await model(name);
      const peer = createTfjs(tf, arch, data);
      assert.equal(peer.info.parameters, parameters, `${name}: TF.js's parameters`);
      if (name !== "digits") {
        peer.free();
        continue; // training steps on the cpu backend take seconds: one architecture is enough
      }
      const losses = [];
      for (let i = 0; i < 6; i++) losses.push(await peer.step());
      assert.ok(losses[0] > 1.5 && losses[0] < 3.5, `${name}: first loss ${losses[0]}`);
      assert.ok(losses.at(-1) < losses[0], `${name}: the loss fell (${losses.map((l) => l.toFixed(2)).join(", ")})`);
      const tensors = tf.memory().numTensors;
      await peer.step();
      assert.equal(tf.memory().numTensors, tensors, "a step leaks no tensors");
      peer.free();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("convlens: the contract's calls on a fake module; no Trainer export is 'not available'", async () => {
  const { arch } = await model("digits");
  const data = await sample();
  await assert.rejects(createConvlens({ Explorer: class {} }, arch, data), (e) => e instanceof Unavailable && /no Trainer/.test(e.message));
  const calls = [];
  class Trainer {
    static fromArchitecture(a, o) {
      calls.push(["fromArchitecture", a, o]);
      return new Trainer();
    }
    setData(images, labels, count) {
      calls.push(["setData", images, labels, count]);
    }
    step(n) {
      calls.push(["step", n]);
      return { loss: 2.3, accuracy: 0.1, steps: 1, epoch: 0 };
    }
    free() {
      calls.push(["free"]);
    }
  }
  const peer = await createConvlens({ Trainer }, arch, data, { seed: 3 });
  assert.equal(await peer.step(), 2.3);
  peer.free();
  assert.deepEqual(calls.map((c) => c[0]), ["fromArchitecture", "setData", "step", "free"]);
  assert.equal(calls[0][1], arch, "the architecture object itself");
  assert.deepEqual(calls[0][2], { seed: 3, optimizer: "adam", learningRate: 1e-3, batchSize: 64 });
  assert.ok(calls[1][1] instanceof Uint8Array && calls[1][1].length === 128 * 784 && calls[1][3] === 128, "raw bytes, count");
  assert.equal(calls[2][1], 1);
});

/** A clock that moves only when fake work runs. */
function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test("warm-up untimed, timed windows: images and step times; a non-finite loss fails", async () => {
  const clock = fakeClock();
  const peer = { step: async () => (clock.advance(10), 1.5) };
  const state = peerState(100); // batches 64, 36, 64, 36, ...
  assert.equal(await warmUp(peer, state, { now: clock.now, steps: 3, ms: 50 }), 5, "at least 3 steps and 50 ms");
  await timedWindow(peer, state, { now: clock.now, ms: 40, minSteps: 2 });
  await timedWindow(peer, state, { now: clock.now, ms: 0, minSteps: 2 });
  const s = summarizeSteps(state);
  assert.equal(s.steps, 6);
  assert.equal(s.warmupSteps, 5);
  // Steps 5..10 (0-based) of passes of 64 + 36: 36, 64, 36, 64, 36, 64.
  assert.equal(s.images, 36 * 3 + 64 * 3);
  assert.equal(s.msPerStep, 10);
  assert.equal(s.imagesPerSecond, (1000 * 300) / 60);
  const bad = { step: async () => (clock.advance(1), NaN) };
  await assert.rejects(timedWindow(bad, peerState(10), { now: clock.now, ms: 10 }), /loss NaN/);
});

test("accuracy curve: evaluation off the clock, the first checkpoint at the target, the cap", async () => {
  const clock = fakeClock();
  let steps = 0;
  const trainer = { step: (k) => (clock.advance(10 * k), (steps += k), { loss: 1, accuracy: 0.5, steps, epoch: steps / 100 }) };
  // Accuracy climbs with steps: 0.98 from step 500 (5 s of training at 10 ms per step).
  const evaluate = () => (clock.advance(1000), { accuracy: steps >= 500 ? 0.985 : 0.5 + steps / 1000, loss: 0.1 });
  const r = await accuracyCurve(trainer, evaluate, { now: clock.now, capSeconds: 8 });
  assert.deepEqual(r.curve.map((p) => Math.round(p.seconds)), [0, 1, 2, 3, 4, 5, 6, 8]);
  assert.ok(r.curve.every((p) => p.evalMs === 1000));
  assert.equal(Math.round(r.reached.seconds), 5, "evaluations (1 s each) are not training time");
  assert.ok(r.trainingSeconds >= 8 && r.trainingSeconds < 8.1, String(r.trainingSeconds));
  const never = await accuracyCurve(trainer, () => ({ accuracy: 0.9, loss: 1 }), { now: clock.now, capSeconds: 3 });
  assert.equal(never.reached, null);
  assert.equal(never.best, 0.9);
});

test("report: convlens's ratios against each goal, 'not measured' when a side is missing", () => {
  const peer = (ips) => ({ available: true, imagesPerSecond: ips, msPerStep: 6400 / ips, medianMsPerStep: 6400 / ips, steps: 10, warmupSteps: 3, firstLoss: 2.3, lastLoss: 0.5 });
  const training = {
    torch: { available: true, torch: "2.15.0", threads: 1, digits: peer(7000), fashion: peer(3500) },
    page: {
      options: { examples: 12000 },
      speed: [
        { dataset: "digits", peers: { convlens: peer(6000), tfjs: peer(50), convnetjs: peer(700) } },
        { dataset: "fashion", peers: { convlens: { available: false, reason: "no Trainer" }, tfjs: peer(20), convnetjs: { available: true, error: "boom" } } },
      ],
      quality: { available: true, testExamples: 10000, target: 0.98, capSeconds: 120, reached: { seconds: 42, steps: 900 }, best: 0.985, curve: [{ seconds: 0, steps: 0, epoch: 0, accuracy: 0.1, loss: 2.3 }] },
    },
  };
  const g = trainingGoals(training);
  const digits = g.filter((x) => x.target.startsWith("digits:"));
  assert.deepEqual(digits.map((x) => x.met), [true, true, false]); // 0.857x >= 0.8; 120x >= 10; 8.57x < 10
  assert.ok(Math.abs(digits[0].ratio - 6000 / 7000) < 1e-12);
  assert.deepEqual(Object.keys(GOALS), ["torch", "tfjs", "convnetjs"]);
  assert.deepEqual(g.filter((x) => x.target.startsWith("fashion:")).map((x) => x.met), [null, null, null]);
  assert.equal(g.at(-1).met, true);
  training.page.quality.reached = { seconds: 75, steps: 2000 };
  assert.equal(trainingGoals(training).at(-1).met, false, "98 % after 60 s misses the goal");
  const md = trainingMarkdown(training);
  assert.match(md, /\| digits \| convlens Trainer \(wasm\) \| 6000 \|/);
  assert.match(md, /\| digits \| TF\.js \(cpu backend\) \| 50 \| 128 \|.*\| 120\.00x \|/);
  assert.match(md, /\| fashion \| convlens Trainer \(wasm\) \| not available: no Trainer \|/);
  assert.match(md, /\| fashion \| ConvNetJS \| failed: boom \|/);
  assert.match(md, /- NOT met: digits: convlens at least 10x ConvNetJS's images\/s \(8\.57x/);
  assert.match(md, /- not measured: fashion: convlens at least 0\.8x PyTorch/);
  // A full run's report carries the section, without a second machine line.
  const full = markdown({ cases: [], training });
  assert.match(full, /### Training\n\nTraining speed, batch 64/);
  assert.doesNotMatch(full.slice(full.indexOf("### Training")), /Measured/);
});
