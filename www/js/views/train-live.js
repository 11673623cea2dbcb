// The Train view's live panels: the loss and accuracy curves, the first conv layer's filters, the
// probe's feature maps of every conv layer with its dead and rarely active filters flagged. Each
// panel draws whatever moment it is given (the model as it trains, or a snapshot of the timeline).

import { colorize, range } from "../core/colormap.js";
import { flagChannels, readLayer } from "../core/explain-math.js";
import { el } from "../ui/dom.js";
import { chartContext, pixelCanvas, putRGBA, themeColor } from "../ui/pixels.js";

const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)} %`);

/** "12.3 s" or "2 min 5 s". */
export function timeText(ms) {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// ---------------------------------------------------------------- curves

/** The loss (left axis) and accuracies (right axis, 0-100 %) against steps or training time. */
export function curvesPanel() {
  const node = el("figure", "clt-curves");
  const canvas = el("canvas", "clt-chart");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Training curves: no steps yet");
  const legend = el("figcaption", "clt-legend cle-hint");
  const key = (cls, text) => el("span", `clt-key ${cls}`, text);
  legend.append(key("clt-key-loss", "training loss"), key("clt-key-acc", "batch accuracy"), key("clt-key-test", "test accuracy"));
  node.append(canvas, legend);

  function draw(history, { x = "steps", marker = null } = {}) {
    const { c, W, H } = chartContext(canvas, [200, 120], [480, 180]);
    const ink = themeColor(node, "--cle-muted", "#5b677c");
    const line = themeColor(node, "--cle-line", "#dde3ec");
    const colors = {
      loss: themeColor(node, "--cle-accent", "#2f6fdb"),
      acc: themeColor(node, "--clt-acc", "#8a6d00"),
      test: themeColor(node, "--clt-test", "#1b8a3a"),
    };
    const pad = { l: 40, r: 40, t: 8, b: 22 };
    const train = history.train;
    const xOf = (p) => (x === "time" ? p.time : p.step);
    const xmax = Math.max(1, ...train.map(xOf), ...history.test.map(xOf));
    const losses = train.map((p) => p.loss).filter(Number.isFinite);
    const lossMax = losses.length ? Math.max(1e-6, ...losses) : 1;
    const px = (v) => pad.l + (v / xmax) * (W - pad.l - pad.r);
    const yLoss = (v) => H - pad.b - (Math.min(v, lossMax) / lossMax) * (H - pad.t - pad.b);
    const yAcc = (v) => H - pad.b - v * (H - pad.t - pad.b);
    c.strokeStyle = line;
    c.lineWidth = 1;
    c.strokeRect(pad.l, pad.t, W - pad.l - pad.r, H - pad.t - pad.b);
    c.fillStyle = ink;
    c.font = "11px system-ui, sans-serif";
    c.textAlign = "right";
    c.fillText(losses.length ? lossMax.toPrecision(2) : "loss", pad.l - 4, pad.t + 9);
    c.fillText("0", pad.l - 4, H - pad.b);
    c.textAlign = "left";
    c.fillText("100 %", W - pad.r + 4, pad.t + 9);
    c.fillText("0 %", W - pad.r + 4, H - pad.b);
    c.textAlign = "center";
    c.fillText(x === "time" ? `training time (${timeText(xmax)})` : `steps (${xmax})`, W / 2, H - 6);
    const path = (points, y, color, width = 1.5) => {
      if (!points.length) return;
      c.strokeStyle = color;
      c.lineWidth = width;
      c.beginPath();
      points.forEach((p, i) => (i ? c.lineTo(px(xOf(p)), y(p)) : c.moveTo(px(xOf(p)), y(p))));
      c.stroke();
    };
    path(train, (p) => yAcc(p.accuracy), colors.acc, 1);
    path(train, (p) => yLoss(p.loss), colors.loss);
    path(history.test, (p) => yAcc(p.accuracy), colors.test, 2);
    for (const p of history.test) {
      c.fillStyle = colors.test;
      c.fillRect(px(xOf(p)) - 2, yAcc(p.accuracy) - 2, 4, 4);
    }
    if (marker !== null) {
      c.strokeStyle = ink;
      c.setLineDash([3, 3]);
      c.beginPath();
      c.moveTo(px(x === "time" ? marker.time : marker.step), pad.t);
      c.lineTo(px(x === "time" ? marker.time : marker.step), H - pad.b);
      c.stroke();
      c.setLineDash([]);
    }
    const last = train.at(-1);
    const test = history.test.at(-1);
    canvas.setAttribute(
      "aria-label",
      last ? `Training curves over ${last.step} steps: loss ${last.loss.toFixed(3)}, batch accuracy ${pct(last.accuracy)}, test accuracy ${pct(test?.accuracy)}` : "Training curves: no steps yet",
    );
  }
  return { node, draw };
}

// ---------------------------------------------------------------- filters and maps

/** One tile: a canvas of h x w values with a caption and the dead/rare flag. */
function tile(label) {
  const box = el("figure", "clt-tile");
  const canvas = pixelCanvas("clt-tile-canvas", label);
  const cap = el("figcaption", "clt-tile-cap cle-num");
  box.append(canvas, cap);
  return { box, canvas, cap };
}

function paint(canvas, data, offset, h, w, opts) {
  const rgba = new Uint8ClampedArray(4 * h * w);
  colorize(data, offset, h * w, rgba, opts);
  putRGBA(canvas, rgba, w, h);
}

/** Dead and rare channels of conv layer `conv` from a statistics result (`{layers}`), or null. */
export function flagsOf(summary, statistics, conv) {
  const stats = statistics?.layers?.[readLayer(summary, conv)];
  return stats ? flagChannels(stats.channels) : null;
}

function mark(t, flags, ch) {
  const dead = flags?.dead.includes(ch);
  const rare = !dead && flags?.rare.includes(ch);
  t.box.classList.toggle("clt-dead", !!dead);
  t.box.classList.toggle("clt-rare", !!rare);
  return dead ? " dead" : rare ? " rare" : "";
}

/** The filters of a conv layer (input channel 0, or their mean), on one signed colour scale. */
export function filtersPanel() {
  const node = el("div", "clt-filters");
  let tiles = [];
  function draw(filters, flags) {
    if (!filters) {
      node.replaceChildren(el("p", "cle-hint", "This model has no convolution layer."));
      tiles = [];
      return;
    }
    const [out, cin, kh, kw] = filters.weightShape;
    if (tiles.length !== out) {
      tiles = Array.from({ length: out }, (_, o) => tile(`Filter ${o}`));
      node.replaceChildren(...tiles.map((t) => t.box));
    }
    const per = cin * kh * kw;
    const plane = new Float32Array(kh * kw);
    const { min, max } = range(filters.weight);
    const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
    tiles.forEach((t, o) => {
      plane.fill(0);
      for (let c = 0; c < cin; c++) for (let i = 0; i < kh * kw; i++) plane[i] += filters.weight[o * per + c * kh * kw + i] / cin;
      paint(t.canvas, plane, 0, kh, kw, { map: "diverging", min: -m, max: m });
      const flag = mark(t, flags, o);
      t.cap.textContent = `${o}${flag}`;
      t.canvas.setAttribute("aria-label", `Filter ${o}${flag}`);
    });
  }
  return { node, draw };
}

/** The probe's maps of each conv layer (after its activation), each map on its own grey scale. */
export function mapsPanel() {
  const node = el("div", "clt-maps");
  let layout = null; // {key, groups: [{index, tiles, flags, title}]}
  function draw(summary, convs, activations, statistics) {
    const key = `${summary.layers.length}:${convs.join(",")}`;
    if (layout?.key !== key) {
      layout = {
        key,
        groups: convs.map((conv) => {
          const index = readLayer(summary, conv);
          const [c] = summary.layers[index].outputShape;
          const title = el("h5", "clt-maps-title", `${summary.layers[conv].name}${index !== conv ? ` → ${summary.layers[index].name}` : ""}`);
          const flags = el("span", "clt-flags cle-hint");
          const grid = el("div", "clt-grid");
          const tiles = Array.from({ length: c }, (_, ch) => tile(`${summary.layers[index].name} channel ${ch}`));
          grid.append(...tiles.map((t) => t.box));
          const group = el("section", "clt-maps-layer");
          title.append(" ", flags);
          group.append(title, grid);
          return { conv, index, tiles, flags, group };
        }),
      };
      node.replaceChildren(...layout.groups.map((g) => g.group));
    }
    for (const g of layout.groups) {
      const a = activations?.[g.index];
      const [c, h, w] = summary.layers[g.index].outputShape;
      const flags = flagsOf(summary, statistics, g.conv);
      g.flags.textContent = flags ? flagSummary(flags, c) : "";
      g.tiles.forEach((t, ch) => {
        if (a) paint(t.canvas, a, ch * h * w, h, w, { map: "grey" });
        t.cap.textContent = `${ch}${mark(t, flags, ch)}`;
      });
    }
  }
  return { node, draw };
}

/** "2 dead, 1 rarely active of 16" (or "all 16 fire"). */
export function flagSummary(flags, n) {
  const parts = [];
  if (flags.dead.length) parts.push(`${flags.dead.length} dead`);
  if (flags.rare.length) parts.push(`${flags.rare.length} rarely active`);
  return parts.length ? `${parts.join(", ")} of ${n}` : `all ${n} fire`;
}

export { pct };
