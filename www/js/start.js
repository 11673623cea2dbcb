// The first thing a page with convlens runs: it starts the engine worker and, on this thread at the
// same time, the streaming compile of the wasm module (handed to the worker once compiled). This
// module has no imports, so as its own <script type="module" async> it runs the moment it arrives,
// before the page's other modules; engine.js adopts what it started (Engine.shared, Engine.start).

/**
 * The worker: worker.js next to this module, or (single-file build) a Blob of its bundled source,
 * as a classic worker (Chromium refuses module workers from blob: URLs of a file:// page).
 */
export function createWorker(url = new URL("./worker.js", import.meta.url)) {
  const inline = globalThis.convlensInline;
  if (inline?.workerSource) {
    const blob = new Blob([inline.workerSource], { type: "text/javascript" });
    return new Worker(URL.createObjectURL(blob));
  }
  return new Worker(url, { type: "module" });
}

/**
 * The compiled wasm module, or null when it can't be compiled here: a host that serves .wasm
 * without the application/wasm type makes compileStreaming fail, and the worker then fetches and
 * compiles it itself; the single-file build's worker has the wasm bytes inside.
 */
export function compileWasm() {
  if (globalThis.convlensInline?.workerSource) return Promise.resolve(null);
  return WebAssembly.compileStreaming(fetch(new URL("../pkg/convlens_bg.wasm", import.meta.url))).catch(() => null);
}

let early = { worker: createWorker(), compiled: compileWasm() };

/** The worker and compile started when this module loaded: {worker, compiled}, once; then null. */
export function takeEarly() {
  const e = early;
  early = null;
  return e;
}
