// "Copy embed code" on the explorer page: the <convlens-explorer> element and the <iframe> of
// embed.html for what is on screen now (model, view, layer, channel, input), in a dialog with one
// selectable text box each. "Copy" uses the clipboard API; where it is missing or refused (an
// http:// page, a file:// page, a denied permission) the text is selected for Ctrl+C instead.
//
//   import { openEmbedCode } from "./embed-code.js";
//   openEmbedCode({model, view, layer, channel, sample});   // view: a core/views.js name
//
// Pure part (node-tested): embedSnippets(state, pageUrl).

import { elementViewName, viewName } from "../core/views.js";
import { el } from "../ui/dom.js";

const TITLE_OF = {
  maps: "feature maps",
  detail: "one filter and its map",
  playground: "convolution playground",
  maximize: "what excites a channel",
  attribution: "attribution",
  stats: "filter statistics",
};

const attrEscape = (s) => String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/**
 * The two snippets for `state` ({model, view, layer, channel, sample}) on a page at `pageUrl`
 * (the explorer's index.html). Returns {element, iframe, attrs, note}: `note` says what could not
 * be carried over (a model opened from a file).
 */
export function embedSnippets(state, pageUrl) {
  const attrs = [];
  let note = "";
  if (state.model && !String(state.model).startsWith("file:")) attrs.push(["model", state.model]);
  else if (state.model) note = "The model you opened from a file is not on the web: put the file on your site and set model=\"its URL\" (it must be on the same site as the page).";
  if (new URL(pageUrl).protocol === "file:") {
    note = `${note ? `${note} ` : ""}This copy of convlens was opened from a file: put convlens's www/ folder (or the npm package) on your site and replace the file:/// addresses below with its address.`;
  }
  const view = viewName(state.view) ?? "maps";
  if (view !== "maps") attrs.push(["view", elementViewName(view)]);
  const needsLayer = view === "detail" || view === "maximize";
  if (Number.isInteger(state.layer) && (view === "maps" || needsLayer)) attrs.push(["layer", String(state.layer)]);
  if (Number.isInteger(state.channel) && Number.isInteger(state.layer) && (view === "maps" || needsLayer)) attrs.push(["channel", String(state.channel)]);
  if (state.sample) attrs.push(["input", state.sample]);
  const base = new URL(".", pageUrl);
  const script = new URL("js/convlens-explorer.js", base).href;
  const element = [
    `<script type="module" src="${attrEscape(script)}"></script>`,
    `<convlens-explorer${attrs.map(([k, v]) => ` ${k}="${attrEscape(v)}"`).join("")}></convlens-explorer>`,
  ].join("\n");
  const hash = new URLSearchParams(attrs).toString();
  const src = `${new URL("embed.html", base).href}${hash ? `#${hash}` : ""}`;
  const iframe = `<iframe src="${attrEscape(src)}" title="convlens: ${TITLE_OF[view]}" width="100%" height="520" loading="lazy"></iframe>`;
  return { element, iframe, attrs, note };
}

let dialog = null;

function snippetBox(title, help) {
  const box = el("section", "embed-snippet");
  const id = `embed-${title.toLowerCase().replace(/\W+/g, "-")}`;
  const h = el("h3", "embed-snippet-title", title);
  const text = el("textarea", "embed-text");
  text.id = id;
  text.readOnly = true;
  text.rows = 4;
  text.spellcheck = false;
  text.setAttribute("aria-labelledby", `${id}-h`);
  h.id = `${id}-h`;
  const copy = el("button", "button embed-copy", "Copy");
  copy.type = "button";
  const status = el("span", "embed-status muted small");
  status.setAttribute("role", "status");
  copy.addEventListener("click", () => copyText(text, status));
  text.addEventListener("focus", () => text.select());
  const row = el("div", "embed-row");
  row.append(copy, status);
  box.append(h, el("p", "muted small", help), text, row);
  return { box, text, status };
}

/** Copies a text box's content; falls back to selecting it (Ctrl+C) when the clipboard refuses. */
async function copyText(text, status) {
  text.focus();
  text.select();
  try {
    if (!navigator.clipboard?.writeText) throw new Error("no clipboard API here");
    await navigator.clipboard.writeText(text.value);
    status.textContent = "Copied.";
    status.dataset.copied = "clipboard";
  } catch {
    status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
    status.dataset.copied = "selected";
  }
}

function build() {
  const d = el("dialog", "embed-dialog");
  d.id = "embed-dialog";
  d.setAttribute("aria-labelledby", "embed-dialog-title");
  const head = el("div", "embed-head");
  const title = el("h2", "embed-title", "Embed this view in a course page");
  title.id = "embed-dialog-title";
  const close = el("button", "icon-button", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Close");
  close.addEventListener("click", () => d.close());
  head.append(title, close);
  const note = el("p", "embed-note");
  note.hidden = true;
  const element = snippetBox("Web component", "For pages on the same site as convlens (copy its www/ folder next to your page, or use the npm package). Several on one page share one engine.");
  const iframe = snippetBox("iframe", "Works anywhere an iframe is allowed (learning-management systems, slides).");
  const privacy = el("p", "muted small", "The embedded view runs in the reader's browser: their pictures never leave it.");
  d.append(head, note, element.box, iframe.box, privacy);
  document.body.append(d);
  return { d, note, element, iframe };
}

/** Opens the dialog with the snippets for `state`; returns the snippets (tests read them). */
export function openEmbedCode(state, pageUrl = location.href) {
  dialog ??= build();
  const s = embedSnippets(state, pageUrl);
  dialog.element.text.value = s.element;
  dialog.iframe.text.value = s.iframe;
  dialog.element.status.textContent = dialog.iframe.status.textContent = "";
  dialog.note.textContent = s.note;
  dialog.note.hidden = !s.note;
  if (!dialog.d.open) dialog.d.showModal();
  dialog.element.text.focus();
  return s;
}
