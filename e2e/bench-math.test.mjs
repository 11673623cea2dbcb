// The benchmark harness's logic that needs no timing: batching and median arithmetic (fake clock),
// the SIMD peak loop's result, the layout conversions to TF.js, the report's target verdicts, and a
// tiny convlens-vs-TF.js equivalence run (TF.js CPU backend in node, the bench build of convlens,
// bench/pkg/: the release wasm with the bench fixtures).
// Runs in a few seconds.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cleanName, profileMarkdown, selfTimes, side } from "./bench-profile.mjs";
import { tfForNode } from "./tf-node.mjs";
import { benchmarksDoc, markdown, targets } from "./bench-report.mjs";
import { calibrate, measure, median, summarize, warmUp } from "../bench/js/bench-timing.js";
import * as peak from "../bench/js/peak.js";
import { chwToHwc, hwcToChw, linearChwToHwcKernel, maxAbsDiff, oihwToHwio } from "../bench/js/tf-layout.js";
import { buildTfModel, tfPadding } from "../bench/js/tf-model.js";
import { buildTfGraph, half } from "../bench/js/tf-graph.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A clock that only moves when the fake workload runs: `work(n)` takes n * callMs. */
function fakeClock(callMs) {
  let t = 0;
  return {
    now: () => t,
    work: (n) => {
      t += n * callMs;
    },
  };
}

test("median of odd and even counts", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]));
});

test("calibration scales the batch to about sampleMs", () => {
  for (const callMs of [0.0013, 0.05, 0.7, 3, 25]) {
    const c = fakeClock(callMs);
    const batch = calibrate(c.work, { now: c.now, sampleMs: 10 });
    assert.equal(batch, Math.max(1, Math.round(10 / callMs)), `call of ${callMs} ms`);
  }
});

test("calibration: a re-timing that comes out implausibly short cannot blow up the batch", () => {
  // 0.01 ms per call for the doubling, then the two re-timings report (almost) nothing.
  let t = 0;
  let calls = 0;
  const fn = (n) => {
    calls++;
    t += calls <= 9 ? 0.01 * n : 1e-12;
  };
  const batch = calibrate(fn, { now: () => t, sampleMs: 10 });
  assert.equal(batch, 64 * 256, "capped at 64x the 256 calls that took 2.56 ms");
});

test("measure: warm-up, then interleaved samples whose median is the per-call time", async () => {
  // Two paths on one clock: path B costs 5x path A per call.
  let t = 0;
  const order = [];
  const fa = (n) => {
    order.push("a");
    t += 0.02 * n;
  };
  const fb = (n) => {
    order.push("b");
    t += 0.1 * n;
  };
  const [ra, rb] = await measure([fa, fb], { now: () => t, samples: 7, warmupMs: 1, sampleMs: 10 });
  assert.equal(ra.samples, 7);
  assert.equal(rb.samples, 7);
  assert.equal(ra.batch, 500);
  assert.equal(rb.batch, 100);
  assert.ok(Math.abs(ra.medianMs - 0.02) < 1e-12 && Math.abs(rb.medianMs - 0.1) < 1e-12);
  // The 14 timed samples alternate a, b, a, b...
  assert.deepEqual(order.slice(-14), Array.from({ length: 14 }, (_, i) => (i % 2 ? "b" : "a")));
});

test("warmUp: runs until the per-call time stops improving, within its cap", async () => {
  // A path that gets faster as it runs (baseline code, then optimized): 1 ms per call for the
  // first 300 calls, then 0.5 for 100 calls, then 0.1 from call 400 on.
  let t = 0;
  let calls = 0;
  const fn = (n) => {
    for (let i = 0; i < n; i++, calls++) t += calls < 300 ? 1 : calls < 400 ? 0.5 : 0.1;
  };
  // The first 300 ms are flat (baseline code before any tier-up): the minimum warm-up covers them.
  const windows = await warmUp(fn, { now: () => t, warmupMs: 100, minWarmupMs: 400, maxWarmupMs: 10_000 });
  assert.ok(calls > 400 + 500, `stopped after ${calls} calls, before the fast code settled`);
  // Once fast, two flat windows of 50 ms (500 calls each) and no more.
  assert.ok(calls <= 400 + 3 * 500, `${calls} calls: kept going after the time settled`);
  assert.ok(windows >= 4);
  // A constant path stops after three windows (the first sets the best, two flat ones follow).
  let u = 0;
  assert.equal(await warmUp(() => (u += 1), { now: () => u, warmupMs: 10, maxWarmupMs: 10_000 }), 3);
  // The cap: a path that keeps getting faster stops at maxWarmupMs.
  let v = 0;
  let k = 0;
  const speeding = () => {
    v += 10 / (1 + k++);
  };
  await warmUp(speeding, { now: () => v, warmupMs: 10, maxWarmupMs: 200 });
  assert.ok(v < 200 + 50, `ran ${v} ms past a 200 ms cap`);
});

test("summarize: quartiles and extremes", () => {
  const s = summarize([5, 1, 4, 2, 3], 8);
  assert.deepEqual([s.minMs, s.q1Ms, s.medianMs, s.q3Ms, s.maxMs, s.batch, s.samples, s.sampleMs], [1, 2, 3, 4, 5, 8, 5, 24]);
});

test("peak loop: valid SIMD128 module computing the chains exactly", async () => {
  assert.equal(peak.FLOPS_PER_ITERATION, 12 * 4 * 4 * 2);
  assert.ok(peak.supported(), "this node has WebAssembly SIMD128");
  const f = await peak.peakFunction();
  for (const n of [0, 1, 7, 100]) assert.equal(f(n), peak.expectedPeak(n), `${n} iterations`);
  // Hand check of one chain link: 0.01 * 0.999 + 0.001.
  const fr = Math.fround;
  assert.equal(peak.expectedPeak(0), [...Array(12)].reduce((s, _, i) => fr(s + fr(0.01 * (i + 1))), 0));
  if (peak.supported({ relaxed: true })) {
    const g = await peak.peakFunction({ relaxed: true });
    assert.ok(Math.abs(g(100) - peak.expectedPeak(100)) < 1e-3);
  } else {
    // Without relaxed SIMD the module must be rejected (not silently accepted as something else).
    assert.equal(WebAssembly.validate(peak.peakModuleBytes({ relaxed: true })), false);
  }
});

test("layouts: CHW <-> HWC, OIHW -> HWIO, linear over CHW flatten -> kernel over HWC flatten", () => {
  // 2 channels, 1x2: CHW [a0 a1 | b0 b1] -> HWC [a0 b0 a1 b1]
  assert.deepEqual([...chwToHwc([1, 2, 3, 4], 2, 1, 2)], [1, 3, 2, 4]);
  assert.deepEqual([...hwcToChw([1, 3, 2, 4], 2, 1, 2)], [1, 2, 3, 4]);
  // w[o][i][y][x] with o=2, i=1, 1x2 kernel: [[[[1, 2]]], [[[3, 4]]]] -> HWIO [y][x][i][o]: [1 3 2 4]
  assert.deepEqual([...oihwToHwio([1, 2, 3, 4], 2, 1, 1, 2)], [1, 3, 2, 4]);
  assert.throws(() => oihwToHwio([1, 2, 3], 2, 1, 1, 2));
  // A linear layer on a CHW flatten equals the permuted kernel on the HWC flatten (random data).
  const [c, h, w, out] = [3, 2, 4, 5];
  const n = c * h * w;
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const wt = Float32Array.from({ length: out * n }, (_, i) => Math.cos(3 * i));
  const k = linearChwToHwcKernel(wt, out, c, h, w);
  const xh = chwToHwc(x, c, h, w);
  for (let o = 0; o < out; o++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      a += wt[o * n + i] * x[i];
      b += k[i * out + o] * xh[i];
    }
    assert.ok(Math.abs(a - b) < 1e-5, `output ${o}: ${a} vs ${b}`);
  }
  assert.deepEqual(maxAbsDiff([1, 2], [1.5, -3]), { diff: 5, scale: 3 });
  assert.ok(Number.isNaN(maxAbsDiff([NaN], [1]).diff));
});

test("TF.js padding for convlens's symmetric padding", () => {
  assert.equal(tfPadding([5, 5], [1, 1], [2, 2]), "same");
  assert.equal(tfPadding([3, 3], [2, 2], [0, 0]), "valid");
  assert.deepEqual(tfPadding([3, 3], [2, 2], [1, 1]), [[0, 0], [1, 1], [1, 1], [0, 0]]);
});

test("report: target verdicts", () => {
  const conv = (shape, ratio, gflops, flops) => ({
    kind: "conv2d", name: `${shape} s1 same`, shape, ratio, flops, mflop: flops / 1e6, check: "0",
    convlens: { medianMs: 1, gflops, samples: 50, batch: 1 }, tfjs: { medianMs: ratio, gflops: 1, samples: 50, batch: 1 },
  });
  const result = {
    cases: [
      conv("a", 1.2, 50, 10e6), conv("b", 0.9, 47, 20e6), conv("c", 1.5, 60, 30e6),
      { kind: "model", name: "m forward", ratio: 2.5, targetRatio: 2, check: "", convlens: { medianMs: 1, samples: 50, batch: 1 }, tfjs: { medianMs: 2.5, samples: 50, batch: 1 } },
    ],
  };
  const t = targets(result);
  assert.deepEqual(t.map((x) => x.met), [false, false, true]);
  assert.match(t[0].detail, /b s1 same 0\.90x/);
  assert.match(t[1].target, /\(c, b\)/);
  assert.match(markdown(result), /\| conv2d \| b s1 same \| 20 \|/);
});

test("report: the build that ran, the two builds side by side, one .wasm per first load", () => {
  const timing = (medianMs, gflops) => ({ medianMs, minMs: medianMs, gflops, samples: 15, batch: 1 });
  const result = {
    pkg: "pkg-relaxed",
    simdBackend: "simd128+relaxed",
    relaxedSimdSupported: true,
    peakReference: "f32x4.relaxed_madd",
    peak: [
      { name: "f32x4.mul + f32x4.add", supported: true, chains: 12, gflops: 43, bestGflops: 44 },
      { name: "f32x4.relaxed_madd", supported: true, chains: 12, gflops: 50, bestGflops: 51 },
    ],
    cases: [],
    builds: [{ name: "conv2d x", flops: 1e6, plain: timing(2, 0.5), relaxed: timing(1.6, 0.625), ratio: 1.25, ratioFastest: 1.2 }],
    page: { firstLoad: { files: [{ path: "/pkg-relaxed/convlens_bg.wasm", bytes: 400e3, gzip: 200e3 }, { path: "/x.js", bytes: 1e3, gzip: 500 }], bytes: 401e3, gzip: 200.5e3 } },
  };
  const md = markdown({ ...result, page: undefined });
  assert.match(md, /convlens build `pkg-relaxed\/`, SIMD backend `simd128\+relaxed` \(relaxed SIMD validates in this browser\)/);
  assert.match(md, /"% of peak" below is against the median of f32x4\.relaxed_madd/);
  assert.match(md, /\| conv2d x \| 2 \| 1\.6 \| 0\.5 \| 0\.625 \| 1\.25x \| 1\.20x \|/);
  const load = targets(result).find((x) => x.target.startsWith("first load"));
  assert.equal(load.met, true);
  assert.match(load.detail, /1 \.wasm \(one expected\)/);
  result.page.firstLoad.files.push({ path: "/pkg/convlens_bg.wasm", bytes: 400e3, gzip: 200e3 });
  assert.equal(targets(result).find((x) => x.target.startsWith("first load")).met, false, "two .wasm in one load");
});

test("docs/benchmarks.md: the run's date, machine and browser, then the report without a second machine line", () => {
  const timing = (medianMs, gflops) => ({ medianMs, minMs: medianMs, gflops, samples: 50, batch: 4 });
  const result = {
    date: "2031-02-03T04:05:06.789Z",
    browser: "Chromium 156.0.7000.1 (headless)",
    host: { cpus: 2, cpuModel: "Example CPU 9000 (family 25 model 1)", loadavgStart: [1.5, 1, 0.5], loadavgEnd: [2, 1.25, 0.75] },
    wallSeconds: 612.4,
    pkg: "pkg-relaxed",
    simdBackend: "simd128+relaxed",
    tfjs: { versions: { "@tensorflow/tfjs-core": "4.22.0" }, backend: "wasm", wasmFile: "tfjs-backend-wasm-simd.wasm", threads: 1 },
    cases: [
      { kind: "conv2d", name: "conv2d 28x28x1->8 s1 same", shape: "28x28x1->8", mflop: 0.9, flops: 0.9e6, ratio: 1.5, ratioFastest: 1.4, check: "1e-6",
        convlens: timing(0.02, 45), tfjs: timing(0.03, 30) },
    ],
  };
  const doc = benchmarksDoc(result);
  assert.match(doc, /^# Benchmarks\n/);
  assert.match(doc, /^- Date: 2031-02-03 \(2031-02-03T04:05:06\.789Z\)$/m);
  assert.match(doc, /^- Machine: Example CPU 9000 \(family 25 model 1\), 2 cores; load average 1\.50 1\.00 0\.50 at the start, 2\.00 1\.25 0\.75 at the end$/m);
  assert.match(doc, /^- Browser: Chromium 156\.0\.7000\.1 \(headless\)$/m);
  assert.match(doc, /^- Duration: 612 s$/m);
  // The report's table row, as bench-results/bench.md has it, below the run's facts.
  const row = "| conv2d | conv2d 28x28x1->8 s1 same | 0.9 | 0.02 | 0.03 | 45 | 30 | 1.50x | 1.40x | – | – | 50x4 / 50x4 | 1e-6 |";
  assert.ok(doc.includes(`## Results\n\nTF.js 4.22.0 on its \`wasm\` backend`), doc);
  assert.ok(doc.indexOf(row) > doc.indexOf("- Browser:"), "the table follows the run's facts");
  assert.ok(markdown(result).includes(row), "the same table as bench.md");
  // The machine is said once (the report's own "Measured ... on" line is left out).
  assert.doesNotMatch(doc, /Measured /);
  assert.match(markdown(result), /^Measured 2031-02-03T04:05:06\.789Z on Example CPU 9000/);
  // Nothing of how it came to be: no issue numbers in a document.
  assert.doesNotMatch(doc, /issue \d/i);
});

test("profile: self time per function, by side", () => {
  const frame = (functionName, url) => ({ functionName, url });
  const profile = {
    startTime: 0,
    endTime: 1000,
    nodes: [
      { id: 1, callFrame: frame("(root)", "") },
      { id: 2, callFrame: frame("$convlens::kernels::gemm::gemm_acc::h35cbf9adc916280a", "wasm://wasm/abc") },
      { id: 3, callFrame: frame("wasm-function[413]", "http://127.0.0.1/vendor/tfjs-backend-wasm-simd.wasm") },
      { id: 4, callFrame: frame("core::ptr::drop_in_place<x>", "wasm://wasm/abc") },
    ],
    // Samples at 0, 100, 400, 600 us, each lasting until the next: node 2 holds 100 + 300 us, node 3
    // 200 us, node 4 the last 400 us (to the end at 1000).
    samples: [2, 2, 3, 4],
    timeDeltas: [0, 100, 300, 200],
  };
  const s = selfTimes(profile);
  assert.equal(s.totalMs, 1);
  assert.deepEqual(s.functions.map((r) => [r.side, r.name, Math.round(r.selfMs * 1000)]), [
    ["convlens", "convlens::kernels::gemm::gemm_acc", 400],
    ["convlens", "core::ptr::drop_in_place<x>", 400],
    ["TF.js", "wasm-function[413]", 200],
  ]);
  assert.ok(Math.abs(s.sides.convlens - 0.8) < 1e-12 && Math.abs(s.sides["TF.js"] - 0.2) < 1e-12);
  assert.equal(cleanName("$a::b::h0123456789abcdef"), "a::b");
  assert.equal(side(frame("runKernel", "http://x/vendor/tfjs.js")), "TF.js");
  assert.equal(side(frame("measure", "http://x/js/bench-timing.js")), "other");
  assert.match(profileMarkdown([{ title: "t", summary: s }]), /\| convlens \| `convlens::kernels::gemm::gemm_acc` \| 0\.4 \| 40\.0% \|/);
});

// The same network and the same numbers: convlens's ModelBench/ConvBench against the TF.js graph
// built by tf-model.js (TF.js CPU backend in node; the page checks its wasm backend the same way).
const pkgWasm = path.join(ROOT, "bench/pkg/convlens_bg.wasm");
const tfDeps = path.join(ROOT, "tools/bench/node_modules/@tensorflow/tfjs-core");
const ready = existsSync(pkgWasm) && existsSync(tfDeps);

/** TF.js (CPU backend, with gradients) bundled for node into `dir`, and convlens's bench build. */
async function loadBoth(dir) {
  // tfjs-core's gradients are not in its prebuilt bundles: bundle the ESM sources for node.
  const tf = await tfForNode(dir, {
    stdin: {
      contents: 'export * from "@tensorflow/tfjs-core"; import "@tensorflow/tfjs-core/dist/register_all_gradients"; import "@tensorflow/tfjs-backend-cpu/dist/base"; import "@tensorflow/tfjs-backend-cpu/dist/register_all_kernels";',
      resolveDir: path.join(ROOT, "tools/bench"),
    },
  });
  await tf.setBackend("cpu");
  const cl = await import(pathToFileURL(path.join(ROOT, "bench/pkg/convlens.js")).href);
  await cl.default({ module_or_path: await readFile(pkgWasm) });
  return { tf, cl };
}
test("convlens and TF.js agree on the digits model and a stride-2 conv", { skip: !ready && "needs the bench build (./build.sh test or bench) and tools/bench's npm ci (./build.sh setup)" }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "convlens-tf-"));
  try {
    const { tf, cl } = await loadBoth(dir);

    const ex = cl.Explorer.builtin("digits");
    const summary = ex.summary();
    const raw = Float32Array.from({ length: 784 }, (_, i) => 0.5 + 0.45 * Math.sin(0.37 * i * i));
    const mb = new cl.ModelBench("digits", raw, 3);
    const net = buildTfModel(tf, summary, (i) => ex.parameters(i), mb.inputMean(), mb.inputStd());
    const x = tf.tensor4d(raw, net.shape);
    const { logits, probabilities } = net.forward(x);
    const tol = (a, b) => {
      const { diff, scale } = maxAbsDiff(a, b);
      assert.ok(diff <= 1e-4 * (1 + scale), `max |diff| ${diff} (max |value| ${scale})`);
    };
    tol(mb.layerOutput(mb.scoreLayer()), logits.dataSync());
    tol(mb.layerOutput(summary.layers.length - 1), probabilities.dataSync());
    const seed = tf.cast(tf.oneHot(tf.tensor1d([3], "int32"), 10), "float32");
    const g = tf.grad((t) => tf.sum(tf.mul(net.scores(t), seed)))(x);
    mb.forwardGradient(1);
    tol(mb.gradient(), g.dataSync());
    // A layout mistake would not pass: a wrong class's gradient differs.
    const other = tf.grad((t) => tf.sum(tf.mul(net.scores(t), tf.cast(tf.oneHot(tf.tensor1d([5], "int32"), 10), "float32"))))(x);
    assert.ok(maxAbsDiff(mb.gradient(), other.dataSync()).diff > 1e-2);

    // Stride 2 "same" in convlens (pad 1 each side) = TF.js with that explicit padding.
    const cb = new cl.ConvBench(3, 10, 10, 4, 3, 2, 1);
    const [oh, ow] = cb.outputSize();
    cb.fast(1);
    const y = tf.conv2d(tf.tensor4d(chwToHwc(cb.input(), 3, 10, 10), [1, 10, 10, 3]), tf.tensor4d(oihwToHwio(cb.weight(), 4, 3, 3, 3), [3, 3, 3, 4]), 2, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    tol(cb.output(), hwcToChw(tf.add(y, tf.tensor1d(cb.bias())).dataSync(), 4, oh, ow));
    cb.pool(1);
    tol(cb.pooled(), hwcToChw(tf.maxPool(tf.add(y, tf.tensor1d(cb.bias())), 2, 2, "valid").dataSync(), 4, oh >> 1, ow >> 1));
    cb.free();
    mb.free();
    ex.free();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// MobileNetV2 rebuilt in TF.js from the model file by tf-graph.js (batch norm folded, activations
// fused, depthwise convs) gives the engine's logits: the benchmark compares the same network.
const mobilenet = path.join(ROOT, "www/models/mobilenet_v2.safetensors");
test("convlens and TF.js (tf-graph.js) agree on MobileNetV2", { skip: !(ready && existsSync(mobilenet)) && "needs the bench build, ./build.sh models and tools/bench's npm ci", timeout: 300_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "convlens-tf-"));
  try {
    const { tf, cl } = await loadBoth(dir);
    const bytes = new Uint8Array(await readFile(mobilenet));
    const ex = cl.Explorer.fromBytes(bytes);
    const net = buildTfGraph(tf, bytes);
    const summary = ex.summary();
    const logitsAt = summary.layers.findIndex((l) => l.name === net.logitsLayer);
    assert.equal(net.logitsLayer, "classifier.1");
    const raw = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => 0.5 + 0.45 * Math.sin(0.37 * i * i));
    ex.run(raw);
    const { logits, probabilities } = net.forward(tf.tensor4d(chwToHwc(raw, 3, 224, 224), net.shape));
    const { diff, scale } = maxAbsDiff(ex.activation(logitsAt), logits.dataSync());
    assert.ok(scale > 1 && diff <= 1e-3 * scale, `logits: max |diff| ${diff} (max |value| ${scale})`);
    assert.ok(maxAbsDiff(ex.activation(summary.layers.length - 1), probabilities.dataSync()).diff < 1e-4);
    net.dispose();
    ex.free();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("tf-graph.js reads IEEE half floats", () => {
  assert.equal(half(0x3c00), 1);
  assert.equal(half(0xc000), -2);
  assert.equal(half(0x3555), 0.333251953125);
  assert.equal(half(0x7bff), 65504);
  assert.equal(half(0x0001), 2 ** -24); // the smallest subnormal
  assert.equal(half(0x7c00), Infinity);
  assert.ok(Number.isNaN(half(0x7e00)));
});
