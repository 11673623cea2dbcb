// End-to-end tests of the detail view (www/js/views/detail.js) and the convolution playground
// (www/js/views/playground.js) in headless Chromium, through the harness page dev/views-demo.html,
// which runs the builtin digits model on a sample digit in the engine worker.
// Run after ./build.sh build:  node --test e2e/
// Screenshots (light and dark, desktop and 390 px) go to bench-results/views-*.png.

import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { devSession, watchProblems } from "./browser.mjs";
import { tinyClassifier } from "./model-file.mjs";
import { formatWeight, preset, PRESET_NAMES, sizeFormula } from "../www/js/core/kernel-presets.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT_DIR = `${ROOT}bench-results/`;
const WINNER_RGB = [230, 0, 126]; // detail.js MARK.winner, #e6007e

let page;
const problems = []; // console errors, page errors, failed or foreign requests
const session = devSession("dev/views-demo.html", { problems });
const openPage = (context, query) => session.open(context, query);

/** Tensors of a safetensors file read in node: name -> {shape, data: Float32Array}. */
async function readSafetensors(path) {
  return readSafetensorsBytes(await readFile(path));
}

/** IEEE 754 half precision bits -> number (normal, subnormal, zero; the files hold no inf/NaN). */
function halfToNumber(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  return exp === 0 ? sign * mant * 2 ** -24 : sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function readSafetensorsBytes(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    assert.ok(t.dtype === "F32" || t.dtype === "F16", `${name}: dtype ${t.dtype}`);
    const size = t.dtype === "F32" ? 4 : 2;
    const [a, b] = t.data_offsets;
    const data = new Float32Array((b - a) / size);
    for (let i = 0; i < data.length; i++) {
      const at = 8 + n + a + size * i;
      data[i] = size === 4 ? buf.readFloatLE(at) : halfToNumber(buf.readUInt16LE(at));
    }
    out[name] = { shape: t.shape, data };
  }
  return out;
}

const watch = (p, origin) => watchProblems(p, origin, problems);

before(async () => {
  await session.start("?model=digits&sample=digit-7.png");
  page = session.page;
});

after(() => session.close());

/** Opens the detail view of (layer, channel) and waits until it is drawn. */
async function openDetail(layer, channel) {
  await page.evaluate(([l, c]) => window.viewsDemo.openAt(l, c), [layer, channel]);
  await page.waitForSelector(`#vd-detail .clv-detail[data-layer="${layer}"][data-channel="${channel}"]`);
}

/** Moves the mouse over cell (y, x) of a PixelCanvas (by its data-rows/cols and on-screen box) on page `p`. */
async function hoverCellOn(p, selector, y, x) {
  const canvas = p.locator(selector);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const rows = Number(await canvas.getAttribute("data-rows"));
  const cols = Number(await canvas.getAttribute("data-cols"));
  await p.mouse.move(box.x + ((x + 0.5) * box.width) / cols, box.y + ((y + 0.5) * box.height) / rows);
}

/** hoverCellOn on the demo page. */
const hoverCell = (selector, y, x) => hoverCellOn(page, selector, y, x);

const rfOf = (selector) =>
  page.$eval(selector, (c) => [c.dataset.rfTop, c.dataset.rfLeft, c.dataset.rfBottom, c.dataset.rfRight].map(Number));

test("detail view of a conv map shows the model's own filter numbers and bias", async () => {
  const file = await readSafetensors(`${ROOT}models/digits.safetensors`);
  for (const [layer, name, channel] of [[0, "conv1", 3], [3, "conv2", 5]]) {
    await openDetail(layer, channel);
    await page.waitForSelector("#vd-detail .clv-kernel .clv-cell");
    const shown = await page.$$eval("#vd-detail .clv-kernel", (grids) =>
      grids.map((g) => ({
        input: Number(g.dataset.in),
        cells: [...g.querySelectorAll(".clv-cell")].map((c) => ({
          row: Number(c.dataset.row),
          col: Number(c.dataset.col),
          value: Number(c.dataset.value),
          text: c.textContent,
        })),
      })),
    );
    const { shape, data } = file[`${name}.weight`];
    const [, cin, kh, kw] = shape;
    assert.equal(shown.length, cin, `${name}: one heatmap per input channel`);
    // The engine's own parameters (through the worker) agree with the file too.
    const engineWeights = await page.evaluate(async (l) => Array.from((await window.viewsDemo.parameters(l)).weight), layer);
    for (const { input, cells } of shown) {
      assert.equal(cells.length, kh * kw);
      for (const c of cells) {
        const i = ((channel * cin + input) * kh + c.row) * kw + c.col;
        assert.equal(c.value, data[i], `${name}[${channel}, ${input}, ${c.row}, ${c.col}]`);
        assert.equal(c.value, engineWeights[i]);
        const two = data[i].toFixed(2);
        assert.equal(c.text, two === "-0.00" ? "0.00" : two, "the number printed in the heatmap cell");
      }
    }
    const bias = await page.$eval("#vd-detail .clv-bias", (b) => Number(b.dataset.value));
    assert.equal(bias, file[`${name}.bias`].data[channel]);
    // The table offers the same numbers (all of them, for screen readers).
    await page.click("#vd-detail .clv-card-weights details > summary");
    const table = await page.$$eval("#vd-detail .clv-weights-table tbody td", (tds) => tds.map((td) => Number(td.dataset.value)));
    assert.deepEqual(table, Array.from(data.subarray(channel * cin * kh * kw, (channel + 1) * cin * kh * kw)));
    const caption = await page.textContent("#vd-detail .clv-weights-table caption");
    assert.match(caption, new RegExp(`${name}, output channel ${channel}`));
  }
  // Every canvas of the view has an aria-label.
  const unlabelled = await page.$$eval("#vd-detail canvas:not([aria-hidden])", (cs) => cs.filter((c) => !c.getAttribute("aria-label")).length);
  assert.equal(unlabelled, 0);
});

test("the receptive field of the hovered position matches hand-computed ones", async () => {
  // conv1 (5x5, padding 2) cell (10, 5): rows 10-2 .. 10+2 = 8..12, cols 3..7.
  await openDetail(0, 0);
  await hoverCell("#vd-detail canvas.clv-map", 10, 5);
  await page.waitForFunction(() => document.querySelector("#vd-detail canvas.clv-map").dataset.y === "10");
  assert.deepEqual(await rfOf("#vd-detail canvas.clv-rf-canvas"), [8, 3, 12, 7]);

  // pool2 cell (0, 0): pool2 -> conv2 cells 0..1 -> pool1 cells -2..3 -> conv1 cells -4..7 ->
  // input -6..9 (16 wide), which is rows/cols 0..9 inside the 28x28 input.
  await openDetail(5, 2);
  await hoverCell("#vd-detail canvas.clv-map", 0, 0);
  await page.waitForFunction(() => document.querySelector("#vd-detail canvas.clv-map").dataset.y === "0");
  assert.deepEqual(await rfOf("#vd-detail canvas.clv-rf-canvas"), [-6, -6, 9, 9]);
  assert.match(await page.textContent("#vd-detail .clv-rf-text"), /rows 0–9, columns 0–9 \(rows -6–9, columns -6–9 with the padding\)/);
  assert.match(await page.textContent("#vd-detail .clv-card-rf"), /16×16 patch/);

  // pool2 cell (3, 4): rows 4*3-6 .. +15 = 6..21, cols 4*4-6 .. +15 = 10..25: all inside.
  await hoverCell("#vd-detail canvas.clv-map", 3, 4);
  await page.waitForFunction(() => document.querySelector("#vd-detail canvas.clv-map").dataset.x === "4");
  assert.deepEqual(await rfOf("#vd-detail canvas.clv-rf-canvas"), [6, 10, 21, 25]);
  assert.match(await page.textContent("#vd-detail .clv-rf-text"), /Row 3, col 4 sees input rows 6–21, columns 10–25\.$/);

  // The arrow keys move the position too: (3, 5) -> cols 14..29.
  await page.focus("#vd-detail canvas.clv-map");
  await page.keyboard.press("ArrowRight");
  assert.deepEqual(await rfOf("#vd-detail canvas.clv-rf-canvas"), [6, 14, 21, 29]);

  // After flatten everything depends on the whole input.
  await openDetail(7, 3);
  assert.deepEqual(await rfOf("#vd-detail canvas.clv-rf-canvas"), [0, 0, 27, 27]);
  assert.match(await page.textContent("#vd-detail .clv-rf-text"), /whole input/);
});

test("the pool view marks the cell each max window keeps", async () => {
  const channel = 1;
  await openDetail(2, channel); // pool1: 2x2 max pool, stride 2, over relu1 (8x28x28)
  await page.waitForSelector("#vd-detail canvas.clv-pool-canvas[data-winners]");
  const { before, pooled, marks, scale } = await page.evaluate((c) => {
    const acts = window.viewsDemo.state.activations;
    const canvas = document.querySelector("#vd-detail canvas.clv-pool-canvas");
    return {
      before: Array.from(acts[1].subarray(c * 784, (c + 1) * 784)),
      pooled: Array.from(acts[2].subarray(c * 196, (c + 1) * 196)),
      marks: canvas.dataset.winners.split(","),
      scale: Number(canvas.dataset.scale),
    };
  }, channel);
  assert.equal(marks.length, 14 * 14);
  let strict = 0;
  const winnerCells = [];
  const otherCells = [];
  for (let oy = 0; oy < 14; oy++) {
    for (let ox = 0; ox < 14; ox++) {
      // By hand: the four cells of the window, the first largest wins.
      const cells = [[2 * oy, 2 * ox], [2 * oy, 2 * ox + 1], [2 * oy + 1, 2 * ox], [2 * oy + 1, 2 * ox + 1]];
      const values = cells.map(([y, x]) => before[y * 28 + x]);
      const max = Math.max(...values);
      const first = values.indexOf(max);
      const [wy, wx] = cells[first];
      const mark = marks[oy * 14 + ox];
      // The pooled value is the winner's (what the engine computed).
      assert.equal(pooled[oy * 14 + ox], max);
      if (values.every((v) => v === max)) {
        assert.equal(mark, `=${wy * 28 + wx}`, `flat window (${oy}, ${ox})`);
      } else if (values.filter((v) => v === max).length > 1) {
        assert.equal(mark, `~${wy * 28 + wx}`, `tied window (${oy}, ${ox})`);
      } else {
        assert.equal(mark, String(wy * 28 + wx), `window (${oy}, ${ox})`);
        strict++;
        winnerCells.push([wy, wx]);
        for (const [y, x] of cells) if (y !== wy || x !== wx) otherCells.push([y, x]);
      }
    }
  }
  assert.ok(strict >= 10, `a digit gives many windows with one clear winner (${strict})`);
  // The marks are drawn: the centre pixel of every clear winner is the marker colour, and no
  // losing cell of those windows has it.
  const pixels = await page.$eval(
    "#vd-detail canvas.clv-pool-canvas",
    (c, [cells, s]) => {
      const ctx = c.getContext("2d");
      return cells.map(([y, x]) => Array.from(ctx.getImageData(Math.floor((x + 0.5) * s), Math.floor((y + 0.5) * s), 1, 1).data.slice(0, 3)));
    },
    [[...winnerCells, ...otherCells], scale],
  );
  pixels.slice(0, winnerCells.length).forEach((p, i) => assert.deepEqual(p, WINNER_RGB, `winner ${winnerCells[i]}`));
  pixels.slice(winnerCells.length).forEach((p, i) => assert.notDeepEqual(p, WINNER_RGB, `loser ${otherCells[i]}`));
});

test("Escape and the close button close the detail view and call onClose once", async () => {
  await openDetail(3, 0);
  const closes = await page.evaluate(() => window.viewsDemo.closes());
  await page.focus("#vd-detail .clv-close");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => document.getElementById("vd-detail").childElementCount === 0);
  assert.equal(await page.evaluate(() => window.viewsDemo.closes()), closes + 1);
  // A second Escape with the view closed does nothing.
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => window.viewsDemo.closes()), closes + 1);

  await openDetail(2, 0);
  // The close button is reachable with Tab from the map canvas backwards, and works with Enter.
  await page.focus("#vd-detail .clv-close");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("vd-detail").childElementCount === 0);
  assert.equal(await page.evaluate(() => window.viewsDemo.closes()), closes + 2);
});

test("the detail view follows new runs (update) and shows vector layers' values", async () => {
  await openDetail(8, 7); // softmax, unit 7: the digit-7 sample's own class
  const rows = await page.$$eval("#vd-detail .clv-value-row", (rs) => rs.map((r) => r.textContent));
  assert.equal(rows.length, 10);
  assert.match(rows[7], /^7/);
  assert.ok(await page.$("#vd-detail .clv-value-row.clv-selected"));
  await openDetail(1, 0); // relu: also the map before the ReLU
  assert.ok(await page.$("#vd-detail canvas.clv-before-canvas"));
  const hash = () =>
    page.$eval("#vd-detail canvas.clv-map", (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1]) >>> 0;
      return h;
    });
  const h0 = await hash();
  await page.selectOption("#vd-sample", "digit-3.png");
  await page.waitForFunction(() => Number(document.body.dataset.runs) >= 2);
  assert.notEqual(await hash(), h0, "the map was redrawn for the new input");
  assert.equal(await page.getAttribute("#vd-detail .clv-detail", "data-layer"), "1");
  await page.selectOption("#vd-sample", "digit-7.png");
  await page.waitForFunction(() => Number(document.body.dataset.runs) >= 3);
});

test("a non-square model file: its weights, and receptive fields clipped to 12x10", async () => {
  const { bytes } = tinyClassifier(); // 1x12x10 -> conv 3x3 pad 1 (3 ch) -> relu -> maxpool 2 -> ...
  const weights = (await readSafetensorsBytes(bytes))["c1.weight"].data;
  await page.evaluate((b) => window.viewsDemo.loadBytes(b), Array.from(bytes));
  await openDetail(2, 1); // pool, channel 1: output 6x5
  // Cell (5, 4): pool rows 10..11, cols 8..9 -> conv (k3 p1) rows 9..12, cols 7..10; the input
  // is 12 high and 10 wide, so rows 9..11, cols 7..9 are inside.
  await hoverCell("#vd-detail canvas.clv-map", 5, 4);
  await page.waitForFunction(() => document.querySelector("#vd-detail canvas.clv-map").dataset.x === "4");
  assert.deepEqual(await rfOf("#vd-detail canvas.clv-rf-canvas"), [9, 7, 12, 10]);
  assert.match(await page.textContent("#vd-detail .clv-rf-text"), /rows 9–11, columns 7–9 /);
  await openDetail(0, 2);
  await page.waitForSelector("#vd-detail .clv-kernel .clv-cell");
  const cells = await page.$$eval("#vd-detail .clv-kernel .clv-cell", (cs) => cs.map((c) => Number(c.dataset.value)));
  assert.deepEqual(cells, Array.from(weights.subarray(18, 27)));
  assert.equal(await page.$eval("#vd-detail .clv-bias", (b) => Number(b.dataset.value)), Math.fround(-0.1));
  // Back to digits for the playground tests.
  await page.selectOption("#vd-model", "digits");
  await page.waitForFunction(() => window.viewsDemo.state.summary.layers.length === 9);
  await page.evaluate(() => window.viewsDemo.run());
});

// ---- playground ------------------------------------------------------------------------------

const PG = "#vd-playground";
const pgRuns = () => page.$eval(`${PG} .clv-playground`, (r) => Number(r.dataset.runs ?? 0));

/** Runs `action` and waits until the playground has finished a newer computation. */
async function settle(action) {
  const before = await pgRuns();
  await action();
  await page.waitForFunction(
    ([sel, n]) => {
      const r = document.querySelector(sel);
      return Number(r.dataset.runs ?? 0) > n;
    },
    [`${PG} .clv-playground`, before],
  );
  // Let a coalesced follow-up finish as well.
  await page.waitForTimeout(30);
}

const kernelValues = () => page.$$eval(`${PG} .clv-weight`, (is) => is.map((i) => i.value));
const outputHash = () =>
  page.$eval(`${PG} canvas.clv-pg-output`, (c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 3 * d[i + 1] + 7 * d[i + 2]) >>> 0;
    return h;
  });

test("playground presets set the expected numbers, at 3x3 and 5x5", async () => {
  await page.waitForSelector(`${PG} .clv-playground[data-state="ok"]`);
  for (const name of PRESET_NAMES) {
    await settle(() => page.click(`${PG} .clv-chip[data-preset="${name}"]`));
    assert.deepEqual(await kernelValues(), preset(name, 3).map(formatWeight), name);
    assert.equal(await page.getAttribute(`${PG} .clv-chip[data-preset="${name}"]`, "aria-pressed"), "true");
  }
  assert.deepEqual(await kernelValues(), ["-2", "-1", "0", "-1", "1", "1", "0", "1", "2"], "emboss, the last one clicked");
  await settle(() => page.selectOption(`${PG} .clv-pg-controls select >> nth=1`, "5"));
  assert.equal((await kernelValues()).length, 25);
  assert.deepEqual(await kernelValues(), preset("emboss", 5).map(formatWeight));
  await settle(() => page.click(`${PG} .clv-chip[data-preset="sobelX"]`));
  assert.deepEqual(await kernelValues(), ["-1", "-2", "0", "2", "1", "-4", "-8", "0", "8", "4", "-6", "-12", "0", "12", "6", "-4", "-8", "0", "8", "4", "-1", "-2", "0", "2", "1"]);
  await settle(() => page.selectOption(`${PG} .clv-pg-controls select >> nth=1`, "3"));
  assert.deepEqual(await kernelValues(), ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"]);
});

test("editing a kernel number changes the output pixels live", async () => {
  await settle(() => page.click(`${PG} .clv-chip[data-preset="identity"]`));
  const h0 = await outputHash();
  // Centre weight 1 -> -1 flips the identity into a negative image.
  await settle(() => page.fill(`${PG} .clv-weight >> nth=4`, "-1"));
  const h1 = await outputHash();
  assert.notEqual(h1, h0);
  await settle(() => page.fill(`${PG} .clv-weight >> nth=0`, "0.5"));
  assert.notEqual(await outputHash(), h1);
  assert.equal(await page.getAttribute(`${PG} .clv-chip[data-preset="identity"]`, "aria-pressed"), "false");
  assert.equal(await page.$eval(`${PG} .clv-playground`, (r) => r.dataset.state), "ok");
});

test("the size formula shows the numbers and matches the output size", async () => {
  // A sample photo: cat.jpg is 256 wide, 170 high.
  await settle(() => page.selectOption(`${PG} .clv-pg-controls select >> nth=0`, "photo:cat.jpg"));
  const cases = [
    { k: "3", s: "1", p: "1", h: 170, w: 256 },
    { k: "5", s: "3", p: "0", h: 56, w: 84 }, // floor(165/3)+1 = 56, floor(251/3)+1 = 84
    { k: "3", s: "2", p: "2", h: 86, w: 129 }, // floor(171/2)+1 = 86, floor(257/2)+1 = 129
  ];
  for (const { k, s, p, h, w } of cases) {
    await settle(async () => {
      await page.selectOption(`${PG} .clv-pg-controls select >> nth=1`, k);
      await page.selectOption(`${PG} .clv-pg-controls select >> nth=2`, s);
      await page.selectOption(`${PG} .clv-pg-controls select >> nth=3`, p);
    });
    const lines = await page.$$eval(`${PG} .clv-formula-line`, (ls) =>
      Object.fromEntries(ls.map((l) => [l.dataset.axis, l.querySelector(".clv-formula-text").textContent])),
    );
    assert.equal(lines.height, sizeFormula(170, Number(k), Number(s), Number(p)));
    assert.equal(lines.width, sizeFormula(256, Number(k), Number(s), Number(p)));
    assert.ok(lines.height.endsWith(`= ${h}`), lines.height);
    assert.ok(lines.width.endsWith(`= ${w}`), lines.width);
    const size = await page.$eval(`${PG} canvas.clv-pg-output`, (c) => [Number(c.dataset.height), Number(c.dataset.width)]);
    assert.deepEqual(size, [h, w], `output canvas for k${k} s${s} p${p}`);
  }
  const first = await page.textContent(`${PG} .clv-formula-line[data-axis="width"] .clv-formula-text`);
  assert.equal(first, "⌊(256 + 2*2 - 3) / 2⌋ + 1 = 129");
  await settle(async () => {
    await page.selectOption(`${PG} .clv-pg-controls select >> nth=2`, "1");
    await page.selectOption(`${PG} .clv-pg-controls select >> nth=3`, "1");
  });
  assert.equal(await page.textContent(`${PG} .clv-formula-line[data-axis="width"] .clv-formula-text`), "(256 + 2*1 - 3) / 1 + 1 = 256");
});

test("bad settings show a message and the playground keeps working", async () => {
  await settle(() => page.selectOption(`${PG} .clv-pg-controls select >> nth=0`, "input"));
  // A 4x4 input with a 5x5 kernel and no padding: the output would be empty.
  await settle(() =>
    page.evaluate(() => window.viewsDemo.setImage({ data: new Float32Array(16).fill(0.5), height: 4, width: 4 })),
  );
  await settle(async () => {
    await page.selectOption(`${PG} .clv-pg-controls select >> nth=1`, "5");
    await page.selectOption(`${PG} .clv-pg-controls select >> nth=3`, "0");
  });
  const msg = page.locator(`${PG} .clv-message`);
  assert.ok(await msg.isVisible());
  assert.match(await msg.textContent(), /empty/);
  assert.equal(await page.textContent(`${PG} .clv-formula-line[data-axis="height"] .clv-formula-text`), "(4 + 2*0 - 5) / 1 + 1 = 0");
  // Padding 2 fixes it: (4 + 4 - 5) / 1 + 1 = 4.
  await settle(() => page.selectOption(`${PG} .clv-pg-controls select >> nth=3`, "2"));
  assert.ok(await msg.isHidden());
  assert.deepEqual(await page.$eval(`${PG} canvas.clv-pg-output`, (c) => [c.dataset.height, c.dataset.width]), ["4", "4"]);
  // A kernel cell that is not a number.
  await settle(() => page.fill(`${PG} .clv-weight >> nth=3`, ""));
  assert.match(await msg.textContent(), /row 1, column 4 is not a number/);
  await settle(() => page.fill(`${PG} .clv-weight >> nth=3`, "2"));
  assert.ok(await msg.isHidden());
  assert.equal(await page.$eval(`${PG} .clv-playground`, (r) => r.dataset.state), "ok");
  // Back to the model input.
  await settle(() => page.evaluate(() => window.viewsDemo.run()));
  await settle(() => page.selectOption(`${PG} .clv-pg-controls select >> nth=1`, "3"));
});

test("screenshots: light and dark, desktop and 390 px, with no overflow", async () => {
  await mkdir(OUT_DIR, { recursive: true });
  for (const scheme of ["light", "dark"]) {
    for (const [tag, width, height] of [["desktop", 1280, 900], ["390", 390, 844]]) {
      const context = await session.browser.newContext({ viewport: { width, height }, colorScheme: scheme, deviceScaleFactor: 1 });
      for (const [view, query] of [
        ["conv", "?model=digits&sample=digit-7.png&layer=3&channel=1"],
        ["pool", "?model=digits&sample=digit-7.png&layer=2&channel=1"],
      ]) {
        const p = await openPage(context, query);
        await p.waitForSelector("#vd-detail .clv-detail");
        if (view === "conv") await p.waitForSelector("#vd-detail .clv-kernel .clv-cell");
        await p.waitForSelector(`${PG} .clv-playground[data-state="ok"]`);
        if (view === "pool") {
          // The playground on a sample photo, with a hovered output cell.
          const runs = await p.$eval(`${PG} .clv-playground`, (r) => Number(r.dataset.runs));
          await p.selectOption(`${PG} .clv-pg-controls select >> nth=0`, "photo:coins.jpg");
          await p.waitForFunction(
            ([sel, n]) => Number(document.querySelector(sel).dataset.runs) > n && document.querySelector(sel).dataset.state === "ok",
            [`${PG} .clv-playground`, runs],
          );
          await hoverCellOn(p, `${PG} canvas.clv-pg-output`, 60, 100);
          await p.waitForTimeout(300);
        }
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${view} ${scheme} ${tag}: page is ${overflow}px wider than the viewport`);
        await p.screenshot({ path: `${OUT_DIR}views-${view}-${scheme}-${tag}.png`, fullPage: true });
        await p.close();
      }
      await context.close();
    }
  }
});

test("on the explorer page itself: the detail dialog shows the weights, Escape closes it; the playground reacts", async (t) => {
  const context = await session.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const p = await context.newPage();
  watch(p, new URL(session.server.url).origin);
  await p.goto(`${session.server.url}#model=digits&sample=digit-7&layer=3&channel=4&view=detail`);
  await p.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  if (!(await p.$("#detail-host")) || !(await p.$("#playground-host"))) {
    t.skip("the page has no #detail-host / #playground-host yet");
    await context.close();
    return;
  }
  await p.waitForSelector("#detail-host .clv-detail .clv-kernel .clv-cell", { timeout: 15_000 });
  const file = await readSafetensors(`${ROOT}models/digits.safetensors`);
  const { data } = file["conv2.weight"];
  const layer = Number(await p.getAttribute("#detail-host .clv-detail", "data-layer"));
  const channel = Number(await p.getAttribute("#detail-host .clv-detail", "data-channel"));
  assert.deepEqual([layer, channel], [3, 4]);
  const cells = await p.$$eval("#detail-host .clv-kernel .clv-cell", (cs) => cs.map((c) => Number(c.dataset.value)));
  assert.deepEqual(cells, Array.from(data.subarray(4 * 200, 5 * 200)));
  await p.keyboard.press("Escape");
  await p.waitForFunction(() => !document.getElementById("detail-dialog")?.open);
  assert.equal(await p.$("#detail-host .clv-detail"), null);

  await p.goto(`${session.server.url}#model=digits&sample=digit-7&view=playground`);
  await p.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  await p.waitForSelector('#playground-host .clv-playground[data-state="ok"]', { timeout: 15_000 });
  const hash = () =>
    p.$eval("#playground-host canvas.clv-pg-output", (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 3 * d[i + 1] + 7 * d[i + 2]) >>> 0;
      return h;
    });
  const h0 = await hash();
  const runs = await p.$eval("#playground-host .clv-playground", (r) => Number(r.dataset.runs));
  await p.fill("#playground-host .clv-weight >> nth=4", "3");
  await p.waitForFunction((n) => Number(document.querySelector("#playground-host .clv-playground").dataset.runs) > n, runs);
  await p.waitForTimeout(50);
  assert.notEqual(await hash(), h0, "the output changed");
  await context.close();
});

test("no console errors, failed or foreign requests", () => {
  assert.deepEqual(problems, []);
});
