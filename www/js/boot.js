// Loaded first (an async module script with a single small import) so that the engine worker,
// its wasm download and the first model load start while the rest of the page is still loading.
// The worker handles requests in order, so "load" is sent right behind "init" without waiting.

import { Engine } from "./engine.js";

performance.mark("convlens:boot");

// The page's shared engine: a <convlens-explorer> element on the same page uses this worker too.
const { engine, ready } = Engine.shared();

export const enginePromise = ready;

/** The model named in the link (or digits), already loading: {name, summary: Promise}. */
const wanted = new URLSearchParams(location.hash.replace(/^#/, "")).get("model") || "digits";
export const preloaded = { name: wanted, summary: engine.load({ builtin: wanted }) };

export const samplesPromise = fetch(new URL("../samples/index.json", import.meta.url))
  .then((r) => (r.ok ? r.json() : []))
  .catch(() => []);

// Rejections are handled by app.js; these keep an early failure from being reported as unhandled.
enginePromise.catch(() => {});
preloaded.summary.catch(() => {});
