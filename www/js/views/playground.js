// The convolution playground: one editable 3x3 or 5x5 kernel applied by the wasm engine
// (engine.convolve) to the current model input or a sample photo, with presets, stride and
// padding, the output map, and its size from the formula with the numbers filled in.
//
//   const pg = mount(host, {engine, image, samples, playground});
//   pg.update(ctx);   // the current input changed
//   pg.configure({preset, size, stride, padding})   // any subset; unknown values are ignored
//   pg.close();
//
// image() -> {data: Float32Array greyscale in [0, 1], height, width} (or null before any
// input); samples: entries of samples/index.json ({file, title, kind, ...}, file relative to
// samples/; the photos are offered); playground: the first configure() options. Only DOM built with createElement and CSSOM styles (the page's CSP).

import { formatValue, range } from "../core/colormap.js";
import { assetHref } from "../core/base.js";
import { el, field as fieldOf, select as selectOf } from "../ui/dom.js";
import { PixelCanvas, colorBar, scaleFor } from "../ui/pixels.js";
import { PRESETS, PRESET_NAMES, formatWeight, greyscale, kernelSum, matchPreset, outputSize, preset, robustRange, sizeFormula } from "../core/kernel-presets.js";

const SAMPLES = assetHref("samples/");
/** Longest side a sample photo is scaled down to (photos are ~256 px already). */
const MAX_PHOTO_SIDE = 320;

let uid = 0;

const field = (text, control) => fieldOf(text, control, { prefix: "clv" });
const select = (options, value) => selectOf(options, value, "clv-select");

/** Loads a sample photo as greyscale values in [0, 1]. */
async function loadPhoto(file) {
  const res = await fetch(new URL(file, SAMPLES));
  if (!res.ok) throw new Error(`could not load ${file}: HTTP ${res.status}`);
  const bitmap = await createImageBitmap(await res.blob());
  const s = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * s));
  const height = Math.max(1, Math.round(bitmap.height * s));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const c = canvas.getContext("2d", { willReadFrequently: true });
  c.drawImage(bitmap, 0, 0, width, height);
  bitmap.close?.();
  return { data: greyscale(c.getImageData(0, 0, width, height).data), height, width };
}

/** Mounts the playground into `host`; returns `{refresh()}`. */
export function mount(host, ctx) {
  const pg = new Playground(host, ctx);
  if (ctx.playground) pg.configure(ctx.playground);
  return {
    update(next = pg.ctx) {
      pg.ctx = next;
      pg.refresh();
    },
    configure: (o) => pg.configure(o),
    close: () => host.replaceChildren(),
    element: pg.root,
  };
}

class Playground {
  constructor(host, ctx) {
    this.host = host;
    this.ctx = ctx;
    this.size = 3;
    this.presetName = "sobelX";
    this.kernel = preset(this.presetName, 3);
    this.photos = new Map(); // file -> Promise of {data, height, width}
    this.dirty = false;
    this.busy = false;
    this.runs = 0;
    this.id = `clv-pg-${++uid}`;
    this.build();
    this.schedule();
  }

  build() {
    const root = el("section", "clv clv-playground");
    root.setAttribute("aria-labelledby", `${this.id}-title`);
    this.root = root;
    const head = el("header", "clv-pg-head");
    const title = el("h3", "clv-pg-title", "Convolution playground");
    title.id = `${this.id}-title`;
    head.append(
      title,
      el(
        "p",
        "clv-hint",
        "A filter is a small grid of weights. It slides over the image; at every position the output is the sum of each weight times the pixel under it. Edit the numbers or pick a preset.",
      ),
    );

    // Controls
    const photos = (this.ctx.samples ?? []).filter((s) => !s.kind || s.kind === "photo");
    this.source = select([["input", "Current model input"], ...photos.map((p) => [`photo:${p.file}`, p.title ?? p.file])], "input");
    this.sizeSel = select([[3, "3 × 3"], [5, "5 × 5"]], 3);
    this.stride = select([[1, "1"], [2, "2"], [3, "3"]], 1);
    this.padding = select([[0, "0"], [1, "1"], [2, "2"]], 1);
    this.colors = select([["auto", "Auto"], ["diverging", "Diverging (signed)"], ["grey", "Greyscale"]], "auto");
    const controls = el("div", "clv-pg-controls");
    controls.append(
      field("Image", this.source),
      field("Kernel", this.sizeSel),
      field("Stride", this.stride),
      field("Padding", this.padding),
      field("Colours", this.colors),
    );
    for (const s of [this.source, this.stride, this.padding, this.colors]) s.addEventListener("change", () => this.schedule());
    this.sizeSel.addEventListener("change", () => this.setSize(Number(this.sizeSel.value)));

    // Presets
    const presets = el("div", "clv-pg-presets");
    presets.setAttribute("role", "group");
    presets.setAttribute("aria-label", "Kernel presets");
    this.presetButtons = PRESET_NAMES.map((name) => {
      const b = el("button", "clv-chip", PRESETS[name].label);
      b.type = "button";
      b.dataset.preset = name;
      b.title = PRESETS[name].hint;
      b.addEventListener("click", () => this.applyPreset(name));
      presets.append(b);
      return b;
    });

    // Kernel editor
    const editor = el("fieldset", "clv-pg-kernel");
    editor.append(el("legend", "", "Kernel weights"));
    this.grid = el("div", "clv-kernel-inputs");
    this.sumText = el("p", "clv-hint clv-pg-sum");
    this.presetHint = el("p", "clv-hint clv-pg-preset-hint");
    editor.append(this.grid, this.sumText, this.presetHint);

    // Images
    const figures = el("div", "clv-pg-figures");
    this.src = new PixelCanvas("clv-pg-source", "Source image");
    this.out = new PixelCanvas("clv-pg-output", "Convolution output");
    this.out.canvas.tabIndex = 0;
    const srcFig = el("figure", "clv-pg-fig");
    this.srcCap = el("figcaption", "clv-hint");
    const srcFrame = el("div", "clv-canvas-frame");
    srcFrame.append(this.src.canvas);
    srcFig.append(srcFrame, this.srcCap);
    const outFig = el("figure", "clv-pg-fig");
    this.outCap = el("figcaption", "clv-hint");
    this.outBar = el("div", "clv-colorbar-slot");
    this.readout = el("output", "clv-readout clv-pg-readout");
    const outFrame = el("div", "clv-canvas-frame");
    outFrame.append(this.out.canvas);
    outFig.append(outFrame, this.outBar, this.outCap);
    figures.append(srcFig, outFig);
    this.out.canvas.addEventListener("pointermove", (e) => {
      const cell = this.out.h ? this.out.cellAt(e) : null;
      if (cell) this.hover(cell);
    });
    this.out.canvas.addEventListener("pointerleave", () => this.hover(null));
    this.out.canvas.addEventListener("blur", () => this.hover(null));
    this.out.canvas.addEventListener("keydown", (e) => {
      const d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
      if (!d || !this.result) return;
      e.preventDefault();
      const p = this.cursor ?? { y: 0, x: 0 };
      this.hover({
        y: Math.min(Math.max(p.y + d[0], 0), this.result.height - 1),
        x: Math.min(Math.max(p.x + d[1], 0), this.result.width - 1),
      });
    });

    this.formula = el("div", "clv-pg-formula");
    this.formula.setAttribute("aria-live", "polite");
    this.message = el("p", "clv-message");
    this.message.setAttribute("role", "alert");
    this.message.hidden = true;

    const left = el("div", "clv-pg-left");
    left.append(controls, presets, editor);
    const right = el("div", "clv-pg-right");
    right.append(figures, this.readout, this.formula, this.message);
    const body = el("div", "clv-pg-body");
    body.append(left, right);
    root.append(head, body);
    this.buildInputs();
    this.host.replaceChildren(root);
  }

  buildInputs() {
    const k = this.size;
    this.grid.style.gridTemplateColumns = `repeat(${k}, minmax(0, 1fr))`;
    this.grid.dataset.size = String(k);
    this.inputs = [];
    const cells = [];
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) {
        const i = r * k + c;
        const input = el("input", "clv-weight");
        input.type = "number";
        input.step = "0.1";
        input.inputMode = "decimal";
        input.setAttribute("aria-label", `Kernel row ${r + 1}, column ${c + 1}`);
        input.dataset.row = String(r);
        input.dataset.col = String(c);
        input.addEventListener("input", () => this.edited(i));
        this.inputs.push(input);
        cells.push(input);
      }
    }
    this.grid.replaceChildren(...cells);
    this.showKernel();
  }

  /** Writes `this.kernel` into the number inputs. */
  showKernel() {
    this.inputs.forEach((input, i) => {
      input.value = formatWeight(this.kernel[i]);
      this.tint(input, this.kernel[i]);
    });
    this.showPresetState();
  }

  tint(input, v) {
    input.classList.toggle("clv-pos", v > 0);
    input.classList.toggle("clv-neg", v < 0);
    input.classList.toggle("clv-bad", !Number.isFinite(v));
  }

  showPresetState() {
    const name = matchPreset(this.kernel, this.size);
    this.presetName = name;
    for (const b of this.presetButtons) b.setAttribute("aria-pressed", String(b.dataset.preset === name));
    const sum = kernelSum(this.kernel);
    this.sumText.textContent = Number.isFinite(sum)
      ? `Sum of the weights: ${formatWeight(sum)}${Math.abs(sum - 1) < 1e-6 ? " (keeps the brightness)" : Math.abs(sum) < 1e-6 ? " (flat areas become 0)" : ""}`
      : "";
    this.presetHint.textContent = name ? `${PRESETS[name].label}: ${PRESETS[name].hint}.` : "Custom kernel.";
  }

  /**
   * Sets the kernel size (3 or 5), preset (a PRESETS name), stride (1-3) and padding (0-2); used
   * by embeds (`<convlens-explorer view="playground" kernel="vertical" stride="2">`).
   */
  configure({ preset: name, size, stride, padding } = {}) {
    if (size === 3 || size === 5) {
      this.sizeSel.value = String(size);
      this.setSize(size);
    }
    if (name && PRESETS[name]) this.applyPreset(name);
    if ([1, 2, 3].includes(stride)) this.stride.value = String(stride);
    if ([0, 1, 2].includes(padding)) this.padding.value = String(padding);
    this.schedule();
  }

  applyPreset(name) {
    this.kernel = preset(name, this.size);
    this.showKernel();
    this.schedule();
  }

  setSize(size) {
    if (size === this.size) return;
    const name = this.presetName ?? "identity";
    this.size = size;
    this.kernel = preset(name, size);
    this.buildInputs();
    this.schedule();
  }

  edited(i) {
    const input = this.inputs[i];
    const v = input.value.trim() === "" ? NaN : Number(input.value);
    this.kernel[i] = v;
    this.tint(input, v);
    this.showPresetState();
    this.schedule();
  }

  /** Coalesces changes: at most one convolve in flight, then the newest settings. */
  schedule() {
    this.dirty = true;
    if (!this.busy) this.pump();
  }

  async pump() {
    this.busy = true;
    try {
      while (this.dirty) {
        this.dirty = false;
        await this.compute();
      }
    } finally {
      this.busy = false;
    }
  }

  refresh() {
    if (this.source.value === "input") this.schedule();
  }

  showError(text) {
    this.message.textContent = text;
    this.message.hidden = false;
    this.root.dataset.state = "error";
    this.out.canvas.classList.add("clv-stale");
  }

  async sourceImage() {
    const v = this.source.value;
    if (v === "input") return this.ctx.image?.() ?? null;
    const file = v.slice("photo:".length);
    if (!this.photos.has(file)) {
      const p = loadPhoto(file);
      p.catch(() => this.photos.delete(file));
      this.photos.set(file, p);
    }
    return this.photos.get(file);
  }

  async compute() {
    this.runs++;
    try {
      await this.computeInner();
    } catch (e) {
      this.showError(e instanceof Error ? e.message : String(e));
    } finally {
      this.root.dataset.runs = String(this.runs);
    }
  }

  async computeInner() {
    const k = this.size;
    const stride = Number(this.stride.value);
    const padding = Number(this.padding.value);
    const image = await this.sourceImage();
    if (!image || !image.data || !image.height || !image.width) {
      this.formula.replaceChildren();
      this.showError("There is no input image yet: draw or pick one, or choose a sample photo.");
      return;
    }
    this.drawSource(image, padding);
    const { height: H, width: W } = image;
    const formula = (axis, n) => {
      const line = el("p", "clv-formula-line");
      line.dataset.axis = axis;
      line.dataset.size = String(Math.max(0, outputSize(n, k, stride, padding)));
      line.append(el("span", "clv-formula-axis", `${axis}: `), el("code", "clv-formula-text", sizeFormula(n, k, stride, padding)));
      return line;
    };
    this.formula.replaceChildren(
      el("p", "clv-hint", "Output size = (input + 2 × padding − kernel) / stride + 1, rounded down:"),
      formula("height", H),
      formula("width", W),
    );
    const bad = this.kernel.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      this.showError(`Kernel row ${Math.floor(bad / k) + 1}, column ${(bad % k) + 1} is not a number: type a number there.`);
      return;
    }
    let result;
    try {
      result = await this.ctx.engine.convolve({
        image: image.data,
        height: H,
        width: W,
        kernel: Float32Array.from(this.kernel),
        kernelHeight: k,
        kernelWidth: k,
        stride,
        padding,
      });
    } catch (e) {
      this.showError(`No output with these settings: ${e.message}`);
      return;
    }
    this.result = result;
    this.geometry = { k, stride, padding };
    this.message.hidden = true;
    this.message.textContent = "";
    this.root.dataset.state = "ok";
    this.out.canvas.classList.remove("clv-stale");
    this.drawOutput();
  }

  drawSource(image, padding) {
    const pad = { top: padding, left: padding, bottom: padding, right: padding };
    const scale = scaleFor(image.height, image.width, 256);
    const m = this.src.margin ?? {};
    if (this.src.h !== image.height || this.src.w !== image.width || this.src.scale !== scale || m.top !== padding) {
      this.src.setSize(image.height, image.width, scale, pad);
    }
    this.srcImage = image;
    this.paintSource();
    this.srcCap.textContent = `Input: ${image.height} × ${image.width}${padding ? `, zero padding ${padding} (hatched)` : ""}`;
    this.src.canvas.setAttribute("aria-label", `Source image, ${image.height} by ${image.width} pixels`);
  }

  paintSource() {
    this.src.paint(this.srcImage.data, 0, { map: "grey", min: 0, max: 1 });
  }

  drawOutput() {
    const { data, height, width } = this.result;
    const scale = this.src.scale ?? scaleFor(height, width, 256);
    if (this.out.h !== height || this.out.w !== width || this.out.scale !== scale) this.out.setSize(height, width, scale);
    const r = range(data);
    let map = this.colors.value;
    if (map === "auto") map = r.min < 0 ? "diverging" : "grey";
    // Colours span the middle 99% of the values, so a few extremes don't wash the rest out.
    const shown = robustRange(data);
    this.shown = shown;
    this.outMap = map;
    this.out.paint(data, 0, { map, min: shown.min, max: shown.max });
    this.outBar.replaceChildren(colorBar(map, shown.min, shown.max));
    this.out.canvas.dataset.height = String(height);
    this.out.canvas.dataset.width = String(width);
    this.out.canvas.setAttribute("aria-label", `Convolution output, ${height} by ${width}, values ${formatValue(r.min)} to ${formatValue(r.max)}`);
    this.outCap.textContent =
      `Output: ${height} × ${width}, values ${formatValue(r.min)} … ${formatValue(r.max)}` +
      (shown.clipped ? " (colours span the middle 99%)" : "");
    if (this.cursor && (this.cursor.y >= height || this.cursor.x >= width)) this.cursor = null;
    if (this.cursor) this.hover(this.cursor, true);
  }

  /** Highlights the window that output cell `cell` reads on the source, and shows its value. */
  hover(cell, redrawn = false) {
    if (!this.result || !this.srcImage) return;
    this.cursor = cell;
    if (!redrawn) {
      this.out.paint(this.result.data, 0, { map: this.outMap, min: this.shown.min, max: this.shown.max });
    }
    this.paintSource();
    if (!cell) {
      this.readout.textContent = "";
      return;
    }
    const { k, stride, padding } = this.geometry;
    const top = cell.y * stride - padding;
    const left = cell.x * stride - padding;
    const w = Math.max(1, Math.min(2, this.src.scale / 4));
    this.src.strokeCells(top, left, top + k - 1, left + k - 1, "#ff9f1c", w, "rgba(255, 159, 28, 0.25)");
    this.out.strokeCells(cell.y, cell.x, cell.y, cell.x, "#ff9f1c", Math.max(1, Math.min(2, this.out.scale / 4)));
    const v = this.result.data[cell.y * this.result.width + cell.x];
    this.readout.textContent = `output row ${cell.y}, col ${cell.x} = ${formatValue(v)} (input rows ${top}–${top + k - 1}, cols ${left}–${left + k - 1})`;
  }
}
