// Loaded first (an async module script with one small import) so that the engine worker, the wasm
// compile, the first model load and the first sample's download start while the rest of the page
// is still loading. Requests made before the engine is ready are sent right behind "init", in order.

import { assetHref } from "../core/base.js";
import { Engine } from "../engine/client.js";
import { defaultSample, loadSamples, sampleId } from "../core/samples.js";

performance.mark("convlens:boot");

// The page's shared engine: a <convlens-explorer> element on the same page uses this worker too.
const { engine, ready } = Engine.shared();
export const enginePromise = ready;

const hash = new URLSearchParams(location.hash.replace(/^#/, ""));

/** The model named in the link (or digits), already loading: {name, summary: Promise}. */
const wanted = hash.get("model") || "digits";
export const preloaded = { name: wanted, summary: engine.load({ builtin: wanted }) };

export const samplesPromise = loadSamples();

// The sample the page will open first (the link's, or the model's default), downloading already.
const early = { id: null, blob: null };
early.blob = (async () => {
  const samples = await samplesPromise;
  let id = hash.get("sample");
  if (!id) {
    const [summary, { modeFor }] = await Promise.all([preloaded.summary, import("../core/preprocess.js")]);
    id = defaultSample(modeFor(wanted, summary), samples);
  }
  const s = samples.find((x) => sampleId(x) === id);
  if (!s) return null;
  early.id = id;
  const res = await fetch(assetHref(`samples/${s.file}`));
  return res.ok ? res.blob() : null;
})().catch(() => null);

/** The sample picture with this id as a Blob if boot.js is fetching it (once), else null. */
export function earlySample(id) {
  if (early.id !== id) return null;
  early.id = null;
  return early.blob;
}

// Rejections are handled by app.js; these keep an early failure from being reported as unhandled.
enginePromise.catch(() => {});
preloaded.summary.catch(() => {});
