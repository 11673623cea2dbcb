// End-to-end tests of the explaining views (www/js/views/maximize.js, attribution.js, stats.js) in
// headless Chromium, through the harness page dev/explain-demo.html (the builtin digits model on
// a sample digit, in the engine worker).
// Run after ./build.sh build:  node --test e2e/
// Screenshots (light and dark, desktop and 390 px) go to bench-results/explain-*.png.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { devSession } from "./browser.mjs";
import { colourConvModel, convClassifier, pseudoRandom, safetensors, tinyClassifier } from "./model-file.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT_DIR = `${ROOT}bench-results/`;
const METHODS = ["gradient", "saliency", "gradxinput", "smoothgrad", "integrated", "gradcam"];

let page;
const problems = []; // console errors, page errors, failed or foreign requests
const session = devSession("dev/explain-demo.html", {
  problems,
  ready: () => ["ed-stats", "ed-attribution"].every((id) => document.getElementById(id).dataset.state === "done"),
});
const openPage = (context, query) => session.open(context, query);

before(async () => {
  await session.start("?model=digits&sample=digit-7.png");
  page = session.page;
});

after(() => session.close());

/** A cheap fingerprint of a canvas's pixels. */
const canvasHash = (p, selector) =>
  p.$eval(selector, (c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619) >>> 0;
    return `${c.width}x${c.height}:${h}`;
  });

const dataset = (p, selector) => p.$eval(selector, (e) => ({ ...e.dataset }));

test("activation maximization animates live (fps reported), the objective rises, and Stop stops it", async (t) => {
  const host = page.locator("#ed-maximize");
  await host.getByLabel("Layer", { exact: true }).selectOption("3"); // conv2
  await host.getByLabel("Channel", { exact: true }).selectOption("5");
  await host.locator("summary").click();
  // Far more steps than the test watches, so it is still running when Stop is pressed.
  await host.getByLabel("Steps", { exact: true }).fill("20000");
  await host.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => Number(document.getElementById("ed-maximize").dataset.frames) >= 3);
  // the image changes from frame to frame
  // (sampled until it has changed 4 times, so a slow machine only makes this take longer)
  const hashes = new Set();
  for (let i = 0; i < 100 && hashes.size < 5; i++) {
    hashes.add(await canvasHash(page, "#ed-maximize .cle-max-image"));
    await page.waitForTimeout(80);
  }
  assert.ok(hashes.size >= 5, `the image changed only ${hashes.size - 1} times in 100 samples`);
  await page.waitForTimeout(1000);
  const running = await dataset(page, "#ed-maximize");
  assert.equal(running.state, "running");
  // The 30 fps goal is a speed goal (./build.sh bench territory): reported here, asserted only
  // with CONVLENS_STRICT_TIMING=1 so a busy test machine cannot fail the suite.
  t.diagnostic(`maximization animates at ${running.fps} fps`);
  if (process.env.CONVLENS_STRICT_TIMING === "1") assert.ok(Number(running.fps) >= 30, `fps ${running.fps}`);
  assert.ok(Number(running.fps) > 0, `fps ${running.fps}`);
  assert.ok(Number(running.value) > Number(running.firstValue), `objective ${running.firstValue} -> ${running.value}`);
  assert.match(await host.locator(".cle-readout").textContent(), /fps/);
  await host.getByRole("button", { name: "Stop" }).click();
  const stopped = await dataset(page, "#ed-maximize");
  assert.equal(stopped.state, "stopped");
  assert.ok(Number(stopped.steps) < 20000, `stopped after ${stopped.steps} steps`);
  const hash = await canvasHash(page, "#ed-maximize .cle-max-image");
  await page.waitForTimeout(400);
  const later = await dataset(page, "#ed-maximize");
  assert.equal(later.steps, stopped.steps, "steps kept running after Stop");
  assert.equal(await canvasHash(page, "#ed-maximize .cle-max-image"), hash);
  assert.match(await host.locator(".cle-status").textContent(), /Stopped: conv2 channel 5/);
  assert.equal(await host.getByRole("button", { name: "Start" }).isEnabled(), true);
});

test("a class score target runs to the end; unknown options are refused by the engine", async () => {
  const host = page.locator("#ed-maximize");
  await host.getByLabel("Layer", { exact: true }).selectOption("7"); // fc: class scores
  await host.getByLabel("Class", { exact: true }).selectOption("3");
  await host.getByLabel("Steps", { exact: true }).fill("64");
  await host.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => document.getElementById("ed-maximize").dataset.state === "done");
  const d = await dataset(page, "#ed-maximize");
  assert.equal(d.steps, "64");
  assert.ok(Number(d.value) > Number(d.firstValue));
  assert.match(await host.locator(".cle-status").textContent(), /Done: class “3” \(logit\) after 64 steps/);
  const err = await page.evaluate(() =>
    window.explainDemo.state.engine.call("maximizeStart", { options: { layer: 0, channel: 0, colour: 1 } }).then(
      () => "no error",
      (e) => e.message,
    ),
  );
  assert.match(err, /unknown field 'colour'/);
});

test("the layer atlas maximizes every channel and shows its top-9 dataset examples", async () => {
  const host = page.locator("#ed-maximize");
  await host.getByLabel("Layer", { exact: true }).selectOption("0");
  await host.getByLabel("Steps", { exact: true }).fill("128");
  await host.getByRole("button", { name: "Layer atlas" }).click();
  await page.waitForFunction(() => document.querySelector("#ed-maximize .cle-atlas").dataset.state === "done", null, {
    timeout: 30_000,
  });
  await page.waitForFunction(() => document.querySelectorAll("#ed-maximize .cle-atlas-card[data-top='1']").length === 8);
  const cards = await page.$$eval("#ed-maximize .cle-atlas-card", (cs) =>
    cs.map((c) => {
      const [img, top] = c.querySelectorAll("canvas");
      const lit = (cv) => {
        const d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      };
      return { image: c.dataset.image, imgSize: [img.width, img.height], topSize: [top.width, top.height], topLit: lit(top) };
    }),
  );
  assert.equal(cards.length, 8);
  for (const c of cards) {
    assert.equal(c.image, "1");
    assert.deepEqual(c.imgSize, [28, 28]);
    assert.deepEqual(c.topSize, [84, 84]);
    assert.ok(c.topLit > 100, "top-9 thumbnails are drawn");
  }
  // the atlas images differ between channels
  const hashes = new Set();
  for (let i = 0; i < 8; i++) hashes.add(await canvasHash(page, `#ed-maximize .cle-atlas-card[data-channel="${i}"] .cle-atlas-image`));
  assert.equal(hashes.size, 8);
});

test("a running layer atlas shows its progress and Stop ends it, keeping the channels drawn", async () => {
  const host = page.locator("#ed-maximize");
  await host.getByLabel("Layer", { exact: true }).selectOption("3"); // conv2: 16 channels
  await host.getByLabel("Steps", { exact: true }).fill("1024");
  await host.getByRole("button", { name: "Layer atlas" }).click();
  await page.waitForFunction(() => Number(document.querySelector("#ed-maximize .cle-atlas").dataset.done ?? 0) >= 1, null, {
    timeout: 30_000,
  });
  assert.match(await host.locator(".cle-status").textContent(), /Layer atlas of conv2: \d+ of 16 channels(, about .* left)?\./);
  const stopButton = host.getByRole("button", { name: "Stop" });
  assert.equal(await stopButton.isEnabled(), true);
  await stopButton.click();
  const box = host.locator(".cle-atlas");
  assert.equal(await box.getAttribute("data-state"), "stopped");
  const done = Number(await box.getAttribute("data-done"));
  assert.ok(done >= 1 && done < 16, `stopped after ${done} channels`);
  assert.match(await host.locator(".cle-status").textContent(), new RegExp(`stopped after ${done} of 16 channels`));
  assert.equal(await stopButton.isEnabled(), false);
  await page.waitForTimeout(1500); // the channel in flight when Stop was pressed is not drawn
  assert.equal(Number(await box.getAttribute("data-done")), done);
  assert.equal(await page.locator("#ed-maximize .cle-atlas-card[data-image='1']").count(), done);
  await host.getByLabel("Steps", { exact: true }).fill("128");
});

test("attribution overlays draw for every method, and the opacity slider changes the pixels", async () => {
  const host = page.locator("#ed-attribution");
  const seen = new Map();
  for (const method of METHODS) {
    await host.getByLabel("Method").selectOption(method);
    await page.waitForFunction(
      (m) => {
        const h = document.getElementById("ed-attribution");
        return h.dataset.state === "done" && h.dataset.method === m;
      },
      method,
    );
    assert.equal(await host.getByLabel("Grad-CAM layer").isVisible(), method === "gradcam");
    assert.equal(await host.getByLabel("Samples").isVisible(), method === "smoothgrad");
    assert.equal(await host.getByLabel("Steps").isVisible(), method === "integrated");
    const signed = await host.locator(".cle-legend").getAttribute("data-signed");
    assert.equal(signed, ["gradient", "gradxinput", "integrated"].includes(method) ? "1" : "0", method);
    seen.set(method, await canvasHash(page, "#ed-attribution .cle-overlay"));
    assert.match(await host.locator(".cle-status").textContent(), /score of “7” \(predicted\)/);
  }
  assert.equal(new Set(seen.values()).size, METHODS.length, "every method draws a different overlay");
  // Grad-CAM at conv1 (28x28) differs from conv2 (14x14, upsampled)
  await host.getByLabel("Method").selectOption("gradcam");
  await page.waitForFunction(() => document.getElementById("ed-attribution").dataset.method === "gradcam");
  const atConv2 = await canvasHash(page, "#ed-attribution .cle-overlay");
  await host.getByLabel("Grad-CAM layer").selectOption("0");
  await page.waitForFunction(() => document.getElementById("ed-attribution").dataset.state === "done", null);
  await page.waitForTimeout(100);
  assert.notEqual(await canvasHash(page, "#ed-attribution .cle-overlay"), atConv2);
  // the opacity slider, by keyboard: 0 % shows the plain input
  const slider = host.getByLabel("Overlay opacity");
  const before = await canvasHash(page, "#ed-attribution .cle-overlay");
  await slider.focus();
  await page.keyboard.press("Home");
  const plain = await canvasHash(page, "#ed-attribution .cle-overlay");
  assert.notEqual(plain, before);
  const grey = await page.$eval("#ed-attribution .cle-overlay", (c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
    return true;
  });
  assert.ok(grey, "at opacity 0 the canvas shows only the (grey) input");
  await page.keyboard.press("End");
  assert.notEqual(await canvasHash(page, "#ed-attribution .cle-overlay"), plain);
  // another class
  await host.getByLabel("Class").selectOption("1");
  await page.waitForFunction(() => /score of “1”/.test(document.querySelector("#ed-attribution .cle-status").textContent));
});

test("statistics flag a dead channel (zero weights, negative bias) and show top-9 thumbnails", async () => {
  const architecture = convClassifier({ channels: 1, height: 28, width: 28 }, ["a", "b", "c"], [{ out: 4, k: 3, pad: 1 }]);
  const w = pseudoRandom(36, 7);
  w.fill(0, 18, 27); // channel 2: zero weights...
  const bytes = safetensors(architecture, {
    "c1.weight": { shape: [4, 1, 3, 3], data: w },
    "c1.bias": { shape: [4], data: Float32Array.from([0.05, 0.05, -0.5, 0.05]) }, // ...and a negative bias
    "fc.weight": { shape: [3, 784], data: pseudoRandom(3 * 784, 8) },
    "fc.bias": { shape: [3], data: new Float32Array(3) },
  });
  await page.evaluate((b) => window.explainDemo.loadBytes(b, "digits"), [...bytes]);
  await page.waitForFunction(() => {
    const h = document.getElementById("ed-stats");
    return h.dataset.state === "done" && h.querySelector(".cle-layer[data-layer='1']");
  });
  const host = page.locator("#ed-stats");
  assert.equal(await host.getAttribute("data-dead"), "1");
  const dead = await page.$$eval("#ed-stats .cle-channel[data-dead='1']", (cs) => cs.map((c) => [c.dataset.layer, c.dataset.channel]));
  assert.deepEqual(dead, [["1", "2"]]);
  assert.match(await host.locator(".cle-channel[data-dead='1'] .cle-badge").textContent(), /dead/);
  assert.match(await host.locator(".cle-summary").textContent(), /1 dead/);
  assert.match(await host.locator(".cle-status").textContent(), /500 MNIST test images/);
  const thumbs = await page.$$eval("#ed-stats .cle-channel .cle-top9", (cs) =>
    cs.map((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 0) lit++;
      return { w: c.width, h: c.height, lit };
    }),
  );
  assert.equal(thumbs.length, 4);
  for (const t of thumbs) {
    assert.deepEqual([t.w, t.h], [84, 84]);
    assert.ok(t.lit > 100);
  }
  // the histogram of active fractions has the dead channel in its first bin
  assert.match(await host.locator(".cle-hist-canvas").getAttribute("aria-label"), /: 1, /);
  // attributions and maximization follow the new model
  await page.waitForFunction(() => document.getElementById("ed-attribution").dataset.state === "done");
  const layers = await page.locator("#ed-maximize").getByLabel("Layer", { exact: true }).locator("option").allTextContents();
  assert.deepEqual(layers, ["0: c1 (conv2d)", "1: r1 (relu)", "2: p1 (maxpool2d)", "4: fc (linear, class scores)"]);
  // back to digits: no dead channels there
  await page.evaluate(() => window.explainDemo.loadBuiltin("digits"));
  await page.waitForFunction(() => document.getElementById("ed-stats").dataset.state === "done" && document.getElementById("ed-stats").dataset.dead === "0");
});

test("a model without a test sample (non-square input): gallery statistics, attributions, maximization", async () => {
  const { bytes } = tinyClassifier();
  await page.evaluate((b) => window.explainDemo.loadBytes(b, null), [...bytes]);
  await page.waitForFunction(() => {
    const h = document.getElementById("ed-stats");
    return h.dataset.state === "done" && h.querySelector(".cle-layer[data-layer='1']");
  });
  assert.match(await page.locator("#ed-stats .cle-status").textContent(), /gallery images/);
  const thumb = await page.$eval("#ed-stats .cle-top9", (c) => [c.width, c.height]);
  assert.deepEqual(thumb, [30, 36]);
  const attr = page.locator("#ed-attribution");
  await attr.getByLabel("Method").selectOption("gradcam");
  await page.waitForFunction(() => {
    const h = document.getElementById("ed-attribution");
    return h.dataset.state === "done" && h.dataset.method === "gradcam";
  });
  assert.deepEqual(await page.$eval("#ed-attribution .cle-overlay", (c) => [c.width, c.height]), [10, 12]);
  assert.match(await attr.locator(".cle-status").textContent(), /score of “(alpha|beta|gamma|delta|epsilon)” \(predicted\)/);
  const max = page.locator("#ed-maximize");
  await max.getByLabel("Layer", { exact: true }).selectOption("4");
  assert.deepEqual(await max.getByLabel("Class", { exact: true }).locator("option").allTextContents(), ["0: alpha", "1: beta", "2: gamma", "3: delta", "4: epsilon"]);
  await max.getByLabel("Steps", { exact: true }).fill("32");
  await max.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => document.getElementById("ed-maximize").dataset.state === "done");
  assert.deepEqual(await page.$eval("#ed-maximize .cle-max-image", (c) => [c.width, c.height]), [10, 12]);
  await page.evaluate(() => window.explainDemo.loadBuiltin("digits"));
  await page.waitForFunction(() => document.getElementById("ed-stats").dataset.state === "done");
});

test("a colour model: the engine's colour defaults (decorrelated Fourier image, jitter, scale, rotate), RGB images, animated", async () => {
  const { bytes } = colourConvModel();
  await page.evaluate((b) => window.explainDemo.loadBytes(b, null), [...bytes]);
  const host = page.locator("#ed-maximize");
  await host.locator("details.cle-settings").evaluate((d) => (d.open = true));
  const value = (label) => host.getByLabel(label, { exact: true }).inputValue();
  // the settings show this model's defaults (from the engine), and only the ones that apply
  await page.waitForFunction(() => document.querySelector("#ed-maximize select[aria-label='Image as']").value === "fourier");
  const defaults = await page.evaluate(() => window.explainDemo.state.engine.call("maximizeDefaults"));
  assert.deepEqual(
    [defaults.param, defaults.decorrelate, defaults.jitter, defaults.scale, defaults.rotate, defaults.blurEvery, defaults.steps],
    ["fourier", true, 4, [0.9, 1.1], 10, 0, 256],
  );
  assert.deepEqual(
    [await value("Colours"), await value("Jitter (px)"), await value("Scale min"), await value("Scale max"), await value("Rotate (±°)")],
    ["true", "4", "0.9", "1.1", "10"],
  );
  assert.equal(await host.getByLabel("Colours", { exact: true }).isVisible(), true);
  assert.equal(await host.getByLabel("Blur every (steps)", { exact: true }).isVisible(), false);
  // plain pixels bring the blur back; Defaults restores the model's defaults
  await host.getByLabel("Image as", { exact: true }).selectOption("pixel");
  await host.getByLabel("Colours", { exact: true }).selectOption("false");
  assert.equal(await host.getByLabel("Blur every (steps)", { exact: true }).isVisible(), true);
  await host.getByRole("button", { name: "Defaults" }).click();
  assert.equal(await value("Image as"), "fourier");
  assert.equal(await host.getByLabel("Blur every (steps)", { exact: true }).isVisible(), false);
  // maximize conv c2's channel 3 (its mean), live
  await host.getByLabel("Layer", { exact: true }).selectOption("3");
  await host.getByLabel("Target", { exact: true }).selectOption("channel");
  await host.getByLabel("Channel", { exact: true }).selectOption("3");
  await host.getByLabel("Steps", { exact: true }).fill("400");
  // Every animation frame until the run ends, the image's fingerprint is recorded in the page
  // (a fast run can finish before a round trip from the test would look).
  await page.evaluate(() => {
    window.maxImages = new Set();
    let seen = false; // this run has started (an earlier run left the state "done")
    const look = () => {
      const host = document.getElementById("ed-maximize");
      const c = host.querySelector(".cle-max-image");
      if (c && host.dataset.state === "running") {
        seen = window.maxSeen = true;
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let h = 2166136261;
        for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619) >>> 0;
        window.maxImages.add(h);
      }
      if (!seen || host.dataset.state === "running") requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
  await host.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.maxSeen && document.getElementById("ed-maximize").dataset.state === "done", null, { timeout: 60_000 });
  const changes = (await page.evaluate(() => window.maxImages.size)) - 1;
  assert.ok(changes >= 2, `the image changed only ${changes} times while running`);
  const d = await dataset(page, "#ed-maximize");
  assert.equal(d.steps, "400");
  assert.ok(Number(d.value) > Number(d.firstValue), `objective ${d.firstValue} -> ${d.value}`);
  // drawn in RGB at the model's size, and coloured (the channels differ)
  const img = await page.$eval("#ed-maximize .cle-max-image", (c) => {
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 24) coloured++;
    }
    return { w: c.width, h: c.height, coloured: coloured / (px.length / 4) };
  });
  assert.deepEqual([img.w, img.h], [64, 64]);
  assert.ok(img.coloured > 0.2, `only ${(img.coloured * 100).toFixed(0)} % of the pixels are coloured`);
  assert.match(await host.locator(".cle-status").textContent(), /Done: c2 channel 3 \(mean\) after 400 steps/);
  await mkdir(OUT_DIR, { recursive: true });
  await host.screenshot({ path: `${OUT_DIR}explain-colour.png` });
  await page.evaluate(() => window.explainDemo.loadBuiltin("digits"));
  await page.waitForFunction(() => document.getElementById("ed-stats").dataset.state === "done");
  await page.waitForFunction(() => document.querySelector("#ed-maximize select[aria-label='Image as']").value === "pixel");
});

test("no console errors, failed or foreign requests", () => {
  assert.deepEqual(problems, []);
});

test("screenshots: light and dark, desktop and 390 px phone (bench-results/explain-*.png)", async () => {
  await mkdir(OUT_DIR, { recursive: true });
  for (const colorScheme of ["light", "dark"]) {
    for (const [name, viewport] of [
      ["desktop", { width: 1280, height: 900 }],
      ["phone", { width: 390, height: 844 }],
    ]) {
      const context = await session.browser.newContext({ viewport, colorScheme, deviceScaleFactor: name === "phone" ? 2 : 1 });
      const p = await openPage(context, "?model=digits&sample=digit-7.png");
      const host = p.locator("#ed-maximize");
      await host.getByRole("button", { name: "Start" }).click();
      await p.waitForFunction(() => document.getElementById("ed-maximize").dataset.state === "done");
      await host.getByRole("button", { name: "Layer atlas" }).click();
      await p.waitForFunction(() => document.querySelector("#ed-maximize .cle-atlas").dataset.state === "done", null, { timeout: 30_000 });
      await p.waitForFunction(() => document.querySelectorAll("#ed-maximize .cle-atlas-card[data-top='1']").length === 8);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} ${colorScheme}: the page scrolls sideways by ${overflow} px`);
      await p.screenshot({ path: `${OUT_DIR}explain-${name}-${colorScheme}.png`, fullPage: true });
      await context.close();
    }
  }
  assert.deepEqual(problems, []);
});
