// The <convlens-explorer> element (documented in ../convlens-explorer.js, the script pages load):
// its shadow DOM, its controls and the attributes' wiring. Models, pictures, runs and the views'
// contexts are the shared controller's (core/controller.js); the views are views/*.js.

import { BASE } from "../core/base.js";
import { argmax } from "../core/colormap.js";
import { Engine } from "../engine/client.js";
import { decodeImage, loadImageUrl } from "../ui/images.js";
import { DrawInput } from "../ui/input.js";
import { CONTROLS, VIEWS, parseControls, parseHeight, parseIndex, parseShift, resolveLayer, shiftImage } from "../core/embed-attrs.js";
import { autoInvert, modeFor, prepare, prepareColour } from "../core/preprocess.js";
import { inputLayerIndex, isLarge } from "../core/graph.js";
import { RunLayers } from "../core/run-layers.js";

export { CONTROLS, VIEWS };

const VIEW_LABELS = {
  maps: "Feature maps",
  filters: "Filter of one channel",
  playground: "Convolution playground",
  maximize: "What excites it?",
  attribution: "Attribution",
  stats: "Filter statistics",
};
const ATTRS = ["model", "view", "layer", "channel", "input", "shift", "controls", "height", "kernel", "kernel-size", "stride", "padding"];

const STYLES = ["style.css", "css/views.css", "css/explain.css", "css/embed.css"];

let samplesPromise = null;
/** samples/index.json, fetched once per page. */
export function samples() {
  samplesPromise ??= fetch(new URL("samples/index.json", BASE))
    .then((r) => (r.ok ? r.json() : []))
    .catch(() => []);
  return samplesPromise;
}

const sampleId = (s) => s.file.replace(/\.[^.]+$/, "");
const sameValues = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
let nextSlot = 1;

/** Same-origin check for URLs given in attributes. */
function sameOrigin(url) {
  return url.origin !== "null" && url.origin === location.origin;
}

// ---------------------------------------------------------------- the element

const el = (tag, className, text) => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  select.append(o);
  return o;
}

export class ConvlensExplorer extends HTMLElement {
  static get observedAttributes() {
    return ATTRS;
  }

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.slotId = `embed-${nextSlot++}`;
    this.engine = null; // this element's model client of the shared engine
    this.summary = null;
    this.modelKey = null; // what is loaded: the model attribute's value
    this.inputKey = null; // what the input was made from
    this.source = null; // {grey, width, height, label}
    this.activations = null;
    /** The last run's activations, completed on demand for large models. */
    this.runLayers = new RunLayers();
    this.output = null;
    this.lastInput = null;
    this.viewName = null;
    this.viewHandle = null;
    this.viewFor = null; // {summary, view, layer, channel} the mounted view was built for
    this.gen = 0;
    this.scheduled = false;
    this.connected = false;
    this.runs = 0;
    this.build();
  }

  // ------------------------------------------------ lifecycle

  connectedCallback() {
    this.connected = true;
    this.schedule();
  }

  disconnectedCallback() {
    this.connected = false;
    // Free this element's model in the shared worker (a re-insert loads it again).
    if (this.engine && this.modelKey !== null) this.engine.unload().catch(() => {});
    this.modelKey = null;
    this.summary = null;
    this.closeView();
  }

  attributeChangedCallback() {
    this.schedule();
  }

  /** Applies all attributes once per microtask, however many changed together. */
  schedule() {
    if (this.scheduled || !this.connected) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.connected) return;
      this.update().catch((e) => this.fail(e instanceof Error ? e.message : String(e)));
    });
  }

  /** Resolves when the element has drawn the current attributes (tests and page scripts). */
  get ready() {
    return this.readyPromise ?? Promise.resolve();
  }

  // ------------------------------------------------ DOM

  build() {
    for (const href of STYLES) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = new URL(href, BASE).href;
      this.root.append(link);
    }
    const box = el("div", "cx");
    box.setAttribute("part", "box");
    const bar = el("div", "cx-bar");
    this.ui = {
      box,
      bar,
      model: document.createElement("select"),
      sample: document.createElement("select"),
      clear: el("button", "cx-button", "Clear"),
      layer: document.createElement("select"),
      channel: document.createElement("input"),
      view: document.createElement("select"),
      notes: el("div", "cx-notes"),
      error: el("p", "cx-error"),
      body: el("div", "cx-body"),
      side: el("div", "cx-side"),
      canvas: el("canvas", "input-canvas cx-input"),
      caption: el("p", "cx-caption", ""),
      prediction: el("p", "cx-prediction"),
      host: el("div", "cx-view"),
      foot: el("p", "cx-foot"),
    };
    const ui = this.ui;
    ui.error.setAttribute("role", "alert");
    ui.error.hidden = true;
    ui.notes.setAttribute("role", "status");
    ui.channel.type = "number";
    ui.channel.min = "0";
    ui.channel.className = "cx-number";
    const label = (text, control, key) => {
      const l = el("label", "cx-field");
      l.dataset.control = key;
      l.append(el("span", "cx-label", text), control);
      return l;
    };
    for (const v of VIEWS) option(ui.view, v, VIEW_LABELS[v]);
    ui.clear.type = "button";
    const inputGroup = el("span", "cx-group");
    inputGroup.dataset.control = "input";
    inputGroup.append(label("Input", ui.sample, "input"), ui.clear);
    bar.append(
      label("Model", ui.model, "model"),
      inputGroup,
      label("Layer", ui.layer, "layer"),
      label("Channel", ui.channel, "layer"),
      label("View", ui.view, "view"),
    );
    ui.canvas.width = 28;
    ui.canvas.height = 28;
    ui.canvas.tabIndex = 0;
    ui.canvas.setAttribute("aria-label", "The network's input picture");
    const fig = el("figure", "cx-figure");
    fig.append(ui.canvas, ui.caption);
    ui.side.append(fig, ui.prediction);
    ui.body.append(ui.side, ui.host);
    ui.foot.append("Runs in your browser: your pictures never leave it. ", this.creditLink());
    box.append(bar, ui.error, ui.notes, ui.body, ui.foot);
    this.root.append(box);

    this.input = new DrawInput(ui.canvas, { onChange: () => this.run() });
    this.input.onStroke = () => {
      this.source = null;
      ui.sample.value = "";
      ui.caption.textContent = "your drawing";
    };

    // The controls change the element's attributes, so page scripts see one source of truth.
    ui.model.addEventListener("change", () => this.setAttribute("model", ui.model.value));
    ui.sample.addEventListener("change", () => ui.sample.value && this.setAttribute("input", ui.sample.value));
    ui.clear.addEventListener("click", () => {
      this.source = null;
      ui.sample.value = "";
      ui.caption.textContent = "your drawing";
      this.input.clear();
    });
    const picked = () => [ui.layer.value === "" ? null : Number(ui.layer.value), Math.max(0, Math.floor(Number(ui.channel.value) || 0))];
    ui.layer.addEventListener("change", () => {
      if (ui.layer.value === "") this.removeAttribute("layer");
      else this.setAttribute("layer", ui.layer.value);
      this.emitSelect(...picked());
    });
    ui.channel.addEventListener("change", () => {
      this.setAttribute("channel", String(picked()[1]));
      this.emitSelect(...picked());
    });
    ui.view.addEventListener("change", () => this.setAttribute("view", ui.view.value));
    // Pictures dropped on the element are read here and nowhere else.
    this.addEventListener("dragover", (e) => {
      if (this.controls.has("input") && [...(e.dataTransfer?.types ?? [])].includes("Files")) e.preventDefault();
    });
    this.addEventListener("drop", (e) => {
      const file = e.dataTransfer?.files?.[0];
      if (!file || !this.controls.has("input")) return;
      e.preventDefault();
      decodeImage(file)
        .then((pic) => this.usePicture(pic, file.name || "dropped picture"))
        .catch((err) => this.note(`Could not use the dropped file: ${err.message}`));
    });
  }

  creditLink() {
    const a = el("a", "cx-credit", "convlens");
    a.href = new URL("index.html", BASE).href;
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }

  get controls() {
    return parseControls(this.getAttribute("controls")).set;
  }

  // ------------------------------------------------ messages

  /** A fatal problem: shown instead of the view. */
  fail(message) {
    this.ui.error.textContent = message;
    this.ui.error.hidden = false;
    this.ui.body.hidden = true;
    this.dataset.state = "error";
    this.setAttribute("aria-busy", "false");
  }

  clearFail() {
    this.ui.error.hidden = true;
    this.ui.error.textContent = "";
    this.ui.body.hidden = false;
  }

  /** A non-fatal problem: a line above the view. */
  note(message) {
    const p = el("p", "cx-note", message);
    this.ui.notes.append(p);
  }

  // ------------------------------------------------ applying the attributes

  async update() {
    let done;
    this.readyPromise = new Promise((r) => (done = r));
    // While the attributes are applied, the input's own change notifications (resize, load) run
    // nothing: apply() runs once at the end, so no event reports a half-applied state.
    this.applying = true;
    try {
      await this.apply();
    } finally {
      this.applying = false;
      done();
    }
  }

  async apply() {
    const gen = ++this.gen;
    const ui = this.ui;
    ui.notes.replaceChildren();
    this.setAttribute("aria-busy", "true");
    this.dataset.state = "loading";

    // Controls and height first: they need no engine.
    const { set: controls, unknown } = parseControls(this.getAttribute("controls"));
    if (unknown.length) this.note(`controls: unknown ${unknown.length > 1 ? "words" : "word"} ${unknown.map((w) => `“${w}”`).join(", ")} (use ${CONTROLS.join(", ")}, all or none)`);
    for (const c of ui.bar.querySelectorAll("[data-control]")) c.hidden = !controls.has(c.dataset.control);
    ui.bar.hidden = ![...controls].some((c) => c !== "prediction");
    ui.prediction.hidden = !controls.has("prediction");
    ui.canvas.classList.toggle("cx-readonly", !controls.has("input"));
    const height = parseHeight(this.getAttribute("height"));
    if (height.problem) this.note(height.problem);
    this.style.height = height.css ?? "";
    ui.box.classList.toggle("cx-fixed", !!height.css);

    const view = this.getAttribute("view") ?? "maps";
    if (!VIEWS.includes(view)) {
      this.fail(`view="${view}" is not a view of convlens. Use one of: ${VIEWS.join(", ")}.`);
      return;
    }
    const channel = parseIndex("channel", this.getAttribute("channel"));
    if (channel.problem) {
      this.fail(channel.problem);
      return;
    }

    // The engine (shared by every element of the page).
    if (!this.engine) {
      const shared = Engine.shared();
      this.engine = shared.engine.forModel(this.slotId);
      try {
        await shared.ready;
      } catch (e) {
        this.fail(`The convlens engine could not start: ${e.message}`);
        this.engine = null;
        return;
      }
      if (gen !== this.gen) return;
      ui.model.replaceChildren();
      for (const n of this.engine.builtins) option(ui.model, n, n);
    }

    // The model.
    const model = (this.getAttribute("model") ?? "digits").trim() || "digits";
    if (model !== this.modelKey) {
      let summary;
      try {
        summary = await this.loadModel(model);
      } catch (e) {
        if (gen === this.gen) this.fail(e.message);
        return;
      }
      if (gen !== this.gen) return;
      this.summary = summary;
      this.modelKey = model;
      this.inputKey = null;
      this.activations = null;
      this.runLayers.reset();
      this.closeView();
      const { height: h, width: w } = summary.input;
      this.input.resize(h, w, summary.input.channels === 3 ? 3 : 1); // colour models get RGB pictures
      if (!ui.model.querySelector(`option[value="${CSS.escape(model)}"]`)) option(ui.model, model, model.split("/").pop());
      ui.model.value = model;
      ui.layer.replaceChildren();
      option(ui.layer, "", "all layers");
      summary.layers.forEach((l, i) => option(ui.layer, String(i), `${i}: ${l.name} (${l.type})`));
    }
    this.clearFail();
    const summary = this.summary;

    // Layer and channel.
    const layer = resolveLayer(summary, this.getAttribute("layer"));
    if (layer.problem) {
      this.fail(layer.problem);
      return;
    }
    const layerIndex = layer.index ?? this.defaultLayer(view, summary);
    const info = layerIndex === null ? null : summary.layers[layerIndex];
    const ch = channel.value ?? 0;
    if (info && channel.value !== null) {
      const n = info.outputShape[0];
      if (ch >= n) {
        this.fail(`channel="${ch}": layer ${layerIndex} (${info.name}) has ${info.outputShape.length === 3 ? "channels" : "units"} 0 to ${n - 1}`);
        return;
      }
    }
    ui.layer.value = layer.index === null ? "" : String(layer.index);
    ui.channel.value = String(ch);
    ui.view.value = view;
    this.state = { view, layer: layerIndex, layerGiven: layer.index !== null, channel: ch };

    // The input.
    const inputAttr = this.getAttribute("input");
    const shift = parseShift(this.getAttribute("shift"));
    if (shift.problem) this.note(shift.problem);
    this.shift = shift;
    const wantedInput = `${this.modelKey}|${inputAttr ?? ""}|${shift.dx},${shift.dy}`;
    if (wantedInput !== this.inputKey) {
      ui.sample.replaceChildren();
      const list = await samples();
      if (gen !== this.gen) return;
      option(ui.sample, "", "(your drawing)");
      for (const s of list.filter((x) => x.kind !== "photo" || modeFor(this.modelKey, summary) === "fit")) option(ui.sample, sampleId(s), s.title);
      try {
        await this.loadInput(inputAttr, list);
      } catch (e) {
        if (gen !== this.gen) return;
        this.note(e.message);
        this.input.drawSample();
        ui.caption.textContent = "a drawn 2 (the input could not be loaded)";
      }
      if (gen !== this.gen) return;
      this.inputKey = wantedInput;
    }

    // The view.
    await this.showView();
    if (gen !== this.gen) return;
    await this.run(true);
    this.setAttribute("aria-busy", "false");
    this.dataset.state = "ready";
  }

  defaultLayer(view, summary) {
    if (view === "filters" || view === "maximize") {
      const conv = summary.layers.findIndex((l) => l.type === "conv2d");
      return conv >= 0 ? conv : 0;
    }
    return null;
  }

  async loadModel(model) {
    if (this.engine.builtins.includes(model)) return this.engine.load({ builtin: model });
    if (/^[A-Za-z0-9_-]+$/.test(model)) {
      throw new Error(`model="${model}" is not a builtin model (builtins: ${this.engine.builtins.join(", ")}) nor a model file URL.`);
    }
    let url;
    try {
      url = new URL(model, document.baseURI);
    } catch {
      throw new Error(`model="${model}" is not a valid URL.`);
    }
    if (!sameOrigin(url)) {
      throw new Error(`model="${model}": only model files on this page's own site can be loaded (the element never contacts other sites).`);
    }
    let bytes;
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new Error(`model="${model}" could not be downloaded: ${e.message}`);
    }
    try {
      return await this.engine.load({ bytes });
    } catch (e) {
      throw new Error(`model="${model}" is not a usable model file: ${e.message}`);
    }
  }

  async loadInput(value, list) {
    const ui = this.ui;
    const v = value?.trim();
    const mode = modeFor(this.modelKey, this.summary);
    if (!v) {
      const id = mode === "mnist" ? "digit-2" : mode === "fashion" ? "fashion-ankle-boot" : "cat";
      const s = list.find((x) => sampleId(x) === id);
      if (!s) {
        this.input.drawSample();
        ui.caption.textContent = "a drawn 2";
        return;
      }
      return this.loadSample(s);
    }
    const s = list.find((x) => sampleId(x) === v || x.file === v);
    if (s) return this.loadSample(s);
    if (/^[A-Za-z0-9_-]+$/.test(v)) {
      throw new Error(`input="${v}" is not a sample name (e.g. digit-7, fashion-sneaker, cat) nor an image URL; showing a drawn 2.`);
    }
    let url;
    try {
      url = new URL(v, document.baseURI);
    } catch {
      throw new Error(`input="${v}" is not a valid URL; showing a drawn 2.`);
    }
    if (!sameOrigin(url)) throw new Error(`input="${v}": only images on this page's own site can be loaded; showing a drawn 2.`);
    let pic;
    try {
      pic = await loadImageUrl(url);
    } catch (e) {
      throw new Error(`input="${v}" could not be loaded: ${e.message}; showing a drawn 2.`);
    }
    ui.sample.value = "";
    this.usePicture(pic, v.split("/").pop());
  }

  async loadSample(s) {
    const pic = await loadImageUrl(new URL(`samples/${s.file}`, BASE));
    this.usePicture(pic, s.title);
    this.ui.sample.value = sampleId(s);
  }

  /** Converts a picture to the model input as the app does: for colour models in colour, centre-
   * cropped; for the others greyscale, fitted, auto-inverted. */
  usePicture(pic, label) {
    const { height, width } = this.summary.input;
    this.source = { ...pic, label };
    const planes = this.input.planes;
    const prepared =
      planes === 3 && pic.rgb
        ? prepareColour(pic.rgb, pic.width, pic.height, { outHeight: height, outWidth: width })
        : prepare(pic.grey, pic.width, pic.height, {
            mode: modeFor(this.modelKey, this.summary),
            invert: planes === 3 ? false : autoInvert(pic.grey, pic.width, pic.height),
            outHeight: height,
            outWidth: width,
          });
    const { dx = 0, dy = 0 } = this.shift ?? {};
    // Each colour plane moved alike (a grey picture on a colour model fills all three).
    const plane = height * width;
    const values = new Float32Array(planes * plane);
    for (let p = 0; p < planes; p++) {
      const src = prepared.length === planes * plane ? prepared.subarray(p * plane, (p + 1) * plane) : prepared;
      values.set(shiftImage(src, height, width, dx, dy), p * plane);
    }
    // DrawInput.load schedules a run through onChange (in the next animation frame); apply()
    // also runs at once, and the engine drops whichever result is stale.
    this.input.load(values, { undoable: false });
    const moved = dx || dy ? `, moved ${dx} right and ${dy} down` : "";
    this.ui.caption.textContent = `${label} → ${height} × ${width}${moved}`;
  }

  // ------------------------------------------------ running

  /** Runs the model on the input; `force` runs even while applying or when the input is unchanged. */
  async run(force = false) {
    if (this.applying && !force) return;
    const { engine, summary } = this;
    if (!engine || !summary || !this.state) return;
    const gen = this.gen;
    const tensor = this.input.tensor(summary.input.channels);
    if (!force && this.lastInput && this.lastSummary === summary && sameValues(tensor, this.lastInput)) return;
    let r;
    try {
      r = await engine.runLatest(tensor, { layers: this.layersToRun() });
    } catch (e) {
      if (gen === this.gen) this.fail(`Running the model failed: ${e.message}`);
      return;
    } finally {
      this.runLayers.release();
    }
    if (!r || summary !== this.summary) return;
    this.runLayers.landed(r);
    this.activations = r.activations;
    this.output = r.output;
    this.lastInput = tensor;
    this.lastSummary = summary;
    this.runs += 1;
    this.dataset.runs = String(this.runs);
    this.showPrediction(r.output);
    this.refreshView();
  }

  /**
   * The layers a run of a large model returns (undefined: all, for other models): the maps' layer
   * (or the layers on screen when all are shown), the filters view's layer and the one it reads;
   * the explaining views need none (they ask the engine themselves).
   */
  layersToRun() {
    const { summary, state } = this;
    if (!summary || !state || !isLarge(summary)) return undefined;
    const { view, layer } = state;
    if (view === "maps") return layer !== null ? [layer] : (this.viewHandle?.maps?.wanted(summary) ?? []);
    if (view === "filters" && layer !== null) return [layer, inputLayerIndex(summary, layer)].filter((i) => i >= 0);
    return [];
  }

  showPrediction(output) {
    const labels = this.summary.labels ?? [];
    const p = this.ui.prediction;
    p.replaceChildren();
    const last = this.summary.layers[this.summary.layers.length - 1];
    if (!output?.length || last.outputShape.length !== 1) return;
    const best = argmax(output);
    const label = labels.length === output.length ? labels[best] : `class ${best}`;
    const sum = output.reduce((a, b) => a + b, 0);
    const probs = output.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 1e-3;
    const strong = el("strong", "", label);
    p.append("The network says ", strong, probs ? ` (${(output[best] * 100).toFixed(1)}%)` : "");
    this.dispatchEvent(
      new CustomEvent("prediction", {
        bubbles: true,
        composed: true,
        detail: { model: this.modelKey, index: best, label, probability: probs ? output[best] : null, output: Array.from(output), labels: [...labels] },
      }),
    );
  }

  emitSelect(layer = this.state?.layer, channel = this.state?.channel) {
    this.dispatchEvent(
      new CustomEvent("select", {
        bubbles: true,
        composed: true,
        detail: {
          model: this.modelKey,
          view: this.state?.view,
          layer: layer ?? null,
          layerName: layer === null || layer === undefined ? null : this.summary.layers[layer]?.name ?? null,
          channel: channel ?? 0,
        },
      }),
    );
  }

  // ------------------------------------------------ views

  closeView() {
    try {
      this.viewHandle?.close?.();
    } catch {
      // a view that failed to build has nothing to close
    }
    this.viewHandle = null;
    this.viewFor = null;
    this.ui.host.replaceChildren();
    this.ui.host.className = "cx-view";
  }

  inputShape() {
    const { channels, height, width } = this.summary.input;
    return { data: this.lastInput ?? this.input.tensor(channels), channels, height, width };
  }

  explainContext() {
    return {
      engine: this.engine,
      summary: this.summary,
      input: this.inputShape(),
      output: this.output,
      samples: this.samplesList ?? [],
      evalSample: async () => {
        const { loadEvalSample } = await import("../views/stats.js");
        return loadEvalSample({ name: this.modelKey, summary: this.summary, samples: await samples(), base: BASE });
      },
    };
  }

  detailContext() {
    const { layer, channel } = this.state;
    return {
      engine: this.engine,
      summary: this.summary,
      layer,
      channel,
      input: this.inputShape(),
      activations: this.activations,
      colormap: "viridis",
      closable: false,
      onClose: () => {},
    };
  }

  /** Mounts the view the attributes ask for (or re-targets the mounted one). */
  async showView() {
    const { view, layer, channel } = this.state;
    const f = this.viewFor;
    const host = this.ui.host;
    this.ui.side.hidden = view === "playground" || view === "stats" || view === "maximize";
    this.ui.body.dataset.view = view;
    if (f && f.summary === this.summary && f.view === view) {
      // Same view and model: re-target it in place.
      if (view === "maps") this.showMapsLayer();
      else if (view === "maximize" && (f.layer !== layer || f.channel !== channel) && this.state.layerGiven) {
        this.viewHandle.target({ layer, channel }, { start: true });
      } else if (view === "attribution") this.viewHandle.setTarget(this.getAttribute("channel") === null ? null : channel);
      else if (view === "playground") this.viewHandle.configure(this.playgroundOptions());
      this.viewFor = { summary: this.summary, view, layer, channel };
      return;
    }
    this.closeView();
    host.classList.add(`cx-view-${view}`);
    this.samplesList = await samples();
    if (view === "maps") {
      const { MapsView } = await import("../views/maps.js");
      const maps = new MapsView(host, {
        tipParent: this.root,
        onSelect: (l, c) => {
          this.state.channel = c;
          this.emitSelect(l, c);
        },
        // A large model's layers that scrolled into view, from the last run.
        onNeed: (layers) =>
          this.runLayers.fetch(this.engine, layers).then(
            (got) => Object.keys(got).length && maps.fill(got),
            (e) => console.warn("fetching activations failed", e),
          ),
      });
      maps.build(this.summary);
      maps.setStyle({ colormap: "viridis", norm: "map" });
      this.viewHandle = { maps, close: () => maps.tip.remove() };
      this.showMapsLayer();
    } else if (view === "filters") {
      // Built on the first run (it needs the activations).
      this.viewHandle = null;
    } else if (view === "playground") {
      const { mountPlayground } = await import("../views/playground.js");
      this.viewHandle = mountPlayground(host, {
        engine: this.engine,
        getImage: () => ({ data: this.input.values.slice(), height: this.input.height, width: this.input.width }),
        samples: this.samplesList.filter((s) => s.kind === "photo"),
        initial: this.playgroundOptions(),
      });
    } else if (view === "maximize") {
      const { mountMaximize } = await import("../views/maximize.js");
      this.viewHandle = mountMaximize(host, this.explainContext());
      if (this.state.layerGiven) this.viewHandle.target({ layer, channel }, { start: true });
    } else if (view === "attribution") {
      const { mountAttribution } = await import("../views/attribution.js");
      this.viewHandle = mountAttribution(host, this.explainContext());
      if (this.getAttribute("channel") !== null) this.viewHandle.setTarget(channel);
    } else if (view === "stats") {
      const { mountStats } = await import("../views/stats.js");
      this.viewHandle = mountStats(host, this.explainContext());
    }
    this.viewFor = { summary: this.summary, view, layer, channel };
  }

  playgroundOptions() {
    const n = (name) => {
      const v = this.getAttribute(name);
      return v !== null && /^\d$/.test(v.trim()) ? Number(v) : undefined;
    };
    const preset = this.getAttribute("kernel") ?? undefined;
    return { preset, size: n("kernel-size"), stride: n("stride"), padding: n("padding") };
  }

  showMapsLayer() {
    const { maps } = this.viewHandle;
    const { layer, channel } = this.state;
    maps.views.forEach((v, i) => {
      v.section.hidden = layer !== null && i !== layer;
    });
    if (layer !== null && this.getAttribute("channel") !== null) maps.select(layer, channel);
    else maps.select(-1, -1);
  }

  refreshView(fetched = false) {
    const { view } = this.state;
    const h = this.viewHandle;
    // A view that shows layers the last run of a large model did not bring: fetch them first.
    const need = this.layersToRun() ?? [];
    if (!fetched && this.activations && need.some((i) => !this.activations[i])) {
      this.runLayers.fetch(this.engine, need).then(
        () => this.refreshView(true),
        (e) => this.note(`Fetching activations failed: ${e.message}`),
      );
      return;
    }
    try {
      if (view === "maps") h?.maps.update(this.activations);
      else if (view === "filters") {
        if (!h) {
          this.ui.host.replaceChildren();
          import("../views/detail.js").then(({ openDetail }) => {
            if (this.state.view !== "filters" || this.viewHandle) return;
            this.viewHandle = openDetail(this.ui.host, this.detailContext());
          });
        } else h.update(this.detailContext());
      } else if (view === "playground") h?.refresh();
      else h?.refresh(this.explainContext());
    } catch (e) {
      this.note(`The ${view} view failed to update: ${e.message}`);
    }
  }
}

if (!customElements.get("convlens-explorer")) customElements.define("convlens-explorer", ConvlensExplorer);
