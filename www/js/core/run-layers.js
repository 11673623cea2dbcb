// The activations of the last run of a large model, completed layer by layer on demand.
//
// Large models' runs return only some layers (those on screen); more are fetched from the worker
// afterwards (`engine.activations(layers)`, which reads the worker's last run). The worker numbers
// its runs, and both replies carry that number, so a fetch can tell which run its layers belong
// to: layers of a run the page has not received yet wait for it (and are added when it lands),
// layers of an older run are fetched again. Used by the explorer page and <convlens-explorer>.
//
//   const runs = new RunLayers();
//   runs.landed(r);                       // each run result: {activations, run}
//   await runs.fetch(engine, [3, 7]);     // afterwards runs.activations[3] and [7] are set
//   runs.reset();                         // another model

export class RunLayers {
  constructor() {
    this.gen = 0; // bumped by reset(): fetches of an earlier model give up
    this.waiters = []; // resolvers of fetches waiting for a run to land
    this.reset();
  }

  /** Forgets everything (a new model): pending fetches give up. */
  reset() {
    /** The last run's activations (null for layers not fetched), or null before any run. */
    this.activations = null;
    this.run = 0;
    this.gen += 1;
    this.early = null;
    this.release();
  }

  /** A run result reached the page: its activations (plus any layers fetched early for it). */
  landed({ activations, run }) {
    this.activations = activations;
    this.run = run;
    if (this.early?.run === run) {
      for (const [i, data] of Object.entries(this.early.layers)) activations[Number(i)] ??= data;
    }
    this.early = null;
    this.release();
  }

  /** Wakes fetches waiting for a run to land (call it too when a run was dropped or failed). */
  release() {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /**
   * Fetches the `layers` (indices; negative ones, the model input, are skipped) missing from the
   * last run's activations. Resolves to the fetched `{index: Float32Array}` (empty when nothing was
   * missing or the model changed meanwhile).
   */
  async fetch(engine, layers) {
    const gen = this.gen;
    for (let attempt = 0; attempt < 12; attempt++) {
      const missing = layers.filter((i) => i >= 0 && !this.activations?.[i]);
      if (!missing.length || !this.activations) return {};
      const got = await engine.activations(missing);
      if (gen !== this.gen || !this.activations) return {};
      if (got.run > this.run) {
        if (this.early?.run !== got.run) this.early = { run: got.run, layers: {} };
        Object.assign(this.early.layers, got.layers);
        await new Promise((resolve) => this.waiters.push(resolve));
        if (gen !== this.gen) return {};
        continue;
      }
      if (got.run < this.run) continue;
      for (const [i, data] of Object.entries(got.layers)) this.activations[Number(i)] = data;
      return got.layers;
    }
    return {};
  }
}
