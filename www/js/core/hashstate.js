// The shareable view state in the URL hash, e.g.
//   #model=digits&sample=digit-3&layer=2&channel=5&view=detail&cmap=viridis&norm=layer
// Pure functions (no DOM), unit-tested in node. Unknown keys and bad values are dropped, so a
// hand-edited or stale link never breaks the page.

import { TRAIN_KEYS, VIEWS, viewName } from "./views.js";

export { VIEWS };
export const NORMS = ["map", "layer", "global"];
export const CMAPS = ["grey", "viridis", "diverging"];

/** Defaults are not written to the hash. */
export const DEFAULTS = { view: "maps", cmap: "grey", norm: "map" };

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses `location.hash` (with or without "#") into {model?, sample?, layer?, channel?, view, cmap,
 * norm, train?}; `train` holds the Train view's keys as given (core/train-settings.js parses them).
 */
export function parseHash(hash) {
  const out = { ...DEFAULTS };
  const params = new URLSearchParams(String(hash ?? "").replace(/^#/, ""));
  const model = params.get("model");
  if (model && NAME.test(model)) out.model = model;
  const sample = params.get("sample");
  if (sample && NAME.test(sample)) out.sample = sample;
  for (const key of ["layer", "channel"]) {
    const v = params.get(key);
    if (v !== null && /^\d{1,4}$/.test(v)) out[key] = Number(v);
  }
  const view = viewName(params.get("view"));
  if (view) out.view = view;
  const cmap = params.get("cmap");
  if (CMAPS.includes(cmap)) out.cmap = cmap;
  const norm = params.get("norm");
  if (NORMS.includes(norm)) out.norm = norm;
  const train = {};
  for (const key of TRAIN_KEYS) if (params.has(key)) train[key] = params.get(key).slice(0, 400);
  if (Object.keys(train).length) out.train = train;
  return out;
}

/** The hash (starting with "#", or "" when everything is default) for a state object; `train`
 * ([[key, value]], core/train-settings.js settingsEntries) is written with the Train view. */
export function formatHash(state) {
  const params = new URLSearchParams();
  if (state.model && NAME.test(state.model)) params.set("model", state.model);
  if (state.sample && NAME.test(state.sample)) params.set("sample", state.sample);
  for (const key of ["layer", "channel"]) {
    if (Number.isInteger(state[key]) && state[key] >= 0) params.set(key, String(state[key]));
  }
  for (const key of ["view", "cmap", "norm"]) {
    if (state[key] && state[key] !== DEFAULTS[key]) params.set(key, state[key]);
  }
  if (state.view === "train") for (const [key, value] of state.train ?? []) if (TRAIN_KEYS.includes(key)) params.set(key, value);
  // A key without a value (autostart) is written bare.
  const s = params.toString().replace(/(^|&)autostart=(?=&|$)/, "$1autostart");
  return s ? `#${s}` : "";
}
