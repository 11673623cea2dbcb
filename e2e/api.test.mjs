// The JS API (www/pkg/convlens.js) in headless Chromium: every bad argument gives a helpful Error
// (never a wasm trap), and the engine keeps working afterwards.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";
import { serve } from "./serve.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

let server;
let browser;
let page;

before(async () => {
  server = await serve();
  browser = await launch();
  page = await browser.newPage();
  // Any document of the same origin can import the package; a static file keeps the page's own
  // worker out of the way.
  await page.goto(`${server.url}favicon.svg`);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function api(fn, arg) {
  await page.evaluate(async (base) => {
    window.convlensApi ??= await import(new URL("pkg/convlens.js", base).href);
    await window.convlensApi.default();
  }, server.url);
  return page.evaluate(fn, arg);
}

test("JS API errors are helpful Errors", async () => {
  const edges = [...(await readFile(`${ROOT}models/edges.safetensors`))];
  const results = await api((bytes) => {
    const m = window.convlensApi;
    const attempt = (f) => {
      try {
        f();
        return { threw: false };
      } catch (e) {
        return { threw: true, isError: e instanceof Error, name: e?.name, message: String(e?.message ?? e) };
      }
    };
    const good = new Uint8Array(bytes);
    const garbage = new Uint8Array(256);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 73 + 41) & 255;
    const out = {
      garbage: attempt(() => m.Explorer.fromBytes(garbage)),
      empty: attempt(() => m.Explorer.fromBytes(new Uint8Array(0))),
      text: attempt(() => m.Explorer.fromBytes(new TextEncoder().encode("this is not a model file"))),
      truncated: attempt(() => m.Explorer.fromBytes(good.slice(0, Math.floor(good.length * 0.6)))),
      truncatedHeader: attempt(() => m.Explorer.fromBytes(good.slice(0, 40))),
      unknownBuiltin: attempt(() => m.Explorer.builtin("nope")),
    };
    const e = m.Explorer.builtin("edges");
    const { channels, height, width } = e.summary().input;
    const n = channels * height * width;
    out.activationBeforeRun = attempt(() => e.activation(0));
    out.wrongLength = attempt(() => e.run(new Float32Array(n - 1)));
    const nan = new Float32Array(n);
    nan[5] = NaN;
    out.nan = attempt(() => e.run(nan));
    const inf = new Float32Array(n);
    inf[7] = Infinity;
    out.infinity = attempt(() => e.run(inf));
    out.goodRun = attempt(() => e.run(new Float32Array(n).fill(0.5)));
    out.activation99 = attempt(() => e.activation(99));
    out.activationNegative = attempt(() => e.activation(-1));
    // The engine still works after all those errors.
    const loaded = m.Explorer.fromBytes(good);
    out.afterErrors = loaded.run(new Float32Array(n).fill(0.25)).length > 0 && e.activation(0).length > 0;
    loaded.free();
    e.free();
    out.names = m.Explorer.builtinNames();
    out.n = n;
    return out;
  }, edges);

  for (const key of ["garbage", "empty", "text", "truncated", "truncatedHeader", "unknownBuiltin",
    "activationBeforeRun", "wrongLength", "nan", "infinity", "activation99", "activationNegative"]) {
    const r = results[key];
    assert.ok(r.threw, `${key}: did not throw`);
    assert.ok(r.isError, `${key}: threw a non-Error`);
    assert.equal(r.name, "Error", `${key}: ${r.name} (a RuntimeError would mean a wasm panic/trap)`);
    assert.ok(r.message.length >= 15, `${key}: message too short: '${r.message}'`);
  }
  assert.equal(results.goodRun.threw, false);
  assert.equal(results.afterErrors, true, "engine still usable after errors");
  assert.match(results.garbage.message, /safetensors/i);
  assert.match(results.text.message, /safetensors/i);
  for (const name of results.names) assert.ok(results.unknownBuiltin.message.includes(name), results.unknownBuiltin.message);
  assert.match(results.unknownBuiltin.message, /nope/);
  assert.match(results.wrongLength.message, new RegExp(String(results.n)));
  assert.match(results.wrongLength.message, new RegExp(String(results.n - 1)));
  assert.match(results.nan.message, /NaN|finite/i);
  assert.match(results.infinity.message, /inf|finite/i);
  assert.match(results.activation99.message, /99/);
  assert.match(results.activationBeforeRun.message, /run/);
});
