// Graph models in a summary: each layer lists the names of what it reads (`inputs`, "input" for the
// model input); summaries without names are chains. Pure functions, no DOM.

/** Index of the layer whose output layer `layer` reads first (-1: the model input). */
export function inputLayerIndex(summary, layer) {
  const name = summary.layers[layer]?.inputs?.[0];
  if (name === undefined) return layer - 1;
  return summary.layers.findIndex((l) => l.name === name);
}

/** The name of what layer `layer` reads first: a layer's name or "input". */
export function inputName(summary, layer) {
  const j = inputLayerIndex(summary, layer);
  return j < 0 ? "input" : summary.layers[j].name;
}

/** A model is shown compactly (and its runs bring only the layers on screen) when it has more
 * layers, spatial channels or activation values than this. */
const LARGE = { layers: 40, channels: 1024, values: 2_000_000 };

/** Whether a model summary is large (see LARGE). */
export function isLarge(summary) {
  let channels = 0;
  let values = 0;
  for (const l of summary.layers) {
    const s = l.outputShape;
    if (s.length === 3) channels += s[0];
    values += s.reduce((a, b) => a * b, 1);
  }
  return summary.layers.length > LARGE.layers || channels > LARGE.channels || values > LARGE.values;
}
