// Unit tests of www/js/core/kernel-presets.js (playground presets and conv arithmetic), in node.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  PRESET_NAMES,
  PRESETS,
  formatWeight,
  greyscale,
  kernelSum,
  matchPreset,
  outputSize,
  preset,
  robustRange,
  sizeFormula,
} from "../../www/js/core/kernel-presets.js";

test("every preset has a 3x3 and a 5x5 kernel with the expected weight sums", () => {
  assert.deepEqual(PRESET_NAMES, ["identity", "vertical", "horizontal", "sobelX", "sobelY", "blur", "sharpen", "emboss"]);
  const sums = { identity: 1, vertical: 0, horizontal: 0, sobelX: 0, sobelY: 0, blur: 1, sharpen: 1, emboss: 1 };
  for (const name of PRESET_NAMES) {
    for (const size of [3, 5]) {
      const k = preset(name, size);
      assert.equal(k.length, size * size, `${name} ${size}`);
      assert.ok(Math.abs(kernelSum(k) - sums[name]) < 1e-9, `${name} ${size}x${size} sums to ${kernelSum(k)}`);
      assert.equal(matchPreset(k, size), name);
    }
  }
});

test("the classic 3x3 kernels", () => {
  assert.deepEqual(preset("identity", 3), [0, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(preset("sobelX", 3), [-1, 0, 1, -2, 0, 2, -1, 0, 1]);
  assert.deepEqual(preset("sobelY", 3), [-1, -2, -1, 0, 0, 0, 1, 2, 1]);
  assert.deepEqual(preset("vertical", 3), [-1, 0, 1, -1, 0, 1, -1, 0, 1]);
  assert.deepEqual(preset("horizontal", 3), [-1, -1, -1, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(preset("sharpen", 3), [0, -1, 0, -1, 5, -1, 0, -1, 0]);
  assert.deepEqual(preset("emboss", 3), [-2, -1, 0, -1, 1, 1, 0, 1, 2]);
  assert.deepEqual(preset("blur", 3).map(formatWeight), Array(9).fill("0.1111"));
  // Sobel y is Sobel x transposed, at both sizes; the 5x5 blur is symmetric.
  for (const size of [3, 5]) {
    const x = PRESETS.sobelX[size];
    const y = PRESETS.sobelY[size];
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) assert.equal(y[r * size + c], x[c * size + r]);
  }
  // A copy, not the preset itself.
  preset("identity", 3)[4] = 9;
  assert.equal(PRESETS.identity[3][4], 1);
  assert.equal(matchPreset([1, 2, 3, 4, 5, 6, 7, 8, 9], 3), null);
  assert.throws(() => preset("nope", 3), /unknown kernel preset/);
  assert.throws(() => preset("blur", 7), /no 7x7/);
});

test("output size formula with its numbers", () => {
  assert.equal(sizeFormula(256, 3, 1, 1), "(256 + 2*1 - 3) / 1 + 1 = 256");
  assert.equal(sizeFormula(28, 5, 1, 2), "(28 + 2*2 - 5) / 1 + 1 = 28");
  // 255 / 2 = 127.5, rounded down: 127 + 1 = 128.
  assert.equal(sizeFormula(256, 3, 2, 1), "⌊(256 + 2*1 - 3) / 2⌋ + 1 = 128");
  // (170 - 5) / 3 = 55: 56.
  assert.equal(sizeFormula(170, 5, 3, 0), "⌊(170 + 2*0 - 5) / 3⌋ + 1 = 56");
  // Empty: (4 - 5) / 1 + 1 = 0.
  assert.equal(outputSize(4, 5, 1, 0), 0);
  assert.equal(sizeFormula(4, 5, 1, 0), "(4 + 2*0 - 5) / 1 + 1 = 0");
  // floor((3 - 4 - 1) / 3) = floor(-2/3) = -1: 0 cells.
  assert.equal(outputSize(3, 5, 3, 0), 0);
  assert.equal(outputSize(1, 5, 1, 0), -3);
  assert.equal(sizeFormula(3, 5, 3, 0), "⌊(3 + 2*0 - 5) / 3⌋ + 1 = 0");
  // With dilation (as the engine's geometry): (28 + 0 - 2*2 - 1) / 1 + 1 = 24.
  assert.equal(outputSize(28, 3, 1, 0, 2), 24);
});

test("weights as typed into the number inputs", () => {
  assert.equal(formatWeight(1 / 9), "0.1111");
  assert.equal(formatWeight(-12), "-12");
  assert.equal(formatWeight(-0.00001), "0");
  assert.equal(formatWeight(0.25), "0.25");
});

test("greyscale from RGBA", () => {
  const g = greyscale(new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255, 255, 255, 255, 0]));
  assert.ok(Math.abs(g[0] - 1) < 1e-6);
  assert.equal(g[1], 0);
  assert.ok(Math.abs(g[2] - 0.299) < 1e-6);
  assert.equal(g[3], 0);
});

test("robust display range: a few extremes don't wash the output out", () => {
  const data = new Float32Array(1000).map((_, i) => (i % 10) / 10 - 0.5); // -0.5 .. 0.4
  data[3] = 50;
  data[7] = -40;
  const r = robustRange(data);
  assert.equal(r.clipped, true);
  assert.equal(r.max, Math.fround(0.4));
  assert.equal(r.min, -0.5);
  assert.deepEqual(robustRange(new Float32Array([1, 2, 3])), { min: 1, max: 3, clipped: false });
  assert.deepEqual(robustRange(new Float32Array(5).fill(2)), { min: 2, max: 2, clipped: false });
  assert.deepEqual(robustRange(new Float32Array(0)), { min: 0, max: 0, clipped: false });
});
