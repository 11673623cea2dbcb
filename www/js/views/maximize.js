// "What excites this?": activation maximization, live. Gradient ascent on the input image for a
// channel's mean, one unit, or a class score (the logit), run in the engine worker a few steps
// per animation frame, so the image evolves on screen; the objective is plotted over steps and
// the achieved frame rate shown (and exposed as `data-fps` on the host). The "layer atlas"
// maximizes every channel of a layer and shows each image beside the channel's top-9 inputs
// from the evaluation sample statistics (eval-sample.js). The settings start from the model's own
// defaults (the engine's `maximizeDefaults`): pixels with L2, TV, jitter and blur for small
// greyscale models; for colour models of 64 px and more a Fourier image in decorrelated colours
// with jitter, rescaling and rotation (Olah et al., "Feature Visualization", 2017). Colour models
// are drawn in RGB.
//
//   const view = mount(host, ctx);          // ctx: {engine, summary, input, modelName, samples, ...}
//   view.update(ctx);                        // after a model change or a new input
//   view.target({layer, channel} | {layer, unit}, {start: true})   // "what excites this?"
//   view.start(); view.stop(); view.atlas(layer)
//
// DOM via createElement only (CSP).

import { formatValue } from "../core/colormap.js";
import {
  MAXIMIZE_DEFAULTS,
  atlasProgress,
  channelsOf,
  chartPoints,
  classLayer,
  fpsOf,
  imageRGBA,
  isSpatial,
  maximizeOptions,
  plainPixels,
  readLayer,
  settingsValues,
} from "../core/explain-math.js";
import { button, el, field, numberInput, select } from "../ui/dom.js";
import { chartContext, drawInput, drawMosaic, pixelCanvas, putRGBA, themeColor } from "../ui/pixels.js";
import { statisticsFor } from "./eval-sample.js";
import { STEPS_PER_FRAME, settingsControls } from "./maximize-settings.js";

export function mount(host, ctx) {
  host.classList.add("cle", "cle-maximize");
  host.replaceChildren();
  let current = ctx;

  // ---- controls
  const layerSel = select([]);
  const modeSel = select([
    ["channel", "channel mean"],
    ["unit", "one unit"],
  ]);
  const channelSel = select([]);
  const unitY = numberInput(0, { min: 0, step: 1 });
  const unitX = numberInput(0, { min: 0, step: 1 });
  const unitSel = select([]);
  const f = {
    layer: field("Layer", layerSel),
    mode: field("Target", modeSel),
    channel: field("Channel", channelSel),
    y: field("Row", unitY),
    x: field("Column", unitX),
    unit: field("Unit", unitSel),
  };
  const { details, settings, fields, perFrame } = settingsControls(() => resetDefaults());
  settings.param.addEventListener("change", showSettings);
  settings.decorrelate.addEventListener("change", showSettings);

  const startButton = button("Start", () => start(), "cle-primary");
  const stopButton = button("Stop", () => {
    stop();
    stopAtlas();
  });
  stopButton.disabled = true;
  const atlasButton = button("Layer atlas", () => atlas());

  const head = el("div", "cle-head");
  head.append(el("h3", "cle-title", "What excites this?"));
  const controls = el("div", "cle-controls");
  controls.append(...Object.values(f), startButton, stopButton, atlasButton);
  head.append(controls, details);

  // ---- output
  const image = pixelCanvas("cle-max-image", "maximizing image");
  const chart = el("canvas", "cle-chart");
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", "objective over steps");
  const readout = el("p", "cle-readout cle-num");
  readout.setAttribute("aria-live", "polite");
  const live = el("div", "cle-max-live");
  const chartBox = el("div", "cle-chart-box");
  chartBox.append(el("span", "cle-hint", "objective over steps"), chart, readout);
  live.append(image, chartBox);
  const atlasBox = el("div", "cle-atlas");
  const status = el("p", "cle-status");
  status.setAttribute("role", "status");
  host.append(head, live, status, atlasBox);

  // ---- state
  let run = null; // {token, taken, planned, values, frames, pending, inFlight}
  let token = 0;
  let atlasToken = 0;
  // The running layer atlas, if any: { token, name, done, n }.
  let atlasRun = null;

  function fillLayers() {
    const s = current.summary;
    const prev = layerSel.value;
    layerSel.replaceChildren();
    const cls = classLayer(s);
    s.layers.forEach((l, i) => {
      if (l.type === "flatten" || l.type === "softmax") return;
      const o = el("option", "", `${i}: ${l.name} (${l.type}${i === cls && l.outputShape.length === 1 ? ", class scores" : ""})`);
      o.value = String(i);
      layerSel.append(o);
    });
    const values = [...layerSel.options].map((o) => o.value);
    layerSel.value = values.includes(prev) ? prev : values[0];
    fillTarget();
  }

  function fillTarget() {
    const s = current.summary;
    const i = Number(layerSel.value);
    const layer = s.layers[i];
    const spatial = isSpatial(layer);
    const n = channelsOf(layer);
    f.mode.hidden = !spatial;
    if (!spatial) modeSel.value = "unit";
    const prevC = channelSel.value;
    channelSel.replaceChildren();
    for (let c = 0; c < (spatial ? n : 0); c++) {
      const o = el("option", "", String(c));
      o.value = String(c);
      channelSel.append(o);
    }
    if (spatial && prevC !== "" && Number(prevC) < n) channelSel.value = prevC;
    const prevU = unitSel.value;
    unitSel.replaceChildren();
    const isClass = i === classLayer(s);
    if (!spatial) {
      for (let u = 0; u < n; u++) {
        const label = isClass && s.labels?.[u] !== undefined ? `${u}: ${s.labels[u]}` : String(u);
        const o = el("option", "", label);
        o.value = String(u);
        unitSel.append(o);
      }
      if (prevU !== "" && Number(prevU) < n) unitSel.value = prevU;
    }
    f.unit.querySelector(".cle-field-label").textContent = isClass ? "Class" : "Unit";
    unitSel.setAttribute("aria-label", isClass ? "Class" : "Unit");
    if (spatial) {
      unitY.max = String(layer.outputShape[1] - 1);
      unitX.max = String(layer.outputShape[2] - 1);
    }
    const unitMode = modeSel.value === "unit";
    f.channel.hidden = !spatial;
    f.y.hidden = !(spatial && unitMode);
    f.x.hidden = !(spatial && unitMode);
    f.unit.hidden = spatial;
    atlasButton.disabled = !spatial;
  }

  function target() {
    const i = Number(layerSel.value);
    const layer = current.summary.layers[i];
    if (!isSpatial(layer)) return { layer: i, unit: Number(unitSel.value) };
    const c = Number(channelSel.value);
    if (modeSel.value === "channel") return { layer: i, channel: c };
    const [, h, w] = layer.outputShape;
    const y = Math.min(Math.max(Math.round(Number(unitY.value)) || 0, 0), h - 1);
    const x = Math.min(Math.max(Math.round(Number(unitX.value)) || 0, 0), w - 1);
    return { layer: i, unit: c * h * w + y * w + x };
  }

  function options() {
    const values = Object.fromEntries(Object.entries(settings).map(([k, c]) => [k, c.value]));
    return maximizeOptions(values, current.summary.input.channels, defaults);
  }

  // The model's defaults (from the engine); the greyscale ones until they arrive.
  let defaults = MAXIMIZE_DEFAULTS;
  let defaultsReady = Promise.resolve();
  function loadDefaults() {
    const summary = current.summary;
    defaultsReady = current.engine
      .maximizeDefaults()
      .then((d) => {
        if (summary !== current.summary) return;
        defaults = d;
        resetDefaults();
      })
      .catch(() => {}); // an engine without them: keep the greyscale defaults
    return defaultsReady;
  }

  function resetDefaults() {
    const v = settingsValues(defaults);
    for (const [k, c] of Object.entries(settings)) if (v[k] !== undefined) c.value = v[k];
    perFrame.value = String(STEPS_PER_FRAME);
    showSettings();
  }

  /** Only the settings that apply: colours for 3-channel models, blur for plain pixels. */
  function showSettings() {
    const colour = current.summary.input.channels === 3;
    fields.decorrelate.hidden = !colour;
    const plain = plainPixels(settings.param.value, colour && settings.decorrelate.value === "true");
    fields.blurEvery.hidden = !plain;
    fields.blurSigma.hidden = !plain;
  }

  function describe(t) {
    const s = current.summary;
    const l = s.layers[t.layer];
    if (t.channel !== undefined) return `${l.name} channel ${t.channel} (mean)`;
    if (t.layer === classLayer(s) && !isSpatial(l)) return `class “${s.labels?.[t.unit] ?? t.unit}” (logit)`;
    return `${l.name} unit ${t.unit}`;
  }

  // ---- the live run
  async function start() {
    stop(true);
    const my = ++token;
    await defaultsReady;
    if (my !== token) return;
    const t = target();
    const opts = { ...options(), ...t };
    host.dataset.state = "starting";
    status.textContent = `maximizing ${describe(t)}…`;
    status.classList.remove("cle-error");
    try {
      const r = await current.engine.maximizeStart(opts);
      if (my !== token) return;
      run = { token: my, taken: 0, planned: opts.steps, values: [], steps: [], frames: [], pending: null, inFlight: false, what: describe(t) };
      drawImage(r.image);
      startButton.disabled = true;
      stopButton.disabled = false;
      host.dataset.state = "running";
      host.dataset.frames = "0";
      requestAnimationFrame(frame);
    } catch (e) {
      if (my !== token) return;
      status.textContent = `Could not start: ${e.message}`;
      status.classList.add("cle-error");
      host.dataset.state = "error";
    }
  }

  function frame(now) {
    const r = run;
    if (!r || r.token !== token) return;
    if (r.pending) {
      const p = r.pending;
      r.pending = null;
      drawImage(p.image);
      r.frames.push(now);
      if (r.frames.length > 240) r.frames.splice(0, r.frames.length - 240);
      const fps = fpsOf(r.frames);
      host.dataset.fps = fps.toFixed(1);
      host.dataset.frames = String(Number(host.dataset.frames) + 1);
      host.dataset.steps = String(p.stepsTaken);
      host.dataset.value = String(p.value);
      if (r.frames.length === 1) host.dataset.firstValue = String(p.value);
      drawChart();
      readout.textContent = `step ${p.stepsTaken}/${r.planned} · objective ${formatValue(p.value)} · ${fps.toFixed(0)} fps`;
    }
    if (r.taken >= r.planned && !r.inFlight) {
      finish("done");
      return;
    }
    if (!r.inFlight) {
      r.inFlight = true;
      const n = Math.min(Math.max(1, Math.round(Number(perFrame.value)) || STEPS_PER_FRAME), r.planned - r.taken);
      current.engine.maximizeStep(n).then(
        (res) => {
          if (run !== r) return;
          r.inFlight = false;
          r.taken = res.stepsTaken;
          r.values.push(res.value);
          r.steps.push(res.stepsTaken);
          r.pending = res;
        },
        (e) => {
          if (run !== r) return;
          r.inFlight = false;
          status.textContent = `Stopped: ${e.message}`;
          status.classList.add("cle-error");
          finish("error");
        },
      );
    }
    requestAnimationFrame(frame);
  }

  function finish(state) {
    const r = run;
    if (!r) return;
    // draw whatever arrived last
    if (r.pending) {
      drawImage(r.pending.image);
      host.dataset.steps = String(r.pending.stepsTaken);
      host.dataset.value = String(r.pending.value);
      r.pending = null;
      drawChart();
    }
    run = null;
    startButton.disabled = false;
    stopButton.disabled = !atlasRun; // a layer atlas may still be running
    host.dataset.state = state;
    current.engine.maximizeStop().catch(() => {});
    const fps = fpsOf(r.frames, 1e9);
    if (r.frames.length > 1) host.dataset.fps = fps.toFixed(1);
    if (state !== "error") {
      const v = r.values.at(-1);
      status.textContent = `${state === "done" ? "Done" : "Stopped"}: ${r.what} after ${r.taken} steps; objective ${v === undefined ? "-" : formatValue(v)}; ${fps.toFixed(0)} frames per second.`;
    }
  }

  function stop(quiet = false) {
    if (!run) return;
    if (quiet) {
      run = null;
      startButton.disabled = false;
      stopButton.disabled = !atlasRun;
      return;
    }
    finish("stopped");
  }

  function drawImage(data) {
    drawInput(image, data, 0, current.summary.input);
  }

  function drawChart() {
    const r = run;
    if (!r) return;
    const { c, W, H } = chartContext(chart, [120, 60], [240, 96]);
    c.strokeStyle = themeColor(host, "--cle-line", "#dde3ec");
    c.lineWidth = 1;
    c.strokeRect(0.5, 0.5, W - 1, H - 1);
    // x spans the planned steps, so the line grows left to right
    const pts = chartPoints(r.values, W, H, 6);
    const span = Math.max(1, r.planned);
    c.beginPath();
    pts.forEach(([, y], i) => {
      const x = 6 + ((r.steps[i] ?? i) / span) * (W - 12);
      if (i === 0) c.moveTo(x, y);
      else c.lineTo(x, y);
    });
    c.strokeStyle = themeColor(host, "--cle-accent", "#2f6fdb");
    c.lineWidth = 2;
    c.stroke();
    chart.setAttribute("aria-label", `objective over ${r.taken} steps: last ${formatValue(r.values.at(-1) ?? 0)}`);
  }

  // ---- the layer atlas
  async function atlas(layerIndex = Number(layerSel.value)) {
    stop();
    const my = ++atlasToken;
    const s = current.summary;
    const layer = s.layers[layerIndex];
    if (!layer || !isSpatial(layer)) return;
    const n = channelsOf(layer);
    atlasBox.replaceChildren();
    atlasBox.dataset.state = "running";
    atlasBox.dataset.layer = String(layerIndex);
    atlasBox.dataset.done = "0";
    const title = el("h4", "cle-atlas-title", `Layer atlas: ${layer.name}, ${n} channels`);
    const note = el("p", "cle-hint", "Each channel's maximizing image (left) beside the 9 evaluation-sample inputs that excite it most (right).");
    const grid = el("div", "cle-atlas-grid");
    atlasBox.append(title, note, grid);
    const cells = [];
    for (let ch = 0; ch < n; ch++) {
      const card = el("figure", "cle-atlas-card");
      card.dataset.channel = String(ch);
      const img = pixelCanvas("cle-atlas-image", `${layer.name} channel ${ch}: maximizing image`);
      const top = pixelCanvas("cle-top9", `${layer.name} channel ${ch}: top 9 inputs`);
      const pair = el("div", "cle-atlas-pair");
      pair.append(img, top);
      const cap = el("figcaption", "cle-channel-caption");
      cap.append(el("b", "", `#${ch}`));
      card.append(pair, cap);
      card.tabIndex = 0;
      card.setAttribute("role", "button");
      card.setAttribute("aria-label", `maximize ${layer.name} channel ${ch} live`);
      const open = () => setTarget({ layer: layerIndex, channel: ch }, { start: true });
      card.addEventListener("click", open);
      card.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          open();
        }
      });
      grid.append(card);
      cells.push({ img, top, cap, card });
    }
    // top-9 inputs from the statistics (of the layer the channel target reads)
    statisticsFor(current).then(
      ({ sample, stats }) => {
        if (my !== atlasToken) return;
        const read = readLayer(s, layerIndex);
        stats.layers[read].channels.forEach((c, ch) => {
          if (!cells[ch]) return;
          drawMosaic(cells[ch].top, sample.images, c.top, s.input);
          cells[ch].card.dataset.top = "1";
          if (c.dead) {
            cells[ch].card.dataset.dead = "1";
            cells[ch].cap.append(" ", el("span", "cle-badge cle-badge-dead", "dead"));
          }
        });
      },
      (e) => {
        if (my !== atlasToken) return;
        note.textContent = `Maximizing images only: ${e.message}`;
      },
    );
    await defaultsReady;
    if (my !== atlasToken) return;
    const opts = options();
    const t0 = performance.now();
    atlasRun = { token: my, name: layer.name, done: 0, n };
    stopButton.disabled = false;
    status.classList.remove("cle-error");
    status.textContent = `Layer atlas of ${layer.name}: channel 1 of ${n}…`;
    try {
      for (let ch = 0; ch < n; ch++) {
        const r = await current.engine.atlas({ layer: layerIndex, options: opts, channels: [ch] });
        if (my !== atlasToken) return;
        drawInput(cells[ch].img, r.images[0], 0, s.input);
        cells[ch].card.dataset.image = "1";
        cells[ch].cap.append(" ", el("span", "cle-num", formatValue(r.values[0])));
        atlasBox.dataset.done = String(ch + 1);
        atlasRun.done = ch + 1;
        if (ch + 1 < n) status.textContent = atlasProgress(layer.name, ch + 1, n, performance.now() - t0);
      }
      atlasEnded();
      atlasBox.dataset.state = "done";
      status.textContent = `Layer atlas of ${layer.name}: ${n} channels in ${((performance.now() - t0) / 1000).toFixed(1)} s.`;
    } catch (e) {
      if (my !== atlasToken) return;
      atlasEnded();
      atlasBox.dataset.state = "error";
      status.textContent = `Layer atlas failed: ${e.message}`;
      status.classList.add("cle-error");
    }
  }

  /** The atlas is over: Stop stays enabled only for a live run. */
  function atlasEnded() {
    atlasRun = null;
    stopButton.disabled = !run;
  }

  /** Stops a running layer atlas, keeping the channels it has drawn. */
  function stopAtlas() {
    const a = atlasRun;
    if (!a || a.token !== atlasToken) return;
    atlasToken++;
    atlasEnded();
    atlasBox.dataset.state = "stopped";
    status.textContent = `Layer atlas of ${a.name} stopped after ${a.done} of ${a.n} channels.`;
  }

  function setTarget(t, { start: go = false } = {}) {
    // A softmax's units are its input's (the engine maximizes the logit, never the probability).
    if (current.summary.layers[t.layer]?.type === "softmax" && t.layer > 0) t = { ...t, layer: t.layer - 1 };
    const opt = [...layerSel.options].find((o) => o.value === String(t.layer));
    if (!opt) {
      status.textContent = `Layer ${t.layer} cannot be maximized here.`;
      return;
    }
    layerSel.value = String(t.layer);
    fillTarget();
    const layer = current.summary.layers[t.layer];
    if (t.channel !== undefined && isSpatial(layer)) {
      modeSel.value = "channel";
      channelSel.value = String(t.channel);
    } else if (t.unit !== undefined) {
      if (isSpatial(layer)) {
        const [, h, w] = layer.outputShape;
        modeSel.value = "unit";
        channelSel.value = String(Math.floor(t.unit / (h * w)));
        unitY.value = String(Math.floor((t.unit % (h * w)) / w));
        unitX.value = String(t.unit % w);
      } else {
        unitSel.value = String(t.unit);
      }
    }
    fillTarget();
    if (go) start();
  }

  layerSel.addEventListener("change", fillTarget);
  modeSel.addEventListener("change", fillTarget);
  fillLayers();
  showSettings();
  loadDefaults();
  // an empty image until the first run
  putRGBA(image, imageRGBA(new Float32Array(current.summary.input.channels * 4), 0, current.summary.input.channels, 2, 2), 2, 2);
  readout.textContent = "press Start";

  function close() {
    const running = run;
    stop(true);
    token++;
    atlasToken++;
    atlasEnded();
    if (running) current.engine.maximizeStop().catch(() => {});
    host.replaceChildren();
  }

  return {
    update(next) {
      const modelChanged = next.summary !== current.summary;
      current = next;
      if (modelChanged) {
        stop(true);
        token++;
        atlasToken++;
        atlasEnded();
        atlasBox.replaceChildren();
        fillLayers();
        loadDefaults();
      }
    },
    target: setTarget,
    start,
    stop: () => stop(),
    atlas,
    close,
  };
}
