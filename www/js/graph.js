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
