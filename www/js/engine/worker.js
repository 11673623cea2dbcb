// The Web Worker that owns the wasm instance. Messages in: {id, op, args}; out: {id, ok, result}
// or {id, ok: false, error}. The operations are named in ops.js (OP); this file handles init,
// load, unload, run, activations, parameters, convolve and outputSize, worker-explain.js the
// explaining ones (EXPLAIN_OPS), worker-train.js the training ones (TRAIN_OPS). The page talks to it through client.js.
//
// One worker holds several loaded models, each in a slot named by `args.model` (any string; the
// slot "main" when it is left out, which is what the explorer page uses). Every op works on the
// slot its args name, so several <convlens-explorer> elements on one page share this worker and
// its one wasm instance yet show different models. A slot keeps its model when a load into it
// fails, so a bad file never loses what the user had.

// The wasm glue starts loading as soon as this script starts. The page compiles the .wasm itself
// while this worker starts up (client.js) and hands the compiled module over in "init"; without one,
// init fetches and compiles the .wasm it names (`wasm`, a URL) here. The glue is the same for both
// builds (plain SIMD128 in www/pkg/, relaxed SIMD in www/pkg-relaxed/, chosen by start.js), so it
// always comes from www/pkg/. The single-file build (tools/npm/bundle.mjs) sets
// `self.convlensInline.wasm` (the plain build's bytes) before this script runs, so nothing is
// fetched there.
import { EXPLAIN_OPS, OP, SLOTLESS, TRAIN_OPS } from "./ops.js";

const inlineWasm = self.convlensInline?.wasm;
const pkg = import("../../pkg/convlens.js");
let wasmApi;
let Explorer;
let simdBackend;
let convolve;
let outputSize;

/** model id -> {explorer, summary, maximizer?} */
const slots = new Map();
/** The slot of the request being handled (requests run one at a time). */
let active = null;

const DEFAULT_SLOT = "main";

function slotFor(id) {
  const key = id ?? DEFAULT_SLOT;
  if (typeof key !== "string" || !key) throw new Error("a model id must be a non-empty string");
  let s = slots.get(key);
  if (!s) {
    s = { id: key, explorer: null, summary: null };
    slots.set(key, s);
  }
  return s;
}

const ops = {
  async [OP.init]({ module, wasm }) {
    const api = await pkg;
    await api.default({
      module_or_path: module ?? inlineWasm ?? fetch(wasm ?? new URL("../../pkg/convlens_bg.wasm", import.meta.url)),
    });
    wasmApi = api;
    ({ Explorer, simdBackend, convolve, outputSize } = api);
    return { simd: simdBackend(), builtins: Explorer.builtinNames() };
  },

  /** {builtin: name} or {bytes: Uint8Array} -> summary of the model now loaded. */
  [OP.load]({ builtin, bytes }) {
    if (builtin === undefined && bytes === undefined) {
      throw new Error("load needs {builtin: name} or {bytes: Uint8Array}");
    }
    const next = builtin !== undefined ? Explorer.builtin(builtin) : Explorer.fromBytes(bytes);
    const nextSummary = next.summary();
    if (active.explorer) active.explorer.free();
    active.explorer = next;
    active.summary = nextSummary;
    return nextSummary;
  },

  /** Frees the slot's model (an element that left the page). */
  [OP.unload]() {
    active.maximizer?.free();
    active.explorer?.free();
    active.trainer?.free();
    active.maximizer = active.explorer = active.trainer = active.trainData = active.testData = null;
    slots.delete(active.id);
    return { models: slots.size };
  },

  /** Forward pass; returns the output and every layer's activation (transferred, not copied), or
   * only those of `layers` (the others null) when given: large models' pages ask for the layers
   * on screen. */
  [OP.run]({ input, layers }) {
    const slot = loaded();
    const { explorer, summary } = slot;
    const t0 = performance.now();
    const output = explorer.run(input);
    slot.runs = (slot.runs ?? 0) + 1;
    const want = layers ? new Set(layers) : null;
    const activations = summary.layers.map((_, i) => (!want || want.has(i) ? explorer.activation(i) : null));
    return { output, activations, ms: performance.now() - t0, run: slot.runs };
  },

  /** Activations of `layers` from the last run: {run, layers: {layer index: Float32Array}}, where
   * `run` numbers that run as `run` did (the page may not have received the run yet). */
  [OP.activations]({ layers }) {
    const slot = loaded();
    if (!Array.isArray(layers)) throw new Error("activations needs {layers: [layer indices]}");
    return { run: slot.runs ?? 0, layers: Object.fromEntries(layers.map((i) => [i, slot.explorer.activation(i)])) };
  },

  [OP.parameters]({ layer }) {
    return loaded().explorer.parameters(layer);
  },

  /** The model on `count` labelled raw inputs: {loss, accuracy, confusion, predictions}. */
  [OP.evaluate]({ images, labels, count }) {
    return loaded().explorer.evaluate(images, labels, count);
  },

  [OP.convolve]({ image, height, width, kernel, kernelHeight, kernelWidth, stride, padding }) {
    const out = convolve(image, height, width, kernel, kernelHeight, kernelWidth, stride, padding);
    return { data: out.data, height: out.height, width: out.width };
  },

  [OP.outputSize]({ input, kernel, stride, padding, dilation }) {
    return outputSize(input, kernel, stride, padding, dilation ?? 1);
  },
};
// The explaining ops (maximize, attribute, statistics) load after the wasm download has started:
// a static import would hold that download back by one more request.
const explainReady = import("./worker-explain.js").then(({ explainOps }) => {
  const more = explainOps({ slot: () => active });
  for (const op of EXPLAIN_OPS) if (typeof more[op] !== "function") throw new Error(`worker-explain.js does not handle '${op}'`);
  Object.assign(ops, more);
});

// The training ops (worker-train.js) load on the first training request (the Train view).
let trainReady = null;
function loadTrainOps() {
  trainReady ??= import("./worker-train.js").then(({ trainOps }) => {
    const more = trainOps({ slot: () => active, api: () => wasmApi });
    for (const op of TRAIN_OPS) if (typeof more[op] !== "function") throw new Error(`worker-train.js does not handle '${op}'`);
    Object.assign(ops, more);
  });
  return trainReady;
}

/** The active slot, which must hold a model. */
function loaded() {
  if (!active?.explorer) throw new Error(`no model is loaded${active && active.id !== DEFAULT_SLOT ? ` (model id '${active.id}')` : ""}`);
  return active;
}

/** ArrayBuffers inside a result, to transfer rather than copy. */
function transferables(result) {
  const list = [];
  const visit = (v) => {
    if (ArrayBuffer.isView(v)) list.push(v.buffer);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(result);
  return [...new Set(list)];
}

async function handle({ id, op, args }) {
  try {
    if (!(op in ops)) await (TRAIN_OPS.includes(op) ? loadTrainOps() : explainReady);
    if (!(op in ops)) throw new Error(`unknown worker operation '${op}'`);
    const a = args ?? {};
    active = SLOTLESS.includes(op) ? null : slotFor(a.model);
    const result = await ops[op](a);
    self.postMessage({ id, ok: true, result }, transferables(result));
  } catch (e) {
    self.postMessage({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
  } finally {
    // A slot that never got a model (a failed first load, or a call on an unknown id) is not kept.
    if (active && !active.explorer && !active.trainer && !active.trainData && !active.testData) slots.delete(active.id);
    active = null;
  }
}

// Requests run one at a time in arrival order, so a client may send "load" right behind "init"
// without waiting for it (the page does, to save a round trip at start-up).
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};
