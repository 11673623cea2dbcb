// The harness pages outside www/, served as e2e/bench.mjs and the view tests serve them: www/ at the
// root, bench/ at bench/ and dev/ at dev/, one origin. Their markup keeps the product's CSP rules,
// and a short run of the benchmark page (?only=model&samples=3, the plain build) loads the bench
// build (bench/pkg/, the wasm with ConvBench and ModelBench) and TF.js from bench/vendor/, the
// product's modules and data from www/, and both sides agree on the digits model. Needs bench/pkg/
// and the TF.js bundle (./build.sh test or ./build.sh bench); without them the run is skipped. The
// training page (bench/train.html, short settings, the 500-image sample for data) runs each trainer
// a couple of steps (PyTorch, outside the page, is not needed).

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { watchProblems } from "./browser.mjs";
import { useServerAndBrowser } from "./hooks.mjs";
import { readFile } from "node:fs/promises";
import { BENCH, HARNESS, HARNESS_CSP, WWW } from "./serve.mjs";
import { TRAIN_MOUNTS } from "./bench-train.mjs";

const env = useServerAndBrowser({ prefix: "/nested/path/", mounts: { ...HARNESS, ...TRAIN_MOUNTS } });

test("the harness pages: the product's strict CSP, no inline code or style, no absolute URL", async () => {
  // The policy the server sends with the harness is the one each product page carries.
  for (const page of ["index.html", "embed.html", "lesson.html"]) {
    const meta = (await readFile(`${WWW}${page}`, "utf8")).match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
    assert.equal(meta?.[1], HARNESS_CSP, `${page}'s Content-Security-Policy`);
  }
  for (const file of ["bench/index.html", "bench/train.html", "dev/views-demo.html", "dev/explain-demo.html", "dev/evaluation-demo.html"]) {
    const res = await fetch(new URL(file, env.server.url));
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
  assert.equal((await fetch(new URL("index.html", env.server.url))).status, 200);
  assert.equal((await fetch(new URL("bench/..%2fCargo.toml", env.server.url))).status, 403, "out of bench/ into the repository");
  assert.equal((await fetch(new URL("bench/js/bench.js", env.server.url))).status, 200);
  assert.equal((await fetch(new URL("bench", env.server.url), { redirect: "manual" })).status, 301);
});

const ready = ["pkg/convlens_bg.wasm", "vendor/tfjs.js"].every((f) => existsSync(`${BENCH}${f}`));

test("the benchmark page runs from bench/ beside www/: the bench build, TF.js, the digits cases", { skip: !ready && "needs the bench build and bench/vendor/ (./build.sh test or bench)", timeout: 240_000 }, async () => {
  const ctx = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, new URL(env.server.url).origin, problems);
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname.slice(new URL(env.server.url).pathname.length)));
  // The plain build (./build.sh test makes bench/pkg/ only), forced as on the explorer's pages.
  await page.goto(`${env.server.url}bench/index.html?only=model&samples=3&convlens-wasm=plain`);
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

const trainReady = ["pkg/convlens_bg.wasm", "vendor/tfjs-train.js", "vendor/convnet.js"].every((f) => existsSync(`${BENCH}${f}`));

test("the training page runs each trainer a couple of steps on the same data, and reports a missing Trainer as not available", { skip: !trainReady && "needs the bench build and bench/vendor/ (./build.sh test or bench)", timeout: 240_000 }, async () => {
  const ctx = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, new URL(env.server.url).origin, problems);
  await page.goto(`${env.server.url}bench/train.html?data=sample&datasets=digits&examples=128&seconds=0&rounds=1&warmup=1&warmup-ms=0&min-steps=2&quality-seconds=1&convlens-wasm=plain`);
  await page.waitForFunction(() => document.body.dataset.done, null, { timeout: 200_000 });
  const result = await page.evaluate(() => window.benchResult);
  assert.equal(await page.evaluate(() => document.body.dataset.done), "1", `the page failed: ${result?.error}`);
  assert.equal(result.pkg, "pkg");
  const [digits] = result.speed;
  assert.equal(digits.dataset, "digits");
  assert.equal(digits.examples, 128);
  for (const p of ["tfjs", "convnetjs"]) {
    const s = digits.peers[p];
    assert.ok(s.available && !s.error, `${p}: ${JSON.stringify(s)}`);
    assert.equal(s.steps, 2, `${p}: two timed steps`);
    assert.equal(s.images, 128, `${p}: two batches of 64`);
    assert.ok(s.imagesPerSecond > 0 && Number.isFinite(s.lastLoss) && s.firstLoss > 1, `${p}: ${JSON.stringify(s)}`);
  }
  assert.equal(result.libraries.tfjs.backend, "cpu");
  const c = digits.peers.convlens;
  if (result.libraries.convlens.trainer) {
    assert.ok(c.available && !c.error && c.steps === 2 && c.imagesPerSecond > 0, `convlens: ${JSON.stringify(c)}`);
    assert.ok(result.quality.available && !result.quality.error && result.quality.curve.length >= 2, `quality: ${JSON.stringify(result.quality).slice(0, 300)}`);
    assert.equal(result.quality.testExamples, 500);
  } else {
    assert.deepEqual([c.available, result.quality.available], [false, false]);
    assert.match(c.reason, /no Trainer/);
  }
  assert.equal(await page.locator("#train-table tbody tr").count(), 3);
  assert.deepEqual(problems, []);
  await ctx.close();
});
