// The network's answer from its output vector: whether the output is a probability vector, the
// predicted class and its label, the bars' lengths, the top classes. Pure functions (no DOM),
// shared by the explorer page, the element and the maps' bar views; unit-tested in node.

import { argmax } from "./colormap.js";

/** Whether `values` is a probability vector: every value in [0, 1] and the sum 1 (within 1e-3). */
export function isProbabilities(values) {
  let sum = 0;
  for (const v of values) {
    if (!(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) < 1e-3;
}

/**
 * Bar lengths in [0, 1] for a vector: probabilities are shown as they are; anything else is scaled
 * by its largest magnitude, so negative values get a negative length.
 */
export function barLengths(values) {
  const probabilities = isProbabilities(values);
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = probabilities ? 1 : maxAbs > 0 ? 1 / maxAbs : 0;
  return { probabilities, lengths: Array.from(values, (v) => v * scale) };
}

/** Indices of the `k` largest values of `data`, largest first. */
export function topIndices(data, k) {
  const best = [];
  for (let i = 0; i < data.length; i++) {
    if (best.length < k || data[i] > data[best[best.length - 1]]) {
      let j = Math.min(best.length, k - 1);
      while (j > 0 && data[best[j - 1]] < data[i]) j--;
      best.splice(j, 0, i);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/**
 * What the network says for `output` (the last run's) of the model `summary`: `{index, label,
 * probability}` (`probability` null when the output is not a probability vector), or null when
 * the model's last layer is not a vector.
 */
export function predictionOf(summary, output) {
  const last = summary?.layers[summary.layers.length - 1];
  if (!output?.length || last?.outputShape.length !== 1) return null;
  const index = argmax(output);
  const labels = summary.labels ?? [];
  const label = labels.length === output.length ? labels[index] : `class ${index}`;
  return { index, label, probability: isProbabilities(output) ? output[index] : null };
}

/** The answer's probability as text: " (97.1%)", or "" when there is none. */
export function probabilityText(prediction) {
  return prediction?.probability === null || prediction?.probability === undefined ? "" : ` (${(prediction.probability * 100).toFixed(1)}%)`;
}
