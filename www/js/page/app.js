// The explorer page (index.html): its DOM and controls. The model, the input, the runs and the
// views' context are the shared controller's (core/controller.js); all computing runs in the
// engine worker (engine/). Pictures come in through pictures.js, timings go out through perf.js.
//
// Test hooks on <body>: data-ready="1" once the first run is drawn ("error" if start-up failed),
// data-runs counts drawn runs, data-model names the model shown, data-sample the sample shown,
// data-view the view, data-detail the detail dialog ("opening", "open", or "error" when its
// view could not be loaded), data-first-maps-ms the time from navigation to the first maps drawn.
// window.convlensPerf and window.convlensBench(n): see perf.js.

import { COLORMAPS } from "../core/colormap.js";
import { Controller } from "../core/controller.js";
import { inputLayerIndex } from "../core/graph.js";
import { formatHash, parseHash } from "../core/hashstate.js";
import { probabilityText } from "../core/prediction.js";
import { defaultSample } from "../core/samples.js";
import { assetHref } from "../core/base.js";
import { el, errorText, linkStyles, onActivate, option } from "../ui/dom.js";
import { DrawInput } from "../ui/input.js";
import { Tabs } from "../ui/tabs.js";
import { renderArchitecture } from "../views/architecture.js";
import { BarsView, MapsView, TopView } from "../views/maps.js";
import { loadView, viewStyles } from "../views/registry.js";
import { enginePromise, preloaded, samplesPromise } from "./boot.js";
import { Models } from "./models.js";
import { installBench, recordRun } from "./perf.js";
import { Pictures } from "./pictures.js";

const $ = (id) => document.getElementById(id);
const ids = {
  select: "model-select", modelFile: "model-file", modelInfo: "model-info", error: "error", errorMessage: "error-message",
  errorClose: "error-close", arch: "arch-strip", archCaption: "arch-caption", maps: "maps", inputCanvas: "input-canvas",
  inputCaption: "input-caption", sourceFigure: "source-figure", sourceCanvas: "source-canvas", sourceCaption: "source-caption",
  brush: "brush", erase: "erase", undo: "undo", clear: "clear", imageFile: "image-file", webcam: "webcam", webcamBox: "webcam-box",
  webcamVideo: "webcam-video", webcamCapture: "webcam-capture", webcamStop: "webcam-stop", webcamLive: "webcam-live",
  invert: "invert", invertNote: "invert-note", gallery: "gallery", predictionPanel: "prediction-panel",
  predictionTop: "prediction-top", prediction: "prediction", colormap: "colormap", norm: "norm", readout: "hover-readout",
  mapsPanel: "maps-panel", detailMaximize: "detail-maximize", detailDialog: "detail-dialog", detailTitle: "detail-title",
  detailHost: "detail-host", detailClose: "detail-close", convertHow: "convert-how", download: "download",
  downloadProgress: "download-progress", downloadText: "download-text", downloadCancel: "download-cancel", status: "status",
};
const ui = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, $(id)]));

/** What the page shows besides the controller's model and input (which make the link). */
const state = {
  samples: [],
  sample: null, // sample id (file name without extension) when the input is an unmodified sample
  layer: null,
  channel: null,
  view: "maps",
  detail: null, // {handle, layer, channel} while the detail view is open
  galleryShown: false,
  // The Train view's set-up: its keys as the link gives them, and parsed (core/train-settings.js,
  // loaded with the view, not in the first load) once the view is shown.
  trainLink: {},
  train: null,
};

function showError(message) {
  ui.errorMessage.textContent = message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.errorMessage.textContent = "";
}

const input = new DrawInput(ui.inputCanvas, { onChange: () => onInputChanged() });
const controller = new Controller({ input });
const page = { ui, state, controller, input, showError, hideError, writeHash: () => writeHash(), openModelFile: (f) => models.openFile(f) };
const pictures = new Pictures(page);
const models = new Models({ ...page, setModel: (name, opts) => setModel(name, opts), pictures });

input.onStroke = () => {
  if (state.sample || controller.source) {
    state.sample = null;
    writeHash();
  }
};

function onInputChanged() {
  ui.undo.disabled = !input.canUndo;
  runNow();
}

// ---------------------------------------------------------------- the maps and the prediction

const maps = new MapsView(ui.maps, {
  onSelect: (layer, channel) => {
    state.layer = layer;
    state.channel = channel;
    writeHash();
  },
  onOpen: (layer, channel) => openDetail(layer, channel),
  onNeed: (layers) => fetchLayers(layers),
});
maps.readout = ui.readout;

/** Brings layers of the last run a large model's run did not return (for scrolling and the detail). */
async function fetchLayers(layers) {
  try {
    const got = await controller.fetchLayers(layers);
    if (Object.keys(got).length) maps.fill(got);
  } catch (e) {
    console.warn("fetching activations failed", e);
  }
}

let prediction = null; // the bars (BarsView or TopView) of the prediction panel

function buildPrediction(summary) {
  const last = summary.layers[summary.layers.length - 1];
  ui.prediction.replaceChildren();
  ui.predictionTop.textContent = "";
  prediction = null;
  const n = last?.outputShape.length === 1 ? last.outputShape[0] : 0;
  ui.predictionPanel.hidden = !(n > 0 && (n <= 64 || summary.labels.length === n));
  if (ui.predictionPanel.hidden) return;
  // Up to 64 classes: a bar each; more (ImageNet): the five most likely.
  // Each class bar is a button: it asks "what excites this class?" (its logit, maximized) and
  // points the attribution view at it.
  const buttons = "Classes: pick one to see what excites it";
  prediction = n <= 64 ? new BarsView(ui.prediction, n, summary.labels, buttons) : new TopView(ui.prediction, summary.labels, 5, buttons);
  const lastLayer = summary.layers.length - 1;
  prediction.rows.forEach(({ row }, k) => {
    row.title = "What excites this class? (activation maximization)";
    const go = () => {
      const i = row.dataset.index === undefined ? k : Number(row.dataset.index);
      tabs.handle("attribution")?.setTarget(i);
      maximizeTarget({ layer: lastLayer, unit: i });
    };
    row.addEventListener("click", go);
    onActivate(row, go);
  });
}

function showPrediction(output) {
  const p = controller.prediction;
  if (!prediction || !p) return;
  prediction.update(output);
  ui.predictionTop.replaceChildren("The network says ", el("strong", "", p.label), probabilityText(p));
}

// ---------------------------------------------------------------- running

/** Runs the model on the current input and redraws everything. */
async function runNow() {
  if (!controller.summary) return;
  const t0 = performance.now();
  let r;
  try {
    r = await controller.run({ layers: controller.layersToRun({ shown: maps.wanted(controller.summary), detail: state.detail?.layer }) });
  } catch (e) {
    showError(`Running the model failed: ${errorText(e)}`);
    return;
  }
  if (!r) return; // superseded by a newer input or model
  const t1 = performance.now();
  maps.update(viewContext());
  showPrediction(r.output);
  recordRun({ total: performance.now() - t0, forward: r.ms, draw: performance.now() - t1 }, ui.status, controller.engine.simd);
  document.body.dataset.runs = String(controller.runs);
  updateViews();
}

/** The context of the views (core/controller.js context) with the page's selection and colours. */
function viewContext(extra = {}) {
  return controller.context({ layer: state.layer, channel: state.channel, colormap: maps.colormap, norm: maps.norm, ...extra });
}

function waitForRun() {
  return controller.activations ? Promise.resolve() : new Promise((r) => requestAnimationFrame(() => waitForRun().then(r)));
}

// ---------------------------------------------------------------- models

/** Makes model `name` (a builtin, a catalog model or an opened file) the one shown. */
async function setModel(name, { bytes } = {}) {
  const builtin = controller.engine.builtins.includes(name);
  if (builtin && preloaded.name === name && preloaded.summary) {
    // Loaded by boot.js while the page's modules were still arriving.
    const summary = await preloaded.summary;
    preloaded.summary = null;
    controller.adopt(name, summary);
  } else {
    // Rejects (keeping the previous model) on a bad file.
    await controller.load(name, builtin ? { builtin: name } : { bytes: bytes ?? models.files.get(name) });
  }
  const summary = controller.summary;
  if (bytes) models.files.set(name, bytes);
  document.body.dataset.model = name;
  closeDetail();
  const { channels, height, width } = summary.input;
  const planes = input.planes;
  ui.invert.disabled = planes === 3 && !!controller.source;
  ui.convertHow.textContent = planes === 3 ? "in colour, the centred square scaled to fit" : "greyscale, fitted and centred";
  if (controller.source) {
    pictures.convert();
    pictures.drawSource();
  } else if (input.values.every((v) => v === 0)) input.drawSample();
  // Start the forward pass now: the worker computes while this thread builds the page below.
  runNow();
  renderArchitecture(ui.arch, summary, (i) => scrollToLayer(i), ui.archCaption);
  maps.update({ summary });
  buildPrediction(summary);
  const labels = summary.labels.length ? ` · ${summary.labels.length} classes` : "";
  const expects = planes === 3 ? `colour photos, centre-cropped to ${height} × ${width}` : modeText(controller.mode);
  ui.modelInfo.textContent = `input ${channels} × ${height} × ${width} · ${summary.layers.length} layers${labels} · expects ${expects}`;
  ui.select.value = name;
  if (state.galleryShown) pictures.renderGallery();
  state.layer = state.channel = null;
  writeHash();
}

function modeText(mode) {
  return mode === "mnist" ? "MNIST-style digits (white on black, centred by mass)" : mode === "fashion" ? "Fashion-MNIST-style objects (light on black)" : "any picture, fitted to the frame";
}

// ---------------------------------------------------------------- the detail dialog

async function openDetail(layer, channel) {
  if (!controller.summary) return;
  const gen = controller.gen;
  await waitForRun(); // a model just picked has not run yet
  if (gen !== controller.gen) return;
  closeDetail({ keepView: true });
  const summary = controller.summary;
  // The layer and the one it reads (large models' runs bring only the layers on screen).
  await fetchLayers([layer, inputLayerIndex(summary, layer)]);
  const l = summary.layers[layer];
  ui.detailTitle.textContent = `Layer ${layer + 1} · ${l.name} (${l.type}) · channel ${channel}`;
  ui.detailHost.replaceChildren();
  state.detail = { handle: null, layer, channel };
  state.layer = layer;
  state.channel = channel;
  setView("detail");
  if (!ui.detailDialog.open) ui.detailDialog.showModal();
  document.body.dataset.detail = "opening";
  let view;
  try {
    view = await loadView("detail");
  } catch (e) {
    const message = el("p", "clv-message", `The detail view could not be opened: ${errorText(e)}`);
    message.setAttribute("role", "alert");
    ui.detailHost.replaceChildren(message);
    document.body.dataset.detail = "error";
    return;
  }
  // A run that started before the detail was set may have landed meanwhile without its layers.
  await fetchLayers([layer, inputLayerIndex(summary, layer)]);
  if (state.detail?.layer !== layer || state.detail?.channel !== channel) return;
  try {
    state.detail.handle = view.mount(ui.detailHost, detailContext());
    ui.detailDialog.classList.add("has-view"); // the view has its own title and close button
    // showModal focused the dialog's own close button, hidden from now on: focus the view's.
    if (!ui.detailHost.contains(document.activeElement)) ui.detailHost.querySelector(".clv-close:not([hidden])")?.focus();
    document.body.dataset.detail = "open";
  } catch (e) {
    showError(`The detail view failed: ${errorText(e)}`);
  }
}

function detailContext() {
  return viewContext({
    layer: state.detail.layer,
    channel: state.detail.channel,
    onClose: () => {
      // The view closed itself: don't close it a second time.
      if (state.detail) state.detail.handle = null;
      closeDetail();
    },
  });
}

function closeDetail({ keepView = false } = {}) {
  const d = state.detail;
  state.detail = null;
  try {
    d?.handle?.close();
  } catch (e) {
    console.warn("detail view close failed", e);
  }
  if (ui.detailDialog.open) ui.detailDialog.close();
  ui.detailDialog.classList.remove("has-view");
  delete document.body.dataset.detail;
  if (d && !keepView && state.view === "detail") {
    setView("maps");
    maps.canvasFor(d.layer, d.channel)?.focus({ preventScroll: true });
  }
}

// ---------------------------------------------------------------- the tabs

/** The tabbed views below the architecture strip; all but the maps load on first use. */
const tabs = new Tabs(
  ["maps", "playground", "maximize", "attribution", "stats", "train"].map((name) => ({
    name,
    tab: $(`tab-${name}`),
    panel: $(`${name}-panel`),
    mount:
      name === "maps"
        ? undefined
        : async () => {
            const [view] = await Promise.all([loadView(name), linkStyles(viewStyles(name).map((p) => assetHref(p).href)), name === "train" && !state.train && parseTrainLink()]);
            return view.mount($(`${name}-host`), tabContext(name));
          },
  })),
  (name) => setView(name),
);

let trainSettings = null; // core/train-settings.js, once loaded

/** Loads core/train-settings.js and parses the link's Train keys into state.train (once per link). */
async function parseTrainLink() {
  trainSettings ??= await import("../core/train-settings.js");
  state.train = trainSettings.parseSettings((key) => state.trainLink[key] ?? null).settings;
}

/** A tab's context: the views' one, with the Train view's set-up and hooks. */
function tabContext(name) {
  if (name !== "train") return viewContext();
  return viewContext({
    settings: state.train,
    onSettings: (s) => {
      state.train = s;
      writeHash();
    },
    // "Explore this model": the trained model (a model file's bytes) becomes the one shown.
    explore: async (bytes, name) => {
      if (await models.openBytes(bytes, `${name}.safetensors`)) setView("maps");
    },
    // An example of the evaluation (on the trained model when `bytes` come with it) becomes the
    // input, and the attribution view compares its true and predicted classes.
    onOpenExample: async (example, trained) => {
      if (trained && !(await models.openBytes(trained.bytes, `${trained.name}.safetensors`))) return;
      pictures.drop();
      state.sample = null;
      input.load(example.input);
      const view = await setView("attribution");
      await waitForRun(); // the view has the model of the example (a trained one is new)
      view?.compare(example.label, example.predicted);
    },
  });
}

/** Tells every mounted view and the open detail about a new run or model. */
function updateViews() {
  if (!controller.summary || !controller.lastInput) return;
  const views = [];
  tabs.forEachMounted((view, name) => views.push([view, name]));
  if (state.detail?.handle) views.push([state.detail.handle, "detail", detailContext()]);
  for (const [view, name, ctx] of views) {
    try {
      view.update(ctx ?? tabContext(name));
    } catch (e) {
      console.warn(`the ${name} view failed to update`, e);
    }
  }
}

/**
 * Switches the view: "maps", "detail" (the maps with the detail dialog open), or one of the tabs.
 * Returns the view's handle once it is mounted (null for the maps).
 */
async function setView(view) {
  state.view = view;
  document.body.dataset.view = view;
  writeHash();
  try {
    const handle = await tabs.show(view === "detail" ? "maps" : view);
    if (handle && state.view === view) updateViews();
    return handle;
  } catch (e) {
    showError(`The ${view} view failed to start: ${errorText(e)}`);
    return null;
  }
}

/** "What excites this?": opens the maximization view on a channel or a unit and starts it. */
async function maximizeTarget(target) {
  if (state.detail) closeDetail({ keepView: true });
  const view = await setView("maximize");
  view?.target(target, { start: true });
}

function scrollToLayer(i) {
  if (state.view !== "maps" && state.view !== "detail") setView("maps");
  document.getElementById(`layer-${i}`)?.scrollIntoView({ block: "start", behavior: "smooth" });
}

// ---------------------------------------------------------------- URL hash

let writtenHash = null;

function writeHash() {
  if (!controller.summary) return;
  const name = controller.name;
  const h = formatHash({
    model: name?.startsWith("file:") ? undefined : name, // builtins and catalog models
    sample: state.sample ?? undefined,
    layer: state.layer ?? undefined,
    channel: state.channel ?? undefined,
    view: state.view,
    cmap: maps.colormap,
    norm: maps.norm,
    train: state.train && trainSettings ? trainSettings.settingsEntries(state.train) : Object.entries(state.trainLink),
  });
  writtenHash = h;
  if (h !== location.hash && !(h === "" && location.hash === "")) {
    history.replaceState(null, "", h || location.pathname + location.search);
  }
}

/** Applies a parsed hash state (on start and when the user edits the hash). */
async function applyHash(h) {
  maps.setStyle({ colormap: h.cmap, norm: h.norm });
  ui.colormap.value = h.cmap;
  ui.norm.value = h.norm;
  if (h.model && h.model !== controller.name && controller.engine.builtins.includes(h.model)) await setModel(h.model);
  else if (h.model && h.model !== controller.name && models.inCatalog(h.model)) await models.loadRemote(h.model);
  if (h.sample && h.sample !== state.sample) await pictures.openSample(h.sample);
  if (h.layer !== undefined) {
    state.layer = h.layer;
    state.channel = h.channel ?? 0;
    if (maps.select(state.layer, state.channel)) scrollToLayer(state.layer);
  }
  if (h.view === "train") {
    state.trainLink = h.train ?? {};
    await parseTrainLink();
    tabs.handle("train")?.configure(state.train);
  }
  if (h.view === "detail" && state.layer !== null) {
    await waitForRun();
    await openDetail(state.layer, state.channel ?? 0);
  } else {
    if (state.detail) closeDetail({ keepView: true });
    setView(h.view);
  }
  writeHash();
}

// ---------------------------------------------------------------- controls

function wire() {
  ui.select.addEventListener("change", () => models.pick(ui.select.value));
  ui.modelFile.addEventListener("change", async () => {
    const file = ui.modelFile.files[0];
    ui.modelFile.value = ""; // so choosing the same file again fires "change"
    if (file) await models.openFile(file);
  });
  ui.imageFile.addEventListener("change", async () => {
    const file = ui.imageFile.files[0];
    ui.imageFile.value = "";
    if (file) await pictures.openImageFile(file);
  });
  ui.errorClose.addEventListener("click", hideError);
  ui.brush.addEventListener("input", () => {
    input.radius = Number(ui.brush.value);
  });
  input.radius = Number(ui.brush.value);
  ui.erase.addEventListener("change", () => {
    input.erase = ui.erase.checked;
  });
  ui.clear.addEventListener("click", () => {
    pictures.drop();
    input.clear();
    writeHash();
  });
  ui.undo.addEventListener("click", () => input.undo());
  ui.downloadCancel.addEventListener("click", () => models.cancel());
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t instanceof HTMLInputElement && t.type === "text";
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z" && !typing) {
      if (input.undo()) e.preventDefault();
    }
  });
  ui.invert.addEventListener("change", () => {
    ui.invertNote.textContent = "";
    if (controller.source) pictures.convert();
    else input.load(input.values.map((v) => 1 - v));
  });
  ui.webcam.addEventListener("click", () => (pictures.webcam.active ? pictures.stopWebcam() : pictures.startWebcam()));
  ui.webcamStop.addEventListener("click", () => pictures.stopWebcam());
  ui.webcamLive.addEventListener("change", () => {
    if (ui.webcamLive.checked) requestAnimationFrame(() => pictures.live());
  });
  ui.webcamCapture.addEventListener("click", () => pictures.capture());
  for (const [key, label] of Object.entries(COLORMAPS)) option(ui.colormap, key, label);
  ui.colormap.addEventListener("change", () => {
    maps.setStyle({ colormap: ui.colormap.value });
    writeHash();
  });
  ui.norm.addEventListener("change", () => {
    maps.setStyle({ norm: ui.norm.value });
    writeHash();
  });
  ui.detailMaximize.addEventListener("click", () => {
    const d = state.detail;
    if (!d) return;
    // A vector layer (linear, softmax...) has units, not channels.
    const vector = controller.summary.layers[d.layer].outputShape.length === 1;
    maximizeTarget(vector ? { layer: d.layer, unit: d.channel } : { layer: d.layer, channel: d.channel });
  });
  ui.detailClose.addEventListener("click", () => closeDetail());
  ui.detailDialog.addEventListener("close", () => {
    if (state.detail) closeDetail();
  });
  window.addEventListener("hashchange", () => {
    if (location.hash === writtenHash) return;
    applyHash(parseHash(location.hash)).catch((e) => showError(errorText(e)));
  });
  // The skip link focuses the open view's tab: followed as a link it would replace the URL
  // hash, which holds the page's state (the view would fall back to the maps).
  document.querySelector(".skip-link").addEventListener("click", (e) => {
    e.preventDefault();
    document.querySelector("#views [role=tab][aria-selected=true]")?.focus();
  });
  pictures.wireDropAndPaste();
  $("embed-code").addEventListener("click", async () => {
    const { openEmbedCode } = await import("./embed-code.js");
    openEmbedCode({ model: controller.name, view: state.view, layer: state.layer, channel: state.channel, sample: state.sample });
  });
}

installBench({ input, runNow, runs: () => controller.runs });

async function main() {
  try {
    const engine = await enginePromise;
    controller.engine = engine;
    performance.mark("convlens:engine-ready");
    for (const name of engine.builtins) option(ui.select, name, name);
    await models.loadCatalog();
    wire();
    const h = parseHash(location.hash);
    const first = h.model && engine.builtins.includes(h.model) ? h.model : engine.builtins.includes("digits") ? "digits" : engine.builtins[0];
    state.samples = controller.samples = await samplesPromise;
    await setModel(first);
    performance.mark("convlens:model-shown");
    const sample = h.sample ?? defaultSample(controller.mode, state.samples);
    if (sample) await pictures.openSample(sample);
    const remote = models.inCatalog(h.model);
    // A catalog model opens its own first sample (a photo) unless the link names one.
    await applyHash({ ...h, model: remote ? h.model : first, sample: remote ? h.sample : sample });
    if (h.model && h.model !== first && !remote) showError(`The link asks for the model “${h.model}”, which is not a builtin model here; showing ${first}.`);
    await waitForRun();
    // The gallery's 32 thumbnails load after the first maps are on screen.
    state.galleryShown = true;
    pictures.renderGallery();
    document.body.dataset.ready = "1";
  } catch (e) {
    showError(`convlens could not start: ${errorText(e)}`);
    document.body.dataset.ready = "error";
  }
}

main();
