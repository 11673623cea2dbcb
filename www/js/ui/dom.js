// Small DOM helpers shared by every view, the page and the element. Everything is built with
// createElement and CSSOM (the pages' Content-Security-Policy forbids inline styles and scripts).

/** `document.createElement(tag)` with a class and text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Appends an <option value="value">text</option> to `select`; returns it. */
export function option(select, value, text) {
  const o = el("option", "", text);
  o.value = String(value);
  select.append(o);
  return o;
}

/** A <select> of `[value, text]` pairs, with `value` selected when given. */
export function select(options, value, className) {
  const s = el("select", className);
  for (const [v, text] of options) option(s, v, text);
  if (value !== undefined) s.value = String(value);
  return s;
}

/**
 * A labelled control: <label class="{prefix}-field"><span class="{prefix}-field-label">text</span>
 * control</label>. The control gets `text` as its accessible name (a wrapping label would also read
 * out the control's current value).
 */
export function field(text, control, { prefix = "cle", className = "" } = {}) {
  const l = el("label", `${prefix}-field ${className}`.trim());
  if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", text);
  l.append(el("span", `${prefix}-field-label`, text), control);
  return l;
}

/** An <input type="number">. */
export function numberInput(value, { min, max, step = "any" } = {}) {
  const i = el("input");
  i.type = "number";
  if (min !== undefined) i.min = String(min);
  if (max !== undefined) i.max = String(max);
  i.step = String(step);
  i.value = String(value);
  return i;
}

/** A <button type="button" class="cle-button ..."> calling `onClick` (the explaining views' buttons). */
export function button(text, onClick, className = "") {
  const b = el("button", `cle-button ${className}`.trim(), text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

/** Calls `fn` on Enter or Space (for elements with role="button"). */
export function onActivate(node, fn) {
  node.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      fn();
    }
  });
}

const linked = new Map(); // stylesheet URL -> Promise of its load

/** Links the stylesheets `hrefs` (URLs) into `document.head` once each; resolves when they have
 * loaded (or failed: the view still works, unstyled). */
export function linkStyles(hrefs) {
  return Promise.all(
    hrefs.map((href) => {
      if (!linked.has(href)) {
        const link = el("link");
        link.rel = "stylesheet";
        link.href = href;
        linked.set(href, new Promise((resolve) => {
          link.addEventListener("load", resolve, { once: true });
          link.addEventListener("error", resolve, { once: true });
        }));
        document.head.append(link);
      }
      return linked.get(href);
    }),
  );
}

/** The message of an error (or whatever was thrown). */
export function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}
