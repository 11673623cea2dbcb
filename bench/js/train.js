// The training benchmark page (bench/train.html): convlens's Trainer, TF.js on its plain-JS cpu
// backend and ConvNetJS side by side in this page (bench/js/train-peers.js), each training the builtin
// digits and fashion architectures (their files' `convlens` metadata) on the same first `examples`
// real training images, batch 64, Adam lr 1e-3; warm-up untimed, then `rounds` rounds in which each
// trainer in turn trains for `seconds` of step time (so a change in machine load hits all alike).
// Then the quality run: convlens from scratch on the digits architecture, evaluated on the full
// 10,000-image MNIST test set at checkpoints (evaluation off the training clock), up to
// `quality-seconds`. Each trainer runs and reports on its own: one that cannot load (a missing bundle
// or a build without `Trainer`) is "not available", one whose step throws is reported with its error.
// Result on window.benchResult; done flag body.dataset.done; status in #bench-status (the runner,
// e2e/bench-train.mjs, watches these as e2e/bench.mjs does on the inference page).
//
// URL parameters: ?datasets=digits,fashion  ?peers=convlens,tfjs,convnetjs  ?seconds=4 (per round
// per trainer)  ?rounds=2  ?warmup=3 (untimed steps, and at least warmup-ms=1500 of step time)
// ?min-steps=3  ?examples=12000  ?data=cache|sample (cache: the official training files; sample: the
// product's 500 test images, for quick checks without .cache/data)  ?quality=1|0
// ?quality-seconds=120  ?quality-data=page|cache|sample (what the from-scratch run trains on; default
// page: the page's own 12,000-image training set, as the explorer trains; sample when data=sample;
// always evaluated on the test set of ?data)  ?quality-examples=N (default: all of that set)
// ?convlens-wasm=plain|relaxed (as on the explorer's pages)  ?seed=0
import { relaxedSimdSupported, wasmBuild } from "../../js/engine/start.js?detect-only";
import { architecture, dataset } from "./train-data.js";
import { ADAM, BATCH, createConvlens, createConvnetjs, createTfjs, Unavailable } from "./train-peers.js";
import { accuracyCurve, peerState, summarizeSteps, timedWindow, warmUp } from "./train-timing.js";
import { addNote, addRow, finish, now, pause, runPage, status } from "./page.js";

const params = new URLSearchParams(location.search);
const num = (k, d) => {
  const v = params.get(k);
  if (v == null) return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`?${k}=${v}: not a number >= 0`);
  return n;
};
const list = (k, d, allowed) => {
  const v = params.get(k)?.split(",").filter(Boolean) ?? d;
  for (const x of v) if (!allowed.includes(x)) throw new Error(`?${k}: '${x}' is not one of ${allowed.join(", ")}`);
  return v;
};
const PEERS = { convlens: "convlens Trainer", tfjs: "TF.js (cpu backend)", convnetjs: "ConvNetJS" };

function fmt(x, digits = 3) {
  if (x == null || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(digits)).toString();
}

/** Each library, loaded on its own: {module, info} or {unavailable: reason}. */
async function loadLibraries(which, build) {
  const libs = {};
  if (which.includes("convlens")) {
    try {
      const m = await import("../pkg/convlens.js");
      await m.default({ module_or_path: new URL(`../${build.dir}/convlens_bg.wasm`, import.meta.url) });
      if (m.simdBackend() !== build.name) throw new Error(`loaded ${build.dir} but the engine reports ${m.simdBackend()}`);
      libs.convlens = { module: m, info: { build: build.dir, simdBackend: m.simdBackend(), trainer: typeof m.Trainer === "function" } };
    } catch (e) {
      libs.convlens = { unavailable: `bench/${build.dir}/ did not load (./build.sh bench builds it): ${e.message}` };
    }
  }
  const versions = await fetch(new URL("../vendor/versions.json", import.meta.url)).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  if (which.includes("tfjs")) {
    try {
      const tf = await import("../vendor/tfjs-train.js");
      if (!(await tf.setBackend("cpu"))) throw new Error("the cpu backend failed to initialize");
      await tf.ready();
      libs.tfjs = { module: tf, info: { backend: tf.getBackend(), core: tf.version_core, layers: tf.version_layers, cpu: tf.version_cpu } };
    } catch (e) {
      libs.tfjs = { unavailable: `bench/vendor/tfjs-train.js did not load (./build.sh bench bundles it): ${e.message}` };
    }
  }
  if (which.includes("convnetjs")) {
    try {
      const { default: cnj } = await import("../vendor/convnet.js");
      if (typeof cnj?.Net !== "function") throw new Error("no convnetjs.Net in it");
      libs.convnetjs = { module: cnj, info: { version: versions.convnetjs ?? "?" } };
    } catch (e) {
      libs.convnetjs = { unavailable: `bench/vendor/convnet.js did not load (./build.sh bench bundles it): ${e.message}` };
    }
  }
  return libs;
}

const CREATE = { convlens: createConvlens, tfjs: createTfjs, convnetjs: createConvnetjs };

/** One architecture: every available peer warmed up, then `rounds` interleaved timed windows. */
async function speedCase(name, libs, o) {
  status(`${name}: loading the architecture and ${o.examples} training images…`);
  let arch, data;
  try {
    arch = await architecture(name);
    data = await dataset(name, "train", { source: o.data, limit: o.examples });
  } catch (e) {
    const peers = Object.fromEntries(o.peers.map((p) => [p, { available: false, reason: `no data: ${e.message}` }]));
    for (const p of o.peers) addRow("train-table", [name, PEERS[p], `no data: ${e.message}`, "", "", "", "", ""]);
    return { dataset: name, error: e.message, peers };
  }
  const out = { dataset: name, examples: data.count, data: data.source, batchSize: BATCH, peers: {} };
  const live = [];
  for (const p of o.peers) {
    const lib = libs[p];
    if (lib.unavailable) {
      out.peers[p] = { available: false, reason: lib.unavailable };
      continue;
    }
    try {
      status(`${name}: ${PEERS[p]}: building and warming up…`);
      await pause();
      const peer = await CREATE[p](lib.module, arch, data, { seed: o.seed });
      const state = peerState(data.count);
      live.push({ p, peer, state });
      await warmUp(peer, state, { now, pause, steps: o.warmup, ms: o.warmupMs });
    } catch (e) {
      out.peers[p] = e instanceof Unavailable ? { available: false, reason: e.message } : { available: true, error: e.message };
      const i = live.findIndex((x) => x.p === p);
      if (i >= 0) live.splice(i, 1)[0].peer.free();
    }
  }
  for (let r = 0; r < o.rounds; r++) {
    for (const x of live.filter((x) => !x.failed)) {
      status(`${name}: round ${r + 1} of ${o.rounds}: ${PEERS[x.p]}…`);
      await pause();
      try {
        await timedWindow(x.peer, x.state, { now, pause, ms: 1000 * o.seconds, minSteps: o.minSteps });
      } catch (e) {
        x.failed = e.message;
      }
    }
  }
  for (const x of live) {
    out.peers[x.p] = x.failed
      ? { available: true, error: x.failed }
      : { available: true, ...summarizeSteps(x.state), info: { ...libs[x.p].info, ...x.peer.info } };
    x.peer.free();
  }
  const c = out.peers.convlens;
  for (const p of o.peers) {
    const s = out.peers[p];
    const ratio = c?.imagesPerSecond && s.imagesPerSecond ? c.imagesPerSecond / s.imagesPerSecond : null;
    if (p !== "convlens" && ratio) s.convlensRatio = ratio;
    const state = !s.available ? `not available: ${s.reason}` : s.error ? `failed: ${s.error}` : null;
    addRow("train-table", state
      ? [name, PEERS[p], state, "", "", "", "", ""]
      : [name, PEERS[p], fmt(s.imagesPerSecond), fmt(s.msPerStep), fmt(s.medianMsPerStep), `${s.steps} (+${s.warmupSteps} warm-up)`,
          `${fmt(s.firstLoss)} → ${fmt(s.lastLoss)}`, p === "convlens" ? "" : ratio ? `${ratio.toFixed(2)}×` : "–"]);
  }
  return out;
}

/** convlens from scratch on the digits architecture, the accuracy curve on the full test set. */
async function qualityCase(libs, o) {
  const lib = libs.convlens;
  if (!lib || lib.unavailable) return { available: false, reason: lib?.unavailable ?? "convlens not among ?peers" };
  if (typeof lib.module.Trainer?.fromArchitecture !== "function") return { available: false, reason: "this build of convlens exports no Trainer.fromArchitecture" };
  status("from scratch: loading the MNIST training and test sets…");
  let arch, train, test;
  try {
    arch = await architecture("digits");
    train = await dataset("digits", "train", { source: o.qualityData, limit: o.qualityExamples });
    test = await dataset("digits", "test", { source: o.data });
  } catch (e) {
    return { available: false, reason: `no data: ${e.message}` };
  }
  const t = lib.module.Trainer.fromArchitecture(arch, { seed: o.seed, optimizer: "adam", learningRate: ADAM.learningRate, batchSize: BATCH });
  try {
    t.setData(train.images, train.labels, train.count);
    const evaluate = () => t.evaluate(test.images, test.labels, test.count);
    const run = await accuracyCurve(t, evaluate, { now, pause, capSeconds: o.qualitySeconds, status });
    for (const p of run.curve) addRow("quality-table", [fmt(p.seconds), String(p.steps), fmt(p.epoch), `${(100 * p.accuracy).toFixed(2)} %`, fmt(p.loss), fmt(p.evalMs)]);
    return { available: true, model: "digits", trainExamples: train.count, trainData: train.source, testExamples: test.count, testData: test.source, ...run };
  } catch (e) {
    return { available: true, error: e.message };
  } finally {
    t.free?.();
  }
}

async function main() {
  const o = {
    datasets: list("datasets", ["digits", "fashion"], ["digits", "fashion"]),
    peers: list("peers", Object.keys(PEERS), Object.keys(PEERS)),
    seconds: num("seconds", 4),
    rounds: Math.max(1, Math.round(num("rounds", 2))),
    warmup: Math.round(num("warmup", 3)),
    warmupMs: num("warmup-ms", 1500),
    minSteps: Math.max(1, Math.round(num("min-steps", 3))),
    examples: Math.max(1, Math.round(num("examples", 12000))),
    data: list("data", ["cache"], ["cache", "sample"])[0],
    quality: num("quality", 1) !== 0,
    qualitySeconds: num("quality-seconds", 120),
    qualityExamples: params.has("quality-examples") ? Math.max(1, Math.round(num("quality-examples"))) : undefined,
    seed: Math.round(num("seed", 0)),
  };
  o.qualityData = list("quality-data", [o.data === "sample" ? "sample" : "page"], ["page", "cache", "sample"])[0];
  const build = wasmBuild();
  const started = now();
  const result = {
    date: new Date().toISOString(),
    pkg: build.dir,
    build: build.name,
    relaxedSimdSupported: relaxedSimdSupported(),
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    options: o,
    method: {
      optimizer: `Adam, lr ${ADAM.learningRate}, betas ${ADAM.beta1} / ${ADAM.beta2}, eps ${ADAM.epsilon}`,
      batchSize: BATCH,
      timing: `untimed warm-up (at least ${o.warmup} steps and ${o.warmupMs} ms of step time), then ${o.rounds} round${o.rounds === 1 ? "" : "s"} in which each trainer ` +
        `in turn trains at least ${o.seconds} s of step time (and ${o.minSteps} steps); images/s = timed images / timed step time`,
    },
    libraries: {},
    speed: [],
    notes: [],
  };
  const note = (text) => addNote(text, result);
  status("loading the trainers…");
  const libs = await loadLibraries(o.peers, build);
  for (const [p, lib] of Object.entries(libs)) result.libraries[p] = lib.unavailable ? { available: false, reason: lib.unavailable } : { available: true, ...lib.info };
  const convlensInfo = result.libraries.convlens;
  if (convlensInfo?.available) {
    note(`convlens: bench build ${build.dir}/ (SIMD backend ${convlensInfo.simdBackend})${convlensInfo.trainer ? "" : "; it exports no Trainer: its cases are not available"}.`);
  }
  if (result.libraries.tfjs?.available) note(`TF.js ${result.libraries.tfjs.core} (layers ${result.libraries.tfjs.layers}) on its ${result.libraries.tfjs.backend} backend.`);
  if (result.libraries.convnetjs?.available) note(`ConvNetJS ${result.libraries.convnetjs.version} (npm convnetjs): its 0.3.0 Trainer has no Adam; the bench applies Adam after each batch over net.getParamsAndGrads(), its forward and backward passes are ConvNetJS's own.`);
  for (const name of o.datasets) result.speed.push(await speedCase(name, libs, o));
  if (o.quality) {
    result.quality = await qualityCase(libs, o);
    const q = result.quality;
    note(!q.available
      ? `From scratch: not available (${q.reason}).`
      : q.error
        ? `From scratch: failed (${q.error}).`
        : `From scratch (digits, ${q.trainExamples} training images: ${q.trainData}; seed ${o.seed}): ` +
          (q.reached ? `${(100 * q.target).toFixed(0)} % test accuracy first seen at ${fmt(q.reached.seconds)} s of training` : `${(100 * q.target).toFixed(0)} % not reached in ${q.capSeconds} s`) +
          `; best ${(100 * q.best).toFixed(2)} %.`);
  }
  finish(result, started);
}

runPage(main, "Training benchmark");
