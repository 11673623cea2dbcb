// A labelled folder of the visitor's own pictures (one folder per class), picked or dropped, read
// as model inputs. Nothing leaves the browser: the files are decoded here (ui/images.js) and
// converted to the model input as the explorer converts any picture (core/preprocess.js
// pictureToInput, in the mode modeFor gives). Which file is which class: core/labelled-folder.js.
//
//   const picker = folderPicker({ onPick: (entries) => ..., onError: (e) => ... });
//   host.append(picker.element);                  // "Pick a folder…" and a drop zone
//   // entries: [{file: File, path: "pictures/cat/1.jpg"}]
//   const data = await loadLabelledFolder(entries, { summary, modelName, onProgress });
//   // {images: Float32Array (count*C*H*W), labels: Int32Array, count, classes, paths, skipped}
//
// Styles: css/evaluation.css (.cev-folder, .cev-drop) and style.css (.button.file-button).

import { classCount as classesOf } from "../core/confusion.js";
import { labelFiles, MAX_FILES, maxImagesFor } from "../core/labelled-folder.js";
import { modeFor, pictureToInput } from "../core/preprocess.js";
import { el } from "./dom.js";
import { decodeImage } from "./images.js";

/** A dropped folder is walked through at most this many files and folders. */
export const MAX_WALK = 4 * MAX_FILES;

/** The files of an `<input type="file" webkitdirectory>` with their relative paths: [{file, path}]. */
export function filesFromInput(fileList) {
  return Array.from(fileList ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** The dropped entries of a DataTransfer (read them during the drop event: they expire after it). */
export function droppedEntries(dataTransfer) {
  const items = Array.from(dataTransfer?.items ?? []).filter((i) => i.kind === "file");
  return items.map((i) => (typeof i.webkitGetAsEntry === "function" ? i.webkitGetAsEntry() : null)).filter(Boolean);
}

const promised = (fn) => new Promise((resolve, reject) => fn(resolve, reject));

/** Every entry of a directory (readEntries returns them in batches, until an empty one). */
async function readAll(dir) {
  const reader = dir.createReader();
  const out = [];
  for (;;) {
    const batch = await promised((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) return out;
    out.push(...batch);
  }
}

/**
 * The files under dropped FileSystemEntry objects, recursively: [{file, path}] with paths relative
 * to the drop (one dropped folder is the picked folder; several dropped folders are taken as the
 * class folders of one unnamed folder, "dropped/").
 */
export async function filesFromEntries(entries, { limit = MAX_WALK } = {}) {
  const out = [];
  const prefix = entries.length > 1 ? "dropped/" : "";
  let seen = 0;
  const walk = async (entry) => {
    if (++seen > limit) throw new Error(`the dropped folder has more than ${limit.toLocaleString("en")} files and folders; pick a smaller one`);
    if (entry.isFile) {
      const file = await promised((ok, fail) => entry.file(ok, fail));
      out.push({ file, path: prefix + entry.fullPath.replace(/^\/+/, "") });
    } else if (entry.isDirectory) {
      for (const child of await readAll(entry)) await walk(child);
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

/**
 * A "Pick a folder…" button (an `<input type="file" webkitdirectory multiple>` behind it) and a
 * drop zone for a folder. `onPick(entries, how)` gets [{file, path}] ("picked" or "dropped");
 * `onError(error)` what could not be read. Returns {element, input, setDisabled(flag), close()}.
 */
export function folderPicker({ onPick, onError = () => {}, text = "Pick a folder…", hint = "or drop a folder here: one folder of pictures per class" } = {}) {
  const element = el("div", "cev-folder");
  const input = el("input", "cev-folder-input");
  input.type = "file";
  input.multiple = true;
  input.webkitdirectory = true;
  input.setAttribute("webkitdirectory", "");
  input.setAttribute("aria-label", "Folder of pictures, one folder per class");
  input.tabIndex = -1;
  const pick = el("button", "button file-button cev-pick", text);
  pick.type = "button";
  const drop = el("div", "cev-drop");
  drop.append(pick, el("span", "cev-drop-hint", hint));
  element.append(input, drop);

  const take = (entries, how) => {
    if (!entries.length) onError(new Error("the folder is empty (or the browser gave no files)"));
    else onPick(entries, how);
  };
  pick.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const entries = filesFromInput(input.files);
    input.value = "";
    take(entries, "picked");
  });
  const over = (e) => {
    if (![...(e.dataTransfer?.types ?? [])].includes("Files")) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    drop.classList.add("cev-drop-over");
  };
  const leave = () => drop.classList.remove("cev-drop-over");
  const dropped = async (e) => {
    e.preventDefault();
    leave();
    const entries = droppedEntries(e.dataTransfer);
    if (!entries.length) {
      onError(new Error("this browser gave no folder for the drop: use “Pick a folder…”"));
      return;
    }
    try {
      take(await filesFromEntries(entries), "dropped");
    } catch (err) {
      onError(err);
    }
  };
  drop.addEventListener("dragenter", over);
  drop.addEventListener("dragover", over);
  drop.addEventListener("dragleave", leave);
  drop.addEventListener("drop", dropped);
  return {
    element,
    input,
    setDisabled(flag) {
      pick.disabled = !!flag;
      input.disabled = !!flag;
      drop.classList.toggle("cev-drop-disabled", !!flag);
    },
    close() {
      element.remove();
    },
  };
}

/**
 * Reads a labelled folder as model inputs. `entries`: [{file, path}]; options: `summary` (the
 * model's: its input shape, labels and layers; with `define`, `{input: {channels, height, width}}`
 * is enough), `modelName` and `mode` (the preprocessing; default
 * modeFor(modelName, summary)), `classCount` (default the size of the model's output), `define` (the folders
 * are the classes, for training), `onProgress({done, total})`, `signal` (an AbortSignal).
 * Resolves to {images: Float32Array (count*C*H*W), labels: Int32Array, count, classes, paths
 * (per example), skipped: [{path, reason}]} (skipped: files not taken and files that could not be
 * decoded). Rejects with an Error saying what is wrong with the folder (labelFiles) or when no
 * picture could be decoded.
 */
export async function loadLabelledFolder(entries, { summary, modelName = "", mode, classCount, define = false, onProgress = () => {}, signal } = {}) {
  const shape = summary.input;
  const labelsOfModel = summary.labels ?? [];
  const { files, classes, skipped } = labelFiles(
    entries.map((e) => e.path),
    { labels: labelsOfModel, classCount: classCount ?? (define ? undefined : classesOf(summary)), define, maxFiles: maxImagesFor(shape) },
  );
  const { channels, height, width } = shape;
  const n = channels * height * width;
  const how = { planes: channels, height, width, mode: mode ?? modeFor(modelName, summary) };
  const images = new Float32Array(files.length * n);
  const labels = new Int32Array(files.length);
  const paths = [];
  const failed = [];
  let count = 0;
  let done = 0;
  onProgress({ done, total: files.length });
  // A few decodes in flight at once; the examples keep the files' (sorted) order.
  const results = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      if (signal?.aborted) return;
      try {
        const pic = await decodeImage(entries[files[i].index].file);
        results[i] = pictureToInput(pic, how);
      } catch (e) {
        results[i] = e instanceof Error ? e : new Error(String(e));
      }
      done++;
      if (done % 16 === 0 || done === files.length) onProgress({ done, total: files.length });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (signal?.aborted) throw new Error("reading the folder was cancelled");
  files.forEach((f, i) => {
    const r = results[i];
    if (r instanceof Error) {
      failed.push({ path: f.path, reason: `could not be read: ${r.message}` });
      return;
    }
    images.set(r, count * n);
    labels[count] = f.label;
    paths.push(f.path);
    count++;
  });
  if (!count) throw new Error(`none of the ${files.length} pictures could be decoded (${failed[0]?.reason ?? "unknown reason"})`);
  return { images: images.subarray(0, count * n), labels: labels.subarray(0, count), count, classes, paths, skipped: [...skipped, ...failed] };
}
