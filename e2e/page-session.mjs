// The explorer page's test session, shared by its test files (page.test.mjs, page-state.test.mjs):
// the page served from a nested sub-path (so it must use relative URLs only) in headless Chromium,
// what a clean page never does (console errors, failed or foreign requests) recorded, and the
// helpers that read and drive it.

import { mkdir, writeFile } from "node:fs/promises";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";
import { serve } from "./serve.mjs";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const OUT_DIR = `${ROOT}bench-results/`;

export let server;
export let browser;
export let context;
export let page;
export const consoleErrors = [];
export const foreignRequests = [];
export const failedResponses = [];
/** Timings a test file measures, written to bench-results/page-perf.json after it. */
export const measured = {};

/** Records console errors, failed responses and requests to other origins of `p`. */
export function watch(p) {
  const origin = new URL(server.url).origin;
  p.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  p.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));
  p.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol !== "data:" && u.protocol !== "blob:" && u.origin !== origin) foreignRequests.push(r.url());
  });
  p.on("response", (r) => {
    if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.url()}`);
  });
}

/** A new page (own context) at `hash`, waited until ready. */
export async function openPage({ hash = "", width = 1280, height = 800, colorScheme = "light" } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme });
  const p = await ctx.newPage();
  watch(p);
  await p.goto(`${server.url}${hash}`);
  await p.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  return p;
}

/** Registers the file's before and after hooks: the server, the browser and the first page. */
export function useSession() {
before(async () => {
  server = await serve({ prefix: "/some/sub/path/" });
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  watch(page);
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  await mkdir(OUT_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (Object.keys(measured).length) {
    await writeFile(`${OUT_DIR}page-perf.json`, `${JSON.stringify(measured, null, 2)}\n`);
    console.log(`page timings: ${JSON.stringify(measured)}`);
  }
});
}

/**
 * Runs `fn(arg)` in the page with the JS API module on `window.convlensApi` (imported from the
 * page's own pkg/, a separate instance from the worker's). `fn` is passed as a function, never
 * as a string: the page's CSP forbids eval.
 */
export async function api(fn, arg, p = page) {
  await p.evaluate(async () => {
    window.convlensApi ??= await import(new URL("pkg/convlens.js", document.baseURI).href);
    await window.convlensApi.default();
  });
  return p.evaluate(fn, arg);
}

export const summaryOf = (name) =>
  api((n) => {
    const e = window.convlensApi.Explorer.builtin(n);
    try {
      return e.summary();
    } finally {
      e.free();
    }
  }, name);

/** Per map canvas: layer, channel, whether its pixels differ, and a fingerprint of its pixels. */
export function readMaps(p = page) {
  return p.evaluate(() =>
    [...document.querySelectorAll("#maps section.layer[data-kind=spatial] canvas.map-canvas")].map((c) => {
      const { data } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
      let hash = 0;
      let varied = false;
      for (let i = 0; i < data.length; i += 4) {
        hash = (hash * 31 + data[i] * 7 + data[i + 1] * 3 + data[i + 2]) >>> 0;
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) varied = true;
      }
      return { layer: Number(c.closest("section").dataset.layer), channel: Number(c.dataset.channel), varied, hash };
    }),
  );
}

/** The input canvas as model values (0..1, from its red channel). */
export function readInput(p = page) {
  return p.evaluate(() => {
    const c = document.getElementById("input-canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const v = [];
    for (let i = 0; i < d.length; i += 4) v.push(d[i] / 255);
    return { width: c.width, height: c.height, values: v };
  });
}

export const runs = (p = page) => p.evaluate(() => Number(document.body.dataset.runs ?? 0));

/** Waits until the page has drawn a run after `n` and the input has settled (two frames). */
export async function settle(p = page, n = null) {
  if (n !== null) await p.waitForFunction((k) => Number(document.body.dataset.runs) > k, n);
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  // A run may still be in flight from the last frame: wait until the count stops moving.
  let last = await runs(p);
  for (;;) {
    await p.evaluate(() => new Promise((r) => setTimeout(r, 30)));
    const now = await runs(p);
    if (now === last) return;
    last = now;
  }
}

/** Drags the mouse over the input canvas along points given in input-pixel units (0..28). */
export async function drawStroke(points, { steps = 4, p = page } = {}) {
  await p.locator("#input-canvas").scrollIntoViewIfNeeded();
  const box = await p.locator("#input-canvas").boundingBox();
  const w = await p.evaluate(() => document.getElementById("input-canvas").width);
  const at = ([x, y]) => [box.x + (x / w) * box.width, box.y + (y / w) * box.height];
  const before = await runs(p);
  await p.mouse.move(...at(points[0]));
  await p.mouse.down();
  for (const q of points.slice(1)) await p.mouse.move(...at(q), { steps });
  await p.mouse.up();
  await settle(p, before);
}

export async function selectModel(name, p = page) {
  const before = await runs(p);
  await p.selectOption("#model-select", name);
  await p.waitForFunction((n) => document.body.dataset.model === n, name);
  await settle(p, before);
}

export async function pickSample(id, p = page) {
  const before = await runs(p);
  await p.click(`#gallery button[data-sample="${id}"]`);
  await p.waitForFunction((s) => document.body.dataset.sample === s, id);
  await settle(p, before);
}

export const errorText = async (p = page) => ((await p.isVisible("#error")) ? await p.textContent("#error-message") : "");

export async function dismissError(p = page) {
  if (await p.isVisible("#error")) await p.click("#error-close");
}

/** Ink bounding box and centre of mass of an input (values above 0.5 count as ink). */
export function inkStats({ width, height, values }) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1, m = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
      if (v > 0.5) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, cx: mx / m, cy: my / m, mass: m };
}

// ------------------------------------------------------------------------------------------
