// Unit tests (node) of www/js/core/confusion.js against hand-computed evaluations.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  accuracyOf,
  cellExamples,
  checkEvaluation,
  classCount,
  classesPresent,
  examplesOf,
  largestCells,
  perClass,
  rowShares,
} from "../../www/js/core/confusion.js";

// 8 examples over 3 classes, by hand:
//   true    0 0 0 1 1 2 2 2
//   pred    0 0 1 1 2 2 2 0
// confusion (row true, column predicted):
//   [2 1 0]
//   [0 1 1]
//   [1 0 2]
const LABELS = [0, 0, 0, 1, 1, 2, 2, 2];
const PREDICTIONS = Int32Array.from([0, 0, 1, 1, 2, 2, 2, 0]);
const CONFUSION = Uint32Array.from([2, 1, 0, 0, 1, 1, 1, 0, 2]);

test("classCount: the size of the last layer's output", () => {
  assert.equal(classCount({ layers: [{ outputShape: [4, 3, 3] }, { outputShape: [10] }] }), 10);
  assert.equal(classCount({ layers: [{ outputShape: [1000, 1, 1] }] }), 1000);
});

test("accuracy and per-class accuracy of a hand-computed matrix", () => {
  assert.equal(accuracyOf(CONFUSION, 3), 5 / 8);
  assert.equal(accuracyOf(new Uint32Array(4), 2), null);
  assert.deepEqual(perClass(CONFUSION, 3), [
    { index: 0, count: 3, correct: 2, accuracy: 2 / 3, predicted: 3 },
    { index: 1, count: 2, correct: 1, accuracy: 1 / 2, predicted: 2 },
    { index: 2, count: 3, correct: 2, accuracy: 2 / 3, predicted: 3 },
  ]);
  const empty = perClass(Uint32Array.from([3, 0, 0, 0]), 2);
  assert.equal(empty[1].accuracy, null);
  assert.equal(empty[1].count, 0);
});

test("shares of a row", () => {
  const s = rowShares(CONFUSION, 3);
  assert.deepEqual(Array.from(s), [2 / 3, 1 / 3, 0, 0, 1 / 2, 1 / 2, 1 / 3, 0, 2 / 3]);
  assert.deepEqual(Array.from(rowShares(Uint32Array.from([0, 0, 1, 3]), 2)), [0, 0, 0.25, 0.75]);
});

test("each cell's examples; together they are every example once", () => {
  const cells = cellExamples(LABELS, PREDICTIONS, 3);
  assert.deepEqual(cells, [[0, 1], [2], [], [], [3], [4], [7], [], [5, 6]]);
  cells.forEach((c, i) => assert.equal(c.length, CONFUSION[i]));
  assert.deepEqual(cells.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(examplesOf(LABELS, PREDICTIONS, 2, 0), [7]);
  assert.deepEqual(examplesOf(LABELS, PREDICTIONS, 1, 0), []);
});

test("classes present and the largest cells", () => {
  // 5 classes, only 0, 2 and 4 occur (4 only as a prediction).
  const k = 5;
  const c = new Uint32Array(k * k);
  c[0 * k + 0] = 4;
  c[0 * k + 4] = 1;
  c[2 * k + 2] = 2;
  c[2 * k + 0] = 2;
  assert.deepEqual(classesPresent(c, k), [0, 2, 4]);
  assert.deepEqual(largestCells(c, k, 3), [
    { t: 0, p: 0, count: 4, share: 0.8 },
    { t: 2, p: 0, count: 2, share: 0.5 },
    { t: 2, p: 2, count: 2, share: 0.5 },
  ]);
  assert.deepEqual(
    largestCells(c, k, 10, { mistakesOnly: true }).map(({ t, p }) => [t, p]),
    [
      [2, 0],
      [0, 4],
    ],
  );
});

test("checkEvaluation: the matrix must sum to the count", () => {
  checkEvaluation({ confusion: CONFUSION, predictions: PREDICTIONS }, 8, 3);
  assert.throws(() => checkEvaluation({ confusion: CONFUSION, predictions: PREDICTIONS }, 9, 3), /8 predictions for 9/);
  assert.throws(() => checkEvaluation({ confusion: CONFUSION, predictions: PREDICTIONS }, 8, 4), /9 cells, not 4 × 4/);
  assert.throws(() => checkEvaluation({ confusion: Uint32Array.from([2, 1, 0, 0, 1, 1, 1, 0, 1]), predictions: PREDICTIONS }, 8, 3), /counts 7 examples, not 8/);
  assert.throws(() => checkEvaluation(null, 8, 3), /no confusion matrix/);
});
