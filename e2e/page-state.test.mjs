// End-to-end tests of the explorer page (www/index.html) in headless Chromium (playwright-core):
// the URL hash, bad inputs, dropped and pasted files, ONNX models, the webcam, timings and
// screenshots. Run: ./build.sh build && node --test e2e/
// Artifacts (screenshots, measured timings) go to bench-results/; the session is e2e/page-session.mjs.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { test } from "node:test";
import { launch } from "./browser.mjs";
import { tinyClassifier } from "./model-file.mjs";
import { png } from "./png.mjs";
import {
  consoleErrors,
  dismissError,
  drawStroke,
  errorText,
  failedResponses,
  foreignRequests,
  inkStats,
  measured,
  openPage,
  OUT_DIR,
  page,
  pickSample,
  readInput,
  readMaps,
  ROOT,
  runs,
  selectModel,
  server,
  settle,
  useSession,
  watch,
} from "./page-session.mjs";

useSession();

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
