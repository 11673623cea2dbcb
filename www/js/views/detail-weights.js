// The weights part of the detail view: a conv filter (each input channel's kernel as a heatmap
// with its numbers, the bias, the same numbers as a table, and for a first layer on an RGB input
// every filter as a colour patch) or a linear unit's weights (drawn as the maps they multiply),
// read from the engine (`engine.parameters(layer)`). Also the detail view's cards and numbers.

import { colorOf, inkOn } from "../core/colormap.js";
import { inputLayerIndex } from "../core/graph.js";
import { el } from "../ui/dom.js";
import { PixelCanvas, colorBar, scaleFor } from "../ui/pixels.js";

/** Full-ish precision for tables: 4 significant digits. */
export const precise = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-4 ? v.toExponential(3) : String(Number(v.toPrecision(4))));
/** Two decimals for numbers printed inside heatmap cells. */
const cellText = (v) => {
  const s = v.toFixed(2);
  return s === "-0.00" ? "0.00" : s;
};

/** A titled card of the detail view's grid. */
export function card(title, className) {
  const section = el("section", `clv-card ${className ?? ""}`.trim());
  const h = el("h4", "clv-card-title", title);
  section.append(h);
  return section;
}

/**
 * The weights card of (layer, channel) of `summary`: filled when `parameters` (a promise of
 * `engine.parameters(layer)`) resolves, while `live()` says the card is still shown.
 */
export function weightsCard({ summary, layer, channel, parameters, live }) {
  const info = summary.layers[layer];
  const conv = info.type === "conv2d";
  const title = conv ? `Filter of output channel ${channel}` : `Weights of unit ${channel}`;
  const section = card(title, "clv-card-weights");
  // One input channel's kernel fits a grid column; several get the whole row.
  if (!conv || info.inputShape[0] > 1) section.classList.add("clv-card-wide");
  const body = el("div", "clv-weights-body");
  body.append(el("p", "clv-hint", "Loading the weights…"));
  section.append(body);
  parameters.then(
    (p) => {
      if (!live()) return;
      if (!p) {
        body.replaceChildren(el("p", "clv-hint", "This layer has no weights."));
        return;
      }
      if (conv) renderConvWeights(body, p, { summary, layer, channel });
      else renderLinearWeights(body, p, { summary, layer, channel });
    },
    (e) => {
      if (!live()) return;
      body.replaceChildren(el("p", "clv-message", `Could not read the weights: ${e.message}`));
    },
  );
  return section;
}

function renderConvWeights(body, p, { summary, layer, channel }) {
  const [, cin, kh, kw] = p.weightShape;
  const per = cin * kh * kw;
  const base = channel * per;
  const w = p.weight.subarray(base, base + per);
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  const bias = p.bias ? p.bias[channel] : null;
  const rgba = new Uint8ClampedArray(4);

  const kernels = el("div", "clv-kernels");
  kernels.setAttribute("aria-hidden", "true"); // the table below has the same numbers
  for (let c = 0; c < cin; c++) {
    const fig = el("figure", "clv-kernel-fig");
    const grid = el("div", "clv-kernel");
    grid.dataset.in = String(c);
    grid.style.gridTemplateColumns = `repeat(${kw}, auto)`;
    for (let r = 0; r < kh; r++) {
      for (let q = 0; q < kw; q++) {
        const v = w[(c * kh + r) * kw + q];
        colorOf(v, "diverging", -m, m, rgba, 0);
        const cell = el("span", "clv-cell", cellText(v));
        cell.style.backgroundColor = `rgb(${rgba[0]}, ${rgba[1]}, ${rgba[2]})`;
        cell.style.color = inkOn(rgba);
        cell.dataset.row = String(r);
        cell.dataset.col = String(q);
        cell.dataset.value = String(v);
        cell.title = `input channel ${c}, row ${r}, col ${q}: ${precise(v)}`;
        grid.append(cell);
      }
    }
    fig.append(grid, el("figcaption", "clv-kernel-cap", cin > 1 ? `input ch ${c}` : "input"));
    kernels.append(fig);
  }
  const biasLine = el("p", "clv-bias");
  biasLine.append("bias ", el("strong", "clv-bias-value", bias === null ? "none" : precise(bias)));
  if (bias !== null) biasLine.dataset.value = String(bias);
  const scale = el("div", "clv-weights-scale");
  scale.append(colorBar("diverging", -m, m), el("span", "clv-hint", "blue: negative weight, red: positive"));
  const explain = el(
    "p",
    "clv-hint",
    `Each output value is the sum, over the ${cin} input channel${cin > 1 ? "s" : ""}, of the ${kh}×${kw} kernel times the input patch under it, plus the bias.`,
  );

  // The same numbers as a table (screen readers, copying).
  const details = el("details", "clv-table-details");
  details.append(el("summary", "", `Weights and bias as a table (${per + (bias === null ? 0 : 1)} numbers)`));
  const wrap = el("div", "clv-table-wrap");
  const table = el("table", "clv-table clv-weights-table");
  table.append(el("caption", "", `${summary.layers[layer].name}, output channel ${channel}: weights [input channel, row, column]`));
  const thead = el("thead");
  const hr = el("tr");
  hr.append(el("th", "", "input ch"), el("th", "", "row"));
  for (let q = 0; q < kw; q++) hr.append(el("th", "clv-num", `col ${q}`));
  thead.append(hr);
  const tbody = el("tbody");
  for (let c = 0; c < cin; c++) {
    for (let r = 0; r < kh; r++) {
      const tr = el("tr");
      tr.append(el("th", "", String(c)), el("th", "", String(r)));
      for (let q = 0; q < kw; q++) {
        const v = w[(c * kh + r) * kw + q];
        const td = el("td", "clv-num", precise(v));
        td.dataset.value = String(v);
        tr.append(td);
      }
      tbody.append(tr);
    }
  }
  const tfoot = el("tfoot");
  if (bias !== null) {
    const tr = el("tr");
    tr.append(el("th", "", "bias"), el("th", ""), el("td", "clv-num", precise(bias)));
    tfoot.append(tr);
  }
  table.append(thead, tbody, tfoot);
  wrap.append(table);
  details.append(wrap);
  body.replaceChildren(kernels, biasLine, scale, explain, details);
  // A filter on an RGB picture is itself a small colour picture: show every filter of the layer so.
  if (cin === 3 && inputLayerIndex(summary, layer) < 0) body.append(filterPatches(p, channel, summary.layers[layer].name));
}

/** All filters of a conv layer reading an RGB input as colour patches (0 = grey, each filter
 * scaled by its own largest magnitude), the selected one framed. */
function filterPatches(p, selected, name) {
  const [cout, , kh, kw] = p.weightShape;
  const cols = Math.min(cout, 16);
  const rows = Math.ceil(cout / cols);
  const gap = 1;
  const canvas = el("canvas", "clv-filter-patches");
  canvas.width = cols * (kw + gap) + gap;
  canvas.height = rows * (kh + gap) + gap;
  const scale = Math.max(2, Math.floor(24 / Math.max(kh, kw)));
  canvas.style.width = `${canvas.width * scale}px`;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(canvas.width, canvas.height);
  const plane = kh * kw;
  for (let o = 0; o < cout; o++) {
    // Each filter scaled by its own largest magnitude, so weak filters show their pattern too.
    let m = 0;
    for (let k = o * 3 * plane; k < (o + 1) * 3 * plane; k++) m = Math.max(m, Math.abs(p.weight[k]));
    const x0 = (o % cols) * (kw + gap) + gap;
    const y0 = Math.floor(o / cols) * (kh + gap) + gap;
    for (let r = 0; r < kh; r++) {
      for (let q = 0; q < kw; q++) {
        const at = 4 * ((y0 + r) * canvas.width + x0 + q);
        for (let c = 0; c < 3; c++) img.data[at + c] = 255 * (0.5 + (0.5 * p.weight[o * 3 * plane + c * plane + r * kw + q]) / (m || 1));
        img.data[at + 3] = 255;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  // The selected filter's frame: its gap cells painted yellow.
  const fx = (selected % cols) * (kw + gap);
  const fy = Math.floor(selected / cols) * (kh + gap);
  ctx.fillStyle = "#ffd400";
  ctx.fillRect(fx, fy, kw + 2 * gap, gap);
  ctx.fillRect(fx, fy + kh + gap, kw + 2 * gap, gap);
  ctx.fillRect(fx, fy, gap, kh + 2 * gap);
  ctx.fillRect(fx + kw + gap, fy, gap, kh + 2 * gap);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `all ${cout} filters of ${name} as colour patches; output channel ${selected} is framed`);
  const fig = el("figure", "clv-filter-fig");
  fig.append(canvas, el("figcaption", "clv-hint", `All ${cout} filters as colour patches: each weight's red, green and blue parts, grey at 0, each filter scaled to its own largest weight (the one shown above is framed). A filter responds most to input patches that look like it.`));
  return fig;
}

/** Linear layer: the selected unit's weights, drawn as the maps they multiply when that fits. */
function renderLinearWeights(body, p, { summary, layer, channel: unit }) {
  const [, n] = p.weightShape;
  const w = p.weight.subarray(unit * n, (unit + 1) * n);
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  // The spatial shape that was flattened into this layer's input, if any.
  const layers = summary.layers;
  let shape = null;
  for (let i = layer - 1; i >= 0; i--) {
    const s = layers[i].inputShape;
    if (layers[i].type === "flatten" && s.length === 3 && s[0] * s[1] * s[2] === n) shape = s;
    if (layers[i].type !== "flatten") break;
  }
  const [c, h, ww] = shape ?? [1, Math.ceil(n / Math.ceil(Math.sqrt(n))), Math.ceil(Math.sqrt(n))];
  const maps = el("div", "clv-unit-maps");
  for (let k = 0; k < c; k++) {
    const fig = el("figure", "clv-kernel-fig");
    const pc = new PixelCanvas("clv-unit-map", `weights on ${shape ? `channel ${k}` : "the input values"}`);
    pc.setSize(h, ww, scaleFor(h, ww, shape ? 56 : 200));
    const vals = new Float32Array(h * ww);
    vals.set(w.subarray(k * h * ww, Math.min(n, (k + 1) * h * ww)));
    pc.paint(vals, 0, { map: "diverging", min: -m, max: m });
    fig.append(pc.canvas, el("figcaption", "clv-kernel-cap", shape ? `ch ${k}` : `${n} inputs`));
    maps.append(fig);
  }
  const bias = p.bias ? p.bias[unit] : null;
  const biasLine = el("p", "clv-bias");
  biasLine.append("bias ", el("strong", "clv-bias-value", bias === null ? "none" : precise(bias)));
  const scale = el("div", "clv-weights-scale");
  scale.append(colorBar("diverging", -m, m), el("span", "clv-hint", "red: this input raises the unit's value, blue: lowers it"));
  body.replaceChildren(maps, biasLine, scale);
}
