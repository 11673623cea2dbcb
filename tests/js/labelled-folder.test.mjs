// Unit tests (node) of www/js/core/labelled-folder.js: a folder of class folders as labelled files.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  folderClasses,
  labelFiles,
  looseName,
  matchFolders,
  maxImagesFor,
  MAX_FILES,
  MAX_INPUT_BYTES,
  pathSegments,
  skipReason,
} from "../../www/js/core/labelled-folder.js";

const FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

test("paths: segments, and why a file is skipped", () => {
  assert.deepEqual(pathSegments("/root/cat/1.png"), ["root", "cat", "1.png"]);
  assert.deepEqual(pathSegments("root\\cat\\1.png"), ["root", "cat", "1.png"]);
  assert.equal(skipReason("root/cat/1.png"), "");
  assert.equal(skipReason("root/cat/1.JPEG"), "");
  assert.equal(skipReason("root/cat/.DS_Store"), "hidden file");
  assert.equal(skipReason("root/.DS_Store"), "hidden file");
  assert.equal(skipReason("root/cat/._1.png"), "hidden file");
  assert.match(skipReason("root/__MACOSX/cat/1.png"), /hidden folder \(__MACOSX\)/);
  assert.match(skipReason("root/.git/objects/x.png"), /hidden folder \(\.git\)/);
  assert.equal(skipReason("root/cat/notes.txt"), "not a picture (.txt)");
  assert.equal(skipReason("root/cat/README"), "not a picture (no extension)");
  assert.match(skipReason("root/1.png"), /not in a class folder/);
});

test("folderClasses: the parent folders' names, sorted naturally, skipped files left out", () => {
  const paths = ["r/dog/1.png", "r/cat/2.png", "r/10/a.png", "r/2/b.png", "r/cat/3.jpg", "r/x.png", "r/bird/.DS_Store", "r/fish/a.txt", "r/deep/er/c.png"];
  assert.deepEqual(folderClasses(paths), ["2", "10", "cat", "dog", "er"]);
});

test("looseName: case, spaces, underscores, hyphens and slashes alike", () => {
  assert.equal(looseName("Ankle_boot"), "ankle boot");
  assert.equal(looseName("  ANKLE -- boot "), "ankle boot");
  assert.equal(looseName("T-shirt/top"), looseName("t shirt_top"));
});

test("matchFolders: names, their parts, and class indices", () => {
  const m = matchFolders(["ankle_boot", "t-shirt", "top", "Bag", "3", "SNEAKER"], { labels: FASHION });
  assert.deepEqual(Object.fromEntries(m), { ankle_boot: 9, "t-shirt": 0, top: 0, Bag: 8, 3: 3, SNEAKER: 7 });
  // Without labels, only indices match.
  const idx = matchFolders(["0", "7", "07"], { labels: [], classCount: 10 });
  assert.deepEqual(Object.fromEntries(idx), { 0: 0, 7: 7, "07": 7 });
});

test("matchFolders: every folder that matches no class is named, with the model's classes", () => {
  let err;
  try {
    matchFolders(["Bag", "kat", "dgo"], { labels: FASHION });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error);
  assert.match(err.message, /2 folders “kat”, “dgo” match no class/);
  assert.match(err.message, /T-shirt\/top/);
  assert.match(err.message, /9 Ankle boot/);
  assert.doesNotMatch(err.message, /“Bag”/);
  assert.throws(() => matchFolders(["cat", "10"], { labels: [], classCount: 10 }), (e) => /“cat”, “10” match no class/.test(e.message) && /no class names/.test(e.message) && /0–9/.test(e.message));
  assert.throws(() => matchFolders(["a"], { labels: [], classCount: 0 }), /no classes/);
  // A loose name two classes share.
  assert.throws(() => matchFolders(["top"], { labels: ["top", "tank/top"] }), /more than one class/);
});

test("labelFiles: labels per file against a model, skipped files reported", () => {
  const paths = ["pics/3/a.png", "pics/seven/b.png", "pics/1/c.png", "pics/.DS_Store", "pics/loose.png", "pics/3/notes.md", "pics/1/d.png"];
  const digits = Array.from({ length: 10 }, (_, i) => String(i));
  assert.throws(() => labelFiles(paths, { labels: digits }), /“seven” matches no class/);
  const ok = labelFiles(paths.filter((p) => !p.includes("seven")), { labels: digits });
  assert.deepEqual(
    ok.files.map((f) => [f.path, f.label, f.index]),
    [
      ["pics/1/c.png", 1, 1],
      ["pics/1/d.png", 1, 5],
      ["pics/3/a.png", 3, 0],
    ],
  );
  assert.deepEqual(ok.classes, digits);
  assert.deepEqual(
    ok.skipped.map((s) => s.path),
    ["pics/.DS_Store", "pics/loose.png", "pics/3/notes.md"],
  );
});

test("labelFiles: the folders define the classes", () => {
  const r = labelFiles(["me/dog/1.png", "me/cat/2.png", "me/dog/3.png"], { define: true });
  assert.deepEqual(r.classes, ["cat", "dog"]);
  assert.deepEqual(r.files.map((f) => f.label), [0, 1, 1]);
  assert.deepEqual(r.files.map((f) => f.path), ["me/cat/2.png", "me/dog/1.png", "me/dog/3.png"]);
  assert.throws(() => labelFiles(["me/dog/1.png", "me/dog/2.png"], { define: true }), /at least 2 classes.*“dog”/);
  const many = Array.from({ length: 101 }, (_, i) => `me/c${i}/1.png`);
  assert.throws(() => labelFiles(many, { define: true }), /101 class folders; at most 100/);
});

test("labelFiles: empty folders, no class folders and the file limit", () => {
  assert.throws(() => labelFiles([]), /empty/);
  assert.throws(() => labelFiles(["r/a.png", "r/b.png"], { define: true }), /no pictures in class folders \(2 pictures are directly in the picked folder\)/);
  const paths = Array.from({ length: 12 }, (_, i) => `r/${i % 2}/${i}.png`);
  assert.throws(() => labelFiles(paths, { labels: [], classCount: 2, maxFiles: 10 }), /12 pictures; at most 10 are taken/);
  assert.equal(labelFiles(paths, { labels: [], classCount: 2, maxFiles: 12 }).files.length, 12);
});

test("maxImagesFor: the input bytes limit, capped at MAX_FILES", () => {
  assert.equal(maxImagesFor({ channels: 1, height: 28, width: 28 }), MAX_FILES);
  const big = maxImagesFor({ channels: 3, height: 224, width: 224 });
  assert.equal(big, Math.floor(MAX_INPUT_BYTES / (4 * 3 * 224 * 224)));
  assert.ok(big * 4 * 3 * 224 * 224 <= MAX_INPUT_BYTES && (big + 1) * 4 * 3 * 224 * 224 > MAX_INPUT_BYTES);
});
