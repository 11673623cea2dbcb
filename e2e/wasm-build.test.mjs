// The engine's two builds (www/pkg/: SIMD128; www/pkg-relaxed/: SIMD128 + relaxed SIMD, fused
// multiply-add in the kernels) and the choice between them (www/js/engine/start.js), in headless Chromium:
// the build a browser gets, exactly one .wasm per load, the fallback to the plain build where relaxed
// SIMD does not validate (simulated: this Chromium and Firefox 153 both have it) or where the site
// lacks pkg-relaxed/, and that the two builds compute the same numbers within the stated tolerance.
// And what ships holds no harness: www/, its two builds (no bench fixtures exported: those are the
// bench build's, bench/pkg*/), dist/npm/ and dist/convlens.html. Needs ./build.sh build (and bundle
// for dist/).

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launch, watchProblems } from "./browser.mjs";
import { serve } from "./serve.mjs";

const WWW = fileURLToPath(new URL("../www/", import.meta.url));

let server;
let browser;

before(async () => {
  for (const f of ["pkg/convlens_bg.wasm", "pkg-relaxed/convlens_bg.wasm"]) {
    assert.ok(existsSync(`${WWW}${f}`), `www/${f} is missing: run ./build.sh build`);
  }
  server = await serve({ prefix: "/some/sub/path/" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Opens `file` (index.html by default) in a fresh context; `init` runs in the page before its
 * scripts. Resolves once the explorer is ready, with the page, the .wasm URLs it requested (paths
 * below the served root) and the problems seen (console errors, HTTP errors other than `allow`).
 */
async function open({ query = "", init, allow = [] } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (init) await ctx.addInitScript(init);
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, new URL(server.url).origin, problems);
  const wasm = [];
  page.on("request", (r) => {
    const p = new URL(r.url()).pathname;
    if (p.endsWith(".wasm")) wasm.push(p.slice(new URL(server.url).pathname.length));
  });
  await page.goto(`${server.url}index.html${query}#model=digits&sample=digit-5`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
  await page.waitForLoadState("networkidle");
  const status = await page.textContent("#status");
  return { ctx, page, wasm, status, problems: problems.filter((p) => !allow.some((a) => p.includes(a))) };
}

/** start.js's own answer in this page (a detect-only instance: it starts nothing). */
function detect(page) {
  return page.evaluate(async () => {
    const m = await import(new URL("js/engine/start.js?detect-only", document.baseURI).href);
    return { relaxed: m.relaxedSimdSupported(), build: m.wasmBuild() };
  });
}

test("the explorer gets the relaxed-SIMD build where it validates, and fetches only that .wasm", async (t) => {
  const { ctx, page, wasm, status, problems } = await open();
  const { relaxed, build } = await detect(page);
  t.diagnostic(`relaxed SIMD in this Chromium: ${relaxed}; build ${build.dir}`);
  assert.equal(build.dir, relaxed ? "pkg-relaxed" : "pkg");
  assert.ok(relaxed, "Chromium 156 validates relaxed SIMD (if this fails, the fallback test below is the real case)");
  assert.deepEqual(wasm, [`${build.dir}/convlens_bg.wasm`], "exactly one .wasm, the chosen build's");
  assert.match(status, new RegExp(`engine: wasm ${build.name.replace("+", "\\+")} in a worker`), "the worker runs the chosen build");
  assert.equal(await page.evaluate(() => document.body.dataset.model), "digits");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("without relaxed SIMD (its validation fails) the page gets the plain build", async () => {
  // What a browser without relaxed SIMD does: f32x4.relaxed_madd (0xfd 0x85 0x02) does not validate.
  const init = () => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => {
      const b = new Uint8Array(bytes.buffer ?? bytes);
      for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xfd && b[i + 1] === 0x85 && b[i + 2] === 0x02) return false;
      return validate.call(WebAssembly, bytes);
    };
  };
  const { ctx, page, wasm, status, problems } = await open({ init });
  assert.deepEqual((await detect(page)).build.dir, "pkg");
  assert.deepEqual(wasm, ["pkg/convlens_bg.wasm"]);
  assert.match(status, /engine: wasm simd128 in a worker/);
  assert.ok(Number(await page.evaluate(() => document.body.dataset.runs)) >= 1, "the model ran");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("?convlens-wasm=plain forces the plain build; a site without pkg-relaxed/ falls back to it", async () => {
  {
    const { ctx, wasm, status, problems } = await open({ query: "?convlens-wasm=plain" });
    assert.deepEqual(wasm, ["pkg/convlens_bg.wasm"]);
    assert.match(status, /engine: wasm simd128 in a worker/);
    assert.deepEqual(problems, []);
    await ctx.close();
  }
  {
    // A copy of www/ made without the relaxed build: its .wasm is a 404.
    const ctx = await browser.newContext();
    await ctx.route("**/pkg-relaxed/convlens_bg.wasm", (route) => route.fulfill({ status: 404, body: "not found" }));
    const page = await ctx.newPage();
    const wasm = [];
    page.on("request", (r) => r.url().endsWith(".wasm") && wasm.push(new URL(r.url()).pathname.split("/").slice(-2).join("/")));
    await page.goto(`${server.url}index.html#model=digits`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.ready), "1");
    assert.match(await page.textContent("#status"), /engine: wasm simd128 in a worker/);
    assert.deepEqual(wasm, ["pkg-relaxed/convlens_bg.wasm", "pkg/convlens_bg.wasm"]);
    await ctx.close();
  }
});

test("the two builds agree within the stated tolerance (digits: forward, input gradient, maximization)", async (t) => {
  const { ctx, page } = await open();
  const r = await page.evaluate(async () => {
    const base = document.baseURI;
    // Two instances of the one glue (loaded from both directories), each with its own .wasm.
    const plain = await import(new URL("pkg/convlens.js", base).href);
    const relaxed = await import(new URL("pkg-relaxed/convlens.js", base).href);
    await plain.default({ module_or_path: new URL("pkg/convlens_bg.wasm", base) });
    await relaxed.default({ module_or_path: new URL("pkg-relaxed/convlens_bg.wasm", base) });
    const bytes = new Uint8Array(await (await fetch(new URL("data/digits-test500-images.idx", base))).arrayBuffer());
    const images = Float32Array.from(bytes.subarray(16), (v) => v / 255);
    const diff = (a, b) => {
      let d = 0;
      let m = 0;
      for (let i = 0; i < a.length; i++) {
        d = Math.max(d, Math.abs(a[i] - b[i]));
        m = Math.max(m, Math.abs(b[i]));
      }
      return { d, m, rel: d / (1 + m) };
    };
    const worst = { forward: 0, gradient: 0, maximize: 0, logits: 0 };
    const ex = [plain, relaxed].map((m) => m.Explorer.builtin("digits"));
    let sameClass = 0;
    const n = 100;
    for (let i = 0; i < n; i++) {
      const x = images.subarray(i * 784, (i + 1) * 784);
      const [yp, yr] = ex.map((e) => e.run(x));
      worst.forward = Math.max(worst.forward, diff(yr, yp).rel);
      const [lp, lr] = ex.map((e) => e.activation(7));
      worst.logits = Math.max(worst.logits, diff(lr, lp).rel);
      const am = (y) => y.indexOf(Math.max(...y));
      if (am(yp) === am(yr)) sameClass++;
      if (i < 20) {
        const [gp, gr] = ex.map((e) => e.attribute({ method: "gradient" }));
        worst.gradient = Math.max(worst.gradient, diff(gr, gp).rel);
      }
    }
    const [mp, mr] = ex.map((e) => e.maximize({ layer: 8, unit: 3, steps: 64 }));
    worst.maximize = diff(mr, mp).rel;
    ex.forEach((e) => e.free());
    return { backends: [plain.simdBackend(), relaxed.simdBackend()], worst, sameClass, n };
  });
  t.diagnostic(JSON.stringify(r));
  assert.deepEqual(r.backends, ["simd128", "simd128+relaxed"]);
  assert.equal(r.sameClass, r.n, "the same class for every image");
  // The stated tolerance (docs/architecture.md, "Builds"): max |relaxed - plain| <= 1e-5 * (1 + max |plain|).
  for (const [what, rel] of Object.entries(r.worst)) assert.ok(rel <= 1e-5, `${what}: ${rel} > 1e-5`);
  await ctx.close();
});

/** The benchmark's, the development pages' and the tests' files (bench/, dev/, e2e/), by name. */
const HARNESS_FILE = /(^|\/)(bench[^/]*|tf-[^/]*\.js|peak\.js|[^/]*-demo\.[^/]+|[^/]*\.test\.mjs|vendor\/.*|pkg-profiling\/.*|axe[^/]*\.js)$/;
/** The bench fixtures' names in a wasm's exports or its JS glue (convbench_new, class ModelBench...). */
const BENCH_FIXTURE = /convbench|modelbench/i;

/** Every file below `dir`, as paths relative to it with "/". */
function filesBelow(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join("/"));
}

test("what ships holds no harness: www/, its builds, dist/npm/ and dist/convlens.html", (t) => {
  const ROOT = fileURLToPath(new URL("../", import.meta.url));
  // The patterns do find the harness where it lives, so an empty list below means something.
  for (const dir of ["bench", "dev"]) assert.ok(filesBelow(`${ROOT}${dir}`).some((f) => HARNESS_FILE.test(f)), `${dir}/ has harness files`);
  assert.ok(filesBelow(`${ROOT}e2e`).some((f) => HARNESS_FILE.test(f)));
  assert.deepEqual(filesBelow(WWW).filter((f) => HARNESS_FILE.test(f)), [], "harness files in www/");
  assert.doesNotMatch(readFileSync(`${WWW}index.html`, "utf8"), /bench|-demo/, "the explorer links no harness page");
  // The product's wasm exports and glue: no bench fixture (the bench build has them, when built).
  const shipped = {};
  for (const f of ["pkg/convlens_bg.wasm", "pkg-relaxed/convlens_bg.wasm", "pkg/convlens.js", "pkg-relaxed/convlens.js"]) {
    shipped[`www/${f}`] = readFileSync(`${WWW}${f}`).toString("latin1");
  }
  const benchBuild = `${ROOT}bench/pkg/`;
  if (existsSync(`${benchBuild}convlens_bg.wasm`)) {
    const wasm = readFileSync(`${benchBuild}convlens_bg.wasm`).toString("latin1");
    assert.match(wasm, /convbench_new/, "the bench build exports ConvBench");
    assert.match(readFileSync(`${benchBuild}convlens.js`, "utf8"), /class ModelBench\b/, "the bench build's glue has ModelBench");
  } else {
    t.diagnostic("bench/pkg/ is not built: the bench build's own exports were not checked");
  }
  assert.deepEqual(Object.keys(shipped).filter((f) => BENCH_FIXTURE.test(shipped[f])), [], "bench fixtures in the product build");
  // The npm package and the single file (./build.sh bundle).
  const DIST = `${ROOT}dist/`;
  assert.ok(existsSync(`${DIST}npm/package.json`) && existsSync(`${DIST}convlens.html`), "dist/ is missing: run ./build.sh bundle");
  const npm = filesBelow(`${DIST}npm`);
  assert.deepEqual(npm.filter((f) => HARNESS_FILE.test(f)), [], "harness files in dist/npm/");
  const npmCode = npm.filter((f) => /\.(js|mjs|wasm|html)$/.test(f));
  assert.ok(npmCode.includes("pkg/convlens_bg.wasm") && npmCode.includes("pkg-relaxed/convlens_bg.wasm"));
  assert.deepEqual(npmCode.filter((f) => BENCH_FIXTURE.test(readFileSync(`${DIST}npm/${f}`).toString("latin1"))), [], "bench fixtures in dist/npm/");
  const html = readFileSync(`${DIST}convlens.html`, "utf8");
  // The single file carries the product's plain build (base64) and its bundled glue, nothing else.
  assert.ok(html.includes(readFileSync(`${WWW}pkg/convlens_bg.wasm`).toString("base64")), "dist/convlens.html embeds www/pkg/convlens_bg.wasm");
  assert.doesNotMatch(html, BENCH_FIXTURE, "bench fixtures in dist/convlens.html");
  assert.doesNotMatch(html, /(bench[\w-]*|tf-[\w-]+|peak|[\w-]+-demo)\.(js|html|css)\b/, "dist/convlens.html names a harness file");
  assert.doesNotMatch(html, /axe-core|\baxe\.run\(/, "dist/convlens.html carries axe-core (the accessibility check's, e2e/a11y.mjs)");
});
