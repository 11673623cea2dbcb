// End-to-end tests of the explorer page (www/index.html) in headless Chromium.
// Run after ./build.sh build:  node --test e2e/
// The page is served from a nested sub-path to check that it only uses relative URLs.

import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";
import { tinyClassifier } from "./model-file.mjs";
import { serve } from "./serve.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT_DIR = `${ROOT}bench-results/`;

let server;
let browser;
let page;
const consoleErrors = [];
const foreignRequests = [];
const failedResponses = [];

before(async () => {
  server = await serve({ prefix: "/some/sub/path/" });
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  const origin = new URL(server.url).origin;
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol !== "data:" && u.protocol !== "blob:" && u.origin !== origin) foreignRequests.push(r.url());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Runs `fn(arg)` in the page with the JS API module on `window.convlensApi` (imported from the
 * page's own pkg/, already initialized by the page: init() is idempotent). `fn` is passed as a
 * function, never as a string: the page's CSP forbids eval.
 */
async function api(fn, arg) {
  await page.evaluate(async () => {
    window.convlensApi ??= await import(new URL("pkg/convlens.js", document.baseURI).href);
    await window.convlensApi.default();
  });
  return page.evaluate(fn, arg);
}

/** Per map canvas: layer, channel, whether its pixels differ, and a fingerprint of its pixels. */
function readMaps() {
  return page.evaluate(() =>
    [...document.querySelectorAll("#maps section.layer[data-kind=spatial] canvas")].map((c) => {
      const { data } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
      let sum = 0;
      let hash = 0;
      let varied = false;
      for (let i = 0; i < data.length; i += 4) {
        sum += data[i];
        hash = (hash * 31 + data[i]) >>> 0;
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) varied = true;
      }
      return { layer: Number(c.closest("section").dataset.layer), channel: Number(c.dataset.channel), varied, sum, hash };
    }),
  );
}

const runs = () => page.evaluate(() => Number(document.body.dataset.runs ?? 0));

/** Drags the mouse over the input canvas along points given in input-pixel units (0..28). */
async function drawStroke(points) {
  const box = await page.locator("#input-canvas").boundingBox();
  const w = await page.evaluate(() => document.getElementById("input-canvas").width);
  const at = ([x, y]) => [box.x + (x / w) * box.width, box.y + (y / w) * box.height];
  const before = await runs();
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
  // The page re-runs the model on the animation frame after a change: after two frames every
  // run the stroke caused has been drawn.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForFunction((n) => Number(document.body.dataset.runs) > n, before);
}

test("the page loads, runs a builtin model and reports ready", async () => {
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "1", "ready flag");
  const names = await api(() => window.convlensApi.Explorer.builtinNames());
  assert.ok(names.includes("edges"), `builtin names: ${names}`);
  const options = await page.$$eval("#model-select option", (os) => os.map((o) => o.value));
  assert.deepEqual(options, names, "model select lists Explorer.builtinNames()");
  assert.ok(names.includes(await page.evaluate(() => document.body.dataset.model)));
  assert.match(await page.textContent("h1"), /convlens/);
  assert.match(await page.textContent("#status"), /simd128/);
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /style-src 'self'/);
  // Markup: no inline style attributes, <style> blocks, inline scripts or event-handler attributes
  // (JS setting element.style.x is fine under the CSP, so the live DOM may have style attributes).
  for (const file of ["index.html", "bench.html"]) {
    const html = await (await fetch(new URL(file, server.url))).text();
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${file}: inline style attribute`);
    assert.doesNotMatch(html, /<style[\s>]/i, `${file}: <style> element`);
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, `${file}: inline script`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${file}: inline event handler`);
  }
});

test("screenshot of the page", async () => {
  await mkdir(OUT_DIR, { recursive: true });
  await page.screenshot({ path: `${OUT_DIR}page.png`, fullPage: true });
});

test("the architecture table lists every layer", async () => {
  const names = await api(() => window.convlensApi.Explorer.builtinNames());
  for (const name of names) {
    await page.selectOption("#model-select", name);
    await page.waitForFunction((n) => document.body.dataset.model === n, name);
    const summary = await api((n) => {
      const e = window.convlensApi.Explorer.builtin(n);
      try {
        return e.summary();
      } finally {
        e.free();
      }
    }, name);
    assert.ok(summary.layers.length > 0);
    const rows = await page.$$eval("#arch-table tbody tr[data-layer]", (trs) =>
      trs.map((tr) => [...tr.cells].map((td) => td.textContent)),
    );
    assert.equal(rows.length, summary.layers.length, `${name}: one row per layer`);
    summary.layers.forEach((layer, i) => {
      const [, rowName, type, shapes, geom, params] = rows[i];
      assert.equal(rowName, layer.name);
      assert.equal(type, layer.type);
      assert.equal(shapes, `${layer.inputShape.join(" × ")} → ${layer.outputShape.join(" × ")}`);
      if (layer.kernelSize) {
        const [kh, kw] = layer.kernelSize;
        assert.ok(geom.startsWith(`${kh}×${kw} / `), `${layer.name} geometry: '${geom}'`);
      } else {
        assert.equal(geom, "");
      }
      assert.equal(params.replace(/,/g, ""), layer.params ? String(layer.params) : "–");
    });
  }
  await page.selectOption("#model-select", "edges");
  await page.waitForFunction(() => document.body.dataset.model === "edges");
});

test("one non-blank canvas per channel of every spatial layer; vector layers as bars", async () => {
  const names = await api(() => window.convlensApi.Explorer.builtinNames());
  for (const name of names) {
    await page.selectOption("#model-select", name);
    await page.waitForFunction((n) => document.body.dataset.model === n, name);
    const summary = await api((n) => {
      const e = window.convlensApi.Explorer.builtin(n);
      try {
        return e.summary();
      } finally {
        e.free();
      }
    }, name);
    const maps = await readMaps();
    const sections = await page.$$eval("#maps section.layer", (s) => s.length);
    assert.equal(sections, summary.layers.length, `${name}: one section per layer`);
    for (const [i, layer] of summary.layers.entries()) {
      if (layer.outputShape.length === 3) {
        const mine = maps.filter((m) => m.layer === i);
        assert.equal(mine.length, layer.outputShape[0], `${name} layer ${i}: one canvas per channel`);
        const blank = mine.filter((m) => !m.varied).map((m) => m.channel);
        if (name === "edges") {
          assert.deepEqual(blank, [], `${name} layer ${i}: blank channels`);
        } else {
          // Trained models may have dead ReLU channels, but not a whole dead layer.
          assert.ok(blank.length < mine.length, `${name} layer ${i}: every channel is blank`);
        }
      } else if (layer.outputShape[0] <= 64) {
        const bars = await page.$$eval(`#maps section[data-layer="${i}"] .bar-row`, (r) => r.length);
        assert.equal(bars, layer.outputShape[0], `${name} layer ${i}: one bar per value`);
      }
    }
    const pixelated = await page.$eval("#maps canvas", (c) => getComputedStyle(c).imageRendering);
    assert.equal(pixelated, "pixelated");
  }
  await page.selectOption("#model-select", "edges");
  await page.waitForFunction(() => document.body.dataset.model === "edges");
});

test("drawing on the input canvas changes the maps", async () => {
  const before = await readMaps();
  await drawStroke([[4, 3], [4, 12], [5, 24]]);
  const afterDraw = await readMaps();
  assert.equal(afterDraw.length, before.length);
  const layers = new Set(before.map((m) => m.layer));
  for (const layer of layers) {
    const changed = afterDraw.filter((m, i) => m.layer === layer && m.hash !== before[i].hash);
    assert.ok(changed.length > 0, `layer ${layer}: no map changed after drawing`);
  }
  // Clear empties the input: conv maps become constant.
  await page.click("#clear");
  await page.waitForFunction(() => {
    const c = document.getElementById("input-canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    return d.every((v, i) => i % 4 === 3 || v === 0);
  });
  await page.click("#sample");
});

test("JS API errors are helpful Errors", async () => {
  const edges = [...(await readFile(`${ROOT}models/edges.safetensors`))];
  const results = await api((bytes) => {
    const m = window.convlensApi;
    const attempt = (f) => {
      try {
        f();
        return { threw: false };
      } catch (e) {
        return { threw: true, isError: e instanceof Error, name: e?.name, message: String(e?.message ?? e) };
      }
    };
    const good = new Uint8Array(bytes);
    const garbage = new Uint8Array(256);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 73 + 41) & 255;
    const out = {
      garbage: attempt(() => m.Explorer.fromBytes(garbage)),
      empty: attempt(() => m.Explorer.fromBytes(new Uint8Array(0))),
      text: attempt(() => m.Explorer.fromBytes(new TextEncoder().encode("this is not a model file"))),
      truncated: attempt(() => m.Explorer.fromBytes(good.slice(0, Math.floor(good.length * 0.6)))),
      truncatedHeader: attempt(() => m.Explorer.fromBytes(good.slice(0, 40))),
      unknownBuiltin: attempt(() => m.Explorer.builtin("nope")),
    };
    const e = m.Explorer.builtin("edges");
    const { channels, height, width } = e.summary().input;
    const n = channels * height * width;
    out.activationBeforeRun = attempt(() => e.activation(0));
    out.wrongLength = attempt(() => e.run(new Float32Array(n - 1)));
    const nan = new Float32Array(n);
    nan[5] = NaN;
    out.nan = attempt(() => e.run(nan));
    const inf = new Float32Array(n);
    inf[7] = Infinity;
    out.infinity = attempt(() => e.run(inf));
    out.goodRun = attempt(() => e.run(new Float32Array(n).fill(0.5)));
    out.activation99 = attempt(() => e.activation(99));
    out.activationNegative = attempt(() => e.activation(-1));
    // The engine still works after all those errors.
    const loaded = m.Explorer.fromBytes(good);
    out.afterErrors = loaded.run(new Float32Array(n).fill(0.25)).length > 0 && e.activation(0).length > 0;
    loaded.free();
    e.free();
    out.names = m.Explorer.builtinNames();
    out.n = n;
    return out;
  }, edges);

  for (const key of ["garbage", "empty", "text", "truncated", "truncatedHeader", "unknownBuiltin",
    "activationBeforeRun", "wrongLength", "nan", "infinity", "activation99", "activationNegative"]) {
    const r = results[key];
    assert.ok(r.threw, `${key}: did not throw`);
    assert.ok(r.isError, `${key}: threw a non-Error`);
    assert.equal(r.name, "Error", `${key}: ${r.name} (a RuntimeError would mean a wasm panic/trap)`);
    assert.ok(r.message.length >= 15, `${key}: message too short: '${r.message}'`);
  }
  assert.equal(results.goodRun.threw, false);
  assert.equal(results.afterErrors, true, "engine still usable after errors");
  assert.match(results.garbage.message, /safetensors/i);
  assert.match(results.text.message, /safetensors/i);
  for (const name of results.names) assert.ok(results.unknownBuiltin.message.includes(name), results.unknownBuiltin.message);
  assert.match(results.unknownBuiltin.message, /nope/);
  assert.match(results.wrongLength.message, new RegExp(String(results.n)));
  assert.match(results.wrongLength.message, new RegExp(String(results.n - 1)));
  assert.match(results.nan.message, /NaN|finite/i);
  assert.match(results.infinity.message, /inf|finite/i);
  assert.match(results.activation99.message, /99/);
  assert.match(results.activationBeforeRun.message, /run/);
});

test("a bad model file shows the error box and keeps the previous model usable", async () => {
  const model = await page.evaluate(() => document.body.dataset.model);
  const rowsBefore = await page.$$eval("#arch-table tbody tr[data-layer]", (r) => r.length);
  assert.equal(await page.isVisible("#error"), false, "no error box at start");
  await page.setInputFiles("#model-file", {
    name: "broken.safetensors",
    mimeType: "application/octet-stream",
    buffer: Buffer.from("definitely not a safetensors file"),
  });
  await page.waitForSelector("#error", { state: "visible" });
  const text = await page.textContent("#error-message");
  assert.match(text, /broken\.safetensors/);
  assert.match(text, /safetensors/);
  assert.match(text, /still loaded/);
  assert.equal(await page.evaluate(() => document.body.dataset.model), model, "model unchanged");
  assert.equal(await page.$$eval("#arch-table tbody tr[data-layer]", (r) => r.length), rowsBefore);
  assert.equal(await page.$eval("#model-select", (s) => s.value), model);

  // The previous model still runs on new drawings.
  const before = await readMaps();
  await drawStroke([[22, 4], [25, 14], [22, 25]]);
  const afterDraw = await readMaps();
  assert.ok(afterDraw.some((m, i) => m.hash !== before[i].hash), "maps changed after drawing");

  // A valid file loads, becomes the current model and hides the error box.
  await page.setInputFiles("#model-file", `${ROOT}models/edges.safetensors`);
  await page.waitForFunction(() => document.body.dataset.model === "file:edges.safetensors");
  assert.equal(await page.isVisible("#error"), false, "error box hidden after a good load");
  const maps = await readMaps();
  assert.ok(maps.length > 0 && maps.every((m) => m.varied));
  await page.selectOption("#model-select", model);
  await page.waitForFunction((n) => document.body.dataset.model === n, model);
});

test("a model file with a non-square input and vector outputs: bars with labels", async () => {
  const { architecture, bytes } = tinyClassifier();
  await page.setInputFiles("#model-file", { name: "tiny.safetensors", mimeType: "application/octet-stream", buffer: bytes });
  await page.waitForFunction(() => document.body.dataset.model === "file:tiny.safetensors");
  assert.equal(await page.isVisible("#error"), false, await page.textContent("#error-message"));
  const layers = architecture.layers;
  assert.equal(await page.$$eval("#arch-table tbody tr[data-layer]", (r) => r.length), layers.length);
  assert.deepEqual(await page.$eval("#input-canvas", (c) => [c.width, c.height]), [10, 12], "input canvas resized");
  const box = await page.locator("#input-canvas").boundingBox();
  assert.ok(Math.abs(box.width / box.height - 10 / 12) < 0.02, `input canvas shown ${box.width}x${box.height}`);

  const maps = await readMaps();
  for (const i of [0, 1, 2]) assert.equal(maps.filter((m) => m.layer === i).length, 3, `layer ${i} canvases`);
  const kinds = await page.$$eval("#maps section.layer", (s) => s.map((x) => x.dataset.kind));
  assert.deepEqual(kinds, ["spatial", "spatial", "spatial", "vector", "vector", "vector"]);
  // flatten (90 values) is drawn as one image; linear and softmax (5 values) as labelled bars.
  assert.equal(await page.$$eval('#maps section[data-layer="3"] canvas', (c) => c.length), 1);
  for (const i of [4, 5]) {
    const rows = await page.$$eval(`#maps section[data-layer="${i}"] .bar-row`, (rs) =>
      rs.map((r) => ({
        label: r.querySelector(".bar-label").textContent,
        value: r.querySelector(".bar-value").textContent,
        width: parseFloat(r.querySelector(".bar-fill").style.width),
        best: r.classList.contains("best"),
      })),
    );
    assert.deepEqual(rows.map((r) => r.label), architecture.labels, `layer ${i} labels`);
    assert.equal(rows.filter((r) => r.best).length, 1, `layer ${i}: one highlighted bar`);
    assert.ok(rows.some((r) => r.width > 0), `layer ${i}: bars have lengths`);
    if (i === 5) {
      const total = rows.reduce((a, r) => a + parseFloat(r.value), 0);
      assert.ok(rows.every((r) => r.value.endsWith("%")), "probabilities shown as percentages");
      assert.ok(Math.abs(total - 100) < 0.5, `probabilities sum to ${total}%`);
    }
  }
  await mkdir(OUT_DIR, { recursive: true });
  await page.screenshot({ path: `${OUT_DIR}page-file-model.png`, fullPage: true });

  // Back to a builtin: the input canvas returns to its size and the sample is redrawn.
  await page.selectOption("#model-select", "edges");
  await page.waitForFunction(() => document.body.dataset.model === "edges");
  assert.deepEqual(await page.$eval("#input-canvas", (c) => [c.width, c.height]), [28, 28]);
  assert.ok((await readMaps()).every((m) => m.varied));
});

test("no console errors, failed requests or requests to other origins", () => {
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedResponses, []);
  assert.deepEqual(foreignRequests, []);
});
