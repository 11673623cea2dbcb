// The model summary as an architecture table.

import { shapeText } from "./maps.js";

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function pair(p) {
  if (!p) return "";
  return p[0] === p[1] ? String(p[0]) : `${p[0]}×${p[1]}`;
}

/** "3×3 / 1 / 1" style geometry text for conv and pool layers, "" for the rest. */
export function geometryText(layer) {
  if (!layer.kernelSize) return "";
  const [kh, kw] = layer.kernelSize;
  let text = `${kh}×${kw} / ${pair(layer.stride)} / ${pair(layer.padding)}`;
  if (layer.dilation && (layer.dilation[0] !== 1 || layer.dilation[1] !== 1)) text += ` (dil ${pair(layer.dilation)})`;
  return text;
}

const count = new Intl.NumberFormat("en-US");

/** Fills `tbody` (and `tfoot`) of `table` from `explorer.summary()`. */
export function renderArchitecture(table, summary) {
  const body = table.tBodies[0];
  body.replaceChildren();
  const { channels, height, width } = summary.input;
  const input = document.createElement("tr");
  input.className = "input-row";
  cell(input, "");
  cell(input, "input");
  cell(input, "");
  cell(input, `→ ${shapeText([channels, height, width])}`, "shape");
  cell(input, "");
  cell(input, "", "num");
  body.append(input);
  let total = 0;
  summary.layers.forEach((layer, i) => {
    const row = document.createElement("tr");
    row.dataset.layer = String(i);
    cell(row, String(i + 1), "num muted");
    cell(row, layer.name, "name");
    cell(row, layer.type, "type");
    cell(row, `${shapeText(layer.inputShape)} → ${shapeText(layer.outputShape)}`, "shape");
    cell(row, geometryText(layer), "geom");
    cell(row, layer.params ? count.format(layer.params) : "–", "num");
    body.append(row);
    total += layer.params;
  });
  const foot = table.tFoot;
  foot.replaceChildren();
  const row = document.createElement("tr");
  cell(row, "");
  cell(row, `${summary.layers.length} layers`);
  cell(row, "");
  cell(row, summary.labels.length ? `${summary.labels.length} labels` : "");
  cell(row, "total params", "geom");
  cell(row, count.format(total), "num");
  foot.append(row);
}
