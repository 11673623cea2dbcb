// The Train view's data: MNIST or Fashion-MNIST (the training sets of core/datasets.js, fetched on
// first use with a progress bar, and their 500 shipped test images as the held-out sample), or a
// labelled folder of the visitor's own pictures (a folder per class, picked or dropped, converted
// to 28 x 28 greyscale like any picture; a fifth of each class held out for testing). Nothing
// leaves the browser. The data goes to the engine worker once (engine.trainData, trainTestData).
//
//   const data = dataPanel({ initial, onChange });
//   data.node; data.value(); data.set(name); data.spec() -> {input, classes, labels};
//   await data.send(engine) -> {probe, input, labels, mean, std} (the engine slot has the data)

import { loadTrainingSet, TRAINING_SETS } from "../core/datasets.js";
import { el, errorText, field, select } from "../ui/dom.js";
import { folderPicker, loadLabelledFolder } from "../ui/folder-input.js";
import { loadEvalSample } from "./eval-sample.js";

/** Loaded builtin datasets by name (a page fetches each once). */
const DATA = new Map();
/** What each engine slot has been given: engine -> the key of its data. */
const SENT = new WeakMap();
const GRID = { channels: 1, height: 28, width: 28 };
/** Every HOLD_OUT-th picture of each class is held out for testing. */
const HOLD_OUT = 5;

function loadBuiltin(name, onProgress) {
  let p = DATA.get(name);
  if (!p) {
    p = Promise.all([loadTrainingSet(name, { onProgress }), loadEvalSample({ name, summary: { input: GRID } })]).then(([train, test]) => ({ train, test }));
    p.catch(() => DATA.delete(name));
    DATA.set(name, p);
  }
  return p;
}

/** A labelled folder's pictures split into training and held-out test examples, and their statistics. */
export function splitFolder({ images, labels, count, classes }, per = GRID.channels * GRID.height * GRID.width) {
  const seen = new Array(classes.length).fill(0);
  const trainIdx = [];
  const testIdx = [];
  for (let i = 0; i < count; i++) (seen[labels[i]]++ % HOLD_OUT === HOLD_OUT - 1 ? testIdx : trainIdx).push(i);
  const take = (idx) => {
    const out = new Float32Array(idx.length * per);
    idx.forEach((k, j) => out.set(images.subarray(k * per, (k + 1) * per), j * per));
    return { images: out, labels: Int32Array.from(idx, (k) => labels[k]), count: idx.length };
  };
  let sum = 0;
  let sq = 0;
  const n = count * per;
  for (let i = 0; i < n; i++) {
    sum += images[i];
    sq += images[i] * images[i];
  }
  const mean = n ? sum / n : 0;
  const std = Math.sqrt(Math.max(1e-6, n ? sq / n - mean * mean : 1));
  return { train: take(trainIdx), test: take(testIdx), mean, std };
}

export function dataPanel({ initial, onChange = () => {} }) {
  const node = el("section", "clt-section clt-data");
  node.append(el("h3", "clt-section-title", "Data"));
  const options = Object.entries(TRAINING_SETS).map(([d, s]) => [d, `${s.dataset} (${s.count.toLocaleString("en")} images)`]);
  const sel = select([...options, ["folder", "Your pictures (a folder per class)"]], initial);
  const progress = el("progress", "clt-progress");
  progress.max = 1;
  progress.value = 0;
  progress.hidden = true;
  progress.setAttribute("aria-label", "Training data download");
  const info = el("p", "clt-data-info cle-hint", "Fetched on first use; nothing leaves your browser.");
  const problem = el("p", "clt-data-problem cle-error");
  problem.setAttribute("role", "alert");
  let folder = null; // {train, test, mean, std, classes, source, key}
  let folders = 0;
  const picker = folderPicker({
    onPick: (entries) => readFolder(entries),
    onError: (e) => (problem.textContent = errorText(e)),
    hint: "or drop a folder here: one folder of pictures per class, at least two classes",
  });
  picker.element.hidden = true;
  node.append(field("Dataset", sel), picker.element, progress, info, problem);

  async function readFolder(entries) {
    problem.textContent = "";
    progress.hidden = false;
    progress.value = 0;
    info.textContent = "Reading the pictures…";
    try {
      const got = await loadLabelledFolder(entries, {
        summary: { input: GRID },
        define: true,
        mode: "fit",
        onProgress: ({ done, total }) => (progress.value = total ? done / total : 0),
      });
      const split = splitFolder(got);
      if (!split.test.count || split.train.count < 2) throw new Error(`${got.count} pictures are too few: each class needs at least ${HOLD_OUT} (one in ${HOLD_OUT} is held out for testing)`);
      const skipped = got.skipped.length ? `; ${got.skipped.length} skipped (${got.skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join("; ")}${got.skipped.length > 3 ? "…" : ""})` : "";
      folder = { ...split, classes: got.classes, key: `folder:${++folders}`, source: `${got.count} of your pictures in ${got.classes.length} classes (${got.classes.join(", ")}): ${split.train.count} to train on, ${split.test.count} held out${skipped}` };
      info.textContent = folder.source;
      onChange();
    } catch (e) {
      problem.textContent = `That folder can't be used: ${errorText(e)}`;
      info.textContent = folder ? folder.source : "No folder picked yet.";
    } finally {
      progress.hidden = true;
    }
  }

  sel.addEventListener("change", () => {
    picker.element.hidden = sel.value !== "folder";
    problem.textContent = "";
    info.textContent = sel.value === "folder" ? (folder?.source ?? "Pick or drop a folder that holds one folder of pictures per class (its name is the class).") : "Fetched on first use; nothing leaves your browser.";
    onChange();
  });

  /** The input, class count and labels the data gives a model (before it is loaded), and `key`,
   * which changes with the data (another folder picked is other data). */
  function spec() {
    if (sel.value === "folder") return { input: GRID, classes: folder?.classes.length ?? 2, labels: folder?.classes ?? [], key: folder?.key ?? "folder" };
    const s = TRAINING_SETS[sel.value];
    return { input: GRID, classes: s.classes, labels: [...s.labels], key: sel.value };
  }

  /** Sends the data to `engine`'s slot (once per data): {probe, input, labels, mean, std}. */
  async function send(engine) {
    problem.textContent = "";
    if (sel.value === "folder") {
      if (!folder) throw new Error("pick a folder of pictures first (one folder per class)");
      if (SENT.get(engine) !== folder.key) {
        await engine.trainData(folder.train.images, folder.train.labels, folder.train.count);
        await engine.trainTestData(folder.test.images, folder.test.labels, folder.test.count);
        SENT.set(engine, folder.key);
      }
      const per = GRID.height * GRID.width;
      return { probe: folder.test.images.slice(0, per), input: GRID, labels: folder.classes, mean: folder.mean, std: folder.std };
    }
    const name = sel.value;
    const set = TRAINING_SETS[name];
    if (SENT.get(engine) !== name) {
      progress.hidden = false;
      info.textContent = `Fetching the ${set.dataset} training set…`;
    }
    try {
      const data = await loadBuiltin(name, (loaded, total) => total && (progress.value = loaded / total));
      if (SENT.get(engine) !== name) {
        await engine.trainData(data.train.images, data.train.labels, data.train.count);
        await engine.trainTestData(data.test.images, new Int32Array(data.test.labels), data.test.count);
        SENT.set(engine, name);
      }
      info.textContent = `${data.train.source}; test accuracy on ${data.test.source} (never trained on).`;
      return { probe: data.test.images.subarray(0, GRID.height * GRID.width), input: GRID, labels: [...set.labels], mean: set.mean, std: set.std };
    } finally {
      progress.hidden = true;
    }
  }

  return {
    node,
    value: () => sel.value,
    set(name) {
      sel.value = name;
      picker.element.hidden = name !== "folder";
    },
    spec,
    send,
    setDisabled(d) {
      sel.disabled = d;
      picker.setDisabled(d);
    },
  };
}
