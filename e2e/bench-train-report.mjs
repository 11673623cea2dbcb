// The training benchmark's markdown (bench-results/train.md, and the training section of a full
// run's report) from the result of e2e/bench-train.mjs's `trainBench`: {torch, page, browser, host}.
// Pure, so e2e/bench-train.test.mjs tests it with made-up results.

/** A number for the table: 3 significant digits, whole numbers from 100. */
export const f = (x, d = 3) => {
  if (x == null || Number.isNaN(x)) return "–";
  if (x === 0) return "0";
  return Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(d)).toString();
};

export const PEER_NAMES = { torch: "PyTorch (native, 1 thread)", convlens: "convlens Trainer (wasm)", tfjs: "TF.js (cpu backend)", convnetjs: "ConvNetJS" };
/** convlens's images/s divided by each peer's: at least this. */
export const GOALS = { torch: 0.8, tfjs: 10, convnetjs: 10 };
export const QUALITY_GOAL = { accuracy: 0.98, seconds: 60 };

/** Every trainer of one architecture: {peer: {available, reason?, error?, imagesPerSecond, msPerStep, ...}}. */
export function peersOf(training, dataset) {
  const fromPage = training.page?.speed?.find((s) => s.dataset === dataset)?.peers ?? {};
  const t = training.torch;
  const torch = !t?.available
    ? { available: false, reason: t?.reason ?? "not run" }
    : t[dataset]
      ? { available: true, ...t[dataset], info: { torch: t.torch, threads: t.threads, cpuCapability: t.cpuCapability } }
      : { available: false, reason: `torch_train.py did not time ${dataset}` };
  return { torch, ...fromPage };
}

const usable = (p) => p?.available && !p.error && p.imagesPerSecond > 0;

/** The goals, each {target, met: true | false | null (not measured), detail}. */
export function trainingGoals(training) {
  const out = [];
  for (const s of training.page?.speed ?? []) {
    const peers = peersOf(training, s.dataset);
    const c = peers.convlens;
    for (const [p, goal] of Object.entries(GOALS)) {
      if (!(p in peers)) continue;
      const target = `${s.dataset}: convlens at least ${goal}x ${PEER_NAMES[p]}'s images/s`;
      if (!usable(c) || !usable(peers[p])) {
        const why = !usable(c) ? `convlens ${c?.error ? `failed: ${c.error}` : `not available: ${c?.reason ?? "not run"}`}` : `${PEER_NAMES[p]} ${peers[p].error ? `failed: ${peers[p].error}` : `not available: ${peers[p].reason}`}`;
        out.push({ target, met: null, detail: why });
        continue;
      }
      const ratio = c.imagesPerSecond / peers[p].imagesPerSecond;
      out.push({ target, met: ratio >= goal, ratio, detail: `${ratio.toFixed(2)}x (${f(c.imagesPerSecond)} vs ${f(peers[p].imagesPerSecond)} images/s)` });
    }
  }
  const q = training.page?.quality;
  if (q) {
    const target = `digits from scratch: ${100 * QUALITY_GOAL.accuracy} % on the 10,000-image MNIST test set within ${QUALITY_GOAL.seconds} s of training`;
    if (!q.available || q.error) out.push({ target, met: null, detail: q.error ? `failed: ${q.error}` : `not available: ${q.reason}` });
    else if (q.testExamples !== 10000) out.push({ target, met: null, detail: `evaluated on ${q.testExamples} test images, not the full 10,000` });
    else out.push({ target, met: Boolean(q.reached && q.reached.seconds <= QUALITY_GOAL.seconds), detail: q.reached ? `first seen at ${f(q.reached.seconds)} s (${q.reached.steps} steps)` : `not reached in ${q.capSeconds} s (best ${(100 * q.best).toFixed(2)} %)` });
  }
  return out;
}

const verdict = (met) => (met === true ? "met" : met === false ? "NOT met" : "not measured");

function peerCells(p, ratio) {
  if (!p.available) return [`not available: ${p.reason}`, "", "", "", "", ""];
  if (p.error) return [`failed: ${p.error}`, "", "", "", "", ""];
  return [
    f(p.imagesPerSecond),
    f(p.msPerStep),
    f(p.medianMsPerStep),
    `${p.steps} (+${p.warmupSteps ?? 0})`,
    p.firstLoss == null ? `– → ${f(p.lastLoss)}` : `${f(p.firstLoss)} → ${f(p.lastLoss)}`,
    ratio == null ? "" : `${ratio.toFixed(2)}x`,
  ];
}

/** The training section: machine line (unless `machine: false`), the speed table, the curve, the goals. */
export function trainingMarkdown(training, { machine = true } = {}) {
  const h = training.host ?? {};
  const page = training.page ?? {};
  const t = training.torch ?? {};
  const lines = [];
  if (machine) {
    const la = (l) => (l ? l.map((x) => x.toFixed(2)).join(" ") : "?");
    lines.push(`Measured ${page.date ?? "?"} on ${h.cpuModel ?? "?"} (${h.cpus ?? "?"} cores; load average ${la(h.loadavgStart)} at the start, ${la(h.loadavgEnd)} at the end), ${training.browser ?? page.userAgent ?? "?"}.`, "");
  }
  const libs = page.libraries ?? {};
  lines.push(
    "Training speed, batch 64, Adam (lr 1e-3), softmax cross-entropy, on the first " +
      `${page.options?.examples ?? "?"} real training images of each set; warm-up steps untimed. ` +
      `PyTorch ${t.available ? `${t.torch} (${t.cpuCapability ?? "?"}, ${t.threads} thread)` : "(not run)"}: native, \`tools/train-bench/torch_train.py\`. ` +
      `In the page (${libs.convlens?.available ? `convlens bench build \`${page.pkg}/\`` : "convlens not loaded"}` +
      `${libs.tfjs?.available ? `, TF.js ${libs.tfjs.core} layers ${libs.tfjs.layers} on its \`${libs.tfjs.backend}\` backend` : ""}` +
      `${libs.convnetjs?.available ? `, ConvNetJS ${libs.convnetjs.version}` : ""}): ${page.method?.timing ?? ""}.`,
    "",
    "| architecture | trainer | images/s | ms per step | median ms per step | timed steps (+ warm-up) | loss first → last | convlens / this |",
    "|---|---|---:|---:|---:|---:|---|---:|",
  );
  for (const s of page.speed ?? []) {
    const peers = peersOf(training, s.dataset);
    const c = peers.convlens;
    for (const [name, p] of Object.entries(peers)) {
      const ratio = name !== "convlens" && usable(c) && usable(p) ? c.imagesPerSecond / p.imagesPerSecond : null;
      lines.push(`| ${s.dataset} | ${PEER_NAMES[name] ?? name} | ${peerCells(p, ratio).join(" | ")} |`);
    }
  }
  const q = page.quality;
  if (q?.available && !q.error) {
    lines.push(
      "",
      `convlens from scratch on the digits architecture (seed ${page.options?.seed ?? 0}; ${q.trainExamples} MNIST training images, ${q.trainData}), ` +
        `accuracy on the ${q.testExamples}-image test set against training time (evaluation off the clock): ` +
        (q.reached ? `${100 * q.target} % first seen at ${f(q.reached.seconds)} s.` : `${100 * q.target} % not reached in ${q.capSeconds} s (best ${(100 * q.best).toFixed(2)} %).`),
      "",
      "| training s | steps | epochs | test accuracy | test loss |",
      "|---:|---:|---:|---:|---:|",
      ...q.curve.map((p) => `| ${f(p.seconds)} | ${p.steps} | ${f(p.epoch)} | ${(100 * p.accuracy).toFixed(2)} % | ${f(p.loss)} |`),
    );
  } else if (q) {
    lines.push("", `convlens from scratch: ${q.error ? `failed: ${q.error}` : `not available: ${q.reason}`}.`);
  }
  const tab = training.tab;
  if (tab && !tab.error) {
    lines.push(
      "",
      `The explorer's Train tab while it trains (the tiny preset on MNIST, ${tab.steps} steps, the page scrolled meanwhile; the training runs in the engine worker): ` +
        `${f(tab.seconds)} s (${f(tab.stepsPerSecond)} steps/s, with the live redraws and snapshots), test accuracy ${(100 * tab.testAccuracy).toFixed(1)} %; ` +
        `the page drew ${tab.frames} frames, ${f(tab.p50)} ms apart at the median, ${f(tab.p95)} ms at the 95th percentile, ${f(tab.max)} ms at the longest.`,
    );
  } else if (tab) lines.push("", `The Train tab's frame times: failed: ${tab.error}.`);
  const goals = trainingGoals(training);
  if (goals.length) {
    lines.push("", "Training goals:", "");
    for (const g of goals) lines.push(`- ${verdict(g.met)}: ${g.target} (${g.detail})`);
  }
  if (page.notes?.length) lines.push("", ...page.notes.map((n) => `- ${n}`));
  return lines.join("\n");
}
