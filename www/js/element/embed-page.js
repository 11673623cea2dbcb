// embed.html: mirrors the URL hash onto its one <convlens-explorer> (same option names as the
// element's attributes), now and whenever the hash changes. Unknown keys are ignored; bad values
// are reported by the element itself.

import "./explorer.js";

export const HASH_KEYS = ["model", "view", "layer", "channel", "input", "shift", "controls", "height", "kernel", "kernel-size", "stride", "padding"];

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
