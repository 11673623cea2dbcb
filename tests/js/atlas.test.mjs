// The compact view's pure parts: atlas geometry (which tile a click lands on) and the top-k list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { atlasLayout, tileAt, FOLDED_TILES } from "../../www/js/views/atlas.js";
import { topIndices } from "../../www/js/core/prediction.js";
import { inputLayerIndex, inputName } from "../../www/js/core/graph.js";

test("atlas layout: columns that fit, one row when folded", () => {
  // 7x7 tiles with a 1-cell gap take 8 cells each: 100 cells fit 12 (12*8 - 1 = 95).
  assert.deepEqual(atlasLayout(1280, 7, 7, { folded: false, targetWidth: 100 }), { shown: 1280, cols: 12, rows: 107, gap: 1, width: 95, height: 107 * 8 - 1 });
  const folded = atlasLayout(1280, 7, 7, { folded: true, targetWidth: 1000 });
  assert.equal(folded.shown, FOLDED_TILES);
  assert.equal(folded.rows, 1);
  // Large maps: as many as fit in one row (112 + 1 per tile: 3 fit 340 cells).
  assert.equal(atlasLayout(32, 112, 112, { folded: true, targetWidth: 340 }).shown, 3);
  assert.equal(atlasLayout(3, 4, 4, { folded: false, targetWidth: 1000 }).cols, 3);
  assert.equal(atlasLayout(5, 500, 500, { folded: false, targetWidth: 10 }).cols, 1);
});

test("tileAt: cells map to channel and position; gaps and empty slots to null", () => {
  const lay = atlasLayout(10, 4, 5, { folded: false, targetWidth: 17 }); // 3 columns of 5 + gaps
  assert.equal(lay.cols, 3);
  assert.deepEqual(tileAt(lay, 4, 5, 0, 0), { channel: 0, y: 0, x: 0 });
  assert.equal(tileAt(lay, 4, 5, 5, 0), null); // the gap after tile 0
  assert.deepEqual(tileAt(lay, 4, 5, 6, 3), { channel: 1, y: 3, x: 0 });
  assert.equal(tileAt(lay, 4, 5, 0, 4), null); // the gap below the first row
  assert.deepEqual(tileAt(lay, 4, 5, 13, 5), { channel: 5, y: 0, x: 1 });
  assert.deepEqual(tileAt(lay, 4, 5, 0, 15), { channel: 9, y: 0, x: 0 });
  assert.equal(tileAt(lay, 4, 5, 6, 15), null); // slot 10 of 10 channels: empty
});

test("topIndices: the k largest, largest first", () => {
  assert.deepEqual(topIndices([3, 1, 4, 1, 5, 9, 2, 6], 3), [5, 7, 4]);
  assert.deepEqual(topIndices([1, 2], 5), [1, 0]);
  const big = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  const sorted = [...big.keys()].sort((a, b) => big[b] - big[a]).slice(0, 5);
  assert.deepEqual(topIndices(big, 5), sorted);
});

test("graph summaries: the layer a layer reads", () => {
  const summary = { layers: [{ name: "a" }, { name: "b" }, { name: "s", inputs: ["a", "b"] }, { name: "t", inputs: ["input"] }] };
  assert.equal(inputLayerIndex(summary, 1), 0); // no names: the previous layer
  assert.equal(inputLayerIndex(summary, 0), -1);
  assert.equal(inputLayerIndex(summary, 2), 0);
  assert.equal(inputName(summary, 2), "a");
  assert.equal(inputName(summary, 3), "input");
});
