// Runs www/bench.html in headless Chromium and writes bench-results/bench.json plus a markdown
// table on stdout, then times the explorer page (bench-results/bench-page.json; BENCH_PAGE_ONLY=1
// runs only that part). Needs a built www/pkg (./build.sh bench builds first).

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";
import { serve } from "./serve.mjs";

const OUT_DIR = fileURLToPath(new URL("../bench-results/", import.meta.url));
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 10 * 60 * 1000);

const f = (x, d = 3) => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(d)).toString());

function markdown(result) {
  const lines = [
    `Conv2d 3x3, stride 1, pad 1 — SIMD backend: \`${result.simdBackend}\` — ${result.userAgent}`,
    "",
    "| case (HxWxCin->Cout) | MFLOP | SIMD ms | SIMD GFLOP/s | scalar ms | scalar GFLOP/s | speedup (scalar/SIMD) | samples SIMD / scalar | max abs diff |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const c of result.cases) {
    lines.push(
      `| ${c.name} | ${f(c.flops / 1e6)} | ${f(c.fast.medianMs)} | ${f(c.fast.gflops)} | ${f(c.reference.medianMs)} | ` +
        `${f(c.reference.gflops)} | ${c.speedup.toFixed(2)}x | ${c.fast.samples}x${c.fast.batch} / ` +
        `${c.reference.samples}x${c.reference.batch} | ${c.maxDiff.toExponential(2)} |`,
    );
  }
  lines.push("", "Times are medians per call; samples are `count x calls per sample` (a sample is a batch of ~10 ms, or one call when a call is longer).");
  if (result.host) {
    const load = result.host.loadavg.map((x) => x.toFixed(2)).join(" ");
    lines.push(`Host: ${result.host.cpus} CPUs (${result.host.cpuModel}), load average ${load} at the end of the run.`);
  }
  for (const n of result.notes) lines.push(`- ${n}`);
  if (result.explain?.length) {
    lines.push("", "Explaining tools, digits model (median per call):", "", "| what | ms | target ms | met |", "|---|---:|---:|---|");
    for (const r of result.explain) lines.push(`| ${r.name} | ${f(r.medianMs)} | ${r.targetMs} | ${r.met ? "yes" : "no"} |`);
  }
  return lines.join("\n");
}

/**
 * The explorer page (index.html, digits model): forward pass + redraw of every map, timed by the
 * page's own hook (window.convlensBench), and navigation -> first maps on screen for fresh loads.
 */
async function pageBench(browser, server) {
  const firstMaps = [];
  let redraw = null;
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.url}index.html#model=digits&sample=digit-5`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
    await page.waitForFunction(() => document.body.dataset.firstMapsMs);
    firstMaps.push(Number(await page.evaluate(() => document.body.dataset.firstMapsMs)));
    if (i === 0) redraw = await page.evaluate(() => window.convlensBench(200));
    await context.close();
  }
  return { model: "digits", redraw, firstMapsMs: firstMaps };
}

function pageMarkdown(p) {
  const r = p.redraw;
  return [
    "",
    `Explorer page (${p.model}): forward pass + redraw of every feature map, ${r.n} runs through the worker: ` +
      `median ${f(r.median)} ms, p90 ${f(r.p90)} ms, min ${f(r.min)} ms (forward alone ${f(r.forwardMedian)} ms, drawing ${f(r.drawMedian)} ms).`,
    `Navigation to the first feature maps on screen (fresh page, 3 loads): ${p.firstMapsMs.map((x) => f(x)).join(", ")} ms.`,
  ].join("\n");
}

async function main() {
  const server = await serve();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    const t0 = Date.now();
    let result;
    if (process.env.BENCH_PAGE_ONLY === "1") {
      result = { notes: [], cases: [] };
    } else {
      await page.goto(`${server.url}bench.html`);
      await page.waitForFunction(() => document.body.dataset.done, null, { timeout: TIMEOUT_MS, polling: 500 });
      result = await page.evaluate(() => window.benchResult);
      if (!result || result.error) throw new Error(`benchmark failed: ${result?.error ?? "no result"}\n${problems.join("\n")}`);
    }
    result.page = await pageBench(browser, server);
    result.wallSeconds = (Date.now() - t0) / 1000;
    // Context for reading the numbers: the machine may be shared with other jobs.
    result.host = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg(), node: process.version };
    if (problems.length) result.problems = problems;
    await mkdir(OUT_DIR, { recursive: true });
    if (result.cases.length) {
      await writeFile(`${OUT_DIR}bench.json`, `${JSON.stringify(result, null, 2)}\n`);
      await page.screenshot({ path: `${OUT_DIR}bench.png`, fullPage: true });
      console.log(markdown(result));
    }
    await writeFile(`${OUT_DIR}bench-page.json`, `${JSON.stringify({ page: result.page, host: result.host }, null, 2)}\n`);
    console.log(pageMarkdown(result.page));
    console.log(`\nwrote bench-results/${result.cases.length ? "bench.json and " : ""}bench-page.json (${result.wallSeconds.toFixed(1)} s)`);
    if (problems.length) console.warn(problems.join("\n"));
    if (result.cases.length && result.simdBackend !== "simd128") console.warn(`warning: SIMD backend is '${result.simdBackend}', not simd128`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
