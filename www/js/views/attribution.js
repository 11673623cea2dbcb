// Attributions: which input pixels drove the score of a class (default: the predicted one) for
// the current input. Method select (gradient, saliency, gradient x input, SmoothGrad, Integrated
// Gradients, Grad-CAM at a chosen conv layer) with its parameters; the map is overlaid on the
// input with an opacity slider and a legend (diverging colours for signed maps, viridis for
// non-negative ones; Grad-CAM upsampled bilinearly to the input size).
//
//   const view = mount(host, ctx);             // ctx: {engine, summary, input, output}
//   view.update(ctx);                          // after every new input or model
//   view.close();
//   view.setTarget(classIndex | null);         // e.g. when a class bar is clicked
//   view.compare(trueClass, predictedClass);   // an evaluated example: both classes one click apart
//
// Computed in the engine worker (op "attribute"). DOM via createElement only (CSP).

import { argmax, colorize, formatValue } from "../core/colormap.js";
import {
  ATTRIBUTE_DEFAULTS,
  METHODS,
  attributionTiming,
  blend,
  classLayer,
  convLayers,
  imageRGBA,
  overlayMap,
  overlayWeights,
} from "../core/explain-math.js";
import { button, el, field, numberInput, select } from "../ui/dom.js";
import { pixelCanvas, putRGBA } from "../ui/pixels.js";

const SHOWN_PARAMS = {
  smoothgrad: ["samples", "sigma", "seed"],
  integrated: ["steps"],
  gradcam: ["layer"],
};

export function mount(host, ctx) {
  host.classList.add("cle", "cle-attribution");
  host.replaceChildren();
  let current = ctx;

  const head = el("div", "cle-head");
  head.append(el("h3", "cle-title", "Which pixels drove the score?"));
  const compareRow = el("p", "cle-compare");
  compareRow.hidden = true;
  head.append(compareRow);
  const classSel = select([]);
  let shownFor = null; // the summary the method default was chosen for
  const methodSel = select(Object.entries(METHODS).map(([k, m]) => [k, m.label]), "gradxinput");
  const layerSel = select([]);
  const params = {
    samples: numberInput(ATTRIBUTE_DEFAULTS.samples, { min: 1, max: 256, step: 1 }),
    sigma: numberInput(ATTRIBUTE_DEFAULTS.sigma, { min: 0, max: 1, step: 0.01 }),
    steps: numberInput(ATTRIBUTE_DEFAULTS.steps, { min: 1, max: 1024, step: 1 }),
    seed: numberInput(ATTRIBUTE_DEFAULTS.seed, { min: 0, step: 1 }),
  };
  const opacity = el("input", "cle-range");
  opacity.type = "range";
  opacity.min = "0";
  opacity.max = "100";
  opacity.value = "80";
  const fields = {
    class: field("Class", classSel),
    method: field("Method", methodSel),
    layer: field("Grad-CAM layer", layerSel),
    samples: field("Samples", params.samples),
    sigma: field("Noise σ", params.sigma),
    steps: field("Steps", params.steps),
    seed: field("Seed", params.seed),
    opacity: field("Overlay opacity", opacity),
  };
  const controls = el("div", "cle-controls");
  controls.append(...Object.values(fields));
  head.append(controls);

  const canvas = pixelCanvas("cle-overlay", "attribution map over the input");
  const legendBar = el("canvas", "cle-legend-bar");
  legendBar.setAttribute("role", "img");
  const legendLo = el("span", "cle-num");
  const legendMid = el("span", "cle-legend-mid");
  const legendHi = el("span", "cle-num");
  const legendAxis = el("div", "cle-legend-axis");
  legendAxis.append(legendLo, legendMid, legendHi);
  const legendNote = el("p", "cle-hint");
  const legend = el("div", "cle-legend");
  legend.append(legendBar, legendAxis, legendNote);
  const figure = el("div", "cle-attr-figure");
  const side = el("div", "cle-attr-side");
  side.append(legend);
  figure.append(canvas, side);
  const status = el("p", "cle-status");
  status.setAttribute("role", "status");
  host.append(head, figure, status);

  let last = null; // {rgbaBase, rgbaMap, width, height}
  let busy = false;
  let dirty = false;
  let draws = 0;

  function fillSelectors() {
    const s = current.summary;
    compareRow.hidden = true; // an evaluated example's classes belong to its model
    const labels = s.labels ?? [];
    const n = s.layers[s.layers.length - 1].outputShape[0];
    classSel.replaceChildren();
    const auto = el("option", "", "predicted class");
    auto.value = "";
    classSel.append(auto);
    for (let i = 0; i < n; i++) {
      const o = el("option", "", labels[i] !== undefined && labels[i] !== String(i) ? `${i}: ${labels[i]}` : String(i));
      o.value = String(i);
      classSel.append(o);
    }
    classSel.value = ""; // a new model: its predicted class
    const convs = convLayers(s);
    const prevLayer = layerSel.value;
    layerSel.replaceChildren();
    for (const i of convs) {
      const o = el("option", "", `${s.layers[i].name} (${s.layers[i].outputShape.slice(1).join("×")})`);
      o.value = String(i);
      layerSel.append(o);
    }
    layerSel.value = convs.map(String).includes(prevLayer) ? prevLayer : String(convs[convs.length - 1] ?? "");
    const gradcamOption = [...methodSel.options].find((o) => o.value === "gradcam");
    gradcamOption.disabled = convs.length === 0;
    if (!convs.length && methodSel.value === "gradcam") methodSel.value = "gradxinput";
    // Photos of ImageNet-size colour models read best as Grad-CAM (per-pixel gradients are speckle there).
    if (convs.length && s.input.channels === 3 && s.input.height >= 96 && s !== shownFor) methodSel.value = "gradcam";
    shownFor = s;
  }

  function showParams() {
    const shown = SHOWN_PARAMS[methodSel.value] ?? [];
    for (const k of ["layer", "samples", "sigma", "steps", "seed"]) fields[k].hidden = !shown.includes(k);
  }

  function options() {
    const method = methodSel.value;
    const o = { method };
    if (classSel.value !== "") o.target = Number(classSel.value);
    for (const k of SHOWN_PARAMS[method] ?? []) {
      const v = Number(k === "layer" ? layerSel.value : params[k].value);
      if (Number.isFinite(v)) o[k] = v;
    }
    return o;
  }

  async function compute() {
    if (!current.input || !current.summary) return;
    if (busy) {
      dirty = true;
      return;
    }
    busy = true;
    dirty = false;
    host.dataset.state = "running";
    const opts = options();
    const input = current.input;
    const t0 = performance.now();
    try {
      const r = await current.engine.attribute(opts, input.data.slice());
      const ms = performance.now() - t0;
      const s = current.summary;
      const camShape = opts.method === "gradcam" ? s.layers[opts.layer ?? convLayers(s).at(-1)].outputShape.slice(1) : null;
      const shape = { channels: input.channels, height: input.height, width: input.width };
      const m = overlayMap(opts.method, r.map, shape, camShape);
      const rgbaMap = new Uint8ClampedArray(4 * m.map.length);
      const map = m.signed ? "diverging" : "viridis";
      colorize(m.map, 0, m.map.length, rgbaMap, m.signed ? { map, min: -m.scale, max: m.scale } : { map, min: 0, max: m.scale });
      last = {
        base: imageRGBA(input.data, 0, input.channels, input.height, input.width),
        rgbaMap,
        weights: overlayWeights(m.map, m.scale),
        width: input.width,
        height: input.height,
      };
      draw();
      drawLegend(m, map);
      const predicted = r.output ? argmax(r.output) : null;
      const target = opts.target ?? predicted;
      const label = s.labels?.[target] ?? String(target);
      status.textContent = `${METHODS[opts.method].label} of the score of “${label}”${opts.target === undefined ? " (predicted)" : ""} · ${attributionTiming(r.ms, ms)}`;
      status.classList.remove("cle-error");
      host.dataset.method = opts.method;
      host.dataset.state = "done";
    } catch (e) {
      status.textContent = `Attribution failed: ${e.message}`;
      status.classList.add("cle-error");
      host.dataset.state = "error";
    } finally {
      busy = false;
      if (dirty) compute();
    }
  }

  function draw() {
    if (!last) return;
    const out = blend(last.base, last.rgbaMap, Number(opacity.value) / 100, undefined, last.weights);
    putRGBA(canvas, out, last.width, last.height);
    host.dataset.draws = String(++draws);
    canvas.setAttribute("aria-label", `${METHODS[methodSel.value].label} over the input, opacity ${opacity.value} %`);
  }

  function drawLegend(m, map) {
    const W = 128;
    const values = new Float32Array(W);
    for (let i = 0; i < W; i++) values[i] = m.signed ? -m.scale + (2 * m.scale * i) / (W - 1) : (m.scale * i) / (W - 1);
    const rgba = new Uint8ClampedArray(4 * W);
    colorize(values, 0, W, rgba, m.signed ? { map, min: -m.scale, max: m.scale } : { map, min: 0, max: m.scale });
    putRGBA(legendBar, rgba, W, 1);
    legendLo.textContent = formatValue(m.signed ? -m.scale : 0);
    legendMid.textContent = m.signed ? "0" : "";
    legendHi.textContent = formatValue(m.scale);
    legendNote.textContent = m.signed
      ? "Red raises the class score, blue lowers it (symmetric scale); near-zero pixels stay transparent."
      : "Brighter colours matter more (non-negative map); near-zero pixels stay transparent.";
    legendBar.setAttribute("aria-label", `legend: ${map} colours from ${legendLo.textContent} to ${legendHi.textContent}`);
    legend.dataset.signed = m.signed ? "1" : "0";
  }

  for (const c of [classSel, methodSel, layerSel, ...Object.values(params)]) {
    c.addEventListener("change", () => {
      showParams();
      compute();
    });
  }
  opacity.addEventListener("input", draw);

  fillSelectors();
  showParams();
  compute();

  let closed = false;
  return {
    update(next) {
      if (closed) return;
      const modelChanged = next.summary !== current.summary;
      current = next;
      if (modelChanged) fillSelectors();
      showParams();
      compute();
    },
    setTarget(cls) {
      classSel.value = cls === null || cls === undefined ? "" : String(cls);
      compute();
    },
    compare(truth, predicted) {
      const labels = current.summary.labels ?? [];
      const name = (i) => labels[i] ?? String(i);
      const pick = (cls, text) => {
        const b = button(text, () => {
          classSel.value = String(cls);
          compute();
        }, "cle-small");
        return b;
      };
      compareRow.replaceChildren(
        el("span", "cle-hint", truth === predicted ? `An example of ${name(truth)}, classified right. Attribution for: ` : `An example of ${name(truth)} that the network calls ${name(predicted)}. Attribution for: `),
        pick(predicted, `the predicted class (${name(predicted)})`),
        ...(truth === predicted ? [] : [" ", pick(truth, `the true class (${name(truth)})`)]),
      );
      compareRow.hidden = false;
      classSel.value = String(predicted);
      compute();
    },
    setMethod(method) {
      methodSel.value = method;
      showParams();
      return compute();
    },
    classLayer: () => classLayer(current.summary),
    close() {
      closed = true;
      host.replaceChildren();
    },
  };
}
