// The detail view of one feature map (opened by clicking a map on the page):
//   - the map enlarged with crisp pixels; hovering (or the arrow keys) picks a position and shows
//     its value;
//   - the receptive field of that position drawn on the model input, through every stride,
//     padding, dilation and pool before it (receptive.js), with the zero padding it reaches;
//   - conv layers: the filter of this output channel, each input channel's kernel as a heatmap
//     with its numbers, and the bias; pool layers: the pooled map with its windows and the
//     winning cell of each max window; ReLU: the map before the ReLU; vector layers: the values
//     (and for linear layers the weights of the selected unit);
//   - the numbers as tables (weights, map values), for screen readers and for copying.
//
//   const detail = openDetail(host, ctx);   // ctx: see openDetail
//   detail.update(ctx);                     // after every run while open
//   detail.close();
//
// Only DOM built with createElement and CSSOM styles (the page's CSP forbids inline styles).

import { inputLayerIndex, inputName } from "./graph.js";
import { colorOf, colorize, formatValue, range } from "./colormap.js";
import { paddingReach, poolWindow, poolWinners, receptiveField, receptiveFieldSize } from "./receptive.js";

/** Colours drawn on canvases (over any colour map, so they carry their own outline). */
const MARK = { rf: "#ff9f1c", rfFill: "rgba(255, 159, 28, 0.22)", cursor: "#ff9f1c", winner: "#e6007e", outline: "#101418" };

/** `document.createElement` with a class and text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const shapeText = (shape) => shape.join("×");
const pairText = (p) => (Array.isArray(p) ? (p[0] === p[1] ? String(p[0]) : `${p[0]}×${p[1]}`) : String(p));
/** Full-ish precision for tables: 4 significant digits. */
const precise = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-4 ? v.toExponential(3) : String(Number(v.toPrecision(4))));
/** Two decimals for numbers printed inside heatmap cells. */
export const cellText = (v) => {
  const s = v.toFixed(2);
  return s === "-0.00" ? "0.00" : s;
};

/** Integer magnification that shows an h x w grid at about `target` CSS pixels (at least 1). */
export function scaleFor(h, w, target) {
  return Math.max(1, Math.round(target / Math.max(h, w, 1)));
}

/** RGB text colour that reads on top of colour `rgba` (bytes at `o`). */
function inkOn(rgba, o = 0) {
  const l = 0.2126 * rgba[o] + 0.7152 * rgba[o + 1] + 0.0722 * rgba[o + 2];
  return l > 140 ? "#111" : "#fff";
}

/**
 * A canvas showing an h x w grid of values magnified by an integer factor with crisp pixels,
 * optionally with a margin of `margin` cells around it (e.g. for zero padding), drawn at the
 * device pixel ratio so overlays are sharp. Overlays are drawn by the caller after `paint()`.
 */
export class PixelCanvas {
  constructor(className, label) {
    this.canvas = el("canvas", `clv-pixels ${className ?? ""}`.trim());
    this.canvas.setAttribute("role", "img");
    if (label) this.canvas.setAttribute("aria-label", label);
    this.ctx = this.canvas.getContext("2d");
    this.off = document.createElement("canvas");
    this.offCtx = this.off.getContext("2d");
    this.h = 0;
    this.w = 0;
  }

  /** Grid size, magnification (CSS px per cell) and margin cells {top, left, bottom, right}. */
  setSize(h, w, scale, margin = { top: 0, left: 0, bottom: 0, right: 0 }) {
    const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
    const rows = h + margin.top + margin.bottom;
    const cols = w + margin.left + margin.right;
    if (this.h !== h || this.w !== w) {
      this.off.width = Math.max(1, w);
      this.off.height = Math.max(1, h);
      this.image = this.offCtx.createImageData(Math.max(1, w), Math.max(1, h));
    }
    Object.assign(this, { h, w, scale, margin, dpr, px: scale * dpr });
    this.canvas.width = cols * this.px;
    this.canvas.height = rows * this.px;
    this.canvas.style.width = `${cols * scale}px`;
    this.canvas.style.aspectRatio = `${cols} / ${rows}`;
    this.canvas.dataset.scale = String(scale);
    this.canvas.dataset.rows = String(h);
    this.canvas.dataset.cols = String(w);
  }

  /** Colours values (`data[offset ..]`, h*w of them) and draws them; returns the range used. */
  paint(data, offset, { map = "grey", min, max } = {}) {
    const r = colorize(data, offset, this.h * this.w, this.image.data, { map, min, max });
    this.offCtx.putImageData(this.image, 0, 0);
    this.drawBase();
    return r;
  }

  /** Draws RGBA pixels already in `this.image`. */
  drawBase() {
    const c = this.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const m = this.margin;
    if (m.top || m.left || m.bottom || m.right) this.hatchMargin();
    c.imageSmoothingEnabled = false;
    c.drawImage(this.off, m.left * this.px, m.top * this.px, this.w * this.px, this.h * this.px);
  }

  /** Diagonal hatching over the whole canvas (the margin shows through around the image). */
  hatchMargin() {
    const c = this.ctx;
    const { width, height } = this.canvas;
    c.fillStyle = "#8a94a6";
    c.fillRect(0, 0, width, height);
    c.strokeStyle = "#b7bfcc";
    c.lineWidth = Math.max(1, this.dpr);
    const step = 6 * this.dpr;
    c.beginPath();
    for (let d = -height; d < width; d += step) {
      c.moveTo(d, height);
      c.lineTo(d + height, 0);
    }
    c.stroke();
  }

  /** Device-pixel rectangle of grid cells rows top..bottom, cols left..right (inclusive, may be in the margin). */
  rect(top, left, bottom, right) {
    const { px, margin } = this;
    return [(left + margin.left) * px, (top + margin.top) * px, (right - left + 1) * px, (bottom - top + 1) * px];
  }

  /** Outlined rectangle: a dark outline under a coloured line, both `width` CSS px. */
  strokeCells(top, left, bottom, right, color, width = 2, fill) {
    const c = this.ctx;
    const [x, y, w, h] = this.rect(top, left, bottom, right);
    if (fill) {
      c.fillStyle = fill;
      c.fillRect(x, y, w, h);
    }
    const lw = width * this.dpr;
    c.lineWidth = lw + 2 * this.dpr;
    c.strokeStyle = MARK.outline;
    c.strokeRect(x + lw / 2, y + lw / 2, w - lw, h - lw);
    c.lineWidth = lw;
    c.strokeStyle = color;
    c.strokeRect(x + lw / 2, y + lw / 2, w - lw, h - lw);
  }

  /** The grid cell under a pointer event, or null outside the grid. */
  cellAt(event) {
    const b = this.canvas.getBoundingClientRect();
    const cols = this.w + this.margin.left + this.margin.right;
    const rows = this.h + this.margin.top + this.margin.bottom;
    const x = Math.floor(((event.clientX - b.left) / b.width) * cols) - this.margin.left;
    const y = Math.floor(((event.clientY - b.top) / b.height) * rows) - this.margin.top;
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return null;
    return { y, x };
  }
}

/** A horizontal colour bar for `map` over [min, max] with its end values. */
export function colorBar(map, min, max) {
  const bar = el("div", "clv-colorbar");
  const canvas = el("canvas", "clv-colorbar-ramp");
  canvas.width = 64;
  canvas.height = 1;
  canvas.setAttribute("aria-hidden", "true");
  const c = canvas.getContext("2d");
  const img = c.createImageData(64, 1);
  const lo = map === "diverging" ? -Math.max(Math.abs(min), Math.abs(max)) : min;
  const hi = map === "diverging" ? -lo : max;
  for (let i = 0; i < 64; i++) colorOf(lo + ((hi - lo) * i) / 63, map, lo, hi, img.data, 4 * i);
  c.putImageData(img, 0, 0);
  bar.append(el("span", "clv-colorbar-min", formatValue(lo)), canvas, el("span", "clv-colorbar-max", formatValue(hi)));
  return bar;
}

function card(title, className) {
  const section = el("section", `clv-card ${className ?? ""}`.trim());
  const h = el("h4", "clv-card-title", title);
  section.append(h);
  return section;
}

/**
 * Opens the detail view of one map in `host` (an empty element). `ctx`:
 * `{engine, summary, layer, channel, input: {data, channels, height, width}, activations,
 * colormap, onClose, closable}`. Returns `{update(ctx), close()}`. `closable: false` (an embed)
 * shows no close button and ignores Escape.
 */
export function openDetail(host, ctx) {
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
    const info = this.layerInfo;
    const conv = info.type === "conv2d";
    const title = conv ? `Filter of output channel ${this.ctx.channel}` : `Weights of unit ${this.ctx.channel}`;
    const section = card(title, "clv-card-weights");
    // One input channel's kernel fits a grid column; several get the whole row.
    if (!conv || info.inputShape[0] > 1) section.classList.add("clv-card-wide");
    const body = el("div", "clv-weights-body");
    body.append(el("p", "clv-hint", "Loading the weights…"));
    section.append(body);
    this.grid.append(section);
    const { layer, channel } = this.ctx;
    const root = this.root;
    this.parameters(layer).then(
      (p) => {
        if (this.closed || this.root !== root) return;
        if (!p) {
          body.replaceChildren(el("p", "clv-hint", "This layer has no weights."));
          return;
        }
        if (conv) this.renderConvWeights(body, p, channel);
        else this.renderLinearWeights(body, p, channel);
      },
      (e) => {
        if (this.closed || this.root !== root) return;
        body.replaceChildren(el("p", "clv-message", `Could not read the weights: ${e.message}`));
      },
    );
  }

  renderConvWeights(body, p, channel) {
    const [, cin, kh, kw] = p.weightShape;
    const per = cin * kh * kw;
    const base = channel * per;
    const w = p.weight.subarray(base, base + per);
    let m = 0;
    for (const v of w) m = Math.max(m, Math.abs(v));
    const bias = p.bias ? p.bias[channel] : null;
    const rgba = new Uint8ClampedArray(4);

    const kernels = el("div", "clv-kernels");
    kernels.setAttribute("aria-hidden", "true"); // the table below has the same numbers
    for (let c = 0; c < cin; c++) {
      const fig = el("figure", "clv-kernel-fig");
      const grid = el("div", "clv-kernel");
      grid.dataset.in = String(c);
      grid.style.gridTemplateColumns = `repeat(${kw}, auto)`;
      for (let r = 0; r < kh; r++) {
        for (let q = 0; q < kw; q++) {
          const v = w[(c * kh + r) * kw + q];
          colorOf(v, "diverging", -m, m, rgba, 0);
          const cell = el("span", "clv-cell", cellText(v));
          cell.style.backgroundColor = `rgb(${rgba[0]}, ${rgba[1]}, ${rgba[2]})`;
          cell.style.color = inkOn(rgba);
          cell.dataset.row = String(r);
          cell.dataset.col = String(q);
          cell.dataset.value = String(v);
          cell.title = `input channel ${c}, row ${r}, col ${q}: ${precise(v)}`;
          grid.append(cell);
        }
      }
      fig.append(grid, el("figcaption", "clv-kernel-cap", cin > 1 ? `input ch ${c}` : "input"));
      kernels.append(fig);
    }
    const biasLine = el("p", "clv-bias");
    biasLine.append("bias ", el("strong", "clv-bias-value", bias === null ? "none" : precise(bias)));
    if (bias !== null) biasLine.dataset.value = String(bias);
    const scale = el("div", "clv-weights-scale");
    scale.append(colorBar("diverging", -m, m), el("span", "clv-hint", "blue: negative weight, red: positive"));
    const explain = el(
      "p",
      "clv-hint",
      `Each output value is the sum, over the ${cin} input channel${cin > 1 ? "s" : ""}, of the ${kh}×${kw} kernel times the input patch under it, plus the bias.`,
    );

    // The same numbers as a table (screen readers, copying).
    const details = el("details", "clv-table-details");
    details.append(el("summary", "", `Weights and bias as a table (${per + (bias === null ? 0 : 1)} numbers)`));
    const wrap = el("div", "clv-table-wrap");
    const table = el("table", "clv-table clv-weights-table");
    table.append(el("caption", "", `${this.layerInfo.name}, output channel ${channel}: weights [input channel, row, column]`));
    const thead = el("thead");
    const hr = el("tr");
    hr.append(el("th", "", "input ch"), el("th", "", "row"));
    for (let q = 0; q < kw; q++) hr.append(el("th", "clv-num", `col ${q}`));
    thead.append(hr);
    const tbody = el("tbody");
    for (let c = 0; c < cin; c++) {
      for (let r = 0; r < kh; r++) {
        const tr = el("tr");
        tr.append(el("th", "", String(c)), el("th", "", String(r)));
        for (let q = 0; q < kw; q++) {
          const v = w[(c * kh + r) * kw + q];
          const td = el("td", "clv-num", precise(v));
          td.dataset.value = String(v);
          tr.append(td);
        }
        tbody.append(tr);
      }
    }
    const tfoot = el("tfoot");
    if (bias !== null) {
      const tr = el("tr");
      tr.append(el("th", "", "bias"), el("th", ""), el("td", "clv-num", precise(bias)));
      tfoot.append(tr);
    }
    table.append(thead, tbody, tfoot);
    wrap.append(table);
    details.append(wrap);
    body.replaceChildren(kernels, biasLine, scale, explain, details);
    // A filter on an RGB picture is itself a small colour picture: show every filter of the layer so.
    if (cin === 3 && inputLayerIndex(this.ctx.summary, this.ctx.layer) < 0) body.append(this.filterPatches(p, channel));
  }

  /** All filters of a conv layer reading an RGB input as colour patches (0 = grey, each filter
   * scaled by its own largest magnitude), the selected one framed. */
  filterPatches(p, selected) {
    const [cout, , kh, kw] = p.weightShape;
    const cols = Math.min(cout, 16);
    const rows = Math.ceil(cout / cols);
    const gap = 1;
    const canvas = el("canvas", "clv-filter-patches");
    canvas.width = cols * (kw + gap) + gap;
    canvas.height = rows * (kh + gap) + gap;
    const scale = Math.max(2, Math.floor(24 / Math.max(kh, kw)));
    canvas.style.width = `${canvas.width * scale}px`;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(canvas.width, canvas.height);
    const plane = kh * kw;
    for (let o = 0; o < cout; o++) {
      // Each filter scaled by its own largest magnitude, so weak filters show their pattern too.
      let m = 0;
      for (let k = o * 3 * plane; k < (o + 1) * 3 * plane; k++) m = Math.max(m, Math.abs(p.weight[k]));
      const x0 = (o % cols) * (kw + gap) + gap;
      const y0 = Math.floor(o / cols) * (kh + gap) + gap;
      for (let r = 0; r < kh; r++) {
        for (let q = 0; q < kw; q++) {
          const at = 4 * ((y0 + r) * canvas.width + x0 + q);
          for (let c = 0; c < 3; c++) img.data[at + c] = 255 * (0.5 + (0.5 * p.weight[o * 3 * plane + c * plane + r * kw + q]) / (m || 1));
          img.data[at + 3] = 255;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    // The selected filter's frame: its gap cells painted yellow.
    const fx = (selected % cols) * (kw + gap);
    const fy = Math.floor(selected / cols) * (kh + gap);
    ctx.fillStyle = "#ffd400";
    ctx.fillRect(fx, fy, kw + 2 * gap, gap);
    ctx.fillRect(fx, fy + kh + gap, kw + 2 * gap, gap);
    ctx.fillRect(fx, fy, gap, kh + 2 * gap);
    ctx.fillRect(fx + kw + gap, fy, gap, kh + 2 * gap);
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `all ${cout} filters of ${this.layerInfo.name} as colour patches; output channel ${selected} is framed`);
    const fig = el("figure", "clv-filter-fig");
    fig.append(canvas, el("figcaption", "clv-hint", `All ${cout} filters as colour patches: each weight's red, green and blue parts, grey at 0, each filter scaled to its own largest weight (the one shown above is framed). A filter responds most to input patches that look like it.`));
    return fig;
  }

  /** Linear layer: the selected unit's weights, drawn as the maps they multiply when that fits. */
  renderLinearWeights(body, p, unit) {
    const [, n] = p.weightShape;
    const w = p.weight.subarray(unit * n, (unit + 1) * n);
    let m = 0;
    for (const v of w) m = Math.max(m, Math.abs(v));
    // The spatial shape that was flattened into this layer's input, if any.
    const layers = this.ctx.summary.layers;
    let shape = null;
    for (let i = this.ctx.layer - 1; i >= 0; i--) {
      const s = layers[i].inputShape;
      if (layers[i].type === "flatten" && s.length === 3 && s[0] * s[1] * s[2] === n) shape = s;
      if (layers[i].type !== "flatten") break;
    }
    const [c, h, ww] = shape ?? [1, Math.ceil(n / Math.ceil(Math.sqrt(n))), Math.ceil(Math.sqrt(n))];
    const maps = el("div", "clv-unit-maps");
    for (let k = 0; k < c; k++) {
      const fig = el("figure", "clv-kernel-fig");
      const pc = new PixelCanvas("clv-unit-map", `weights on ${shape ? `channel ${k}` : "the input values"}`);
      pc.setSize(h, ww, scaleFor(h, ww, shape ? 56 : 200));
      const vals = new Float32Array(h * ww);
      vals.set(w.subarray(k * h * ww, Math.min(n, (k + 1) * h * ww)));
      pc.paint(vals, 0, { map: "diverging", min: -m, max: m });
      fig.append(pc.canvas, el("figcaption", "clv-kernel-cap", shape ? `ch ${k}` : `${n} inputs`));
      maps.append(fig);
    }
    const bias = p.bias ? p.bias[unit] : null;
    const biasLine = el("p", "clv-bias");
    biasLine.append("bias ", el("strong", "clv-bias-value", bias === null ? "none" : precise(bias)));
    const scale = el("div", "clv-weights-scale");
    scale.append(colorBar("diverging", -m, m), el("span", "clv-hint", "red: this input raises the unit's value, blue: lowers it"));
    body.replaceChildren(maps, biasLine, scale);
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
