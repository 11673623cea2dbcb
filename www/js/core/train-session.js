// One training run of the Train view, driven through the engine worker's training ops
// (engine/worker-train.js): the steps in chunks that keep each request short (the worker answers
// the explorer's other requests between them), the loss and accuracy history, the held-out test
// accuracy, and the timeline of snapshots. No DOM: the view draws what the callbacks report
// (tests/js/train-session.test.mjs drives it with a fake engine).
//
//   const s = new TrainSession(engine, { onProgress, onLive, onSnapshot, onState });
//   await s.prepare({ architecture, options, probe, mapLayers, filterLayer, limit });
//   s.start();  s.pause();  await s.stepOnce();  await s.reset();  s.setOptions({learningRate});
//
// The engine slot must hold the training and test data (engine.trainData, engine.trainTestData).

/** Snapshots a run keeps at most; beyond, every other one goes and the interval doubles. */
export const MAX_SNAPSHOTS = 48;
/** Steps per request at most (train-progress comes at least every 50 steps). */
export const MAX_CHUNK = 50;
/** The time a request of steps aims at, in ms. */
const CHUNK_MS = 120;
/** Live redraws of the filters and maps while training, at most every this many ms. */
const LIVE_MS = 300;
/** Test images the dead-filter statistics look at. */
const STATS_IMAGES = 100;

/** The first snapshot interval: a few dozen snapshots over `limit` steps, or every 10 without one. */
export function firstInterval(limit) {
  return limit ? Math.max(1, Math.ceil(limit / 32)) : 10;
}

/**
 * Thins a timeline that grew past `max`: keeps the first and the last snapshot and every other
 * one between (by position). Returns the new list.
 */
export function thin(snapshots, max = MAX_SNAPSHOTS) {
  if (snapshots.length <= max) return snapshots;
  const last = snapshots.length - 1;
  return snapshots.filter((_, i) => i === 0 || i === last || i % 2 === 0);
}

/** Steps for the next request: about CHUNK_MS of work at `msPerStep`, 1 to MAX_CHUNK, and never past `until`. */
export function chunkSize(msPerStep, steps, until) {
  const ideal = msPerStep > 0 ? Math.floor(CHUNK_MS / msPerStep) : 1;
  return Math.max(1, Math.min(MAX_CHUNK, ideal, until - steps));
}

export class TrainSession {
  /**
   * `engine`: an engine client (engine/client.js) whose slot has the data. Callbacks:
   * onProgress(progress) after every request of steps ({steps, epoch, loss, accuracy,
   * testAccuracy, time}); onLive(view) with the model's filters and the probe's maps while it
   * trains; onSnapshot(snapshot, snapshots) when one is added; onState(state, detail) on every
   * change of state ("ready", "running", "paused", "done", "diverged"; detail {reason, message}).
   */
  constructor(engine, { onProgress = () => {}, onLive = () => {}, onSnapshot = () => {}, onState = () => {}, now = () => performance.now() } = {}) {
    this.engine = engine;
    this.callbacks = { onProgress, onLive, onSnapshot, onState };
    this.now = now;
    this.state = "idle";
    this.setup = null;
    this.clear();
  }

  clear() {
    this.steps = 0;
    this.epoch = 0;
    this.time = 0; // ms spent training (not paused)
    this.history = { train: [], test: [] };
    this.snapshots = [];
    this.interval = firstInterval(this.setup?.limit);
    this.nextSnapshot = 0;
    this.msPerStep = 0;
    this.testAccuracy = null;
    this.last = null;
  }

  setState(state, detail = {}) {
    this.state = state;
    this.callbacks.onState(state, detail);
  }

  /**
   * A new model to train: `architecture` or `bytes`, `options` (Trainer options), `probe` (the
   * fixed input whose maps are shown), `mapLayers` (their indices, or a function of the model's summary giving them), `filterLayer` (the first conv
   * layer's index), `limit` (stop after this many steps; 0 or null: until paused). Takes the
   * step-0 snapshot. Rejects when the engine refuses the architecture.
   */
  async prepare(setup) {
    this.pause();
    await this.idle();
    this.setup = { ...setup };
    const { summary } = await this.engine.trainCreate(setup.architecture ? { architecture: setup.architecture } : { bytes: setup.bytes }, setup.options ?? {});
    this.summary = summary;
    if (typeof setup.mapLayers === "function") this.setup.mapLayers = setup.mapLayers(summary);
    this.clear();
    await this.snapshot();
    this.setState("ready");
    return summary;
  }

  /** Starts over with the same set-up (new weights from the seed). */
  reset() {
    return this.prepare(this.setup);
  }

  /** Options from the next step on (learning rate, batch size...; engine.trainOptions). */
  async setOptions(options) {
    this.setup.options = { ...this.setup.options, ...options };
    await this.engine.trainOptions(options);
  }

  /** Another step limit (0 or null: none). */
  setLimit(limit) {
    this.setup.limit = limit || null;
  }

  get limit() {
    return this.setup?.limit || null;
  }

  /** Trains until paused, the limit or divergence. */
  start() {
    if (this.state === "running" || !this.setup) return this.loop;
    if (this.limit && this.steps >= this.limit) return Promise.resolve();
    this.setState("running");
    this.loop = this.run();
    return this.loop;
  }

  /** Stops after the request in flight. */
  pause() {
    this.wantPause = this.state === "running";
  }

  /** Resolves once no request of this session is in flight. */
  async idle() {
    await this.loop;
  }

  /** One step (when paused or ready). */
  async stepOnce() {
    if (this.state === "running" || !this.setup) return;
    if (!(await this.chunk(1))) return;
    await this.snapshot();
    this.setState("paused", { reason: "step" });
  }

  async run() {
    let lastLive = this.now();
    try {
      for (;;) {
        if (this.wantPause) return this.finish("paused");
        if (this.limit && this.steps >= this.limit) return this.finish("steps");
        const until = Math.min(this.nextSnapshot, this.limit ?? Infinity);
        if (!(await this.chunk(chunkSize(this.msPerStep, this.steps, until)))) return;
        if (this.steps >= this.nextSnapshot || (this.limit && this.steps >= this.limit)) {
          await this.snapshot();
          lastLive = this.now();
        } else if (this.now() - lastLive > LIVE_MS) {
          await this.live();
          lastLive = this.now();
        }
      }
    } catch (e) {
      this.setState("paused", { reason: "error", message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.wantPause = false;
      this.loop = null;
    }
  }

  finish(reason) {
    this.callbacks.onProgress(this.progress()); // the end, with the last test accuracy
    this.setState(reason === "steps" ? "done" : "paused", { reason });
  }

  /** `n` steps; false when training diverged (the trainer keeps the last finite weights). */
  async chunk(n) {
    const t0 = this.now();
    let r;
    try {
      r = await this.engine.trainStep(n);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!/diverged/.test(message)) throw e;
      this.setState("diverged", { reason: "diverged", message });
      return false;
    }
    const dt = this.now() - t0;
    this.time += dt;
    this.msPerStep = r.ms / n;
    this.steps = r.steps;
    this.epoch = r.epoch;
    this.last = { loss: r.loss, accuracy: r.accuracy };
    this.history.train.push({ step: r.steps, time: this.time, loss: r.loss, accuracy: r.accuracy });
    this.callbacks.onProgress(this.progress());
    return true;
  }

  /** {steps, epoch, loss, accuracy, testAccuracy, time} of the run so far. */
  progress() {
    return { steps: this.steps, epoch: this.epoch, loss: this.last?.loss ?? null, accuracy: this.last?.accuracy ?? null, testAccuracy: this.testAccuracy, time: this.time };
  }

  /** The request that shows the model as it is: the probe's maps and the first conv's filters. */
  view(extra = {}) {
    const { probe, mapLayers = [], filterLayer = null } = this.setup;
    return this.engine.trainSnapshot({ input: probe, layers: mapLayers, filterLayer, ...extra });
  }

  async live() {
    const v = await this.view();
    this.callbacks.onLive({ step: v.steps, activations: v.activations, filters: v.filters });
  }

  /** Adds a snapshot of the model as it is (with its test accuracy, statistics and model file). */
  async snapshot() {
    const v = await this.view({ test: true, statistics: STATS_IMAGES, bytes: true });
    if (v.test) {
      this.testAccuracy = v.test.accuracy;
      this.history.test.push({ step: v.steps, time: this.time, accuracy: v.test.accuracy, loss: v.test.loss });
    }
    const snap = {
      step: v.steps,
      time: this.time,
      loss: this.last?.loss ?? null,
      accuracy: this.last?.accuracy ?? null,
      testAccuracy: v.test?.accuracy ?? null,
      activations: v.activations,
      filters: v.filters,
      statistics: v.statistics,
      bytes: v.bytes,
    };
    const previous = this.snapshots[this.snapshots.length - 1];
    if (previous?.step === snap.step) this.snapshots[this.snapshots.length - 1] = snap;
    else this.snapshots.push(snap);
    if (this.snapshots.length > MAX_SNAPSHOTS) {
      this.snapshots = thin(this.snapshots);
      this.interval *= 2;
    }
    this.nextSnapshot = snap.step + this.interval;
    this.callbacks.onSnapshot(snap, this.snapshots);
    return snap;
  }
}
