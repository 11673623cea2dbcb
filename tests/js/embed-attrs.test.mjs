// Unit tests (node) of the pure parts of the embedding: the attribute parsers of
// <convlens-explorer> (www/js/core/embed-attrs.js) and the "Copy embed code" snippets
// (www/js/page/embed-code.js).

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseControls, parseHeight, parseIndex, parseShift, resolveLayer } from "../../www/js/core/embed-attrs.js";
import { shiftImage } from "../../www/js/core/preprocess.js";
import { embedSnippets } from "../../www/js/page/embed-code.js";

const summary = { layers: ["conv1", "relu1", "pool1", "conv2"].map((name) => ({ name })) };

test("controls: default, lists with spaces or commas, all, none, unknown words reported", () => {
  assert.deepEqual([...parseControls(null).set], ["input", "prediction"]);
  assert.deepEqual([...parseControls("layer, model").set].sort(), ["layer", "model"]);
  assert.deepEqual([...parseControls("ALL").set].sort(), ["input", "layer", "model", "prediction", "view"]);
  assert.equal(parseControls("none").set.size, 0);
  assert.equal(parseControls("").set.size, 0);
  const r = parseControls("input zoom");
  assert.deepEqual([...r.set], ["input"]);
  assert.deepEqual(r.unknown, ["zoom"]);
});

test("height: numbers are pixels, CSS lengths pass, anything else is a problem and auto", () => {
  assert.deepEqual(parseHeight("480"), { css: "480px" });
  assert.deepEqual(parseHeight("30rem"), { css: "30rem" });
  assert.deepEqual(parseHeight(" 70vh "), { css: "70vh" });
  assert.deepEqual(parseHeight(null), { css: null });
  const bad = parseHeight("calc(100% - 1px); color: red");
  assert.equal(bad.css, null);
  assert.match(bad.problem, /not a CSS length/);
});

test("layer: index or name; out of range and unknown names say which layers exist", () => {
  assert.deepEqual(resolveLayer(summary, "2"), { index: 2 });
  assert.deepEqual(resolveLayer(summary, "conv2"), { index: 3 });
  assert.deepEqual(resolveLayer(summary, null), { index: null });
  assert.match(resolveLayer(summary, "4").problem, /layers 0 to 3 \(conv1, relu1, pool1, conv2\)/);
  assert.match(resolveLayer(summary, "fc").problem, /no such layer/);
});

test("channel: whole numbers from 0; anything else is a problem", () => {
  assert.deepEqual(parseIndex("channel", "7"), { value: 7 });
  assert.deepEqual(parseIndex("channel", null), { value: null });
  assert.match(parseIndex("channel", "-1").problem, /not a whole number/);
  assert.match(parseIndex("channel", "2.5").problem, /not a whole number/);
});

test("shift: 'dx dy' within ±8 moves the picture, zeros come in", () => {
  assert.deepEqual(parseShift("1 -2"), { dx: 1, dy: -2 });
  assert.deepEqual(parseShift("3,0"), { dx: 3, dy: 0 });
  assert.match(parseShift("9 0").problem, /from -8 to 8/);
  assert.match(parseShift("right").problem, /two whole numbers/);
  // 3 x 3 grid 1..9 moved one right and one down: a hand-computed result.
  const img = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(shiftImage(img, 3, 3, 1, 1)), [0, 0, 0, 0, 1, 2, 0, 4, 5]);
  assert.deepEqual(Array.from(shiftImage(img, 3, 3, -1, 0)), [2, 3, 0, 5, 6, 0, 8, 9, 0]);
  assert.equal(shiftImage(img, 3, 3, 0, 0), img);
});

test("embed snippets: the element and the iframe carry model, view, layer, channel and input", () => {
  const s = embedSnippets({ model: "digits", view: "detail", layer: 3, channel: 5, sample: "digit-3" }, "https://school.example/convlens/index.html#x");
  assert.equal(
    s.element,
    '<script type="module" src="https://school.example/convlens/js/convlens-explorer.js"></script>\n' +
      '<convlens-explorer model="digits" view="filters" layer="3" channel="5" input="digit-3"></convlens-explorer>',
  );
  assert.match(s.iframe, /^<iframe src="https:\/\/school\.example\/convlens\/embed\.html#model=digits&amp;view=filters&amp;layer=3&amp;channel=5&amp;input=digit-3" title="convlens: one filter and its map"/);
  assert.equal(s.note, "");
  // The maps view with nothing selected: no layer or channel; a playground has no layer.
  assert.match(embedSnippets({ model: "fashion", view: "maps", layer: null, channel: null }, "http://h/").element, /<convlens-explorer model="fashion"><\/convlens-explorer>/);
  assert.doesNotMatch(embedSnippets({ model: "digits", view: "playground", layer: 2, channel: 1 }, "http://h/").element, /layer=/);
  // A model opened from a file can't be embedded by name: said so, and left out.
  const f = embedSnippets({ model: "file:my.safetensors", view: "maps" }, "http://h/");
  assert.doesNotMatch(f.element, /model=/);
  assert.match(f.note, /same site/);
  // Attribute values are escaped.
  assert.match(embedSnippets({ model: 'a"b', view: "maps" }, "http://h/").element, /model="a&quot;b"/);
});
