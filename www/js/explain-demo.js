// The harness page explain-demo.html: runs a builtin model (or a model file) on a sample image in
// the engine worker and mounts the three explaining views the way the explorer page does.
// Exposes `window.explainDemo` for the end-to-end tests (e2e/explain.test.mjs).

import { mountAttribution } from "./attribution.js";
import { Engine } from "./engine.js";
import { mountMaximize } from "./maximize.js";
import { loadEvalSample, mountStats } from "./stats.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const base = new URL("../", import.meta.url);

/** A sample image fitted (stretched) to the model input, greyscale replicated or RGB, CHW in [0, 1]. */
async function loadInput(file, { channels, height, width }) {
  const res = await fetch(new URL(`samples/${file}`, base));
  if (!res.ok) throw new Error(`could not load ${file}: HTTP ${res.status}`);
  const bitmap = await createImageBitmap(await res.blob());
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const c = canvas.getContext("2d", { willReadFrequently: true });
  c.drawImage(bitmap, 0, 0, width, height);
  const px = c.getImageData(0, 0, width, height).data;
  const plane = height * width;
  const data = new Float32Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    const rgb = [px[4 * i] / 255, px[4 * i + 1] / 255, px[4 * i + 2] / 255];
    const grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    for (let ch = 0; ch < channels; ch++) data[ch * plane + i] = channels === 3 ? rgb[ch] : grey;
  }
  return { data, channels, height, width };
}

const state = { engine: null, summary: null, name: null, input: null, output: null, samples: [], views: {} };

function ctx() {
  return {
    engine: state.engine,
    summary: state.summary,
    input: state.input,
    output: state.output,
    samples: state.samples,
    evalSample: () => loadEvalSample({ name: state.name, summary: state.summary, samples: state.samples, base }),
  };
}

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  select.append(o);
}

async function run() {
  state.input = await loadInput($("ed-sample").value, state.summary.input);
  const r = await state.engine.run(state.input.data.slice());
  state.output = r.output;
}

function refreshAll() {
  const c = ctx();
  if (!state.views.maximize) {
    state.views.maximize = mountMaximize($("ed-maximize"), c);
    state.views.attribution = mountAttribution($("ed-attribution"), c);
    state.views.stats = mountStats($("ed-stats"), c);
  } else {
    for (const v of Object.values(state.views)) v.refresh(c);
  }
}

async function loadBuiltin(name) {
  state.summary = await state.engine.load({ builtin: name });
  state.name = name;
  await run();
  refreshAll();
}

async function main() {
  const engine = await Engine.start();
  state.engine = engine;
  state.samples = await (await fetch(new URL("samples/index.json", base))).json();
  for (const n of engine.builtins) option($("ed-model"), n, n);
  for (const s of state.samples) option($("ed-sample"), s.file, s.title);
  $("ed-model").value = params.get("model") ?? "digits";
  $("ed-sample").value = params.get("sample") ?? "digit-7.png";
  await loadBuiltin($("ed-model").value);
  $("ed-model").addEventListener("change", () => loadBuiltin($("ed-model").value).catch(report));
  $("ed-sample").addEventListener("change", async () => {
    await run();
    refreshAll();
  });
  window.explainDemo = {
    state,
    views: state.views,
    /** Loads a model file; `sampleName` picks the shipped test sample ("digits") or the gallery (null). */
    async loadBytes(bytes, sampleName = null) {
      state.summary = await engine.load({ bytes: new Uint8Array(bytes) });
      state.name = sampleName;
      await run();
      refreshAll();
      return state.summary;
    },
    loadBuiltin,
  };
  $("ed-status").textContent = `engine ready (${engine.simd}); model ${$("ed-model").value}`;
  document.body.dataset.ready = "1";
}

function report(e) {
  $("ed-status").textContent = `error: ${e.message}`;
  console.error(e);
}

main().catch(report);
