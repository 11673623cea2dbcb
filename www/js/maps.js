// Draws every layer's output: one crisp greyscale canvas per channel for spatial ([c, h, w])
// outputs, a labelled bar list for short vectors, and a single grid image for long vectors.

import { argmax, barLengths, formatValue, gridFor, greyscaleRGBA, pixelScale } from "./colormap.js";

/** Vectors up to this length are drawn as bars; longer ones as an image. */
const MAX_BARS = 64;
/** Feature maps are magnified by an integer factor to about this many CSS pixels (smaller
 * when a layer has many channels). */
const mapTarget = (channels) => (channels <= 8 ? 112 : channels <= 32 ? 84 : 64);

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

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

class SpatialView {
  constructor(body, [channels, h, w]) {
    this.h = h;
    this.w = w;
    this.figures = [];
    const grid = el("div", "map-grid");
    for (let c = 0; c < channels; c++) {
      const fig = el("figure", "map");
      const canvas = mapCanvas(h, w, mapTarget(channels));
      canvas.dataset.channel = String(c);
      canvas.setAttribute("role", "img");
      const caption = el("figcaption");
      const name = el("span", "map-name", `ch ${c}`);
      const range = el("span", "map-range");
      caption.append(name, range);
      fig.append(canvas, caption);
      grid.append(fig);
      const ctx = canvas.getContext("2d");
      this.figures.push({ canvas, ctx, range, image: ctx.createImageData(w, h) });
    }
    body.append(grid);
  }

  update(data) {
    const n = this.h * this.w;
    this.figures.forEach((f, c) => {
      const { min, max } = greyscaleRGBA(data, c * n, n, f.image.data);
      f.ctx.putImageData(f.image, 0, 0);
      f.range.textContent = `${formatValue(min)} … ${formatValue(max)}`;
      f.canvas.setAttribute("aria-label", `channel ${c}, values ${formatValue(min)} to ${formatValue(max)}`);
    });
  }
}

class BarsView {
  constructor(body, n, labels) {
    const list = el("ol", "bars");
    this.rows = [];
    for (let i = 0; i < n; i++) {
      const row = el("li", "bar-row");
      const label = el("span", "bar-label", labels && labels.length === n ? labels[i] : String(i));
      const track = el("span", "bar-track");
      const fill = el("span", "bar-fill");
      track.append(fill);
      const value = el("span", "bar-value");
      row.append(label, track, value);
      list.append(row);
      this.rows.push({ row, fill, value });
    }
    body.append(list);
  }

  update(data) {
    const { probabilities, lengths } = barLengths(data);
    const best = argmax(data);
    this.rows.forEach((r, i) => {
      const len = lengths[i];
      r.fill.style.width = `${Math.abs(len) * 100}%`;
      r.fill.classList.toggle("negative", len < 0);
      r.row.classList.toggle("best", i === best);
      r.value.textContent = probabilities ? `${(data[i] * 100).toFixed(1)}%` : formatValue(data[i]);
    });
  }
}

class VectorImageView {
  constructor(body, n) {
    const { cols, rows } = gridFor(n);
    this.n = n;
    this.cols = cols;
    this.rows = rows;
    const fig = el("figure", "map vector-map");
    this.canvas = mapCanvas(rows, cols, 160);
    this.canvas.setAttribute("role", "img");
    this.ctx = this.canvas.getContext("2d");
    this.image = this.ctx.createImageData(cols, rows);
    const caption = el("figcaption");
    caption.append(el("span", "map-name", `${n} values, row by row`));
    this.range = el("span", "map-range");
    caption.append(this.range);
    fig.append(this.canvas, caption);
    body.append(fig);
  }

  update(data) {
    // Cells past the end of the vector stay transparent.
    const { min, max } = greyscaleRGBA(data, 0, this.n, this.image.data);
    this.ctx.putImageData(this.image, 0, 0);
    this.range.textContent = `${formatValue(min)} … ${formatValue(max)}`;
  }
}

/** All layers' outputs, one <section> per layer inside `container`. */
export class MapsView {
  constructor(container) {
    this.container = container;
    this.views = [];
  }

  /** Rebuilds the sections for a model summary (`explorer.summary()`). */
  build(summary) {
    this.container.replaceChildren();
    this.views = summary.layers.map((layer, i) => {
      const shape = layer.outputShape;
      const spatial = shape.length === 3;
      const section = el("section", "layer");
      section.dataset.layer = String(i);
      section.dataset.kind = spatial ? "spatial" : "vector";
      const head = el("header", "layer-head");
      const title = el("h3");
      title.append(el("span", "layer-index", String(i + 1)), ` ${layer.name} `, el("span", "layer-type", layer.type));
      head.append(title, el("span", "layer-shape", shapeText(shape)));
      section.append(head);
      const body = el("div", "layer-body");
      section.append(body);
      this.container.append(section);
      if (spatial) return new SpatialView(body, shape);
      if (shape[0] <= MAX_BARS) return new BarsView(body, shape[0], summary.labels);
      return new VectorImageView(body, shape[0]);
    });
  }

  /** Draws layer `i`'s output (flattened CHW). */
  update(i, data) {
    this.views[i].update(data);
  }
}
