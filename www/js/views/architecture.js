// The model summary as an architecture strip: one card per layer with its type, input and output
// shapes, kernel / stride / padding, parameter count, and for conv and pool layers the output-size
// formula evaluated with the layer's own numbers.

import { formulaLines, pairText } from "../core/geometry.js";
import { el } from "../ui/dom.js";

const count = new Intl.NumberFormat("en-US");

/** "8×28×28": shapes without spaces, to fit the cards. */
const compact = (shape) => shape.join("×");

function span(parent, className, text) {
  const e = el("span", className, text);
  parent.append(e);
  return e;
}

/**
 * Fills the strip `list` (an <ol>) from a model summary, and `caption` (optional) with the input
 * shape and totals. `onPick(i)` is called when a layer's title button is activated.
 */
export function renderArchitecture(list, summary, onPick = () => {}, caption = null) {
  list.replaceChildren();
  // Long models (MobileNetV2 has 150+ layers) scroll inside the strip rather than push the maps down.
  list.classList.toggle("long", summary.layers.length > 24);
  let total = 0;
  summary.layers.forEach((layer, i) => {
    const card = el("li", "arch-card");
    card.dataset.layer = String(i);
    card.dataset.type = layer.type;
    const head = el("div", "arch-head");
    const title = el("button", "arch-title");
    title.type = "button";
    title.append(el("span", "layer-index", String(i + 1)), ` ${layer.name}`);
    title.setAttribute("aria-label", `layer ${i + 1}: ${layer.name}, ${layer.type}; show its feature maps`);
    title.addEventListener("click", () => onPick(i));
    head.append(title, el("span", "arch-type", layer.type));
    card.append(head);
    const shapes = el("div", "arch-line mono");
    span(shapes, "arch-in", compact(layer.inputShape));
    shapes.append(" → ");
    span(shapes, "arch-out", compact(layer.outputShape));
    card.append(shapes);
    if (layer.kernelSize) {
      const g = el("div", "arch-line arch-geom");
      const part = (label, className, value, first = false) => {
        if (!first) g.append(" · ");
        const p = span(g, "nb", `${label} `);
        span(p, `mono ${className}`, value);
      };
      part("kernel", "arch-kernel", pairText(layer.kernelSize), true);
      part("stride", "arch-stride", pairText(layer.stride));
      part("pad", "arch-padding", pairText(layer.padding));
      if (layer.dilation && (layer.dilation[0] !== 1 || layer.dilation[1] !== 1)) part("dilation", "arch-dilation", pairText(layer.dilation));
      card.append(g);
    }
    const params = el("div", "arch-line arch-params-line");
    if (layer.params) {
      span(params, "mono arch-params", count.format(layer.params));
      params.append(layer.params === 1 ? " parameter" : " parameters");
    } else {
      span(params, "arch-params", "no parameters");
    }
    card.append(params);
    for (const { axis, text } of formulaLines(layer)) {
      const f = el("div", "arch-formula");
      f.title = "output size = ⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1";
      f.append(el("span", "arch-axis", axis), el("code", null, text));
      card.append(f);
    }
    list.append(card);
    total += layer.params;
  });
  if (caption) {
    const { channels, height, width } = summary.input;
    caption.replaceChildren();
    caption.append("input ");
    span(caption, "mono", compact([channels, height, width]));
    caption.append(` · ${summary.layers.length} layers · `);
    span(caption, "mono arch-total-params", count.format(total));
    caption.append(" parameters in total");
    if (summary.labels.length) caption.append(` · ${summary.labels.length} classes`);
  }
}
