// Side-by-side benchmark: convlens against TensorFlow.js 4.22 on its WebAssembly backend (XNNPACK,
// non-threaded SIMD build, one thread), the same work in the same page run:
//   - conv2d 3x3 (bias), batch 1, float32, padding "same"/"valid", stride 1/2, on six shapes;
//   - max pooling 2x2 stride 2 on each of those outputs;
//   - the digits model: forward, and forward + gradient of the class-3 logit w.r.t. the input;
//   - the SIMD128 peak of this browser: 12 independent f32x4 multiply-add chains (mul + add, and
//     relaxed_madd);
//   - convlens's two builds against each other (plain SIMD128 vs relaxed SIMD, two instances in this
//     page): the two largest conv shapes, the digits model, one maximization step.
// convlens runs the build the explorer would load in this browser (www/js/engine/start.js decides: relaxed
// SIMD where it validates), from the bench build (bench/pkg/, bench/pkg-relaxed/: the same crate with
// the cargo feature `bench`, whose wasm also exports ConvBench and ModelBench); the report names it.
// Before timing, every case checks that both sides compute the same numbers (max |diff| recorded;
// the run fails if they disagree). Timing: bench/js/bench-timing.js (warm-up, ~10 ms batches, median
// of >= 50 samples, the two sides' samples interleaved). Result on window.benchResult.
//
//   - MobileNetV2 (ImageNet, www/models/): forward side by side, one maximization step (bench-mobilenet.js);
// URL parameters (for quick checks): ?samples=N (default 50), ?only=conv|model|peak|explain|builds|mobilenet
// (comma list), ?convlens-wasm=plain|relaxed (force a build, as on the explorer's pages),
// ?pkg=pkg-profiling (the build with function names), ?profile=1 (console.profile around each
// side-by-side case, for the DevTools protocol's profiler: BENCH_PROFILE=1 in e2e/bench.mjs).
import { DEFAULTS, measure } from "./bench-timing.js";
import * as peak from "./peak.js";
// The explorer's own choice of build; "?detect-only": this instance starts no worker or compile.
import { BUILDS, relaxedSimdSupported, wasmBuild } from "../../js/engine/start.js?detect-only";
import { chwToHwc, hwcToChw, maxAbsDiff, oihwToHwio } from "./tf-layout.js";
import { buildTfModel } from "./tf-model.js";
import { mobilenetCases } from "./bench-mobilenet.js";
import { addNote, addRow, finish, now, pause, runPage, status } from "./page.js";

/** [H, W, Cin, Cout], all 3x3 (the list). */
export const SHAPES = [
  [28, 28, 1, 8],
  [28, 28, 8, 16],
  [14, 14, 16, 32],
  [32, 32, 3, 16],
  [64, 64, 16, 32],
  [112, 112, 32, 64],
];
const K = 3;
const MODEL = "digits";
const CLASS = 3; // the gradient is taken of this class's logit (as a maximization of class 3 does)

const params = new URLSearchParams(location.search);
const PROFILING = params.get("pkg") === "pkg-profiling";
const BUILD = wasmBuild();
const PKG = PROFILING ? "pkg-profiling" : BUILD.dir;
const PROFILE = params.get("profile") === "1";
// The product (www/), served at ../../ from here on the same origin: its data files.
const WWW = new URL("../../", import.meta.url);
/** A build's .wasm in the bench build (../pkg/, ../pkg-relaxed/), not the product's. */
const benchWasmUrl = (build) => new URL(`../${build.dir}/convlens_bg.wasm`, import.meta.url);
// The convlens module (the bench build's glue ../pkg/convlens.js with BUILD's .wasm, or ../pkg-profiling), loaded by main().
let ConvBench, Explorer, ModelBench, simdBackend;
const SAMPLES = Math.max(1, Number(params.get("samples") ?? DEFAULTS.samples));
const ONLY = params.get("only")?.split(",") ?? ["peak", "conv", "model", "builds", "explain", "mobilenet"];
const timing = { now, pause, samples: SAMPLES };

function fmt(x, digits = 3) {
  if (x == null) return "–";
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  return Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(digits)).toString();
}

function addResultRow(r, peakGflops) {
  addRow("bench-table", [
    r.kind,
    r.name,
    r.mflop == null ? "–" : fmt(r.mflop),
    fmt(r.convlens.medianMs),
    fmt(r.tfjs.medianMs),
    fmt(r.convlens.gflops),
    fmt(r.tfjs.gflops),
    `${r.ratio.toFixed(2)}×`,
    r.convlens.gflops == null ? "–" : `${Math.round((100 * r.convlens.gflops) / peakGflops)}%`,
    `${r.convlens.samples}×${r.convlens.batch} / ${r.tfjs.samples}×${r.tfjs.batch}`,
    r.check,
  ]);
}

/** Throws unless `a` and `b` agree within `tol(scale)`; returns the recorded comparison. */
function agree(what, a, b, tol) {
  const { diff, scale } = maxAbsDiff(a, b);
  const limit = tol(scale);
  if (!(diff <= limit)) {
    throw new Error(`${what}: convlens and TF.js disagree (max |diff| ${diff} > tolerance ${limit.toExponential(2)}, max |value| ${scale})`);
  }
  return { maxAbsDiff: diff, maxAbs: scale, tolerance: limit };
}

/** Times convlens and TF.js side by side; GFLOP/s from `flops` when given. */
async function timePair(label, convlensFn, tfFn, flops) {
  status(`timing ${label}…`);
  if (PROFILE) console.profile(label);
  const [c, t] = await measure([convlensFn, tfFn], timing);
  if (PROFILE) console.profileEnd(label);
  const gflops = (m) => (flops ? flops / (m.medianMs * 1e6) : null);
  return {
    convlens: { ...c, gflops: gflops(c) },
    tfjs: { ...t, gflops: gflops(t) },
    ratio: t.medianMs / c.medianMs,
    // The fastest samples' ratio: on a loaded machine the least disturbed samples, a cross-check.
    ratioFastest: t.minMs / c.minMs,
  };
}

async function loadTf() {
  status("loading TensorFlow.js…");
  let tf;
  try {
    tf = await import("../vendor/tfjs.js");
  } catch (e) {
    throw new Error(`bench/vendor/tfjs.js is missing (./build.sh bench bundles it): ${e.message}`, { cause: e });
  }
  // The non-threaded SIMD build, one thread: no threaded build (it would need cross-origin isolation
  // and is not even served), and XNNPACK without a thread pool.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  tf.setWasmPaths(new URL("../vendor/", import.meta.url).href);
  tf.setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js: the wasm backend failed to initialize");
  await tf.ready();
  if (!(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"))) throw new Error("TF.js: no WebAssembly SIMD support detected");
  const wasmFiles = performance
    .getEntriesByType("resource")
    .map((e) => new URL(e.name).pathname.split("/").pop())
    .filter((n) => n.startsWith("tfjs-backend-wasm"));
  if (wasmFiles.length !== 1 || wasmFiles[0] !== "tfjs-backend-wasm-simd.wasm") {
    throw new Error(`TF.js loaded ${wasmFiles.join(", ") || "no wasm file"}, not tfjs-backend-wasm-simd.wasm alone`);
  }
  const versions = await (await fetch(new URL("../vendor/versions.json", import.meta.url))).json();
  return { tf, info: { backend: tf.getBackend(), wasmFile: wasmFiles[0], threads: tf.getThreadsCount(), versions } };
}

async function peakCases() {
  const rows = [];
  for (const relaxed of [false, true]) {
    const name = relaxed ? "f32x4.relaxed_madd" : "f32x4.mul + f32x4.add";
    if (!peak.supported({ relaxed })) {
      rows.push({ name, supported: false });
      continue;
    }
    status(`peak: ${name}…`);
    const f = await peak.peakFunction({ relaxed });
    const iterations = 1000;
    // Correct result first (relaxed: fused or not, both allowed, so only a loose check).
    const got = f(iterations);
    const want = peak.expectedPeak(iterations);
    if (relaxed ? Math.abs(got - want) > 1e-3 : got !== want) throw new Error(`peak loop (${name}) returned ${got}, expected ${want}`);
    const [m] = await measure([(n) => { for (let i = 0; i < n; i++) f(iterations); }], timing);
    const flops = iterations * peak.FLOPS_PER_ITERATION;
    rows.push({
      name, supported: true, chains: peak.CHAINS, iterationsPerCall: iterations, ...m,
      gflops: flops / (m.medianMs * 1e6),
      bestGflops: flops / (m.minMs * 1e6),
    });
  }
  return rows;
}

async function convCases(tf, peakGflops) {
  const rows = [];
  for (const [h, w, cin, cout] of SHAPES) {
    for (const stride of [1, 2]) {
      for (const padding of ["same", "valid"]) {
        const shape = `${h}x${w}x${cin}->${cout}`;
        const label = `${shape} s${stride} ${padding}`;
        status(`conv2d ${label}…`);
        await pause();
        // convlens pads symmetrically: "same" is pad 1 (same output size and FLOPs as TF's "same",
        // which pads only bottom/right when stride 2 and the size is even).
        const pad = padding === "same" ? 1 : 0;
        const asymmetric = padding === "same" && stride === 2;
        const cb = new ConvBench(cin, h, w, cout, K, stride, pad);
        const owned = [];
        const keep = (t) => (owned.push(t), t);
        try {
          const [oh, ow] = cb.outputSize();
          const x = keep(tf.tensor4d(chwToHwc(cb.input(), cin, h, w), [1, h, w, cin]));
          const filter = keep(tf.tensor4d(oihwToHwio(cb.weight(), cout, cin, K, K), [K, K, cin, cout]));
          const bias = keep(tf.tensor1d(cb.bias()));
          const conv = (p) => tf.fused.conv2d({ x, filter, bias, strides: stride, pad: p });
          const y = keep(conv(padding));
          if (y.shape[1] !== oh || y.shape[2] !== ow) {
            throw new Error(`${label}: output ${oh}x${ow} in convlens, ${y.shape[1]}x${y.shape[2]} in TF.js`);
          }
          // Compare where the arithmetic is identical: with TF's own padding, or with the explicit
          // symmetric padding convlens uses when TF's "same" is asymmetric.
          const yCheck = asymmetric ? keep(conv([[0, 0], [1, 1], [1, 1], [0, 0]])) : y;
          cb.fast(1);
          cb.pool(1);
          const tol = (scale) => 1e-5 * Math.sqrt(cin * K * K) * (1 + scale);
          const convCheck = agree(`conv2d ${label}`, cb.output(), hwcToChw(yCheck.dataSync(), cout, oh, ow), tol);
          const pooledCheck = keep(tf.maxPool(yCheck, 2, 2, "valid"));
          const [ph, pw] = [pooledCheck.shape[1], pooledCheck.shape[2]];
          const poolCheck = agree(`maxpool ${label}`, cb.pooled(), hwcToChw(pooledCheck.dataSync(), cout, ph, pw), tol);
          const flops = cb.flops();
          const before = tf.memory().numTensors;
          const convRow = {
            kind: "conv2d",
            name: label,
            shape,
            stride,
            padding,
            convlensPadding: asymmetric ? "1 (symmetric; TF.js pads 0 top/left, 1 bottom/right)" : String(pad),
            output: [oh, ow, cout],
            flops,
            mflop: flops / 1e6,
            ...(await timePair(
              `conv2d ${label}`,
              (n) => cb.fast(n),
              (n) => { for (let i = 0; i < n; i++) conv(padding).dispose(); },
              flops,
            )),
            check: `${convCheck.maxAbsDiff.toExponential(1)}${asymmetric ? " (sym. pad)" : ""}`,
            agreement: convCheck,
          };
          const poolRow = {
            kind: "maxpool 2x2/2",
            name: `${label} -> ${ph}x${pw}x${cout}`,
            shape,
            stride,
            padding,
            output: [ph, pw, cout],
            flops: null,
            mflop: null,
            ...(await timePair(`maxpool ${label}`, (n) => cb.pool(n), (n) => { for (let i = 0; i < n; i++) tf.maxPool(y, 2, 2, "valid").dispose(); }, null)),
            check: poolCheck.maxAbsDiff.toExponential(1),
            agreement: poolCheck,
          };
          if (tf.memory().numTensors !== before) throw new Error(`${label}: the TF.js timing loop leaks tensors`);
          for (const r of [convRow, poolRow]) {
            if (r.convlens.gflops != null) {
              r.convlens.fractionOfPeak = r.convlens.gflops / peakGflops;
              r.tfjs.fractionOfPeak = r.tfjs.gflops / peakGflops;
            }
            rows.push(r);
            addResultRow(r, peakGflops);
          }
        } finally {
          owned.forEach((t) => t.dispose());
          cb.free();
        }
      }
    }
  }
  return rows;
}

async function firstTestImage() {
  const bytes = new Uint8Array(await (await fetch(new URL("data/digits-test500-images.idx", WWW))).arrayBuffer());
  const images = new Float32Array(bytes.length - 16);
  for (let i = 0; i < images.length; i++) images[i] = bytes[16 + i] / 255;
  return images;
}

/**
 * The digit with a small seeded dither, `0.96 * x + 0.02 + 0.02 * u` (u uniform in [0, 1), still in
 * [0, 1]): a flat background or a saturated stroke makes equal values in a max-pool window, where
 * TF.js-wasm's MaxPoolGrad routes the gradient to the last maximum and convlens to the first (both
 * valid subgradients, different numbers); dithered, the windows have one maximum and the gradients
 * must agree exactly up to rounding. (TF.js-wasm 4.22's MaxPoolGrad also drops the gradient of a
 * window whose values are all <= 0, unlike its CPU backend; after a relu that changes nothing, as
 * the relu's own gradient is 0 there.)
 */
export function dither(image, seed = 1) {
  let s = seed >>> 0;
  const next = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float32Array.from(image, (v) => 0.96 * v + 0.02 + 0.02 * next());
}

async function modelCases(tf, peakGflops) {
  status(`${MODEL} model…`);
  const ex = Explorer.builtin(MODEL);
  const images = await firstTestImage();
  const summary = ex.summary();
  const { channels: c, height: h, width: w } = summary.input;
  const raw = dither(images.subarray(0, c * h * w));
  const mb = new ModelBench(MODEL, raw, CLASS);
  const net = buildTfModel(tf, summary, (i) => ex.parameters(i), mb.inputMean(), mb.inputStd());
  const x = tf.tensor4d(chwToHwc(raw, c, h, w), net.shape);
  const seed = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([CLASS], "int32"), summary.labels.length), "float32"));
  const score = (input) => tf.sum(tf.mul(net.scores(input), seed));
  const grad = tf.grad(score);
  const rows = [];
  try {
    // Same numbers: logits, probabilities, and the input gradient of the class-3 logit.
    const scoreLayer = mb.scoreLayer();
    const last = summary.layers.length - 1;
    const { logits, probabilities } = net.forward(x);
    const tol = (scale) => 1e-4 * (1 + scale);
    const checks = {
      logits: agree("digits logits", mb.layerOutput(scoreLayer), logits.dataSync(), tol),
      probabilities: agree("digits probabilities", mb.layerOutput(last), probabilities.dataSync(), tol),
      unfusedLogits: agree("digits logits (unfused TF.js graph)", mb.layerOutput(scoreLayer), net.scores(x).dataSync(), tol),
    };
    mb.forwardGradient(1);
    checks.inputGradient = agree("digits input gradient", mb.gradient(), hwcToChw(grad(x).dataSync(), c, h, w), tol);
    tf.dispose([logits, probabilities]);
    const before = tf.memory().numTensors;
    const fwdFlops = mb.flops(false);
    const gradFlops = mb.flops(true);
    const forward = {
      kind: "model",
      name: `${MODEL}: forward (logits + softmax)`,
      flops: fwdFlops,
      mflop: fwdFlops / 1e6,
      ...(await timePair(
        `${MODEL} forward`,
        (n) => mb.forward(n),
        (n) => { for (let i = 0; i < n; i++) tf.dispose(tf.tidy(() => Object.values(net.forward(x)))); },
        fwdFlops,
      )),
      check: `logits ${checks.logits.maxAbsDiff.toExponential(1)}, probs ${checks.probabilities.maxAbsDiff.toExponential(1)}`,
      agreement: { logits: checks.logits, probabilities: checks.probabilities, unfusedLogits: checks.unfusedLogits },
      targetRatio: 2,
    };
    const backward = {
      kind: "model",
      name: `${MODEL}: forward + input gradient (logit ${CLASS})`,
      flops: gradFlops,
      mflop: gradFlops / 1e6,
      ...(await timePair(
        `${MODEL} forward + input gradient`,
        (n) => mb.forwardGradient(n),
        (n) => { for (let i = 0; i < n; i++) tf.tidy(() => grad(x)).dispose(); },
        gradFlops,
      )),
      check: `gradient ${checks.inputGradient.maxAbsDiff.toExponential(1)}`,
      agreement: { inputGradient: checks.inputGradient },
      targetRatio: 5,
    };
    if (tf.memory().numTensors !== before) throw new Error("digits: the TF.js timing loop leaks tensors");
    for (const r of [forward, backward]) {
      r.convlens.fractionOfPeak = r.convlens.gflops / peakGflops;
      r.tfjs.fractionOfPeak = r.tfjs.gflops / peakGflops;
      rows.push(r);
      addResultRow(r, peakGflops);
    }
  } finally {
    tf.dispose([x, seed]);
    net.dispose();
    mb.free();
    ex.free();
  }
  return rows;
}

/**
 * The explaining tools on the digits model, each against its target (issue 5): one maximization step
 * (forward plus input gradient plus regularizers), 256 steps, Grad-CAM, and statistics over the
 * 500-image evaluation sample. convlens only.
 */
async function explainCases() {
  const ex = Explorer.builtin("digits");
  const rows = [];
  try {
    const bytes = new Uint8Array(await (await fetch(new URL("data/digits-test500-images.idx", WWW))).arrayBuffer());
    const count = (bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7];
    const images = await firstTestImage();
    ex.run(images.subarray(0, 784));
    const m = ex.maximizer({ layer: 8, unit: 3 });
    const cases = [
      // advance(n): the steps alone, as the live view runs them (step(n) adds one forward pass per call).
      ["maximization step (forward + input gradient + regularizers)", 0.15, (n) => m.advance(n)],
      ["forward + input gradient only", 0.15, (n) => { for (let i = 0; i < n; i++) ex.attribute({ method: "gradient" }); }],
      ["256 maximization steps with regularizers", 60, (n) => { for (let i = 0; i < n; i++) ex.maximize({ layer: 8, unit: 3, steps: 256 }); }],
      ["Grad-CAM (last conv layer)", 1, (n) => { for (let i = 0; i < n; i++) ex.attribute({ method: "gradcam" }); }],
      [`statistics over ${count} inputs`, 100, (n) => { for (let i = 0; i < n; i++) ex.statistics(images, count); }],
    ];
    for (const [name, targetMs, fn] of cases) {
      status(`running ${name}…`);
      await pause();
      const [r] = await measure([fn], timing);
      rows.push({ name, targetMs, medianMs: r.medianMs, samples: r.samples, batch: r.batch, met: r.medianMs <= targetMs });
    }
    m.free();
  } finally {
    ex.free();
  }
  return rows;
}

/**
 * The two builds against each other: a second instance of convlens (the same glue from
 * ../pkg-relaxed/, so a separate module, with the other .wasm) timed interleaved with the main one
 * on the two largest conv shapes, the digits model and one maximization step. `ratio` = plain time /
 * relaxed time (above 1: the relaxed build is faster).
 */
async function buildCases(main) {
  if (!relaxedSimdSupported()) return [];
  status("loading the other build…");
  const other = await import("../pkg-relaxed/convlens.js");
  const otherBuild = BUILD === BUILDS.relaxed ? BUILDS.plain : BUILDS.relaxed;
  await other.default({ module_or_path: benchWasmUrl(otherBuild) });
  if (other.simdBackend() !== otherBuild.name) throw new Error(`the ${otherBuild.dir} instance reports ${other.simdBackend()}`);
  const inst = BUILD === BUILDS.relaxed ? { relaxed: main, plain: other } : { relaxed: other, plain: main };
  const images = await firstTestImage();
  const raw = dither(images.subarray(0, 784));
  const rows = [];
  const owned = [];
  const both = (make) => {
    const o = { plain: make(inst.plain), relaxed: make(inst.relaxed) };
    owned.push(o.plain, o.relaxed);
    return o;
  };
  try {
    const cases = [];
    for (const [h, w, cin, cout] of SHAPES.slice(-2)) {
      const cb = both((m) => new m.ConvBench(cin, h, w, cout, K, 1, 1));
      cases.push([`conv2d ${h}x${w}x${cin}->${cout} s1 same`, cb.plain.flops(), (c) => (n) => c.fast(n), cb]);
    }
    const mb = both((m) => new m.ModelBench(MODEL, raw, CLASS));
    cases.push([`${MODEL}: forward`, mb.plain.flops(false), (c) => (n) => c.forward(n), mb]);
    cases.push([`${MODEL}: forward + input gradient`, mb.plain.flops(true), (c) => (n) => c.forwardGradient(n), mb]);
    const ex = both((m) => {
      const e = m.Explorer.builtin(MODEL);
      e.run(images.subarray(0, 784));
      return e;
    });
    const mx = both((m) => (m === inst.plain ? ex.plain : ex.relaxed).maximizer({ layer: 8, unit: CLASS }));
    cases.push(["maximization step (forward + input gradient + regularizers)", null, (c) => (n) => c.advance(n), mx]);
    for (const [name, flops, fn, objs] of cases) {
      status(`plain vs relaxed build: ${name}…`);
      await pause();
      const [p, r] = await measure([fn(objs.plain), fn(objs.relaxed)], timing);
      const gflops = (m) => (flops ? flops / (m.medianMs * 1e6) : null);
      rows.push({
        name,
        flops,
        plain: { ...p, gflops: gflops(p) },
        relaxed: { ...r, gflops: gflops(r) },
        ratio: p.medianMs / r.medianMs,
        ratioFastest: p.minMs / r.minMs,
      });
    }
  } finally {
    for (const o of owned.reverse()) o.free();
  }
  return rows;
}

async function main() {
  const convlens = PROFILING ? await import("../pkg-profiling/convlens.js") : await import("../pkg/convlens.js");
  await convlens.default(PROFILING ? undefined : { module_or_path: benchWasmUrl(BUILD) });
  ({ ConvBench, Explorer, ModelBench, simdBackend } = convlens);
  if (!PROFILING && simdBackend() !== BUILD.name) throw new Error(`loaded ${BUILD.dir} but the engine reports ${simdBackend()}`);
  const started = now();
  const { tf, info } = await loadTf();
  const result = {
    date: new Date().toISOString(),
    pkg: PKG,
    build: BUILD.name,
    relaxedSimdSupported: relaxedSimdSupported(),
    profiled: PROFILE,
    simdBackend: simdBackend(),
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: self.crossOriginIsolated,
    tfjs: info,
    method: {
      sampleMs: DEFAULTS.sampleMs,
      samples: SAMPLES,
      warmupMs: DEFAULTS.warmupMs,
      statistic:
        "median per-call time over timed samples after warm-up; each sample is a batch of calls lasting about " +
        `${DEFAULTS.sampleMs} ms (one call when a call is longer); convlens and TF.js samples alternate`,
      ratio: "TF.js median time / convlens median time (above 1: convlens is faster)",
      gradientTarget: `logit of class ${CLASS} (the maximization target {layer: 8, unit: ${CLASS}} of the explorer)`,
    },
    peak: [],
    cases: [],
    notes: [],
  };
  const note = (text) => addNote(text, result);
  note(`convlens: build ${PKG}/ (SIMD backend ${result.simdBackend}; relaxed SIMD ${result.relaxedSimdSupported ? "validates" : "does not validate"} ` +
    `in this browser). TF.js ${info.versions["@tensorflow/tfjs-core"]}, backend ${info.backend} ` +
    `(${info.wasmFile}, ${info.threads} thread${info.threads === 1 ? "" : "s"}).`);
  note(`Each sample times a batch of calls lasting about ${DEFAULTS.sampleMs} ms; times are medians per call over ${SAMPLES} samples after warm-up.`);
  if (ONLY.includes("peak")) {
    result.peak = await peakCases();
    for (const p of result.peak) {
      note(p.supported
        ? `SIMD128 peak (${p.name}, ${p.chains} chains): ${fmt(p.gflops)} GFLOP/s median, ${fmt(p.bestGflops)} in the fastest sample.`
        : `${p.name}: not supported by this browser.`);
    }
  }
  // "% of peak": against the relaxed_madd peak for the relaxed build, the mul + add one otherwise.
  const relaxedBuild = result.simdBackend.includes("relaxed");
  const reference = result.peak.find((p) => p.supported && p.name.includes("relaxed") === relaxedBuild);
  result.peakReference = reference?.name ?? null;
  const peakGflops = reference?.gflops ?? NaN;
  if (ONLY.includes("conv")) result.cases.push(...(await convCases(tf, peakGflops)));
  if (ONLY.includes("model")) result.cases.push(...(await modelCases(tf, peakGflops)));
  if (ONLY.includes("peak") && ONLY.length > 1) {
    // Again at the end: how much the machine's load moved during the run.
    result.peakEnd = await peakCases();
    for (const p of result.peakEnd.filter((p) => p.supported)) note(`SIMD128 peak again at the end of the run (${p.name}): ${fmt(p.gflops)} GFLOP/s median.`);
  }
  if (ONLY.includes("builds")) {
    result.builds = await buildCases(convlens);
    for (const r of result.builds) {
      addNote(`plain vs relaxed build, ${r.name}: ${fmt(r.plain.medianMs)} vs ${fmt(r.relaxed.medianMs)} ms (${r.ratio.toFixed(2)}x)` +
        (r.flops ? `, ${fmt(r.plain.gflops)} vs ${fmt(r.relaxed.gflops)} GFLOP/s.` : "."));
    }
  }
  if (ONLY.includes("explain")) result.explain = await explainCases();
  if (ONLY.includes("mobilenet")) {
    const m = await mobilenetCases({ tf, Explorer, timePair, agree, measure, timing, status });
    if (m) {
      for (const r of m.rows) {
        r.convlens.fractionOfPeak = r.convlens.gflops / peakGflops;
        r.tfjs.fractionOfPeak = r.tfjs.gflops / peakGflops;
        addResultRow(r, peakGflops);
      }
      result.cases.push(...m.rows);
      result.explain = [...(result.explain ?? []), ...m.explain];
    } else {
      note("MobileNetV2: models/mobilenet_v2.safetensors is missing (./build.sh models makes it); its cases were skipped.");
    }
  }
  for (const r of result.explain ?? []) addNote(`${r.name}: ${fmt(r.medianMs)} ms (target ${r.targetMs} ms: ${r.met ? "met" : "NOT met"}).`);
  finish(result, started);
}

runPage(main, "Benchmark");
