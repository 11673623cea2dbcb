// Canvas helpers shared by the views: a magnified grid of values with crisp pixels and overlays
// (PixelCanvas), colour bars, raw RGBA and model-input drawing, mosaics of inputs, theme colours.

import { colorOf, colorize, formatValue } from "../core/colormap.js";
import { imageRGBA } from "../core/explain-math.js";
import { el } from "./dom.js";

/** Colours drawn on canvases (over any colour map, so they carry their own outline). */
export const MARK = { rf: "#ff9f1c", rfFill: "rgba(255, 159, 28, 0.22)", cursor: "#ff9f1c", winner: "#e6007e", outline: "#101418" };

/** Integer magnification that shows an h x w grid at about `target` CSS pixels (at least 1). */
export function scaleFor(h, w, target) {
  return Math.max(1, Math.round(target / Math.max(h, w, 1)));
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

/** A canvas showing pixels crisp (CSS scales it; `image-rendering: pixelated` in explain.css). */
export function pixelCanvas(className, label) {
  const c = el("canvas", `cle-pixels ${className ?? ""}`.trim());
  c.setAttribute("role", "img");
  if (label) c.setAttribute("aria-label", label);
  return c;
}

/** Puts RGBA bytes (w x h) on a canvas at its native size. */
export function putRGBA(canvas, rgba, w, h) {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  img.data.set(rgba);
  ctx.putImageData(img, 0, 0);
}

/** Draws the raw input at `offset` of `data` (CHW in [0, 1]) on a canvas. */
export function drawInput(canvas, data, offset, { channels, height, width }) {
  putRGBA(canvas, imageRGBA(data, offset, channels, height, width), width, height);
}

/** Up to 9 inputs of a batch as a 3 x 3 mosaic on one canvas. */
export function drawMosaic(canvas, images, indices, shape) {
  const { channels, height, width } = shape;
  const n = channels * height * width;
  const W = 3 * width;
  const H = 3 * height;
  const out = new Uint8ClampedArray(4 * W * H);
  indices.slice(0, 9).forEach((k, j) => {
    const tile = imageRGBA(images, k * n, channels, height, width);
    const oy = Math.floor(j / 3) * height;
    const ox = (j % 3) * width;
    for (let y = 0; y < height; y++) out.set(tile.subarray(4 * y * width, 4 * (y + 1) * width), 4 * ((oy + y) * W + ox));
  });
  for (let i = 3; i < out.length; i += 4) if (out[i] === 0) out[i] = 255; // empty tiles: black
  putRGBA(canvas, out, W, H);
}

/**
 * A chart canvas sized to its CSS box at the device pixel ratio (at least `min` = [w, h] CSS px,
 * `fallback` while it is not laid out), cleared, its 2-D context scaled to CSS pixels:
 * {c, W, H} (W, H in CSS px).
 */
export function chartContext(canvas, min, fallback) {
  const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const W = Math.max(min[0], Math.round(canvas.clientWidth || fallback[0]));
  const H = Math.max(min[1], Math.round(canvas.clientHeight || fallback[1]));
  if (canvas.width !== W * dpr || canvas.height !== H * dpr) {
    canvas.width = W * dpr;
    canvas.height = H * dpr;
  }
  const c = canvas.getContext("2d");
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  c.clearRect(0, 0, W, H);
  return { c, W, H };
}

/** Theme colours read from the host's computed CSS custom properties. */
export function themeColor(host, name, fallback) {
  const v = getComputedStyle(host).getPropertyValue(name).trim();
  return v || fallback;
}

