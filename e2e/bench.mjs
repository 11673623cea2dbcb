// Runs the benchmark page bench/index.html (convlens side by side with TensorFlow.js-wasm) in
// headless Chromium and writes bench-results/bench.json, bench.md (also printed) and bench.png, then
// times the explorer page (bench-results/bench-page.json); a full run also writes docs/benchmarks.md.
// BENCH_PAGE_ONLY=1 runs only the explorer part; BENCH_QUERY runs the bench page with that query,
// e.g. "samples=5&only=conv", skips the explorer part and writes bench-results/bench-partial.*.
// One server, one origin: www/ at /, bench/ at /bench/. Needs the product build (www/pkg*/), the
// bench build (bench/pkg*/) and the TF.js bundle in bench/vendor/ (./build.sh bench makes all three).
// A full run then runs the training bench (e2e/bench-train.mjs: PyTorch, then bench/train.html) into
// the same report; BENCH_TRAIN=0 leaves it out.

import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { profileMarkdown, selfTimes } from "./bench-profile.mjs";
import { benchmarksDoc, markdown, pageMarkdown } from "./bench-report.mjs";
import { launch, watchProblems } from "./browser.mjs";
import { BENCH, serve, WWW } from "./serve.mjs";
import { trainBench } from "./bench-train.mjs";

const OUT_DIR = fileURLToPath(new URL("../bench-results/", import.meta.url));
const DOC = fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url));
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 20 * 60 * 1000);
const STALL_MS = Number(process.env.BENCH_STALL_MS ?? 3 * 60 * 1000); // one case never takes this long
// Extra query for the bench page, e.g. BENCH_QUERY="samples=5&only=conv" for a quick look.
// BENCH_PROFILE=1: CPU profile of every side-by-side case with the named build (bench/pkg-profiling),
// written to bench-results/profile.md and profile.json instead of the timing results.
const PROFILE = process.env.BENCH_PROFILE === "1";
const QUERY_PARTS = [process.env.BENCH_QUERY, PROFILE && "pkg=pkg-profiling&profile=1"].filter(Boolean);
const QUERY = QUERY_PARTS.length ? `?${QUERY_PARTS.join("&")}` : "";
// A partial run (BENCH_QUERY) writes bench-partial.*, leaving the last full run's bench.* alone.
const BASE = process.env.BENCH_QUERY ? "bench-partial" : "bench";

/** "AMD EPYC (family 25 model 1)": os.cpus() alone may say only "AMD EPYC". */
async function cpuModel() {
  const name = os.cpus()[0]?.model?.trim() ?? "unknown CPU";
  try {
    const info = await readFile("/proc/cpuinfo", "utf8");
    const field = (k) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim();
    const [family, model] = [field("cpu family"), field("model")];
    return family && model ? `${name} (family ${family} model ${model})` : name;
  } catch {
    return name;
  }
}

/**
 * Waits for the bench page's done flag, printing its status line as it changes (to stderr), and
 * fails with that status if it stays the same for STALL_MS (a stuck case) or the run exceeds TIMEOUT_MS.
 */
async function waitForDone(page) {
  const started = Date.now();
  let last = "";
  let since = Date.now();
  const timeout = (ms) => new Promise((resolve) => setTimeout(() => resolve(null), ms));
  for (;;) {
    // A page busy in one long synchronous call does not answer: that counts as no progress.
    const state = await Promise.race([
      page.evaluate(() => [document.getElementById("bench-status")?.textContent ?? "", document.body.dataset.done]),
      timeout(5000),
    ]);
    const [status, done] = state ?? [last, undefined];
    if (done) return;
    if (status !== last) {
      process.stderr.write(`  [${((Date.now() - started) / 1000).toFixed(0)} s] ${status}\n`);
      last = status;
      since = Date.now();
    }
    if (Date.now() - since > STALL_MS || Date.now() - started > TIMEOUT_MS) {
      const where = await pausedStack(page).catch((e) => `(no stack: ${e.message})`);
      throw new Error(`the bench page is stuck at '${status}' (no progress for ${((Date.now() - since) / 1000).toFixed(0)} s); it was in:\n${where}`);
    }
    await timeout(1000);
  }
}

/** Pauses the page's JavaScript through the DevTools protocol and describes the call stack. */
async function pausedStack(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Debugger.enable");
  const paused = new Promise((resolve) => cdp.once("Debugger.paused", resolve));
  await cdp.send("Debugger.pause");
  const { callFrames } = await Promise.race([paused, new Promise((_, reject) => setTimeout(() => reject(new Error("did not pause")), 10000))]);
  const lines = [];
  for (const f of callFrames.slice(0, 12)) {
    let locals = "";
    try {
      const { result } = await cdp.send("Debugger.evaluateOnCallFrame", {
        callFrameId: f.callFrameId,
        expression: `JSON.stringify({n: typeof n === "undefined" ? undefined : n, batches: typeof batches === "undefined" ? undefined : batches, t: typeof t === "undefined" ? undefined : t})`,
      });
      locals = result.value ?? "";
    } catch {
      // wasm frames cannot evaluate JavaScript
    }
    lines.push(`    ${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.location.lineNumber + 1} ${locals}`);
  }
  await cdp.send("Debugger.resume").catch(() => {});
  return lines.join("\n");
}

/**
 * The explorer page (index.html, digits model): forward pass + redraw of every map, timed by the
 * page's own hook (window.convlensBench) in the open tab, and navigation -> first maps on screen,
 * two ways:
 * - `firstMapsMs`: navigations in one open tab (about:blank in between; the server sends no-store,
 *   so every file is fetched and compiled again), as when a visitor follows a link;
 * - `firstMapsNewWindowMs`: each load in a brand-new browser context. Headless Chromium builds a
 *   new window's own browser UI at the same time (its WebUI omnibox popup, hundreds of chrome://
 *   modules in a trace), which on 2 cores competes with the page: reported, not the target.
 */
async function pageBench(browser, server) {
  const url = `${server.url}index.html#model=digits&sample=digit-5`;
  const firstMaps = async (page) => {
    await page.waitForFunction(() => document.body.dataset.firstMapsMs, null, { timeout: 60_000 });
    return Number(await page.evaluate(() => document.body.dataset.firstMapsMs));
  };
  const firstMapsNewWindow = [];
  let firstLoad = null;
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const files = new Set();
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (u.origin === new URL(server.url).origin) files.add(decodeURIComponent(u.pathname));
    });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
    firstMapsNewWindow.push(await firstMaps(page));
    if (i === 0) {
      await page.waitForLoadState("networkidle");
      firstLoad = await loadSizes([...files]);
    }
    await context.close();
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const tab = await context.newPage();
  const inTab = [];
  for (let i = 0; i < 8; i++) {
    await tab.goto("about:blank");
    await tab.goto(url);
    const ms = await firstMaps(tab);
    if (i > 0) inTab.push(ms); // the first load also starts the tab's renderer
  }
  // Forward + redraw while drawing, on the last load once it is idle.
  await tab.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
  await tab.waitForLoadState("networkidle");
  const redraw = await tab.evaluate(() => window.convlensBench(200));
  await context.close();
  return { model: "digits", redraw, firstMapsMs: inTab, firstMapsNewWindowMs: firstMapsNewWindow, firstLoad };
}

/**
 * Raw and gzip -9 sizes of the files a first page load requested (from www/ on disk); `gzip` is the
 * smaller of the two per file (a server sends already-compressed JPEG/PNG as they are).
 */
async function loadSizes(urlPaths) {
  const files = [];
  for (const p of urlPaths.sort()) {
    const file = path.join(WWW, p === "/" ? "index.html" : p);
    const bytes = await readFile(file).catch(() => null);
    if (bytes) files.push({ path: p, bytes: bytes.length, gzip: Math.min(bytes.length, gzipSync(bytes, { level: 9 }).length) });
  }
  const sum = (k) => files.reduce((s, f) => s + f[k], 0);
  return { files, bytes: sum("bytes"), gzip: sum("gzip") };
}

/**
 * The product's release wasm size (target: at most 300 KB, models included): of the build the bench ran
 * (`pkg`: www/pkg or www/pkg-relaxed), plus both builds' sizes.
 */
async function wasmSize(pkg = "pkg") {
  const size = async (dir) => {
    const file = path.join(WWW, dir, "convlens_bg.wasm");
    return { bytes: (await stat(file)).size, gzip: gzipSync(await readFile(file), { level: 9 }).length };
  };
  const builds = {};
  for (const dir of ["pkg", "pkg-relaxed"]) builds[dir] = await size(dir).catch(() => null);
  return { ...(builds[pkg] ?? builds.pkg), file: `${builds[pkg] ? pkg : "pkg"}/convlens_bg.wasm`, builds };
}

async function main() {
  const server = await serve({ mounts: { bench: BENCH } });
  const browser = await launch();
  const loadavgStart = os.loadavg();
  await mkdir(OUT_DIR, { recursive: true });
  try {
    const page = await browser.newPage();
    const problems = [];
    watchProblems(page, new URL(server.url).origin, problems);
    const profiles = [];
    if (PROFILE) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 200 }); // microseconds
      cdp.on("Profiler.consoleProfileFinished", (e) => profiles.push({ title: e.title, summary: selfTimes(e.profile) }));
    }
    const t0 = Date.now();
    let result;
    if (process.env.BENCH_PAGE_ONLY === "1") {
      result = { notes: [], cases: [] };
    } else {
      await page.goto(`${server.url}bench/index.html${QUERY}`);
      await waitForDone(page);
      result = await page.evaluate(() => window.benchResult);
      if (!result || result.error) throw new Error(`benchmark failed: ${result?.error ?? "no result"}\n${problems.join("\n")}`);
      await page.screenshot({ path: `${OUT_DIR}${BASE}.png`, fullPage: true }).catch(() => {});
    }
    if (!QUERY) result.page = await pageBench(browser, server);
    if (!QUERY && process.env.BENCH_PAGE_ONLY !== "1" && process.env.BENCH_TRAIN !== "0") {
      const { screenshot, ...training } = await trainBench(browser, { query: "" });
      result.training = training;
      if (screenshot) await writeFile(`${OUT_DIR}train.png`, screenshot);
      for (const p of training.page.problems ?? []) problems.push(`training page: ${p}`);
    }
    // Every part ran with the page's defaults: the run docs/benchmarks.md reports.
    const fullRun = !QUERY && process.env.BENCH_PAGE_ONLY !== "1";
    result.wallSeconds = (Date.now() - t0) / 1000;
    result.wasm = await wasmSize(result.pkg === "pkg-relaxed" ? "pkg-relaxed" : "pkg");
    result.browser = `Chromium ${browser.version()} (headless)`;
    // Context for reading the numbers: the machine may be shared with other jobs.
    result.host = {
      cpus: os.cpus().length,
      cpuModel: await cpuModel(),
      loadavgStart,
      loadavgEnd: os.loadavg(),
      node: process.version,
    };
    if (problems.length) result.problems = problems;
    if (PROFILE) {
      const md = profileMarkdown(profiles);
      await writeFile(`${OUT_DIR}profile.json`, `${JSON.stringify({ date: result.date, browser: result.browser, host: result.host, profiles }, null, 2)}\n`);
      await writeFile(`${OUT_DIR}profile.md`, `${md}\n`);
      console.log(md);
    } else if (result.cases.length || result.peak?.length || result.explain?.length) {
      const md = markdown(result);
      await writeFile(`${OUT_DIR}${BASE}.json`, `${JSON.stringify(result, null, 2)}\n`);
      await writeFile(`${OUT_DIR}${BASE}.md`, `${md}\n`);
      console.log(md);
      if (fullRun && !problems.length) {
        await mkdir(path.dirname(DOC), { recursive: true });
        await writeFile(DOC, benchmarksDoc(result));
        console.log("\nwrote docs/benchmarks.md");
      }
    } else if (result.page) {
      console.log(pageMarkdown(result.page));
    }
    if (result.page) await writeFile(`${OUT_DIR}bench-page.json`, `${JSON.stringify({ page: result.page, host: result.host }, null, 2)}\n`);
    console.log(`\nwrote bench-results/ (${result.wallSeconds.toFixed(1)} s)`);
    if (problems.length) {
      console.error(`problems on the page:\n${problems.join("\n")}`);
      process.exitCode = 1;
    }
    if (result.simdBackend && !["simd128", "simd128+relaxed"].includes(result.simdBackend)) {
      console.warn(`warning: SIMD backend is '${result.simdBackend}', not simd128 or simd128+relaxed`);
    }
    const wasmLoads = result.page?.firstLoad?.files.filter((x) => x.path.endsWith(".wasm")) ?? [];
    if (result.page && wasmLoads.length !== 1) {
      console.error(`the explorer's first load fetched ${wasmLoads.length} .wasm files (${wasmLoads.map((x) => x.path).join(", ")}), not one`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
