// The model summary as an architecture strip: one card per layer with its type, input and output
// shapes, kernel / stride / padding, parameter count, and for conv and pool layers the output-size
// formula evaluated with the layer's own numbers.

const count = new Intl.NumberFormat("en-US");

function pair(p) {
  if (!p) return "";
  return p[0] === p[1] ? String(p[0]) : `${p[0]}×${p[1]}`;
}

/** "3×3 / 1 / 1" style geometry text (kernel / stride / padding) for conv and pool layers, "" for the rest. */
export function geometryText(layer) {
  if (!layer.kernelSize) return "";
  const [kh, kw] = layer.kernelSize;
  let text = `${kh}×${kw} / ${pair(layer.stride)} / ${pair(layer.padding)}`;
  if (layer.dilation && (layer.dilation[0] !== 1 || layer.dilation[1] !== 1)) text += ` (dil ${pair(layer.dilation)})`;
  if (layer.groups > 1) text += layer.groups === layer.inputShape?.[0] ? " depthwise" : ` (${layer.groups} groups)`;
  return text;
}

/**
 * The output-size formula with numbers, e.g. "(28 + 2*2 - 5) / 1 + 1 = 28"; with dilation d != 1
 * the kernel's span is written d*(k-1) + 1; a division that does not come out even is floored.
 */
export function formulaText(input, kernel, stride, padding, dilation = 1) {
  const span = dilation === 1 ? `${kernel}` : `${dilation}*(${kernel}-1) - 1`;
  const top = input + 2 * padding - dilation * (kernel - 1) - 1;
  const out = Math.floor(top / stride) + 1;
  const inner = `${input} + 2*${padding} - ${span}`;
  const exact = top % stride === 0;
  return exact ? `(${inner}) / ${stride} + 1 = ${out}` : `⌊(${inner}) / ${stride}⌋ + 1 = ${out}`;
}

/** The formula lines of a conv/pool layer: one for H, and one for W when W's numbers differ. */
export function formulaLines(layer) {
  if (!layer.kernelSize) return [];
  const [, ih, iw] = layer.inputShape;
  const d = layer.dilation ?? [1, 1];
  const h = formulaText(ih, layer.kernelSize[0], layer.stride[0], layer.padding[0], d[0]);
  const w = formulaText(iw, layer.kernelSize[1], layer.stride[1], layer.padding[1], d[1]);
  return h === w ? [{ axis: "H, W", text: h }] : [{ axis: "H", text: h }, { axis: "W", text: w }];
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

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
      part("kernel", "arch-kernel", pair(layer.kernelSize), true);
      part("stride", "arch-stride", pair(layer.stride));
      part("pad", "arch-padding", pair(layer.padding));
      if (layer.dilation && (layer.dilation[0] !== 1 || layer.dilation[1] !== 1)) part("dilation", "arch-dilation", pair(layer.dilation));
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
