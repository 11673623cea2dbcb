// Unit tests (node) of www/js/core/idx.js: IDX files.

import assert from "node:assert/strict";
import { test } from "node:test";
import { idxToInputs, parseIdx } from "../../www/js/core/idx.js";

test("parseIdx and idxToInputs", () => {
  const bytes = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255, 51, 102]);
  const idx = parseIdx(bytes.buffer);
  assert.deepEqual(idx.dims, [2, 1, 2]);
  const x = idxToInputs(idx, 1);
  assert.deepEqual([...x].map((v) => Math.round(v * 100) / 100), [0, 1, 0.2, 0.4]);
  assert.equal(idxToInputs(idx, 3).length, 12);
  assert.throws(() => parseIdx(new Uint8Array([1, 2, 3, 4]).buffer), /not an IDX/);
  assert.throws(() => parseIdx(bytes.slice(0, 18).buffer), /header says 4/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]).buffer), /unsigned bytes/);
});
