// Attribute parsing of <convlens-explorer> (and embed.html's hash): pure functions, no DOM, so
// they are unit-tested in node (tests/js/embed-attrs.test.mjs). Every parser returns a `problem`
// string instead of throwing, which the element shows inside itself.

import { ELEMENT_VIEWS, TRAIN_KEYS } from "./views.js";

/** The `view` attribute's documented values (core/views.js viewName() maps them to the views). */
export const VIEWS = ELEMENT_VIEWS;
/** Every attribute of the element (and key of embed.html's hash); the Train view's are
 * core/train-settings.js's TRAIN_KEYS. */
export const ATTRIBUTES = ["model", "view", "layer", "channel", "input", "shift", "controls", "height", "kernel", "kernel-size", "stride", "padding", ...TRAIN_KEYS];
export const CONTROLS = ["model", "input", "layer", "view", "prediction"];
export const DEFAULT_CONTROLS = ["input", "prediction"];

/** Parses `controls` into {set: Set, unknown: string[]}. */
export function parseControls(value) {
  if (value === null || value === undefined) return { set: new Set(DEFAULT_CONTROLS), unknown: [] };
  const words = String(value).toLowerCase().split(/[\s,]+/).filter(Boolean);
  const set = new Set();
  const unknown = [];
  for (const w of words) {
    if (w === "all") CONTROLS.forEach((c) => set.add(c));
    else if (w === "none") continue;
    else if (CONTROLS.includes(w)) set.add(w);
    else unknown.push(w);
  }
  return { set, unknown };
}

/** `height` to a CSS length, or null (auto) with `problem` set when it is not understood. */
export function parseHeight(value) {
  if (value === null || value === undefined || value.trim() === "") return { css: null };
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return { css: `${v}px` };
  if (/^\d+(\.\d+)?(px|rem|em|vh|svh|dvh|%)$/.test(v)) return { css: v };
  return { css: null, problem: `height="${value}" is not a CSS length like 480px, 30rem or 70vh` };
}

/** A non-negative integer attribute, or {problem}. */
export function parseIndex(name, value) {
  if (value === null || value === undefined || value.trim() === "") return { value: null };
  if (/^\d{1,5}$/.test(value.trim())) return { value: Number(value.trim()) };
  return { problem: `${name}="${value}" is not a whole number (counted from 0)` };
}

/** Resolves `layer` (index or name) against a model summary: {index} or {problem}. */
export function resolveLayer(summary, value) {
  if (value === null || value === undefined || value.trim() === "") return { index: null };
  const v = value.trim();
  const names = summary.layers.map((l) => l.name);
  if (/^\d+$/.test(v)) {
    const i = Number(v);
    if (i < summary.layers.length) return { index: i };
    return { problem: `layer="${value}": this model has layers 0 to ${summary.layers.length - 1} (${names.join(", ")})` };
  }
  const i = names.indexOf(v);
  if (i >= 0) return { index: i };
  return { problem: `layer="${value}": this model has no such layer (its layers: ${names.join(", ")})` };
}

/** `shift` ("dx dy", integers from -8 to 8) to {dx, dy}, or {problem}. */
export function parseShift(value) {
  if (value === null || value === undefined || value.trim() === "") return { dx: 0, dy: 0 };
  const m = /^\s*(-?\d{1,2})[\s,]+(-?\d{1,2})\s*$/.exec(value);
  if (!m || Math.abs(Number(m[1])) > 8 || Math.abs(Number(m[2])) > 8) {
    return { dx: 0, dy: 0, problem: `shift="${value}" should be two whole numbers from -8 to 8 ("dx dy", e.g. "2 0")` };
  }
  return { dx: Number(m[1]), dy: Number(m[2]) };
}

/** The playground's options from the attributes kernel, kernel-size, stride and padding (`get`:
 * an attribute's value or null); values that are not one digit are left out. */
export function playgroundOptions(get) {
  const n = (name) => {
    const v = get(name);
    return v !== null && /^\d$/.test(v.trim()) ? Number(v) : undefined;
  };
  return { preset: get("kernel") ?? undefined, size: n("kernel-size"), stride: n("stride"), padding: n("padding") };
}
