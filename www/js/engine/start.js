// The first thing a page with convlens runs: it starts the engine worker and, on this thread at the
// same time, the streaming compile of the wasm module (handed to the worker once compiled). This
// module has no imports, so as its own <script type="module" async> it runs the moment it arrives,
// before the page's other modules; client.js adopts what it started (Engine.shared, Engine.start).
//
// It also picks which of the two builds of the engine this browser gets (./build.sh build makes
// both): SIMD128 plus relaxed SIMD in www/pkg-relaxed/ (its kernels' multiply-adds are
// f32x4.relaxed_madd, fused where the CPU has FMA) when the engine validates a relaxed-SIMD
// instruction, else plain SIMD128 in www/pkg/. Exactly one .wasm is fetched per page load. Both
// builds share one JS glue, www/pkg/convlens.js (build.sh checks that the two are identical), so
// the worker imports that one whichever .wasm it is given.

/** The two builds: `name` is what the engine reports as its SIMD backend (`simdBackend()`). */
export const BUILDS = {
  relaxed: { name: "simd128+relaxed", dir: "pkg-relaxed" },
  plain: { name: "simd128", dir: "pkg" },
};

/**
 * A module with one function, (v128, v128, v128) -> v128 = f32x4.relaxed_madd of its parameters:
 * it validates only where relaxed SIMD is enabled.
 */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code section: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

/** Whether this engine has relaxed SIMD (it validates f32x4.relaxed_madd). */
export function relaxedSimdSupported() {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/**
 * The build this page loads, one of BUILDS: the relaxed one where relaxed SIMD validates, else the
 * plain one. `?convlens-wasm=plain` or `?convlens-wasm=relaxed` in the page's address forces one
 * (tests and comparisons); the single-file build (dist/convlens.html) has only the plain one inside.
 */
export function wasmBuild() {
  if (globalThis.convlensInline?.workerSource) return BUILDS.plain;
  const forced = globalThis.location ? new URLSearchParams(globalThis.location.search).get("convlens-wasm") : null;
  if (forced === "plain" || forced === "relaxed") return BUILDS[forced];
  return relaxedSimdSupported() ? BUILDS.relaxed : BUILDS.plain;
}

/** The .wasm file of a build. */
export function wasmUrl(build) {
  return new URL(`../../${build.dir}/convlens_bg.wasm`, import.meta.url);
}

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
 * `{module, build}`: the compiled wasm module of `build` and the build it is, or `module: null`
 * when it can't be compiled here: a host that serves .wasm without the application/wasm type makes
 * compileStreaming fail, and the worker then fetches and compiles `build` itself; the single-file
 * build's worker has the wasm bytes inside. A site that lacks the relaxed build (a copy of www/
 * made before it existed) gets the plain one.
 */
export function compileWasm(build = wasmBuild()) {
  if (globalThis.convlensInline?.workerSource) return Promise.resolve({ module: null, build: BUILDS.plain });
  return fetch(wasmUrl(build))
    .then((res) => (res.ok || build === BUILDS.plain ? WebAssembly.compileStreaming(res) : Promise.reject(res.status)))
    .then((module) => ({ module, build }))
    .catch((e) =>
      build !== BUILDS.plain && typeof e === "number" ? compileWasm(BUILDS.plain) : { module: null, build },
    );
}

// Imported as "./start.js?detect-only" (a separate module instance: the benchmark page, which loads
// the build it measures itself), this module only answers wasmBuild() and starts nothing.
let early = new URL(import.meta.url).searchParams.has("detect-only") ? null : { worker: createWorker(), compiled: compileWasm() };

/** The worker and compile started when this module loaded: {worker, compiled}, once; then null. */
export function takeEarly() {
  const e = early;
  early = null;
  return e;
}
