// TF.js bundled for node by the benchmark's esbuild (tools/bench/), for the benchmark's node tests:
// its prebuilt bundles lack the gradients and the cpu backend's kernels the tests use.

import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Bundles `source` (esbuild's `entryPoints` or `stdin` options, resolved in tools/bench/) into
 * `dir`/tf.mjs and imports it, with TF.js's "install tfjs-node" banner off.
 */
export async function tfForNode(dir, source) {
  const esbuild = createRequire(path.join(ROOT, "tools/bench/package.json"))("esbuild");
  await esbuild.build({
    ...source,
    outfile: path.join(dir, "tf.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    mainFields: ["module", "main"],
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    logLevel: "error",
  });
  const tf = await import(pathToFileURL(path.join(dir, "tf.mjs")).href);
  tf.env().set("IS_TEST", true);
  return tf;
}
