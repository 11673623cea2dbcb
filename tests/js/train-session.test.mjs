// Unit tests (node) of one training run's driver (www/js/core/train-session.js) over a fake engine
// that counts steps as the worker's trainer does: requests stay short, progress comes at least
// every 50 steps, the step limit is met exactly, the timeline keeps a few dozen snapshots from step
// 0 to the latest, and divergence stops the run keeping what was there.

import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_CHUNK, MAX_SNAPSHOTS, TrainSession, chunkSize, thin } from "../../www/js/core/train-session.js";

/** An engine slot with a trainer: `divergeAt` makes the step that reaches it fail as the engine does. */
function fakeEngine({ divergeAt = Infinity, msPerStep = 2 } = {}) {
  const e = { steps: 0, requests: [], options: [] };
  e.trainCreate = async () => {
    e.steps = 0;
    return { summary: { layers: [] }, steps: 0 };
  };
  e.trainOptions = async (o) => e.options.push(o);
  e.trainStep = async (n) => {
    e.requests.push(n);
    await new Promise((r) => setImmediate(r)); // an answer from another thread comes as a task

    if (e.steps + n >= divergeAt) throw new Error(`training diverged at step ${divergeAt}: the loss is NaN`);
    e.steps += n;
    return { loss: 1 / e.steps, accuracy: Math.min(1, e.steps / 1000), steps: e.steps, epoch: Math.floor(e.steps / 188), ms: n * msPerStep };
  };
  e.trainSnapshot = async ({ test, bytes }) => ({
    steps: e.steps,
    activations: {},
    filters: null,
    test: test ? { accuracy: Math.min(1, e.steps / 2000), loss: 1 } : null,
    statistics: null,
    bytes: bytes ? new Uint8Array([e.steps & 255]) : null,
  });
  return e;
}

function run(engine, setup) {
  const events = { progress: [], states: [], snapshots: 0 };
  const s = new TrainSession(engine, {
    onProgress: (p) => events.progress.push(p),
    onSnapshot: () => events.snapshots++,
    onState: (state, detail) => events.states.push([state, detail]),
  });
  return { s, events, ready: s.prepare({ architecture: {}, probe: null, ...setup }) };
}

test("a run with a step limit stops exactly there, in short requests, reporting every 50 steps and at the end", async () => {
  const engine = fakeEngine();
  const { s, events, ready } = run(engine, { limit: 300 });
  await ready;
  await s.start();
  assert.equal(s.state, "done");
  assert.equal(engine.steps, 300);
  assert.ok(engine.requests.every((n) => n >= 1 && n <= MAX_CHUNK));
  let last = 0;
  for (const p of events.progress) {
    assert.ok(p.steps - last <= 50, `progress jumped from ${last} to ${p.steps}`);
    last = p.steps;
  }
  const end = events.progress.at(-1);
  assert.equal(end.steps, 300);
  assert.equal(end.testAccuracy, 300 / 2000); // measured at the last step
  assert.deepEqual(events.states.at(-1), ["done", { reason: "steps" }]);
  assert.equal(s.snapshots[0].step, 0);
  assert.equal(s.snapshots.at(-1).step, 300);
  assert.ok(s.snapshots.length >= 20 && s.snapshots.length <= MAX_SNAPSHOTS, `${s.snapshots.length} snapshots`);
  assert.equal(s.history.test.at(-1).step, 300);
});

test("a long run keeps at most MAX_SNAPSHOTS, from step 0 to the latest, in order", async () => {
  const engine = fakeEngine({ msPerStep: 0.5 });
  const { s, ready } = run(engine, { limit: null });
  await ready;
  const loop = s.start();
  while (engine.steps < 20000) await new Promise((r) => setImmediate(r));
  s.pause();
  await loop;
  assert.equal(s.state, "paused");
  const steps = s.snapshots.map((x) => x.step);
  assert.ok(steps.length <= MAX_SNAPSHOTS && steps.length >= MAX_SNAPSHOTS / 2, `${steps.length} snapshots`);
  assert.equal(steps[0], 0);
  assert.ok(steps.every((v, i) => i === 0 || v > steps[i - 1]));
  assert.ok(engine.steps - steps.at(-1) <= s.interval, "the latest snapshot is recent");
});

test("divergence stops the run with the engine's message and keeps the snapshots and history", async () => {
  const engine = fakeEngine({ divergeAt: 123 });
  const { s, events, ready } = run(engine, { limit: 1000 });
  await ready;
  await s.start();
  assert.equal(s.state, "diverged");
  const [state, detail] = events.states.at(-1);
  assert.equal(state, "diverged");
  assert.match(detail.message, /training diverged at step 123/);
  assert.ok(s.snapshots.length > 1);
  assert.ok(s.snapshots.at(-1).step < 123 && s.steps < 123);
  assert.equal(s.history.train.at(-1).step, s.steps);
});

test("step, options and reset", async () => {
  const engine = fakeEngine();
  const { s, ready } = run(engine, { limit: null });
  await ready;
  await s.stepOnce();
  assert.equal(engine.steps, 1);
  assert.equal(s.state, "paused");
  await s.setOptions({ learningRate: 0.01 });
  assert.deepEqual(engine.options, [{ learningRate: 0.01 }]);
  await s.reset();
  assert.equal(s.steps, 0);
  assert.deepEqual(s.snapshots.map((x) => x.step), [0]);
});

test("chunks aim at a short request and never pass the next stop; thinning keeps both ends", () => {
  assert.equal(chunkSize(0, 0, 100), 1);
  assert.equal(chunkSize(10, 0, 100), 12);
  assert.equal(chunkSize(0.1, 0, 1000), MAX_CHUNK);
  assert.equal(chunkSize(1, 95, 100), 5);
  const list = Array.from({ length: 49 }, (_, i) => ({ step: i }));
  const kept = thin(list).map((x) => x.step);
  assert.equal(kept[0], 0);
  assert.equal(kept.at(-1), 48);
  assert.ok(kept.length <= 26);
  assert.equal(thin(list.slice(0, 10)).length, 10);
});
