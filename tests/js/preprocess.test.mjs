// Unit tests of the pure modules www/js/core/preprocess.js, core/hashstate.js and core/geometry.js, in node.

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatHash, parseHash } from "../../www/js/core/hashstate.js";
import {
  autoInvert, borderLevel, centreOfMass, fitSize, inkBox, looksLikeSafetensors, modeFor, prepare, resizeArea,
  sizeProblem, sniffImage, toGrey,
} from "../../www/js/core/preprocess.js";

/** A w x h greyscale picture with `bg` everywhere and `ink` in the rectangle [x0, x1) x [y0, y1). */
function picture(w, h, bg, ink, [x0, y0, x1, y1]) {
  const g = new Float32Array(w * h).fill(bg);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) g[y * w + x] = ink;
  return g;
}

test("toGrey: luminance, alpha composited over white", () => {
  const rgba = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]);
  const g = toGrey(rgba, 4, 1);
  assert.deepEqual([...g].map((v) => +v.toFixed(3)), [1, 0, 1, 0.299]);
});

test("border level and auto-invert: dark on light is inverted, white on black is not", () => {
  const paper = picture(10, 10, 0.9, 0.1, [3, 3, 7, 7]);
  assert.equal(borderLevel(paper, 10, 10).toFixed(2), "0.90");
  assert.equal(autoInvert(paper, 10, 10), true);
  assert.equal(autoInvert(picture(10, 10, 0, 1, [3, 3, 7, 7]), 10, 10), false);
});

test("resizeArea averages areas exactly and keeps the mean", () => {
  const src = Float32Array.from([1, 0, 0, 1, 1, 1, 0, 0]); // 4 x 2
  assert.deepEqual([...resizeArea(src, 4, 2, 2, 1)], [0.75, 0.25]);
  const up = resizeArea(Float32Array.from([0, 1]), 2, 1, 4, 1);
  assert.deepEqual([...up], [0, 0, 1, 1]);
  const odd = resizeArea(new Float32Array(37 * 23).fill(0.5), 37, 23, 10, 7);
  assert.ok(odd.every((v) => Math.abs(v - 0.5) < 1e-6));
});

test("inkBox, centre of mass, fitSize", () => {
  const g = picture(8, 6, 0, 1, [2, 1, 5, 3]);
  assert.deepEqual(inkBox(g, 8, 6, 0.5), { x0: 2, y0: 1, x1: 5, y1: 3 });
  assert.equal(inkBox(new Float32Array(4), 2, 2, 0.5), null);
  assert.deepEqual(centreOfMass(g, 8, 6), { x: 3.5, y: 2 });
  assert.deepEqual(fitSize(100, 50, 28, 28), { width: 28, height: 14 });
  assert.deepEqual(fitSize(1, 1000, 20, 20), { width: 1, height: 20 });
});

test("mnist mode: a dark-on-light digit of any size becomes white on black, 20 px box, centred by mass", () => {
  // A tall dark bar (a "1") in the top-left corner of a 300 x 200 light photo.
  const g = picture(300, 200, 0.95, 0.05, [20, 10, 60, 170]);
  const out = prepare(g, 300, 200, { mode: "mnist", invert: true, outHeight: 28, outWidth: 28 });
  assert.equal(out.length, 784);
  const box = inkBox(out, 28, 28, 0.5);
  assert.equal(box.y1 - box.y0, 20, "long side is 20 px");
  assert.ok(Math.abs(box.x1 - box.x0 - 5) <= 1, `aspect kept: width ${box.x1 - box.x0}`);
  const com = centreOfMass(out, 28, 28);
  assert.ok(Math.abs(com.x - 14) <= 0.75 && Math.abs(com.y - 14) <= 0.75, `centre of mass ${com.x}, ${com.y}`);
  assert.ok(Math.max(...out) > 0.95 && Math.min(...out) === 0, "stretched to [0, 1]");
  // Not inverting a dark-on-light picture gives a light frame with a dark hole: the border is the
  // background, so the result is empty rather than a white square.
  const blank = prepare(picture(50, 50, 0.9, 0.9, [0, 0, 0, 0]), 50, 50, { mode: "mnist" });
  assert.ok(blank.every((v) => v === 0));
});

test("fashion mode fills the frame with the object's box; fit mode keeps the whole picture", () => {
  const g = picture(100, 100, 0, 0.8, [40, 10, 60, 90]); // 20 x 80 object
  const f = prepare(g, 100, 100, { mode: "fashion", outHeight: 28, outWidth: 28 });
  const box = inkBox(f, 28, 28, 0.5);
  assert.equal(box.y1 - box.y0, 28);
  assert.ok(Math.abs((box.x0 + box.x1) / 2 - 14) <= 1);
  const fit = prepare(picture(200, 100, 1, 1, [0, 0, 0, 0]), 200, 100, { mode: "fit", outHeight: 28, outWidth: 28 });
  const fb = inkBox(fit, 28, 28, 0.5);
  assert.deepEqual(fb, { x0: 0, y0: 7, x1: 28, y1: 21 }, "letterboxed, centred");
  // Non-square outputs.
  const tall = prepare(picture(10, 10, 1, 1, [0, 0, 0, 0]), 10, 10, { mode: "fit", outHeight: 12, outWidth: 10 });
  assert.deepEqual(inkBox(tall, 10, 12, 0.5), { x0: 0, y0: 1, x1: 10, y1: 11 });
});

test("modeFor picks the preprocessing from the model", () => {
  const s = (c, h, w, labels = []) => ({ input: { channels: c, height: h, width: w }, labels });
  assert.equal(modeFor("digits", s(1, 28, 28)), "mnist");
  assert.equal(modeFor("fashion", s(1, 28, 28)), "fashion");
  assert.equal(modeFor("edges", s(1, 28, 28)), "fit");
  assert.equal(modeFor("file:mine", s(1, 28, 28, [..."0123456789"])), "mnist");
  assert.equal(modeFor("file:x", s(1, 12, 10, ["a"])), "fit");
});

test("image sniffing reads sizes from headers; size limits", () => {
  const png = new Uint8Array(24);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
  new DataView(png.buffer).setUint32(16, 10000);
  new DataView(png.buffer).setUint32(20, 7);
  assert.deepEqual(sniffImage(png), { format: "PNG", width: 10000, height: 7 });
  const gif = new Uint8Array([71, 73, 70, 56, 57, 97, 3, 1, 2, 0]);
  assert.deepEqual(sniffImage(gif), { format: "GIF", width: 259, height: 2 });
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 0, 170, 1, 0, 3, 0, 0, 0, 0]);
  assert.deepEqual(sniffImage(jpeg), { format: "JPEG", width: 256, height: 170 });
  assert.equal(sniffImage(new TextEncoder().encode("hello, not an image at all")), null);
  assert.equal(sizeProblem(28, 28), null);
  assert.match(sizeProblem(0, 0), /no pixels/);
  assert.match(sizeProblem(10000, 10000), /too large.*10000 × 10000/);
  assert.equal(sizeProblem(4000, 3000), null);
  const st = new Uint8Array(16);
  st[0] = 6;
  st[8] = 0x7b;
  assert.equal(looksLikeSafetensors(st), true);
  assert.equal(looksLikeSafetensors(png), false);
});

test("URL hash state round trip; bad values are dropped", () => {
  const s = { model: "digits", sample: "digit-3", layer: 2, channel: 5, view: "detail", cmap: "viridis", norm: "layer" };
  const h = formatHash(s);
  assert.equal(h, "#model=digits&sample=digit-3&layer=2&channel=5&view=detail&cmap=viridis&norm=layer");
  assert.deepEqual(parseHash(h), s);
  assert.equal(formatHash({ view: "maps", cmap: "grey", norm: "map" }), "");
  assert.deepEqual(parseHash("#model=<script>&layer=-1&channel=x&view=nope&cmap=jet&norm=z"), { view: "maps", cmap: "grey", norm: "map" });
  assert.deepEqual(parseHash(""), { view: "maps", cmap: "grey", norm: "map" });
  assert.equal(parseHash("view=playground").view, "playground");
  // The Train view's keys ride along with it (core/train-settings.js reads them), written bare for autostart.
  const t = parseHash("#view=train&preset=deep&steps=300&autostart&zoom=2");
  assert.deepEqual(t.train, { preset: "deep", steps: "300", autostart: "" });
  assert.equal(formatHash({ view: "train", train: Object.entries(t.train) }), "#view=train&preset=deep&steps=300&autostart");
  assert.equal(formatHash({ view: "maps", train: Object.entries(t.train) }), "", "only with the Train view");
});

import { formulaText } from "../../www/js/core/geometry.js";

test("output-size formula text with the layer's numbers", () => {
  assert.equal(formulaText(28, 5, 1, 2), "(28 + 2*2 - 5) / 1 + 1 = 28");
  assert.equal(formulaText(28, 2, 2, 0), "(28 + 2*0 - 2) / 2 + 1 = 14");
  assert.equal(formulaText(7, 2, 2, 0), "⌊(7 + 2*0 - 2) / 2⌋ + 1 = 3");
  assert.equal(formulaText(28, 3, 1, 2, 2), "(28 + 2*2 - 2*(3-1) - 1) / 1 + 1 = 28");
});
