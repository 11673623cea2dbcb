// What <convlens-explorer>'s `model` and `input` attributes name: a builtin model or a model file
// on the page's own site, a sample or an image on the page's own site (the element never contacts
// another site). Every problem is an Error whose message names the attribute, shown in the element.

import { assetHref } from "../core/base.js";
import { defaultSample, sampleId } from "../core/samples.js";
import { loadImageUrl } from "../ui/images.js";

/** Same-origin check for URLs given in attributes. */
function sameOrigin(url) {
  return url.origin !== "null" && url.origin === location.origin;
}

/** `value` as a URL on this page's own site; `what` words the errors. */
function ownUrl(attr, value, what) {
  let url;
  try {
    url = new URL(value, document.baseURI);
  } catch {
    throw new Error(`${attr}="${value}" is not a valid URL${what.invalid}`);
  }
  if (!sameOrigin(url)) throw new Error(`${attr}="${value}": ${what.foreign}`);
  return url;
}

/**
 * Loads the model `model` names into `engine` (a model client of the shared engine): a builtin
 * name or the URL of a .safetensors or .onnx file. Resolves to its summary.
 */
export async function loadModel(engine, model) {
  if (engine.builtins.includes(model)) return engine.load({ builtin: model });
  if (/^[A-Za-z0-9_-]+$/.test(model)) {
    throw new Error(`model="${model}" is not a builtin model (builtins: ${engine.builtins.join(", ")}) nor a model file URL.`);
  }
  const url = ownUrl("model", model, {
    invalid: ".",
    foreign: "only model files on this page's own site can be loaded (the element never contacts other sites).",
  });
  let bytes;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new Error(`model="${model}" could not be downloaded: ${e.message}`, { cause: e });
  }
  try {
    return await engine.load({ bytes });
  } catch (e) {
    throw new Error(`model="${model}" is not a usable model file: ${e.message}`, { cause: e });
  }
}

/**
 * The picture `input` names: `{pic, label, sample}` (`sample`: the sample's id, "" for an image
 * URL), or null when nothing is named and the model's default sample (samples `list`, input `mode`)
 * is missing.
 */
export async function loadInput(value, list, mode) {
  const v = value?.trim();
  const sample = async (s) => ({ pic: await loadImageUrl(assetHref(`samples/${s.file}`)), label: s.title, sample: sampleId(s) });
  if (!v) {
    const id = defaultSample(mode, list);
    return id ? sample(list.find((x) => sampleId(x) === id)) : null;
  }
  const s = list.find((x) => sampleId(x) === v || x.file === v);
  if (s) return sample(s);
  if (/^[A-Za-z0-9_-]+$/.test(v)) {
    throw new Error(`input="${v}" is not a sample name (e.g. digit-7, fashion-sneaker, cat) nor an image URL; showing a drawn 2.`);
  }
  const url = ownUrl("input", v, { invalid: "; showing a drawn 2.", foreign: "only images on this page's own site can be loaded; showing a drawn 2." });
  try {
    return { pic: await loadImageUrl(url), label: v.split("/").pop(), sample: "" };
  } catch (e) {
    throw new Error(`input="${v}" could not be loaded: ${e.message}; showing a drawn 2.`, { cause: e });
  }
}
