// The <convlens-explorer> element (documented in ../convlens-explorer.js, the script pages load):
// its shadow DOM, its controls and the wiring of its attributes. The model, the input, the runs
// and the views' context are the shared controller's (core/controller.js); what the `model` and
// `input` attributes name is read by sources.js; the views are views/*.js (views/registry.js).

import { assetHref } from "../core/base.js";
import { Controller } from "../core/controller.js";
import { ATTRIBUTES, CONTROLS, parseControls, parseHeight, parseIndex, parseShift, playgroundOptions, resolveLayer } from "../core/embed-attrs.js";
import { probabilityText } from "../core/prediction.js";
import { loadSamples, sampleId } from "../core/samples.js";
import { ELEMENT_VIEWS, VIEWS, VIEW_LABELS, elementViewName, viewName } from "../core/views.js";
import { Engine } from "../engine/client.js";
import { el, errorText, option } from "../ui/dom.js";
import { decodeImage } from "../ui/images.js";
import { DrawInput } from "../ui/input.js";
import { loadView } from "../views/registry.js";
import { loadInput, loadModel } from "./sources.js";
import { trainContext, trainSettings } from "./train.js";

/** The `view` attribute's values (the documented names) and the `controls` words. */
export { CONTROLS, ELEMENT_VIEWS as VIEWS };
export const samples = loadSamples; // samples/index.json, fetched once per page

const STYLES = ["style.css", "css/views.css", "css/explain.css", "css/train.css", "css/evaluation.css", "css/embed.css"];

let nextSlot = 1;

export class ConvlensExplorer extends HTMLElement {
  static get observedAttributes() {
    return ATTRIBUTES;
  }

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.slotId = `embed-${nextSlot++}`;
    this.inputKey = null; // what the input was made from
    this.viewHandle = null;
    this.viewFor = null; // {summary, view, layer, channel} the mounted view was built for
    this.gen = 0; // bumped by every application of the attributes
    this.scheduled = false;
    this.connected = false;
    this.build(); // makes this.input and this.core, the controller
  }

  /** This element's model client of the shared engine (null until it started), and its model. */
  get engine() {
    return this.core.engine;
  }
  get summary() {
    return this.core.summary;
  }

  // ------------------------------------------------ lifecycle

  connectedCallback() {
    this.connected = true;
    this.schedule();
  }

  disconnectedCallback() {
    this.connected = false;
    // Free this element's model in the shared worker (a re-insert loads it again).
    if (this.engine && this.core.name !== null) this.engine.unload().catch(() => {});
    this.core.name = null;
    this.core.summary = null;
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
      this.update().catch((e) => this.fail(errorText(e)));
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
      link.href = assetHref(href).href;
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
    for (const v of VIEWS) option(ui.view, elementViewName(v), VIEW_LABELS[v]);
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
    this.core = new Controller({ input: this.input });
    this.input.onStroke = () => {
      this.core.dropSource();
      ui.sample.value = "";
      ui.caption.textContent = "your drawing";
    };

    // The controls change the element's attributes, so page scripts see one source of truth.
    ui.model.addEventListener("change", () => this.setAttribute("model", ui.model.value));
    ui.sample.addEventListener("change", () => ui.sample.value && this.setAttribute("input", ui.sample.value));
    ui.clear.addEventListener("click", () => {
      this.core.dropSource();
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
    a.href = assetHref("index.html").href;
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
    const { ui, core } = this;
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

    const attr = this.getAttribute("view") ?? "maps";
    const view = viewName(attr);
    if (!view) {
      this.fail(`view="${attr}" is not a view of convlens. Use one of: ${ELEMENT_VIEWS.join(", ")}.`);
      return;
    }
    const channel = parseIndex("channel", this.getAttribute("channel"));
    if (channel.problem) {
      this.fail(channel.problem);
      return;
    }

    // The engine (shared by every element of the page).
    if (!core.engine) {
      const shared = Engine.shared();
      core.engine = shared.engine.forModel(this.slotId);
      try {
        await shared.ready;
      } catch (e) {
        this.fail(`The convlens engine could not start: ${e.message}`);
        core.engine = null;
        return;
      }
      if (gen !== this.gen) return;
      ui.model.replaceChildren();
      for (const n of core.engine.builtins) option(ui.model, n, n);
    }

    // The model.
    const model = (this.getAttribute("model") ?? "digits").trim() || "digits";
    if (model !== core.name) {
      let summary;
      try {
        summary = await loadModel(core.engine, model);
      } catch (e) {
        if (gen === this.gen) this.fail(e.message);
        return;
      }
      if (gen !== this.gen) return;
      core.adopt(model, summary);
      this.inputKey = null;
      this.closeView();
      if (!ui.model.querySelector(`option[value="${CSS.escape(model)}"]`)) option(ui.model, model, model.split("/").pop());
      ui.model.value = model;
      ui.layer.replaceChildren();
      option(ui.layer, "", "all layers");
      summary.layers.forEach((l, i) => option(ui.layer, String(i), `${i}: ${l.name} (${l.type})`));
    }
    this.clearFail();
    const summary = core.summary;

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
    ui.view.value = elementViewName(view);
    this.state = { view, layer: layerIndex, layerGiven: layer.index !== null, channel: ch };

    // The input.
    const inputAttr = this.getAttribute("input");
    const shift = parseShift(this.getAttribute("shift"));
    if (shift.problem) this.note(shift.problem);
    this.shift = shift;
    const wantedInput = `${core.name}|${inputAttr ?? ""}|${shift.dx},${shift.dy}`;
    if (wantedInput !== this.inputKey) {
      ui.sample.replaceChildren();
      const list = await loadSamples();
      if (gen !== this.gen) return;
      core.samples = list;
      option(ui.sample, "", "(your drawing)");
      for (const s of list.filter((x) => x.kind !== "photo" || core.mode === "fit")) option(ui.sample, sampleId(s), s.title);
      try {
        const got = await loadInput(inputAttr, list, core.mode);
        if (gen !== this.gen) return;
        if (got) {
          this.usePicture(got.pic, got.label);
          ui.sample.value = got.sample;
        } else {
          this.input.drawSample();
          ui.caption.textContent = "a drawn 2";
        }
      } catch (e) {
        if (gen !== this.gen) return;
        this.note(e.message);
        this.input.drawSample();
        ui.caption.textContent = "a drawn 2 (the input could not be loaded)";
      }
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
    if (view === "detail" || view === "maximize") {
      const conv = summary.layers.findIndex((l) => l.type === "conv2d");
      return conv >= 0 ? conv : 0;
    }
    return null;
  }

  /** Converts a picture to the model input as the explorer page does (core/controller.js
   * usePicture: colour models in colour, centre-cropped; the others greyscale, fitted and
   * auto-inverted), moved by the `shift` attribute. */
  usePicture(pic, label) {
    const { core } = this;
    const { dx = 0, dy = 0 } = this.shift ?? {};
    // DrawInput.load schedules a run through onChange (in the next animation frame); apply()
    // also runs at once, and the engine drops whichever result is stale.
    core.usePicture(pic, label, { shift: { dx, dy }, undoable: false });
    const { height, width } = core.summary.input;
    const moved = dx || dy ? `, moved ${dx} right and ${dy} down` : "";
    this.ui.caption.textContent = `${label} → ${height} × ${width}${moved}`;
  }

  // ------------------------------------------------ running

  /** Runs the model on the input; `force` runs even while applying or when the input is unchanged. */
  async run(force = false) {
    if (this.applying && !force) return;
    if (!this.engine || !this.summary || !this.state) return;
    const gen = this.gen;
    let r;
    try {
      r = await this.core.run({ layers: this.layersToRun(), skipSame: !force });
    } catch (e) {
      if (gen === this.gen) this.fail(`Running the model failed: ${e.message}`);
      return;
    }
    if (!r) return;
    this.dataset.runs = String(this.core.runs);
    this.showPrediction();
    this.refreshView();
  }

  /**
   * The layers a run of a large model returns (core/controller.js layersToRun): the maps' layer
   * (or the layers on screen when all are shown), the detail view's layer and the one it reads;
   * the explaining views need none (they ask the engine themselves).
   */
  layersToRun() {
    const { view, layer } = this.state;
    const core = this.core;
    if (view === "maps") return core.layersToRun({ shown: layer !== null ? [layer] : (this.viewHandle?.wanted?.(core.summary) ?? []) });
    if (view === "detail") return core.layersToRun({ detail: layer });
    return core.layersToRun();
  }

  showPrediction() {
    const p = this.core.prediction;
    const box = this.ui.prediction;
    box.replaceChildren();
    if (!p) return;
    box.append("The network says ", el("strong", "", p.label), probabilityText(p));
    const { output, summary, name } = this.core;
    this.dispatchEvent(
      new CustomEvent("prediction", {
        bubbles: true,
        composed: true,
        detail: { model: name, index: p.index, label: p.label, probability: p.probability, output: Array.from(output), labels: [...(summary.labels ?? [])] },
      }),
    );
  }

  emitSelect(layer = this.state?.layer, channel = this.state?.channel) {
    this.dispatchEvent(
      new CustomEvent("select", {
        bubbles: true,
        composed: true,
        detail: {
          model: this.core.name,
          view: this.state ? elementViewName(this.state.view) : undefined,
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

  /** The context of the view shown (core/controller.js context, views/registry.js). */
  viewContext() {
    const { view, layer, channel } = this.state;
    const core = this.core;
    if (view === "maps") {
      return core.context({
        colormap: "viridis",
        norm: "map",
        only: layer,
        tipParent: this.root,
        onSelect: (l, c) => {
          this.state.channel = c;
          this.emitSelect(l, c);
        },
        // A large model's layers that scrolled into view, from the last run.
        onNeed: (layers) =>
          core.fetchLayers(layers).then(
            (got) => Object.keys(got).length && this.viewHandle?.fill?.(got),
            (e) => console.warn("fetching activations failed", e),
          ),
      });
    }
    if (view === "detail") return core.context({ layer, channel, colormap: "viridis", closable: false, onClose: () => {} });
    if (view === "train") return trainContext(this, core.context(), this.train.settings);
    return core.context({ layer, channel, playground: this.playgroundOptions() });
  }

  /** Mounts the view the attributes ask for (or re-targets the mounted one). */
  async showView() {
    const { view, layer, channel } = this.state;
    const f = this.viewFor;
    const host = this.ui.host;
    this.ui.side.hidden = view === "playground" || view === "stats" || view === "maximize" || view === "train";
    if (view === "train") {
      this.train = trainSettings(this);
      for (const p of this.train.problems) this.note(p);
      // The input and layer pickers don't apply to training.
      for (const c of this.ui.bar.querySelectorAll('[data-control="input"], [data-control="layer"]')) c.hidden = true;
      this.ui.bar.hidden = [...this.ui.bar.children].every((c) => c.hidden);
    }
    this.ui.body.dataset.view = view;
    const h = this.viewHandle;
    if (f && h && f.summary === this.summary && f.view === view) {
      // Same view and model: re-target it in place.
      if (view === "maps") this.showMapsLayer();
      else if (view === "maximize" && (f.layer !== layer || f.channel !== channel) && this.state.layerGiven) h.target({ layer, channel }, { start: true });
      else if (view === "attribution") h.setTarget(this.getAttribute("channel") === null ? null : channel);
      else if (view === "playground") h.configure(this.playgroundOptions());
      else if (view === "train") h.configure(this.train.settings);
      this.viewFor = { summary: this.summary, view, layer, channel };
      return;
    }
    this.closeView();
    host.classList.add(`cx-view-${view}`);
    // The detail view is built on the first run (it needs the activations).
    if (view === "detail") return;
    let module;
    try {
      module = await loadView(view);
    } catch (e) {
      this.note(`The ${elementViewName(view)} view could not be shown: ${errorText(e)}`);
      return;
    }
    if (this.state.view !== view || this.viewHandle) return; // the attributes changed meanwhile
    this.viewHandle = module.mount(host, this.viewContext());
    this.viewFor = { summary: this.summary, view, layer, channel };
    if (view === "maps") this.showMapsLayer();
    else if (view === "maximize" && this.state.layerGiven) this.viewHandle.target({ layer, channel }, { start: true });
    else if (view === "attribution" && this.getAttribute("channel") !== null) this.viewHandle.setTarget(channel);
  }

  playgroundOptions() {
    return playgroundOptions((name) => this.getAttribute(name));
  }

  /** The maps of the `layer` attribute's layer only (all without it), the channel marked when given. */
  showMapsLayer() {
    const maps = this.viewHandle;
    const { layer, channel } = this.state;
    maps.update(this.viewContext());
    if (layer !== null && this.getAttribute("channel") !== null) maps.select(layer, channel);
    else maps.select(-1, -1);
  }

  refreshView(fetched = false) {
    const { view } = this.state;
    const h = this.viewHandle;
    const core = this.core;
    // A view that shows layers the last run of a large model did not bring: fetch them first.
    const need = this.layersToRun() ?? [];
    if (!fetched && core.activations && need.some((i) => !core.activations[i])) {
      core.fetchLayers(need).then(
        () => this.refreshView(true),
        (e) => this.note(`Fetching activations failed: ${e.message}`),
      );
      return;
    }
    if (view === "detail" && !h) {
      this.ui.host.replaceChildren();
      loadView("detail").then(
        (module) => {
          if (this.state.view !== "detail" || this.viewHandle) return;
          this.viewHandle = module.mount(this.ui.host, this.viewContext());
          this.viewFor = { summary: this.summary, view, layer: this.state.layer, channel: this.state.channel };
        },
        (e) => this.note(`The ${elementViewName(view)} view could not be shown: ${errorText(e)}`),
      );
      return;
    }
    try {
      h?.update(this.viewContext());
    } catch (e) {
      this.note(`The ${elementViewName(view)} view failed to update: ${e.message}`);
    }
  }
}

if (!customElements.get("convlens-explorer")) customElements.define("convlens-explorer", ConvlensExplorer);
