// embed.html: mirrors the URL hash onto its one <convlens-explorer> (same option names as the
// element's attributes), now and whenever the hash changes. Unknown keys are ignored; bad values
// are reported by the element itself.

import { ATTRIBUTES } from "../core/embed-attrs.js";
import "./explorer.js";

/** The hash keys: the element's attributes. */
export const HASH_KEYS = ATTRIBUTES;

const view = document.getElementById("view");

function apply() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  for (const key of HASH_KEYS) {
    const v = params.get(key);
    if (v === null) view.removeAttribute(key);
    else if (view.getAttribute(key) !== v) view.setAttribute(key, v);
  }
}

apply();
window.addEventListener("hashchange", apply);
