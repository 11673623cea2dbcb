// The Train view's architecture editor: the layer list of core/train-arch.js as rows of fields,
// with each layer's output shape and output-size formula updated as you type, add / remove /
// reorder buttons, and the first problem named (the layer and why).
//
//   const ed = mountEditor(host, { layers, input, classes, onChange(layers, shapes) });
//   ed.set(layers); ed.layers(); ed.shapes(); ed.setData({input, classes}); ed.setDisabled(bool)

import { ACTIVATIONS, KINDS, layerNames, newLayer, shapesOf } from "../core/train-arch.js";
import { button, el, field, numberInput, select } from "../ui/dom.js";

/** The fields of each kind: [key, label, {min, max, step}] or [key, label, [choices]]. */
const FIELDS = {
  conv: [
    ["channels", "Channels", { min: 1, max: 1024, step: 1 }],
    ["kernel", "Kernel", { min: 1, max: 15, step: 1 }],
    ["stride", "Stride", { min: 1, max: 8, step: 1 }],
    ["padding", "Padding", { min: 0, max: 7, step: 1 }],
  ],
  pool: [
    ["pool", "Type", [["max", "max"], ["avg", "average"]]],
    ["size", "Size", { min: 1, max: 15, step: 1 }],
    ["stride", "Stride (0: size)", { min: 0, max: 15, step: 1 }],
  ],
  act: [["fn", "Function", ACTIVATIONS.map((a) => [a, a])]],
  dropout: [["p", "Drop p", { min: 0, max: 0.95, step: 0.05 }]],
  linear: [["features", "Outputs", { min: 1, max: 65536, step: 1 }]],
  bn: [],
  flatten: [],
  gap: [],
};

const shapeText = (s) => s.join(" × ");

export function mountEditor(host, { layers, input, classes, onChange = () => {} }) {
  let list = layers.map((l) => ({ ...l }));
  let data = { input, classes };
  let result = null;
  let disabled = false;
  const rows = []; // {li, out, formula} per layer

  const root = el("div", "clt-editor");
  const ol = el("ol", "clt-layers");
  ol.setAttribute("aria-label", "Layers");
  const inputRow = el("p", "clt-input cle-hint");
  const endRow = el("p", "clt-end cle-hint");
  const problem = el("p", "clt-problem cle-error");
  problem.setAttribute("role", "alert");
  const addKind = select(Object.entries(KINDS), "conv");
  const add = button("Add layer", () => {
    list.push(newLayer(addKind.value));
    render();
    rows.at(-1)?.li.querySelector("input, select")?.focus();
  });
  const total = el("p", "clt-total cle-hint");
  const addRow = el("div", "clt-add");
  addRow.append(field("New layer", addKind), add);
  root.append(inputRow, ol, endRow, addRow, problem, total);
  host.append(root);

  function move(i, d) {
    const j = i + d;
    if (j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j], list[i]];
    render();
    rows[j].li.querySelector(d < 0 ? ".clt-up" : ".clt-down")?.focus();
  }

  function remove(i) {
    list.splice(i, 1);
    render();
    (rows[Math.min(i, rows.length - 1)]?.li.querySelector(".clt-remove") ?? add).focus();
  }

  /** Rebuilds the rows (after a change of the list's structure). */
  function render() {
    ol.replaceChildren();
    rows.length = 0;
    const names = layerNames(list);
    list.forEach((l, i) => {
      const li = el("li", "clt-layer");
      const head = el("div", "clt-layer-head");
      const kind = select(Object.entries(KINDS), l.kind, "clt-kind");
      kind.setAttribute("aria-label", `Layer ${i + 1} kind`);
      kind.addEventListener("change", () => {
        list[i] = newLayer(kind.value);
        render();
        rows[i].li.querySelector(".clt-kind").focus();
      });
      const name = el("span", "clt-name cle-num", names[i]);
      const tools = el("span", "clt-tools");
      const up = button("↑", () => move(i, -1), "clt-up cle-small");
      const down = button("↓", () => move(i, 1), "clt-down cle-small");
      const del = button("×", () => remove(i), "clt-remove cle-small");
      up.setAttribute("aria-label", `Move layer ${i + 1} (${names[i]}) up`);
      down.setAttribute("aria-label", `Move layer ${i + 1} (${names[i]}) down`);
      del.setAttribute("aria-label", `Remove layer ${i + 1} (${names[i]})`);
      up.disabled = i === 0;
      down.disabled = i === list.length - 1;
      tools.append(up, down, del);
      head.append(el("span", "clt-index cle-num", `${i + 1}`), kind, name, tools);
      const fields = el("div", "clt-fields");
      for (const [key, label, spec] of FIELDS[l.kind] ?? []) {
        const control = Array.isArray(spec) ? select(spec, l[key]) : numberInput(l[key], spec);
        control.dataset.key = key;
        const read = () => {
          list[i] = { ...list[i], [key]: Array.isArray(spec) ? control.value : control.value === "" ? NaN : Number(control.value) };
          update();
        };
        control.addEventListener("input", read);
        control.addEventListener("change", read);
        fields.append(field(label, control, { className: "clt-field" }));
      }
      const out = el("span", "clt-out cle-num");
      const formula = el("span", "clt-formula cle-hint cle-num");
      const shape = el("div", "clt-shape");
      shape.append(out, formula);
      li.append(head, fields, shape);
      ol.append(li);
      rows.push({ li, out, formula });
    });
    setDisabled(disabled);
    update();
  }

  /** Recomputes the shapes and problem (as the fields change) and tells onChange. */
  function update() {
    result = shapesOf(list, data.input, data.classes);
    const { input: inp } = data;
    inputRow.textContent = `Input: ${inp.channels} × ${inp.height} × ${inp.width}`;
    endRow.textContent = `Then softmax over the ${data.classes} classes (the last layer gives their scores).`;
    rows.forEach(({ li, out, formula }, i) => {
      const r = result.rows[i];
      li.classList.toggle("clt-bad", result.problem?.index === i);
      li.classList.toggle("clt-unreached", !r && result.problem?.index !== i);
      out.textContent = r ? `→ ${shapeText(r.outputShape)}${r.params ? ` · ${r.params.toLocaleString("en")} parameters` : ""}` : result.problem?.index === i ? "does not fit" : "";
      formula.textContent = r?.formulas.length ? r.formulas.map((f) => `${f.axis}: ${f.text}`).join("; ") : "";
    });
    problem.textContent = result.problem ? result.problem.message : "";
    total.textContent = result.problem ? "" : `${result.parameters.toLocaleString("en")} parameters in all`;
    onChange(list, result);
  }

  function setDisabled(d) {
    disabled = d;
    for (const c of root.querySelectorAll("input, select, button")) c.disabled = d;
    if (!d) {
      rows.forEach(({ li }, i) => {
        li.querySelector(".clt-up").disabled = i === 0;
        li.querySelector(".clt-down").disabled = i === list.length - 1;
      });
    }
  }

  render();
  return {
    set(next) {
      list = next.map((l) => ({ ...l }));
      render();
    },
    layers: () => list.map((l) => ({ ...l })),
    shapes: () => result,
    setData(next) {
      data = next;
      update();
    },
    setDisabled,
    close: () => root.remove(),
  };
}
