// Main-thread client of the engine worker (worker.js owns the wasm instance, so the page never
// freezes while the network runs): one method per worker operation (their names: ops.js). Every
// call returns a promise; a failed call rejects with an Error whose message comes from the engine.
//
//   const engine = await Engine.start();       // engine.simd ("simd128+relaxed" or "simd128": the
//                                              // build start.js picked), engine.builtins
//   const summary = await engine.load({builtin: "digits"})   // or {bytes: Uint8Array}
//   const r = await engine.runLatest(input)    // {output, activations: Float32Array[], ms}, or
//                                              // null when a newer runLatest superseded this one
//   await engine.activations([3, 7])           // {run, layers: {3: Float32Array, 7: ...}}
//   await engine.parameters(layer)             // {weight, weightShape, bias} or null
//   await engine.evaluate(images, labels, count)   // {loss, accuracy, confusion: Uint32Array k*k
//                                              // (row true, column predicted), predictions: Int32Array}
//   await engine.convolve({image, height, width, kernel, kernelHeight, kernelWidth, stride, padding})
//   await engine.outputSize({input, kernel, stride, padding, dilation})
//   await engine.maximizeStart(options); await engine.maximizeStep(steps); await engine.maximizeStop()
//   await engine.maximize(options); await engine.maximizeDefaults()
//   await engine.attribute(options, input?)    // {map, output, ms}
//   await engine.statistics(inputs, count); await engine.atlas({layer, options, channels})
//   await engine.trainCreate({architecture} | {bytes}, options)   // {summary, steps}; then
//   trainData, trainTestData, trainOptions, trainStep(n), trainSnapshot, trainEvaluate
//   (worker-train.js: a trainer beside the slot's explorer, freed with the slot)
//
// Several models in one worker: `engine.forModel(id)` is a client with this same API whose every
// call names model slot `id` in the worker (the plain engine uses the slot "main"). The
// <convlens-explorer> elements of a page and the explorer page itself all use `Engine.shared()`
// (one worker, one wasm instance), each element with its own slot; `client.unload()` frees a slot.

import { OP } from "./ops.js";
import { compileWasm, createWorker, takeEarly, wasmUrl } from "./start.js";

let shared = null;

export class Engine {
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map();
    this.latest = null; // the input waiting to run, with its resolver
    this.running = false;
    this.gate = new Promise((resolve) => {
      this.gateOpen = resolve;
    });
    worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.result);
      else p.reject(new Error(data.error));
    };
    worker.onerror = (e) => {
      const err = new Error(`engine worker failed: ${e.message || "unknown error"}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  /**
   * Starts the worker and, on this thread at the same time, the streaming compile of the wasm
   * module, which is handed to the worker once compiled: the download and compile no longer wait
   * for the worker to start. Returns at once; `engine.ready` resolves to the engine when the wasm
   * instance is up. Requests made before then are sent after "init", in order.
   */
  static launch(workerUrl) {
    // The default worker is the one start.js started when the page began loading (once).
    const early = workerUrl === undefined ? takeEarly() : null;
    const engine = new Engine(early?.worker ?? createWorker(workerUrl));
    const compiled = early?.compiled ?? compileWasm();
    engine.ready = compiled
      .then(({ module, build }) => {
        // Without a compiled module the worker fetches the same build itself.
        const init = engine.post(OP.init, module ? { module } : { wasm: wasmUrl(build).href });
        engine.gateOpen();
        return init;
      })
      .then((info) => {
        engine.simd = info.simd;
        engine.builtins = info.builtins;
        return engine;
      });
    return engine;
  }

  /** Starts the worker and the wasm instance in it. */
  static start(workerUrl) {
    return Engine.launch(workerUrl).ready;
  }

  /**
   * The page's one shared engine: `{engine, ready}`, where `engine` takes requests at once (they
   * are sent after "init", in order) and `ready` resolves to it once the wasm is up.
   */
  static shared() {
    if (!shared) {
      const engine = Engine.launch();
      engine.ready.catch(() => {});
      shared = { engine, ready: engine.ready };
    }
    return shared;
  }

  /** A client of the same worker whose calls use model slot `id`. */
  forModel(id) {
    return new ModelClient(this, String(id));
  }

  /** One request to the worker (sent once "init" has been sent). */
  call(op, args, transfer = []) {
    return this.gate.then(() => this.post(op, args, transfer));
  }

  post(op, args, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  /** `{builtin: name}` or `{bytes: Uint8Array}` -> the summary of the model now in this slot. */
  load(source) {
    return this.call(OP.load, source);
  }

  /** Frees this slot's model (an element that left the page). */
  unload() {
    return this.call(OP.unload);
  }

  /** Forward pass: `{output, activations, ms, run}` (`run` numbers the model's runs); with
   * `layers`, only those layers' activations. */
  run(input, { layers } = {}) {
    return this.call(OP.run, layers ? { input, layers } : { input });
  }

  /** Activations of `layers` (indices) from the last run: `{run, layers: {index: Float32Array}}`. */
  activations(layers) {
    return this.call(OP.activations, { layers });
  }

  /**
   * Runs the newest input only: while a run is in flight, later calls replace each other and
   * the replaced ones resolve to null (a stale result is never delivered).
   */
  runLatest(input, options = {}) {
    return new Promise((resolve, reject) => {
      if (this.latest) this.latest.resolve(null);
      this.latest = { input, options, resolve, reject };
      this.pump();
    });
  }

  async pump() {
    if (this.running || !this.latest) return;
    const { input, options, resolve, reject } = this.latest;
    this.latest = null;
    this.running = true;
    try {
      const result = await this.run(input, options);
      // A newer input arrived meanwhile: this result is stale for the screen but still the
      // latest completed one, so deliver it only if nothing newer is waiting.
      resolve(this.latest ? null : result);
    } catch (e) {
      reject(e);
    } finally {
      this.running = false;
      this.pump();
    }
  }

  /** A layer's `{weight, weightShape, bias}` (PyTorch layouts), or null when it has none. */
  parameters(layer) {
    return this.call(OP.parameters, { layer });
  }

  /**
   * The model on `count` labelled raw inputs (`images` CHW concatenated, Float32Array in [0, 1] or
   * Uint8Array pixels; `labels` class indices), in inference mode: `{loss, accuracy, confusion,
   * predictions}` (docs/js-api.md, `explorer.evaluate`).
   */
  evaluate(images, labels, count) {
    return this.call(OP.evaluate, { images, labels, count });
  }

  /** One kernel over a greyscale image: `{data, height, width}` (the convolution playground). */
  convolve(args) {
    return this.call(OP.convolve, args);
  }

  /** The output-size formula evaluated (`{input, kernel, stride, padding, dilation}`). */
  outputSize(args) {
    return this.call(OP.outputSize, args);
  }

  // ---- activation maximization (worker-explain.js)

  /** Starts a live maximization (freeing any previous one): `{image, stepsTaken: 0, planned}`. */
  maximizeStart(options) {
    return this.call(OP.maximizeStart, { options });
  }

  /** `steps` more steps of the running maximization: `{value, image, stepsTaken}`. */
  maximizeStep(steps) {
    return this.call(OP.maximizeStep, { steps });
  }

  /** Ends the running maximization: `{stepsTaken}`. */
  maximizeStop() {
    return this.call(OP.maximizeStop);
  }

  /** A whole maximization at once: `{image}`. */
  maximize(options) {
    return this.call(OP.maximize, { options });
  }

  /** The model's default maximization options. */
  maximizeDefaults() {
    return this.call(OP.maximizeDefaults);
  }

  /** Maximizes every channel of a layer (or the listed ones): `{images, values, channels}`. */
  atlas({ layer, options, channels }) {
    return this.call(OP.atlas, { layer, options, channels });
  }

  // ---- attributions and statistics (worker-explain.js)

  /** An attribution map of the last run, or of `input` run first: `{map, output, ms}`. */
  attribute(options, input) {
    return this.call(OP.attribute, input ? { options, input } : { options });
  }

  /** Activation statistics over `count` inputs (concatenated in `inputs`). */
  statistics(inputs, count) {
    return this.call(OP.statistics, { inputs, count });
  }

  // ---- training (worker-train.js)

  /** A new trainer in this slot, of `{architecture}` or `{bytes}` (a model file): `{summary, steps}`. */
  trainCreate(source, options = {}) {
    return this.call(OP.trainCreate, { ...source, options });
  }

  /** The training data (`count` inputs end to end, a class each), kept in the worker. */
  trainData(images, labels, count) {
    return this.call(OP.trainData, { images, labels, count });
  }

  /** The held-out test data that trainSnapshot evaluates on. */
  trainTestData(images, labels, count) {
    return this.call(OP.trainTestData, { images, labels, count });
  }

  /** trainer.setOptions(options). */
  trainOptions(options) {
    return this.call(OP.trainOptions, { options });
  }

  /** `steps` minibatch steps: `{loss, accuracy, steps, epoch, ms}`; rejects "training diverged at step N: ...". */
  trainStep(steps = 1) {
    return this.call(OP.trainStep, { steps });
  }

  /** The model as trained so far: `{steps, activations, filters, test, statistics, bytes}` (worker-train.js). */
  trainSnapshot(args) {
    return this.call(OP.trainSnapshot, args);
  }

  /** The trained model's evaluation on `count` inputs. */
  trainEvaluate(images, labels, count) {
    return this.call(OP.trainEvaluate, { images, labels, count });
  }
}

/** The Engine API on one model slot of a shared worker (see Engine.forModel). */
class ModelClient extends Engine {
  constructor(parent, id) {
    // Not a second worker: requests go through the parent's message channel.
    const fake = { set onmessage(_) {}, set onerror(_) {} };
    super(fake);
    this.parent = parent;
    this.model = id;
  }

  get simd() {
    return this.parent.simd;
  }

  get builtins() {
    return this.parent.builtins;
  }

  call(op, args, transfer = []) {
    return this.parent.call(op, { ...(args ?? {}), model: this.model }, transfer);
  }
}
