// The Train view's set-up as keys and values: <convlens-explorer view="train">'s attributes,
// embed.html's hash and the explorer's own hash use the same keys (docs/js-api.md, "Train view"):
//
//   preset (tiny | digits | fashion | deep; default tiny), dataset (digits | fashion; default the
//   preset's), optimizer (adam | sgd), learning-rate, batch-size, weight-decay, seed, steps (stop
//   after this many; default: until paused), autostart (present: start when ready), arch (the
//   layer list in the compact form of core/train-arch.js, when it is not the preset's)
//
// Pure functions (no DOM; tests/js/train-settings.test.mjs). Each parser reports what it did not
// understand in `problems` instead of throwing.

import { PRESETS, formatLayers, parseLayers, presetLayers } from "./train-arch.js";
import { TRAIN_KEYS } from "./views.js";

export { TRAIN_KEYS };
export const DATASETS = ["digits", "fashion"];
export const OPTIMIZERS = ["adam", "sgd"];
/** The optimizers' default learning rates (PyTorch's Adam default; the SGD one of docs/js-api.md). */
export const DEFAULT_RATE = { adam: 0.001, sgd: 0.01 };

/** The default set-up. */
export function defaultSettings() {
  return { preset: "tiny", dataset: null, optimizer: "adam", learningRate: null, batchSize: 64, weightDecay: 0, seed: 0, steps: null, autostart: false, layers: null };
}

const NUMBER = /^\s*[+]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * The set-up from `get(key)` (an attribute's or hash value, null when absent; `autostart` counts as
 * given when its value is not null): {settings, problems: string[]}.
 */
export function parseSettings(get) {
  const s = defaultSettings();
  const problems = [];
  const preset = get("preset");
  if (preset !== null) {
    if (Object.hasOwn(PRESETS, preset)) s.preset = preset;
    else problems.push(`preset="${preset}" is not one of ${Object.keys(PRESETS).join(", ")}`);
  }
  const dataset = get("dataset");
  if (dataset !== null) {
    if (DATASETS.includes(dataset)) s.dataset = dataset;
    else problems.push(`dataset="${dataset}" is not one of ${DATASETS.join(", ")}`);
  }
  const optimizer = get("optimizer");
  if (optimizer !== null) {
    if (OPTIMIZERS.includes(optimizer)) s.optimizer = optimizer;
    else problems.push(`optimizer="${optimizer}" is not one of ${OPTIMIZERS.join(", ")}`);
  }
  const num = (key, field, ok, what) => {
    const v = get(key);
    if (v === null) return;
    const n = NUMBER.test(v) ? Number(v) : NaN;
    if (ok(n)) s[field] = n;
    else problems.push(`${key}="${v}" is not ${what}`);
  };
  // Up to absurd rates on purpose: the lesson trains with one too large and watches it fail.
  num("learning-rate", "learningRate", (n) => n > 0 && n <= 1e6, "a learning rate above 0 (at most 1e6)");
  num("batch-size", "batchSize", (n) => Number.isInteger(n) && n >= 1 && n <= 4096, "a whole number from 1 to 4096");
  num("weight-decay", "weightDecay", (n) => n >= 0 && n <= 1, "a weight decay from 0 to 1");
  num("seed", "seed", (n) => Number.isInteger(n) && n >= 0 && n <= 4294967295, "a whole number from 0 to 4294967295");
  num("steps", "steps", (n) => Number.isInteger(n) && n >= 1 && n <= 1000000, "a whole number of steps from 1 to 1000000");
  const autostart = get("autostart");
  s.autostart = autostart !== null && autostart !== "false";
  const arch = get("arch");
  if (arch !== null) {
    const r = parseLayers(arch);
    if (r.layers) s.layers = r.layers;
    else problems.push(`arch="${arch}": ${r.problem}`);
  }
  return { settings: s, problems };
}

/** The dataset a set-up trains on. */
export function datasetOf(s) {
  return s.dataset ?? PRESETS[s.preset].dataset;
}

/** The layer list of a set-up (its own or its preset's). */
export function layersOf(s) {
  return s.layers ?? presetLayers(s.preset);
}

/** The keys and values of a set-up that differ from the defaults: [[key, value], ...] ("" for autostart). */
export function settingsEntries(s) {
  const d = defaultSettings();
  const out = [];
  if (s.preset !== d.preset) out.push(["preset", s.preset]);
  if (s.dataset && s.dataset !== PRESETS[s.preset].dataset) out.push(["dataset", s.dataset]);
  if (s.optimizer !== d.optimizer) out.push(["optimizer", s.optimizer]);
  if (s.learningRate !== null && s.learningRate !== DEFAULT_RATE[s.optimizer]) out.push(["learning-rate", String(s.learningRate)]);
  if (s.batchSize !== d.batchSize) out.push(["batch-size", String(s.batchSize)]);
  if (s.weightDecay !== d.weightDecay) out.push(["weight-decay", String(s.weightDecay)]);
  if (s.seed !== d.seed) out.push(["seed", String(s.seed)]);
  if (s.steps) out.push(["steps", String(s.steps)]);
  if (s.autostart) out.push(["autostart", ""]);
  if (s.layers) {
    const text = formatLayers(s.layers);
    if (text !== PRESETS[s.preset].layers) out.push(["arch", text]);
  }
  return out;
}

/** The engine's training options of a set-up (Trainer options, docs/js-api.md). */
export function trainOptions(s) {
  return {
    seed: s.seed,
    optimizer: s.optimizer,
    learningRate: s.learningRate ?? DEFAULT_RATE[s.optimizer],
    batchSize: s.batchSize,
    weightDecay: s.weightDecay,
  };
}
