// Bundles TensorFlow.js (core + gradients + WebAssembly backend) into bench/vendor/tfjs.js with
// esbuild and copies the backend's non-threaded SIMD .wasm next to it; for the training page
// (bench/train.html) TF.js core + layers + cpu backend into bench/vendor/tfjs-train.js and ConvNetJS
// into bench/vendor/convnet.js. bench/vendor/ is gitignored; the benchmark pages serve it from their
// own origin. Run by `./build.sh bench` (npm ci first).

import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const OUT = here("../../bench/vendor/");
const require = createRequire(import.meta.url);
const pkg = (name) => require(`${name}/package.json`);

await mkdir(OUT, { recursive: true });
const bundle = (entry, out) =>
  esbuild.build({
    entryPoints: [here(entry)],
    outfile: `${OUT}${out}`,
    bundle: true,
    format: "esm",
    platform: "browser", // honours the packages' "browser" fields (no fs, path, worker_threads)
    target: "es2020",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
  });
await bundle("tfjs-entry.js", "tfjs.js");
await bundle("tfjs-train-entry.js", "tfjs-train.js");
await bundle("convnet-entry.js", "convnet.js");
// Only the non-threaded SIMD build is served: the page disables the threaded one, and a fallback to
// the scalar build would fetch a missing file and fail loudly instead of measuring something else.
const wasmDist = here("node_modules/@tensorflow/tfjs-backend-wasm/dist/");
await copyFile(`${wasmDist}tfjs-backend-wasm-simd.wasm`, `${OUT}tfjs-backend-wasm-simd.wasm`);
const versions = {
  "@tensorflow/tfjs-core": pkg("@tensorflow/tfjs-core").version,
  "@tensorflow/tfjs-backend-wasm": pkg("@tensorflow/tfjs-backend-wasm").version,
  "@tensorflow/tfjs-backend-cpu": pkg("@tensorflow/tfjs-backend-cpu").version,
  "@tensorflow/tfjs-layers": pkg("@tensorflow/tfjs-layers").version,
  convnetjs: pkg("convnetjs").version,
  esbuild: esbuild.version,
};
await writeFile(`${OUT}versions.json`, `${JSON.stringify(versions, null, 2)}\n`);
console.log(`bench/vendor/: tfjs.js + tfjs-backend-wasm-simd.wasm, tfjs-train.js, convnet.js (${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ")})`);
