// Unit tests of www/js/core/receptive.js (receptive fields and pooling windows), in node. Every
// expected number here was worked out by hand from "output cell o reads input cells
// o*s - p ... o*s - p + d*(k-1)", applied layer by layer back to the input.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  backProject,
  layerGeometry,
  paddingReach,
  poolWindow,
  poolWinners,
  receptiveField,
  receptiveFieldSize,
} from "../../www/js/core/receptive.js";

// The digits model's summary, as the engine reports it.
const conv = (name, cin, cout, hw) => ({
  name, type: "conv2d", inputShape: [cin, hw, hw], outputShape: [cout, hw, hw],
  kernelSize: [5, 5], stride: [1, 1], padding: [2, 2], dilation: [1, 1],
});
const pool = (name, c, hw) => ({
  name, type: "maxpool2d", inputShape: [c, hw, hw], outputShape: [c, hw / 2, hw / 2],
  kernelSize: [2, 2], stride: [2, 2], padding: [0, 0],
});
const DIGITS = {
  input: { channels: 1, height: 28, width: 28 },
  layers: [
    conv("conv1", 1, 8, 28),
    { name: "relu1", type: "relu", inputShape: [8, 28, 28], outputShape: [8, 28, 28] },
    pool("pool1", 8, 28),
    conv("conv2", 8, 16, 14),
    { name: "relu2", type: "relu", inputShape: [16, 14, 14], outputShape: [16, 14, 14] },
    pool("pool2", 16, 14),
    { name: "flatten", type: "flatten", inputShape: [16, 7, 7], outputShape: [784] },
    { name: "fc", type: "linear", inputShape: [784], outputShape: [10] },
    { name: "softmax", type: "softmax", inputShape: [10], outputShape: [10] },
  ],
};

const box = (rf) => [rf.top, rf.bottom, rf.left, rf.right];
const clipped = (rf) => [rf.clipped.top, rf.clipped.bottom, rf.clipped.left, rf.clipped.right];

/**
 * Asserts the receptive field of `layer`'s cell [y, x] in `model`: its box [top, bottom, left,
 * right] and, when given, that box clipped to the input. Returns the field.
 */
function checkField(model, layer, [y, x], want, wantClipped) {
  const r = receptiveField(model, layer, y, x);
  assert.deepEqual(box(r), want, `layer ${layer}, cell (${y}, ${x})`);
  if (wantClipped) assert.deepEqual(clipped(r), wantClipped, `layer ${layer}, cell (${y}, ${x}), clipped`);
  return r;
}

test("one conv: a 5x5 window around the cell, cut at the border", () => {
  // conv1 (k5 s1 p2) cell (0, 0) reads -2..2; cell (10, 5) reads rows 8..12, cols 3..7.
  assert.equal(checkField(DIGITS, 0, [0, 0], [-2, 2, -2, 2], [0, 2, 0, 2]).height, 5);
  checkField(DIGITS, 0, [10, 5], [8, 12, 3, 7]);
  // ReLU keeps positions: relu1 sees what conv1 sees.
  checkField(DIGITS, 1, [10, 5], [8, 12, 3, 7]);
});

test("through pool1: 2x2 window of conv1 cells, then 5x5 each", () => {
  // pool1 cell 0 -> conv1 cells 0..1 -> input 0-2 .. 1-2+4 = -2..3.
  checkField(DIGITS, 2, [0, 0], [-2, 3, -2, 3]);
  // pool1 cell 13 -> conv1 cells 26..27 -> input 24..29, clipped to 24..27.
  checkField(DIGITS, 2, [13, 13], [24, 29, 24, 29], [24, 27, 24, 27]);
});

test("conv2 and pool2: the whole digits stack by hand", () => {
  // conv2 cell 0 -> pool1 cells -2..2 -> conv1 cells -4..5 -> input -6..7 (14 wide).
  checkField(DIGITS, 3, [0, 0], [-6, 7, -6, 7]);
  // pool2 cell 0 -> conv2 cells 0..1 -> pool1 cells -2..3 -> conv1 cells -4..7 -> input -6..9:
  // 16 cells, of which rows/cols 0..9 are inside the image.
  assert.equal(checkField(DIGITS, 5, [0, 0], [-6, 9, -6, 9], [0, 9, 0, 9]).width, 16);
  // pool2 cell (3, 4): rows 3 -> 6..7 -> 4..9 -> 8..19 -> 6..21; cols 4 -> 8..9 -> 6..11 -> 12..23 -> 10..25.
  checkField(DIGITS, 5, [3, 4], [6, 21, 10, 25]);
  // pool2 cell (6, 6): 18..33, clipped to 18..27.
  checkField(DIGITS, 5, [6, 6], [18, 33, 18, 33], [18, 27, 18, 27]);
  assert.deepEqual(receptiveFieldSize(DIGITS, 5), { height: 16, width: 16, jump: [4, 4], whole: false });
  assert.deepEqual(receptiveFieldSize(DIGITS, 3), { height: 14, width: 14, jump: [2, 2], whole: false });
  assert.deepEqual(paddingReach(DIGITS, 5), { top: 6, left: 6, bottom: 6, right: 6 });
  assert.deepEqual(paddingReach(DIGITS, 0), { top: 2, left: 2, bottom: 2, right: 2 });
});

test("flatten and linear see the whole input", () => {
  for (const layer of [6, 7, 8]) {
    const r = receptiveField(DIGITS, layer, 0, 0);
    assert.equal(r.whole, true);
    assert.deepEqual(box(r), [0, 27, 0, 27]);
  }
  assert.deepEqual(paddingReach(DIGITS, 7), { top: 0, left: 0, bottom: 0, right: 0 });
});

test("stride, dilation, padded pool and non-square kernels", () => {
  const model = {
    input: { channels: 1, height: 10, width: 12 },
    layers: [
      { type: "conv2d", kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [2, 2], outputShape: [2, 4, 5] },
      { type: "maxpool2d", kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], outputShape: [2, 2, 3] },
      { type: "conv2d", kernelSize: [3, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], outputShape: [1, 1, 3] },
    ],
  };
  // conv (k3 s2 p1 d2) cell (1, 2): rows 1*2-1 .. 1*2-1+2*2 = 1..5; cols 2*2-1 .. 3+4 = 3..7.
  checkField(model, 0, [1, 2], [1, 5, 3, 7]);
  // pool (k3 s2 p1) cell (0, 0): conv cells -1..1 -> rows -1*2-1 .. 1*2-1+4 = -3..5.
  checkField(model, 1, [0, 0], [-3, 5, -3, 5], [0, 5, 0, 5]);
  // 3x1 conv cell (0, 2): pool rows 0..2, cols 2..2 -> pool rows -1..5, cols 3..5 -> input rows -3..13,
  // cols 3*2-1 .. 5*2-1+4 = 5..13.
  checkField(model, 2, [0, 2], [-3, 13, 5, 13], [0, 9, 5, 11]);
});

test("layer geometry defaults and back projection", () => {
  assert.deepEqual(layerGeometry({ type: "maxpool2d", kernelSize: 3 }), {
    kind: "window", kernel: [3, 3], stride: [3, 3], padding: [0, 0], dilation: [1, 1],
  });
  assert.equal(layerGeometry({ type: "relu" }).kind, "same");
  assert.equal(layerGeometry({ type: "linear" }).kind, "all");
  assert.deepEqual(backProject([2, 4], 3, 2, 1, 1), [3, 9]);
});

test("pool windows and winners: first largest cell in row-major order, padding never wins", () => {
  const p = { type: "maxpool2d", kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] };
  assert.deepEqual(poolWindow(p, 1, 1), { top: 2, left: 2, bottom: 3, right: 3 });
  // prettier-ignore
  const map = new Float32Array([
    7, 7, 7, 7, // offset: the map starts after these
    1, 2, 0, 0,
    3, 0, 0, 0,
    5, 5, 9, 1,
    5, 4, 1, 9,
  ]);
  const { winners, ties, flat } = poolWinners(map, 4, 4, 4, p, 2, 2);
  // (0,0): 1 2 / 3 0 -> the 3 at (1, 0) = 4. (0,1): all 0 -> first, (0, 2) = 2, a tie.
  // (1,0): 5 5 / 5 4 -> first 5, (2, 0) = 8, tie. (1,1): 9 1 / 1 9 -> (2, 2) = 10, tie.
  assert.deepEqual([...winners], [4, 2, 8, 10]);
  assert.deepEqual([...ties], [0, 1, 1, 1]);
  assert.deepEqual([...flat], [0, 1, 0, 0]);
  // Padded 2x2/2 pool over a 3x3 map: window (0,0) is rows/cols -1..0, only cell 0 inside.
  const padded = { type: "maxpool2d", kernelSize: [2, 2], stride: [2, 2], padding: [1, 1] };
  const m3 = new Float32Array([-5, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...poolWinners(m3, 0, 3, 3, padded, 2, 2).winners], [0, 2, 6, 8]);
});

test("graph models: the field is the hull over every path (residual add)", () => {
  const conv = (name) => ({ name, type: "conv2d", kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], outputShape: [1, 10, 10] });
  const model = {
    input: { channels: 1, height: 10, width: 10 },
    layers: [
      { ...conv("a"), inputs: ["input"] },
      { ...conv("b"), inputs: ["a"] },
      { name: "sum", type: "add", inputs: ["a", "b"], outputShape: [1, 10, 10] },
      { name: "skip", type: "add", inputs: ["input", "sum"], outputShape: [1, 10, 10] },
      { name: "p", type: "global_avgpool", inputs: ["skip"], outputShape: [1, 1, 1] },
    ],
  };
  // Through a alone: rows 4..6; through a then b: 3..7. The skip adds the cell itself (5..5).
  assert.deepEqual(box(receptiveField(model, 2, 5, 5)), [3, 7, 3, 7]);
  assert.deepEqual(box(receptiveField(model, 3, 5, 5)), [3, 7, 3, 7]);
  // The skip path alone (layer "skip" reading only the input) would be the cell itself.
  const skipOnly = { ...model, layers: [{ name: "s", type: "add", inputs: ["input", "input"], outputShape: [1, 10, 10] }] };
  assert.deepEqual(box(receptiveField(skipOnly, 0, 5, 5)), [5, 5, 5, 5]);
  assert.equal(receptiveField(model, 4, 0, 0).whole, true);
});
