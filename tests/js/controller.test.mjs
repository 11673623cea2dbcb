// Unit tests (node) of the front ends' shared core: the controller (www/js/core/controller.js)
// with a stand-in input and engine, what the network says (core/prediction.js) and the view names
// (core/views.js).

import assert from "node:assert/strict";
import { test } from "node:test";
import { Controller } from "../../www/js/core/controller.js";
import { isProbabilities, predictionOf, probabilityText } from "../../www/js/core/prediction.js";
import { pictureToInput } from "../../www/js/core/preprocess.js";
import { ELEMENT_VIEWS, VIEWS, elementViewName, viewName } from "../../www/js/core/views.js";

/** The parts of ui/input.js DrawInput the controller uses. */
class FakeInput {
  constructor(height = 28, width = 28, planes = 1) {
    this.resize(height, width, planes);
    this.loads = [];
  }
  resize(height, width, planes = 1) {
    Object.assign(this, { height, width, planes, values: new Float32Array(planes * height * width) });
  }
  load(values, options) {
    this.values.set(values);
    this.loads.push(options);
  }
  tensor(channels = 1) {
    const out = new Float32Array(channels * this.height * this.width);
    for (let c = 0; c < channels; c++) out.set(this.values.subarray(0, this.height * this.width), c * this.height * this.width);
    return out;
  }
}

const layer = (name, outputShape) => ({ name, type: "conv2d", outputShape, inputShape: outputShape });
const small = { input: { channels: 1, height: 28, width: 28 }, labels: ["a", "b", "c"], layers: [layer("c1", [4, 28, 28]), layer("fc", [3])] };
/** 41 layers: a large model (graph.js isLarge); layer 40 reads layer 38. */
const large = {
  input: { channels: 3, height: 8, width: 8 },
  labels: [],
  layers: Array.from({ length: 41 }, (_, i) => ({ ...layer(`l${i}`, [2, 8, 8]), inputs: [i === 40 ? "l38" : i ? `l${i - 1}` : "input"] })),
};

test("adopting a model resizes the input to its size and colour planes and forgets the last run", () => {
  const input = new FakeInput();
  const c = new Controller({ input });
  c.adopt("digits", small);
  assert.deepEqual([input.height, input.width, input.planes], [28, 28, 1]);
  c.activations = [new Float32Array(1)];
  c.output = new Float32Array(3);
  const gen = c.gen;
  c.adopt("big", large);
  assert.deepEqual([input.height, input.width, input.planes], [8, 8, 3]);
  assert.equal(c.gen, gen + 1);
  assert.equal(c.activations, null);
  assert.equal(c.output, null);
  assert.equal(c.name, "big");
});

test("the layers a run brings: all for a small model; for a large one those shown and the detail's with its input", () => {
  const c = new Controller({ input: new FakeInput() });
  c.adopt("digits", small);
  assert.equal(c.layersToRun({ shown: [0], detail: 1 }), undefined);
  c.adopt("big", large);
  assert.deepEqual(c.layersToRun(), []);
  assert.deepEqual(c.layersToRun({ shown: [3, 1, 2] }), [1, 2, 3]);
  assert.deepEqual(c.layersToRun({ shown: [0], detail: 40 }), [0, 38, 40]);
  // Layer 0 reads the model input (-1), which is no layer.
  assert.deepEqual(c.layersToRun({ detail: 0 }), [0]);
});

test("a run of a model that was replaced meanwhile is dropped; a failed run of the model shown rejects", async () => {
  const input = new FakeInput();
  const c = new Controller({ input });
  let release;
  c.engine = {
    runLatest: () => new Promise((r) => (release = r)),
  };
  c.adopt("digits", small);
  const pending = c.run();
  c.adopt("digits", small); // another model (or the same one loaded again)
  release({ output: new Float32Array([0.1, 0.7, 0.2]), activations: [], run: 1, ms: 1 });
  assert.equal(await pending, null);
  assert.equal(c.runs, 0);
  const next = c.run();
  release({ output: new Float32Array([0.1, 0.7, 0.2]), activations: [null, null], run: 2, ms: 1 });
  assert.equal((await next).run, 2);
  assert.equal(c.runs, 1);
  assert.deepEqual(c.prediction, { index: 1, label: "b", probability: Float32Array.from([0.7])[0] });
  // skipSame: the same input again runs nothing.
  assert.equal(await c.run({ skipSame: true }), null);
  c.engine = { runLatest: () => Promise.reject(new Error("boom")) };
  await assert.rejects(c.run(), /boom/);
});

test("a picture becomes the input: grey models get it fitted and auto-inverted, colour models in colour", () => {
  const input = new FakeInput();
  const c = new Controller({ input });
  c.adopt("edges", small);
  // A dark square on a light 10x10 picture: auto-inverted, so the square is the bright part.
  const grey = Float32Array.from({ length: 100 }, (_, i) => (i % 10 >= 3 && i % 10 < 7 && i >= 30 && i < 70 ? 0 : 1));
  c.usePicture({ grey, width: 10, height: 10 }, "square");
  assert.equal(c.source.label, "square");
  assert.equal(input.values[0], 0, "the light background became black");
  assert.ok(input.values[14 * 28 + 14] > 0.9, "the dark square became white");
  assert.deepEqual(input.loads, [{ undoable: true }]);
  // Colour: the red plane of a red picture is 1, the others 0.
  const rgb = new Float32Array(3 * 16);
  rgb.fill(1, 0, 16);
  const out = pictureToInput({ grey: new Float32Array(16).fill(0.3), rgb, width: 4, height: 4 }, { planes: 3, height: 2, width: 2, mode: "fit" });
  assert.deepEqual(Array.from(out), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  // A shift moves the picture; what moves in is 0.
  const shifted = pictureToInput({ grey: Float32Array.from([0, 1, 0, 0]), width: 2, height: 2 }, { planes: 1, height: 2, width: 2, mode: "fit", invert: false, shift: { dx: 1, dy: 0 } });
  assert.equal(shifted[0], 0);
});

test("what the network says: probabilities are recognized, labels used, other outputs have none", () => {
  assert.equal(isProbabilities([0.2, 0.8]), true);
  assert.equal(isProbabilities([0.2, 0.7]), false, "sums to 0.9");
  assert.equal(isProbabilities([-0.5, 1.5]), false, "outside [0, 1]");
  assert.equal(isProbabilities([NaN, 1]), false);
  const p = predictionOf(small, [0.1, 0.2, 0.7]);
  assert.deepEqual(p, { index: 2, label: "c", probability: 0.7 });
  assert.equal(probabilityText(p), " (70.0%)");
  const logits = predictionOf({ ...small, labels: [] }, [3, -1, 2]);
  assert.deepEqual(logits, { index: 0, label: "class 0", probability: null });
  assert.equal(probabilityText(logits), "");
  assert.equal(predictionOf({ ...small, layers: [layer("c1", [4, 28, 28])] }, [1]), null, "the last layer is not a vector");
  assert.equal(predictionOf(small, null), null);
});

test("one name per view; the element's documented 'filters' is an alias of 'detail'", () => {
  assert.deepEqual(VIEWS, ["maps", "detail", "playground", "maximize", "attribution", "stats", "train"]);
  assert.deepEqual(ELEMENT_VIEWS, ["maps", "filters", "playground", "maximize", "attribution", "stats", "train"]);
  assert.equal(viewName("filters"), "detail");
  assert.equal(viewName("detail"), "detail");
  assert.equal(viewName("telescope"), null);
  assert.equal(elementViewName("detail"), "filters");
  assert.equal(elementViewName("stats"), "stats");
});
