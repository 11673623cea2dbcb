// Large and colour models on the page (headless Chromium): the ImageNet MobileNetV2 downloaded from
// the catalog (www/models/, made by ./build.sh models) with a progress bar, colour photo input, the
// compact atlas view that fetches only the layers on screen, top-5 classes, stem filters as colour
// patches, Grad-CAM; and a colour graph model opened as a file. Screenshots go to bench-results/.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { watchProblems } from "./browser.mjs";
import { useServerAndBrowser } from "./hooks.mjs";
import { colourGraph } from "./model-file.mjs";

const OUT_DIR = fileURLToPath(new URL("../bench-results/", import.meta.url));
const env = useServerAndBrowser({ prefix: "/sub/" });
before(() => mkdir(OUT_DIR, { recursive: true }));

async function openPage(hash, problems) {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  watchProblems(page, new URL(env.server.url).origin, problems);
  await page.goto(`${env.server.url}${hash}`);
  return page;
}

/** Number of distinct colours in a canvas (a blank or flat canvas has 1). */
function distinctColours(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 50; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  }, selector);
}

test("MobileNetV2 from the catalog: progress, a photo, top-5, compact maps on demand", { timeout: 180_000 }, async () => {
  const problems = [];
  const page = await openPage("#model=mobilenet_v2", problems);
  // The download shows its progress while the 7 MB file arrives.
  await page.waitForFunction(() => /Downloading|Loading/.test(document.querySelector("#download-text")?.textContent ?? ""), null, { timeout: 60_000 });
  await page.waitForFunction(() => document.body.dataset.model === "mobilenet_v2" && Number(document.body.dataset.runs) > 0, null, { timeout: 120_000 });
  await page.waitForFunction(() => document.body.dataset.sample === "cat", null, { timeout: 30_000 });
  await page.waitForFunction(() => /Egyptian cat|tabby|tiger cat/.test(document.querySelector("#prediction-top")?.textContent ?? ""), null, { timeout: 60_000 });
  assert.equal(await page.isHidden("#download"), true, "the progress bar goes away");
  assert.match(await page.textContent("#model-info"), /154 layers · 1000 classes · expects colour photos/);
  // The top five of 1000 classes, best first.
  const rows = await page.$$eval("#prediction .top-classes .bar-row", (rs) => rs.map((r) => r.querySelector(".bar-label").textContent));
  assert.equal(rows.length, 5);
  assert.equal(rows[0], "Egyptian cat");
  // The input is in colour.
  assert.ok((await distinctColours(page, "#input-canvas")) >= 50);
  // Compact view: one atlas per spatial layer; the first layers are drawn, far ones not yet.
  assert.equal(await page.$$eval("#maps section.layer", (s) => s.length), 154);
  await page.waitForFunction(() => document.querySelector("#layer-0 .atlas-canvas") !== null);
  assert.ok((await distinctColours(page, "#layer-0 .atlas-canvas")) > 10, "the stem's maps are drawn");
  assert.equal(await distinctColours(page, "#layer-140 .atlas-canvas"), 1, "layers far below are not drawn yet");
  // Scrolling brings a deep layer's maps (fetched from the worker on demand).
  await page.evaluate(() => document.querySelector("#layer-140").scrollIntoView());
  await page.waitForFunction(() => {
    const c = document.querySelector("#layer-140 .atlas-canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0]) return true;
    return false;
  }, null, { timeout: 30_000 });
  await page.screenshot({ path: `${OUT_DIR}mobilenet-maps.png` });
  // "Show all" unfolds a 1280-channel layer into rows of tiles.
  const wide = await page.evaluate(() => [...document.querySelectorAll("#maps section.layer")].findIndex((s) => s.querySelector(".layer-shape")?.textContent.startsWith("1280")));
  assert.ok(wide > 0);
  await page.evaluate((i) => document.querySelector(`#layer-${i}`).scrollIntoView(), wide);
  const before = await page.$eval(`#layer-${wide} .atlas-canvas`, (c) => c.height);
  await page.click(`#layer-${wide} .atlas-toggle`);
  const unfolded = await page.$eval(`#layer-${wide} .atlas-canvas`, (c) => c.height);
  assert.ok(unfolded > 5 * before, `${before} -> ${unfolded}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test("MobileNetV2: a stem tile opens its detail with the filters as colour patches; Grad-CAM on the photo", { timeout: 300_000 }, async () => {
  const problems = [];
  const page = await openPage("#model=mobilenet_v2", problems);
  await page.waitForFunction(() => document.body.dataset.model === "mobilenet_v2" && document.querySelector("#layer-0 .atlas-canvas"), null, { timeout: 120_000 });
  await page.waitForFunction(() => document.body.dataset.sample === "cat", null, { timeout: 30_000 });
  // Tile 2 of the stem: tiles are 112 cells plus a 1-cell gap, drawn at the canvas's CSS scale.
  const box = await page.$eval("#layer-0 .atlas-canvas", (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, scale: r.width / c.width };
  });
  await page.mouse.click(box.x + (2 * 113 + 50) * box.scale, box.y + 50 * box.scale);
  // Generous waits: the e2e files run in parallel on 2 cores, and each MobileNetV2 pass is heavy.
  await page.waitForFunction(() => document.body.dataset.detail === "open", null, { timeout: 90_000 });
  assert.equal(await page.$eval(".clv-detail", (d) => d.dataset.channel), "2");
  await page.waitForSelector(".clv-filter-patches", { timeout: 90_000 });
  assert.ok((await distinctColours(page, ".clv-filter-patches")) > 20, "32 colour filters");
  await page.screenshot({ path: `${OUT_DIR}mobilenet-detail.png` });
  await page.keyboard.press("Escape");
  await page.click("#tab-attribution");
  await page.waitForFunction(() => document.querySelector("[data-method]")?.dataset.method === "gradcam", null, { timeout: 90_000 });
  await page.screenshot({ path: `${OUT_DIR}mobilenet-gradcam.png` });
  assert.deepEqual(problems, []);
  await page.close();
});

test("a catalog model the server lacks: a clear message, the previous model stays", { timeout: 60_000 }, async () => {
  const problems = [];
  const page = await env.browser.newPage();
  await page.route("**/models/mobilenet_v2.safetensors", (r) => r.fulfill({ status: 404, body: "" }));
  watchProblems(page, new URL(env.server.url).origin, problems);
  await page.goto(`${env.server.url}#model=mobilenet_v2`);
  await page.waitForFunction(() => !document.querySelector("#error").hidden, null, { timeout: 60_000 });
  assert.match(await page.textContent("#error-message"), /Could not load MobileNetV2 · ImageNet: mobilenet_v2.safetensors: HTTP 404.*build\.sh models.*digits stays loaded/);
  assert.equal(await page.evaluate(() => document.body.dataset.model), "digits");
  assert.deepEqual(problems.filter((p) => !p.includes("404")), []);
  await page.close();
});

test("a colour graph model opened as a file: compact view, what each merge reads, a colour input", { timeout: 60_000 }, async () => {
  const problems = [];
  const page = await openPage("", problems);
  await page.waitForFunction(() => Number(document.body.dataset.runs) > 0, null, { timeout: 30_000 });
  await page.setInputFiles("#model-file", { name: "colour-graph.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from(colourGraph().bytes) });
  await page.waitForFunction(() => document.body.dataset.model === "file:colour-graph.safetensors", null, { timeout: 30_000 });
  assert.equal(await page.$$eval("#maps .atlas-canvas", (c) => c.length), 54); // every spatial layer
  assert.match(await page.textContent("#layer-5 .layer-reads"), /reads stem_relu \+ block0\.conv2/);
  assert.match(await page.textContent("#layer-52 .layer-reads"), /reads block9\.relu2 \+ stem_relu/);
  // The digit picture is now given in colour; inverting is for grey models.
  assert.equal(await page.evaluate(() => document.querySelector("#invert").disabled), true);
  assert.match(await page.textContent("#convert-how"), /in colour/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("<convlens-explorer> with a large model: runs bring only the layers the view shows", { timeout: 90_000 }, async () => {
  const problems = [];
  const page = await env.browser.newPage({ viewport: { width: 1000, height: 900 } });
  watchProblems(page, new URL(env.server.url).origin, problems);
  // Count the layers each run reply of the worker carries.
  await page.addInitScript(() => {
    const W = window.Worker;
    window.runReplies = [];
    window.Worker = class extends W {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (e) => {
          const acts = e.data?.result?.activations;
          if (Array.isArray(acts)) window.runReplies.push({ layers: acts.length, sent: acts.filter(Boolean).length });
        });
      }
    };
  });
  const bytes = Buffer.from(colourGraph().bytes);
  await page.route(/\/models\/colour-graph\.safetensors$/, (r) => r.fulfill({ status: 200, contentType: "application/octet-stream", body: bytes }));
  await page.goto(`${env.server.url}embed.html#model=models/colour-graph.safetensors&view=maps&layer=5&input=digit-7`);
  const el = () => page.evaluate(() => document.getElementById("view").dataset);
  await page.waitForFunction(() => Number(document.getElementById("view")?.dataset.runs) > 0, null, { timeout: 60_000 });
  const last = await page.evaluate(() => window.runReplies.at(-1));
  assert.ok(last.layers > 40 && last.sent === 1, JSON.stringify(last));
  await page.waitForFunction(() => document.getElementById("view").shadowRoot.querySelector("section.layer[data-layer='5'] canvas"), null, { timeout: 30_000 });
  // The filters view of another layer fetches that layer and the one it reads from the last run.
  await page.evaluate(() => {
    const v = document.getElementById("view");
    v.setAttribute("view", "filters");
    v.setAttribute("layer", "8");
  });
  await page.waitForFunction(() => document.getElementById("view").shadowRoot.querySelector(".clv-detail[data-layer='8'] canvas"), null, { timeout: 30_000 });
  const map = await page.evaluate(() => {
    const d = document.getElementById("view").shadowRoot.querySelector(".clv-detail[data-layer='8']");
    return d.querySelector("canvas[data-value]")?.dataset.value;
  });
  assert.ok(map !== undefined && Number.isFinite(Number(map)), `the detail map has values (${map})`);
  assert.notEqual((await el()).state, "error");
  // A colour model gets photos in colour (centre-cropped, as on the page), not greyscale.
  const runs = Number((await el()).runs);
  await page.evaluate(() => document.getElementById("view").setAttribute("input", "cat"));
  await page.waitForFunction((n) => Number(document.getElementById("view").dataset.runs) > n, runs, { timeout: 30_000 });
  const colour = await page.evaluate(() => {
    const input = document.getElementById("view").input;
    const n = input.height * input.width;
    let diff = 0;
    for (let i = 0; i < n; i++) diff += Math.abs(input.values[i] - input.values[2 * n + i]);
    return { planes: input.planes, meanDiff: diff / n };
  });
  assert.equal(colour.planes, 3);
  assert.ok(colour.meanDiff > 0.02, `red and blue planes differ on the cat photo: ${colour.meanDiff}`);
  assert.deepEqual(problems, []);
  await page.close();
});
