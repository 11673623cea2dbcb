// End-to-end tests of embedding (issue 7) in headless Chromium: the live lesson (www/lesson.html),
// the <convlens-explorer> element reacting to attribute changes and dispatching its events (through
// embed.html, its iframe form), the app and the element under the strict CSP sent as a header,
// the single-file build opened from file:// with the network blocked, and the npm package.
// Needs ./build.sh bundle (dist/convlens.html, dist/npm/) besides ./build.sh build.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { watchProblems } from "./browser.mjs";
import { useServerAndBrowser } from "./hooks.mjs";
import { tinyClassifier } from "./model-file.mjs";
import { serve } from "./serve.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DIST = `${ROOT}dist/`;
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

const env = useServerAndBrowser({ prefix: "/course/convlens/" });

/** A page in its own context, with problems (console errors, foreign requests...) recorded. */
async function newPage(origin, { width = 1280, height = 800, colorScheme = "light" } = {}) {
  const ctx = await env.browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme });
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, origin, problems);
  return { ctx, page, problems };
}

/**
 * What each <convlens-explorer> of the page shows: its view, state, error text, and how many of
 * the canvases in its view (and its input canvas) are non-blank (not one uniform colour).
 */
function elementReport(page) {
  return page.evaluate(() => {
    const varies = (c) => {
      if (!c.width || !c.height || c.closest("[hidden]")) return false;
      const ctx = c.getContext("2d");
      if (!ctx) return false;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 4; i < d.length; i += 4) {
        if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) return true;
      }
      return false;
    };
    return [...document.querySelectorAll("convlens-explorer")].map((e) => {
      const root = e.shadowRoot;
      const canvases = [...root.querySelectorAll(".cx-view canvas")].filter((c) => !c.closest("[hidden]"));
      const input = root.querySelector(".cx-input");
      return {
        view: e.getAttribute("view") ?? "maps",
        state: e.dataset.state,
        error: root.querySelector(".cx-error").hidden ? "" : root.querySelector(".cx-error").textContent,
        notes: root.querySelector(".cx-notes").textContent,
        canvases: canvases.length,
        drawn: canvases.filter(varies).length,
        inputDrawn: input.closest("[hidden]") ? null : varies(input),
        stats: root.querySelector(".cle-stats")?.dataset.state ?? null,
      };
    });
  });
}

/** Waits until every element is ready and has drawn at least one canvas of its view. */
async function waitDrawn(page, timeout = 60_000) {
  const t0 = Date.now();
  let report;
  for (;;) {
    report = await elementReport(page);
    const done = report.length > 0 && report.every((r) => r.error || (r.state === "ready" && r.drawn > 0 && (r.view !== "stats" || r.stats === "done")));
    if (done) return report;
    if (Date.now() - t0 > timeout) return report;
    await page.waitForTimeout(250);
  }
}

test("the lesson: every embedded view renders (non-blank canvases), one shared worker, no console errors", async () => {
  const { ctx, page, problems } = await newPage(new URL(env.server.url).origin);
  const wasm = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && wasm.push(r.url()));
  await page.goto(`${env.server.url}lesson.html`);
  const report = await waitDrawn(page);
  assert.ok(report.length >= 8, `the lesson has ${report.length} embedded views`);
  for (const r of report) {
    assert.equal(r.error, "", `${r.view}: ${r.error}`);
    assert.equal(r.notes, "", `${r.view}: ${r.notes}`);
    assert.equal(r.state, "ready", JSON.stringify(r));
    assert.ok(r.drawn > 0, `${r.view}: no drawn canvas (${JSON.stringify(r)})`);
    if (r.inputDrawn !== null) assert.ok(r.inputDrawn, `${r.view}: the input canvas is blank`);
  }
  // Maps views draw every map of the shown layer.
  const maps = report.filter((r) => r.view === "maps");
  for (const r of maps) assert.equal(r.drawn, r.canvases, `maps: ${r.drawn} of ${r.canvases} canvases drawn`);
  for (const v of ["playground", "maps", "filters", "maximize", "attribution", "stats"]) {
    assert.ok(report.some((r) => r.view === v), `the lesson shows a ${v} view`);
  }
  // One worker and one wasm download for all of them, although they show different models.
  assert.equal(page.workers().length, 1, "one engine worker for every element");
  assert.equal(wasm.length, 1, `one wasm download (${wasm.join(", ")})`);
  const models = await page.evaluate(() => new Set([...document.querySelectorAll("convlens-explorer")].map((e) => e.getAttribute("model") ?? "digits")).size);
  assert.ok(models >= 2, "the lesson uses more than one model");
  // The page's own script reacts to the element's prediction event.
  assert.match(await page.textContent("#live-answer"), /the network says: 6/);
  // The shifted input of the pooling step is really shifted, and the answer stays the same.
  const pooled = await page.evaluate(() =>
    [...document.querySelectorAll("#pooling convlens-explorer")].map((e) => ({
      caption: e.shadowRoot.querySelector(".cx-caption").textContent,
      answer: e.shadowRoot.querySelector(".cx-prediction strong")?.textContent,
    })),
  );
  assert.match(pooled[1].caption, /moved 1 right and 1 down/);
  assert.equal(pooled[0].answer, "7");
  assert.equal(pooled[1].answer, "7");
  // The privacy promise is on the page.
  assert.match(await page.textContent(".lesson-privacy"), /never leave your\s+browser/);
  await page.screenshot({ path: `${ROOT}bench-results/lesson-1280.png`, fullPage: true }).catch(() => {});
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the lesson on a 390 px phone in the dark theme: no horizontal scrolling", async () => {
  const { ctx, page, problems } = await newPage(new URL(env.server.url).origin, { width: 390, height: 844, colorScheme: "dark" });
  await page.goto(`${env.server.url}lesson.html`);
  const report = await waitDrawn(page);
  assert.ok(report.every((r) => r.state === "ready"), JSON.stringify(report));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(18, 22, 29)", "dark theme background");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the element reacts to attribute changes and dispatches prediction and select events", async () => {
  const { ctx, page, problems } = await newPage(new URL(env.server.url).origin);
  await page.goto(`${env.server.url}embed.html#model=digits&view=maps&layer=0&input=digit-7`);
  await waitDrawn(page);
  await page.evaluate(() => {
    window.events = [];
    const v = document.getElementById("view");
    for (const type of ["prediction", "select"]) v.addEventListener(type, (e) => window.events.push({ type, detail: e.detail }));
    // Events are composed and bubble: the document sees them too.
    document.addEventListener("prediction", () => (window.docSaw = true));
  });
  const view = () =>
    page.evaluate(() => {
      const root = document.getElementById("view").shadowRoot;
      const shown = [...root.querySelectorAll("section.layer")].filter((s) => !s.hidden);
      return {
        layers: shown.map((s) => Number(s.dataset.layer)),
        maps: shown.flatMap((s) => [...s.querySelectorAll(".map-canvas")]).map((c) => `${c.width}x${c.height}`),
        selected: root.querySelector(".map.selected .map-name")?.textContent ?? null,
        caption: root.querySelector(".cx-caption").textContent,
      };
    });
  const lastPrediction = () => page.evaluate(() => window.events.filter((e) => e.type === "prediction").at(-1)?.detail);
  const set = (attrs) =>
    page.evaluate((a) => {
      const v = document.getElementById("view");
      for (const [k, val] of Object.entries(a)) (val === null ? v.removeAttribute(k) : v.setAttribute(k, val));
    }, attrs);
  const settle = () => page.waitForFunction(() => document.getElementById("view").dataset.state !== "loading");

  let v = await view();
  assert.deepEqual(v.layers, [0]);
  assert.equal(v.maps.length, 8);
  assert.ok(v.maps.every((m) => m === "28x28"));

  // input -> a new forward pass and a prediction event with the new answer.
  await set({ input: "digit-3" });
  await page.waitForFunction(() => window.events.some((e) => e.type === "prediction" && e.detail.label === "3"));
  const p = await lastPrediction();
  assert.equal(p.model, "digits");
  assert.equal(p.index, 3);
  assert.equal(p.output.length, 10);
  assert.ok(p.probability > 0.5 && p.probability <= 1);
  assert.ok(Math.abs(p.output.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  assert.ok(await page.evaluate(() => window.docSaw));

  // layer by name and channel -> that layer's maps only, the channel marked.
  await set({ layer: "pool1", channel: "3" });
  await settle();
  await page.waitForFunction(() => [...document.getElementById("view").shadowRoot.querySelectorAll("section.layer")].filter((s) => !s.hidden)[0]?.dataset.layer === "2");
  v = await view();
  assert.deepEqual(v.layers, [2]);
  assert.ok(v.maps.every((m) => m === "14x14"));
  assert.equal(v.selected, "ch 3");

  // Clicking a map dispatches select with its layer and channel.
  await page.locator("convlens-explorer section.layer[data-layer='2'] .map-canvas").nth(5).click();
  const sel = await page.evaluate(() => window.events.filter((e) => e.type === "select").at(-1)?.detail);
  assert.deepEqual(sel, { model: "digits", view: "maps", layer: 2, layerName: "pool1", channel: 5 });

  // view -> the filters (detail) view of that layer and channel.
  await set({ view: "filters", layer: "conv1", channel: "4" });
  await page.waitForSelector("convlens-explorer .clv-detail[data-layer='0'][data-channel='4']");

  // model -> another model, another prediction.
  await set({ model: "fashion", view: "maps", layer: "0", channel: null, input: "fashion-sneaker" });
  await page.waitForFunction(() => window.events.at(-1)?.type === "prediction" && window.events.at(-1).detail.model === "fashion");
  // The first prediction of the new model is already for the new input (no half-applied state).
  const fashion = await page.evaluate(() => window.events.filter((e) => e.type === "prediction" && e.detail.model === "fashion").map((e) => e.detail.label));
  assert.equal(fashion[0], "Sneaker", fashion.join(", "));
  v = await view();
  assert.equal(v.maps.length, 12);

  // A model file from the page's own site (served here by the test), and one that is not a model.
  await page.route(/\/models\/(tiny|broken)\.safetensors$/, (route) =>
    route.fulfill({ status: 200, contentType: "application/octet-stream", body: route.request().url().includes("tiny") ? Buffer.from(tinyClassifier().bytes) : Buffer.from("not a model") }),
  );
  await set({ model: "models/tiny.safetensors", layer: "0", input: "digit-7" });
  await page.waitForFunction(() => window.events.at(-1)?.type === "prediction" && window.events.at(-1).detail.model === "models/tiny.safetensors");
  v = await view();
  assert.deepEqual(v.layers, [0]);
  assert.equal(v.maps.length, 3, "the tiny model's first layer has 3 channels");
  assert.ok(v.maps.every((m) => m === "10x12"), v.maps.join(" "));
  await set({ model: "models/broken.safetensors" });
  await page.waitForFunction(() => /is not a usable model file/.test(document.getElementById("view").shadowRoot.querySelector(".cx-error").textContent));
  await set({ model: "https://elsewhere.example/m.safetensors" });
  await page.waitForFunction(() => /only model files on this page's own site/.test(document.getElementById("view").shadowRoot.querySelector(".cx-error").textContent));

  // A bad attribute shows a message in the element (no exception); fixing it recovers.
  await set({ model: "nope" });
  await page.waitForFunction(() => document.getElementById("view").dataset.state === "error");
  const err = await page.evaluate(() => document.getElementById("view").shadowRoot.querySelector(".cx-error").textContent);
  assert.match(err, /model="nope" is not a builtin model/);
  await set({ model: "digits", view: "telescope" });
  await page.waitForFunction(() => /view="telescope"/.test(document.getElementById("view").shadowRoot.querySelector(".cx-error").textContent));
  await set({ view: "maps", channel: "99", layer: "0" });
  await page.waitForFunction(() => /channel="99": layer 0 \(conv1\) has channels 0 to 7/.test(document.getElementById("view").shadowRoot.querySelector(".cx-error").textContent));
  await set({ channel: "1", input: "https://elsewhere.example/cat.png", height: "banana" });
  await page.waitForFunction(() => document.getElementById("view").dataset.state === "ready");
  const notes = await page.evaluate(() => document.getElementById("view").shadowRoot.querySelector(".cx-notes").textContent);
  assert.match(notes, /only images on this page's own site/);
  assert.match(notes, /height="banana"/);
  assert.equal(await page.evaluate(() => document.getElementById("view").shadowRoot.querySelector(".cx-error").hidden), true);

  // embed.html follows its hash.
  await page.evaluate(() => (location.hash = "#model=edges&view=maps&layer=0&controls=all"));
  await page.waitForFunction(() => document.getElementById("view").getAttribute("model") === "edges");
  await settle();
  await page.waitForFunction(() => document.getElementById("view").shadowRoot.querySelectorAll("section.layer:not([hidden]) .map-canvas").length === 4);
  // controls=all shows the pickers; choosing a layer there dispatches select and updates the attribute.
  await page.locator("convlens-explorer .cx-field[data-control='layer'] select").selectOption("2");
  await page.waitForFunction(() => document.getElementById("view").getAttribute("layer") === "2");
  const sel2 = await page.evaluate(() => window.events.filter((e) => e.type === "select").at(-1)?.detail);
  assert.equal(sel2.layer, 2);
  assert.equal(sel2.layerName, "pool");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("under the strict CSP sent as a header: zero violations and zero requests to other origins", async () => {
  const strict = await serve({ headers: { "content-security-policy": CSP } });
  try {
    const origin = new URL(strict.url).origin;
    for (const path of ["index.html#model=digits&sample=digit-7&view=stats", "lesson.html", "embed.html#view=attribution&input=digit-4&controls=all"]) {
      const { ctx, page, problems } = await newPage(origin);
      const violations = [];
      page.on("console", (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.addInitScript(() => {
        window.cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const res = await page.goto(`${strict.url}${path}`);
      assert.equal(res.headers()["content-security-policy"], CSP);
      if (path.startsWith("index.html")) {
        await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30_000 });
        // Every tab, the detail dialog and the embed-code dialog run under the policy too.
        for (const tab of ["playground", "maximize", "attribution", "stats", "maps"]) {
          await page.click(`#tab-${tab}`);
          await page.waitForTimeout(400);
        }
        await page.locator(".map-canvas").first().click();
        await page.waitForSelector("body[data-detail='open']");
        await page.keyboard.press("Escape");
        await page.click("#embed-code");
        await page.waitForSelector("#embed-dialog[open]");
        assert.match(await page.inputValue("#embed-dialog textarea >> nth=0"), /<convlens-explorer model="digits"/);
      } else {
        const report = await waitDrawn(page);
        assert.ok(report.every((r) => r.state === "ready" && r.drawn > 0), JSON.stringify(report));
      }
      const events = await page.evaluate(() => window.cspViolations);
      assert.deepEqual(events, [], `${path}: CSP violation events`);
      assert.deepEqual(violations, [], `${path}: CSP console messages`);
      assert.deepEqual(problems, [], `${path}: problems`);
      await ctx.close();
    }
  } finally {
    await strict.close();
  }
});

test("the single-file build works from file:// with the network blocked", async (t) => {
  const file = `${DIST}convlens.html`;
  assert.ok(existsSync(file), "dist/convlens.html is missing: run ./build.sh bundle");
  const ctx = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const network = [];
  await ctx.route(/^(https?|wss?):/, (route) => {
    network.push(route.request().url());
    route.abort();
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => !/^(file|data|blob):/.test(r.url()) && network.push(r.url()));
  await page.goto(`${pathToFileURL(file).href}#sample=digit-7`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "1", await page.textContent("#error-message"));
  assert.match(await page.textContent("#prediction-top"), /The network says 7/);
  // Every map of every layer drawn.
  const maps = await page.evaluate(() =>
    [...document.querySelectorAll(".map-canvas")].map((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
      return false;
    }),
  );
  assert.ok(maps.length > 50, `${maps.length} maps`);
  assert.ok(maps.filter(Boolean).length >= maps.length - 2, `${maps.filter(Boolean).length} of ${maps.length} maps drawn`);
  // The gallery's pictures and the evaluation data are inside the file.
  await page.waitForFunction(() => [...document.querySelectorAll("#gallery img")].every((i) => i.complete && i.naturalWidth > 0));
  assert.equal(await page.locator("#gallery img").count(), JSON.parse(readFileSync(`${ROOT}www/samples/index.json`, "utf8")).length);
  await page.click("#gallery [data-sample='fashion-bag']");
  await page.waitForFunction(() => document.body.dataset.sample === "fashion-bag");
  await page.click("#tab-stats");
  await page.waitForSelector("#stats-host[data-state='done']", { timeout: 30_000 });
  assert.match(await page.textContent("#stats-host .cle-status"), /500 MNIST test images/);
  await page.click("#tab-playground");
  await page.waitForSelector("#playground-host .clv-playground");
  // It trains offline: the MNIST training set is inside (Fashion-MNIST's is not, and says so).
  await page.click("#tab-train");
  await page.click("#train-host .clt-start");
  await page.waitForFunction(() => Number(document.getElementById("train-host").dataset.trainSteps) >= 30, null, { timeout: 60_000 });
  await page.click("#train-host .clt-start"); // Pause
  await page.waitForFunction(() => document.getElementById("train-host").dataset.trainState === "paused");
  assert.match(await page.textContent("#train-host .clt-data-info"), /12,000 MNIST training images/);
  await page.selectOption("#train-host .clt-data select", "fashion");
  await page.click("#train-host .clt-reset");
  await page.waitForFunction(() => /MNIST training set only/.test(document.querySelector("#train-host .clt-message").textContent));
  // The browser's own report of the refused file:// fetch (data/ beside the file), then nothing else.
  const refused = errors.filter((e) => /fashion-train12k-.*blocked by CORS policy/.test(e));
  assert.ok(refused.length >= 1 && refused.every((e) => e.includes(pathToFileURL(`${DIST}data/`).href)), refused.join("\n"));
  // (and, by the file's presence, its generic "Failed to load resource: net::ERR_FAILED" or ERR_FILE_NOT_FOUND)
  errors.splice(0, errors.length, ...errors.filter((e) => !refused.includes(e) && !/^Failed to load resource: net::ERR_(FAILED|FILE_NOT_FOUND)$/.test(e)));
  const size = (await import("node:fs")).statSync(file).size;
  t.diagnostic(`dist/convlens.html: ${(size / 1024).toFixed(0)} KB`);
  assert.deepEqual(network, [], "no network request");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the npm package: package.json, its entry point defines the element, its embed.html works", async () => {
  const dir = `${DIST}npm/`;
  assert.ok(existsSync(`${dir}package.json`), "dist/npm/ is missing: run ./build.sh bundle");
  const pkg = JSON.parse(readFileSync(`${dir}package.json`, "utf8"));
  assert.equal(pkg.name, "convlens");
  assert.match(pkg.version, /^\d+\.\d+\.\d+/);
  assert.equal(pkg.type, "module");
  const entry = pkg.exports["."];
  assert.ok(existsSync(`${dir}${entry}`), `exports["."] = ${entry} exists`);
  for (const f of pkg.files) assert.ok(existsSync(`${dir}${f}`), `files: ${f} exists`);
  for (const f of ["pkg/convlens.js", "pkg/convlens_bg.wasm", "pkg-relaxed/convlens_bg.wasm", "js/engine/worker.js", "css/embed.css", "samples/index.json", "data/digits-test500-images.idx"]) {
    assert.ok(existsSync(`${dir}${f}`), `${f} is in the package`);
  }
  assert.ok(!existsSync(`${dir}js/page/app.js`) && !existsSync(`${dir}js/page`), "the explorer page's own wiring is not in the package");

  const npm = await serve({ root: dir, headers: { "content-security-policy": CSP } });
  try {
    const { ctx, page, problems } = await newPage(new URL(npm.url).origin);
    await page.goto(`${npm.url}embed.html#model=digits&view=maps&layer=conv1&input=digit-7`);
    const report = await waitDrawn(page);
    assert.equal(report[0].state, "ready", JSON.stringify(report));
    assert.equal(report[0].drawn, 9, "8 maps and the colour bar");
    const imported = await page.evaluate(async (e) => {
      const m = await import(new URL(e, location.href).href);
      return { exported: typeof m.ConvlensExplorer, defined: customElements.get("convlens-explorer") === m.ConvlensExplorer };
    }, entry);
    assert.deepEqual(imported, { exported: "function", defined: true });
    assert.deepEqual(problems, []);
    await ctx.close();
  } finally {
    await npm.close();
  }
});

test("Copy embed code: the snippets for the view on screen; without a clipboard API the text is selected", async () => {
  const { ctx, page, problems } = await newPage(new URL(env.server.url).origin);
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });
  });
  await page.goto(`${env.server.url}index.html#model=fashion&sample=fashion-bag&layer=3&channel=7&view=detail`);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30_000 });
  await page.waitForSelector("body[data-detail='open']");
  await page.keyboard.press("Escape");
  await page.click("#tab-maximize");
  await page.click("#embed-code");
  await page.waitForSelector("#embed-dialog[open]");
  const [element, iframe] = await page.$$eval("#embed-dialog textarea", (t) => t.map((x) => x.value));
  assert.match(element, /<script type="module" src="http:\/\/127\.0\.0\.1:\d+\/course\/convlens\/js\/convlens-explorer\.js"><\/script>/);
  assert.match(element, /<convlens-explorer model="fashion" view="maximize" layer="3" channel="7" input="fashion-bag"><\/convlens-explorer>/);
  assert.match(iframe, /src="http:\/\/127\.0\.0\.1:\d+\/course\/convlens\/embed\.html#model=fashion&amp;view=maximize&amp;layer=3&amp;channel=7&amp;input=fashion-bag"/);
  await page.click("#embed-dialog .embed-copy >> nth=1");
  assert.match(await page.textContent("#embed-dialog .embed-status >> nth=1"), /press Ctrl\+C/);
  const selected = await page.evaluate(() => {
    const t = document.activeElement;
    return t.value.slice(t.selectionStart, t.selectionEnd);
  });
  assert.equal(selected, iframe, "the whole iframe snippet is selected");
  // The iframe code works: embed.html with that hash shows the maximization of that channel.
  const src = iframe.match(/src="([^"]+)"/)[1].replace(/&amp;/g, "&");
  const frame = await ctx.newPage();
  await frame.goto(src);
  await frame.waitForSelector("convlens-explorer[data-state='ready']");
  await frame.waitForFunction(() => /conv2 channel 7/.test(document.querySelector("convlens-explorer").shadowRoot.textContent));
  assert.deepEqual(problems, []);
  await ctx.close();
});
