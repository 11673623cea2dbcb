// The training sets in the browser: the explorer page (served under a nested path, with its own
// Content-Security-Policy) requests none of www/data/*-train12k-*.idx.gz while it loads; called
// from the page, www/js/core/datasets.js fetches both sets (application/gzip, no Content-Encoding),
// decompresses them with Chromium's DecompressionStream and returns the same bytes node's zlib
// reads from the files. Needs ./build.sh build (the wasm and the training sets).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { watchProblems } from "./browser.mjs";
import { useServerAndBrowser } from "./hooks.mjs";
import { WWW } from "./serve.mjs";

const env = useServerAndBrowser({ prefix: "/nested/path/" });

/** SHA-256 of `bytes`, hex: the page computes the same with WebCrypto. */
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

test("the page fetches no training set while it loads; loadTrainingSet in Chromium gives the files' bytes", { timeout: 120_000 }, async (t) => {
  const ctx = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const problems = [];
  watchProblems(page, new URL(env.server.url).origin, problems);
  const train = [];
  page.on("response", (r) => {
    if (/-train12k-/.test(r.url())) train.push({ url: r.url(), type: r.headers()["content-type"], encoding: r.headers()["content-encoding"] ?? null });
  });
  await page.goto(`${env.server.url}index.html`);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30_000 });
  assert.deepEqual(train, [], "no training set is requested at page load");

  const got = await page.evaluate(async () => {
    const sha256 = async (bytes) =>
      Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
    const { loadTrainingSet } = await import(new URL("js/core/datasets.js", location.href).href);
    const out = {};
    for (const name of ["digits", "fashion"]) {
      const progress = [];
      const t0 = performance.now();
      const set = await loadTrainingSet(name, { onProgress: (loaded, total) => progress.push([loaded, total]) });
      const counts = new Array(10).fill(0);
      for (const c of set.labels) counts[c]++;
      out[name] = {
        ms: performance.now() - t0,
        count: set.count,
        shape: [set.channels, set.height, set.width],
        counts,
        images: await sha256(set.images),
        labels: await sha256(set.labels),
        last: progress.at(-1),
      };
    }
    return out;
  });

  for (const name of ["digits", "fashion"]) {
    const file = (kind) => readFileSync(`${WWW}data/${name}-train12k-${kind}.idx.gz`);
    const images = gunzipSync(file("images")).subarray(16);
    const labels = gunzipSync(file("labels")).subarray(8);
    const r = got[name];
    assert.equal(r.count, 12000);
    assert.deepEqual(r.shape, [1, 28, 28]);
    assert.deepEqual(r.counts, new Array(10).fill(1200));
    assert.equal(r.images, sha256(images), `${name}: the images Chromium decoded are the file's`);
    assert.equal(r.labels, sha256(labels));
    const total = file("images").length + file("labels").length;
    assert.deepEqual(r.last, [total, total], "progress ends at the compressed sizes");
    t.diagnostic(`${name}: fetched and decoded in ${r.ms.toFixed(0)} ms`);
  }
  assert.equal(train.length, 4);
  for (const r of train) assert.deepEqual([r.type, r.encoding], ["application/gzip", null], r.url);
  assert.deepEqual(problems, []);
  await ctx.close();
});
