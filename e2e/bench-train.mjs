// The training benchmark: PyTorch's native one-thread training speed (tools/train-bench/torch_train.py
// in the .cache/torch venv), then the page bench/train.html in headless Chromium (convlens's Trainer,
// TF.js on its cpu backend and ConvNetJS side by side, then convlens from scratch against the clock),
// the same architectures and real data. Run alone (`./build.sh bench train`, or this file after a
// ./build.sh bench) it writes bench-results/train.{json,md} and prints the table; a full
// `./build.sh bench` (e2e/bench.mjs) runs `trainBench` and puts the table in its report.
//
//   node e2e/bench-train.mjs
//   BENCH_TRAIN_QUERY="seconds=2&rounds=1&quality-seconds=30" node e2e/bench-train.mjs   (bench-results/train-partial.*)
//   TORCH_PYTHON=/path/to/python (default .cache/torch/bin/python; missing: PyTorch "not available")
//
// One origin: www/ at /, bench/ at /bench/, the repository's models/ at /train-models/ and
// .cache/data/ (the MNIST / Fashion-MNIST IDX files ./build.sh fetches) at /train-data/.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { trainingMarkdown } from "./bench-train-report.mjs";
import { launch, watchProblems } from "./browser.mjs";
import { BENCH, serve } from "./serve.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const TRAIN_MOUNTS = { bench: BENCH, "train-data": `${ROOT}.cache/data/`, "train-models": `${ROOT}models/` };
const OUT_DIR = `${ROOT}bench-results/`;
const TORCH_PYTHON = process.env.TORCH_PYTHON ?? `${ROOT}.cache/torch/bin/python`;
const STALL_MS = Number(process.env.BENCH_STALL_MS ?? 3 * 60 * 1000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 20 * 60 * 1000);

/** PyTorch's numbers ({digits, fashion, torch, threads, ...}) or {available: false, reason}. */
export async function runTorch({ python = TORCH_PYTHON, args = [], log = () => {} } = {}) {
  if (!existsSync(python)) return { available: false, reason: `${python} is missing (./build.sh bench makes the .cache/torch venv)` };
  return new Promise((resolve) => {
    const child = spawn(python, [`${ROOT}tools/train-bench/torch_train.py`, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => {
      err += d;
      for (const line of String(d).split("\n").filter((l) => l.startsWith("torch_train.py"))) log(`  ${line}`);
    });
    child.on("error", (e) => resolve({ available: false, reason: `${python}: ${e.message}` }));
    child.on("close", (code) => {
      if (code !== 0) return resolve({ available: false, reason: `torch_train.py exited with ${code}: ${err.trim().split("\n").slice(-3).join(" / ")}` });
      try {
        resolve({ available: true, ...JSON.parse(out) });
      } catch (e) {
        resolve({ available: false, reason: `torch_train.py printed no JSON (${e.message})` });
      }
    });
  });
}

/** Waits for the page's done flag, logging its status line as it changes; fails on a stall. */
async function waitForDone(page, log) {
  const started = Date.now();
  let last = "";
  let since = Date.now();
  const sleep = (ms) => new Promise((resolve) => setTimeout(() => resolve(null), ms));
  for (;;) {
    const state = await Promise.race([page.evaluate(() => [document.getElementById("bench-status")?.textContent ?? "", document.body.dataset.done]), sleep(5000)]);
    const [status, done] = state ?? [last, undefined];
    if (done) return done;
    if (status !== last) {
      log(`  [${((Date.now() - started) / 1000).toFixed(0)} s] ${status}`);
      [last, since] = [status, Date.now()];
    }
    if (Date.now() - since > STALL_MS || Date.now() - started > TIMEOUT_MS) {
      throw new Error(`the training bench page is stuck at '${status}' (no progress for ${((Date.now() - since) / 1000).toFixed(0)} s)`);
    }
    await sleep(1000);
  }
}

/** The page's result (window.benchResult) with `problems` (console errors, HTTP errors) if any. */
export async function runTrainPage(browser, { query = "", log = () => {} } = {}) {
  const server = await serve({ mounts: TRAIN_MOUNTS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const problems = [];
    watchProblems(page, new URL(server.url).origin, problems);
    await page.goto(`${server.url}bench/train.html${query ? `?${query}` : ""}`);
    await waitForDone(page, log);
    const result = await page.evaluate(() => window.benchResult);
    if (!result || result.error) throw new Error(`the training bench failed: ${result?.error ?? "no result"}\n${problems.join("\n")}`);
    if (problems.length) result.problems = problems;
    result.screenshot = await page.screenshot({ fullPage: true }).catch(() => null);
    return result;
  } finally {
    await context.close();
    await server.close();
  }
}

/**
 * The product's Train tab while it trains (the tiny preset on MNIST, `steps` steps, scrolling the
 * page meanwhile): the page's frame intervals (requestAnimationFrame) over the training, the steps
 * per second and the test accuracy at the end. {steps, seconds, stepsPerSecond, testAccuracy,
 * frames, p50, p95, max (ms)}.
 */
export async function runTrainTab(browser, { steps = 600 } = {}) {
  const server = await serve();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.benchFrames = [];
      const loop = (t) => {
        window.benchFrames.push(t);
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    await page.goto(`${server.url}index.html#view=train&steps=${steps}`);
    await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60000 });
    await page.waitForSelector("#train-host .clt-start");
    const t0 = await page.evaluate(() => {
      document.querySelector("#train-host .clt-start").click();
      return performance.now();
    });
    const state = () => page.evaluate(() => document.getElementById("train-host").dataset.trainState);
    for (let i = 0; (await state()) !== "done"; i++) {
      if (i > 6000) throw new Error("the Train tab did not finish");
      await page.mouse.wheel(0, i % 20 < 10 ? 120 : -120); // the reader scrolls while it trains
      await page.waitForTimeout(50);
    }
    return await page.evaluate(({ t0, steps }) => {
      const t1 = performance.now();
      const times = window.benchFrames.filter((t) => t >= t0 && t <= t1);
      const gaps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
      const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? null;
      const host = document.getElementById("train-host").dataset;
      return { steps, seconds: (t1 - t0) / 1000, stepsPerSecond: steps / ((t1 - t0) / 1000), testAccuracy: Number(host.testAccuracy), frames: times.length, p50: q(0.5), p95: q(0.95), max: gaps.at(-1) ?? null };
    }, { t0, steps });
  } finally {
    await context.close();
    await server.close();
  }
}

/** Torch first (the machine otherwise idle), then the page: {torch, page, browser, host}. */
export async function trainBench(browser, { query = process.env.BENCH_TRAIN_QUERY ?? "", log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const q = new URLSearchParams(query);
  const datasets = q.get("datasets") ?? "digits,fashion";
  const args = ["--models", datasets, ...(q.get("examples") ? ["--examples", q.get("examples")] : [])];
  const loadavgStart = os.loadavg();
  log("training bench: PyTorch (native, one thread)…");
  const torch = await runTorch({ args, log });
  if (!torch.available) log(`  PyTorch: not available (${torch.reason})`);
  log("training bench: the page bench/train.html (convlens, TF.js cpu, ConvNetJS)…");
  const page = await runTrainPage(browser, { query, log });
  log("training bench: the explorer's Train tab (frame times while it trains)…");
  const tab = await runTrainTab(browser).catch((e) => ({ error: e.message }));
  const { screenshot, ...rest } = page;
  return {
    torch,
    page: rest,
    tab,
    screenshot,
    browser: `Chromium ${browser.version()} (headless)`,
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model?.trim(), loadavgStart, loadavgEnd: os.loadavg(), node: process.version },
    partial: Boolean(query),
  };
}

async function main() {
  const browser = await launch();
  try {
    const t0 = Date.now();
    const result = await trainBench(browser);
    result.wallSeconds = (Date.now() - t0) / 1000;
    const base = result.partial ? "train-partial" : "train";
    await mkdir(OUT_DIR, { recursive: true });
    const { screenshot, ...json } = result;
    if (screenshot) await writeFile(`${OUT_DIR}${base}.png`, screenshot);
    const md = trainingMarkdown(json);
    await writeFile(`${OUT_DIR}${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
    await writeFile(`${OUT_DIR}${base}.md`, `${md}\n`);
    console.log(md);
    console.log(`\nwrote bench-results/${base}.{json,md,png} (${result.wallSeconds.toFixed(1)} s)`);
    if (json.page.problems?.length) {
      console.error(`problems on the page:\n${json.page.problems.join("\n")}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e) => {
    console.error(e.stack ?? String(e));
    process.exit(1);
  });
}
