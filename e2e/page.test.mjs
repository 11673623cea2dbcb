// End-to-end tests of the explorer page (www/index.html) in headless Chromium (playwright-core):
// loading, the architecture strip, the feature maps, drawing, the gallery, colour maps, hover,
// the detail view and the playground tab. Run: ./build.sh build && node --test e2e/
// The session (a nested sub-path, problems recorded, helpers) is e2e/page-session.mjs.

import assert from "node:assert/strict";
import { test } from "node:test";
import { png } from "./png.mjs";
import {
  api,
  consoleErrors,
  drawStroke,
  errorText,
  failedResponses,
  foreignRequests,
  inkStats,
  page,
  pickSample,
  readInput,
  readMaps,
  runs,
  selectModel,
  server,
  settle,
  summaryOf,
  useSession,
} from "./page-session.mjs";

useSession();

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

test("no console errors, failed requests or requests to other origins", () => {
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedResponses, []);
  assert.deepEqual(foreignRequests, []);
});
