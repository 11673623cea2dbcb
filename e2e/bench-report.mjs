// The benchmark's markdown report (bench-results/bench.md and stdout; docs/benchmarks.md after a
// full run) from the page's result object plus the host facts e2e/bench.mjs adds. Pure, so it is
// tested with a made-up result.

import { trainingMarkdown } from "./bench-train-report.mjs";

export const f = (x, d = 3) => {
  if (x == null || Number.isNaN(x)) return "–";
  if (x === 0) return "0";
  return Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(d)).toString();
};
const pct = (x) => (x == null || Number.isNaN(x) ? "–" : `${Math.round(100 * x)}%`);

/** Median of a list of numbers. */
function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** The two largest conv shapes by FLOPs (the 48 GFLOP/s target). */
export function largestShapes(cases) {
  const byShape = new Map();
  for (const c of cases.filter((c) => c.kind === "conv2d")) byShape.set(c.shape, Math.max(byShape.get(c.shape) ?? 0, c.flops));
  return [...byShape].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([s]) => s);
}

/** The targets, each {target, met, detail}. */
export function targets(result) {
  const conv = result.cases.filter((c) => c.kind === "conv2d");
  const out = [];
  if (conv.length) {
    const slow = conv.filter((c) => c.ratio < 1);
    out.push({
      target: "every conv2d case at least 1.0x TF.js-wasm",
      met: slow.length === 0,
      detail: slow.length ? `${conv.length - slow.length} of ${conv.length} cases at 1.0x or more; below: ${slow.map((c) => `${c.name} ${c.ratio.toFixed(2)}x`).join(", ")}` : `all ${conv.length} cases`,
    });
    const big = largestShapes(result.cases);
    const bigCases = conv.filter((c) => big.includes(c.shape));
    const under = bigCases.filter((c) => c.convlens.gflops < 48);
    out.push({
      target: `the two largest shapes (${big.join(", ")}) at least 48 GFLOP/s`,
      met: under.length === 0,
      detail: bigCases.map((c) => `${c.name} ${f(c.convlens.gflops)}`).join(", "),
    });
  }
  for (const c of result.cases.filter((c) => c.kind === "model")) {
    out.push({ target: `${c.name} at least ${c.targetRatio}x faster than TF.js`, met: c.ratio >= c.targetRatio, detail: `${c.ratio.toFixed(2)}x` });
  }
  if (result.wasm) {
    const kb = result.wasm.bytes / 1024;
    out.push({ target: "release .wasm at most 300 KB before compression", met: kb <= 300, detail: `${result.wasm.file ? `${result.wasm.file} ` : ""}${kb.toFixed(0)} KB, ${(result.wasm.gzip / 1024).toFixed(0)} KB gzip` });
  }
  const page = result.page;
  if (page?.redraw) {
    out.push({ target: "explorer page: forward pass + redraw of every map at most 16 ms", met: page.redraw.median <= 16, detail: `median ${f(page.redraw.median)} ms` });
  }
  if (page?.firstMapsMs?.length) {
    const m = median(page.firstMapsMs);
    out.push({ target: "explorer page: navigation to the first feature maps at most 500 ms", met: m <= 500, detail: `median ${f(m)} ms in an open tab` });
  }
  const load = result.page?.firstLoad;
  if (load) {
    out.push({
      target: "first load of the explorer page at most 500 KB gzip",
      met: load.gzip / 1024 <= 500 && load.files.filter((x) => x.path.endsWith(".wasm")).length === 1,
      detail: `${load.files.length} files, ${(load.gzip / 1024).toFixed(0)} KB gzip -9 (${(load.bytes / 1024).toFixed(0)} KB raw), everything requested until the network is idle after the first maps; ` +
        `${load.files.filter((x) => x.path.endsWith(".wasm")).length} .wasm (one expected)`,
    });
  }
  return out;
}

const loadavg = (l) => (l ? l.map((x) => x.toFixed(2)).join(" ") : "?");

/**
 * Markdown: machine line (unless `machine: false`), peak, the side-by-side table, targets, notes,
 * explaining tools, page.
 */
export function markdown(result, { machine = true } = {}) {
  const h = result.host ?? {};
  const lines = [
    (machine
      ? `Measured ${result.date ?? "?"} on ${h.cpuModel ?? "?"} (${h.cpus ?? "?"} cores; load average ${loadavg(h.loadavgStart)} at the start, ` +
        `${loadavg(h.loadavgEnd)} at the end), ${result.browser ?? result.userAgent}. `
      : "") +
      `TF.js ${result.tfjs?.versions?.["@tensorflow/tfjs-core"] ?? "?"} on its \`${result.tfjs?.backend}\` backend ` +
      `(\`${result.tfjs?.wasmFile}\`, ${result.tfjs?.threads} thread); convlens build \`${result.pkg ?? "pkg"}/\`, SIMD backend \`${result.simdBackend}\`` +
      (result.relaxedSimdSupported === undefined ? "." : ` (relaxed SIMD ${result.relaxedSimdSupported ? "validates" : "does not validate"} in this browser).`),
    "",
  ];
  const supported = (result.peak ?? []).filter((p) => p.supported);
  if (supported.length) {
    lines.push(
      `SIMD128 peak of this browser (${supported[0].chains} independent f32x4 multiply-add chains): ` +
        supported.map((p) => `${p.name} ${f(p.gflops)} GFLOP/s (fastest sample ${f(p.bestGflops)})`).join(", ") +
        `. "% of peak" below is against the median of ${result.peakReference ?? supported[0].name}` +
        (result.peakEnd?.[0]?.supported ? ` (measured again after the side-by-side cases: ${f(result.peakEnd[0].gflops)} GFLOP/s).` : "."),
      "",
    );
  }
  for (const p of (result.peak ?? []).filter((p) => !p.supported)) lines.push(`${p.name}: not supported in this browser.`, "");
  if (result.cases.length) {
    lines.push(
      "| kind | case | MFLOP | convlens ms | TF.js ms | convlens GFLOP/s | TF.js GFLOP/s | ratio (TF.js / convlens) | ratio of fastest samples | convlens % of peak | TF.js % of peak | samples convlens / TF.js | max abs diff |",
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    );
    for (const c of result.cases) {
      lines.push(
        `| ${c.kind} | ${c.name} | ${f(c.mflop)} | ${f(c.convlens.medianMs)} | ${f(c.tfjs.medianMs)} | ${f(c.convlens.gflops)} | ` +
          `${f(c.tfjs.gflops)} | ${c.ratio.toFixed(2)}x | ${c.ratioFastest == null ? "–" : `${c.ratioFastest.toFixed(2)}x`} | ${pct(c.convlens.fractionOfPeak)} | ${pct(c.tfjs.fractionOfPeak)} | ` +
          `${c.convlens.samples}x${c.convlens.batch} / ${c.tfjs.samples}x${c.tfjs.batch} | ${c.check} |`,
      );
    }
    lines.push(
      "",
      "Times are medians per call; samples are `count x calls per sample`; the ratio of fastest samples " +
        "(TF.js's fastest sample / convlens's fastest) is a cross-check for a loaded machine. conv2d is 3x3 with bias, batch 1, float32 " +
        "(TF.js: `tf.fused.conv2d` with bias). For stride 2 \"same\" TF.js pads 0 top/left and 1 bottom/right; convlens pads 1 " +
        "on every side (same output size and FLOPs), and the outputs are compared against TF.js run with that explicit " +
        "symmetric padding. maxpool is 2x2 stride 2 on that case's conv output. The model gradient is of one logit " +
        "with respect to the input (TF.js: `tf.grad` through unfused conv2d + bias + relu, as its WebAssembly backend " +
        "has no Conv2DBackpropFilter for the fused op's gradient); model FLOPs count the conv and linear layers only.",
    );
  }
  const t = targets(result);
  if (t.length) {
    lines.push("", "Targets:", "");
    for (const x of t) lines.push(`- ${x.met ? "met" : "NOT met"}: ${x.target} (${x.detail})`);
  }
  if (result.notes?.length) {
    lines.push("");
    for (const n of result.notes) lines.push(`- ${n}`);
  }
  if (result.builds?.length) {
    lines.push(
      "",
      "convlens's two builds in the same page, samples interleaved (ratio = plain time / relaxed time; above 1: the relaxed build is faster):",
      "",
      "| case | plain SIMD128 ms | relaxed SIMD ms | plain GFLOP/s | relaxed GFLOP/s | ratio | ratio of fastest samples |",
      "|---|---:|---:|---:|---:|---:|---:|",
    );
    for (const r of result.builds) {
      lines.push(
        `| ${r.name} | ${f(r.plain.medianMs)} | ${f(r.relaxed.medianMs)} | ${f(r.plain.gflops)} | ${f(r.relaxed.gflops)} | ` +
          `${r.ratio.toFixed(2)}x | ${r.ratioFastest.toFixed(2)}x |`,
      );
    }
  }
  if (result.explain?.length) {
    lines.push("", "Explaining tools (convlens, median per call; digits unless named):", "", "| what | ms | target ms | met |", "|---|---:|---:|---|");
    for (const r of result.explain) lines.push(`| ${r.name} | ${f(r.medianMs)} | ${r.targetMs} | ${r.met ? "yes" : "no"} |`);
  }
  if (result.page) lines.push(pageMarkdown(result.page));
  if (result.training) lines.push("", "### Training", "", trainingMarkdown(result.training, { machine: false }));
  return lines.join("\n");
}

export function pageMarkdown(p) {
  const r = p.redraw;
  return [
    "",
    `Explorer page (${p.model}): forward pass + redraw of every feature map, ${r.n} runs through the worker: ` +
      `median ${f(r.median)} ms, p90 ${f(r.p90)} ms, min ${f(r.min)} ms (forward alone ${f(r.forwardMedian)} ms, drawing ${f(r.drawMedian)} ms).`,
    `Navigation to the first feature maps on screen, in an open tab (${p.firstMapsMs.length} loads): median ` +
      `${f(median(p.firstMapsMs))} ms (${p.firstMapsMs.map((x) => f(x)).join(", ")}); each in a new browser window: ` +
      `${(p.firstMapsNewWindowMs ?? []).map((x) => f(x)).join(", ")} ms.`,
    ...(p.firstLoad
      ? [`First load (until the network is idle): ${p.firstLoad.files.length} files, ${(p.firstLoad.gzip / 1024).toFixed(0)} KB gzip -9 ` +
          `(${(p.firstLoad.bytes / 1024).toFixed(0)} KB raw), of which ` +
          p.firstLoad.files.filter((x) => x.path.endsWith(".wasm")).map((x) => `${x.path.replace(/^\//, "")} ${(x.gzip / 1024).toFixed(0)} KB`).join(", ") +
          "."]
      : []),
  ].join("\n");
}

/**
 * docs/benchmarks.md: what is measured and how to run it, the run's date, machine (CPU model,
 * cores, load) and browser, then the report. e2e/bench.mjs writes it after a full run only.
 */
export function benchmarksDoc(result) {
  const h = result.host ?? {};
  const date = result.date ? result.date.slice(0, 10) : "?";
  return [
    "# Benchmarks",
    "",
    "convlens against TensorFlow.js 4.22 on its WebAssembly backend (XNNPACK, SIMD, one thread), the same",
    "work in the same page: conv2d 3x3 and max pooling 2x2/2 on six shapes, the digits model's forward pass",
    "and forward + input gradient, MobileNetV2's forward pass; then the SIMD128 peak of the browser,",
    "convlens's two wasm builds against each other, the explaining tools (maximization steps, Grad-CAM,",
    "statistics) and the explorer page's own timings and first-load size. Every side-by-side case first",
    "checks that both sides compute the same numbers (max abs diff in the table). Then training: convlens's",
    "`Trainer` against PyTorch (native, one thread), TF.js on its cpu backend and ConvNetJS on the digits and",
    "fashion architectures (batch 64, Adam, real data; `bench/train.html`, `e2e/bench-train.mjs`), and convlens",
    "from scratch against the clock on the MNIST test set (`./build.sh bench train` runs only this part).",
    "",
    "`./build.sh bench` writes this file from a full run (the page `bench/index.html`, driven by",
    "`e2e/bench.mjs` in headless Chromium; bench/README.md); a partial run",
    "(`BENCH_QUERY=\"samples=3&only=conv\" node e2e/bench.mjs`) writes `bench-results/bench-partial.*` instead.",
    "Numbers depend on the machine and on its load at the time (given below).",
    "",
    "## The run",
    "",
    `- Date: ${date}${result.date ? ` (${result.date})` : ""}`,
    `- Machine: ${h.cpuModel ?? "?"}, ${h.cpus ?? "?"} cores; load average ${loadavg(h.loadavgStart)} at the start, ${loadavg(h.loadavgEnd)} at the end`,
    `- Browser: ${result.browser ?? result.userAgent ?? "?"}`,
    ...(result.wallSeconds == null ? [] : [`- Duration: ${Math.round(result.wallSeconds)} s`]),
    "",
    "## Results",
    "",
    markdown(result, { machine: false }),
    "",
  ].join("\n");
}
