// The explorer page's picture sources: the gallery of samples, files from the picker, a drop or a
// paste (pictures and model files alike), and the webcam (a captured frame, or live). Each picture
// becomes the model input through the controller (core/controller.js usePicture); the original is
// shown beside the input.
//
//   const pictures = new Pictures(page);   // page: {ui, state, controller, input, showError,
//                                          //   hideError, writeHash, openModelFile}
//   pictures.use(pic, label, sampleId?); await pictures.openSample(id); pictures.renderGallery();

import { assetHref } from "../core/base.js";
import { autoInvert, looksLikeSafetensors, sniffImage } from "../core/preprocess.js";
import { sampleId } from "../core/samples.js";
import { errorText } from "../ui/dom.js";
import { Webcam, decodeImage, loadImageUrl } from "../ui/images.js";
import { assetUrl } from "./assets.js";
import { earlySample } from "./boot.js";

const sentence = (s) => s.replace(/\.?$/, ".");
const LIVE = "webcam (live)";
const autoInvertOf = (pic) => autoInvert(pic.grey, pic.width, pic.height);

export class Pictures {
  constructor(page) {
    this.page = page;
    this.webcam = new Webcam(page.ui.webcamVideo);
  }

  get ui() {
    return this.page.ui;
  }

  /** Makes `pic` ({grey, rgb, width, height}) the input source and converts it. */
  use(pic, label, sample = null) {
    const { ui, state, controller, input } = this.page;
    state.sample = sample;
    // A colour model takes photos as they are; grey models want light strokes on a dark background.
    controller.source = { ...pic, label };
    ui.invert.checked = input.planes === 1 && autoInvertOf(pic);
    ui.invert.disabled = input.planes === 3;
    ui.invertNote.textContent = ui.invert.checked ? "(auto: light background)" : "";
    this.convert();
    this.drawSource();
    this.page.writeHash();
  }

  /** Converts the source picture again for the model shown (and the invert switch). */
  convert({ undoable = true } = {}) {
    const { ui, controller } = this.page;
    const source = controller.source;
    if (!controller.summary || !source) return;
    controller.convertSource({ invert: ui.invert.checked, undoable });
    const { height, width } = controller.summary.input;
    ui.inputCaption.textContent = `${source.label} → ${height} × ${width}`;
  }

  /** Shows the source picture beside the input: in colour for a colour model, else in grey. */
  drawSource() {
    const { ui, controller, input } = this.page;
    const { grey, rgb, width, height, label } = controller.source;
    const c = ui.sourceCanvas;
    c.width = width;
    c.height = height;
    const ctx = c.getContext("2d");
    const img = ctx.createImageData(width, height);
    const n = width * height;
    const colour = input.planes === 3 && rgb;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) img.data[4 * i + k] = Math.round((colour ? rgb[k * n + i] : grey[i]) * 255);
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    c.style.aspectRatio = `${width} / ${height}`;
    ui.sourceCaption.textContent = `original: ${label}`;
    c.setAttribute("aria-label", `The original picture (${label}), ${colour ? "in colour" : "in greyscale"}`);
    ui.sourceFigure.hidden = false;
  }

  /** The input is a drawing again. */
  drop() {
    const { ui, state, controller } = this.page;
    controller.dropSource();
    state.sample = null;
    ui.sourceFigure.hidden = true;
    ui.inputCaption.textContent = "what the model sees";
    ui.invertNote.textContent = "";
  }

  async openImageFile(file, how = "opened") {
    let pic;
    try {
      pic = await decodeImage(file);
    } catch (e) {
      this.page.showError(`Could not use “${file.name || "the pasted image"}” as a picture: ${sentence(errorText(e))} The input is unchanged.`);
      return;
    }
    this.page.hideError();
    this.use(pic, file.name || `${how} image`);
  }

  async openSample(id) {
    const { state } = this.page;
    const s = state.samples.find((x) => sampleId(x) === id);
    if (!s) {
      this.page.showError(`There is no sample “${id}”.`);
      return false;
    }
    try {
      const early = await earlySample(id);
      const pic = early ? await decodeImage(early) : await loadImageUrl(assetHref(`samples/${s.file}`));
      this.use(pic, s.title, id);
      document.body.dataset.sample = id;
      this.page.hideError();
      return true;
    } catch (e) {
      this.page.showError(`Could not load the sample “${s.title}”: ${errorText(e)}`);
      return false;
    }
  }

  /** Gallery: the samples matching the model first (digits for digit models, clothes for fashion). */
  renderGallery() {
    const { ui, state, controller } = this.page;
    const mode = controller.mode;
    const first = mode === "mnist" ? "digit" : mode === "fashion" ? "fashion" : "photo";
    const kinds = [first, ...["digit", "fashion", "photo"].filter((k) => k !== first)];
    ui.gallery.replaceChildren();
    for (const kind of kinds) {
      for (const s of state.samples.filter((x) => x.kind === kind)) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = `sample sample-${kind}`;
        b.dataset.sample = sampleId(s);
        b.title = `${s.title} (${s.licence})`;
        b.setAttribute("aria-label", `Sample: ${s.title}`);
        const img = document.createElement("img");
        img.src = assetUrl(`samples/${s.thumb ?? s.file}`); // photos have 80 px thumbnails
        img.alt = "";
        img.width = 40;
        img.height = 40;
        img.decoding = "async";
        b.append(img);
        b.addEventListener("click", () => this.openSample(sampleId(s)));
        ui.gallery.append(b);
      }
    }
  }

  // ---------------------------------------------------------------- files from anywhere

  /** A file from the picker, a drop or a paste: a model file or a picture. */
  async openAnyFile(file, how) {
    const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
    if (/\.(safetensors|onnx)$/i.test(file.name) || looksLikeSafetensors(head)) return this.page.openModelFile(file);
    if (file.type.startsWith("image/") || sniffImage(head)) return this.openImageFile(file, how);
    // Unknown: try it as a picture (browsers decode more formats than we sniff).
    try {
      const pic = await decodeImage(file);
      this.page.hideError();
      this.use(pic, file.name);
    } catch {
      this.page.showError(`“${file.name}” is neither a picture this browser can decode nor a convlens model file (.safetensors or .onnx). Nothing was changed.`);
    }
  }

  wireDropAndPaste() {
    let depth = 0;
    const files = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    document.addEventListener("dragenter", (e) => {
      if (!files(e)) return;
      depth += 1;
      document.body.classList.add("dragging");
    });
    document.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (!depth) document.body.classList.remove("dragging");
    });
    document.addEventListener("dragover", (e) => {
      if (files(e)) e.preventDefault();
    });
    document.addEventListener("drop", (e) => {
      depth = 0;
      document.body.classList.remove("dragging");
      // A drop a view took (a labelled folder on the evaluation's drop zone) is not a picture.
      if (e.defaultPrevented) return;
      const file = e.dataTransfer?.files?.[0];
      if (!file) return;
      e.preventDefault();
      this.openAnyFile(file, "dropped");
    });
    document.addEventListener("paste", (e) => {
      const t = e.target;
      if (t instanceof HTMLInputElement && t.type !== "file") return;
      const file = [...(e.clipboardData?.files ?? [])][0];
      if (!file) return;
      e.preventDefault();
      this.openAnyFile(file, "pasted");
    });
  }

  // ---------------------------------------------------------------- webcam

  async startWebcam() {
    const ui = this.ui;
    try {
      await this.webcam.start();
      this.page.hideError();
      ui.webcamBox.hidden = false;
      ui.webcam.textContent = "Webcam on";
      ui.webcamCapture.focus();
    } catch (e) {
      this.page.showError(`Webcam: ${sentence(errorText(e))} You can still draw, open a picture or pick a sample.`);
    }
  }

  capture() {
    try {
      this.use(this.webcam.grab(), "webcam frame");
    } catch (e) {
      this.page.showError(`Webcam: ${sentence(errorText(e))}`);
    }
  }

  /** Live mode: every animation frame's camera picture becomes the input (not undoable). */
  live() {
    const { ui, state, controller } = this.page;
    if (!this.webcam.active || !ui.webcamLive.checked) return;
    try {
      const pic = this.webcam.grab();
      const first = !controller.source || controller.source.label !== LIVE;
      controller.source = { ...pic, label: LIVE };
      state.sample = null;
      if (first) {
        ui.invert.checked = autoInvertOf(pic);
        this.page.writeHash();
      }
      this.convert({ undoable: first }); // one undo step back to before the live picture
      this.drawSource();
    } catch {
      // no frame yet
    }
    requestAnimationFrame(() => this.live());
  }

  stopWebcam() {
    const ui = this.ui;
    ui.webcamLive.checked = false;
    this.webcam.stop();
    ui.webcamBox.hidden = true;
    ui.webcam.textContent = "Webcam";
  }
}
