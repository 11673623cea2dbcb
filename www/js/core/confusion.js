// The numbers of an evaluation (engine.evaluate: {loss, accuracy, confusion, predictions}) as the
// evaluation view shows them: per-class accuracy, each cell's examples, shares of a row, the
// classes that occur and the largest cells. Pure; no DOM (tests/js/confusion.test.mjs).
//
// `confusion` is k*k counts, row = true class, column = predicted; `labels` and `predictions`
// are per example.

/** The number of classes of a model: the size of its last layer's output. */
export function classCount(summary) {
  const last = summary.layers[summary.layers.length - 1];
  return last.outputShape.reduce((a, b) => a * b, 1);
}

/** Throws unless `ev` is an evaluation of `count` examples over `k` classes whose matrix sums to `count`. */
export function checkEvaluation(ev, count, k) {
  if (!ev || !ev.confusion || !ev.predictions) throw new Error("the evaluation has no confusion matrix or predictions");
  if (ev.confusion.length !== k * k) throw new Error(`the confusion matrix has ${ev.confusion.length} cells, not ${k} × ${k}`);
  if (ev.predictions.length !== count) throw new Error(`the evaluation has ${ev.predictions.length} predictions for ${count} examples`);
  const total = sum(ev.confusion);
  if (total !== count) throw new Error(`the confusion matrix counts ${total} examples, not ${count}`);
}

function sum(values) {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** Fraction on the diagonal (null for an empty matrix). */
export function accuracyOf(confusion, k) {
  let right = 0;
  for (let i = 0; i < k; i++) right += confusion[i * k + i];
  const total = sum(confusion);
  return total ? right / total : null;
}

/** Per true class: [{index, count, correct, accuracy (null when it has no examples), predicted}], `predicted` = column total. */
export function perClass(confusion, k) {
  const out = [];
  for (let i = 0; i < k; i++) {
    let count = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      count += confusion[i * k + j];
      predicted += confusion[j * k + i];
    }
    const correct = confusion[i * k + i];
    out.push({ index: i, count, correct, accuracy: count ? correct / count : null, predicted });
  }
  return out;
}

/** Each cell's share of its row (0 in an empty row): Float64Array k*k. */
export function rowShares(confusion, k) {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    let row = 0;
    for (let j = 0; j < k; j++) row += confusion[i * k + j];
    if (row) for (let j = 0; j < k; j++) out[i * k + j] = confusion[i * k + j] / row;
  }
  return out;
}

/** The examples of every cell: an array of k*k arrays of example indices (ascending). */
export function cellExamples(labels, predictions, k) {
  const cells = Array.from({ length: k * k }, () => []);
  for (let n = 0; n < predictions.length; n++) {
    const t = labels[n];
    const p = predictions[n];
    if (t >= 0 && t < k && p >= 0 && p < k) cells[t * k + p].push(n);
  }
  return cells;
}

/** The examples whose true class is `t` and predicted class `p`, ascending. */
export function examplesOf(labels, predictions, t, p) {
  const out = [];
  for (let n = 0; n < predictions.length; n++) if (labels[n] === t && predictions[n] === p) out.push(n);
  return out;
}

/** The classes that occur as a true or a predicted class, ascending. */
export function classesPresent(confusion, k) {
  return perClass(confusion, k)
    .filter((c) => c.count || c.predicted)
    .map((c) => c.index);
}

/** The `n` largest non-empty cells, largest first (ties: by row, then column): [{t, p, count, share}]. */
export function largestCells(confusion, k, n, { mistakesOnly = false } = {}) {
  const shares = rowShares(confusion, k);
  const cells = [];
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const count = confusion[t * k + p];
      if (count && !(mistakesOnly && t === p)) cells.push({ t, p, count, share: shares[t * k + p] });
    }
  }
  cells.sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p);
  return cells.slice(0, n);
}
