// Wiring: loads the wasm engine, picks a model, and re-runs it whenever the input drawing changes.
// Test hooks on <body>: data-ready="1" once the first run is drawn ("error" if start-up failed),
// data-runs counts drawn runs, data-model names the model shown.

import init, { Explorer, simdBackend } from "../pkg/convlens.js";
import { renderArchitecture } from "./architecture.js";
import { DrawInput } from "./input.js";
import { MapsView } from "./maps.js";

const $ = (id) => document.getElementById(id);

const ui = {
  select: $("model-select"),
  file: $("model-file"),
  modelInfo: $("model-info"),
  error: $("error"),
  errorMessage: $("error-message"),
  errorClose: $("error-close"),
  arch: $("arch-table"),
  maps: $("maps"),
  inputCanvas: $("input-canvas"),
  brush: $("brush"),
  erase: $("erase"),
  clear: $("clear"),
  sample: $("sample"),
  status: $("status"),
};

const state = {
  explorers: new Map(), // model name -> Explorer (builtins and loaded files)
  name: null,
  explorer: null,
  summary: null,
  runs: 0,
};

function showError(message) {
  ui.errorMessage.textContent = message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.errorMessage.textContent = "";
}

function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

const maps = new MapsView(ui.maps);
const input = new DrawInput(ui.inputCanvas, { onChange: () => runModel() });

/** Runs the current model on the drawing and redraws every layer's output. */
function runModel() {
  const { explorer, summary } = state;
  if (!explorer) return;
  try {
    const t0 = performance.now();
    explorer.run(input.tensor(summary.input.channels));
    const ms = performance.now() - t0;
    summary.layers.forEach((_, i) => maps.update(i, explorer.activation(i)));
    state.runs += 1;
    document.body.dataset.runs = String(state.runs);
    // performance.now() is coarsened (to 0.1 ms without cross-origin isolation).
    const took = ms < 0.1 ? "< 0.1" : ms.toFixed(1);
    ui.status.textContent = `engine: wasm ${simdBackend()} · forward pass ${took} ms`;
  } catch (e) {
    showError(`Running the model failed: ${errorText(e)}`);
  }
}

/** Shows `explorer` as model `name`: table, map sections, input size, then a run. */
function show(name, explorer) {
  const summary = explorer.summary();
  state.name = name;
  state.explorer = explorer;
  state.summary = summary;
  document.body.dataset.model = name;
  renderArchitecture(ui.arch, summary);
  maps.build(summary);
  const { channels, height, width } = summary.input;
  const labels = summary.labels.length ? ` · labels: ${summary.labels.join(", ")}` : "";
  ui.modelInfo.textContent = `input ${channels} × ${height} × ${width}${labels}`;
  if (input.height !== height || input.width !== width) {
    input.resize(height, width);
    input.drawSample();
  }
  ui.select.value = name;
  runModel();
}

function selectModel(name) {
  let explorer = state.explorers.get(name);
  if (!explorer) {
    explorer = Explorer.builtin(name);
    state.explorers.set(name, explorer);
  }
  show(name, explorer);
}

function fileOption(name) {
  let group = ui.select.querySelector("optgroup[data-files]");
  if (!group) {
    group = document.createElement("optgroup");
    group.label = "Opened files";
    group.dataset.files = "";
    ui.select.append(group);
  }
  for (const opt of group.children) if (opt.value === name) return;
  const opt = document.createElement("option");
  opt.value = name;
  opt.textContent = name.slice("file:".length);
  group.append(opt);
}

async function openFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let explorer;
  try {
    explorer = Explorer.fromBytes(bytes);
  } catch (e) {
    const kept = state.name ? ` The previous model (${state.name.replace(/^file:/, "")}) is still loaded.` : "";
    showError(`Could not load “${file.name}”: ${errorText(e).replace(/\.?$/, ".")}${kept}`);
    return;
  }
  hideError();
  const name = `file:${file.name}`;
  state.explorers.get(name)?.free();
  state.explorers.set(name, explorer);
  fileOption(name);
  show(name, explorer);
}

function wire() {
  ui.select.addEventListener("change", () => {
    try {
      hideError();
      selectModel(ui.select.value);
    } catch (e) {
      showError(`Could not load model: ${errorText(e)}`);
      ui.select.value = state.name;
    }
  });
  ui.file.addEventListener("change", async () => {
    const file = ui.file.files[0];
    ui.file.value = ""; // so choosing the same file again fires "change"
    if (file) await openFile(file);
  });
  ui.errorClose.addEventListener("click", hideError);
  ui.brush.addEventListener("input", () => {
    input.radius = Number(ui.brush.value);
  });
  input.radius = Number(ui.brush.value);
  ui.erase.addEventListener("change", () => {
    input.erase = ui.erase.checked;
  });
  ui.clear.addEventListener("click", () => input.clear());
  ui.sample.addEventListener("click", () => input.drawSample());
}

async function main() {
  try {
    await init();
    const names = Explorer.builtinNames();
    for (const name of names) {
      const opt = document.createElement("option");
      opt.value = name;
      opt.textContent = name;
      ui.select.append(opt);
    }
    wire();
    input.drawSample();
    selectModel(names[0]);
    document.body.dataset.ready = "1";
  } catch (e) {
    showError(`convlens could not start: ${errorText(e)}`);
    document.body.dataset.ready = "error";
  }
}

main();
