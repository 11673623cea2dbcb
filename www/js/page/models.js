// The explorer page's model menu beyond the builtins: the catalog (models/index.json: models
// downloaded when picked, with a progress bar that can be cancelled) and model files opened from
// the picker, a drop or a paste (.safetensors or .onnx), each kept for the visit.
//
//   const models = new Models(page);   // page: {ui, state, controller, input, setModel, pictures,
//                                      //   showError, hideError}
//   await models.loadCatalog(); models.pick(value); await models.openFile(file)

import { assetHref } from "../core/base.js";
import { defaultSample, sampleId } from "../core/samples.js";
import { errorText, option } from "../ui/dom.js";
import { download, loadCatalog } from "./downloads.js";

const MB = (n) => (n / 1e6).toFixed(1);
const sentence = (s) => s.replace(/\.?$/, ".");

/** A model's name in the menu and in messages. */
export function modelLabel(name) {
  return name.startsWith("file:") ? name.slice(5) : name;
}

export class Models {
  constructor(page) {
    this.page = page;
    this.catalog = []; // models/index.json entries
    this.files = new Map(); // "file:<name>" (opened files) or a catalog id (downloaded models) -> bytes
    this.downloading = null; // {id, controller, promise} while a model downloads
  }

  inCatalog(id) {
    return this.catalog.some((m) => m.id === id);
  }

  /** Reads the catalog and lists it in the menu (the single-file build has none beside it). */
  async loadCatalog() {
    if (globalThis.convlensInline?.singleFile) return;
    this.catalog = await loadCatalog(assetHref("models/index.json").href);
    if (!this.catalog.length) return;
    const group = document.createElement("optgroup");
    group.label = "Download (fetched when picked)";
    for (const m of this.catalog) option(group, m.id, `${m.title} (${MB(m.bytes ?? 0)} MB)`).title = m.about ?? "";
    this.page.ui.select.append(group);
  }

  /** The menu's choice: a builtin or a catalog model. */
  async pick(name) {
    const { ui, controller } = this.page;
    try {
      this.page.hideError();
      if (this.inCatalog(name)) await this.loadRemote(name);
      else await this.page.setModel(name);
    } catch (e) {
      this.page.showError(`Could not load the model “${modelLabel(name)}”: ${errorText(e)}`);
      ui.select.value = controller.name;
    }
  }

  cancel() {
    this.downloading?.controller.abort();
  }

  /** Downloads catalog model `id` (once per visit) with a progress bar, then shows it. */
  async loadRemote(id) {
    const entry = this.catalog.find((m) => m.id === id);
    if (!entry) return false;
    if (this.files.has(id)) {
      await this.page.setModel(id);
      return true;
    }
    if (this.downloading?.id === id) return this.downloading.promise; // already on its way
    this.cancel();
    const controller = new AbortController();
    this.downloading = { id, controller };
    this.downloading.promise = this.fetchRemote(entry, controller);
    return this.downloading.promise;
  }

  async fetchRemote(entry, abort) {
    const { ui, state, controller, input, pictures } = this.page;
    ui.download.hidden = false;
    ui.select.value = controller.name ?? "";
    const show = (loaded, total) => {
      ui.downloadProgress.value = total ? loaded / total : 0;
      if (!total) ui.downloadProgress.removeAttribute("value");
      ui.downloadText.textContent = `Downloading ${entry.title}: ${MB(loaded)}${total ? ` of ${MB(total)}` : ""} MB`;
    };
    try {
      const bytes = await download(assetHref(`models/${entry.file}`).href, { onProgress: show, signal: abort.signal, expected: entry.bytes });
      ui.downloadText.textContent = `Loading ${entry.title}…`;
      await this.page.setModel(entry.id, { bytes });
      this.page.hideError();
      // A colour ImageNet model wants a photo: open one unless a photo is already the input.
      const photo = state.samples.find((s) => sampleId(s) === state.sample)?.kind === "photo";
      if (input.planes === 3 && !photo && !(controller.source && !state.sample)) await pictures.openSample(defaultSample("fit", state.samples) ?? "cat");
      return true;
    } catch (e) {
      if (e?.name !== "AbortError") {
        const kept = controller.name ? ` ${modelLabel(controller.name)} stays loaded.` : "";
        this.page.showError(`Could not load ${entry.title}: ${sentence(errorText(e))}${kept}`);
      }
      ui.select.value = controller.name ?? "";
      return false;
    } finally {
      if (this.downloading?.controller === abort) {
        this.downloading = null;
        ui.download.hidden = true;
      }
    }
  }

  /** Lists an opened file in the menu's "Opened files" group (once). */
  fileOption(name) {
    const select = this.page.ui.select;
    let group = select.querySelector("optgroup[data-files]");
    if (!group) {
      group = document.createElement("optgroup");
      group.label = "Opened files";
      group.dataset.files = "";
      select.append(group);
    }
    if (![...group.children].some((o) => o.value === name)) option(group, name, modelLabel(name));
  }

  /** A model file from the picker, a drop or a paste. */
  async openFile(file) {
    return this.openBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  }

  /** A model file's bytes (an opened file, a model trained in the Train view) named `fileName`;
   * resolves to whether it is shown. */
  async openBytes(bytes, fileName) {
    const { ui, controller } = this.page;
    const name = `file:${fileName}`;
    try {
      await this.page.setModel(name, { bytes });
    } catch (e) {
      const kept = controller.name ? ` The previous model (${modelLabel(controller.name)}) is still loaded.` : "";
      this.page.showError(`Could not load “${fileName}” as a model: ${sentence(errorText(e))}${kept}`);
      return false;
    }
    this.page.hideError();
    this.fileOption(name);
    ui.select.value = name;
    return true;
  }
}
