// End-to-end tests of the Train view (www/js/views/train.js) in headless Chromium: the explorer's
// Train tab trains the default preset on MNIST past 95 % on the held-out test sample; the first
// and last snapshots' filters differ and the timeline shows the earlier one again; the confusion
// matrix sums to the test count and a cell opens its examples; "Explore this model" shows its maps;
// the downloaded file loads back with the same predictions; the architecture editor's errors;
// divergence; training on a labelled folder of pictures; the element's view="train" with its
// events; keyboard only. Run after ./build.sh build.
// Screenshots (1280 and 390 px, light and dark) go to bench-results/train-*.png.

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launch, watchProblems } from "./browser.mjs";
import { png } from "./png.mjs";
import { serve } from "./serve.mjs";

const OUT_DIR = fileURLToPath(new URL("../bench-results/", import.meta.url));
let server;
let browser;

before(async () => {
  server = await serve();
  browser = await launch();
  await mkdir(OUT_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(hash, { width = 1280, colorScheme = "light" } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 }, colorScheme, acceptDownloads: true });
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, new URL(server.url).origin, problems);
  await page.goto(`${server.url}index.html#${hash}`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
  return { page, problems, close: () => ctx.close() };
}

const trainState = (page, state, timeout = 120000) =>
  page.waitForFunction((s) => document.getElementById("train-host").dataset.trainState === s, state, { timeout });

/** The first-layer filter canvases' pixels, as one string. */
const filterPixels = (page) => page.$$eval("#train-host .clt-filters canvas", (cs) => cs.map((c) => c.toDataURL()).join("|"));

/** Sets the timeline slider to snapshot `i` as a user does (an input event). */
const scrub = (page, i) =>
  page.$eval(
    "#train-host .clt-slider",
    (s, v) => {
      s.value = String(v);
      s.dispatchEvent(new Event("input", { bubbles: true }));
    },
    i,
  );

test("the Train tab trains the tiny preset past 95 % on the test sample; timeline, evaluation, explore and download", async () => {
  const { page, problems, close } = await open("view=train&steps=1000&autostart");
  await trainState(page, "done");
  const host = await page.$eval("#train-host", (h) => ({ ...h.dataset }));
  assert.equal(host.trainSteps, "1000");
  assert.ok(Number(host.testAccuracy) > 0.95, `test accuracy ${host.testAccuracy}`);
  assert.match(await page.evaluate(() => location.hash), /view=train.*steps=1000/);

  // The timeline: step 0's filters (noise) differ from the last ones, and scrubbing shows them again.
  const last = await filterPixels(page);
  const count = Number(await page.$eval("#train-host .clt-slider", (s) => s.max)) + 1;
  assert.ok(count >= 20 && count <= 48, `${count} snapshots`);
  await scrub(page, 0);
  assert.equal(await page.$eval("#train-host", (h) => h.dataset.snapshotStep), "0");
  const first = await filterPixels(page);
  assert.notEqual(first, last);
  await scrub(page, count - 1);
  assert.equal(await filterPixels(page), last);
  await scrub(page, 0);
  assert.equal(await filterPixels(page), first, "the earlier snapshot's filters, drawn again");
  await scrub(page, count - 1);

  // Evaluation of the trained model: the matrix sums to the test count; a cell opens its examples.
  await page.click("#train-host .cev .button.primary");
  await page.waitForFunction(() => document.querySelector("#train-host .cev").dataset.state === "done");
  const cells = await page.$$eval("#train-host .cev-cell", (bs) => bs.map((b) => ({ t: b.dataset.t, p: b.dataset.p, n: Number(b.textContent) })));
  assert.equal(cells.reduce((a, c) => a + c.n, 0), 500);
  const wrong = cells.filter((c) => c.t !== c.p).sort((a, b) => b.n - a.n)[0];
  await page.click(`#train-host .cev-cell[data-t="${wrong.t}"][data-p="${wrong.p}"]`);
  assert.equal(await page.locator("#train-host .cev-example").count(), wrong.n);
  for (const [scheme, width] of [["light", 1280], ["dark", 1280]]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width, height: 900 });
    await page.locator("#train-panel").screenshot({ path: `${OUT_DIR}train-${width}-${scheme}.png` });
  }

  // An example opens in the explorer, the attribution comparing its true and predicted classes.
  await page.locator("#train-host .cev-example").first().click();
  await page.waitForFunction(() => document.body.dataset.view === "attribution" && document.querySelector("#attribution-host .cle-compare")?.hidden === false);
  assert.match(await page.textContent("#attribution-host .cle-compare"), /that the network calls/);
  assert.match(await page.evaluate(() => document.body.dataset.model), /^file:trained-tiny-step1000/);

  // Explore this model: the trained model's feature maps.
  await page.click("#tab-train");
  const runs = Number(await page.evaluate(() => document.body.dataset.runs));
  await page.click("#train-host .clt-explore");
  await page.waitForFunction((r) => document.body.dataset.view === "maps" && Number(document.body.dataset.runs) > r, runs);
  assert.ok((await page.locator("#maps canvas.map-canvas").count()) >= 8 * 3);
  const explored = await page.textContent("#prediction-top");

  // Download: the file loads back (Open model file) with the same prediction on the same input.
  await page.click("#tab-train");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#train-host .clt-download")]);
  assert.match(download.suggestedFilename(), /^convlens-tiny-step1000\.safetensors$/);
  const bytes = await readFile(await download.path());
  await page.click("#tab-maps");
  const before = Number(await page.evaluate(() => document.body.dataset.runs));
  await page.setInputFiles("#model-file", { name: "again.safetensors", mimeType: "application/octet-stream", buffer: bytes });
  await page.waitForFunction((r) => document.body.dataset.model === "file:again.safetensors" && Number(document.body.dataset.runs) > r, before);
  assert.equal(await page.textContent("#prediction-top"), explored);

  // Any snapshot opens in the explorer: step 0's random weights.
  await page.click("#tab-train");
  await scrub(page, 0);
  await page.click("#train-host .clt-open-snapshot");
  await page.waitForFunction(() => document.body.dataset.model === "file:trained-tiny-step0.safetensors" && document.body.dataset.view === "maps");
  assert.notEqual(await page.textContent("#prediction-top"), explored);
  assert.deepEqual(problems, []);
  await close();
});

test("the architecture editor names the layer that does not fit and keeps Train disabled", async () => {
  const { page, close } = await open("view=train", { width: 390 });
  await page.waitForSelector("#train-host .clt-layer");
  const start = page.locator("#train-host .clt-start");
  assert.equal(await start.isDisabled(), false);
  // The linear layer's outputs: 12 scores for 10 classes.
  await page.fill('#train-host .clt-layer:last-child input[data-key="features"]', "12");
  assert.match(await page.textContent("#train-host .clt-problem"), /one score per class \(10\).*12 values/);
  assert.equal(await start.isDisabled(), true);
  await page.fill('#train-host .clt-layer:last-child input[data-key="features"]', "10");
  assert.equal(await start.isDisabled(), false);
  // A kernel larger than its input, after three poolings.
  await page.fill('#train-host .clt-layer:first-child input[data-key="kernel"]', "15");
  await page.fill('#train-host .clt-layer:first-child input[data-key="padding"]', "0");
  await page.fill('#train-host .clt-layer:first-child input[data-key="stride"]', "8");
  assert.match(await page.textContent("#train-host .clt-layer:first-child .clt-out"), /→ 8 × 2 × 2/);
  assert.match(await page.textContent("#train-host .clt-layer:first-child .clt-formula"), /⌊\(28 \+ 2\*0 - 15\) \/ 8⌋ \+ 1 = 2/);
  await page.selectOption("#train-host .clt-add select", "pool");
  await page.click("#train-host .clt-add button");
  await page.fill('#train-host .clt-layer:last-child input[data-key="size"]', "3");
  // The new pooling after the linear layer: a vector has no window to pool.
  assert.match(await page.textContent("#train-host .clt-problem"), /layer 6 \(pool2\): a pooling needs channels × height × width/);
  assert.equal(await start.isDisabled(), true);
  await page.click("#train-host .clt-layer:last-child .clt-remove");
  assert.equal(await page.textContent("#train-host .clt-problem"), "");
  assert.match(await page.evaluate(() => location.hash), /arch=c8k15s8-relu-mp2-flat-fc10/);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.locator("#train-panel").screenshot({ path: `${OUT_DIR}train-390-${scheme}.png` });
  }
  await close();
});

test("divergence stops training with a message and keeps the snapshots", async () => {
  const { page, close } = await open("view=train&optimizer=sgd&learning-rate=1000&steps=300&autostart");
  await trainState(page, "diverged");
  assert.match(await page.textContent("#train-host .clt-message"), /training diverged at step \d+.*Lower the learning rate/);
  assert.ok(Number(await page.$eval("#train-host .clt-slider", (s) => s.max)) >= 0);
  assert.equal(await page.locator("#train-host .clt-explore").isDisabled(), false, "the last good model can still be explored");
  await close();
});

test("<convlens-explorer view=train>: train-progress at least every 50 steps, then train-done", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${server.url}embed.html#view=train&preset=tiny&steps=120&batch-size=32&seed=3&autostart`);
  const events = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const got = [];
        const el = document.querySelector("convlens-explorer");
        el.addEventListener("train-progress", (e) => got.push({ type: "progress", ...e.detail }));
        document.addEventListener("train-done", (e) => resolve([...got, { type: "done", ...e.detail }]));
      }),
  );
  const progress = events.filter((e) => e.type === "progress");
  let last = 0;
  for (const p of progress) {
    assert.ok(p.steps - last <= 50);
    last = p.steps;
    assert.deepEqual(Object.keys(p).sort(), ["accuracy", "epoch", "loss", "steps", "testAccuracy", "type"]);
  }
  const done = events.at(-1);
  assert.equal(done.reason, "steps");
  assert.equal(done.steps, 120);
  assert.equal(progress.at(-1).steps, 120);
  assert.ok(done.testAccuracy > 0.5 && done.loss > 0 && done.loss < 2.3);
  await ctx.close();
});

test("keyboard only: start, pause and scrub the timeline", async () => {
  const { page, close } = await open("view=train");
  await page.waitForSelector("#train-host .clt-start");
  const focusOn = async (selector) => {
    for (let i = 0; i < 200; i++) {
      if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
      await page.keyboard.press("Tab");
    }
    throw new Error(`Tab never reached ${selector}`);
  };
  await focusOn("#train-host .clt-start");
  await page.keyboard.press("Enter");
  await trainState(page, "running");
  await page.waitForFunction(() => Number(document.getElementById("train-host").dataset.trainSteps) >= 100);
  await page.keyboard.press("Enter"); // the same button is Pause now
  await trainState(page, "paused");
  await focusOn("#train-host .clt-slider");
  await page.keyboard.press("Home");
  assert.equal(await page.$eval("#train-host", (h) => h.dataset.snapshotStep), "0");
  await page.keyboard.press("ArrowRight");
  assert.notEqual(await page.$eval("#train-host", (h) => h.dataset.snapshotStep), "0");
  await close();
});

test("the lesson: step 8 trains the tiny net; step 9's learning rate kills filters, and 0.001 after Reset does not", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${server.url}lesson.html`);
  await page.evaluate(() => {
    window.trainDone = [];
    document.addEventListener("train-done", (e) => window.trainDone.push({ step: e.target.closest("section").id, ...e.detail }));
  });
  const trained = async (section, n) => {
    await page.waitForFunction((k) => window.trainDone.length >= k, n, { timeout: 120000 });
    return page.evaluate(() => window.trainDone.at(-1));
  };
  const deadOf = async (section) => {
    const text = await page.locator(`#${section} .clt-flags`).first().textContent();
    return /(\d+) dead/.test(text) ? Number(/(\d+) dead/.exec(text)[1]) : 0;
  };
  await page.locator("#learn .clt-start").click();
  const learned = await trained("learn", 1);
  assert.equal(learned.step, "learn");
  assert.equal(learned.steps, 300);
  assert.ok(learned.testAccuracy > 0.9, `step 8: ${learned.testAccuracy}`);

  await page.locator("#fix .clt-start").click();
  const broken = await trained("fix", 2);
  const deadBroken = await deadOf("fix");
  assert.ok(deadBroken >= 3, `step 9 at 0.1: ${deadBroken} dead filters`);
  assert.ok(broken.testAccuracy < learned.testAccuracy);
  await page.locator('#fix input[aria-label="Learning rate"]').fill("0.001");
  await page.locator('#fix input[aria-label="Learning rate"]').dispatchEvent("change");
  await page.locator("#fix .clt-reset").click();
  await page.waitForFunction(() => document.querySelector("#fix convlens-explorer").shadowRoot.querySelector(".clt").dataset.trainSteps === "0");
  await page.locator("#fix .clt-start").click();
  const fixed = await trained("fix", 3);
  assert.equal(fixed.reason, "steps");
  assert.ok((await deadOf("fix")) < deadBroken, "fewer dead filters after the fix");
  assert.ok(fixed.testAccuracy > broken.testAccuracy);
  await ctx.close();
});

test("a labelled folder of pictures trains: its folders are the classes, a fifth is held out", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "convlens-train-"));
  const images = await readFile(new URL("../www/data/digits-test500-images.idx", import.meta.url));
  const labels = await readFile(new URL("../www/data/digits-test500-labels.idx", import.meta.url));
  const names = { 0: "zero", 1: "one", 7: "seven" };
  let written = 0;
  for (let i = 0; i < 500; i++) {
    const name = names[labels[8 + i]];
    if (!name) continue;
    await mkdir(path.join(dir, "digits", name), { recursive: true });
    const px = images.subarray(16 + i * 784, 16 + (i + 1) * 784);
    await writeFile(path.join(dir, "digits", name, `img-${i}.png`), png(28, 28, (x, y) => px[y * 28 + x]));
    written++;
  }
  const { page, problems, close } = await open("view=train");
  await page.selectOption("#train-host .clt-data select", "folder");
  await page.setInputFiles("#train-host .clt-data .cev-folder-input", path.join(dir, "digits"));
  await page.waitForFunction(() => /in 3 classes/.test(document.querySelector("#train-host .clt-data-info").textContent));
  const info = await page.textContent("#train-host .clt-data-info");
  assert.match(info, new RegExp(`${written} of your pictures in 3 classes \\(one, seven, zero\\)`));
  // The last linear layer follows the folder's three classes.
  assert.equal(await page.inputValue('#train-host .clt-layer:last-child input[data-key="features"]'), "3");
  await page.fill('#train-host input[aria-label="Stop after steps"]', "60");
  await page.click("#train-host .clt-start");
  await trainState(page, "done");
  const acc = Number(await page.$eval("#train-host", (h) => h.dataset.testAccuracy));
  assert.ok(acc > 0.8, `held-out accuracy ${acc} on three digits`);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /folder/, "a folder is not in the link");
  assert.deepEqual(problems, []);
  await close();
  await rm(dir, { recursive: true, force: true });
});
