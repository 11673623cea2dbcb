// The harness page evaluation-demo.html: the evaluation view (www/js/views/evaluation.js) on a
// builtin model in the engine worker. Exposes `window.evalDemo` for the end-to-end tests:
// {engine, view, opened (every onOpenExample call), load(name), run(input)}.

import { Engine } from "../js/engine/client.js";
import { mount } from "../js/views/evaluation.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const state = { engine: null, summary: null, name: "", view: null, opened: [] };

/** engine.evaluate plus each example's class scores (one run per example), for ?scores=1. */
async function evaluateWithScores(images, labels, count) {
  const ev = await state.engine.evaluate(images, labels, count);
  const size = images.length / count;
  const scores = [];
  for (let n = 0; n < count; n++) scores.push(...(await state.engine.run(images.slice(n * size, (n + 1) * size), { layers: [] })).output);
  return { ...ev, scores: Float32Array.from(scores) };
}

function ctx() {
  return {
    engine: state.engine,
    summary: state.summary,
    modelName: state.name,
    samples: [],
    ...(params.has("scores") ? { evaluate: evaluateWithScores } : {}),
    onOpenExample: (example) => {
      state.opened.push(example);
      $("ed-opened").textContent = `opened example ${example.index}: true ${example.label}, predicted ${example.predicted}${example.path ? ` (${example.path})` : ""}`;
    },
  };
}

async function load(name) {
  state.summary = await state.engine.load({ builtin: name });
  state.name = name;
  $("ed-model").value = name;
  if (state.view) state.view.update(ctx());
  else state.view = mount($("ed-eval"), ctx());
  $("ed-status").textContent = `engine ready (${state.engine.simd}); model ${name}`;
  return state.summary;
}

async function main() {
  state.engine = await Engine.start();
  for (const n of state.engine.builtins) {
    const o = document.createElement("option");
    o.value = n;
    o.textContent = n;
    $("ed-model").append(o);
  }
  await load(params.get("model") ?? "digits");
  $("ed-model").addEventListener("change", () => load($("ed-model").value));
  window.evalDemo = {
    state,
    load,
    get view() {
      return state.view;
    },
    get opened() {
      return state.opened;
    },
    /** The model's output on one input (the independent check of the evaluation). */
    run: async (input) => Array.from((await state.engine.run(Float32Array.from(input), { layers: [] })).output),
  };
  document.body.dataset.ready = "1";
}

main().catch((e) => {
  $("ed-status").textContent = `error: ${e.message}`;
  console.error(e);
});
