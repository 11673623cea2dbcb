// What the benchmark page imports as bench/vendor/tfjs.js: TensorFlow.js core with its gradient
// registrations (the prebuilt bundles lack them, so tf.grad of conv2d/maxPool would fail) and
// the WebAssembly backend (XNNPACK kernels). Bundled by bundle.mjs.
export * from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
export { setWasmPaths, setThreadsCount, getThreadsCount, version_wasm } from "@tensorflow/tfjs-backend-wasm";
