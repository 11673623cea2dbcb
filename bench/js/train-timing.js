// Timing for the training benchmark page (bench/train.html). Pure: the clock (`now`, ms) and the
// yield (`pause`) are parameters, so e2e/bench-train.test.mjs runs it in node with a fake clock and
// fake trainers.
//
// A peer's step is timed alone (performance.now() around `await peer.step()`); the page yields to
// the event loop between steps now and then (every `yieldMs` of wall time), never inside a timed
// step, and the yields are not on the clock.

import { batchLength } from "./train-peers.js";

/** Step bookkeeping of one peer: steps taken (warm-up included), and the losses seen. */
export function peerState(count) {
  return { count, stepIndex: 0, losses: [], times: [], images: 0 };
}

async function oneStep(peer, state, now) {
  const n = batchLength(state.stepIndex, state.count);
  const t0 = now();
  const loss = await peer.step();
  const dt = now() - t0;
  state.stepIndex++;
  if (!Number.isFinite(loss)) throw new Error(`step ${state.stepIndex}: loss ${loss}`);
  state.losses.push(loss);
  return { dt, n, loss };
}

/**
 * Untimed warm-up: at least `steps` steps and `ms` of step time (wasm tiers up and JIT-compiled
 * JavaScript settles meanwhile; `pause` after every step lets background compilation land).
 */
export async function warmUp(peer, state, { now, pause = async () => {}, steps = 3, ms = 1500 }) {
  let spent = 0;
  let k = 0;
  while (k < steps || spent < ms) {
    spent += (await oneStep(peer, state, now)).dt;
    k++;
    await pause();
  }
  state.warmupSteps = (state.warmupSteps ?? 0) + k;
  return k;
}

/**
 * One timed window: steps until at least `ms` of step time and at least `minSteps` steps; the
 * per-step times and images are added to `state`.
 */
export async function timedWindow(peer, state, { now, pause = async () => {}, ms, minSteps = 3, yieldMs = 200 }) {
  let spent = 0;
  let k = 0;
  let lastYield = now();
  while (spent < ms || k < minSteps) {
    const { dt, n } = await oneStep(peer, state, now);
    state.times.push(dt);
    state.images += n;
    spent += dt;
    k++;
    if (now() - lastYield >= yieldMs) {
      await pause();
      lastYield = now();
    }
  }
  return k;
}

/** The summary of a peer's timed steps. */
export function summarizeSteps(state) {
  const total = state.times.reduce((a, b) => a + b, 0);
  const sorted = [...state.times].sort((a, b) => a - b);
  const med = sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const tail = state.losses.slice(-Math.min(20, Math.max(1, state.losses.length >> 2)));
  return {
    imagesPerSecond: (1000 * state.images) / total,
    msPerStep: total / state.times.length,
    medianMsPerStep: med,
    minMsPerStep: sorted[0],
    steps: state.times.length,
    images: state.images,
    seconds: total / 1000,
    warmupSteps: state.warmupSteps ?? 0,
    firstLoss: state.losses[0],
    lastLoss: tail.reduce((a, b) => a + b, 0) / tail.length,
  };
}

/** Training seconds at which the quality run evaluates (then every 20 s up to the cap). */
export const CHECKPOINTS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70, 80, 90, 100, 110, 120];

/**
 * From scratch against the clock: `trainer.step(k)` in chunks of about `chunkMs`, evaluating (off
 * the clock) at 0 s and at each checkpoint up to `capSeconds` of training time. `evaluate()`
 * returns {accuracy, loss}. Returns {curve, reached: {seconds, ...} | null, ...}.
 */
export async function accuracyCurve(trainer, evaluate, { now, pause = async () => {}, capSeconds = 120, target = 0.98, chunkMs = 50, status = () => {} }) {
  const marks = [...CHECKPOINTS.filter((s) => s < capSeconds), capSeconds];
  for (let s = 140; s < capSeconds; s += 20) if (!marks.includes(s)) marks.push(s);
  marks.sort((a, b) => a - b);
  const curve = [];
  let clock = 0; // ms of training
  let last = { steps: 0, epoch: 0, loss: NaN, accuracy: NaN };
  const point = async () => {
    const t0 = now();
    const e = await evaluate();
    curve.push({ seconds: clock / 1000, steps: last.steps, epoch: last.epoch, accuracy: e.accuracy, loss: e.loss, trainLoss: last.loss, evalMs: now() - t0 });
    status(`from scratch: ${(clock / 1000).toFixed(1)} s of training, test accuracy ${(100 * e.accuracy).toFixed(2)} %`);
    await pause();
  };
  await point();
  let k = 1;
  for (const mark of marks) {
    while (clock < mark * 1000) {
      const t0 = now();
      const r = trainer.step(k);
      const dt = now() - t0;
      clock += dt;
      if (!Number.isFinite(r.loss)) throw new Error(`from scratch: loss ${r.loss} after ${r.steps} steps`);
      last = r;
      // Chunks of about chunkMs, never past the next mark by much.
      const perStep = dt / k;
      k = Math.max(1, Math.min(1000, Math.round(Math.min(chunkMs, mark * 1000 - clock) / Math.max(perStep, 1e-3))));
    }
    await point();
  }
  const hit = curve.find((p) => p.accuracy >= target);
  return { curve, target, capSeconds, trainingSeconds: clock / 1000, reached: hit ? { seconds: hit.seconds, steps: hit.steps, accuracy: hit.accuracy } : null, best: Math.max(...curve.map((p) => p.accuracy)) };
}
