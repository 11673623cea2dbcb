// The sample gallery's index (samples/index.json: [{file, title, kind, ...}]): fetched once per
// page, ids, and the sample a model opens with. Shared by the explorer page (page/boot.js fetches
// that sample early) and the element.

import { assetHref } from "./base.js";

let index = null;

/** samples/index.json, fetched once per page ([] when it cannot be read). */
export function loadSamples() {
  index ??= fetch(assetHref("samples/index.json"))
    .then((r) => (r.ok ? r.json() : []))
    .catch(() => []);
  return index;
}

/** A sample's id: its file name without the extension. */
export const sampleId = (s) => s.file.replace(/\.[^.]+$/, "");

const FIRST_SAMPLE = { mnist: "digit-2", fashion: "fashion-ankle-boot" };

/** The sample a model opens with, by its input mode (preprocess.js modeFor), or null. */
export function defaultSample(mode, samples) {
  const id = FIRST_SAMPLE[mode] ?? "cat";
  return samples.some((s) => sampleId(s) === id) ? id : null;
}
