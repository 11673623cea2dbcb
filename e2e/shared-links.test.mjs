// Shared links of the explorer page (headless Chromium): a link to every builtin model and to
// MobileNetV2 (the catalog model www/models/mobilenet_v2.safetensors, made by ./build.sh models),
// with and without a layer in it, opens with its feature maps drawn (non-blank canvases); and a
// detail view whose module cannot be loaded says so, naming the module.

import assert from "node:assert/strict";
import { test } from "node:test";
import { watchProblems } from "./browser.mjs";
import { useServerAndBrowser } from "./hooks.mjs";

const env = useServerAndBrowser({ prefix: "/shared/" });

/** Opens `hash` on a fresh page; resolves when the model `model` has drawn a run. */
async function openLink(hash, model, problems, timeout = 60_000) {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchProblems(page, new URL(env.server.url).origin, problems);
  await page.goto(`${env.server.url}index.html${hash}`);
  await page.waitForFunction((m) => document.body.dataset.ready === "1" && document.body.dataset.model === m && Number(document.body.dataset.runs) > 0, model, { timeout });
  return page;
}

/**
 * Waits until the map canvases of layer `layer` (one per channel, or the layer's atlas) are drawn:
 * at least one of them is not of one colour. Resolves to {canvases, drawn}.
 */
async function layerDrawn(page, layer, timeout = 60_000) {
  const read = () =>
    page.evaluate((i) => {
      const canvases = [...document.querySelectorAll(`#layer-${i} canvas.map-canvas, #layer-${i} canvas.atlas-canvas`)];
      const drawn = canvases.filter((c) => {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let k = 4; k < d.length; k += 4) if (d[k] !== d[0] || d[k + 1] !== d[1] || d[k + 2] !== d[2]) return true;
        return false;
      });
      return { canvases: canvases.length, drawn: drawn.length };
    }, layer);
  const t0 = Date.now();
  for (;;) {
    const r = await read();
    if (r.drawn > 0 || Date.now() - t0 > timeout) return r;
    await page.waitForTimeout(200);
  }
}

const BUILTINS = [
  { model: "digits", sample: "digit-7", layer: 3 },
  { model: "fashion", sample: "fashion-sneaker", layer: 3 },
  { model: "edges", sample: "cat", layer: 2 },
];

for (const { model, sample, layer } of BUILTINS) {
  test(`a shared link to ${model}, with and without a layer, opens with its maps drawn`, { timeout: 120_000 }, async () => {
    const problems = [];
    for (const hash of [`#model=${model}&sample=${sample}`, `#model=${model}&sample=${sample}&layer=${layer}`]) {
      const page = await openLink(hash, model, problems);
      // Every spatial layer has a drawn map.
      const layers = await page.$$eval("#maps section.layer[data-kind=spatial]", (s) => s.map((x) => Number(x.dataset.layer)));
      assert.ok(layers.length > 0, hash);
      for (const i of layers) {
        const r = await layerDrawn(page, i, 10_000);
        assert.ok(r.canvases > 0 && r.drawn > 0, `${hash}: layer ${i}: ${r.drawn} of ${r.canvases} maps drawn`);
      }
      assert.equal(await page.evaluate(() => document.body.dataset.sample), sample, hash);
      await page.close();
    }
    assert.deepEqual(problems, []);
  });
}

test("a shared link to MobileNetV2, with and without a layer, opens with its maps drawn", { timeout: 300_000 }, async () => {
  const problems = [];
  // Without a layer: the maps at the top of the page (the stem) are drawn.
  let page = await openLink("#model=mobilenet_v2&sample=cat", "mobilenet_v2", problems, 180_000);
  await page.waitForFunction(() => /Egyptian cat|tabby|tiger cat/.test(document.querySelector("#prediction-top")?.textContent ?? ""), null, { timeout: 60_000 });
  for (const i of [0, 1]) {
    const r = await layerDrawn(page, i);
    assert.ok(r.drawn > 0, `layer ${i}: ${JSON.stringify(r)}`);
  }
  await page.close();
  // With a layer: the page scrolls to it, and its maps are drawn.
  page = await openLink("#model=mobilenet_v2&sample=cat&layer=20", "mobilenet_v2", problems, 180_000);
  const r = await layerDrawn(page, 20);
  assert.ok(r.drawn > 0, `layer 20: ${JSON.stringify(r)}`);
  assert.match(await page.evaluate(() => location.hash), /layer=20/);
  await page.close();
  assert.deepEqual(problems, []);
});

test("a detail view whose module cannot be loaded says what failed", { timeout: 60_000 }, async () => {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route("**/js/views/detail.js", (route) => route.abort());
  await page.goto(`${env.server.url}index.html#model=digits&sample=digit-7`);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30_000 });
  await page.click('#maps section[data-layer="0"] canvas[data-channel="2"]');
  await page.waitForFunction(() => document.body.dataset.detail === "error", null, { timeout: 30_000 });
  assert.equal(await page.isVisible("#detail-dialog"), true);
  const text = await page.textContent("#detail-host [role=alert]");
  assert.match(text, /^The detail view could not be opened: its module \(js\/views\/detail\.js\) could not be loaded: /);
  assert.doesNotMatch(await page.textContent("#detail-dialog"), /coming soon/i);
  // The page still works: Escape closes the dialog, and the maps view is back.
  await page.keyboard.press("Escape");
  // The dialog's "close" event (which puts the maps view back) is dispatched after `open` clears.
  await page.waitForFunction(() => !document.getElementById("detail-dialog").open && document.body.dataset.view === "maps", null, { timeout: 10_000 });
  await page.close();
});
