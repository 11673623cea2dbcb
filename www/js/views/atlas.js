// The compact feature-map view for large models (MobileNetV2: 150+ layers, up to 1280 channels):
// each layer's channels are tiles of ONE canvas (an atlas) instead of one canvas each, showing the
// first row of channels until "all channels" is pressed. Clicking or pressing Enter on a tile opens
// it like a map of the full view; arrow keys move between tiles. Geometry is pure (atlasLayout,
// tileAt) so it is unit-tested in node.

import { channelRanges, colorizeFast, formatValue } from "../core/colormap.js";
import { el } from "../ui/dom.js";

/** At most this many channels are shown while a layer is folded. */
export const FOLDED_TILES = 16;

/**
 * Where each of `channels` tiles of `h x w` cells goes: `{shown, cols, rows, gap}`, with a one-cell
 * gap between tiles, as many columns as fit `targetWidth` cells (at least 1). A folded layer shows
 * one row of at most `FOLDED_TILES` tiles.
 */
export function atlasLayout(channels, h, w, { folded, targetWidth = 1200 }) {
  const gap = 1;
  const fit = Math.max(1, Math.floor((targetWidth + gap) / (w + gap)));
  const shown = folded ? Math.min(channels, fit, FOLDED_TILES) : channels;
  const cols = Math.min(shown, fit);
  const rows = Math.ceil(shown / cols);
  return { shown, cols, rows, gap, width: cols * (w + gap) - gap, height: rows * (h + gap) - gap };
}

/** The tile under atlas cell (px, py): `{channel, y, x}` (cell inside the tile), or null in a gap. */
export function tileAt(layout, h, w, px, py) {
  const col = Math.floor(px / (w + layout.gap));
  const row = Math.floor(py / (h + layout.gap));
  const x = px - col * (w + layout.gap);
  const y = py - row * (h + layout.gap);
  if (col < 0 || row < 0 || col >= layout.cols || x >= w || y >= h) return null;
  const channel = row * layout.cols + col;
  return channel < layout.shown ? { channel, y, x } : null;
}

/** One spatial layer as an atlas canvas; the same drawing interface as the full view's maps. */
export class AtlasView {
  get spatial() {
    return true;
  }

  constructor(owner, index, layer, body) {
    const [channels, h, w] = layer.outputShape;
    Object.assign(this, { owner, index, layer, channels, h, w });
    this.folded = true;
    this.data = null;
    this.selected = null;
    this.canvas = el("canvas", "atlas-canvas");
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "button");
    this.ctx = this.canvas.getContext("2d");
    const row = el("div", "atlas-row");
    row.append(this.canvas);
    body.append(row);
    this.toggle = el("button", "atlas-toggle");
    this.toggle.type = "button";
    this.toggle.addEventListener("click", () => this.setFolded(!this.folded));
    body.append(this.toggle);
    this.layout();
    this.wire();
  }

  layout() {
    // Small maps are magnified by a whole factor (crisp pixels), so 7x7 maps are still readable;
    // the tiles fill the section's width.
    const scale = Math.max(1, Math.round(56 / Math.max(this.h, this.w)));
    const room = (this.owner.container.clientWidth || 1000) - 8;
    this.lay = atlasLayout(this.channels, this.h, this.w, { folded: this.folded, targetWidth: Math.floor(room / scale) });
    const { width, height } = this.lay;
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.style.width = `${width * scale}px`;
    this.canvas.style.maxWidth = "100%";
    this.tile = this.ctx.createImageData(this.w, this.h);
    this.tile32 = new Uint32Array(this.tile.data.buffer);
    const all = atlasLayout(this.channels, this.h, this.w, { folded: true, targetWidth: Math.floor(room / scale) }).shown === this.channels;
    this.toggle.hidden = all;
    this.toggle.textContent = this.folded ? `Show all ${this.channels} channels` : `Show one row only`;
    this.canvas.setAttribute("aria-label", `${this.layer.name}: ${this.lay.shown} of ${this.channels} channels, ${this.h} × ${this.w} each. Arrow keys choose a channel; Enter opens it.`);
  }

  setFolded(folded) {
    this.folded = folded;
    this.layout();
    if (this.last) this.draw(...this.last);
  }

  /** Min/max of every channel and of the whole layer (all channels, shown or not). */
  ranges(data) {
    return channelRanges(data, this.channels, this.h * this.w);
  }

  draw(data, stats, map, norm, globalRange) {
    this.data = data;
    this.last = [data, stats, map, norm, globalRange];
    const n = this.h * this.w;
    const { cols, gap } = this.lay;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    for (let c = 0; c < this.lay.shown; c++) {
      const r = norm === "map" ? stats.per[c] : norm === "layer" ? stats : globalRange;
      colorizeFast(data, c * n, n, this.tile32, map, r.min, r.max);
      this.ctx.putImageData(this.tile, (c % cols) * (this.w + gap), Math.floor(c / cols) * (this.h + gap));
    }
    if (this.selected !== null) this.outline(this.selected);
  }

  /** Frames tile `channel` (the selection) in the accent colour. */
  outline(channel) {
    if (channel >= this.lay.shown) return;
    const { cols, gap } = this.lay;
    const x = (channel % cols) * (this.w + gap);
    const y = Math.floor(channel / cols) * (this.h + gap);
    this.ctx.strokeStyle = getComputedStyle(this.canvas).getPropertyValue("--accent") || "#e0529c";
    this.ctx.lineWidth = Math.max(1, Math.round(this.w / 28));
    this.ctx.strokeRect(x + 0.5, y + 0.5, this.w - 1, this.h - 1);
  }

  select(channel) {
    if (channel !== null && channel >= this.lay.shown) this.setFolded(false);
    this.selected = channel;
    if (this.last) this.draw(...this.last);
  }

  valueAt(c, y, x) {
    return this.data ? this.data[c * this.h * this.w + y * this.w + x] : NaN;
  }

  /** The tile under a pointer event, or null. */
  hit(e) {
    const r = this.canvas.getBoundingClientRect();
    const px = Math.floor(((e.clientX - r.left) / r.width) * this.canvas.width);
    const py = Math.floor(((e.clientY - r.top) / r.height) * this.canvas.height);
    return tileAt(this.lay, this.h, this.w, px, py);
  }

  wire() {
    const { owner, canvas } = this;
    const open = (c) => {
      owner.select(this.index, c);
      owner.onSelect(this.index, c);
      owner.onOpen(this.index, c);
    };
    canvas.addEventListener("click", (e) => {
      const t = this.hit(e);
      if (t) open(t.channel);
    });
    canvas.addEventListener("keydown", (e) => {
      const c = this.selected ?? 0;
      const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: this.lay.cols, ArrowUp: -this.lay.cols }[e.key];
      if (step !== undefined) {
        e.preventDefault();
        const next = Math.min(this.lay.shown - 1, Math.max(0, c + step));
        owner.select(this.index, next);
        owner.onSelect(this.index, next);
      } else if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open(c);
      }
    });
    canvas.addEventListener("pointermove", (e) => {
      const t = this.hit(e);
      if (!t) {
        owner.tip.hidden = true;
        return;
      }
      const v = this.valueAt(t.channel, t.y, t.x);
      owner.showTip(e, `${this.layer.name} · ch ${t.channel} · row ${t.y}, col ${t.x}: ${formatValue(v)}`, v);
    });
    canvas.addEventListener("pointerleave", () => {
      owner.tip.hidden = true;
    });
  }
}
