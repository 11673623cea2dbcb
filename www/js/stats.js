// Activation statistics ("which filters are not pulling their weight"): runs
// `explorer.statistics` over the evaluation sample in the engine worker, flags dead channels
// (never > 0) and rarely active ones (active on < 1 % of positions and inputs), shows a histogram
// per layer and each channel's top-9 inputs as thumbnails.
//
//   const view = mountStats(host, ctx);   // ctx: {engine, summary, evalSample, ...}
//   view.refresh(ctx);                    // after a model change (re-runs when the summary changed)
//
// Also the shared pieces of the explaining views: `loadEvalSample` (the shipped 500-image test
// sample, or the gallery), `statisticsFor(ctx)` (cached per model), and small DOM helpers.
// DOM built with createElement only; no inline styles (CSP).

import { colorOf, formatValue } from "./colormap.js";
import { flagChannels, histogram, idxToInputs, imageRGBA, parseIdx, statLayers } from "./explain-math.js";

// ---------------------------------------------------------------- DOM helpers (shared)

export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A labelled control: <label class="cle-field"><span>text</span>control</label>. */
export function field(text, control, className = "") {
  const l = el("label", `cle-field ${className}`.trim());
  // an explicit name: a wrapping label would also read out the control's current value
  if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", text);
  l.append(el("span", "cle-field-label", text), control);
  return l;
}

export function select(options, value) {
  const s = el("select");
  for (const [v, text] of options) {
    const o = el("option", "", text);
    o.value = String(v);
    s.append(o);
  }
  if (value !== undefined) s.value = String(value);
  return s;
}

export function numberInput(value, { min, max, step = "any" } = {}) {
  const i = el("input");
  i.type = "number";
  if (min !== undefined) i.min = String(min);
  if (max !== undefined) i.max = String(max);
  i.step = String(step);
  i.value = String(value);
  return i;
}

export function button(text, onClick, className = "") {
  const b = el("button", `cle-button ${className}`.trim(), text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
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

/** Theme colours read from the host's computed CSS custom properties. */
export function themeColor(host, name, fallback) {
  const v = getComputedStyle(host).getPropertyValue(name).trim();
  return v || fallback;
}

// ---------------------------------------------------------------- evaluation sample

const SAMPLE_SIZE = 500;

/**
 * The evaluation sample for a model: the shipped 500 test images `data/<name>-test500-*.idx` for
 * the builtin digits and fashion models, otherwise the gallery samples (`samples` entries of
 * samples/index.json) fitted to the model input. Resolves to {images, count, labels, source}.
 */
export async function loadEvalSample({ name, summary, samples = [], base = new URL("../", import.meta.url) }) {
  const { channels, height, width } = summary.input;
  if ((name === "digits" || name === "fashion") && height === 28 && width === 28) {
    const [img, lab] = await Promise.all(
      ["images", "labels"].map(async (kind) => {
        const res = await fetch(new URL(`data/${name}-test500-${kind}.idx`, base));
        if (!res.ok) throw new Error(`could not load the ${name} test sample: HTTP ${res.status}`);
        return parseIdx(await res.arrayBuffer());
      }),
    );
    return {
      images: idxToInputs(img, channels),
      count: img.dims[0],
      labels: Array.from(lab.data),
      source: `${img.dims[0]} ${name === "digits" ? "MNIST" : "Fashion-MNIST"} test images`,
    };
  }
  const files = samples.filter((s) => s.file);
  if (!files.length) throw new Error("no evaluation sample for this model (no gallery images either)");
  const n = channels * height * width;
  const images = new Float32Array(files.length * n);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const c = canvas.getContext("2d", { willReadFrequently: true });
  let count = 0;
  for (const s of files.slice(0, SAMPLE_SIZE)) {
    try {
      const res = await fetch(new URL(`samples/${s.file}`, base));
      if (!res.ok) continue;
      const bitmap = await createImageBitmap(await res.blob());
      c.clearRect(0, 0, width, height);
      c.drawImage(bitmap, 0, 0, width, height);
      const px = c.getImageData(0, 0, width, height).data;
      const plane = height * width;
      for (let i = 0; i < plane; i++) {
        const [r, g, b] = [px[4 * i] / 255, px[4 * i + 1] / 255, px[4 * i + 2] / 255];
        if (channels === 3) {
          images[count * n + i] = r;
          images[count * n + plane + i] = g;
          images[count * n + 2 * plane + i] = b;
        } else {
          const grey = 0.299 * r + 0.587 * g + 0.114 * b;
          for (let ch = 0; ch < channels; ch++) images[count * n + ch * plane + i] = grey;
        }
      }
      count++;
    } catch {
      // an undecodable file is skipped
    }
  }
  if (!count) throw new Error("no evaluation sample for this model");
  return { images: images.subarray(0, count * n), count, labels: null, source: `${count} gallery images (no test sample ships for this model)` };
}

// ---------------------------------------------------------------- statistics (cached per model)

const CACHE = new WeakMap(); // summary -> Promise<{sample, stats}>

/** Statistics of the model `ctx.summary` over `ctx.evalSample()`, computed once per model. */
export function statisticsFor(ctx) {
  let p = CACHE.get(ctx.summary);
  if (!p) {
    p = (async () => {
      if (!ctx.evalSample) throw new Error("no evaluation sample is available for this model");
      const sample = await ctx.evalSample();
      if (!sample || !sample.count) throw new Error("no evaluation sample is available for this model");
      const t0 = performance.now();
      const stats = await ctx.engine.call("statistics", { inputs: sample.images, count: sample.count });
      return { sample, stats, ms: performance.now() - t0 };
    })();
    p.catch(() => CACHE.delete(ctx.summary));
    CACHE.set(ctx.summary, p);
  }
  return p;
}

// ---------------------------------------------------------------- the view

const RARE = 0.01;
const MAX_CARDS = 64; // channels shown with thumbnails per layer (vectors can be long)

export function mountStats(host, ctx) {
  host.classList.add("cle", "cle-stats");
  host.replaceChildren();
  const head = el("div", "cle-head");
  head.append(el("h3", "cle-title", "Activation statistics"));
  const metric = select(
    [
      ["active", "fraction active"],
      ["mean", "mean activation"],
    ],
    "active",
  );
  metric.setAttribute("aria-label", "Histogram of");
  const controls = el("div", "cle-controls");
  const runButton = button("Run again", () => run(true));
  controls.append(field("Histogram of", metric), runButton);
  head.append(controls);
  const status = el("p", "cle-status", "");
  status.setAttribute("role", "status");
  const summaryLine = el("p", "cle-summary", "");
  const body = el("div", "cle-stats-body");
  host.append(head, el("p", "cle-hint", "Over the evaluation sample: dead channels never fire; rarely active ones fire on under 1 % of positions and inputs. Each channel shows the 9 inputs that excite it most."), status, summaryLine, body);

  let current = ctx;
  let shownFor = null;
  let result = null;
  let token = 0;

  async function run(force = false) {
    if (!force && shownFor === current.summary) return;
    const my = ++token;
    shownFor = current.summary;
    host.dataset.state = "running";
    status.textContent = "running the model over the evaluation sample…";
    status.classList.remove("cle-error");
    try {
      result = await statisticsFor(current);
      if (my !== token) return;
      render();
      host.dataset.state = "done";
    } catch (e) {
      if (my !== token) return;
      body.replaceChildren();
      summaryLine.textContent = "";
      status.textContent = `Statistics unavailable: ${e.message}`;
      status.classList.add("cle-error");
      host.dataset.state = "error";
    }
  }

  function render() {
    const { sample, stats, ms } = result;
    const summary = current.summary;
    const shape = summary.input;
    status.textContent = `${sample.source} · ${ms.toFixed(0)} ms`;
    body.replaceChildren();
    let dead = 0;
    let rare = 0;
    let total = 0;
    for (const { index, title } of statLayers(summary)) {
      const layer = stats.layers[index];
      const flags = flagChannels(layer.channels, RARE);
      dead += flags.dead.length;
      rare += flags.rare.length;
      total += layer.channels.length;
      const section = el("section", "cle-layer");
      section.dataset.layer = String(index);
      const h = el("h4", "cle-layer-title", title);
      const note = el("span", "cle-layer-flags");
      note.textContent = `${layer.channels.length} channels · ${flags.dead.length} dead · ${flags.rare.length} rarely active`;
      if (flags.dead.length) note.classList.add("cle-warn");
      h.append(" ", note);
      section.append(h, histogramFigure(layer, title));
      const grid = el("div", "cle-channel-grid");
      layer.channels.slice(0, MAX_CARDS).forEach((c, ch) => {
        const card = el("figure", "cle-channel");
        card.dataset.layer = String(index);
        card.dataset.channel = String(ch);
        const isRare = !c.dead && c.active < RARE;
        if (c.dead) card.dataset.dead = "1";
        if (isRare) card.dataset.rare = "1";
        const mosaic = pixelCanvas("cle-top9", `${title} channel ${ch}: the 9 inputs that excite it most`);
        drawMosaic(mosaic, sample.images, c.top, shape);
        const cap = el("figcaption", "cle-channel-caption");
        cap.append(el("b", "", `#${ch}`), " ");
        if (c.dead) cap.append(el("span", "cle-badge cle-badge-dead", "dead"), " ");
        else if (isRare) cap.append(el("span", "cle-badge cle-badge-rare", "rare"), " ");
        cap.append(el("span", "cle-num cle-line", `${(c.active * 100).toFixed(1)} % active`), el("span", "cle-num cle-line", `mean ${formatValue(c.mean)}`));
        card.title = `max ${formatValue(c.max)}; top inputs ${c.top.join(", ")}`;
        card.append(mosaic, cap);
        grid.append(card);
      });
      section.append(grid);
      if (layer.channels.length > MAX_CARDS) section.append(el("p", "cle-hint", `first ${MAX_CARDS} of ${layer.channels.length} shown`));
      body.append(section);
    }
    summaryLine.textContent = `${dead} dead and ${rare} rarely active of ${total} channels.`;
    summaryLine.classList.toggle("cle-warn", dead + rare > 0);
    host.dataset.dead = String(dead);
    host.dataset.rare = String(rare);
  }

  function histogramFigure(layer, title) {
    const key = metric.value;
    const values = layer.channels.map((c) => c[key]);
    const bins = 10;
    const hist = key === "active" ? histogram(values, bins, 0, 1) : histogram(values, bins);
    const fig = el("figure", "cle-hist");
    const canvas = el("canvas", "cle-hist-canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      `${title}: histogram of channel ${key === "active" ? "active fractions" : "mean activations"}: ${hist.counts.join(", ")}`,
    );
    const W = 240;
    const H = 64;
    const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
    canvas.width = W * dpr;
    canvas.height = H * dpr;
    const c = canvas.getContext("2d");
    c.scale(dpr, dpr);
    const maxCount = Math.max(1, ...hist.counts);
    const bw = W / bins;
    const bar = themeColor(host, "--cle-accent", "#2f6fdb");
    const warn = themeColor(host, "--cle-warn-ink", "#b3261e");
    hist.counts.forEach((n, i) => {
      const bh = (n / maxCount) * (H - 4);
      // the first bin of active fractions holds the dead and rare channels
      c.fillStyle = key === "active" && i === 0 && n > 0 ? warn : bar;
      c.fillRect(i * bw + 1, H - bh, bw - 2, bh);
    });
    const cap = el("figcaption", "cle-hist-axis");
    const lo = key === "active" ? "0 %" : formatValue(hist.lo);
    const hi = key === "active" ? "100 %" : formatValue(hist.hi);
    cap.append(el("span", "", lo), el("span", "", key === "active" ? "fraction active" : "mean activation"), el("span", "", hi));
    fig.append(canvas, cap);
    return fig;
  }

  metric.addEventListener("change", () => result && render());
  run();

  return {
    refresh(next) {
      current = next;
      run();
    },
    rerun: () => run(true),
  };
}

/** A swatch colour helper for legends (re-exported for the other views). */
export function swatch(map, t) {
  const px = new Uint8ClampedArray(4);
  colorOf(t, map, 0, 1, px, 0);
  return `rgb(${px[0]}, ${px[1]}, ${px[2]})`;
}
