// Unit tests of the page's pure-math module (www/js/core/colormap.js, core/prediction.js), in node: no browser needed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { argmax, contrastRatio, formatValue, greyscaleRGBA, gridFor, inkOn, luminance, pixelScale, range } from "../../www/js/core/colormap.js";
import { barLengths } from "../../www/js/core/prediction.js";

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

import { colorize, colorOf, COLORMAPS } from "../../www/js/core/colormap.js";

test("colorize: greyscale and viridis run dark to bright; diverging is white at zero", () => {
  assert.deepEqual(Object.keys(COLORMAPS), ["grey", "viridis", "diverging"]);
  const out = new Uint8ClampedArray(12);
  assert.deepEqual(colorize(new Float32Array([-1, 0, 3]), 0, 3, out, { map: "grey" }), { min: -1, max: 3 });
  assert.deepEqual([...out.slice(0, 4)], [0, 0, 0, 255]);
  assert.deepEqual([...out.slice(4, 8)], [64, 64, 64, 255]);
  assert.deepEqual([...out.slice(8, 12)], [255, 255, 255, 255]);
  const px = new Uint8ClampedArray(4);
  colorOf(0, "viridis", 0, 1, px, 0);
  assert.deepEqual([...px], [68, 1, 84, 255]);
  colorOf(1, "viridis", 0, 1, px, 0);
  assert.deepEqual([...px], [253, 231, 37, 255]);
  colorOf(0, "diverging", -2, 5, px, 0);
  assert.deepEqual([...px], [247, 247, 247, 255]);
  colorOf(-5, "diverging", -2, 5, px, 0);
  assert.deepEqual([...px], [33, 102, 172, 255]);
  colorOf(5, "diverging", -2, 5, px, 0);
  assert.deepEqual([...px], [178, 24, 43, 255]);
  // Explicit ranges (per-layer or global normalization) are used as given.
  colorize(new Float32Array([1]), 0, 1, px, { map: "grey", min: 0, max: 2 });
  assert.deepEqual([...px], [128, 128, 128, 255]);
});

import { colorizeFast } from "../../www/js/core/colormap.js";

test("colorizeFast matches colorize within one quantization step", () => {
  const data = Float32Array.from({ length: 101 }, (_, i) => (i - 30) / 7);
  for (const map of ["grey", "viridis", "diverging"]) {
    for (const [min, max] of [[-30 / 7, 70 / 7], [0, 0], [2, 2], [-1, 1]]) {
      const slow = new Uint8ClampedArray(4 * data.length);
      colorize(data, 0, data.length, slow, { map, min, max });
      const fast = new Uint8ClampedArray(4 * data.length);
      colorizeFast(data, 0, data.length, new Uint32Array(fast.buffer), map, min, max);
      for (let i = 0; i < fast.length; i++) {
        assert.ok(Math.abs(fast[i] - slow[i]) <= 4, `${map} [${min}, ${max}] byte ${i}: ${fast[i]} vs ${slow[i]}`);
      }
    }
  }
});

test("contrast: WCAG luminance and ratio, and an ink that reads at 4.5:1 on every colour of every map", () => {
  // The WCAG definition's fixed points: black on white is 21:1; #777 on white 4.48:1 (the
  // well-known just-failing grey); #d85f4d with white 3.71:1, with black 5.66:1.
  assert.equal(contrastRatio(luminance(0, 0, 0), luminance(255, 255, 255)), 21);
  assert.ok(Math.abs(contrastRatio(luminance(0x77, 0x77, 0x77), 1) - 4.48) < 0.01);
  assert.ok(Math.abs(contrastRatio(luminance(0xd8, 0x5f, 0x4d), 1) - 3.71) < 0.01);
  assert.equal(inkOn([0xd8, 0x5f, 0x4d, 255]), "#000");
  assert.equal(inkOn([33, 102, 172, 255]), "#fff");
  const out = new Uint8ClampedArray(4);
  for (const map of ["grey", "viridis", "diverging"]) {
    let worst = Infinity;
    for (let i = 0; i <= 1000; i++) {
      colorOf(-1 + i / 500, map, -1, 1, out, 0);
      const bg = luminance(out[0], out[1], out[2]);
      worst = Math.min(worst, contrastRatio(bg, inkOn(out) === "#000" ? 0 : 1));
    }
    assert.ok(worst >= 4.5, `${map}: worst contrast ${worst.toFixed(2)}`);
  }
});
