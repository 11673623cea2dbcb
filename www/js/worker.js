// The Web Worker that owns the wasm instance. Messages in: {id, op, args}; out: {id, ok, result}
// or {id, ok: false, error}. Ops: init, load, run, parameters, convolve. The current model stays
// loaded when a load fails, so a bad file never loses what the user had.

// The wasm glue starts loading as soon as this script starts. The page compiles the .wasm itself
// while this worker starts up (engine.js) and hands the compiled module over in "init"; without one,
// init fetches and compiles it here.
const pkg = import("../pkg/convlens.js");
let Explorer;
let simdBackend;
let convolve;
let outputSize;

let explorer = null;
let summary = null;

const ops = {
  async init({ module }) {
    const api = await pkg;
    await api.default({ module_or_path: module ?? fetch(new URL("../pkg/convlens_bg.wasm", import.meta.url)) });
    ({ Explorer, simdBackend, convolve, outputSize } = api);
    return { simd: simdBackend(), builtins: Explorer.builtinNames() };
  },

  /** {builtin: name} or {bytes: Uint8Array} -> summary of the model now loaded. */
  load({ builtin, bytes }) {
    const next = builtin !== undefined ? Explorer.builtin(builtin) : Explorer.fromBytes(bytes);
    const nextSummary = next.summary();
    if (explorer) explorer.free();
    explorer = next;
    summary = nextSummary;
    return summary;
  },

  /** Forward pass; returns the output and every layer's activation (transferred, not copied). */
  run({ input }) {
    if (!explorer) throw new Error("no model is loaded");
    const t0 = performance.now();
    const output = explorer.run(input);
    const activations = summary.layers.map((_, i) => explorer.activation(i));
    return { output, activations, ms: performance.now() - t0 };
  },

  parameters({ layer }) {
    if (!explorer) throw new Error("no model is loaded");
    return explorer.parameters(layer);
  },

  convolve({ image, height, width, kernel, kernelHeight, kernelWidth, stride, padding }) {
    const out = convolve(image, height, width, kernel, kernelHeight, kernelWidth, stride, padding);
    return { data: out.data, height: out.height, width: out.width };
  },

  outputSize({ input, kernel, stride, padding, dilation }) {
    return outputSize(input, kernel, stride, padding, dilation ?? 1);
  },
};
// The explaining ops (maximize, attribute, statistics) load after the wasm download has started:
// a static import would hold that download back by one more request.
const explainReady = import("./worker-explain.js").then(({ explainOps }) =>
  Object.assign(ops, explainOps({ explorer: () => explorer, summary: () => summary, api: () => pkg })),
);

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
    if (!(op in ops)) await explainReady;
    if (!(op in ops)) throw new Error(`unknown worker operation '${op}'`);
    const result = await ops[op](args ?? {});
    self.postMessage({ id, ok: true, result }, transferables(result));
  } catch (e) {
    self.postMessage({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
}

// Requests run one at a time in arrival order, so a client may send "load" right behind "init"
// without waiting for it (the page does, to save a round trip at start-up).
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};
