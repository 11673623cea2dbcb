// The detail view of one feature map (opened by clicking a map on the page):
//   - the map enlarged with crisp pixels; hovering (or the arrow keys) picks a position and shows
//     its value;
//   - the receptive field of that position drawn on the model input, through every stride,
//     padding, dilation and pool before it (core/receptive.js), with the zero padding it reaches;
//   - conv layers: the filter of this output channel, each input channel's kernel as a heatmap
//     with its numbers, and the bias; pool layers: the pooled map with its windows and the
//     winning cell of each max window; ReLU: the map before the ReLU; vector layers: the values
//     (and for linear layers the weights of the selected unit);
//   - the numbers as tables (weights, map values), for screen readers and for copying.
//
//   const detail = mount(host, ctx);        // ctx: see mount
//   detail.update(ctx);                     // after every run while open
//   detail.close();
//
// Only DOM built with createElement and CSSOM styles (the page's CSP forbids inline styles).

import { pairText } from "../core/geometry.js";
import { inputLayerIndex, inputName } from "../core/graph.js";
import { formatValue, range } from "../core/colormap.js";
import { paddingReach, poolWindow, poolWinners, receptiveField, receptiveFieldSize } from "../core/receptive.js";
import { el } from "../ui/dom.js";
import { MARK, PixelCanvas, colorBar, scaleFor } from "../ui/pixels.js";
import { card, precise, weightsCard } from "./detail-weights.js";

const shapeText = (shape) => shape.join("×");

/**
 * Opens the detail view of one map in `host` (an empty element). `ctx`:
 * `{engine, summary, layer, channel, input: {data, channels, height, width}, activations,
 * colormap, onClose, closable}`. Returns `{update(ctx), close()}`. `closable: false` (an embed)
 * shows no close button and ignores Escape.
 */
export function mount(host, ctx) {
  const view = new DetailView(host);
  if (ctx.closable === false) document.removeEventListener("keydown", view.onKey, true);
  view.update(ctx);
  return { update: (next) => view.update(next), close: () => view.close() };
}

class DetailView {
  constructor(host) {
    this.host = host;
    this.ctx = null;
    this.closed = false;
    this.pos = null; // hovered / keyboard-selected cell of the map
    this.paramsCache = new Map();
    this.onKey = (e) => {
      if (e.key === "Escape" && !this.closed) {
        e.preventDefault();
        e.stopPropagation();
        const onClose = this.ctx?.onClose;
        this.close();
        onClose?.();
      }
    };
    document.addEventListener("keydown", this.onKey, true);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    document.removeEventListener("keydown", this.onKey, true);
    this.host.replaceChildren();
  }

  update(ctx) {
    if (this.closed) return;
    const prev = this.ctx;
    this.ctx = ctx;
    const same = prev && prev.summary === ctx.summary && prev.layer === ctx.layer && prev.channel === ctx.channel;
    if (!same) {
      if (!prev || prev.summary !== ctx.summary) this.paramsCache.clear();
      this.build();
    } else if (prev.colormap !== ctx.colormap) {
      this.build();
    } else {
      this.refresh();
    }
  }

  get layerInfo() {
    return this.ctx.summary.layers[this.ctx.layer];
  }

  /** The layer's (first) input activation: the output of the layer it reads, or the model input. */
  layerInput() {
    const { summary, layer, activations, input } = this.ctx;
    const source = inputLayerIndex(summary, layer);
    return source < 0 ? input.data : activations?.[source];
  }

  build() {
    const { summary, layer, channel } = this.ctx;
    const info = this.layerInfo;
    const spatial = info.outputShape.length === 3;
    this.spatial = spatial;
    this.root = el("div", "clv clv-detail");
    this.root.dataset.layer = String(layer);
    this.root.dataset.channel = String(channel);
    this.root.dataset.type = info.type;
    const what = spatial ? `channel ${channel}` : `unit ${channel}`;
    this.root.setAttribute("aria-label", `Detail of layer ${info.name}, ${what}`);

    // Header
    const head = el("header", "clv-detail-head");
    const titles = el("div", "clv-detail-titles");
    const title = el("h3", "clv-detail-title");
    title.append(el("span", "clv-layer-name", info.name), ` · ${what}`);
    if (!spatial && summary.labels?.length === info.outputShape[0]) title.append(` (“${summary.labels[channel]}”)`);
    titles.append(title, el("p", "clv-detail-sub", this.describeLayer(info)));
    const close = el("button", "clv-close", "×");
    close.hidden = this.ctx.closable === false;
    close.type = "button";
    close.setAttribute("aria-label", "Close the detail view (Escape)");
    close.title = "Close (Escape)";
    close.addEventListener("click", () => {
      const onClose = this.ctx.onClose;
      this.close();
      onClose?.();
    });
    head.append(titles, close);

    this.grid = el("div", "clv-detail-grid");
    this.range = null;
    this.root.append(head, this.grid);
    this.parts = {};
    if (spatial) {
      const [, h, w] = info.outputShape;
      if (!this.pos || this.pos.y >= h || this.pos.x >= w) this.pos = null;
      this.buildMap();
      this.buildReceptive();
      if (info.type === "maxpool2d" || info.type === "avgpool2d") this.buildPool();
      if (info.type === "relu") this.buildBefore();
    } else {
      this.pos = null;
      this.buildValues();
      this.buildReceptive();
    }
    if (info.type === "conv2d" || info.type === "linear") this.buildWeights();
    this.buildValueTable();
    this.host.replaceChildren(this.root);
    this.refresh();
  }

  describeLayer(info) {
    const parts = [info.type];
    if (info.kernelSize) parts.push(`kernel ${pairText(info.kernelSize)}`);
    if (info.stride) parts.push(`stride ${pairText(info.stride)}`);
    if (info.padding) parts.push(`padding ${pairText(info.padding)}`);
    if (info.dilation && (info.dilation[0] !== 1 || info.dilation[1] !== 1)) parts.push(`dilation ${pairText(info.dilation)}`);
    parts.push(`${shapeText(info.inputShape)} → ${shapeText(info.outputShape)}`);
    return parts.join(" · ");
  }

  // ---- the map itself ------------------------------------------------------------------------

  buildMap() {
    const info = this.layerInfo;
    const [, h, w] = info.outputShape;
    const section = card("Feature map", "clv-card-map");
    const pc = new PixelCanvas("clv-map", `${info.name} channel ${this.ctx.channel}, ${h} by ${w}`);
    pc.setSize(h, w, scaleFor(h, w, 280));
    pc.canvas.tabIndex = 0;
    const frame = el("div", "clv-canvas-frame");
    frame.append(pc.canvas);
    const readout = el("output", "clv-readout");
    readout.setAttribute("aria-live", "polite");
    const hint = el("p", "clv-hint", "Hover the map (or focus it and use the arrow keys) to pick a position.");
    const bar = el("div", "clv-colorbar-slot");
    section.append(frame, bar, readout, hint);
    this.grid.append(section);
    this.parts.map = { pc, readout, bar };

    pc.canvas.addEventListener("pointermove", (e) => {
      const cell = pc.cellAt(e);
      if (cell) this.setPos(cell);
    });
    pc.canvas.addEventListener("pointerdown", (e) => {
      const cell = pc.cellAt(e);
      if (cell) this.setPos(cell);
    });
    pc.canvas.addEventListener("keydown", (e) => {
      const d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
      if (!d) return;
      e.preventDefault();
      const p = this.pos ?? this.defaultPos();
      this.setPos({ y: Math.min(Math.max(p.y + d[0], 0), h - 1), x: Math.min(Math.max(p.x + d[1], 0), w - 1) });
    });
  }

  /** The map's values (this channel of the layer output) and its offset. */
  mapData() {
    const info = this.layerInfo;
    const data = this.ctx.activations?.[this.ctx.layer];
    if (!data) return null;
    if (info.outputShape.length !== 3) return { data, offset: 0, n: data.length };
    const [, h, w] = info.outputShape;
    return { data, offset: this.ctx.channel * h * w, n: h * w, h, w };
  }

  /** Before any hover: the strongest response of the map. */
  defaultPos() {
    const m = this.mapData();
    if (!m || !m.h) return { y: 0, x: 0 };
    let best = 0;
    for (let i = 1; i < m.n; i++) if (m.data[m.offset + i] > m.data[m.offset + best]) best = i;
    return { y: Math.floor(best / m.w), x: best % m.w };
  }

  setPos(pos) {
    if (this.pos && this.pos.y === pos.y && this.pos.x === pos.x) return;
    this.pos = pos;
    this.drawMap();
    this.drawReceptive();
    if (this.parts.pool) this.drawPool();
    if (this.parts.before) this.drawBefore();
  }

  drawMap() {
    const part = this.parts.map;
    const m = this.mapData();
    if (!part || !m) return;
    const { pc, readout, bar } = part;
    const map = this.ctx.colormap ?? "grey";
    const r = pc.paint(m.data, m.offset, { map });
    if (!this.range || this.range.min !== r.min || this.range.max !== r.max || this.range.map !== map) {
      this.range = { ...r, map };
      bar.replaceChildren(colorBar(map, r.min, r.max));
    }
    const p = this.pos ?? this.defaultPos();
    pc.strokeCells(p.y, p.x, p.y, p.x, MARK.cursor, Math.min(2, Math.max(1, pc.scale / 5)));
    const v = m.data[m.offset + p.y * m.w + p.x];
    pc.canvas.dataset.y = String(p.y);
    pc.canvas.dataset.x = String(p.x);
    pc.canvas.dataset.value = String(v);
    pc.canvas.setAttribute(
      "aria-label",
      `${this.layerInfo.name} channel ${this.ctx.channel}, ${m.h} by ${m.w}, values ${formatValue(r.min)} to ${formatValue(r.max)}; selected row ${p.y}, column ${p.x}: ${formatValue(v)}`,
    );
    readout.replaceChildren(
      el("span", "clv-readout-pos", `${this.pos ? "" : "strongest: "}row ${p.y}, col ${p.x}`),
      el("span", "clv-readout-value", formatValue(v)),
    );
  }

  // ---- receptive field on the input ----------------------------------------------------------

  buildReceptive() {
    const { summary, layer } = this.ctx;
    const { height: H, width: W } = summary.input;
    const size = receptiveFieldSize(summary, layer);
    const section = card("Receptive field on the input", "clv-card-rf");
    const margin = size.whole ? { top: 0, left: 0, bottom: 0, right: 0 } : paddingReach(summary, layer);
    // Show at most a few cells of padding beyond what fits comfortably.
    const cap = Math.max(2, Math.ceil(Math.max(H, W) / 4));
    for (const k of Object.keys(margin)) margin[k] = Math.min(margin[k], cap);
    const pc = new PixelCanvas("clv-rf-canvas", "Model input with the receptive field highlighted");
    pc.setSize(H, W, scaleFor(H + margin.top + margin.bottom, W + margin.left + margin.right, 280), margin);
    const frame = el("div", "clv-canvas-frame");
    frame.append(pc.canvas);
    const text = el("p", "clv-rf-text");
    text.setAttribute("aria-live", "polite");
    const about = el("p", "clv-hint");
    if (size.whole) {
      about.textContent = "A flatten or linear layer mixes every value of its input, so every output here depends on the whole input.";
    } else {
      about.textContent =
        `Each cell of this layer sees a ${size.height}×${size.width} patch of the input` +
        (size.jump[0] > 1 || size.jump[1] > 1 ? `; neighbouring cells' patches start ${pairText(size.jump)} pixels apart.` : ".") +
        (margin.top || margin.left || margin.bottom || margin.right ? " Hatched: zero padding around the input." : "");
    }
    section.append(frame, text, about);
    this.grid.append(section);
    this.parts.rf = { pc, text, whole: size.whole };
  }

  drawReceptive() {
    const part = this.parts.rf;
    if (!part) return;
    const { pc, text } = part;
    const { input, summary, layer } = this.ctx;
    if (!input?.data) return;
    const { height: H, width: W } = summary.input;
    // Raw input in [0, 1]: greyscale (channel 0), or RGB for three channels.
    const img = pc.image.data;
    const n = H * W;
    const rgb = input.channels === 3;
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      const g = (v) => Math.round(Math.min(Math.max(v, 0), 1) * 255);
      img[o] = g(input.data[i]);
      img[o + 1] = g(input.data[rgb ? n + i : i]);
      img[o + 2] = g(input.data[rgb ? 2 * n + i : i]);
      img[o + 3] = 255;
    }
    pc.offCtx.putImageData(pc.image, 0, 0);
    pc.drawBase();
    const p = this.spatial ? (this.pos ?? this.defaultPos()) : { y: 0, x: 0 };
    const rf = receptiveField(summary, layer, p.y, p.x);
    pc.strokeCells(rf.top, rf.left, rf.bottom, rf.right, MARK.rf, 2, MARK.rfFill);
    const ds = pc.canvas.dataset;
    ds.rfTop = String(rf.top);
    ds.rfLeft = String(rf.left);
    ds.rfBottom = String(rf.bottom);
    ds.rfRight = String(rf.right);
    const c = rf.clipped;
    if (part.whole) {
      text.textContent = `The whole input: rows 0–${H - 1}, columns 0–${W - 1}.`;
    } else {
      const cut = c.top !== rf.top || c.left !== rf.left || c.bottom !== rf.bottom || c.right !== rf.right;
      text.textContent =
        `Row ${p.y}, col ${p.x} sees input rows ${c.top}–${c.bottom}, columns ${c.left}–${c.right}` +
        (cut ? ` (rows ${rf.top}–${rf.bottom}, columns ${rf.left}–${rf.right} with the padding).` : ".");
    }
    pc.canvas.setAttribute("aria-label", `Model input ${H} by ${W}; highlighted: ${text.textContent}`);
  }

  // ---- pooling -------------------------------------------------------------------------------

  buildPool() {
    const info = this.layerInfo;
    const [, h, w] = info.inputShape;
    const prevName = inputName(this.ctx.summary, this.ctx.layer);
    const max = info.type === "maxpool2d";
    const section = card(`Pooling input (${prevName}, channel ${this.ctx.channel})`, "clv-card-pool");
    const pc = new PixelCanvas("clv-pool-canvas", `${prevName} channel ${this.ctx.channel} with the pooling windows`);
    pc.setSize(h, w, scaleFor(h, w, 280));
    const frame = el("div", "clv-canvas-frame");
    frame.append(pc.canvas);
    const legend = el("p", "clv-hint");
    if (max) {
      const dot = el("span", "clv-swatch clv-swatch-winner");
      const ring = el("span", "clv-swatch clv-swatch-tie");
      legend.append(
        "Each box is one pooling window; ",
        dot,
        " marks the cell whose value the max pool keeps, ",
        ring,
        " a window whose largest value appears more than once (the first one is kept; windows that are all one value, such as all 0, get no mark). The window of the selected position is outlined in orange.",
      );
    } else {
      legend.textContent = "Each box is one pooling window: the output is the mean of its cells inside the map. The window of the selected position is outlined in orange.";
    }
    section.append(frame, legend);
    this.grid.append(section);
    this.parts.pool = { pc, max };
  }

  drawPool() {
    const part = this.parts.pool;
    const data = this.layerInput();
    if (!part || !data) return;
    const { pc, max } = part;
    const info = this.layerInfo;
    const [, h, w] = info.inputShape;
    const [, oh, ow] = info.outputShape;
    const offset = this.ctx.channel * h * w;
    pc.paint(data, offset, { map: this.ctx.colormap ?? "grey" });
    const c = pc.ctx;
    // Window boxes.
    c.lineWidth = Math.max(1, pc.dpr);
    c.strokeStyle = "rgba(140, 150, 170, 0.6)";
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const win = poolWindow(info, oy, ox);
        const [x, y, ww, hh] = pc.rect(
          Math.max(win.top, 0),
          Math.max(win.left, 0),
          Math.min(win.bottom, h - 1),
          Math.min(win.right, w - 1),
        );
        c.strokeRect(x + c.lineWidth / 2, y + c.lineWidth / 2, ww - c.lineWidth, hh - c.lineWidth);
      }
    }
    if (max) {
      const { winners, ties, flat } = poolWinners(data, offset, h, w, info, oh, ow);
      const r = Math.max(1.5, pc.scale * 0.28) * pc.dpr;
      winners.forEach((i, k) => {
        if (i < 0 || flat[k]) return; // all cells equal (e.g. all 0): nothing to point at
        const cx = ((i % w) + 0.5) * pc.px;
        const cy = (Math.floor(i / w) + 0.5) * pc.px;
        c.beginPath();
        c.arc(cx, cy, r, 0, 2 * Math.PI);
        if (ties[k]) {
          c.lineWidth = Math.max(1, r / 3);
          c.strokeStyle = MARK.winner;
          c.stroke();
        } else {
          c.fillStyle = MARK.winner;
          c.fill();
          c.lineWidth = Math.max(1, pc.dpr);
          c.strokeStyle = "#fff";
          c.beginPath();
          c.arc(cx, cy, r + c.lineWidth / 2, 0, 2 * Math.PI);
          c.stroke();
        }
      });
      // For tests and tools: winner index per window, "~" before ties, "=" for flat windows.
      pc.canvas.dataset.winners = Array.from(winners, (i, k) => (flat[k] ? `=${i}` : ties[k] ? `~${i}` : String(i))).join(",");
    }
    const p = this.pos ?? this.defaultPos();
    const win = poolWindow(info, p.y, p.x);
    pc.strokeCells(Math.max(win.top, 0), Math.max(win.left, 0), Math.min(win.bottom, h - 1), Math.min(win.right, w - 1), MARK.rf, 2);
  }

  // ---- ReLU: the map before it ---------------------------------------------------------------

  buildBefore() {
    const info = this.layerInfo;
    const [, h, w] = info.inputShape;
    const prevName = inputName(this.ctx.summary, this.ctx.layer);
    const section = card(`Before the ReLU (${prevName}, channel ${this.ctx.channel})`, "clv-card-before");
    const pc = new PixelCanvas("clv-before-canvas", `${prevName} channel ${this.ctx.channel} before the ReLU`);
    pc.setSize(h, w, scaleFor(h, w, 200));
    const frame = el("div", "clv-canvas-frame");
    frame.append(pc.canvas);
    const bar = el("div", "clv-colorbar-slot");
    section.append(
      frame,
      bar,
      el("p", "clv-hint", "ReLU keeps positive values and turns negative ones (blue) into 0: max(0, x) for every cell."),
    );
    this.grid.append(section);
    this.parts.before = { pc, bar };
  }

  drawBefore() {
    const part = this.parts.before;
    const data = this.layerInput();
    if (!part || !data) return;
    const [, h, w] = this.layerInfo.inputShape;
    const r = part.pc.paint(data, this.ctx.channel * h * w, { map: "diverging" });
    part.bar.replaceChildren(colorBar("diverging", r.min, r.max));
    const p = this.pos ?? this.defaultPos();
    part.pc.strokeCells(p.y, p.x, p.y, p.x, MARK.cursor, Math.min(2, Math.max(1, part.pc.scale / 5)));
  }

  // ---- vector outputs ------------------------------------------------------------------------

  buildValues() {
    const info = this.layerInfo;
    const n = info.outputShape[0];
    const labels = this.ctx.summary.labels?.length === n ? this.ctx.summary.labels : null;
    const section = card(`Values (${n})`, "clv-card-values");
    if (n <= 64) {
      const list = el("ol", "clv-values");
      list.setAttribute("aria-label", `${info.name} values`);
      const rows = [];
      for (let i = 0; i < n; i++) {
        const li = el("li", "clv-value-row");
        if (i === this.ctx.channel) li.classList.add("clv-selected");
        const fill = el("span", "clv-value-fill");
        const track = el("span", "clv-value-track");
        track.append(fill);
        const value = el("span", "clv-value-num");
        li.append(el("span", "clv-value-label", labels ? labels[i] : String(i)), track, value);
        list.append(li);
        rows.push({ fill, value });
      }
      section.append(list);
      this.parts.values = { rows };
    } else {
      const cols = Math.ceil(Math.sqrt(n));
      const rowsN = Math.ceil(n / cols);
      const pc = new PixelCanvas("clv-map", `${info.name}: ${n} values, row by row`);
      pc.setSize(rowsN, cols, scaleFor(rowsN, cols, 240));
      const frame = el("div", "clv-canvas-frame");
      frame.append(pc.canvas);
      const readout = el("output", "clv-readout");
      const bar = el("div", "clv-colorbar-slot");
      section.append(frame, bar, readout, el("p", "clv-hint", `${n} values laid out row by row; hover for a value.`));
      pc.canvas.tabIndex = 0;
      pc.canvas.addEventListener("pointermove", (e) => {
        const cell = pc.cellAt(e);
        const data = this.ctx.activations?.[this.ctx.layer];
        const i = cell ? cell.y * cols + cell.x : -1;
        if (data && i >= 0 && i < n) readout.textContent = `value ${i}: ${formatValue(data[i])}`;
      });
      this.parts.vector = { pc, bar, readout, n };
    }
    this.grid.append(section);
  }

  drawValues() {
    const data = this.ctx.activations?.[this.ctx.layer];
    if (!data) return;
    if (this.parts.values) {
      let m = 0;
      for (const v of data) m = Math.max(m, Math.abs(v));
      const probs = this.layerInfo.type === "softmax";
      this.parts.values.rows.forEach((r, i) => {
        const v = data[i];
        r.fill.style.width = `${m > 0 ? (Math.abs(v) / m) * 100 : 0}%`;
        r.fill.classList.toggle("clv-negative", v < 0);
        r.value.textContent = probs ? `${(v * 100).toFixed(1)}%` : formatValue(v);
      });
    }
    if (this.parts.vector) {
      const { pc, bar, n } = this.parts.vector;
      const padded = new Float32Array(pc.h * pc.w);
      padded.set(data.subarray(0, n));
      const r = range(data, 0, n);
      pc.paint(padded, 0, { map: this.ctx.colormap ?? "grey", min: r.min, max: r.max });
      bar.replaceChildren(colorBar(this.ctx.colormap ?? "grey", r.min, r.max));
    }
  }

  // ---- weights -------------------------------------------------------------------------------

  parameters(layer) {
    if (!this.paramsCache.has(layer)) {
      const p = this.ctx.engine.parameters(layer);
      p.catch(() => this.paramsCache.delete(layer));
      this.paramsCache.set(layer, p);
    }
    return this.paramsCache.get(layer);
  }

  buildWeights() {
    const { summary, layer, channel } = this.ctx;
    const root = this.root;
    const live = () => !this.closed && this.root === root;
    this.grid.append(weightsCard({ summary, layer, channel, parameters: this.parameters(layer), live }));
  }

  // ---- numbers as a table --------------------------------------------------------------------

  buildValueTable() {
    const info = this.layerInfo;
    const details = el("details", "clv-table-details clv-card-wide");
    const count = this.spatial ? info.outputShape[1] * info.outputShape[2] : info.outputShape[0];
    details.append(el("summary", "", `Map values as a table (${count} numbers)`));
    const wrap = el("div", "clv-table-wrap");
    details.append(wrap);
    details.addEventListener("toggle", () => {
      if (details.open) this.fillValueTable();
    });
    this.grid.append(details);
    this.parts.table = { details, wrap };
  }

  fillValueTable() {
    const part = this.parts.table;
    const m = this.mapData();
    if (!part || !part.details.open || !m) return;
    const table = el("table", "clv-table clv-values-table");
    const info = this.layerInfo;
    if (this.spatial) {
      table.append(el("caption", "", `${info.name}, channel ${this.ctx.channel}: ${m.h} rows × ${m.w} columns`));
      const thead = el("thead");
      const hr = el("tr");
      hr.append(el("th", "", "row"));
      for (let x = 0; x < m.w; x++) hr.append(el("th", "clv-num", String(x)));
      thead.append(hr);
      const tbody = el("tbody");
      for (let y = 0; y < m.h; y++) {
        const tr = el("tr");
        tr.append(el("th", "", String(y)));
        for (let x = 0; x < m.w; x++) tr.append(el("td", "clv-num", formatValue(m.data[m.offset + y * m.w + x])));
        tbody.append(tr);
      }
      table.append(thead, tbody);
    } else {
      const labels = this.ctx.summary.labels?.length === m.n ? this.ctx.summary.labels : null;
      table.append(el("caption", "", `${info.name}: ${m.n} values`));
      const tbody = el("tbody");
      for (let i = 0; i < m.n; i++) {
        const tr = el("tr");
        tr.append(el("th", "", labels ? labels[i] : String(i)), el("td", "clv-num", precise(m.data[i])));
        tbody.append(tr);
      }
      table.append(tbody);
    }
    part.wrap.replaceChildren(table);
  }

  // ---- after every run -----------------------------------------------------------------------

  refresh() {
    if (this.spatial) {
      this.drawMap();
      if (this.parts.pool) this.drawPool();
      if (this.parts.before) this.drawBefore();
    } else {
      this.drawValues();
    }
    this.drawReceptive();
    this.fillValueTable();
  }
}
