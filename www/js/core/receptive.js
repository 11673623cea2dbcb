// Receptive fields and pooling windows: pure geometry from a model summary (no DOM), so it can be
// unit-tested in node. Rows and columns are 0-based; ranges are inclusive [first, last].
//
// A conv or pool layer with kernel k, stride s, padding p and dilation d computes output cell o
// from input cells o*s - p ... o*s - p + d*(k-1). Walking that back from a layer to the model
// input through every layer before it gives the receptive field: the input cells that can
// influence the output cell. It may reach outside the input (into the zero padding); `clipped`
// is the part inside the input. Element-wise layers (relu, batchnorm, add...) keep positions;
// flatten, linear and global pooling mix everything, so a layer at or after them sees the whole
// input. In a graph model a layer reads several paths (a residual block's skip and its convs): the
// field is the hull over all of them.

/** `[h, w]` from a summary pair field (one number or `[h, w]`), `fallback` when absent. */
export function pair(v, fallback) {
  if (v === undefined || v === null) return [fallback, fallback];
  if (typeof v === "number") return [v, v];
  return [v[0], v.length > 1 ? v[1] : v[0]];
}

/**
 * How a layer maps positions: `{kind: "window", kernel, stride, padding, dilation}` (pairs) for
 * conv2d, maxpool2d and avgpool2d; `{kind: "same"}` for element-wise layers (relu, softmax);
 * `{kind: "all"}` for layers that mix every input value (flatten, linear, anything unknown).
 */
export function layerGeometry(layer) {
  switch (layer.type) {
    case "conv2d":
    case "maxpool2d":
    case "avgpool2d": {
      const kernel = pair(layer.kernelSize, 1);
      return {
        kind: "window",
        kernel,
        stride: pair(layer.stride, layer.type === "conv2d" ? 1 : kernel[0]),
        padding: pair(layer.padding, 0),
        dilation: pair(layer.dilation, 1),
      };
    }
    case "relu":
    case "relu6":
    case "clip":
    case "sigmoid":
    case "hardswish":
    case "batchnorm2d":
    case "dropout":
    case "add":
    case "concat":
    case "softmax":
      return { kind: "same" };
    default:
      return { kind: "all" };
  }
}

/** Input range `[lo, hi]` (unclipped) that output range `[first, last]` reads on one axis. */
export function backProject([first, last], kernel, stride, padding, dilation = 1) {
  return [first * stride - padding, last * stride - padding + dilation * (kernel - 1)];
}

/**
 * Receptive field on the model input of output cell (y, x) of layer `layerIndex`:
 * `{top, left, bottom, right}` (unclipped, may be negative or past the input),
 * `clipped: {top, left, bottom, right}` (inside the input), `height`, `width` (unclipped size),
 * and `whole: true` when a flatten or linear layer on the way makes it the whole input.
 */
export function receptiveField(summary, layerIndex, y, x) {
  const { height: H, width: W } = summary.input;
  const layers = summary.layers;
  const index = new Map(layers.map((l, i) => [l.name, i]));
  // The rows and columns each layer's output must supply (hulls over every path), walking the
  // graph from `layerIndex` back to the input (-1). Layers are in topological order.
  const need = new Map([[layerIndex, { rows: [y, y], cols: [x, x] }]]);
  const hull = (key, rows, cols) => {
    const n = need.get(key);
    need.set(key, n ? { rows: [Math.min(n.rows[0], rows[0]), Math.max(n.rows[1], rows[1])], cols: [Math.min(n.cols[0], cols[0]), Math.max(n.cols[1], cols[1])] } : { rows, cols });
  };
  let whole = false;
  for (let i = layerIndex; i >= 0 && !whole; i--) {
    const n = need.get(i);
    if (!n) continue;
    const g = layerGeometry(layers[i]);
    let { rows, cols } = n;
    if (g.kind === "all") {
      whole = true;
      break;
    } else if (g.kind === "window") {
      rows = backProject(rows, g.kernel[0], g.stride[0], g.padding[0], g.dilation[0]);
      cols = backProject(cols, g.kernel[1], g.stride[1], g.padding[1], g.dilation[1]);
    }
    // Layers that name no inputs (chain summaries) read the previous layer.
    const sources = layers[i].inputs?.map((name) => index.get(name) ?? -1) ?? [i - 1];
    for (const j of sources) hull(j, rows, cols);
  }
  let rows = need.get(-1)?.rows ?? [y, y];
  let cols = need.get(-1)?.cols ?? [x, x];
  if (whole) {
    rows = [0, H - 1];
    cols = [0, W - 1];
  }
  const clamp = (v, n) => Math.min(Math.max(v, 0), n - 1);
  return {
    top: rows[0],
    bottom: rows[1],
    left: cols[0],
    right: cols[1],
    height: rows[1] - rows[0] + 1,
    width: cols[1] - cols[0] + 1,
    whole,
    clipped: { top: clamp(rows[0], H), bottom: clamp(rows[1], H), left: clamp(cols[0], W), right: clamp(cols[1], W) },
  };
}

/**
 * Size of one output cell's receptive field of layer `layerIndex` (unclipped) and the "jump":
 * how many input cells apart two neighbouring output cells' fields start.
 */
export function receptiveFieldSize(summary, layerIndex) {
  const a = receptiveField(summary, layerIndex, 0, 0);
  const b = receptiveField(summary, layerIndex, 1, 1);
  return { height: a.height, width: a.width, jump: [b.top - a.top, b.left - a.left], whole: a.whole };
}

/**
 * How far receptive fields of layer `layerIndex` reach outside the input on each side (cells of
 * zero padding worth showing around the input): `{top, left, bottom, right}`, each >= 0.
 */
export function paddingReach(summary, layerIndex) {
  const shape = summary.layers[layerIndex].outputShape;
  const { height: H, width: W } = summary.input;
  if (shape.length !== 3) return { top: 0, left: 0, bottom: 0, right: 0 };
  const first = receptiveField(summary, layerIndex, 0, 0);
  const last = receptiveField(summary, layerIndex, shape[1] - 1, shape[2] - 1);
  return {
    top: Math.max(0, -first.top),
    left: Math.max(0, -first.left),
    bottom: Math.max(0, last.bottom - (H - 1)),
    right: Math.max(0, last.right - (W - 1)),
  };
}

/** Window of pool (or conv) output cell (oy, ox) on the layer's input: unclipped `{top, left, bottom, right}`. */
export function poolWindow(layer, oy, ox) {
  const g = layerGeometry(layer);
  const [top, bottom] = backProject([oy, oy], g.kernel[0], g.stride[0], g.padding[0], g.dilation[0]);
  const [left, right] = backProject([ox, ox], g.kernel[1], g.stride[1], g.padding[1], g.dilation[1]);
  return { top, left, bottom, right };
}

/**
 * The winning cell of every max-pooling window of one input map (`data[offset ..]`, `h x w`,
 * row-major) for output `oh x ow`: `{winners: Int32Array (index into the map, -1 if the window
 * has no cell inside), ties: Uint8Array (1 when another cell of the window has the same largest
 * value), flat: Uint8Array (1 when all the window's cells are equal, e.g. all 0 after a ReLU)}`.
 * Like the engine, the first largest cell in row-major order wins; padding never wins.
 */
export function poolWinners(data, offset, h, w, layer, oh, ow) {
  const winners = new Int32Array(oh * ow).fill(-1);
  const ties = new Uint8Array(oh * ow);
  const flat = new Uint8Array(oh * ow);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const win = poolWindow(layer, oy, ox);
      let best = -1;
      let tie = 0;
      let same = 1;
      for (let y = Math.max(win.top, 0); y <= Math.min(win.bottom, h - 1); y++) {
        for (let x = Math.max(win.left, 0); x <= Math.min(win.right, w - 1); x++) {
          const i = y * w + x;
          if (best >= 0 && data[offset + i] !== data[offset + best]) same = 0;
          if (best < 0 || data[offset + i] > data[offset + best]) {
            best = i;
            tie = 0;
          } else if (data[offset + i] === data[offset + best]) {
            tie = 1;
          }
        }
      }
      winners[oy * ow + ox] = best;
      ties[oy * ow + ox] = tie;
      flat[oy * ow + ox] = best >= 0 && same ? 1 : 0;
    }
  }
  return { winners, ties, flat };
}
