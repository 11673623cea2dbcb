// Draws every layer's output: one crisp canvas per channel for spatial ([c, h, w]) outputs, a
// labelled bar list for short vectors, and a single grid image for long vectors. Colour map and
// normalization (per map, per layer, global) are settable; each layer shows a colour bar with the
// actual min and max; hovering a map shows the value under the pointer; clicking a map (or Enter /
// Space on it) asks for its detail view.
//
// Large models (see `isLarge`) get the compact view instead: one atlas canvas per layer
// (atlas.js), and only the layers on or near the screen are drawn. Their activations arrive on
// demand: `wanted()` names the layers a run should return, and `onNeed(layers)` asks for layers
// that scrolled into view.

import { argmax, channelRanges, colorize, colorizeFast, colorOf, formatValue, gridFor, pixelScale } from "../core/colormap.js";
import { barLengths, topIndices } from "../core/prediction.js";
import { AtlasView } from "./atlas.js";
import { isLarge } from "../core/graph.js";
import { el } from "../ui/dom.js";

/** Vectors up to this length are drawn as bars; longer ones as an image. */
const MAX_BARS = 64;
/** Feature maps are magnified by an integer factor to about this many CSS pixels (smaller
 * when a layer has many channels). */
const mapTarget = (channels) => (channels <= 16 ? 84 : channels <= 32 ? 64 : 48);

export function shapeText(shape) {
  return shape.join(" × ");
}

/** A canvas showing an h x w map magnified by an integer factor with crisp pixels. */
function mapCanvas(h, w, target) {
  const canvas = el("canvas", "map-canvas");
  canvas.width = w;
  canvas.height = h;
  const scale = pixelScale(h, w, target);
  canvas.style.width = `${w * scale}px`;
  canvas.style.height = `${h * scale}px`;
  return canvas;
}

/** A horizontal colour bar (gradient canvas) with min and max labels. */
class ColorBar {
  constructor(parent) {
    this.root = el("div", "colorbar");
    this.min = el("span", "colorbar-min");
    this.canvas = el("canvas", "colorbar-canvas");
    this.canvas.width = 128;
    this.canvas.height = 1;
    this.canvas.setAttribute("role", "img");
    this.max = el("span", "colorbar-max");
    this.root.append(this.min, this.canvas, this.max);
    parent.append(this.root);
    this.ctx = this.canvas.getContext("2d");
    this.map = null;
  }

  /** Draws the bar for colour map `map` over [lo, hi] and labels its ends. */
  set(map, lo, hi, note) {
    if (map !== this.map) {
      const img = this.ctx.createImageData(128, 1);
      for (let i = 0; i < 128; i++) colorOf(lo + ((hi - lo) * i) / 127, map, lo, hi, img.data, 4 * i);
      this.ctx.putImageData(img, 0, 0);
      this.map = map;
    }
    const min = formatValue(lo);
    const max = formatValue(hi);
    const key = `${map} ${min} ${max} ${note}`;
    if (key === this.key) return;
    this.key = key;
    this.min.textContent = min;
    this.max.textContent = max;
    this.canvas.setAttribute("aria-label", `colour bar: ${map}, ${min} to ${max}${note ? ` (${note})` : ""}`);
    this.root.title = note ?? "";
  }
}

/** The range a colour map spans: the diverging map is symmetric around zero. */
function shownRange(map, min, max) {
  if (map !== "diverging") return { lo: min, hi: max };
  const m = Math.max(Math.abs(min), Math.abs(max));
  return { lo: -m, hi: m };
}

class SpatialView {
  get spatial() {
    return true;
  }

  constructor(owner, index, layer, body) {
    const [channels, h, w] = layer.outputShape;
    this.owner = owner;
    this.index = index;
    this.layer = layer;
    this.channels = channels;
    this.h = h;
    this.w = w;
    this.figures = [];
    this.data = null;
    const grid = el("div", "map-grid");
    for (let c = 0; c < channels; c++) {
      const fig = el("figure", "map");
      const canvas = mapCanvas(h, w, mapTarget(channels));
      canvas.dataset.channel = String(c);
      canvas.tabIndex = 0;
      canvas.setAttribute("role", "button");
      const caption = el("figcaption");
      const name = el("span", "map-name", `ch ${c}`);
      const rangeEl = el("span", "map-range");
      caption.append(name, rangeEl);
      fig.append(canvas, caption);
      grid.append(fig);
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(w, h);
      this.figures.push({ fig, canvas, ctx, range: rangeEl, image, out32: new Uint32Array(image.data.buffer), text: "" });
      owner.wireCanvas(canvas, this, c);
    }
    body.append(grid);
  }

  /** Min/max of every channel of `data`, and of the whole layer. */
  ranges(data) {
    return channelRanges(data, this.channels, this.h * this.w);
  }

  draw(data, stats, map, norm, globalRange) {
    this.data = data;
    const n = this.h * this.w;
    const { per } = stats;
    this.figures.forEach((f, c) => {
      const own = per[c];
      const r = norm === "map" ? own : norm === "layer" ? stats : globalRange;
      colorizeFast(data, c * n, n, f.out32, map, r.min, r.max);
      f.ctx.putImageData(f.image, 0, 0);
      const text = `${formatValue(own.min)} … ${formatValue(own.max)}`;
      if (text !== f.text) {
        // Only touch the DOM when the text changes (this runs for every map on every stroke).
        f.text = text;
        f.range.textContent = text;
        f.canvas.setAttribute(
          "aria-label",
          `${this.layer.name} channel ${c}: ${this.h} × ${this.w} map, values ${formatValue(own.min)} to ${formatValue(own.max)}. Press Enter for details.`,
        );
      }
    });
  }

  valueAt(c, y, x) {
    return this.data ? this.data[c * this.h * this.w + y * this.w + x] : NaN;
  }

  select(channel) {
    if (channel === null) return;
    this.figures[channel].fig.classList.add("selected");
  }
}

/**
 * An <ol class="bars ..."> of `n` rows (label, track with its fill, value) in `body`; the rows.
 * With `buttons` (a label for the group), rows the keyboard reaches: a list item cannot be a
 * button, so a group of role="button" rows instead of the list.
 */
function barRows(body, n, className, buttons = null) {
  const list = el(buttons ? "div" : "ol", className);
  if (buttons) {
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", buttons);
  }
  const rows = [];
  for (let i = 0; i < n; i++) {
    const row = el(buttons ? "div" : "li", "bar-row");
    if (buttons) {
      row.setAttribute("role", "button");
      row.tabIndex = 0;
    }
    const label = el("span", "bar-label");
    const track = el("span", "bar-track");
    const fill = el("span", "bar-fill");
    track.append(fill);
    const value = el("span", "bar-value");
    row.append(label, track, value);
    list.append(row);
    rows.push({ row, label, fill, value });
  }
  body.append(list);
  return rows;
}

/** Bars of `n` outputs; `buttons`: see barRows. */
class BarsView {
  constructor(body, n, labels, buttons = null) {
    this.rows = barRows(body, n, "bars", buttons);
    this.rows.forEach((r, i) => (r.label.textContent = labels && labels.length === n ? labels[i] : String(i)));
    this.note = el("p", "bars-note muted small", "Bars are scaled by the largest magnitude; orange bars are negative.");
    this.note.hidden = true;
    body.append(this.note);
  }

  update(data) {
    const { probabilities, lengths } = barLengths(data);
    const best = argmax(data);
    this.note.hidden = probabilities;
    this.rows.forEach((r, i) => {
      const len = lengths[i];
      r.fill.style.width = `${Math.abs(len) * 100}%`;
      r.fill.classList.toggle("negative", len < 0);
      r.row.classList.toggle("best", i === best);
      r.value.textContent = probabilities ? `${(data[i] * 100).toFixed(1)}%` : formatValue(data[i]);
    });
  }
}

export { BarsView };

/** The `k` largest of many outputs (ImageNet's 1000 classes) as labelled bars, best first; each
 * row's `dataset.index` is the class it shows now. `buttons`: see barRows. */
export class TopView {
  constructor(body, labels, k = 5, buttons = null) {
    this.labels = labels;
    this.rows = barRows(body, k, "bars top-classes", buttons);
    this.note = el("p", "bars-note muted small", "");
    body.append(this.note);
  }

  update(data) {
    const order = topIndices(data, this.rows.length);
    const { probabilities, lengths } = barLengths(data);
    this.rows.forEach((r, k) => {
      const i = order[k];
      r.row.dataset.index = String(i);
      r.label.textContent = this.labels[i] ?? String(i);
      r.fill.style.width = `${Math.abs(lengths[i]) * 100}%`;
      r.row.classList.toggle("best", k === 0);
      r.value.textContent = probabilities ? `${(data[i] * 100).toFixed(1)}%` : formatValue(data[i]);
    });
    this.note.textContent = `The ${this.rows.length} most likely of ${data.length} classes.`;
  }
}


class VectorImageView {
  constructor(body, n, name) {
    const { cols, rows } = gridFor(n);
    this.n = n;
    const fig = el("figure", "map vector-map");
    this.canvas = mapCanvas(rows, cols, 160);
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `${name}: ${n} values drawn row by row`);
    this.ctx = this.canvas.getContext("2d");
    this.image = this.ctx.createImageData(cols, rows);
    const caption = el("figcaption");
    caption.append(el("span", "map-name", `${n} values, row by row`));
    this.range = el("span", "map-range");
    caption.append(this.range);
    fig.append(this.canvas, caption);
    body.append(fig);
  }

  update(data, map) {
    // Cells past the end of the vector stay transparent.
    const { min, max } = colorize(data, 0, this.n, this.image.data, { map });
    this.ctx.putImageData(this.image, 0, 0);
    this.range.textContent = `${formatValue(min)} … ${formatValue(max)}`;
  }
}

/** All layers' outputs, one <section> per layer inside `container`. */
export class MapsView {
  /**
   * @param {HTMLElement} container
   * @param {{onOpen?: (layer, channel) => void, onSelect?: (layer, channel) => void,
   *   onNeed?: (layers: number[]) => void, tipParent?: Node}} handlers
   *   onNeed: the compact view asks for the activations of layers that scrolled into view;
   *   tipParent: where the hover tip lives (document.body; an embed passes its shadow root)
   */
  constructor(container, { onOpen = () => {}, onSelect = () => {}, onNeed = () => {}, tipParent = document.body } = {}) {
    this.container = container;
    this.onOpen = onOpen;
    this.onSelect = onSelect;
    this.onNeed = onNeed;
    this.compact = false;
    this.visible = new Set();
    this.views = [];
    this.colormap = "grey";
    this.norm = "map";
    this.last = null;
    this.selected = null;
    this.tip = el("div", "hover-tip");
    this.tip.hidden = true;
    this.tip.setAttribute("aria-hidden", "true");
    tipParent.append(this.tip);
    this.readout = null; // optional <output> showing the hovered value
  }

  /** Rebuilds the sections for a model summary. */
  build(summary) {
    this.container.replaceChildren();
    this.observer?.disconnect();
    this.last = null;
    this.selected = null;
    this.summary = summary;
    this.compact = isLarge(summary);
    this.container.classList.toggle("compact", this.compact);
    this.visible = new Set();
    this.views = summary.layers.map((layer, i) => {
      const shape = layer.outputShape;
      const spatial = shape.length === 3;
      const section = el("section", "layer");
      section.dataset.layer = String(i);
      section.dataset.kind = spatial ? "spatial" : "vector";
      section.id = `layer-${i}`;
      const head = el("header", "layer-head");
      const title = el("h3");
      title.append(el("span", "layer-index", String(i + 1)), ` ${layer.name} `, el("span", "layer-type", layer.type));
      const meta = el("div", "layer-meta");
      meta.append(el("span", "layer-shape", shapeText(shape)));
      // Graph models: name what a layer reads when it is not simply the layer before.
      const reads = layer.inputs ?? [];
      const previous = i === 0 ? "input" : summary.layers[i - 1].name;
      if (reads.length > 1 || (reads.length === 1 && reads[0] !== previous)) {
        meta.append(el("span", "layer-reads", `reads ${reads.join(" + ")}`));
      }
      head.append(title, meta);
      section.append(head);
      const body = el("div", "layer-body");
      section.append(body);
      this.container.append(section);
      let view;
      if (spatial) {
        view = this.compact ? new AtlasView(this, i, layer, body) : new SpatialView(this, i, layer, body);
        view.bar = new ColorBar(meta);
      } else if (shape[0] <= MAX_BARS) {
        view = new BarsView(body, shape[0], summary.labels);
      } else {
        view = new VectorImageView(body, shape[0], layer.name);
      }
      view.section = section;
      return view;
    });
    if (this.compact) this.watch();
  }

  /** Compact view: tracks which sections are on or near the screen and asks for their data. */
  watch() {
    this.observer = new IntersectionObserver(
      (entries) => {
        const need = [];
        for (const e of entries) {
          const i = Number(e.target.dataset.layer);
          if (e.isIntersecting) {
            this.visible.add(i);
            if (this.last && !this.last[i]) need.push(i);
            else if (this.last) this.drawLayer(i);
          } else {
            this.visible.delete(i);
          }
        }
        if (need.length) this.onNeed(need);
      },
      { rootMargin: "600px 0px" },
    );
    for (const v of this.views) this.observer.observe(v.section);
  }

  /** The layers a run of the model `summary` should return: null for every layer, or (compact
   * view) those on or near the screen; none yet when its sections are not built. */
  wanted(summary) {
    if (summary !== this.summary) return isLarge(summary) ? [] : null;
    if (!this.compact) return null;
    return [...this.visible].sort((a, b) => a - b);
  }

  /** Adds activations of some layers (`{layer: data}`) to the last run's and draws them. */
  fill(byLayer) {
    if (!this.last) return;
    for (const [i, data] of Object.entries(byLayer)) this.last[Number(i)] = data;
    this.draw(this.last);
  }

  /**
   * Follows a run or a model change (the view interface of views/registry.js): rebuilds the
   * sections for a new `summary`, takes `colormap` and `norm`, shows only layer `only` when it is
   * given (null: every layer), and draws `activations` when there are some.
   */
  update({ summary, activations, colormap, norm, only }) {
    if (summary !== this.summary) this.build(summary);
    if (colormap) this.colormap = colormap;
    if (norm) this.norm = norm;
    if (only !== undefined) this.views.forEach((v, i) => (v.section.hidden = only !== null && i !== only));
    if (activations) this.draw(activations);
  }

  /** Stops watching the sections and removes the view (and its hover tip). */
  close() {
    this.observer?.disconnect();
    this.tip.remove();
    this.container.replaceChildren();
  }

  /** Draws every layer from a run's activations (an array of flattened CHW outputs; the compact
   * view gets only some layers, the others null, and draws only layers near the screen). */
  draw(activations) {
    this.last = activations;
    const drawn = (v, i) => activations[i] && (!this.compact || this.visible.has(i));
    const stats = this.views.map((v, i) => (v.spatial && drawn(v, i) ? v.ranges(activations[i]) : null));
    this.stats = stats;
    let gmin = Infinity;
    let gmax = -Infinity;
    for (const s of stats) {
      if (!s) continue;
      if (s.min < gmin) gmin = s.min;
      if (s.max > gmax) gmax = s.max;
    }
    this.globalRange = gmin <= gmax ? { min: gmin, max: gmax } : { min: 0, max: 0 };
    this.views.forEach((v, i) => {
      if (drawn(v, i)) this.drawLayer(i);
    });
    // Layers on screen that this run did not bring (a run started before the sections were
    // watched asks for none): fetch them from the last run.
    const missing = this.compact ? [...this.visible].filter((i) => !activations[i]).sort((a, b) => a - b) : [];
    if (missing.length) this.onNeed(missing);
  }

  /** Draws layer `i` from the last run (its data must be there). */
  drawLayer(i) {
    const v = this.views[i];
    const data = this.last?.[i];
    if (!data) return;
    const map = this.colormap;
    const globalRange = this.globalRange ?? { min: 0, max: 0 };
    const stats = this.stats ?? [];
    {
      if (v.spatial) {
        stats[i] ??= v.ranges(data);
        v.draw(data, stats[i], map, this.norm, globalRange);
        const r = this.norm === "global" ? globalRange : stats[i];
        const { lo, hi } = shownRange(map, r.min, r.max);
        const global = this.compact ? "one range for every layer drawn so far" : "one range for every layer";
        const note = this.norm === "map" ? "each map uses its own range; the bar spans the layer's min and max" : this.norm === "global" ? global : "one range for this layer";
        v.bar.set(map, lo, hi, note);
        v.section.dataset.min = String(stats[i].min);
        v.section.dataset.max = String(stats[i].max);
      } else if (v instanceof VectorImageView) {
        v.update(data, map);
      } else {
        v.update(data);
      }
    }
  }

  /** Redraws the last run with a new colour map or normalization. */
  setStyle({ colormap = this.colormap, norm = this.norm }) {
    this.colormap = colormap;
    this.norm = norm;
    if (this.last) this.draw(this.last);
  }

  /** Marks map (layer, channel) as selected (null clears). */
  select(layer, channel) {
    this.container.querySelector(".map.selected")?.classList.remove("selected");
    if (this.selected) this.views[this.selected.layer]?.select?.(null);
    this.selected = null;
    const v = this.views[layer];
    if (!v?.spatial || !(channel >= 0 && channel < v.channels)) return false;
    v.select(channel);
    this.selected = { layer, channel };
    return true;
  }

  canvasFor(layer, channel) {
    const v = this.views[layer];
    if (!v?.spatial) return null;
    return v.canvas ?? v.figures[channel]?.canvas;
  }

  /** Shows the hover tip with `text` next to the pointer of event `e`. */
  showTip(e, text, value) {
    this.tip.textContent = text;
    this.tip.dataset.value = String(value);
    this.tip.hidden = false;
    const tx = Math.min(e.clientX + 14, window.innerWidth - this.tip.offsetWidth - 4);
    this.tip.style.left = `${Math.max(4, tx)}px`;
    this.tip.style.top = `${e.clientY + 16}px`;
    if (this.readout) this.readout.textContent = text;
  }

  wireCanvas(canvas, view, c) {
    const open = () => {
      this.select(view.index, c);
      this.onSelect(view.index, c);
      this.onOpen(view.index, c);
    };
    canvas.addEventListener("click", open);
    canvas.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open();
      }
    });
    canvas.addEventListener("pointermove", (e) => {
      const r = canvas.getBoundingClientRect();
      const x = Math.min(view.w - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * view.w)));
      const y = Math.min(view.h - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * view.h)));
      const v = view.valueAt(c, y, x);
      this.showTip(e, `${view.layer.name} · ch ${c} · row ${y}, col ${x}: ${formatValue(v)}`, v);
    });
    canvas.addEventListener("pointerleave", () => {
      this.tip.hidden = true;
    });
  }
}

/**
 * Mounts the feature maps in `host` (views/registry.js): `ctx` as for MapsView.update plus the
 * handlers of MapsView's constructor (onOpen, onSelect, onNeed, tipParent). Returns the MapsView.
 */
export function mount(host, ctx) {
  const maps = new MapsView(host, ctx);
  maps.update(ctx);
  return maps;
}
