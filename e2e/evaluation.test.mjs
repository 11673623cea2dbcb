// End-to-end tests of the evaluation view (www/js/views/evaluation.js) in headless Chromium,
// through the harness page dev/evaluation-demo.html (the builtin digits and fashion models in the
// engine worker). The evaluation is checked against an independent one: every test image run
// through the engine's `run` in the same page, its argmax compared with the label read here from
// the IDX files. Labelled folders are generated here as PNG files (Playwright uploads a directory
// into the `webkitdirectory` input).
// Run after ./build.sh build:  node --test e2e/evaluation.test.mjs
// Screenshots (light and dark, 1280 and 390 px, a cell open) go to bench-results/evaluation-*.png.

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { devSession } from "./browser.mjs";
import { png } from "./png.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT_DIR = `${ROOT}bench-results/`;

const problems = [];
const session = devSession("dev/evaluation-demo.html", { problems });
let page;
let tmp;

/** An IDX file of unsigned bytes read here: {dims, data}. */
async function readIdx(file) {
  const b = await readFile(`${ROOT}www/data/${file}`);
  assert.equal(b[2], 8, `${file}: unsigned bytes`);
  const rank = b[3];
  const dims = Array.from({ length: rank }, (_, i) => b.readUInt32BE(4 + 4 * i));
  return { dims, data: b.subarray(4 + 4 * rank) };
}

/** The test sample of `name` read here: images as arrays of 784 values in [0, 1], labels. */
async function testSample(name) {
  const img = await readIdx(`${name}-test500-images.idx`);
  const lab = await readIdx(`${name}-test500-labels.idx`);
  const [count, h, w] = img.dims;
  const images = Array.from({ length: count }, (_, n) => Array.from(img.data.subarray(n * h * w, (n + 1) * h * w), (v) => v / 255));
  return { count, h, w, images, bytes: img.data, labels: Array.from(lab.data) };
}

const argmax = (v) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

/** Every image run through the engine's `run` in the page: the predicted class of each. */
async function independentPredictions(images) {
  const outputs = await page.evaluate(async (list) => {
    const out = [];
    for (const x of list) out.push(await window.evalDemo.run(x));
    return out;
  }, images);
  return outputs.map(argmax);
}

const cev = "#ed-eval";

async function evaluateAndWait() {
  await page.click(`${cev} .cev-primary`);
  await page.waitForFunction((sel) => ["done", "error"].includes(document.querySelector(sel).dataset.state), cev, { timeout: 60_000 });
  return page.$eval(cev, (e) => e.dataset.state);
}

/** The view's last result as plain arrays. */
const resultOf = () =>
  page.evaluate(() => {
    const r = window.evalDemo.view.result();
    return r && {
      accuracy: r.evaluation.accuracy,
      confusion: Array.from(r.evaluation.confusion),
      predictions: Array.from(r.evaluation.predictions),
      labels: Array.from(r.data.labels),
      count: r.data.count,
      k: r.k,
      paths: r.data.paths ?? null,
    };
  });

/** The matrix as shown: {t, p, count, text} per non-empty cell button. */
const shownCells = () =>
  page.$$eval(`${cev} .cev-cell`, (bs) =>
    bs.map((b) => ({ t: Number(b.dataset.t), p: Number(b.dataset.p), count: Number(b.dataset.count), text: b.textContent, pressed: b.getAttribute("aria-pressed") })),
  );

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "convlens-eval-"));
  await session.start("?model=digits");
  page = session.page;
});

after(async () => {
  await session.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

for (const [name, floor] of [["digits", 0.97], ["fashion", 0.85]]) {
  test(`${name}: the accuracy on the 500 test images equals each image run through the engine`, async () => {
    await page.selectOption("#ed-model", name);
    await page.waitForFunction((n) => document.getElementById("ed-status").textContent.endsWith(`model ${n}`), name);
    assert.equal(await page.isDisabled(`${cev} input[value="sample"]`), false);
    assert.equal(await evaluateAndWait(), "done");
    const sample = await testSample(name);
    const predicted = await independentPredictions(sample.images);
    const right = predicted.filter((p, i) => p === sample.labels[i]).length;
    const r = await resultOf();
    assert.equal(r.count, sample.count);
    assert.deepEqual(r.labels, sample.labels, "the view's labels are the IDX file's");
    assert.deepEqual(r.predictions, predicted, "every prediction is the argmax of the engine's run");
    assert.ok(Math.abs(r.accuracy - right / sample.count) < 1e-9, `accuracy ${r.accuracy} vs ${right}/${sample.count}`);
    assert.ok(r.accuracy > floor, `${name} accuracy ${r.accuracy}`);
    const shown = await page.$eval(`${cev} .cev-accuracy-value`, (e) => e.textContent);
    assert.equal(shown, `${((right / sample.count) * 100).toFixed(1)} %`);
    // The matrix on screen: sums to the count; each cell counts its (label, prediction) pairs.
    const cells = await shownCells();
    assert.equal(cells.reduce((s, c) => s + c.count, 0), sample.count);
    for (const c of cells) {
      const n = sample.labels.filter((l, i) => l === c.t && predicted[i] === c.p).length;
      assert.equal(c.count, n, `cell ${c.t} -> ${c.p}`);
      assert.equal(c.text, String(n));
    }
    assert.equal(await page.$$eval(`${cev} .cev-table tbody tr`, (rows) => rows.length), 10);
    // The per-class bars: count and right answers of each class.
    const bars = await page.$$eval(`${cev} .cev-bar-row`, (rows) => rows.map((r) => ({ c: Number(r.dataset.class), count: Number(r.dataset.count), correct: Number(r.dataset.correct) })));
    assert.equal(bars.length, 10);
    for (const b of bars) {
      assert.equal(b.count, sample.labels.filter((l) => l === b.c).length);
      assert.equal(b.correct, sample.labels.filter((l, i) => l === b.c && predicted[i] === b.c).length);
    }
  });
}

test("a cell opens exactly its examples; an example gives onOpenExample the test image", async () => {
  await page.selectOption("#ed-model", "fashion");
  await page.waitForFunction(() => document.getElementById("ed-status").textContent.endsWith("model fashion"));
  assert.equal(await evaluateAndWait(), "done");
  const sample = await testSample("fashion");
  const r = await resultOf();
  // The largest mistake, by the predictions checked in the test above.
  const counts = new Map();
  r.labels.forEach((t, i) => {
    const p = r.predictions[i];
    if (t !== p) counts.set(`${t},${p}`, (counts.get(`${t},${p}`) ?? 0) + 1);
  });
  const [key] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  const [t, p] = key.split(",").map(Number);
  const expected = r.labels.map((l, i) => (l === t && r.predictions[i] === p ? i : -1)).filter((i) => i >= 0);
  await page.click(`${cev} .cev-cell[data-t="${t}"][data-p="${p}"]`);
  await page.waitForSelector(`${cev} .cev-examples[data-t="${t}"][data-p="${p}"]`);
  const shown = await page.$$eval(`${cev} .cev-example`, (cs) => cs.map((c) => Number(c.dataset.index)));
  assert.deepEqual(shown, expected);
  assert.equal((await shownCells()).filter((c) => c.pressed === "true").map((c) => `${c.t},${c.p}`).join(), key);
  // Opening one: the input is the test image (1 x 28 x 28), with its labels.
  const n = expected[expected.length - 1];
  await page.click(`${cev} .cev-example[data-index="${n}"]`);
  const opened = await page.evaluate(() => {
    const o = window.evalDemo.opened.at(-1);
    return { ...o, input: Array.from(o.input) };
  });
  assert.deepEqual([opened.index, opened.label, opened.predicted, opened.channels, opened.height, opened.width], [n, t, p, 1, 28, 28]);
  assert.equal(opened.input.length, 784);
  opened.input.forEach((v, i) => assert.ok(Math.abs(v - sample.bytes[n * 784 + i] / 255) < 1e-6, `pixel ${i}`));
});

test("the keyboard: arrows move between cells, Enter opens one and an example; Show more lists the rest", async () => {
  await page.selectOption("#ed-model", "digits");
  await page.waitForFunction(() => document.getElementById("ed-status").textContent.endsWith("model digits"));
  assert.equal(await evaluateAndWait(), "done");
  const r = await resultOf();
  // One cell of the matrix is in the tab order: the first non-empty one (row 0, column 0).
  const tabbable = await page.$$eval(`${cev} .cev-cell`, (bs) => bs.filter((b) => b.tabIndex === 0).map((b) => `${b.dataset.t},${b.dataset.p}`));
  assert.deepEqual(tabbable, ["0,0"]);
  // The moves, worked out from the matrix: the next non-empty cell in that direction, else stay.
  const { k, confusion: C } = r;
  const move = ([t, p], dt, dp) => {
    for (let tt = t + dt, pp = p + dp; tt >= 0 && tt < k && pp >= 0 && pp < k; tt += dt, pp += dp) if (C[tt * k + pp]) return [tt, pp];
    return [t, p];
  };
  const focused = () => page.evaluate(() => [document.activeElement.dataset.t, document.activeElement.dataset.p].map(Number));
  await page.focus(`${cev} .cev-cell[data-t="0"][data-p="0"]`);
  let at = [0, 0];
  for (const [key, dt, dp] of [["ArrowDown", 1, 0], ["ArrowRight", 0, 1], ["ArrowRight", 0, 1], ["ArrowUp", -1, 0], ["ArrowLeft", 0, -1], ["ArrowDown", 1, 0]]) {
    await page.keyboard.press(key);
    at = move(at, dt, dp);
    assert.deepEqual(await focused(), at, `after ${key}`);
  }
  await page.keyboard.press("End");
  const row = Array.from({ length: k }, (_, p) => p).filter((p) => C[at[0] * k + p]);
  assert.deepEqual(await focused(), [at[0], row.at(-1)]);
  await page.keyboard.press("Home");
  assert.deepEqual(await focused(), [at[0], row[0]]);
  // The one tabbable cell follows the focus.
  assert.equal(await page.$$eval(`${cev} .cev-cell`, (bs) => bs.filter((b) => b.tabIndex === 0).length), 1);
  // A large cell (more than one page of thumbnails), opened with Enter.
  await page.focus(`${cev} .cev-cell[data-t="1"][data-p="1"]`);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`${cev} .cev-examples[data-t="1"][data-p="1"]`);
  const ones = r.labels.filter((l, i) => l === 1 && r.predictions[i] === 1).length;
  assert.ok(ones > 60, `${ones} right answers for class 1`);
  assert.equal(await page.$$eval(`${cev} .cev-example`, (c) => c.length), 60);
  await page.click(`${cev} .cev-more`);
  assert.equal(await page.$$eval(`${cev} .cev-example`, (c) => c.length), ones);
  assert.equal(await page.isHidden(`${cev} .cev-more`), true);
  const before = await page.evaluate(() => window.evalDemo.opened.length);
  await page.focus(`${cev} .cev-example`);
  await page.keyboard.press("Enter");
  const o = await page.evaluate(() => window.evalDemo.opened.at(-1));
  assert.equal(await page.evaluate(() => window.evalDemo.opened.length), before + 1);
  assert.deepEqual([o.label, o.predicted], [1, 1]);
  // Close returns the focus to the cell.
  await page.click(`${cev} .cev-examples .cev-close`);
  assert.equal(await page.$(`${cev} .cev-examples`), null);
  assert.deepEqual(await focused(), [1, 1]);
});

/** Writes a labelled folder of test images: {class folder: [test indices]} plus extras; returns its path. */
async function writeFolder(dir, classes, sample, extras = {}) {
  for (const [folder, indices] of Object.entries(classes)) {
    await mkdir(path.join(dir, folder), { recursive: true });
    for (const n of indices) {
      const bytes = sample.bytes.subarray(n * 784, (n + 1) * 784);
      await writeFile(path.join(dir, folder, `test-${n}.png`), png(28, 28, (x, y) => bytes[y * 28 + x]));
    }
  }
  for (const [file, content] of Object.entries(extras)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}

test("a labelled folder of PNGs: its classes, the skipped files, and a misnamed folder's error", async () => {
  await page.selectOption("#ed-model", "digits");
  await page.waitForFunction(() => document.getElementById("ed-status").textContent.endsWith("model digits"));
  const sample = await testSample("digits");
  const pick = (label, count) => sample.labels.map((l, i) => (l === label ? i : -1)).filter((i) => i >= 0).slice(0, count);
  const classes = { 1: pick(1, 8), 3: pick(3, 8), 7: pick(7, 8) };
  const good = await writeFolder(path.join(tmp, "mine"), classes, sample, {
    ".DS_Store": "x",
    "1/notes.txt": "not a picture",
    "loose.png": png(28, 28),
  });
  await page.check(`${cev} input[value="folder"]`);
  assert.equal(await page.isDisabled(`${cev} .cev-primary`), true, "Evaluate waits for a folder");
  // A folder whose "seven" matches no class of the digits model.
  const bad = await writeFolder(path.join(tmp, "bad"), { 1: pick(1, 2), seven: pick(7, 2) }, sample);
  await page.setInputFiles(`${cev} .cev-folder-input`, bad);
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.folder === "error", cev);
  const message = await page.textContent(`${cev} .cev-error`);
  assert.match(message, /“seven” matches no class/);
  assert.match(message, /0, 1, 2, 3, 4, 5, 6, 7, 8, 9/);
  assert.equal(await page.isDisabled(`${cev} .cev-primary`), true);
  // The panel keeps working: the good folder.
  await page.setInputFiles(`${cev} .cev-folder-input`, good);
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.folder === "ok", cev);
  assert.match(await page.textContent(`${cev} .cev-folder-line`), /24 pictures in 3 class folders/);
  assert.equal(await page.isHidden(`${cev} .cev-error`), true);
  assert.equal(await evaluateAndWait(), "done");
  const r = await resultOf();
  assert.equal(r.count, 24);
  const skipped = await page.$$eval(`${cev} .cev-metrics .cev-skipped li`, (li) => li.map((x) => x.textContent));
  assert.equal(skipped.length, 3, skipped.join("; "));
  assert.ok(skipped.some((s) => /\.DS_Store: hidden file/.test(s)));
  assert.ok(skipped.some((s) => /notes\.txt: not a picture/.test(s)));
  assert.ok(skipped.some((s) => /loose\.png: not in a class folder/.test(s)));
  // Each example's label is its folder's class.
  r.paths.forEach((p, i) => assert.equal(r.labels[i], Number(p.split("/")[1]), p));
  for (const c of [1, 3, 7]) assert.equal(r.labels.filter((l) => l === c).length, 8);
  assert.equal(r.confusion.reduce((a, b) => a + b, 0), 24);
  // The predictions are the engine's on the converted pictures, and mostly right (they are test digits).
  const inputs = await page.evaluate(() => {
    const d = window.evalDemo.view.result().data;
    return Array.from({ length: d.count }, (_, n) => Array.from(d.images.subarray(n * 784, (n + 1) * 784)));
  });
  assert.deepEqual(r.predictions, await independentPredictions(inputs));
  const right = r.predictions.filter((p, i) => p === r.labels[i]).length;
  assert.ok(right >= 20, `${right} of 24 right`);
  // Rows 1, 3 and 7 hold 8 each; opening a cell gives paths in its folder.
  const cells = await shownCells();
  for (const c of [1, 3, 7]) assert.equal(cells.filter((x) => x.t === c).reduce((s, x) => s + x.count, 0), 8);
  await page.click(`${cev} .cev-cell[data-t="3"][data-p="3"]`);
  await page.click(`${cev} .cev-example`);
  const o = await page.evaluate(() => window.evalDemo.opened.at(-1));
  assert.match(o.path, /^mine\/3\/test-\d+\.png$/);
  assert.equal(o.label, 3);
});

test("dropped folders: directories read to the end (readEntries in batches), several folders as one; a drop without entries", async () => {
  const result = await page.evaluate(async () => {
    const { filesFromEntries } = await import(new URL("../js/ui/folder-input.js", location.href).href);
    const file = (fullPath) => ({ isFile: true, isDirectory: false, fullPath, file: (ok) => ok(new File(["x"], fullPath.split("/").pop())) });
    // A directory whose reader hands its entries out two at a time, then an empty batch.
    const dir = (fullPath, children) => ({
      isFile: false,
      isDirectory: true,
      fullPath,
      createReader() {
        let at = 0;
        return { readEntries: (ok) => setTimeout(() => ok(children.slice(at, (at += 2)))) };
      },
    });
    const cats = dir("/pics/cat", [1, 2, 3, 4, 5].map((i) => file(`/pics/cat/${i}.png`)));
    const one = await filesFromEntries([dir("/pics", [cats, file("/pics/dog.png")])]);
    const two = await filesFromEntries([dir("/cat", [file("/cat/a.png")]), dir("/dog", [file("/dog/b.png")])]);
    return { one: one.map((e) => e.path), two: two.map((e) => e.path), named: one[0].file instanceof File };
  });
  assert.deepEqual(result.one, ["pics/cat/1.png", "pics/cat/2.png", "pics/cat/3.png", "pics/cat/4.png", "pics/cat/5.png", "pics/dog.png"]);
  assert.deepEqual(result.two, ["dropped/cat/a.png", "dropped/dog/b.png"]);
  assert.ok(result.named);
  // A drop the browser gives no entries for (a synthetic one: webkitGetAsEntry is null there) is
  // taken by the drop zone (the page's own drop handler sees it handled) and explained.
  await page.check(`${cev} input[value="folder"]`);
  const handled = await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["x"], "a.png", { type: "image/png" }));
    const e = new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true });
    document.querySelector(".cev-drop").dispatchEvent(e);
    return e.defaultPrevented;
  });
  assert.equal(handled, true);
  await page.waitForSelector(`${cev} .cev-error:not([hidden])`);
  assert.match(await page.textContent(`${cev} .cev-error`), /gave no folder for the drop: use “Pick a folder…”/);
});

test("errors: no test sample for a model without one; the engine refusing shows in the panel", async () => {
  await page.selectOption("#ed-model", "edges");
  await page.waitForFunction(() => document.getElementById("ed-status").textContent.endsWith("model edges"));
  assert.equal(await page.isDisabled(`${cev} input[value="sample"]`), true);
  assert.match(await page.textContent(`${cev} .cev-choice`), /none ships for this model/);
  assert.equal(await page.isChecked(`${cev} input[value="folder"]`), true);
  // An evaluation function that fails: the message appears, the panel stays usable.
  await page.evaluate(() => {
    const v = window.evalDemo.view;
    const s = window.evalDemo.state;
    v.update({ engine: s.engine, summary: s.summary, modelName: "edges", dataset: "digits", evaluate: () => Promise.reject(new Error("the engine said no")) });
  });
  assert.equal(await page.isDisabled(`${cev} input[value="sample"]`), false);
  await page.check(`${cev} input[value="sample"]`);
  assert.equal(await evaluateAndWait(), "error");
  assert.match(await page.textContent(`${cev} .cev-error`), /The evaluation failed: the engine said no/);
  assert.equal(await page.isDisabled(`${cev} .cev-primary`), false);
  // The engine's own refusal of a label beyond the model's classes is caught before it: a model of
  // 2 classes on the digits sample.
  await page.evaluate(() => {
    const s = window.evalDemo.state;
    const summary = { ...s.summary, labels: ["a", "b"], layers: [...s.summary.layers.slice(0, -1), { ...s.summary.layers.at(-1), outputShape: [2] }] };
    window.evalDemo.view.update({ engine: s.engine, summary, modelName: "x", dataset: "digits" });
  });
  await page.check(`${cev} input[value="sample"]`);
  assert.equal(await evaluateAndWait(), "error");
  assert.match(await page.textContent(`${cev} .cev-error`), /the data has class 9, the model only 2 classes/);
  await page.selectOption("#ed-model", "digits");
  await page.waitForFunction(() => document.getElementById("ed-status").textContent.endsWith("model digits"));
  await page.check(`${cev} input[value="sample"]`);
  assert.equal(await evaluateAndWait(), "done");
  assert.deepEqual(problems, []);
});

test("many classes: the matrix of the classes that occur, or a list of the largest cells", async () => {
  await page.selectOption("#ed-model", "digits");
  await page.waitForFunction(() => document.getElementById("ed-status").textContent.endsWith("model digits"));
  // A stand-in model of 40 classes on the digits sample; the predictions are made up here: label
  // + `shift` for every third example, the label otherwise.
  const mountWith = (shift) =>
    page.evaluate((shift) => {
      const s = window.evalDemo.state;
      const k = 40;
      const summary = { ...s.summary, labels: Array.from({ length: k }, (_, i) => `class ${i}`), layers: [...s.summary.layers.slice(0, -1), { ...s.summary.layers.at(-1), outputShape: [k] }] };
      const evaluate = async (images, labels, count) => {
        const predictions = Int32Array.from(labels, (l, n) => (n % 3 === 0 ? (l + shift * (1 + (n % 7))) % k : l));
        const confusion = new Uint32Array(k * k);
        predictions.forEach((p, n) => confusion[labels[n] * k + p]++);
        let right = 0;
        predictions.forEach((p, n) => (right += p === labels[n]));
        return { loss: 1, accuracy: right / count, confusion, predictions };
      };
      window.evalDemo.view.update({ engine: s.engine, summary, modelName: "many", dataset: "digits", evaluate });
    }, shift);
  await mountWith(0); // every prediction right: classes 0-9 occur, the matrix shows them
  await page.check(`${cev} input[value="sample"]`);
  assert.equal(await evaluateAndWait(), "done");
  assert.equal(await page.$eval(`${cev} .cev-matrix`, (e) => e.dataset.kind), "matrix");
  assert.equal(await page.$$eval(`${cev} .cev-table tbody tr`, (r) => r.length), 10);
  assert.match(await page.textContent(`${cev} .cev-matrix`), /the 10 of 40 classes that occur/);
  assert.equal(await page.$$eval(`${cev} .cev-bar-row`, (r) => r.length), 10, "only classes with examples get a bar");
  await mountWith(3); // predictions up to 9 + 21: 31 classes occur, too many for a matrix
  await page.check(`${cev} input[value="sample"]`);
  assert.equal(await evaluateAndWait(), "done");
  assert.equal(await page.$eval(`${cev} .cev-matrix`, (e) => e.dataset.kind), "list");
  const r = await resultOf();
  const listed = await shownCells();
  assert.equal(listed.length, 40);
  const all = [];
  for (let t = 0; t < 40; t++) for (let p = 0; p < 40; p++) if (r.confusion[t * 40 + p]) all.push(r.confusion[t * 40 + p]);
  all.sort((a, b) => b - a);
  assert.deepEqual(listed.map((c) => c.count), all.slice(0, 40), "the largest cells, largest first");
  const cell = listed.find((c) => c.t !== c.p);
  await page.click(`${cev} .cev-cell[data-t="${cell.t}"][data-p="${cell.p}"]`);
  assert.equal(await page.$$eval(`${cev} .cev-example`, (c) => c.length), cell.count);
  await page.selectOption("#ed-model", "fashion");
  await page.waitForFunction(() => document.getElementById("ed-status").textContent.endsWith("model fashion"));
  assert.equal(await page.$(`${cev} .cev-matrix`), null, "a new model clears the results");
});

test("screenshots: light and dark, 1280 and 390 px, a cell open, no page overflow", async () => {
  await mkdir(OUT_DIR, { recursive: true });
  for (const scheme of ["light", "dark"]) {
    for (const [tag, width, height] of [["desktop", 1280, 900], ["390", 390, 844]]) {
      const context = await session.browser.newContext({ viewport: { width, height }, colorScheme: scheme, deviceScaleFactor: 1 });
      const p = await session.open(context, `?model=${tag === "390" ? "fashion" : "digits"}&scores=1`);
      await p.click(`${cev} .cev-primary`);
      await p.waitForFunction((sel) => document.querySelector(sel).dataset.state === "done", cev, { timeout: 60_000 });
      await p.click(`${cev} .cev-cell-wrong`);
      await p.waitForSelector(`${cev} .cev-examples`);
      // With scores, each example shows its probability or score.
      assert.match(await p.textContent(`${cev} .cev-example-score`), /%|score/);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${scheme} ${tag}: the page overflows by ${overflow} px`);
      const matrix = await p.$eval(`${cev} .cev-matrix-scroll`, (e) => e.scrollWidth - e.clientWidth);
      assert.ok(matrix <= 0, `${scheme} ${tag}: the 10-class matrix scrolls by ${matrix} px`);
      await p.screenshot({ path: `${OUT_DIR}evaluation-${scheme}-${tag}.png`, fullPage: true });
      await context.close();
    }
  }
  assert.deepEqual(problems, []);
});
