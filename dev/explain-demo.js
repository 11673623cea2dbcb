// The harness page explain-demo.html: runs a builtin model (or a model file) on a sample image in
// the engine worker and mounts the three explaining views the way the explorer page does.
// Exposes `window.explainDemo` for the end-to-end tests (e2e/explain.test.mjs).

import { mount as mountAttribution } from "../js/views/attribution.js";
import { Engine } from "../js/engine/client.js";
import { loadImageFitted } from "../js/ui/images.js";
import { mount as mountMaximize } from "../js/views/maximize.js";
import { loadEvalSample } from "../js/views/eval-sample.js";
import { mount as mountStats } from "../js/views/stats.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const base = new URL("../", import.meta.url);

/** A sample image stretched to the model input, CHW in [0, 1] (greyscale in every channel). */
async function loadInput(file, { channels, height, width }) {
  const grey = await loadImageFitted(new URL(`samples/${file}`, base), height, width);
  const data = new Float32Array(channels * height * width);
  for (let ch = 0; ch < channels; ch++) data.set(grey, ch * height * width);
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
    for (const v of Object.values(state.views)) v.update(c);
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
