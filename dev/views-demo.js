// The harness page views-demo.html: runs a builtin model on a sample image in the engine worker
// and shows the detail view (detail.js) and the convolution playground (playground.js) the way
// the explorer page does. Exposes `window.viewsDemo` for the end-to-end tests.

import { COLORMAPS } from "../js/core/colormap.js";
import { mount as openDetail } from "../js/views/detail.js";
import { Engine } from "../js/engine/client.js";
import { loadImageFitted } from "../js/ui/images.js";
import { mount as mountPlayground } from "../js/views/playground.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const samplesUrl = new URL("../samples/", import.meta.url);

const state = {
  engine: null,
  summary: null,
  input: null,
  activations: null,
  detail: null,
  closes: 0,
  image: null, // what the playground's getImage returns (the model input unless a test overrides it)
};

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  select.append(o);
}

function detailCtx(layer, channel) {
  return {
    engine: state.engine,
    summary: state.summary,
    layer,
    channel,
    input: state.input,
    activations: state.activations,
    colormap: $("vd-colormap").value,
    onClose: () => {
      state.closes++;
      state.detail = null;
      document.body.dataset.detailOpen = "";
      $("vd-open").focus();
    },
  };
}

function openAt(layer, channel) {
  state.detail?.close();
  state.layer = layer;
  state.channel = channel;
  state.detail = openDetail($("vd-detail"), detailCtx(layer, channel));
  document.body.dataset.detailOpen = "1";
}

async function loadModel(name) {
  state.summary = await state.engine.load({ builtin: name });
  const layerSel = $("vd-layer");
  layerSel.replaceChildren();
  state.summary.layers.forEach((l, i) => option(layerSel, String(i), `${i}: ${l.name} (${l.type})`));
}

async function run() {
  const { channels, height, width } = state.summary.input;
  const file = $("vd-sample").value;
  const grey = await loadImageFitted(new URL(file, samplesUrl), height, width);
  const data = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) data.set(grey, c * height * width);
  state.input = { data, channels, height, width };
  state.image = { data: grey, height, width };
  const r = await state.engine.run(data);
  state.activations = r.activations;
  state.detail?.update(detailCtx(state.layer, state.channel));
  state.playground?.update();
  document.body.dataset.runs = String(Number(document.body.dataset.runs ?? 0) + 1);
}

async function main() {
  const engine = await Engine.start();
  state.engine = engine;
  const index = await (await fetch(new URL("index.json", samplesUrl))).json();
  for (const n of engine.builtins) option($("vd-model"), n, n);
  for (const s of index.filter((s) => s.kind !== "photo")) option($("vd-sample"), s.file, s.title);
  for (const [k, label] of Object.entries(COLORMAPS)) option($("vd-colormap"), k, label);
  $("vd-model").value = params.get("model") ?? "digits";
  $("vd-sample").value = params.get("sample") ?? "digit-7.png";
  $("vd-colormap").value = params.get("colormap") ?? "viridis";
  await loadModel($("vd-model").value);
  await run();

  state.playground = mountPlayground($("vd-playground"), {
    engine,
    image: () => state.image,
    samples: index.filter((s) => s.kind === "photo"),
  });

  $("vd-model").addEventListener("change", async () => {
    state.detail?.close();
    state.detail = null;
    await loadModel($("vd-model").value);
    await run();
  });
  $("vd-sample").addEventListener("change", () => run());
  $("vd-colormap").addEventListener("change", () => state.detail?.update(detailCtx(state.layer, state.channel)));
  $("vd-open").addEventListener("click", () => openAt(Number($("vd-layer").value), Number($("vd-channel").value)));

  if (params.has("layer")) {
    $("vd-layer").value = params.get("layer");
    $("vd-channel").value = params.get("channel") ?? "0";
    openAt(Number(params.get("layer")), Number(params.get("channel") ?? 0));
  }

  window.viewsDemo = {
    state,
    openAt,
    run,
    closes: () => state.closes,
    /** Replaces the playground's "current input" (tests: tiny images). */
    setImage(image) {
      state.image = image;
      state.playground.update();
    },
    parameters: (layer) => engine.parameters(layer),
    /** Loads a model file (bytes) and runs it on the current sample. */
    async loadBytes(bytes) {
      state.detail?.close();
      state.detail = null;
      state.summary = await engine.load({ bytes: new Uint8Array(bytes) });
      await run();
      return state.summary;
    },
  };
  $("vd-status").textContent = `engine ready (${engine.simd}); model ${$("vd-model").value}`;
  document.body.dataset.ready = "1";
}

main().catch((e) => {
  $("vd-status").textContent = `error: ${e.message}`;
  console.error(e);
});
