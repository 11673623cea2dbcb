// The harness pages outside www/, served as e2e/bench.mjs and the view tests serve them: www/ at the
// root, bench/ at bench/ and dev/ at dev/, one origin. Their markup keeps the product's CSP rules,
// and a short run of the benchmark page (?only=model&samples=3, the plain build) loads the bench
// build (bench/pkg/, the wasm with ConvBench and ModelBench) and TF.js from bench/vendor/, the
// product's modules and data from www/, and both sides agree on the digits model. Needs bench/pkg/
// and the TF.js bundle (./build.sh test or ./build.sh bench); without them the run is skipped.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { launch, watchProblems } from "./browser.mjs";
import { readFile } from "node:fs/promises";
import { BENCH, HARNESS, HARNESS_CSP, serve, WWW } from "./serve.mjs";

let server;
let browser;

before(async () => {
  server = await serve({ prefix: "/nested/path/", mounts: HARNESS });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("the harness pages: the product's strict CSP, no inline code or style, no absolute URL", async () => {
  // The policy the server sends with the harness is the one each product page carries.
  for (const page of ["index.html", "embed.html", "lesson.html"]) {
    const meta = (await readFile(`${WWW}${page}`, "utf8")).match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
    assert.equal(meta?.[1], HARNESS_CSP, `${page}'s Content-Security-Policy`);
  }
  for (const file of ["bench/index.html", "dev/views-demo.html", "dev/explain-demo.html"]) {
    const res = await fetch(new URL(file, server.url));
    assert.equal(res.status, 200, file);
    assert.equal(res.headers.get("content-security-policy"), HARNESS_CSP, `${file}: its Content-Security-Policy header`);
    const html = await res.text();
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${file}: inline style attribute`);
    assert.doesNotMatch(html, /<style[\s>]/i, `${file}: <style> element`);
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, `${file}: inline script`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${file}: inline event handler`);
    assert.doesNotMatch(html, /https?:\/\//i, `${file}: absolute URL`);
  }
  // The mounts shadow nothing of www/ and serve nothing outside their folders.
  assert.equal((await fetch(new URL("index.html", server.url))).status, 200);
  assert.equal((await fetch(new URL("bench/..%2fCargo.toml", server.url))).status, 403, "out of bench/ into the repository");
  assert.equal((await fetch(new URL("bench/js/bench.js", server.url))).status, 200);
  assert.equal((await fetch(new URL("bench", server.url), { redirect: "manual" })).status, 301);
});

const ready = ["pkg/convlens_bg.wasm", "vendor/tfjs.js"].every((f) => existsSync(`${BENCH}${f}`));

test("the benchmark page runs from bench/ beside www/: the bench build, TF.js, the digits cases", { skip: !ready && "needs the bench build and bench/vendor/ (./build.sh test or bench)", timeout: 240_000 }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, new URL(server.url).origin, problems);
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname.slice(new URL(server.url).pathname.length)));
  // The plain build (./build.sh test makes bench/pkg/ only), forced as on the explorer's pages.
  await page.goto(`${server.url}bench/index.html?only=model&samples=3&convlens-wasm=plain`);
  await page.waitForFunction(() => document.body.dataset.done, null, { timeout: 200_000 });
  const result = await page.evaluate(() => window.benchResult);
  assert.equal(await page.evaluate(() => document.body.dataset.done), "1", `the page failed: ${result?.error}`);
  // The build start.js chose, from the bench build's folder; the product's .wasm never.
  assert.equal(result.pkg, "pkg");
  assert.equal(result.simdBackend, "simd128");
  const wasm = requested.filter((p) => p.endsWith(".wasm"));
  assert.deepEqual(wasm.filter((p) => p.includes("convlens")), ["bench/pkg/convlens_bg.wasm"]);
  assert.ok(requested.includes("bench/vendor/tfjs.js") && requested.includes("bench/vendor/tfjs-backend-wasm-simd.wasm"), "TF.js from bench/vendor/");
  assert.ok(requested.includes("js/engine/start.js"), "the product's own build choice (www/js/engine/start.js)");
  assert.ok(requested.includes("data/digits-test500-images.idx"), "the product's data, from www/");
  // The two digits cases, both sides checked against each other before timing.
  assert.deepEqual(result.cases.map((c) => c.name), ["digits: forward (logits + softmax)", "digits: forward + input gradient (logit 3)"]);
  for (const c of result.cases) {
    assert.ok(c.convlens.medianMs > 0 && c.tfjs.medianMs > 0 && c.convlens.samples === 3, JSON.stringify(c));
    assert.ok(c.ratio > 0 && Number.isFinite(c.ratio));
  }
  assert.equal(await page.locator("#bench-table tbody tr").count(), 2);
  assert.deepEqual(problems, []);
  await ctx.close();
});
