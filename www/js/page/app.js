// The explorer page: wiring. All computing runs in the engine worker (engine.js / worker.js); this
// module only moves inputs in and draws results.
//
// Test hooks on <body>: data-ready="1" once the first run is drawn ("error" if start-up failed),
// data-runs counts drawn runs, data-model names the model shown, data-sample the sample shown,
// data-view the view, data-first-maps-ms the time from navigation to the first maps drawn.
// window.convlensPerf = {runs: [{total, forward, draw}], firstMapsMs}; window.convlensBench(n) times n
// forward passes plus redraws.

import { assetHref } from "../core/base.js";
import { Tabs } from "../ui/tabs.js";
import { earlySample, enginePromise, preloaded, samplesPromise } from "./boot.js";
import { renderArchitecture } from "../views/architecture.js";
import { COLORMAPS, argmax } from "../core/colormap.js";
import { formatHash, parseHash } from "../core/hashstate.js";
import { assetUrl } from "./assets.js";
import { decodeImage, loadImageUrl, Webcam } from "../ui/images.js";
import { defaultSample, sampleId } from "../core/samples.js";
import { DrawInput } from "../ui/input.js";
import { BarsView, MapsView, TopView } from "../views/maps.js";
import { inputLayerIndex } from "../core/graph.js";
import { RunLayers } from "../core/run-layers.js";
import { download, loadCatalog } from "./downloads.js";
import { autoInvert, looksLikeSafetensors, modeFor, prepare, prepareColour, sniffImage } from "../core/preprocess.js";


const $ = (id) => document.getElementById(id);

const ui = {
  select: $("model-select"),
  modelFile: $("model-file"),
  modelInfo: $("model-info"),
  error: $("error"),
  errorMessage: $("error-message"),
  errorClose: $("error-close"),
  arch: $("arch-strip"),
  archCaption: $("arch-caption"),
  maps: $("maps"),
  inputCanvas: $("input-canvas"),
  inputCaption: $("input-caption"),
  sourceFigure: $("source-figure"),
  sourceCanvas: $("source-canvas"),
  sourceCaption: $("source-caption"),
  brush: $("brush"),
  erase: $("erase"),
  undo: $("undo"),
  clear: $("clear"),
  imageFile: $("image-file"),
  webcam: $("webcam"),
  webcamBox: $("webcam-box"),
  webcamVideo: $("webcam-video"),
  webcamCapture: $("webcam-capture"),
  webcamStop: $("webcam-stop"),
  webcamLive: $("webcam-live"),
  invert: $("invert"),
  invertNote: $("invert-note"),
  gallery: $("gallery"),
  predictionPanel: $("prediction-panel"),
  predictionTop: $("prediction-top"),
  prediction: $("prediction"),
  colormap: $("colormap"),
  norm: $("norm"),
  readout: $("hover-readout"),
  mapsPanel: $("maps-panel"),
  playgroundHost: $("playground-host"),
  maximizeHost: $("maximize-host"),
  attributionHost: $("attribution-host"),
  statsHost: $("stats-host"),
  detailMaximize: $("detail-maximize"),
  detailDialog: $("detail-dialog"),
  detailTitle: $("detail-title"),
  detailHost: $("detail-host"),
  detailClose: $("detail-close"),
  convertHow: $("convert-how"),
  download: $("download"),
  downloadProgress: $("download-progress"),
  downloadText: $("download-text"),
  downloadCancel: $("download-cancel"),
  status: $("status"),
};

/** The last run's activations, completed on demand for large models. */
const runLayers = new RunLayers();

const state = {
  engine: null,
  samples: [],
  name: null, // model shown: a builtin name or "file:<name>"
  summary: null,
  files: new Map(), // "file:<name>" (opened files) or a catalog id (downloaded models) -> bytes
  catalog: [], // models/index.json: models downloaded when picked
  downloading: null, // {id, controller} while a model downloads
  gen: 0, // bumped on every model change, so runs of an older model are dropped
  source: null, // {grey, width, height, label} the picture the input was converted from
  sample: null, // sample id (file name without extension) when the input is an unmodified sample
  activations: null,
  output: null,
  lastInput: null,
  runs: 0,
  layer: null,
  channel: null,
  view: "maps",
  detail: null, // {handle, layer, channel} while the detail view is open
};

const perf = { runs: [], firstMapsMs: null };
window.convlensPerf = perf;

function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

function showError(message) {
  ui.errorMessage.textContent = message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.errorMessage.textContent = "";
}

const sentence = (s) => s.replace(/\.?$/, ".");

// ---------------------------------------------------------------- views

const maps = new MapsView(ui.maps, {
  onSelect: (layer, channel) => {
    state.layer = layer;
    state.channel = channel;
    writeHash();
  },
  onOpen: (layer, channel) => openDetail(layer, channel),
  onNeed: (layers) => fetchLayers(layers),
});

/**
 * Large models return only the layers on screen from a run (maps.wanted()); this fetches more
 * layers of the last run into state.activations (and the maps), for scrolling and the detail view.
 */
async function fetchLayers(layers) {
  try {
    const got = await runLayers.fetch(state.engine, layers);
    if (Object.keys(got).length) maps.fill(got);
  } catch (e) {
    console.warn("fetching activations failed", e);
  }
}

/** The layers a run must return: those the maps show, and the open detail view's layer and input. */
function layersToRun(summary) {
  const want = maps.wanted(summary);
  if (!want || !state.detail) return want;
  return [...want, state.detail.layer, inputLayerIndex(summary, state.detail.layer)].filter((i) => i >= 0);
}
maps.readout = ui.readout;

let prediction = null;

const input = new DrawInput(ui.inputCanvas, { onChange: () => onInputChanged() });
input.onStroke = () => {
  if (state.sample || state.source) {
    state.sample = null;
    writeHash();
  }
};

function onInputChanged() {
  ui.undo.disabled = !input.canUndo;
  runNow();
}

// ---------------------------------------------------------------- running

/** Runs the model on the current input and redraws everything. */
async function runNow() {
  try {
    await runAndShow();
  } finally {
    runLayers.release(); // fetches waiting for a run that was dropped try again
  }
}

async function runAndShow() {
  const { engine, summary } = state;
  if (!engine || !summary) return;
  const gen = state.gen;
  const t0 = performance.now();
  const tensor = input.tensor(summary.input.channels);
  let r;
  try {
    r = await engine.runLatest(tensor, { layers: layersToRun(summary) });
  } catch (e) {
    if (gen === state.gen) showError(`Running the model failed: ${errorText(e)}`);
    return;
  }
  if (!r || gen !== state.gen) return; // superseded by a newer input or model
  const t1 = performance.now();
  runLayers.landed(r);
  state.activations = r.activations;
  state.output = r.output;
  state.lastInput = tensor;
  maps.update(r.activations);
  prediction?.update(r.output);
  updatePredictionTop(r.output);
  const total = performance.now() - t0;
  perf.runs.push({ total, forward: r.ms, draw: performance.now() - t1 });
  if (perf.runs.length > 2000) perf.runs.splice(0, 1000);
  state.runs += 1;
  document.body.dataset.runs = String(state.runs);
  if (perf.firstMapsMs === null) {
    perf.firstMapsMs = -1;
    // The maps reach the screen in the next frame's paint, which follows this callback.
    requestAnimationFrame(() => {
      performance.mark("convlens:first-maps");
      perf.firstMapsMs = performance.now();
      document.body.dataset.firstMapsMs = perf.firstMapsMs.toFixed(1);
    });
  }
  showStatus(r.ms, total);
  if (state.detail?.handle) {
    try {
      state.detail.handle.update(detailContext(state.detail.layer, state.detail.channel));
    } catch (e) {
      console.warn("detail view update failed", e);
    }
  }
  refreshViews();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};
const ms = (x) => (x < 0.1 ? "< 0.1" : x.toFixed(1));

function showStatus(forward, total) {
  const recent = perf.runs.slice(-30).map((r) => r.total);
  const typical = recent.length >= 10 ? ` (median of the last ${recent.length}: ${ms(median(recent))} ms)` : "";
  ui.status.textContent = `engine: wasm ${state.engine.simd} in a worker · forward pass ${ms(forward)} ms · forward + redraw ${ms(total)} ms${typical}`;
}

function updatePredictionTop(output) {
  const labels = state.summary.labels;
  if (!prediction || !output?.length) return;
  const best = argmax(output);
  const name = labels.length === output.length ? labels[best] : `class ${best}`;
  const sum = output.reduce((a, b) => a + b, 0);
  const probs = output.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 1e-3;
  ui.predictionTop.replaceChildren();
  const strong = document.createElement("strong");
  strong.textContent = name;
  ui.predictionTop.append("The network says ", strong, probs ? ` (${(output[best] * 100).toFixed(1)}%)` : "");
}

// ---------------------------------------------------------------- models

function modelLabel(name) {
  return name.startsWith("file:") ? name.slice(5) : name;
}

/** Loads model `name` (a builtin or an opened file) into the engine and shows it. */
async function setModel(name, { bytes } = {}) {
  const builtin = state.engine.builtins.includes(name);
  const source = builtin ? { builtin: name } : { bytes: bytes ?? state.files.get(name) };
  let summary;
  if (builtin && preloaded.name === name && preloaded.summary) {
    // Loaded by boot.js while the page's modules were still arriving.
    summary = await preloaded.summary;
    preloaded.summary = null;
  } else {
    summary = await state.engine.load(source); // rejects (keeping the previous model) on a bad file
  }
  state.gen += 1;
  // Nothing of the previous model's last run may reach a view of this one.
  state.activations = state.output = state.lastInput = null;
  runLayers.reset();
  state.name = name;
  state.summary = summary;
  if (bytes) state.files.set(name, bytes);
  document.body.dataset.model = name;
  closeDetail();
  const { channels, height, width } = summary.input;
  // Colour models see RGB pictures; every other model a grey grid (copied to each channel).
  const planes = channels === 3 ? 3 : 1;
  if (input.height !== height || input.width !== width || input.planes !== planes) input.resize(height, width, planes);
  ui.invert.disabled = planes === 3 && !!state.source;
  ui.convertHow.textContent = planes === 3 ? "in colour, the centred square scaled to fit" : "greyscale, fitted and centred";
  if (state.source) {
    convertSource();
    drawSourcePreview(state.source.label);
  }
  else if (input.values.every((v) => v === 0)) input.drawSample();
  // Start the forward pass now: the worker computes while this thread builds the page below.
  runNow();
  renderArchitecture(ui.arch, summary, (i) => scrollToLayer(i), ui.archCaption);
  maps.build(summary);
  buildPrediction(summary);
  const labels = summary.labels.length ? ` · ${summary.labels.length} classes` : "";
  const expects = planes === 3 ? `colour photos, centre-cropped to ${height} × ${width}` : modeText(modeFor(name, summary));
  ui.modelInfo.textContent = `input ${channels} × ${height} × ${width} · ${summary.layers.length} layers${labels} · expects ${expects}`;
  ui.select.value = name;
  if (state.galleryShown) renderGallery();
  state.layer = state.channel = null;
  writeHash();
}

function modeText(mode) {
  return mode === "mnist" ? "MNIST-style digits (white on black, centred by mass)" : mode === "fashion" ? "Fashion-MNIST-style objects (light on black)" : "any picture, fitted to the frame";
}

function buildPrediction(summary) {
  const last = summary.layers[summary.layers.length - 1];
  ui.prediction.replaceChildren();
  ui.predictionTop.textContent = "";
  prediction = null;
  const n = last?.outputShape.length === 1 ? last.outputShape[0] : 0;
  if (n > 0 && (n <= 64 || summary.labels.length === n)) {
    // Up to 64 classes: a bar each; more (ImageNet): the five most likely.
    prediction = n <= 64 ? new BarsView(ui.prediction, n, summary.labels) : new TopView(ui.prediction, summary.labels, 5);
    ui.predictionPanel.hidden = false;
    // Each class bar asks "what excites this class?" (its logit, maximized) and points the
    // attribution view at it.
    const lastLayer = summary.layers.length - 1;
    prediction.rows.forEach(({ row }, k) => {
      row.tabIndex = 0;
      row.setAttribute("role", "button");
      row.title = "What excites this class? (activation maximization)";
      const go = () => {
        const i = row.dataset.index === undefined ? k : Number(row.dataset.index);
        tabs.handle("attribution")?.setTarget(i);
        maximizeTarget({ layer: lastLayer, unit: i });
      };
      row.addEventListener("click", go);
      row.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          go();
        }
      });
    });
  } else {
    ui.predictionPanel.hidden = true;
  }
}

const MB = (n) => (n / 1e6).toFixed(1);

/** Downloads catalog model `id` (once per visit) with a progress bar, then shows it. */
async function loadRemote(id) {
  const entry = state.catalog.find((m) => m.id === id);
  if (!entry) return false;
  if (state.files.has(id)) {
    await setModel(id);
    return true;
  }
  if (state.downloading?.id === id) return state.downloading.promise; // already on its way
  state.downloading?.controller.abort();
  const controller = new AbortController();
  state.downloading = { id, controller };
  state.downloading.promise = fetchRemote(entry, controller);
  return state.downloading.promise;
}

async function fetchRemote(entry, controller) {
  const { id } = entry;
  ui.download.hidden = false;
  ui.select.value = state.name ?? "";
  const show = (loaded, total) => {
    ui.downloadProgress.value = total ? loaded / total : 0;
    if (!total) ui.downloadProgress.removeAttribute("value");
    ui.downloadText.textContent = `Downloading ${entry.title}: ${MB(loaded)}${total ? ` of ${MB(total)}` : ""} MB`;
  };
  try {
    const bytes = await download(assetHref(`models/${entry.file}`).href, { onProgress: show, signal: controller.signal, expected: entry.bytes });
    ui.downloadText.textContent = `Loading ${entry.title}…`;
    await setModel(id, { bytes });
    hideError();
    // A colour ImageNet model wants a photo: open one unless a photo is already the input.
    const photo = state.samples.find((s) => sampleId(s) === state.sample)?.kind === "photo";
    if (input.planes === 3 && !photo && !(state.source && !state.sample)) await openSample(defaultSample("fit", state.samples) ?? "cat");
    return true;
  } catch (e) {
    if (e?.name !== "AbortError") {
      const kept = state.name ? ` ${modelLabel(state.name)} stays loaded.` : "";
      showError(`Could not load ${entry.title}: ${sentence(errorText(e))}${kept}`);
    }
    ui.select.value = state.name ?? "";
    return false;
  } finally {
    if (state.downloading?.controller === controller) {
      state.downloading = null;
      ui.download.hidden = true;
    }
  }
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
  opt.textContent = modelLabel(name);
  group.append(opt);
}

async function openModelFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const name = `file:${file.name}`;
  try {
    await setModel(name, { bytes });
  } catch (e) {
    const kept = state.name ? ` The previous model (${modelLabel(state.name)}) is still loaded.` : "";
    showError(`Could not load “${file.name}” as a model: ${sentence(errorText(e))}${kept}`);
    return;
  }
  hideError();
  fileOption(name);
  ui.select.value = name;
}

// ---------------------------------------------------------------- pictures

/** Makes `pic` ({grey, width, height}) the input source and converts it. */
function usePicture(pic, label, sample = null) {
  state.source = { ...pic, label };
  state.sample = sample;
  // A colour model takes photos as they are; grey models want light strokes on a dark background.
  ui.invert.checked = input.planes === 1 && autoInvert(pic.grey, pic.width, pic.height);
  ui.invert.disabled = input.planes === 3;
  ui.invertNote.textContent = ui.invert.checked ? "(auto: light background)" : "";
  convertSource();
  drawSourcePreview(label);
  writeHash();
}

function convertSource({ undoable = true } = {}) {
  const { summary, source } = state;
  if (!summary || !source) return;
  const { height, width } = summary.input;
  const values =
    input.planes === 3 && source.rgb
      ? prepareColour(source.rgb, source.width, source.height, { outHeight: height, outWidth: width })
      : prepare(source.grey, source.width, source.height, {
          mode: modeFor(state.name, summary),
          invert: ui.invert.checked,
          outHeight: height,
          outWidth: width,
        });
  input.load(values, { undoable });
  ui.inputCaption.textContent = `${source.label} → ${height} × ${width}`;
}

function drawSourcePreview(label) {
  const { grey, rgb, width, height } = state.source;
  const c = ui.sourceCanvas;
  c.width = width;
  c.height = height;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(width, height);
  // In colour for a colour model, else in the greyscale the model is given.
  const n = width * height;
  const colour = input.planes === 3 && rgb;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) img.data[4 * i + k] = Math.round((colour ? rgb[k * n + i] : grey[i]) * 255);
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  c.style.aspectRatio = `${width} / ${height}`;
  ui.sourceCaption.textContent = `original: ${label}`;
  c.setAttribute("aria-label", `The original picture (${label}), ${colour ? "in colour" : "in greyscale"}`);
  ui.sourceFigure.hidden = false;
}

/** Clears the picture source (the input is a drawing again). */
function dropSource() {
  state.source = null;
  state.sample = null;
  ui.sourceFigure.hidden = true;
  ui.inputCaption.textContent = "what the model sees";
  ui.invertNote.textContent = "";
}

async function openImageFile(file, how = "opened") {
  let pic;
  try {
    pic = await decodeImage(file);
  } catch (e) {
    showError(`Could not use “${file.name || "the pasted image"}” as a picture: ${sentence(errorText(e))} The input is unchanged.`);
    return;
  }
  hideError();
  usePicture(pic, file.name || `${how} image`);
}

async function openSample(id) {
  const s = state.samples.find((x) => sampleId(x) === id);
  if (!s) {
    showError(`There is no sample “${id}”.`);
    return false;
  }
  try {
    const early = await earlySample(id);
    const pic = early ? await decodeImage(early) : await loadImageUrl(assetHref(`samples/${s.file}`));
    usePicture(pic, s.title, id);
    document.body.dataset.sample = id;
    hideError();
    return true;
  } catch (e) {
    showError(`Could not load the sample “${s.title}”: ${errorText(e)}`);
    return false;
  }
}

/** Gallery: the samples matching the model first (digits for digit models, clothes for fashion). */
function renderGallery() {
  const mode = state.summary ? modeFor(state.name, state.summary) : "mnist";
  const first = mode === "mnist" ? "digit" : mode === "fashion" ? "fashion" : "photo";
  const kinds = [first, ...["digit", "fashion", "photo"].filter((k) => k !== first)];
  ui.gallery.replaceChildren();
  for (const kind of kinds) {
    for (const s of state.samples.filter((x) => x.kind === kind)) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `sample sample-${kind}`;
      b.dataset.sample = sampleId(s);
      b.title = `${s.title} (${s.licence})`;
      b.setAttribute("aria-label", `Sample: ${s.title}`);
      const img = document.createElement("img");
      img.src = assetUrl(`samples/${s.thumb ?? s.file}`); // photos have 80 px thumbnails
      img.alt = "";
      img.width = 40;
      img.height = 40;
      img.decoding = "async";
      b.append(img);
      b.addEventListener("click", () => openSample(sampleId(s)));
      ui.gallery.append(b);
    }
  }
}

// ---------------------------------------------------------------- files from anywhere

/** A file from the picker, a drop or a paste: a model file or a picture. */
async function openAnyFile(file, how) {
  const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
  if (/\.(safetensors|onnx)$/i.test(file.name) || looksLikeSafetensors(head)) return openModelFile(file);
  if (file.type.startsWith("image/") || sniffImage(head)) return openImageFile(file, how);
  // Unknown: try it as a picture (browsers decode more formats than we sniff).
  try {
    const pic = await decodeImage(file);
    hideError();
    usePicture(pic, file.name);
  } catch {
    showError(`“${file.name}” is neither a picture this browser can decode nor a convlens model file (.safetensors or .onnx). Nothing was changed.`);
  }
}

function wireDropAndPaste() {
  let depth = 0;
  document.addEventListener("dragenter", (e) => {
    if (![...(e.dataTransfer?.types ?? [])].includes("Files")) return;
    depth += 1;
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) document.body.classList.remove("dragging");
  });
  document.addEventListener("dragover", (e) => {
    if ([...(e.dataTransfer?.types ?? [])].includes("Files")) e.preventDefault();
  });
  document.addEventListener("drop", (e) => {
    depth = 0;
    document.body.classList.remove("dragging");
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    openAnyFile(file, "dropped");
  });
  document.addEventListener("paste", (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement && t.type !== "file") return;
    const file = [...(e.clipboardData?.files ?? [])][0];
    if (!file) return;
    e.preventDefault();
    openAnyFile(file, "pasted");
  });
}

// ---------------------------------------------------------------- webcam

const webcam = new Webcam(ui.webcamVideo);

async function startWebcam() {
  try {
    await webcam.start();
    hideError();
    ui.webcamBox.hidden = false;
    ui.webcam.textContent = "Webcam on";
    ui.webcamCapture.focus();
  } catch (e) {
    showError(`Webcam: ${sentence(errorText(e))} You can still draw, open a picture or pick a sample.`);
  }
}

/** Live mode: every animation frame's camera picture becomes the input (not undoable). */
function liveLoop() {
  if (!webcam.active || !ui.webcamLive.checked) return;
  try {
    const pic = webcam.grab();
    const first = !state.source || state.source.label !== "webcam (live)";
    state.source = { ...pic, label: "webcam (live)" };
    state.sample = null;
    if (first) {
      ui.invert.checked = autoInvert(pic.grey, pic.width, pic.height);
      writeHash();
    }
    convertSource({ undoable: first }); // one undo step back to before the live picture
    drawSourcePreview("webcam (live)");
  } catch {
    // no frame yet
  }
  requestAnimationFrame(liveLoop);
}

function stopWebcam() {
  ui.webcamLive.checked = false;
  webcam.stop();
  ui.webcamBox.hidden = true;
  ui.webcam.textContent = "Webcam";
}

// ---------------------------------------------------------------- detail view and playground

function detailContext(layer, channel) {
  const { channels, height, width } = state.summary.input;
  return {
    engine: state.engine,
    summary: state.summary,
    layer,
    channel,
    input: { data: state.lastInput, channels, height, width },
    activations: state.activations,
    colormap: maps.colormap,
    onClose: () => {
      // The view closed itself: don't close it a second time.
      if (state.detail) state.detail.handle = null;
      closeDetail();
    },
  };
}

function comingSoon(host, what) {
  const p = document.createElement("p");
  p.className = "muted coming-soon";
  p.textContent = `The ${what} is coming soon.`;
  host.replaceChildren(p);
}

async function openDetail(layer, channel) {
  if (!state.summary) return;
  const gen = state.gen;
  await waitForRun(); // a model just picked has not run yet
  if (gen !== state.gen) return;
  closeDetail({ keepView: true });
  // The layer and the one it reads (large models' runs bring only the layers on screen).
  await fetchLayers([layer, inputLayerIndex(state.summary, layer)]);
  const l = state.summary.layers[layer];
  ui.detailTitle.textContent = `Layer ${layer + 1} · ${l.name} (${l.type}) · channel ${channel}`;
  ui.detailHost.replaceChildren();
  state.detail = { handle: null, layer, channel };
  state.layer = layer;
  state.channel = channel;
  setView("detail");
  if (!ui.detailDialog.open) ui.detailDialog.showModal();
  document.body.dataset.detail = "opening";
  let mod;
  try {
    mod = await import("../views/detail.js");
  } catch {
    comingSoon(ui.detailHost, "detail view");
    document.body.dataset.detail = "missing";
    return;
  }
  // A run that started before the detail was set may have landed meanwhile without its layers.
  await fetchLayers([layer, inputLayerIndex(state.summary, layer)]);
  if (state.detail?.layer !== layer || state.detail?.channel !== channel) return;
  try {
    state.detail.handle = await mod.openDetail(ui.detailHost, detailContext(layer, channel));
    ui.detailDialog.classList.add("has-view"); // the view has its own title and close button
    document.body.dataset.detail = "open";
  } catch (e) {
    showError(`The detail view failed: ${errorText(e)}`);
  }
}

function closeDetail({ keepView = false } = {}) {
  const d = state.detail;
  state.detail = null;
  if (d?.handle) {
    try {
      d.handle.close();
    } catch (e) {
      console.warn("detail view close failed", e);
    }
  }
  if (ui.detailDialog.open) ui.detailDialog.close();
  ui.detailDialog.classList.remove("has-view");
  delete document.body.dataset.detail;
  if (d && !keepView && state.view === "detail") {
    setView("maps");
    maps.canvasFor(d.layer, d.channel)?.focus({ preventScroll: true });
  }
}

/** What the explaining views (maximize, attribution, statistics) need of the page. */
function explainContext() {
  const { channels, height, width } = state.summary.input;
  return {
    engine: state.engine,
    summary: state.summary,
    input: { data: state.lastInput, channels, height, width },
    output: state.output,
    samples: state.samples,
    evalSample: async () => {
      const { loadEvalSample } = await import("../views/stats.js");
      return loadEvalSample({ name: state.name, summary: state.summary, samples: state.samples });
    },
  };
}

/** The tabbed views below the architecture strip; all but the maps load on first use. */
const tabs = new Tabs(
  [
    { name: "maps", tab: $("tab-maps"), panel: ui.mapsPanel },
    {
      name: "playground",
      tab: $("tab-playground"),
      panel: $("playground-panel"),
      mount: async () =>
        (await import("../views/playground.js")).mountPlayground(ui.playgroundHost, {
          engine: state.engine,
          getImage: () => ({ data: input.tensor(1), height: input.height, width: input.width }),
          samples: state.samples.filter((s) => s.kind === "photo"),
        }),
    },
    {
      name: "maximize",
      tab: $("tab-maximize"),
      panel: $("maximize-panel"),
      mount: async () => (await import("../views/maximize.js")).mountMaximize(ui.maximizeHost, explainContext()),
    },
    {
      name: "attribution",
      tab: $("tab-attribution"),
      panel: $("attribution-panel"),
      mount: async () => (await import("../views/attribution.js")).mountAttribution(ui.attributionHost, explainContext()),
    },
    {
      name: "stats",
      tab: $("tab-stats"),
      panel: $("stats-panel"),
      mount: async () => (await import("../views/stats.js")).mountStats(ui.statsHost, explainContext()),
    },
  ],
  (name) => setView(name),
);

/** Tells every mounted view about a new run or model. */
function refreshViews() {
  if (!state.summary || !state.lastInput) return;
  tabs.forEachMounted((view, name) => {
    try {
      if (name === "playground") view.refresh();
      else view.refresh(explainContext());
    } catch (e) {
      console.warn(`the ${name} view failed to refresh`, e);
    }
  });
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
    if (handle && state.view === view) refreshViews();
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

// ---------------------------------------------------------------- URL hash

let writtenHash = null;

function writeHash() {
  if (!state.summary) return;
  const h = formatHash({
    model: state.name?.startsWith("file:") ? undefined : state.name, // builtins and catalog models
    sample: state.sample ?? undefined,
    layer: state.layer ?? undefined,
    channel: state.channel ?? undefined,
    view: state.view,
    cmap: maps.colormap,
    norm: maps.norm,
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
  if (h.model && h.model !== state.name && state.engine.builtins.includes(h.model)) {
    await setModel(h.model);
  } else if (h.model && h.model !== state.name && state.catalog.some((m) => m.id === h.model)) {
    await loadRemote(h.model);
  }
  if (h.sample && h.sample !== state.sample) await openSample(h.sample);
  if (h.layer !== undefined) {
    state.layer = h.layer;
    state.channel = h.channel ?? 0;
    if (maps.select(state.layer, state.channel)) scrollToLayer(state.layer);
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

function waitForRun() {
  return state.activations ? Promise.resolve() : new Promise((r) => requestAnimationFrame(() => waitForRun().then(r)));
}

function scrollToLayer(i) {
  if (state.view !== "maps" && state.view !== "detail") setView("maps");
  document.getElementById(`layer-${i}`)?.scrollIntoView({ block: "start", behavior: "smooth" });
}

// ---------------------------------------------------------------- controls

function wire() {
  ui.select.addEventListener("change", async () => {
    const name = ui.select.value;
    try {
      hideError();
      if (state.catalog.some((m) => m.id === name)) await loadRemote(name);
      else await setModel(name);
    } catch (e) {
      showError(`Could not load the model “${modelLabel(name)}”: ${errorText(e)}`);
      ui.select.value = state.name;
    }
  });
  ui.modelFile.addEventListener("change", async () => {
    const file = ui.modelFile.files[0];
    ui.modelFile.value = ""; // so choosing the same file again fires "change"
    if (file) await openModelFile(file);
  });
  ui.imageFile.addEventListener("change", async () => {
    const file = ui.imageFile.files[0];
    ui.imageFile.value = "";
    if (file) await openImageFile(file);
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
    dropSource();
    input.clear();
    writeHash();
  });
  ui.undo.addEventListener("click", () => input.undo());
  ui.downloadCancel.addEventListener("click", () => state.downloading?.controller.abort());
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t instanceof HTMLInputElement && t.type === "text";
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z" && !typing) {
      if (input.undo()) e.preventDefault();
    }
  });
  ui.invert.addEventListener("change", () => {
    ui.invertNote.textContent = "";
    if (state.source) {
      convertSource();
    } else {
      input.load(input.values.map((v) => 1 - v));
    }
  });
  ui.webcam.addEventListener("click", () => (webcam.active ? stopWebcam() : startWebcam()));
  ui.webcamStop.addEventListener("click", stopWebcam);
  ui.webcamLive.addEventListener("change", () => {
    if (ui.webcamLive.checked) requestAnimationFrame(liveLoop);
  });
  ui.webcamCapture.addEventListener("click", () => {
    try {
      usePicture(webcam.grab(), "webcam frame");
    } catch (e) {
      showError(`Webcam: ${sentence(errorText(e))}`);
    }
  });
  for (const [key, label] of Object.entries(COLORMAPS)) {
    const o = document.createElement("option");
    o.value = key;
    o.textContent = label;
    ui.colormap.append(o);
  }
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
    const vector = state.summary.layers[d.layer].outputShape.length === 1;
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
  wireDropAndPaste();
  $("embed-code").addEventListener("click", async () => {
    const { openEmbedCode } = await import("./embed-code.js");
    openEmbedCode({ model: state.name, view: state.view, layer: state.layer, channel: state.channel, sample: state.sample });
  });
}

/** Times `n` forward passes plus redraws of everything (for the benchmark), in ms per run. */
window.convlensBench = async (n = 100) => {
  const times = [];
  const draws = [];
  const forwards = [];
  const base = input.values.slice();
  for (let i = 0; i < n; i++) {
    const v = base.slice();
    v[(i * 37) % v.length] = 1; // a different input each time
    input.values.set(v);
    const before = state.runs;
    const t0 = performance.now();
    await runNow();
    if (state.runs > before) {
      times.push(performance.now() - t0);
      draws.push(perf.runs[perf.runs.length - 1].draw);
      forwards.push(perf.runs[perf.runs.length - 1].forward);
    }
  }
  input.values.set(base);
  input.changed();
  times.sort((a, b) => a - b);
  return {
    n: times.length,
    median: times[times.length >> 1],
    p90: times[Math.floor(times.length * 0.9)],
    min: times[0],
    max: times[times.length - 1],
    forwardMedian: median(forwards),
    drawMedian: median(draws),
  };
};

async function main() {
  try {
    state.engine = await enginePromise;
    performance.mark("convlens:engine-ready");
    for (const name of state.engine.builtins) {
      const opt = document.createElement("option");
      opt.value = name;
      opt.textContent = name;
      ui.select.append(opt);
    }
    // The single-file build has no models/ beside it (and file:// forbids fetching it).
    if (!globalThis.convlensInline?.singleFile) state.catalog = await loadCatalog(assetHref("models/index.json").href);
    if (state.catalog.length) {
      const group = document.createElement("optgroup");
      group.label = "Download (fetched when picked)";
      for (const m of state.catalog) {
        const opt = document.createElement("option");
        opt.value = m.id;
        opt.textContent = `${m.title} (${MB(m.bytes ?? 0)} MB)`;
        opt.title = m.about ?? "";
        group.append(opt);
      }
      ui.select.append(group);
    }
    wire();
    const h = parseHash(location.hash);
    const first = h.model && state.engine.builtins.includes(h.model) ? h.model : state.engine.builtins.includes("digits") ? "digits" : state.engine.builtins[0];
    state.samples = await samplesPromise;
    await setModel(first);
    performance.mark("convlens:model-shown");
    const sample = h.sample ?? defaultSample(modeFor(first, state.summary), state.samples);
    if (sample) await openSample(sample);
    const remote = state.catalog.some((m) => m.id === h.model);
    // A catalog model opens its own first sample (a photo) unless the link names one.
    await applyHash({ ...h, model: remote ? h.model : first, sample: remote ? h.sample : sample });
    if (h.model && h.model !== first && !remote) showError(`The link asks for the model “${h.model}”, which is not a builtin model here; showing ${first}.`);
    await waitForRun();
    // The gallery's 32 thumbnails load after the first maps are on screen.
    state.galleryShown = true;
    renderGallery();
    document.body.dataset.ready = "1";
  } catch (e) {
    showError(`convlens could not start: ${errorText(e)}`);
    document.body.dataset.ready = "error";
  }
}

main();
