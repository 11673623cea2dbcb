// Unit tests of the page's pure-math module (www/js/colormap.js), in node: no browser needed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { argmax, barLengths, formatValue, greyscaleRGBA, gridFor, pixelScale, range } from "../www/js/colormap.js";

test("range of a slice", () => {
  assert.deepEqual(range(new Float32Array([5, -1, 3, 9]), 1, 2), { min: -1, max: 3 });
  assert.deepEqual(range(new Float32Array([])), { min: 0, max: 0 });
});

test("greyscale normalizes each map to its own min..max", () => {
  const data = new Float32Array([100, 2, 4, 6, -100]);
  const out = new Uint8ClampedArray(12);
  assert.deepEqual(greyscaleRGBA(data, 1, 3, out), { min: 2, max: 6 });
  assert.deepEqual([...out], [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
});

test("constant maps: zero is black, anything else mid-grey", () => {
  const out = new Uint8ClampedArray(8);
  greyscaleRGBA(new Float32Array([0, 0]), 0, 2, out);
  assert.deepEqual([...out], [0, 0, 0, 255, 0, 0, 0, 255]);
  greyscaleRGBA(new Float32Array([3, 3]), 0, 2, out);
  assert.deepEqual([...out], [128, 128, 128, 255, 128, 128, 128, 255]);
});

test("bars: probabilities as they are, other vectors scaled by the largest magnitude", () => {
  const p = barLengths([0.25, 0.75]);
  assert.equal(p.probabilities, true);
  assert.deepEqual(p.lengths, [0.25, 0.75]);
  const l = barLengths([2, -4, 1]);
  assert.equal(l.probabilities, false);
  assert.deepEqual(l.lengths, [0.5, -1, 0.25]);
  assert.deepEqual(barLengths([0, 0]).lengths, [0, 0]);
});

test("helpers", () => {
  assert.equal(argmax([1, 5, 3]), 1);
  assert.equal(argmax([]), -1);
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(1.23456), "1.23");
  assert.equal(formatValue(123456), "1.2e+5");
  assert.deepEqual(gridFor(10), { cols: 4, rows: 3 });
  assert.deepEqual(gridFor(1), { cols: 1, rows: 1 });
  assert.equal(pixelScale(28, 28, 84), 3);
  assert.equal(pixelScale(14, 14, 84), 6);
  assert.equal(pixelScale(224, 224, 84), 1);
});
