// What the training benchmark page imports as bench/vendor/tfjs-train.js: TensorFlow.js core with its
// gradient registrations, the Layers API (tf.sequential, model.trainOnBatch) and the plain-JS cpu
// backend. TF.js trains a conv net without a GPU only there: its WebAssembly backend (4.22) has no
// Conv2DBackpropFilter kernel. A separate bundle from tfjs.js (one TF.js engine per page). Bundled
// by bundle.mjs.
export * from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-backend-cpu";
export { layers, sequential, version_layers } from "@tensorflow/tfjs-layers";
export { version_cpu } from "@tensorflow/tfjs-backend-cpu";
