// The evaluation of a model on labelled data: the shipped test sample of the digits and fashion
// datasets (eval-sample.js) or a labelled folder of the visitor's own pictures (ui/folder-input.js);
// then the accuracy, loss, count and time, the per-class accuracy, and the confusion matrix whose
// cells open their examples (evaluation-parts.js; the numbers from core/confusion.js).
//
//   const view = mount(host, ctx);
//   // ctx: {engine, summary, modelName, samples,
//   //       dataset?: "digits" | "fashion"     (this test sample, whatever the model's name),
//   //       evaluate?: (images, labels, count) => Promise<{loss, accuracy, confusion, predictions, scores?}>
//   //                  (default ctx.engine.evaluate; it must not transfer `images`; `scores`, optional:
//   //                  Float32Array count*k of the model's outputs, shown on each example: a
//   //                  probability when the output is one, else the raw score),
//   //       mode?: the preprocessing of folder pictures (default modeFor(dataset ?? modelName, summary)),
//   //       onOpenExample?: ({input, channels, height, width, label, predicted, index, path?}) => void}
//   view.update(ctx);       // another summary object (a new model) clears the results and
//                           // checks a picked folder again; the same one keeps them
//   await view.evaluate();  // what the Evaluate button does; resolves to the result or null
//   view.openCell(t, p);    // opens a cell's examples; view.result(): the last result or null
//   view.close();
//
// DOM built with createElement only; no inline styles (CSP). Styles: css/evaluation.css.

import { checkEvaluation, classCount, examplesOf } from "../core/confusion.js";
import { labelFiles, modelClassNames } from "../core/labelled-folder.js";
import { modeFor } from "../core/preprocess.js";
import { el, errorText } from "../ui/dom.js";
import { folderPicker, loadLabelledFolder } from "../ui/folder-input.js";
import { loadEvalSample } from "./eval-sample.js";
import { examplesPart, markCell, matrixPart, perClassPart } from "./evaluation-parts.js";

const DATASETS = { digits: "MNIST", fashion: "Fashion-MNIST" };
let nextId = 1;

/** The test sample's dataset for a model ("digits", "fashion") or null: ctx.dataset, else the model's name (28x28 inputs only). */
export function testDataset(ctx) {
  const name = ctx.dataset ?? ctx.modelName;
  const { height, width } = ctx.summary.input;
  return DATASETS[name] && height === 28 && width === 28 ? name : null;
}

const SAMPLES = new Map(); // "dataset/channels" -> Promise<sample>

function testSample(ctx, dataset) {
  const key = `${dataset}/${ctx.summary.input.channels}`;
  let p = SAMPLES.get(key);
  if (!p) {
    p = loadEvalSample({ name: dataset, summary: ctx.summary });
    p.catch(() => SAMPLES.delete(key));
    SAMPLES.set(key, p);
  }
  return p;
}

export function mount(host, ctx) {
  const id = nextId++;
  host.classList.add("cev");
  host.replaceChildren();
  host.dataset.state = "idle";
  let current = ctx;
  let folder = null; // {entries, name}
  let folderData = null; // {key, data}
  let result = null;
  let token = 0;
  let closed = false;
  let busy = false;
  let matrix = null;
  let examples = null;

  const head = el("div", "cev-head");
  head.append(el("h3", "cev-title", "Evaluation"));
  const data = el("fieldset", "cev-data");
  data.append(el("legend", "cev-legend", "Data"));
  const radio = (value, text) => {
    const label = el("label", "cev-choice");
    const input = el("input");
    input.type = "radio";
    input.name = `cev-data-${id}`;
    input.value = value;
    const span = el("span", "cev-choice-text", text);
    label.append(input, span);
    return { label, input, span };
  };
  const sampleChoice = radio("sample", "The test sample");
  const folderChoice = radio("folder", "A labelled folder of your pictures");
  const folderArea = el("div", "cev-folder-area");
  const folderNote = el("p", "cev-hint", "One folder per class, named after the model's classes (or by class index). The pictures stay in your browser.");
  const folderInfo = el("div", "cev-folder-info");
  folderInfo.setAttribute("aria-live", "polite");
  const picker = folderPicker({
    onPick: (entries) => pickFolder(entries),
    onError: (e) => showError(`The folder could not be read: ${errorText(e)}`),
  });
  folderArea.append(folderNote, picker.element, folderInfo);
  data.append(sampleChoice.label, folderChoice.label, folderArea);

  const actions = el("div", "cev-actions");
  const go = el("button", "button primary cev-primary", "Evaluate");
  go.type = "button";
  const progress = el("progress", "cev-progress");
  progress.setAttribute("aria-label", "Pictures read");
  progress.hidden = true;
  const status = el("span", "cev-status", "");
  status.setAttribute("role", "status");
  actions.append(go, progress, status);
  const error = el("p", "cev-error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  const results = el("div", "cev-results");
  host.append(head, data, actions, error, results);

  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }
  function clearError() {
    error.hidden = true;
    error.textContent = "";
  }

  /** The data choice as it fits the model: the test sample when there is one. */
  function refreshChoice() {
    const dataset = testDataset(current);
    sampleChoice.input.disabled = !dataset;
    sampleChoice.span.textContent = dataset
      ? `The test sample (500 ${DATASETS[dataset]} test images)`
      : "The test sample (none ships for this model: the digits and fashion models have one)";
    if (!dataset && sampleChoice.input.checked) folderChoice.input.checked = true;
    if (!sampleChoice.input.checked && !folderChoice.input.checked) (dataset ? sampleChoice : folderChoice).input.checked = true;
    folderArea.hidden = !folderChoice.input.checked;
    go.disabled = busy || (folderChoice.input.checked && !folder);
    host.dataset.source = folderChoice.input.checked ? "folder" : "sample";
  }
  sampleChoice.input.addEventListener("change", refreshChoice);
  folderChoice.input.addEventListener("change", refreshChoice);

  /** A folder was picked or dropped: check its class folders against the model at once. */
  function pickFolder(entries) {
    clearError();
    folderData = null;
    const top = entries[0]?.path.split("/")[0] ?? "";
    folder = { entries, name: top };
    folderInfo.replaceChildren();
    try {
      const k = classCount(current.summary);
      const r = labelFiles(
        entries.map((e) => e.path),
        { labels: current.summary.labels ?? [], classCount: k },
      );
      const names = [...r.folders.keys()];
      const line = el("p", "cev-folder-line");
      line.textContent = `“${top}”: ${r.files.length} ${r.files.length === 1 ? "picture" : "pictures"} in ${names.length} class ${names.length === 1 ? "folder" : "folders"} (${names.map((n) => `${n} → ${r.classes[r.folders.get(n)]}`).join(", ")})`;
      folderInfo.append(line);
      folderInfo.append(...skippedList(r.skipped));
      host.dataset.folder = "ok";
    } catch (e) {
      folder = null;
      host.dataset.folder = "error";
      showError(`This folder can't be used: ${errorText(e)}`);
    }
    refreshChoice();
  }

  function skippedList(skipped) {
    if (!skipped.length) return [];
    const d = el("details", "cev-skipped");
    d.append(el("summary", "", `${skipped.length} ${skipped.length === 1 ? "file" : "files"} skipped`));
    const ul = el("ul", "cev-skipped-list");
    for (const s of skipped.slice(0, 100)) ul.append(el("li", "", `${s.path}: ${s.reason}`));
    if (skipped.length > 100) ul.append(el("li", "", `… and ${skipped.length - 100} more`));
    d.append(ul);
    return [d];
  }

  /** The labelled data chosen: {images, labels, count, shape, source, paths?, skipped?}. */
  async function chosenData(my) {
    const summary = current.summary;
    if (sampleChoice.input.checked) {
      const dataset = testDataset(current);
      if (!dataset) throw new Error("no test sample ships for this model: evaluate on a labelled folder of pictures");
      status.textContent = `loading the ${DATASETS[dataset]} test sample…`;
      const s = await testSample(current, dataset);
      if (!s.labels) throw new Error("the test sample has no labels");
      return { images: s.images, labels: Int32Array.from(s.labels), count: s.count, shape: summary.input, source: s.source };
    }
    if (!folder) throw new Error("pick or drop a folder of pictures first");
    const mode = current.mode ?? modeFor(current.dataset ?? current.modelName, summary);
    const key = `${folder.name}|${mode}`;
    if (folderData?.summary === summary && folderData.key === key) return folderData.data;
    progress.hidden = false;
    progress.value = 0;
    const d = await loadLabelledFolder(folder.entries, {
      summary,
      modelName: current.dataset ?? current.modelName,
      mode,
      onProgress: ({ done, total }) => {
        if (my !== token) return;
        progress.max = total;
        progress.value = done;
        status.textContent = `reading the pictures: ${done} of ${total}…`;
      },
    });
    const out = { ...d, shape: summary.input, source: `${d.count} ${d.count === 1 ? "picture" : "pictures"} from “${folder.name}”` };
    if (my === token) folderData = { summary, key, data: out };
    return out;
  }

  async function evaluate() {
    const my = ++token;
    busy = true;
    refreshChoice();
    clearError();
    host.dataset.state = "running";
    const summary = current.summary;
    try {
      const d = await chosenData(my);
      if (my !== token || closed) return null;
      const k = classCount(summary);
      let maxLabel = -1;
      for (const l of d.labels) maxLabel = Math.max(maxLabel, l);
      if (maxLabel >= k) throw new Error(`the data has class ${maxLabel}, the model only ${k} classes`);
      status.textContent = `evaluating ${d.count} examples…`;
      const run = current.evaluate ?? ((images, labels, count) => current.engine.evaluate(images, labels, count));
      const t0 = performance.now();
      const evaluation = await run(d.images, d.labels, d.count);
      const ms = performance.now() - t0;
      if (my !== token || closed) return null;
      checkEvaluation(evaluation, d.count, k);
      result = { evaluation, data: d, k, names: modelClassNames(summary.labels ?? [], k), ms, summary };
      render();
      status.textContent = "";
      host.dataset.state = "done";
      return result;
    } catch (e) {
      if (my !== token || closed) return null;
      status.textContent = "";
      showError(`The evaluation failed: ${errorText(e)}`);
      host.dataset.state = "error";
      return null;
    } finally {
      if (my === token) {
        busy = false;
        progress.hidden = true;
        if (!closed) refreshChoice();
      }
    }
  }
  go.addEventListener("click", () => evaluate());

  function render() {
    const { evaluation: ev, data: d, k, names, ms } = result;
    results.replaceChildren();
    examples = null;
    const metrics = el("div", "cev-metrics");
    const acc = el("p", "cev-accuracy");
    acc.append(el("span", "cev-accuracy-value", `${(ev.accuracy * 100).toFixed(1)} %`), el("span", "cev-accuracy-label", "accuracy"));
    acc.dataset.accuracy = String(ev.accuracy);
    const facts = el("p", "cev-facts");
    facts.append(
      el("span", "cev-fact", `loss ${Number.isFinite(ev.loss) ? ev.loss.toFixed(3) : String(ev.loss)}`),
      el("span", "cev-fact", `${d.count} examples`),
      el("span", "cev-fact", `${ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`}`),
      el("span", "cev-fact cev-source", d.source),
    );
    metrics.append(acc, facts);
    if (d.skipped?.length) metrics.append(...skippedList(d.skipped));
    const parts = el("div", "cev-parts");
    matrix = matrixPart(ev.confusion, k, names, openCell);
    parts.append(perClassPart(ev.confusion, k, names), matrix);
    results.append(metrics, parts);
  }

  /** Opens the examples of cell (t, p) below the matrix (another cell replaces it). */
  function openCell(t, p) {
    if (!result) return;
    const { evaluation: ev, data: d, k, names } = result;
    const indices = examplesOf(d.labels, ev.predictions, t, p);
    examples?.remove();
    const onOpen = current.onOpenExample
      ? (n) => {
          const size = d.shape.channels * d.shape.height * d.shape.width;
          current.onOpenExample({
            input: d.images.slice(n * size, (n + 1) * size),
            ...d.shape,
            label: t,
            predicted: p,
            index: n,
            ...(d.paths ? { path: d.paths[n] } : {}),
          });
        }
      : null;
    examples = examplesPart({
      t,
      p,
      indices,
      names,
      k,
      data: d,
      scores: ev.scores,
      onOpen,
      onClose: () => {
        examples?.remove();
        examples = null;
        markCell(matrix, -1, -1);
        matrix.querySelector(`.cev-cell[data-t="${t}"][data-p="${p}"]`)?.focus();
      },
    });
    results.append(examples);
    markCell(matrix, t, p);
    examples.querySelector(".cev-part-title").focus({ preventScroll: true });
    examples.scrollIntoView?.({ block: "nearest" });
  }

  refreshChoice();
  return {
    update(next) {
      const changed = next.summary !== current.summary;
      current = next;
      if (changed) {
        token++;
        busy = false;
        result = null;
        matrix = examples = null;
        folderData = null;
        results.replaceChildren();
        clearError();
        status.textContent = "";
        progress.hidden = true;
        host.dataset.state = "idle";
        if (folder) pickFolder(folder.entries);
      }
      refreshChoice();
    },
    evaluate,
    openCell,
    result: () => result,
    close() {
      closed = true;
      token++;
      picker.close();
      host.replaceChildren();
      host.classList.remove("cev");
    },
  };
}
