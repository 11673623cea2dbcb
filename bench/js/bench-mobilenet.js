// The MobileNetV2 cases of the benchmark page (issue 8): the ImageNet model file from
// models/mobilenet_v2.safetensors (./build.sh models) run by convlens and, rebuilt from the same
// file by tf-graph.js, by TensorFlow.js-wasm: the 224x224 forward pass side by side (target: at least
// 1.0x TF.js), and one activation-maximization step (forward + input gradient + the colour model's
// regularizers) against 150 ms, convlens only. Both sides' logits are compared before timing.

import { buildTfGraph } from "./tf-graph.js";
import { chwToHwc } from "./tf-layout.js";

/** www/models/mobilenet_v2.safetensors: the product (www/) is served at ../../ from here. */
export const MOBILENET_URL = new URL("../../models/mobilenet_v2.safetensors", import.meta.url);

/**
 * `deps`: {tf, Explorer, timePair, agree, measure, timing, status}. Returns {rows, explain} (rows
 * like the model cases', explain like the explaining cases'), or null when the file is missing.
 */
export async function mobilenetCases({ tf, Explorer, timePair, agree, measure, timing, status }) {
  status("MobileNetV2: loading the model file…");
  const res = await fetch(MOBILENET_URL);
  if (!res.ok) return null;
  const bytes = new Uint8Array(await res.arrayBuffer());
  const ex = Explorer.fromBytes(bytes);
  const net = buildTfGraph(tf, bytes);
  const summary = ex.summary();
  const { channels: c, height: h, width: w } = summary.input;
  // A fixed picture-like input in [0, 1] (smooth waves, so activations are not all noise).
  const raw = Float32Array.from({ length: c * h * w }, (_, i) => {
    const p = i % (h * w);
    return 0.5 + 0.4 * Math.sin(0.05 * (p % w) + 1.3 * Math.floor(i / (h * w))) * Math.cos(0.07 * Math.floor(p / w));
  });
  const x = tf.tensor4d(chwToHwc(raw, c, h, w), net.shape);
  const logitsAt = summary.layers.findIndex((l) => l.name === net.logitsLayer);
  const rows = [];
  const explain = [];
  try {
    ex.run(raw);
    const { logits } = net.forward(x);
    const check = agree("MobileNetV2 logits", ex.activation(logitsAt), logits.dataSync(), (scale) => 1e-3 * (1 + scale));
    tf.dispose(logits);
    const flops = mobilenetFlops(summary);
    const forward = {
      kind: "model",
      name: "MobileNetV2 224x224: forward (logits + softmax)",
      flops,
      mflop: flops / 1e6,
      ...(await timePair(
        "MobileNetV2 forward",
        (n) => { for (let i = 0; i < n; i++) ex.run(raw); },
        (n) => { for (let i = 0; i < n; i++) tf.dispose(tf.tidy(() => Object.values(net.forward(x)))); },
        flops,
      )),
      check: `logits ${check.maxAbsDiff.toExponential(1)}`,
      agreement: { logits: check },
      targetRatio: 1,
    };
    rows.push(forward);
    // One maximization step of a late channel with the page's default regularizers for this model.
    const target = summary.layers.findLastIndex((l) => l.type === "relu6");
    const m = ex.maximizer({ layer: target, channel: 0 });
    status("timing a MobileNetV2 maximization step…");
    // advance(n): the steps alone, as the page's live view runs them (step(n) adds a forward pass per
    // call to report the value on the final image).
    const [r] = await measure([(n) => m.advance(n)], timing);
    explain.push({ name: `MobileNetV2: one maximization step (${summary.layers[target].name}, channel 0)`, targetMs: 150, medianMs: r.medianMs, samples: r.samples, batch: r.batch, met: r.medianMs <= 150 });
    m.free();
  } finally {
    tf.dispose(x);
    net.dispose();
    ex.free();
  }
  return { rows, explain };
}

/** Multiply-adds x 2 of the convolutions and the linear layer (what a forward pass must compute). */
export function mobilenetFlops(summary) {
  let macs = 0;
  for (const l of summary.layers) {
    if (l.type === "conv2d") {
      const [cin] = l.inputShape;
      const [cout, oh, ow] = l.outputShape;
      const g = l.groups ?? 1;
      macs += cout * oh * ow * (cin / g) * l.kernelSize[0] * l.kernelSize[1];
    } else if (l.type === "linear") {
      macs += l.outputShape[0] * l.inputShape[0];
    }
  }
  return 2 * macs;
}
