// End-to-end tests of the explorer page (www/index.html) in headless Chromium (playwright-core).
// Run: ./build.sh build && node --test e2e/
// The page is served from a nested sub-path to check that it only uses relative URLs.
// Artifacts (screenshots, measured timings) go to bench-results/.

import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";
import { tinyClassifier } from "./model-file.mjs";
import { png } from "./png.mjs";
import { serve } from "./serve.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT_DIR = `${ROOT}bench-results/`;

let server;
let browser;
let context;
let page;
const consoleErrors = [];
const foreignRequests = [];
const failedResponses = [];
const measured = {};

/** Records console errors, failed responses and requests to other origins of `p`. */
function watch(p) {
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
async function openPage({ hash = "", width = 1280, height = 800, colorScheme = "light" } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme });
  const p = await ctx.newPage();
  watch(p);
  await p.goto(`${server.url}${hash}`);
  await p.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  return p;
}

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

/**
 * Runs `fn(arg)` in the page with the JS API module on `window.convlensApi` (imported from the
 * page's own pkg/, a separate instance from the worker's). `fn` is passed as a function, never
 * as a string: the page's CSP forbids eval.
 */
async function api(fn, arg, p = page) {
  await p.evaluate(async () => {
    window.convlensApi ??= await import(new URL("pkg/convlens.js", document.baseURI).href);
    await window.convlensApi.default();
  });
  return p.evaluate(fn, arg);
}

const summaryOf = (name) =>
  api((n) => {
    const e = window.convlensApi.Explorer.builtin(n);
    try {
      return e.summary();
    } finally {
      e.free();
    }
  }, name);

/** Per map canvas: layer, channel, whether its pixels differ, and a fingerprint of its pixels. */
function readMaps(p = page) {
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
function readInput(p = page) {
  return p.evaluate(() => {
    const c = document.getElementById("input-canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const v = [];
    for (let i = 0; i < d.length; i += 4) v.push(d[i] / 255);
    return { width: c.width, height: c.height, values: v };
  });
}

const runs = (p = page) => p.evaluate(() => Number(document.body.dataset.runs ?? 0));

/** Waits until the page has drawn a run after `n` and the input has settled (two frames). */
async function settle(p = page, n = null) {
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
async function drawStroke(points, { steps = 4, p = page } = {}) {
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

async function selectModel(name, p = page) {
  const before = await runs(p);
  await p.selectOption("#model-select", name);
  await p.waitForFunction((n) => document.body.dataset.model === n, name);
  await settle(p, before);
}

async function pickSample(id, p = page) {
  const before = await runs(p);
  await p.click(`#gallery button[data-sample="${id}"]`);
  await p.waitForFunction((s) => document.body.dataset.sample === s, id);
  await settle(p, before);
}

const errorText = async (p = page) => ((await p.isVisible("#error")) ? await p.textContent("#error-message") : "");

async function dismissError(p = page) {
  if (await p.isVisible("#error")) await p.click("#error-close");
}

/** Ink bounding box and centre of mass of an input (values above 0.5 count as ink). */
function inkStats({ width, height, values }) {
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

test("the page loads with a builtin model, a strict CSP and clean markup", async () => {
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "1", "ready flag");
  const names = await api(() => window.convlensApi.Explorer.builtinNames());
  const options = await page.$$eval("#model-select > option", (os) => os.map((o) => o.value));
  assert.deepEqual(options, names, "model select lists Explorer.builtinNames()");
  // Then the catalog's models (www/models/index.json), downloaded when picked.
  const catalog = await page.$$eval("#model-select optgroup option", (os) => os.map((o) => o.value));
  assert.deepEqual(catalog, ["mobilenet_v2"]);
  assert.equal(await page.evaluate(() => document.body.dataset.model), "digits", "digits is the default model");
  assert.match(await page.textContent("h1"), /convlens/);
  assert.match(await page.textContent("#status"), /simd128(\+relaxed)? in a worker/); // the build: e2e/wasm-build.test.mjs
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
  assert.equal(csp, "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'");
  for (const file of ["index.html", "embed.html", "lesson.html"]) { // the harness pages: e2e/harness.test.mjs
    const html = await (await fetch(new URL(file, server.url))).text();
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${file}: inline style attribute`);
    assert.doesNotMatch(html, /<style[\s>]/i, `${file}: <style> element`);
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, `${file}: inline script`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${file}: inline event handler`);
    assert.doesNotMatch(html, /https?:\/\//i, `${file}: absolute URL`);
  }
  // The gallery shows photos as 80 px thumbnails: the first load fetches no full photo.
  await page.waitForFunction(() => [...document.querySelectorAll("#gallery .sample-photo img")].every((i) => i.complete));
  const photos = await page.$$eval("#gallery .sample-photo img", (is) => is.map((i) => [i.getAttribute("src"), i.naturalWidth]));
  assert.ok(photos.length >= 10 && photos.every(([src, w]) => /samples\/thumb-[a-z-]+\.jpg$/.test(src) && w === 80), JSON.stringify(photos));
  const fullPhotos = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name).filter((n) => /samples\/(?!thumb-)[^/]+\.jpg$/.test(n)));
  assert.deepEqual(fullPhotos, []);
  // The default input is a gallery sample, and the link says so.
  assert.equal(await page.evaluate(() => document.body.dataset.sample), "digit-2");
  assert.match(await page.evaluate(() => location.hash), /model=digits&sample=digit-2/);
});

test("architecture strip: every layer with type, shapes, geometry, params and the output-size formula", async () => {
  for (const name of await api(() => window.convlensApi.Explorer.builtinNames())) {
    await selectModel(name);
    const summary = await summaryOf(name);
    const cards = await page.$$eval("#arch-strip li[data-layer]", (lis) =>
      lis.map((li) => ({
        title: li.querySelector(".arch-title").textContent,
        type: li.querySelector(".arch-type").textContent,
        in: li.querySelector(".arch-in").textContent,
        out: li.querySelector(".arch-out").textContent,
        kernel: li.querySelector(".arch-kernel")?.textContent,
        stride: li.querySelector(".arch-stride")?.textContent,
        padding: li.querySelector(".arch-padding")?.textContent,
        params: li.querySelector(".arch-params").textContent,
        formulas: [...li.querySelectorAll(".arch-formula code")].map((c) => c.textContent),
      })),
    );
    assert.equal(cards.length, summary.layers.length, `${name}: one card per layer`);
    summary.layers.forEach((layer, i) => {
      const c = cards[i];
      assert.ok(c.title.includes(layer.name), `${name} ${i}: title '${c.title}'`);
      assert.equal(c.type, layer.type);
      assert.equal(c.in, layer.inputShape.join("×"));
      assert.equal(c.out, layer.outputShape.join("×"));
      assert.equal(c.params.replace(/,/g, ""), layer.params ? String(layer.params) : "no parameters");
      if (layer.kernelSize) {
        const [k, s, p] = [layer.kernelSize[0], layer.stride[0], layer.padding[0]];
        assert.equal(c.kernel, String(k));
        assert.equal(c.stride, String(s));
        assert.equal(c.padding, String(p));
        assert.equal(c.formulas.length, 1, `${name} ${layer.name}: square geometry gives one formula`);
        const [, ih] = layer.inputShape;
        const oh = layer.outputShape[1];
        assert.ok(c.formulas[0].startsWith(`(${ih} + 2*${p} - ${k}) / ${s} + 1 = ${oh}`) || c.formulas[0].includes(`= ${oh}`), c.formulas[0]);
      } else {
        assert.equal(c.formulas.length, 0);
      }
    });
    if (name === "digits") {
      assert.equal(cards[0].formulas[0], "(28 + 2*2 - 5) / 1 + 1 = 28");
      assert.equal(cards[2].formulas[0], "(28 + 2*0 - 2) / 2 + 1 = 14");
    }
    const total = await page.textContent("#arch-caption .arch-total-params");
    assert.equal(total.replace(/,/g, ""), String(summary.layers.reduce((a, l) => a + l.params, 0)));
  }
  await selectModel("digits");
  await pickSample("digit-2");
});

test("feature maps: one crisp, labelled canvas per channel; live maps in every layer for a sample digit", async () => {
  const expected = { digits: "digit-7", fashion: "fashion-sneaker", edges: "digit-7" };
  for (const [name, sample] of Object.entries(expected)) {
    await selectModel(name);
    await pickSample(sample);
    const summary = await summaryOf(name);
    const maps = await readMaps();
    assert.equal(await page.$$eval("#maps section.layer", (s) => s.length), summary.layers.length, `${name}: one section per layer`);
    let firstConv = true;
    for (const [i, layer] of summary.layers.entries()) {
      if (layer.outputShape.length === 3) {
        const mine = maps.filter((m) => m.layer === i);
        assert.equal(mine.length, layer.outputShape[0], `${name} layer ${i}: one canvas per channel`);
        const blank = mine.filter((m) => !m.varied).map((m) => m.channel);
        // A trained model's channel can be all zero after a ReLU, but never a whole layer; every
        // map of the first conv layer responds to a digit.
        assert.ok(blank.length < mine.length, `${name} layer ${i} (${layer.name}): every channel is blank`);
        if (layer.type === "conv2d" && firstConv) {
          assert.deepEqual(blank, [], `${name} ${layer.name}: blank maps`);
          firstConv = false;
        }
      } else if (layer.outputShape[0] <= 64) {
        const bars = await page.$$eval(`#maps section[data-layer="${i}"] .bar-row`, (r) => r.length);
        assert.equal(bars, layer.outputShape[0], `${name} layer ${i}: one bar per value`);
      }
    }
    const canvases = await page.$$eval("#maps canvas.map-canvas", (cs) =>
      cs.map((c) => ({ rendering: getComputedStyle(c).imageRendering, label: c.getAttribute("aria-label") ?? "" })),
    );
    assert.ok(canvases.every((c) => c.rendering === "pixelated"), "crisp pixels");
    assert.ok(canvases.every((c) => c.label.length > 10), "every map canvas has an aria-label");
  }
  // The trained models get their samples right, and the prediction panel says so with labels.
  await selectModel("fashion");
  await pickSample("fashion-sneaker");
  assert.match(await page.textContent("#prediction-top"), /Sneaker/);
  await selectModel("digits");
  await pickSample("digit-7");
  assert.match(await page.textContent("#prediction-top"), /says 7 \(/);
  const bars = await page.$$eval("#prediction .bar-row", (rs) =>
    rs.map((r) => ({ label: r.querySelector(".bar-label").textContent, best: r.classList.contains("best") })),
  );
  assert.deepEqual(bars.map((b) => b.label), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.equal(bars.find((b) => b.best).label, "7");
});

test("drawing changes the maps and the prediction; undo brings the previous input back", async () => {
  await pickSample("digit-1");
  const before = await readMaps();
  const inputBefore = await readInput();
  const predBefore = await page.textContent("#prediction");
  await drawStroke([[4, 6], [24, 6], [24, 24], [4, 24], [4, 6]]);
  const afterDraw = await readMaps();
  for (const layer of new Set(before.map((m) => m.layer))) {
    const changed = afterDraw.filter((m, i) => m.layer === layer && m.hash !== before[i].hash);
    assert.ok(changed.length > 0, `layer ${layer}: no map changed after drawing`);
  }
  assert.notEqual(await page.textContent("#prediction"), predBefore, "prediction changed");
  assert.equal(await page.evaluate(() => document.body.dataset.sample ?? ""), "digit-1");
  assert.doesNotMatch(await page.evaluate(() => location.hash), /sample=/, "a drawing is not a sample");
  // Undo (button, then Ctrl+Z) returns the exact input and maps.
  assert.equal(await page.isEnabled("#undo"), true);
  let n = await runs();
  await page.click("#undo");
  await settle(page, n);
  assert.deepEqual(await readInput(), inputBefore, "input restored by undo");
  assert.deepEqual((await readMaps()).map((m) => m.hash), before.map((m) => m.hash), "maps restored by undo");
  await drawStroke([[14, 2], [14, 26]]);
  n = await runs();
  await page.locator("#input-canvas").focus();
  await page.keyboard.press("Control+z");
  await settle(page, n);
  assert.deepEqual(await readInput(), inputBefore, "input restored by Ctrl+Z");
  // Clear empties the input.
  n = await runs();
  await page.click("#clear");
  await settle(page, n);
  assert.ok((await readInput()).values.every((v) => v === 0));
});

test("pen and touch strokes draw too (pointer events of every kind)", async () => {
  await page.locator("#input-canvas").scrollIntoViewIfNeeded();
  for (const pointerType of ["pen", "touch"]) {
    const n = await runs();
    const before = await readInput();
    await page.evaluate((type) => {
      const c = document.getElementById("input-canvas");
      const r = c.getBoundingClientRect();
      const at = (x, y) => ({ clientX: r.left + (x / 28) * r.width, clientY: r.top + (y / 28) * r.height });
      const opts = { pointerId: type === "pen" ? 7 : 8, pointerType: type, isPrimary: true, bubbles: true, button: 0, buttons: 1 };
      c.dispatchEvent(new PointerEvent("pointerdown", { ...opts, ...at(3, 14) }));
      for (let x = 4; x <= 25; x += 1) c.dispatchEvent(new PointerEvent("pointermove", { ...opts, ...at(x, 14 + (type === "pen" ? 3 : -3)) }));
      c.dispatchEvent(new PointerEvent("pointerup", { ...opts, ...at(25, 14) }));
    }, pointerType);
    await settle(page, n);
    assert.notDeepEqual(await readInput(), before, `${pointerType} stroke drew`);
  }
});

test("keyboard: every control is focusable and shows its focus", async () => {
  const unreachable = await page.evaluate(() =>
    [...document.querySelectorAll("button, select, input, #maps canvas[data-channel], [role=tab]")]
      .filter((e) => e.offsetParent !== null && !e.closest("dialog") && !e.disabled)
      .filter((e) => e.tabIndex < 0 && !(e.getAttribute("role") === "tab" && e.getAttribute("aria-selected") === "false"))
      .map((e) => e.id || e.className || e.tagName),
  );
  assert.deepEqual(unreachable, []);
  // Tab from the model select reaches the next control with a visible focus ring.
  await page.focus("#model-select");
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => {
    const e = document.activeElement;
    const host = e.closest("label.file-button") ?? e;
    const s = getComputedStyle(host);
    return { id: e.id, outline: s.outlineStyle, width: s.outlineWidth };
  });
  assert.equal(ring.id, "model-file");
  assert.notEqual(ring.outline, "none", `focus ring: ${JSON.stringify(ring)}`);
  // The tabs switch with the arrow keys.
  await page.focus("#tab-maps");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.body.dataset.view === "playground");
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction(() => document.body.dataset.view === "maps");
});

test("gallery samples and uploaded pictures are converted MNIST-style and shown", async () => {
  await pickSample("digit-3");
  const sample = await readInput();
  assert.ok(sample.values.some((v) => v > 0.9), "sample shown on the input canvas");
  assert.match(await page.textContent("#input-caption"), /Digit 3/);
  assert.equal(await page.isVisible("#source-canvas"), true, "original shown next to the converted input");

  // A dark-on-light, off-centre, wide picture: a thick dark "L" near the top-left of 300x180 paper.
  const picture = png(300, 180, (x, y) => ((x >= 30 && x < 50 && y >= 20 && y < 150) || (x >= 30 && x < 110 && y >= 130 && y < 150) ? 20 : 235));
  const n = await runs();
  await page.setInputFiles("#image-file", { name: "ell.png", mimeType: "image/png", buffer: picture });
  await settle(page, n);
  assert.equal(await errorText(), "");
  assert.equal(await page.isChecked("#invert"), true, "light background detected: invert on");
  const input = await readInput();
  const ink = inkStats(input);
  assert.ok(Math.abs(Math.max(ink.w, ink.h) - 20) <= 1, `long side ${ink.w}x${ink.h} fits the 20 px box`);
  assert.ok(Math.abs(ink.cx - 14) < 1 && Math.abs(ink.cy - 14) < 1, `centre of mass ${ink.cx}, ${ink.cy}`);
  assert.ok(input.values[0] === 0, "white on black");
  assert.match(await page.textContent("#input-caption"), /ell\.png/);
  // Turning invert off converts the same picture the other way: no longer a centred white glyph.
  const m = await runs();
  await page.click("#invert");
  await settle(page, m);
  assert.notDeepEqual(await readInput(), input);
  const k = await runs();
  await page.click("#invert");
  await settle(page, k);
  assert.deepEqual(await readInput(), input);

  // A photo for the edges model is fitted whole, keeping its aspect ratio.
  await selectModel("edges");
  await pickSample("cat");
  const cat = await readInput();
  const rowsWithContent = [...Array(28).keys()].filter((y) => cat.values.slice(y * 28, y * 28 + 28).some((v) => v > 0.02));
  assert.ok(rowsWithContent.length >= 17 && rowsWithContent.length <= 20, `256x170 letterboxed to 28x~19: ${rowsWithContent.length} rows`);
  await selectModel("digits");
  await pickSample("digit-2");
});

test("colour map and normalization switches change the pixels; colour bars show the actual range", async () => {
  const grey = await readMaps();
  await page.selectOption("#colormap", "viridis");
  const viridis = await readMaps();
  assert.ok(viridis.every((m, i) => m.hash !== grey[i].hash || !m.varied), "viridis recolours every live map");
  const px = await page.$eval('#maps section[data-layer="0"] canvas.map-canvas', (c) => [...c.getContext("2d").getImageData(0, 0, 1, 1).data]);
  assert.ok(px[0] !== px[1] || px[1] !== px[2], `viridis pixel is coloured: ${px}`);
  await page.selectOption("#colormap", "diverging");
  const div = await readMaps();
  assert.ok(div.some((m, i) => m.hash !== viridis[i].hash));
  await page.selectOption("#colormap", "grey");
  assert.deepEqual((await readMaps()).map((m) => m.hash), grey.map((m) => m.hash), "back to the same greyscale pixels");

  await page.selectOption("#norm", "layer");
  const perLayer = await readMaps();
  assert.ok(perLayer.some((m, i) => m.hash !== grey[i].hash), "per-layer normalization changes maps");
  await page.selectOption("#norm", "global");
  const global = await readMaps();
  assert.ok(global.some((m, i) => m.hash !== perLayer[i].hash), "global normalization changes maps");
  // The colour bar labels are the layer's actual min and max.
  const bar = await page.$eval('#maps section[data-layer="3"]', (s) => ({
    min: Number(s.dataset.min),
    max: Number(s.dataset.max),
    lo: s.querySelector(".colorbar-min").textContent,
    hi: s.querySelector(".colorbar-max").textContent,
  }));
  await page.selectOption("#norm", "layer");
  const bar2 = await page.$eval('#maps section[data-layer="3"]', (s) => [s.querySelector(".colorbar-min").textContent, s.querySelector(".colorbar-max").textContent]);
  assert.deepEqual(bar2.map(Number), [bar.min, bar.max].map((v) => Number(Number(v.toPrecision(3)))), `bar ${bar2} vs range ${bar.min}..${bar.max}`);
  assert.ok(Number(bar.hi) >= bar.max - 1e-6, "global range covers the layer");
  assert.match(await page.evaluate(() => location.hash), /norm=layer/);
  await page.selectOption("#norm", "map");
});

test("hovering a map shows the value at that position", async () => {
  const canvas = page.locator('#maps section[data-layer="1"] canvas.map-canvas').first();
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  // The centre of cell (row 14, col 14) of a 28x28 map.
  await page.mouse.move(box.x + (14.5 / 28) * box.width, box.y + (14.5 / 28) * box.height);
  await page.waitForSelector(".hover-tip", { state: "visible" });
  const tip = await page.textContent(".hover-tip");
  assert.match(tip, /relu1 · ch 0 · row 14, col 14: /);
  const value = Number(await page.getAttribute(".hover-tip", "data-value"));
  assert.ok(Number.isFinite(value) && value >= 0, `relu value ${value}`);
  assert.equal(await page.textContent("#hover-readout"), tip);
  // The same value from the JS API on the same input.
  const input = await readInput();
  const expected = await api(({ values }) => {
    const e = window.convlensApi.Explorer.builtin("digits");
    try {
      e.run(new Float32Array(values));
      return e.activation(1)[14 * 28 + 14];
    } finally {
      e.free();
    }
  }, input);
  assert.ok(Math.abs(expected - value) <= 1e-3 * Math.max(1, Math.abs(expected)), `hover ${value} vs API ${expected}`);
  await page.mouse.move(5, 5);
  await page.waitForSelector(".hover-tip", { state: "hidden" });
});

test("the detail view opens by click and by keyboard and closes again", async () => {
  await page.click('#maps section[data-layer="0"] canvas[data-channel="2"]');
  await page.waitForFunction(() => ["open", "error"].includes(document.body.dataset.detail));
  assert.equal(await page.evaluate(() => document.body.dataset.detail), "open");
  assert.equal(await page.isVisible("#detail-dialog"), true);
  assert.match(await page.evaluate(() => location.hash), /layer=0&channel=2&view=detail/);
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.getElementById("detail-dialog").open);
  assert.equal(await page.evaluate(() => document.body.dataset.view), "maps");
  // Keyboard: the map canvases are focusable; Enter opens the detail of the focused map.
  await page.focus('#maps section[data-layer="3"] canvas[data-channel="5"]');
  const outline = await page.$eval(':focus', (c) => getComputedStyle(c).outlineStyle);
  assert.notEqual(outline, "none", "visible focus");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("detail-dialog").open);
  assert.match(await page.textContent("#detail-title"), /conv2.*channel 5/);
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.getElementById("detail-dialog").open);
});

test("the playground tab mounts the playground", async () => {
  await page.click("#tab-playground");
  await page.waitForFunction(() => document.getElementById("playground-host").childElementCount > 0);
  assert.equal(await page.isVisible("#playground-panel"), true);
  assert.equal(await page.isVisible("#maps-panel"), false);
  assert.match(await page.evaluate(() => location.hash), /view=playground/);
  await page.click("#tab-maps");
  assert.equal(await page.isVisible("#maps-panel"), true);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /view=/);
});

test("the URL hash reproduces model, sample, selected map, colours and view", async () => {
  await selectModel("fashion");
  await pickSample("fashion-bag");
  await page.selectOption("#colormap", "viridis");
  await page.selectOption("#norm", "layer");
  await page.click('#maps section[data-layer="3"] canvas[data-channel="4"]');
  await page.waitForFunction(() => document.getElementById("detail-dialog").open);
  const hash = await page.evaluate(() => location.hash);
  assert.equal(hash, "#model=fashion&sample=fashion-bag&layer=3&channel=4&view=detail&cmap=viridis&norm=layer");
  const mapsHere = await readMaps();
  await page.keyboard.press("Escape");

  const p = await openPage({ hash });
  assert.equal(await p.evaluate(() => document.body.dataset.model), "fashion");
  assert.equal(await p.evaluate(() => document.body.dataset.sample), "fashion-bag");
  assert.equal(await p.$eval("#colormap", (s) => s.value), "viridis");
  assert.equal(await p.$eval("#norm", (s) => s.value), "layer");
  await p.waitForFunction(() => document.getElementById("detail-dialog").open);
  assert.match(await p.textContent("#detail-title"), /channel 4/);
  assert.equal(await p.$$eval('#maps section[data-layer="3"] .map.selected canvas', (c) => c.map((x) => x.dataset.channel).join()), "4");
  assert.deepEqual((await readMaps(p)).map((m) => m.hash), mapsHere.map((m) => m.hash), "same pixels after reload");
  assert.equal(await p.evaluate(() => location.hash), hash, "the hash survives the reload unchanged");
  await p.context().close();

  const q = await openPage({ hash: "#model=edges&view=playground" });
  assert.equal(await q.evaluate(() => document.body.dataset.model), "edges");
  assert.equal(await q.isVisible("#playground-panel"), true);
  await q.context().close();

  await page.selectOption("#colormap", "grey");
  await page.selectOption("#norm", "map");
  await selectModel("digits");
  await pickSample("digit-2");
});

test("bad inputs show a clear message and keep the previous state", async () => {
  await pickSample("digit-4");
  const input = await readInput();
  const maps = await readMaps();
  const check = async (what, pattern) => {
    await page.waitForSelector("#error", { state: "visible" });
    const text = await errorText();
    assert.match(text, pattern, `${what}: '${text}'`);
    assert.equal(await page.evaluate(() => document.body.dataset.model), "digits", `${what}: model kept`);
    assert.deepEqual(await readInput(), input, `${what}: input kept`);
    assert.deepEqual((await readMaps()).map((m) => m.hash), maps.map((m) => m.hash), `${what}: maps kept`);
    await dismissError();
  };

  await page.setInputFiles("#model-file", { name: "broken.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from("definitely not a safetensors file") });
  await check("bad model file", /broken\.safetensors.*safetensors.*previous model \(digits\) is still loaded/);
  await page.setInputFiles("#image-file", { name: "noise.png", mimeType: "image/png", buffer: Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 37) & 255)) });
  await check("undecodable image", /noise\.png.*could not decode.*unchanged/);
  await page.setInputFiles("#image-file", { name: "empty.png", mimeType: "image/png", buffer: png(0, 0) });
  await check("0x0 image", /empty\.png.*no pixels \(0 × 0\)/);
  await page.setInputFiles("#image-file", { name: "zero-bytes.png", mimeType: "image/png", buffer: Buffer.alloc(0) });
  await check("empty file", /zero-bytes\.png.*empty/);
  await page.setInputFiles("#image-file", { name: "huge.png", mimeType: "image/png", buffer: png(10000, 10000) });
  await check("10000x10000 image", /huge\.png.*too large \(10000 × 10000 pixels/);

  // Dropped files go through the same checks: a wrong model file and a text file.
  const drop = (name, text) =>
    page.evaluate(
      ([n, t]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([t], n));
        document.querySelector("main").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [name, text],
    );
  await drop("weights.safetensors", "\u0010\u0000\u0000\u0000\u0000\u0000\u0000\u0000{\"a\": 1}       ");
  await check("dropped bad model", /weights\.safetensors.*as a model/);
  await drop("notes.txt", "hello");
  await check("dropped text file", /notes\.txt.*neither a picture.*nor a convlens model/);

  // Webcam: headless Chromium has no camera (and no permission): a message, nothing else changes.
  await page.click("#webcam");
  await check("webcam", /Webcam: .*(denied|no camera|could not be started)/i);
  assert.equal(await page.isVisible("#webcam-box"), false);

  // Everything still works afterwards: drawing re-runs the same model.
  await drawStroke([[3, 3], [25, 25]]);
  assert.ok((await readMaps()).some((m, i) => m.hash !== maps[i].hash));
});

test("dropping a model file and an image works; non-square model inputs are supported", async () => {
  const { architecture, bytes } = tinyClassifier();
  await page.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], "tiny.safetensors"));
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [...bytes]);
  await page.waitForFunction(() => document.body.dataset.model === "file:tiny.safetensors");
  await settle(page);
  assert.equal(await errorText(), "");
  assert.deepEqual(await page.$eval("#input-canvas", (c) => [c.width, c.height]), [10, 12], "input canvas resized");
  const kinds = await page.$$eval("#maps section.layer", (s) => s.map((x) => x.dataset.kind));
  assert.deepEqual(kinds, ["spatial", "spatial", "spatial", "vector", "vector", "vector"]);
  const labels = await page.$$eval("#prediction .bar-label", (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(labels, architecture.labels);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /model=/, "a file model is not put in the link");
  // A picture dropped on it is fitted into 12x10.
  const pic = png(40, 40, () => 255);
  const n = await runs();
  await page.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], "white.png", { type: "image/png" }));
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [...pic]);
  await settle(page, n);
  assert.equal(await errorText(), "");
  await page.screenshot({ path: `${OUT_DIR}page-file-model.png`, fullPage: true });
  await selectModel("digits");
  await pickSample("digit-2");
  assert.deepEqual(await page.$eval("#input-canvas", (c) => [c.width, c.height]), [28, 28]);
});

test("ONNX models open like model files: maps of every layer, branches too; a broken .onnx file is explained", async () => {
  await selectModel("digits");
  await pickSample("digit-7");
  const open = async (file) => {
    const before = await runs();
    const buffer = await readFile(`${ROOT}tests/data/onnx-ref/${file}`);
    await page.setInputFiles("#model-file", { name: file, mimeType: "application/octet-stream", buffer });
    await page.waitForFunction((n) => document.body.dataset.model === n, `file:${file}`);
    await settle(page, before);
    assert.equal(await errorText(), "", file);
  };
  // A LeNet-like model exported with the onnx package: 28x28, so the digit sample feeds it as is.
  await open("lenet.onnx");
  const layers = await page.$$eval("#maps section.layer", (s) => s.map((x) => [x.dataset.kind, x.querySelector("h3")?.textContent ?? ""]));
  assert.equal(layers.length, 9, JSON.stringify(layers));
  assert.deepEqual(layers.map((l) => l[0]), ["spatial", "spatial", "spatial", "spatial", "spatial", "spatial", "vector", "vector", "vector"]);
  const maps = await readMaps();
  assert.equal(maps.length, 6 + 6 + 6 + 12 + 12 + 12);
  assert.ok(maps.filter((m) => m.layer === 0).every((m) => m.varied), "conv1 maps are drawn");
  assert.equal(await page.$$eval("#prediction .bar-row", (b) => b.length), 10);
  await page.screenshot({ path: `${OUT_DIR}page-onnx-lenet.png`, fullPage: true });
  // A residual model (Add of a skip connection, batch-free GlobalAveragePool): 4x8x8 input.
  await open("residual.onnx");
  assert.ok((await readMaps()).length > 0);
  await page.screenshot({ path: `${OUT_DIR}page-onnx-residual.png`, fullPage: true });
  // A cut .onnx file: the ONNX error, and the previous model stays.
  const bytes = await readFile(`${ROOT}tests/data/onnx-ref/lenet.onnx`);
  await page.setInputFiles("#model-file", { name: "cut.onnx", mimeType: "application/octet-stream", buffer: bytes.subarray(0, 500) });
  await page.waitForFunction(() => !document.getElementById("error").hidden);
  assert.match(await errorText(), /cut\.onnx.*ONNX.*previous model \(residual\.onnx\) is still loaded/);
  await dismissError();
  await selectModel("digits");
});

test("pasting a picture converts it; editing the hash in the address bar applies it", async () => {
  await pickSample("digit-2");
  const before = await readInput();
  const pic = png(64, 48, (x, y) => (x > 20 && x < 44 && y > 8 && y < 40 ? 255 : 0)); // white block on black
  const n = await runs();
  await page.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], "clip.png", { type: "image/png" }));
    document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, [...pic]);
  await settle(page, n);
  assert.equal(await errorText(), "");
  assert.equal(await page.isChecked("#invert"), false, "dark background: no inversion");
  const pasted = await readInput();
  assert.notDeepEqual(pasted, before);
  const ink = inkStats(pasted);
  assert.ok(Math.abs(ink.cx - 14) < 1 && Math.abs(ink.cy - 14) < 1, `pasted block centred: ${ink.cx}, ${ink.cy}`);

  await page.evaluate(() => {
    location.hash = "#model=edges&sample=coins&cmap=viridis";
  });
  await page.waitForFunction(() => document.body.dataset.model === "edges" && document.body.dataset.sample === "coins");
  assert.equal(await page.$eval("#colormap", (s) => s.value), "viridis");
  await page.selectOption("#colormap", "grey");
  await selectModel("digits");
  await pickSample("digit-2");
});

test("webcam: with a camera, a captured frame becomes the input", async () => {
  // A separate browser with Chromium's fake camera (a moving test pattern) and permission granted.
  const cam = await launch({ args: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"] });
  try {
    const ctx = await cam.newContext({ viewport: { width: 1280, height: 800 }, permissions: ["camera"] });
    const p = await ctx.newPage();
    watch(p);
    await p.goto(server.url);
    await p.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
    const before = await readInput(p);
    await p.click("#webcam");
    await p.waitForSelector("#webcam-box", { state: "visible" });
    await p.waitForFunction(() => document.getElementById("webcam-video").videoWidth > 0);
    const n = await runs(p);
    await p.click("#webcam-capture");
    await settle(p, n);
    assert.equal(await errorText(p), "");
    assert.notDeepEqual(await readInput(p), before, "captured frame converted into the input");
    assert.match(await p.textContent("#input-caption"), /webcam frame/);
    // Live mode keeps converting new frames (the fake camera's picture moves).
    const live = await runs(p);
    await p.check("#webcam-live");
    await p.waitForFunction((k) => Number(document.body.dataset.runs) > k + 3, live);
    assert.match(await p.textContent("#input-caption"), /webcam \(live\)/);
    await p.click("#webcam-stop");
    assert.equal(await p.isVisible("#webcam-box"), false);
    assert.equal(await p.evaluate(() => document.getElementById("webcam-video").srcObject), null, "camera released");
  } finally {
    await cam.close();
  }
});

/**
 * Speed goals are checked by `./build.sh bench`, not by timed tests: here the numbers are measured
 * and reported only, unless CONVLENS_STRICT_TIMING=1 asks for the limits to be asserted too.
 */
function timingIsAsserted() {
  measured.loadPerCpu = Number((os.loadavg()[0] / os.cpus().length).toFixed(2));
  return process.env.CONVLENS_STRICT_TIMING === "1";
}

test("performance: forward pass + redraw of every map while drawing (digits)", async (t) => {
  await selectModel("digits");
  await pickSample("digit-5");
  const start = await page.evaluate(() => window.convlensPerf.runs.length);
  // A long scribble: each mouse move is a pointer event; the page runs at most once per frame.
  const pts = [];
  for (let i = 0; i <= 40; i++) pts.push([4 + ((i * 7) % 20), 4 + i * 0.5]);
  await drawStroke(pts, { steps: 3 });
  const samples = await page.evaluate((s) => window.convlensPerf.runs.slice(s), start);
  assert.ok(samples.length >= 10, `only ${samples.length} runs while drawing`);
  const sorted = (k) => samples.map((r) => r[k]).sort((a, b) => a - b);
  const med = (xs) => xs[xs.length >> 1];
  const totals = sorted("total");
  const result = {
    runsWhileDrawing: samples.length,
    medianMs: med(totals),
    p90Ms: totals[Math.floor(totals.length * 0.9)],
    medianForwardMs: med(sorted("forward")),
    medianDrawMs: med(sorted("draw")),
  };
  measured.drawing = result;
  t.diagnostic(`forward + redraw while drawing (digits): ${JSON.stringify(result)}`);
  // The page's own benchmark hook (also used by ./build.sh bench).
  const bench = await page.evaluate(() => window.convlensBench(60));
  measured.benchHook = bench;
  t.diagnostic(`convlensBench(60): ${JSON.stringify(bench)}`);
  if (timingIsAsserted()) {
    assert.ok(result.medianMs <= 16, `median forward + redraw ${result.medianMs.toFixed(1)} ms > 16 ms`);
  } else {
    t.diagnostic(`16 ms limit checked by ./build.sh bench (load ${measured.loadPerCpu} per CPU)`);
  }
});

test("performance: navigation to the first feature maps on screen", async (t) => {
  // Fresh pages; the best of three loads is asserted, every load is reported.
  const times = [];
  for (let i = 0; i < 3; i++) {
    const p = await openPage();
    await p.waitForFunction(() => document.body.dataset.firstMapsMs);
    times.push(Number(await p.evaluate(() => document.body.dataset.firstMapsMs)));
    await p.context().close();
  }
  measured.firstMapsMs = times;
  t.diagnostic(`navigation -> first maps: ${times.map((x) => x.toFixed(0)).join(", ")} ms`);
  if (timingIsAsserted()) {
    assert.ok(Math.min(...times) <= 500, `first maps after ${Math.min(...times)} ms > 500 ms`);
  } else {
    t.diagnostic(`500 ms limit checked by ./build.sh bench (load ${measured.loadPerCpu} per CPU)`);
  }
});

test("screenshots at 1280x800 and 390 px, light and dark; no horizontal scrolling on a phone", async () => {
  for (const [width, height, tag] of [[1280, 800, "desktop"], [390, 844, "phone"]]) {
    for (const colorScheme of ["light", "dark"]) {
      const p = await openPage({ width, height, colorScheme });
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${tag} ${colorScheme}: page scrolls sideways by ${overflow} px`);
      const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      if (colorScheme === "dark") assert.notEqual(bg, "rgb(244, 246, 250)", "dark theme applied");
      await p.screenshot({ path: `${OUT_DIR}page-${tag}-${colorScheme}.png`, fullPage: true });
      await p.context().close();
    }
  }
  await page.screenshot({ path: `${OUT_DIR}page.png`, fullPage: true });
});

test("no console errors, failed requests or requests to other origins", () => {
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedResponses, []);
  assert.deepEqual(foreignRequests, []);
});
