// The Train view: build a small CNN, train it in the engine worker on MNIST, Fashion-MNIST or a
// labelled folder of your pictures, watch its curves, filters and feature maps change, scrub the
// timeline of snapshots, evaluate it, and explore or download it. Mounted as every view
// (views/registry.js):
//
//   const view = mount(host, ctx);
//   ctx: {engine, summary, modelName, samples, settings (core/train-settings.js), onSettings(s),
//         onProgress(detail), onDone(detail), explore(bytes, name), onOpenExample(example)}
//   view.update(ctx); view.configure(settings); view.start(); view.pause(); view.close()
//
// The training itself is core/train-session.js; the panels are train-editor.js, train-data.js,
// train-live.js and evaluation.js.

import { convLayers, readLayer } from "../core/explain-math.js";
import { PRESETS, toArchitecture } from "../core/train-arch.js";
import { TrainSession } from "../core/train-session.js";
import { DEFAULT_RATE, OPTIMIZERS, datasetOf, layersOf, trainOptions } from "../core/train-settings.js";
import { button, el, errorText, field, numberInput, select } from "../ui/dom.js";
import { drawInput } from "../ui/pixels.js";
import { mount as mountEvaluation } from "./evaluation.js";
import { dataPanel } from "./train-data.js";
import { mountEditor } from "./train-editor.js";
import { curvesPanel, filtersPanel, flagsOf, mapsPanel, pct, timeText } from "./train-live.js";

const section = (title, className) => {
  const s = el("section", `clt-section ${className}`);
  s.append(el("h3", "clt-section-title", title));
  return s;
};

export function mount(host, ctx) {
  host.classList.add("cle", "clt");
  host.replaceChildren();
  let current = ctx;
  let settings = { ...ctx.settings };
  let trainedSetup = null; // setupKey() of the set-up the session's model was made with
  let scrub = null; // index of the snapshot shown, or null: the latest
  let closed = false;

  // ---------------------------------------------------------------- architecture
  const archSection = section("Architecture", "clt-arch");
  const presetSel = select(Object.entries(PRESETS).map(([k, p]) => [k, p.label]), settings.preset);
  const presetField = field("Preset", presetSel);
  const editorHost = el("div");
  const changed = el("p", "clt-changed cle-hint");
  archSection.append(presetField, editorHost, changed);

  // ---------------------------------------------------------------- data
  const data = dataPanel({ initial: datasetOf(settings), onChange: () => dataChanged() });
  const dataSection = data.node;

  // ---------------------------------------------------------------- controls
  const controls = section("Training", "clt-controls");
  const optimizerSel = select(OPTIMIZERS.map((o) => [o, o === "adam" ? "Adam" : "SGD"]), settings.optimizer);
  const rate = numberInput(settings.learningRate ?? DEFAULT_RATE[settings.optimizer], { min: 0, max: 1e6, step: "any" });
  const batch = numberInput(settings.batchSize, { min: 1, max: 4096, step: 1 });
  const decay = numberInput(settings.weightDecay, { min: 0, max: 1, step: "any" });
  const seed = numberInput(settings.seed, { min: 0, step: 1 });
  const limit = numberInput(settings.steps ?? "", { min: 1, step: 1 });
  limit.placeholder = "until paused";
  const grid = el("div", "cle-controls clt-grid-fields");
  grid.append(field("Optimizer", optimizerSel), field("Learning rate", rate), field("Batch size", batch), field("Weight decay", decay), field("Seed", seed), field("Stop after steps", limit));
  const startBtn = button("Start", () => toggle(), "cle-primary clt-start");
  const stepBtn = button("Step", () => stepOnce(), "clt-step");
  const resetBtn = button("Reset", () => reset(), "clt-reset");
  const buttons = el("div", "clt-buttons");
  buttons.append(startBtn, stepBtn, resetBtn);
  const status = el("p", "cle-status clt-status");
  status.setAttribute("role", "status");
  const message = el("p", "clt-message cle-error");
  message.setAttribute("role", "alert");
  controls.append(grid, buttons, status, message);

  // ---------------------------------------------------------------- live
  const live = section("Live", "clt-live");
  const xSel = select([["steps", "steps"], ["time", "time"]], "steps");
  const curves = curvesPanel();
  const filters = filtersPanel();
  const maps = mapsPanel();
  const filtersTitle = el("h4", "clt-sub", "First convolution's filters");
  const mapsTitle = el("h4", "clt-sub", "Feature maps of a fixed test image");
  const probeCanvas = el("canvas", "cle-pixels clt-probe");
  probeCanvas.setAttribute("role", "img");
  probeCanvas.setAttribute("aria-label", "The fixed test image");
  const mapsHead = el("div", "clt-maps-head");
  mapsHead.append(probeCanvas, mapsTitle);
  live.append(field("Curves against", xSel, { className: "clt-x" }), curves.node, filtersTitle, filters.node, mapsHead, maps.node);

  // ---------------------------------------------------------------- timeline and use
  const timeline = section("Timeline", "clt-timeline");
  const slider = el("input", "clt-slider");
  slider.type = "range";
  slider.min = "0";
  slider.max = "0";
  slider.value = "0";
  slider.disabled = true;
  slider.setAttribute("aria-label", "Snapshot");
  const moment = el("output", "clt-moment cle-num");
  const openSnap = button("Open this snapshot in the explorer", () => exploreSnapshot(), "clt-open-snapshot");
  const exploreBtn = button("Explore this model", () => exploreNow(), "clt-explore");
  const downloadBtn = button("Download", () => download(), "clt-download");
  const useRow = el("div", "clt-buttons");
  useRow.append(exploreBtn, downloadBtn, openSnap);
  timeline.append(field("Snapshot", slider), moment, useRow);

  // ---------------------------------------------------------------- evaluation
  const evalSection = el("section", "clt-section clt-evaluate"); // the panel has its own title
  const whichSel = select([["trained", "The trained model (as it is now)"], ["explorer", "The explorer's model"]], "trained");
  const evalHost = el("div", "clt-eval-host");
  evalSection.append(field("Model", whichSel), evalHost);
  let evaluation = null;

  // Two columns: what to train (architecture, data) beside training it and watching it learn.
  const setUp = el("div", "clt-col");
  setUp.append(archSection, dataSection);
  const run = el("div", "clt-col");
  run.append(controls, live, timeline);
  host.append(setUp, run, evalSection);

  // ---------------------------------------------------------------- the session
  let editor = null; // the architecture editor (train-editor.js), made below
  const session = new TrainSession(ctx.engine, {
    onProgress: (p) => {
      current.onProgress?.(p);
      showStatus();
      if (scrub === null) curves.draw(session.history, { x: xSel.value });
    },
    onLive: (v) => {
      if (scrub === null) drawModel(v);
    },
    onSnapshot: (snap, list) => {
      slider.max = String(list.length - 1);
      slider.disabled = list.length < 2;
      if (scrub === null) {
        slider.value = slider.max;
        showSnapshot(list.length - 1);
      } else if (scrub >= list.length) scrub = list.length - 1;
    },
    onState: (state, detail) => {
      refreshButtons();
      showStatus();
      if (state === "diverged") {
        const good = session.snapshots.at(-1);
        message.textContent = `${detail.message}.${good ? ` The timeline keeps the snapshots up to step ${good.step}.` : ""} Lower the learning rate and start again.`;
      } else if (detail.reason === "error") message.textContent = `Training stopped: ${detail.message}`;
      if (["paused", "done", "diverged"].includes(state) && detail.reason !== "step") {
        current.onDone?.({ ...session.progress(), reason: state === "diverged" ? "diverged" : detail.reason === "steps" ? "steps" : "paused" });
      }
    },
  });

  editor = mountEditor(editorHost, {
    layers: layersOf(settings),
    input: data.spec().input,
    classes: data.spec().classes,
    onChange: (layers, shapes) => {
      if (!editor) return; // the first call, from inside mountEditor
      settings = { ...settings, layers };
      refreshButtons(shapes);
      current.onSettings?.(settings);
    },
  });

  /** A new dataset: the editor checks against its input and classes (the last linear layer
   * follows a folder's number of classes). */
  function dataChanged() {
    const spec = data.spec();
    const layers = editor.layers();
    const last = layers.at(-1);
    if (data.value() === "folder" && last?.kind === "linear" && last.features !== spec.classes) {
      last.features = spec.classes;
      editor.setData(spec);
      editor.set(layers);
    } else editor.setData(spec);
    readOptions();
    current.onSettings?.(settings);
    refreshButtons();
  }

  /** The set-up the editor and fields describe, as a key that says whether the model must be remade. */
  function setupKey() {
    return JSON.stringify({ layers: editor.layers(), data: data.spec().key, seed: seed.value });
  }

  function readOptions() {
    const n = (input, fallback) => (input.value === "" ? fallback : Number(input.value));
    settings = {
      ...settings,
      preset: presetSel.value,
      // A folder of pictures is not in links: they keep the dataset they had.
      dataset: data.value() === "folder" ? settings.dataset : data.value() === PRESETS[presetSel.value].dataset ? null : data.value(),
      optimizer: optimizerSel.value,
      learningRate: n(rate, DEFAULT_RATE[optimizerSel.value]),
      batchSize: n(batch, 64),
      weightDecay: n(decay, 0),
      seed: n(seed, 0),
      steps: limit.value === "" ? null : Number(limit.value),
      layers: editor.layers(),
    };
    return settings;
  }

  function optionsProblem() {
    const s = readOptions();
    if (!(s.learningRate > 0)) return "the learning rate must be above 0";
    if (!Number.isInteger(s.batchSize) || s.batchSize < 1 || s.batchSize > 4096) return "the batch size must be a whole number from 1 to 4096";
    if (!(s.weightDecay >= 0)) return "the weight decay must be 0 or more";
    if (!Number.isInteger(s.seed) || s.seed < 0) return "the seed must be a whole number from 0";
    if (s.steps !== null && !(Number.isInteger(s.steps) && s.steps >= 1)) return "the step limit must be a whole number from 1 (or empty)";
    return null;
  }

  function refreshButtons(shapes = editor.shapes()) {
    const running = session.state === "running";
    const bad = shapes?.problem || optionsProblem();
    const more = session.state === "done" && !dirty();
    startBtn.textContent = running ? "Pause" : more ? `Train ${session.limit} more` : session.steps > 0 && !dirty() ? "Resume" : "Start";
    startBtn.disabled = !running && !!bad;
    stepBtn.disabled = running || !!bad;
    resetBtn.disabled = running || !!shapes?.problem || !session.setup;
    editor.setDisabled(running);
    presetSel.disabled = seed.disabled = running;
    data.setDisabled(running);
    const hasModel = session.snapshots.length > 0;
    exploreBtn.disabled = downloadBtn.disabled = !hasModel || running;
    openSnap.disabled = !hasModel;
    // Where nothing can show another model (the element), only Download.
    exploreBtn.hidden = openSnap.hidden = !current.explore;
    changed.textContent = dirty() && session.steps > 0 ? "The set-up changed: Reset (or Start) trains the new one from scratch; until then the timeline keeps this run." : "";
    if (!running && bad && !shapes?.problem) message.textContent = `Check the settings: ${bad}`;
    else if (!running && message.textContent.startsWith("Check the settings")) message.textContent = "";
  }

  const dirty = () => trainedSetup !== null && editor !== null && trainedSetup !== setupKey();

  function showStatus() {
    const p = session.progress();
    const state = { idle: "Not started", ready: "Ready", running: "Training…", paused: "Paused", done: "Done", diverged: "Diverged" }[session.state];
    status.textContent = session.setup
      ? `${state} · step ${p.steps}${session.limit ? ` of ${session.limit}` : ""} · epoch ${p.epoch} · loss ${p.loss === null ? "–" : p.loss.toFixed(3)} · batch accuracy ${pct(p.accuracy)} · test accuracy ${pct(p.testAccuracy)} · ${timeText(p.time)}`
      : state;
    host.dataset.trainState = session.state;
    host.dataset.trainSteps = String(p.steps);
    host.dataset.testAccuracy = p.testAccuracy === null ? "" : String(p.testAccuracy);
  }

  // ---------------------------------------------------------------- drawing a moment

  function drawModel({ activations, filters: f, statistics }) {
    const summary = session.summary;
    if (!summary) return;
    const convs = convLayers(summary);
    const first = convs[0];
    filters.draw(f, first === undefined ? null : flagsOf(summary, statistics, first));
    maps.draw(summary, convs, activations, statistics);
  }

  function showSnapshot(i) {
    const snap = session.snapshots[i];
    if (!snap) return;
    drawModel(snap);
    const latest = i === session.snapshots.length - 1;
    moment.value = `step ${snap.step} · ${timeText(snap.time)} · test accuracy ${pct(snap.testAccuracy)}${latest ? " (latest)" : ""}`;
    slider.setAttribute("aria-valuetext", moment.value);
    host.dataset.snapshotStep = String(snap.step);
    curves.draw(session.history, { x: xSel.value, marker: latest ? null : snap });
  }

  // ---------------------------------------------------------------- actions

  /** Loads the data into the engine and makes a new model of the set-up. */
  async function prepare() {
    const s = readOptions();
    message.textContent = "";
    const d = await data.send(current.engine);
    if (closed) return false;
    probe = d.probe;
    drawInput(probeCanvas, probe, 0, d.input);
    const architecture = toArchitecture(s.layers, { input: { ...d.input, mean: [d.mean], std: [d.std] }, labels: [...d.labels] });
    const firstConv = architecture.layers.findIndex((l) => l.type === "conv2d");
    scrub = null;
    try {
      await session.prepare({
        architecture,
        options: trainOptions(s),
        probe,
        // The maps of each conv layer after its activation; the filters of the first.
        mapLayers: (summary) => convLayers(summary).map((i) => readLayer(summary, i)),
        filterLayer: firstConv >= 0 ? firstConv : null,
        limit: s.steps,
      });
    } catch (e) {
      message.textContent = `The engine refused this architecture: ${errorText(e)}`;
      return false;
    }
    trainedSetup = setupKey();
    refreshButtons();
    showStatus();
    showEvaluation();
    return true;
  }

  let probe = null;

  let busy = false; // an action (prepare, step, explore, download) in flight
  async function guarded(fn) {
    if (busy) return;
    busy = true;
    try {
      await fn();
    } catch (e) {
      message.textContent = errorText(e);
    } finally {
      busy = false;
      refreshButtons();
    }
  }

  function toggle() {
    if (session.state === "running") {
      session.pause();
      return;
    }
    return guarded(async () => {
      if (!session.setup || dirty()) {
        if (!(await prepare())) return;
      } else await applyOptions();
      // Done: as many steps again.
      if (session.limit && session.steps >= session.limit) session.setLimit(session.steps + session.limit);
      scrub = null;
      message.textContent = "";
      session.start();
    });
  }

  async function applyOptions() {
    const s = readOptions();
    const o = trainOptions(s);
    delete o.seed; // a new seed makes a new model (Reset); the run keeps its own
    await session.setOptions(o);
    session.setLimit(s.steps);
  }

  function stepOnce() {
    return guarded(async () => {
      if (!session.setup || dirty()) {
        if (!(await prepare())) return;
      } else await applyOptions();
      await session.stepOnce();
    });
  }

  function reset() {
    return guarded(async () => {
      await prepare();
    });
  }

  async function exploreNow() {
    await guarded(async () => {
      // The model as it is (it may have stepped past the last snapshot).
      const now = await current.engine.trainSnapshot({ bytes: true });
      current.explore?.(now.bytes, `trained-${settings.preset}-step${now.steps}`);
    });
  }

  function exploreSnapshot() {
    const snap = session.snapshots[scrub ?? session.snapshots.length - 1];
    current.explore?.(snap.bytes, `trained-${settings.preset}-step${snap.step}`);
  }

  async function download() {
    await guarded(async () => {
      const now = await current.engine.trainSnapshot({ bytes: true });
      const url = URL.createObjectURL(new Blob([now.bytes], { type: "application/octet-stream" }));
      const a = el("a");
      a.href = url;
      a.download = `convlens-${settings.preset}-step${now.steps}.safetensors`;
      host.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
  }

  /** The evaluation panel's context for the model the select names (views/evaluation.js). */
  function evalContext() {
    const trained = whichSel.value === "trained";
    const base = { engine: current.engine, samples: current.samples ?? [] };
    if (!trained) return { ...base, summary: current.summary, modelName: current.modelName, onOpenExample: (ex) => current.onOpenExample?.(ex) };
    return {
      ...base,
      summary: session.summary,
      modelName: `trained-${data.value()}`,
      dataset: data.value() === "folder" ? undefined : data.value(),
      evaluate: (images, labels, count) => current.engine.trainEvaluate(images, labels, count),
      // The example opens in the explorer on the trained model as it is.
      onOpenExample: async (ex) => {
        const now = await current.engine.trainSnapshot({ bytes: true });
        current.onOpenExample?.(ex, { bytes: now.bytes, name: `trained-${settings.preset}-step${now.steps}` });
      },
    };
  }

  function showEvaluation() {
    const ctx = evalContext();
    whichSel.options[1].textContent = `The explorer's model (${current.modelName?.replace(/^file:/, "") ?? "none"})`;
    if (!ctx.summary) {
      evaluation?.close();
      evaluation = null;
      evalHost.replaceChildren(el("p", "cle-hint", "Start training (or pick the explorer's model) to evaluate a model."));
      return;
    }
    if (!evaluation) {
      evalHost.replaceChildren();
      evaluation = mountEvaluation(evalHost, ctx);
    } else evaluation.update(ctx);
  }

  // ---------------------------------------------------------------- wiring
  whichSel.addEventListener("change", () => showEvaluation());
  presetSel.addEventListener("change", () => {
    const p = PRESETS[presetSel.value];
    settings = { ...settings, preset: presetSel.value, layers: null, dataset: null };
    data.set(p.dataset);
    editor.setData(data.spec());
    editor.set(layersOf(settings));
  });
  optimizerSel.addEventListener("change", () => {
    rate.value = String(DEFAULT_RATE[optimizerSel.value]);
  });
  for (const input of [optimizerSel, rate, batch, decay, seed, limit]) {
    input.addEventListener("change", () => {
      refreshButtons();
      current.onSettings?.(readOptions());
      if (session.state === "running" && !optionsProblem()) applyOptions().catch((e) => (message.textContent = errorText(e)));
    });
  }
  xSel.addEventListener("change", () => showSnapshot(scrub ?? session.snapshots.length - 1));
  slider.addEventListener("input", () => {
    const i = Number(slider.value);
    scrub = i === session.snapshots.length - 1 ? null : i;
    showSnapshot(i);
  });

  refreshButtons();
  showStatus();
  showEvaluation();
  requestAnimationFrame(() => curves.draw(session.history)); // the empty axes, once laid out
  if (settings.autostart) toggle();

  return {
    update(next) {
      current = next;
      if (whichSel.value === "explorer") showEvaluation();
    },
    /** Applies a new set-up (the element's attributes, a link) while not training. */
    configure(next) {
      if (session.state === "running") return;
      settings = { ...next };
      presetSel.value = settings.preset;
      data.set(datasetOf(settings));
      optimizerSel.value = settings.optimizer;
      rate.value = String(settings.learningRate ?? DEFAULT_RATE[settings.optimizer]);
      batch.value = String(settings.batchSize);
      decay.value = String(settings.weightDecay);
      seed.value = String(settings.seed);
      limit.value = settings.steps ? String(settings.steps) : "";
      editor.setData(data.spec());
      editor.set(layersOf(settings));
      refreshButtons();
      // autostart starts a model that has not trained yet (not again on every attribute change).
      if (settings.autostart && session.steps === 0) toggle();
    },
    start: () => (session.state === "running" ? undefined : toggle()),
    pause: () => session.pause(),
    session,
    close() {
      closed = true;
      session.pause();
      host.replaceChildren();
      host.classList.remove("clt");
    },
  };
}
