// Activation statistics ("which filters are not pulling their weight"): runs
// `explorer.statistics` over the evaluation sample in the engine worker, flags dead channels
// (never > 0) and rarely active ones (active on < 1 % of positions and inputs), shows a histogram
// per layer and each channel's top-9 inputs as thumbnails.
//
//   const view = mount(host, ctx);        // ctx: {engine, summary, modelName, samples, evalSample?}
//   view.update(ctx);                     // after a model change (re-runs when the summary changed)
//   view.close();
//
// DOM built with createElement only; no inline styles (CSP).

import { formatValue } from "../core/colormap.js";
import { flagChannels, histogram, statLayers } from "../core/explain-math.js";
import { button, el, field, select } from "../ui/dom.js";
import { drawMosaic, pixelCanvas, themeColor } from "../ui/pixels.js";
import { statisticsFor } from "./eval-sample.js";

// ---------------------------------------------------------------- the view

const RARE = 0.01;
const MAX_CARDS = 64; // channels shown with thumbnails per layer (vectors can be long)

export function mount(host, ctx) {
  host.classList.add("cle", "cle-stats");
  host.replaceChildren();
  const head = el("div", "cle-head");
  head.append(el("h3", "cle-title", "Activation statistics"));
  const metric = select(
    [
      ["active", "fraction active"],
      ["mean", "mean activation"],
    ],
    "active",
  );
  metric.setAttribute("aria-label", "Histogram of");
  const controls = el("div", "cle-controls");
  const runButton = button("Run again", () => run(true));
  controls.append(field("Histogram of", metric), runButton);
  head.append(controls);
  const status = el("p", "cle-status", "");
  status.setAttribute("role", "status");
  const summaryLine = el("p", "cle-summary", "");
  const body = el("div", "cle-stats-body");
  host.append(head, el("p", "cle-hint", "Over the evaluation sample: dead channels never fire; rarely active ones fire on under 1 % of positions and inputs. Each channel shows the 9 inputs that excite it most."), status, summaryLine, body);

  let current = ctx;
  let shownFor = null;
  let result = null;
  let token = 0;

  async function run(force = false) {
    if (!force && shownFor === current.summary) return;
    const my = ++token;
    shownFor = current.summary;
    host.dataset.state = "running";
    status.textContent = "running the model over the evaluation sample…";
    status.classList.remove("cle-error");
    try {
      result = await statisticsFor(current);
      if (my !== token) return;
      render();
      host.dataset.state = "done";
    } catch (e) {
      if (my !== token) return;
      body.replaceChildren();
      summaryLine.textContent = "";
      status.textContent = `Statistics unavailable: ${e.message}`;
      status.classList.add("cle-error");
      host.dataset.state = "error";
    }
  }

  function render() {
    const { sample, stats, ms } = result;
    const summary = current.summary;
    const shape = summary.input;
    status.textContent = `${sample.source} · ${ms.toFixed(0)} ms`;
    body.replaceChildren();
    let dead = 0;
    let rare = 0;
    let total = 0;
    for (const { index, title } of statLayers(summary)) {
      const layer = stats.layers[index];
      const flags = flagChannels(layer.channels, RARE);
      dead += flags.dead.length;
      rare += flags.rare.length;
      total += layer.channels.length;
      const section = el("section", "cle-layer");
      section.dataset.layer = String(index);
      const h = el("h4", "cle-layer-title", title);
      const note = el("span", "cle-layer-flags");
      note.textContent = `${layer.channels.length} channels · ${flags.dead.length} dead · ${flags.rare.length} rarely active`;
      if (flags.dead.length) note.classList.add("cle-warn");
      h.append(" ", note);
      section.append(h, histogramFigure(layer, title));
      const grid = el("div", "cle-channel-grid");
      layer.channels.slice(0, MAX_CARDS).forEach((c, ch) => {
        const card = el("figure", "cle-channel");
        card.dataset.layer = String(index);
        card.dataset.channel = String(ch);
        const isRare = !c.dead && c.active < RARE;
        if (c.dead) card.dataset.dead = "1";
        if (isRare) card.dataset.rare = "1";
        const mosaic = pixelCanvas("cle-top9", `${title} channel ${ch}: the 9 inputs that excite it most`);
        drawMosaic(mosaic, sample.images, c.top, shape);
        const cap = el("figcaption", "cle-channel-caption");
        cap.append(el("b", "", `#${ch}`), " ");
        if (c.dead) cap.append(el("span", "cle-badge cle-badge-dead", "dead"), " ");
        else if (isRare) cap.append(el("span", "cle-badge cle-badge-rare", "rare"), " ");
        cap.append(el("span", "cle-num cle-line", `${(c.active * 100).toFixed(1)} % active`), el("span", "cle-num cle-line", `mean ${formatValue(c.mean)}`));
        card.title = `max ${formatValue(c.max)}; top inputs ${c.top.join(", ")}`;
        card.append(mosaic, cap);
        grid.append(card);
      });
      section.append(grid);
      if (layer.channels.length > MAX_CARDS) section.append(el("p", "cle-hint", `first ${MAX_CARDS} of ${layer.channels.length} shown`));
      body.append(section);
    }
    summaryLine.textContent = `${dead} dead and ${rare} rarely active of ${total} channels.`;
    summaryLine.classList.toggle("cle-warn", dead + rare > 0);
    host.dataset.dead = String(dead);
    host.dataset.rare = String(rare);
  }

  function histogramFigure(layer, title) {
    const key = metric.value;
    const values = layer.channels.map((c) => c[key]);
    const bins = 10;
    const hist = key === "active" ? histogram(values, bins, 0, 1) : histogram(values, bins);
    const fig = el("figure", "cle-hist");
    const canvas = el("canvas", "cle-hist-canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      `${title}: histogram of channel ${key === "active" ? "active fractions" : "mean activations"}: ${hist.counts.join(", ")}`,
    );
    const W = 240;
    const H = 64;
    const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
    canvas.width = W * dpr;
    canvas.height = H * dpr;
    const c = canvas.getContext("2d");
    c.scale(dpr, dpr);
    const maxCount = Math.max(1, ...hist.counts);
    const bw = W / bins;
    const bar = themeColor(host, "--cle-accent", "#2f6fdb");
    const warn = themeColor(host, "--cle-warn-ink", "#b3261e");
    hist.counts.forEach((n, i) => {
      const bh = (n / maxCount) * (H - 4);
      // the first bin of active fractions holds the dead and rare channels
      c.fillStyle = key === "active" && i === 0 && n > 0 ? warn : bar;
      c.fillRect(i * bw + 1, H - bh, bw - 2, bh);
    });
    const cap = el("figcaption", "cle-hist-axis");
    const lo = key === "active" ? "0 %" : formatValue(hist.lo);
    const hi = key === "active" ? "100 %" : formatValue(hist.hi);
    cap.append(el("span", "", lo), el("span", "", key === "active" ? "fraction active" : "mean activation"), el("span", "", hi));
    fig.append(canvas, cap);
    return fig;
  }

  metric.addEventListener("change", () => result && render());
  run();

  return {
    update(next) {
      current = next;
      run();
    },
    rerun: () => run(true),
    close() {
      token++; // a computation in flight is not shown
      host.replaceChildren();
    },
  };
}
