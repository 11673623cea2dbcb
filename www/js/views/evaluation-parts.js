// The parts of the evaluation view (evaluation.js): the per-class accuracy bars, the confusion
// matrix (cells are buttons; arrow keys move between them) or, for many classes, a list of its
// largest cells, and the examples of one cell as thumbnails. The numbers come from
// core/confusion.js. No inline styles (CSP): widths and shares are set through the CSSOM.

import { formatValue } from "../core/colormap.js";
import { classesPresent, largestCells, perClass, rowShares } from "../core/confusion.js";
import { isProbabilities } from "../core/prediction.js";
import { el } from "../ui/dom.js";
import { drawInput } from "../ui/pixels.js";

/** At most this many classes are drawn as a matrix; more get a list of the largest cells. */
export const MATRIX_MAX = 20;
/** Cells listed when the matrix is too large to draw. */
const LIST_CELLS = 40;
/** Thumbnails shown at once in a cell's list ("Show more" adds as many again). */
export const EXAMPLES_PAGE = 60;

const percent = (x) => `${(x * 100).toFixed(1)} %`;

/** The accuracy and count of each class: a bar per class (classes without examples among many left out). */
export function perClassPart(confusion, k, names) {
  const rows = perClass(confusion, k);
  const shown = k <= MATRIX_MAX ? rows : rows.filter((r) => r.count);
  const part = el("section", "cev-part cev-perclass");
  part.append(el("h4", "cev-part-title", "Per-class accuracy"));
  const list = el("ol", "cev-bars");
  for (const r of shown.slice(0, 200)) {
    const item = el("li", "cev-bar-row");
    item.dataset.class = String(r.index);
    item.title = names[r.index];
    item.dataset.count = String(r.count);
    item.dataset.correct = String(r.correct);
    const track = el("span", "cev-bar-track");
    const fill = el("span", "cev-bar-fill");
    fill.style.width = `${((r.accuracy ?? 0) * 100).toFixed(2)}%`;
    track.append(fill);
    track.setAttribute("aria-hidden", "true");
    const text = r.count ? `${percent(r.accuracy)} of ${r.count}` : "no examples";
    item.append(el("span", "cev-bar-name", names[r.index]), track, el("span", "cev-bar-value", text));
    item.setAttribute("aria-label", `${names[r.index]}: ${r.count ? `${r.correct} of ${r.count} right, ${percent(r.accuracy)}` : "no examples"}`);
    list.append(item);
  }
  part.append(list);
  if (shown.length > 200) part.append(el("p", "cev-hint", `the first 200 of ${shown.length} classes with examples`));
  else if (shown.length < k) part.append(el("p", "cev-hint", `the ${shown.length} of ${k} classes that have examples`));
  return part;
}

/** A button for cell (t, p) with `count` examples: colour by its share of the row. */
function cellButton(t, p, count, share, names, onCell) {
  const b = el("button", `cev-cell ${t === p ? "cev-cell-right" : "cev-cell-wrong"}`, String(count));
  b.type = "button";
  b.dataset.t = String(t);
  b.dataset.p = String(p);
  b.dataset.count = String(count);
  b.style.setProperty("--cev-share", share.toFixed(3));
  b.style.setProperty("--cev-level", Math.sqrt(share).toFixed(3)); // small shares stay visible
  if (share > 0.5) b.classList.add("cev-cell-strong");
  b.setAttribute("aria-pressed", "false");
  b.setAttribute("aria-label", `true ${names[t]}, predicted ${names[p]}: ${count} ${count === 1 ? "example" : "examples"}, ${percent(share)} of the row`);
  b.title = `true ${names[t]} → predicted ${names[p]}: ${count} (${percent(share)} of the row)`;
  b.addEventListener("click", () => onCell(t, p));
  return b;
}

/** Arrow keys (and Home/End) move the focus between the matrix's buttons; one of them is in the tab order. */
function roveGrid(table, grid) {
  const buttons = grid.flat().filter(Boolean);
  buttons.forEach((b, i) => (b.tabIndex = i === 0 ? 0 : -1));
  const at = (b) => {
    for (let r = 0; r < grid.length; r++) {
      const c = grid[r].indexOf(b);
      if (c >= 0) return [r, c];
    }
    return null;
  };
  const focus = (b) => {
    for (const x of buttons) x.tabIndex = x === b ? 0 : -1;
    b.focus();
  };
  table.addEventListener("keydown", (e) => {
    const pos = at(e.target);
    if (!pos) return;
    const [r, c] = pos;
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    let target = null;
    if (moves[e.key]) {
      const [dr, dc] = moves[e.key];
      for (let rr = r + dr, cc = c + dc; rr >= 0 && rr < grid.length && cc >= 0 && cc < grid[rr].length; rr += dr, cc += dc) {
        if (grid[rr][cc]) {
          target = grid[rr][cc];
          break;
        }
      }
    } else if (e.key === "Home") target = grid[r].find(Boolean);
    else if (e.key === "End") target = grid[r].findLast(Boolean);
    else return;
    e.preventDefault();
    if (target) focus(target);
  });
  table.addEventListener("focusin", (e) => {
    if (buttons.includes(e.target)) for (const x of buttons) x.tabIndex = x === e.target ? 0 : -1;
  });
}

/**
 * The confusion matrix of `k` classes named `names` (rows true, columns predicted, colour by
 * share of the row), every non-empty cell a button calling `onCell(t, p)`; with more than
 * MATRIX_MAX classes only those that occur, or when still too many, a list of the largest cells.
 */
export function matrixPart(confusion, k, names, onCell) {
  const part = el("section", "cev-part cev-matrix");
  part.append(el("h4", "cev-part-title", "Confusion matrix"));
  const shares = rowShares(confusion, k);
  let classes = Array.from({ length: k }, (_, i) => i);
  if (k > MATRIX_MAX) classes = classesPresent(confusion, k);
  if (classes.length > MATRIX_MAX) {
    part.dataset.kind = "list";
    part.append(el("p", "cev-hint", `${k} classes, ${classes.length} of them in the results: too many for a matrix. The largest cells (true → predicted):`));
    const list = el("ol", "cev-cell-list");
    for (const c of largestCells(confusion, k, LIST_CELLS)) {
      const item = el("li", "cev-cell-item");
      const b = cellButton(c.t, c.p, c.count, c.share, names, onCell);
      b.textContent = "";
      b.removeAttribute("aria-label");
      b.append(el("span", "cev-cell-item-names", `${names[c.t]} → ${names[c.p]}`), el("span", "cev-cell-item-count", `${c.count} · ${percent(c.share)}`));
      item.append(b);
      list.append(item);
    }
    part.append(list);
    const buttons = [...list.querySelectorAll("button")];
    buttons.forEach((b, i) => (b.tabIndex = i === 0 ? 0 : -1));
    roveGrid(list, buttons.map((b) => [b]));
    return part;
  }
  part.dataset.kind = "matrix";
  const note = k > MATRIX_MAX ? ` Only the ${classes.length} of ${k} classes that occur are shown.` : "";
  part.append(el("p", "cev-hint", `Rows: the true class; columns: the predicted one; colour: the share of the row (blue right, orange wrong). Select a cell for its examples.${note}`));
  const scroll = el("div", "cev-matrix-scroll");
  const table = el("table", "cev-table");
  table.dataset.classes = String(classes.length);
  if (classes.length > 10) table.classList.add("cev-table-dense");
  const cap = el("caption", "cev-visually-hidden", "Confusion matrix: rows are the true classes, columns the predicted classes");
  const head = el("tr");
  const corner = el("th", "cev-corner");
  corner.append(el("span", "cev-corner-pred", "predicted →"), el("span", "cev-corner-true", "true ↓"));
  corner.title = "rows: the true class; columns: the predicted class";
  head.append(corner);
  for (const p of classes) {
    const th = el("th", "cev-col");
    th.scope = "col";
    th.title = names[p];
    th.append(el("span", "cev-col-label", names[p]));
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  const tbody = el("tbody");
  const grid = [];
  for (const t of classes) {
    const tr = el("tr");
    const th = el("th", "cev-row", names[t]);
    th.scope = "row";
    th.title = names[t];
    tr.append(th);
    const row = [];
    for (const p of classes) {
      const td = el("td", "cev-td");
      const count = confusion[t * k + p];
      if (count) {
        const b = cellButton(t, p, count, shares[t * k + p], names, onCell);
        td.append(b);
        row.push(b);
      } else {
        td.classList.add("cev-td-empty");
        row.push(null);
      }
      tr.append(td);
    }
    grid.push(row);
    tbody.append(tr);
  }
  table.append(cap, thead, tbody);
  roveGrid(table, grid);
  scroll.append(table);
  part.append(scroll);
  return part;
}

/** Marks the open cell's button (aria-pressed) in a matrix part. */
export function markCell(part, t, p) {
  for (const b of part.querySelectorAll(".cev-cell")) {
    const on = Number(b.dataset.t) === t && Number(b.dataset.p) === p;
    b.setAttribute("aria-pressed", String(on));
    b.classList.toggle("cev-cell-open", on);
  }
}

/** The score text of example `n` predicted as `p` ("" without scores): a probability or a raw score. */
function scoreText(scores, n, k, p) {
  if (!scores || scores.length < (n + 1) * k) return "";
  const out = scores.subarray(n * k, (n + 1) * k);
  return isProbabilities(out) ? percent(out[p]) : `score ${formatValue(out[p])}`;
}

/**
 * The examples `indices` of cell (t, p) as thumbnails, EXAMPLES_PAGE at a time. `data`: {images,
 * shape, paths?}; `scores`: the evaluation's optional per-example class scores; `onOpen(n)`
 * (optional) makes each thumbnail a button.
 */
export function examplesPart({ t, p, indices, names, k, data, scores, onOpen, onClose }) {
  const part = el("section", "cev-part cev-examples");
  part.dataset.t = String(t);
  part.dataset.p = String(p);
  part.dataset.count = String(indices.length);
  const head = el("div", "cev-examples-head");
  const what = t === p ? `“${names[t]}” predicted right` : `true “${names[t]}”, predicted “${names[p]}”`;
  const title = el("h4", "cev-part-title", `${what}: ${indices.length} ${indices.length === 1 ? "example" : "examples"}`);
  title.tabIndex = -1;
  const close = el("button", "button cev-close", "Close");
  close.type = "button";
  close.addEventListener("click", onClose);
  head.append(title, close);
  part.append(head);
  if (onOpen) part.append(el("p", "cev-hint", "Open an example as the explorer's input."));
  const grid = el("ul", "cev-example-grid");
  const more = el("button", "button cev-more", "");
  more.type = "button";
  const { channels, height, width } = data.shape;
  const size = channels * height * width;
  let shown = 0;
  const addPage = () => {
    for (const n of indices.slice(shown, shown + EXAMPLES_PAGE)) {
      const item = el("li", "cev-example-item");
      const card = el(onOpen ? "button" : "div", "cev-example");
      if (onOpen) {
        card.type = "button";
        card.addEventListener("click", () => onOpen(n));
      }
      card.dataset.index = String(n);
      const canvas = el("canvas", "cev-thumb");
      canvas.setAttribute("aria-hidden", "true");
      if (Math.max(height, width) <= 64) canvas.classList.add("cev-thumb-pixels");
      drawInput(canvas, data.images, n * size, data.shape);
      const score = scoreText(scores, n, k, p);
      const cap = el("span", "cev-example-caption");
      const path = data.paths?.[n];
      cap.append(el("span", "cev-visually-hidden", `${path ? `${path}:` : `example ${n}:`} true ${names[t]}, predicted ${names[p]};`));
      cap.append(el("span", "cev-example-labels", `${names[t]} → ${names[p]}`));
      if (score) cap.append(el("span", "cev-example-score", score));
      card.append(canvas, cap);
      card.title = `${path ? `${path}: ` : `example ${n}: `}true ${names[t]}, predicted ${names[p]}${score ? ` (${score})` : ""}`;
      item.append(card);
      grid.append(item);
    }
    shown = Math.min(indices.length, shown + EXAMPLES_PAGE);
    more.hidden = shown >= indices.length;
    more.textContent = `Show ${Math.min(EXAMPLES_PAGE, indices.length - shown)} more (${indices.length - shown} not shown)`;
  };
  more.addEventListener("click", addPage);
  addPage();
  part.append(grid, more);
  return part;
}
