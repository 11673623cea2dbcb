// Unit tests (node) of www/js/core/datasets.js: the training sets, loaded over HTTP from the page's
// own server (e2e/serve.mjs) and checked against the official training files, and every error case
// with a fake fetch. Needs the generated www/data/*-train12k-*.idx.gz and the official files in
// .cache/data/ (./build.sh data, which build and test run).

import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { serve } from "../../e2e/serve.mjs";
import { loadTrainingSet, TRAINING_SETS, trainingSetUrls } from "../../www/js/core/datasets.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NAMES = ["digits", "fashion"];

for (const name of NAMES) {
  for (const kind of ["images", "labels"]) {
    const f = `${ROOT}www/data/${name}-train12k-${kind}.idx.gz`;
    if (!existsSync(f)) throw new Error(`${f} is missing: ./build.sh data makes it`);
  }
  for (const kind of ["images-idx3", "labels-idx1"]) {
    const f = `${ROOT}.cache/data/${name}/train-${kind}-ubyte`;
    if (!existsSync(f)) throw new Error(`${f} is missing: ./build.sh data fetches it`);
  }
}

/** The official training file's examples, read directly (IDX headers of 16 and 8 bytes). */
function official(name) {
  const images = readFileSync(`${ROOT}.cache/data/${name}/train-images-idx3-ubyte`);
  const labels = readFileSync(`${ROOT}.cache/data/${name}/train-labels-idx1-ubyte`);
  assert.equal(images.readUInt32BE(4), 60000);
  assert.equal(labels.readUInt32BE(4), 60000);
  return { images: images.subarray(16), labels: labels.subarray(8) };
}

let server;
before(async () => {
  server = await serve({ prefix: "/some/site/" });
});
after(() => server?.close());

for (const name of NAMES) {
  test(`${name}: 12,000 official training images, the first 1,200 of each class, interleaved by class`, async () => {
    const calls = [];
    const set = await loadTrainingSet(name, { baseUrl: server.url, onProgress: (loaded, total) => calls.push([loaded, total]) });
    assert.equal(set.count, 12000);
    assert.deepEqual([set.channels, set.height, set.width, set.classes], [1, 28, 28, 10]);
    assert.equal(set.images.length, 12000 * 784);
    assert.equal(set.labels.length, 12000);
    // Each array owns exactly its buffer (so that it can be transferred to a worker as it is).
    assert.equal(set.images.buffer.byteLength, set.images.length);
    assert.equal(set.labels.buffer.byteLength, set.labels.length);
    assert.match(set.source, name === "digits" ? /^12,000 MNIST training images$/ : /^12,000 Fashion-MNIST training images$/);

    const counts = new Array(10).fill(0);
    set.labels.forEach((c, i) => {
      assert.ok(c < 10);
      assert.equal(c, i % 10, `example ${i} is of class ${c}`);
      counts[c]++;
    });
    assert.deepEqual(counts, new Array(10).fill(1200));

    // Example 10k + c is the k-th image of class c in the official file's order.
    const ref = official(name);
    const byClass = Array.from({ length: 10 }, () => []);
    ref.labels.forEach((c, j) => byClass[c].push(j));
    let differing = 0;
    for (let i = 0; i < 12000; i++) {
      const j = byClass[i % 10][Math.floor(i / 10)];
      const a = set.images.subarray(i * 784, (i + 1) * 784);
      const b = ref.images.subarray(j * 784, (j + 1) * 784);
      if (Buffer.compare(a, b) !== 0) differing++;
    }
    assert.equal(differing, 0, `${differing} images differ from the official ones`);
    // Not all zeros or one repeated image: the first two differ, and pixels span 0-255.
    assert.notDeepEqual(set.images.subarray(0, 784), set.images.subarray(784, 1568));
    assert.equal(Math.max(...set.images.subarray(0, 784 * 10)), 255);

    // Progress: compressed bytes, non-decreasing, ending at the two files' sizes on disk.
    const sizes = ["images", "labels"].map((k) => statSync(`${ROOT}www/data/${name}-train12k-${k}.idx.gz`).size);
    const total = sizes[0] + sizes[1];
    assert.deepEqual(calls.at(-1), [total, total]);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0], "progress never goes back");
    assert.ok(calls.length > 2, "progress is reported while the bytes arrive");
  });
}

test("the server sends the files as application/gzip, with no Content-Encoding and their lengths", async () => {
  for (const name of NAMES) {
    for (const url of Object.values(trainingSetUrls(name, server.url))) {
      const res = await fetch(url, { method: "HEAD" });
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get("content-type"), "application/gzip");
      assert.equal(res.headers.get("content-encoding"), null);
      assert.ok(Number(res.headers.get("content-length")) > 0);
    }
  }
});

test("trainingSetUrls: under the given base, or next to the modules' www/", () => {
  assert.deepEqual(trainingSetUrls("fashion", "https://example.org/course/convlens/"), {
    images: "https://example.org/course/convlens/data/fashion-train12k-images.idx.gz",
    labels: "https://example.org/course/convlens/data/fashion-train12k-labels.idx.gz",
  });
  assert.equal(trainingSetUrls("digits").images, new URL("www/data/digits-train12k-images.idx.gz", `file://${ROOT}`).href);
  assert.throws(() => trainingSetUrls("cifar10"), /no training set named "cifar10" \(there are: digits, fashion\)/);
  assert.throws(() => trainingSetUrls("toString"), /no training set named "toString"/);
  assert.deepEqual(Object.keys(TRAINING_SETS), NAMES);
});

// ---------------------------------------------------------------- errors, with a fake fetch

const BASE = "https://site.test/www/";
const IMAGES = "data/digits-train12k-images.idx.gz";
const LABELS = "data/digits-train12k-labels.idx.gz";

function idx(dims, fill = (i) => i % 251) {
  const n = dims.reduce((a, b) => a * b, 1);
  const out = Buffer.alloc(4 + 4 * dims.length + n);
  out.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < n; i++) out[4 + 4 * dims.length + i] = fill(i);
  return out;
}
const goodImages = gzipSync(idx([12000, 28, 28]));
const goodLabels = gzipSync(idx([12000], (i) => i % 10));

/** A fetch answering the two files with `files[kind]` ({body, status, headers}, or a function). */
function fakeFetch(files = {}) {
  const requested = [];
  const fn = async (url, init) => {
    requested.push(url);
    const kind = url === BASE + IMAGES ? "images" : url === BASE + LABELS ? "labels" : null;
    assert.ok(kind, `unexpected request ${url}`);
    const spec = files[kind] ?? { body: kind === "images" ? goodImages : goodLabels };
    if (typeof spec === "function") return spec(init);
    return new Response(spec.body, { status: spec.status ?? 200, headers: spec.headers ?? {} });
  };
  fn.requested = requested;
  return fn;
}
const load = (files, options = {}) => loadTrainingSet("digits", { baseUrl: BASE, fetch: fakeFetch(files), ...options });

test("a well-formed fake set loads; without Content-Length the total is 0", async () => {
  const calls = [];
  const f = fakeFetch();
  const set = await loadTrainingSet("digits", { baseUrl: BASE, fetch: f, onProgress: (l, t) => calls.push([l, t]) });
  assert.deepEqual(f.requested.sort(), [BASE + IMAGES, BASE + LABELS]);
  assert.equal(set.images[1000], 1000 % 251);
  assert.equal(set.labels[13], 3);
  assert.deepEqual(calls.at(-1), [goodImages.length + goodLabels.length, 0]);
});

test("HTTP errors name the file and the status", async () => {
  await assert.rejects(load({ images: { body: "not found\n", status: 404 } }), {
    message: `${IMAGES}: HTTP 404 (the server does not have it: ./build.sh build makes it)`,
  });
  await assert.rejects(load({ labels: { body: "", status: 500 } }), { message: `${LABELS}: HTTP 500` });
});

test("a failed request names the file; an abort stays an AbortError", async () => {
  await assert.rejects(
    load({
      labels: () => {
        throw new TypeError("fetch failed");
      },
    }),
    { message: `${LABELS}: could not be fetched (fetch failed)` },
  );
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(
    load({}, { signal: abort.signal, fetch: (url, init) => fetch(`data:,${url}`, init) }),
    { name: "AbortError" },
  );
});

test("in the single-file build, a failed request says that it carries only the MNIST set", async () => {
  globalThis.convlensInline = { singleFile: true };
  try {
    await assert.rejects(
      load({
        images: () => {
          throw new TypeError("Failed to fetch");
        },
      }),
      { message: `${IMAGES}: could not be fetched (Failed to fetch; the single-file convlens.html carries the MNIST training set only: for Fashion-MNIST, serve it with data/ beside it, or use the served page or the npm package)` },
    );
    await assert.rejects(load({ labels: { body: "", status: 404 } }), {
      message: `${LABELS}: HTTP 404 (the single-file convlens.html carries the MNIST training set only: for Fashion-MNIST, serve it with data/ beside it, or use the served page or the npm package)`,
    });
  } finally {
    delete globalThis.convlensInline;
  }
});

test("truncated data: shorter than its Content-Length, a cut gzip stream, a body that breaks off", async () => {
  const cut = goodImages.subarray(0, 5000);
  await assert.rejects(load({ images: { body: cut, headers: { "content-length": String(goodImages.length) } } }), {
    message: `${IMAGES}: truncated: 5000 bytes of the ${goodImages.length} the server announced`,
  });
  await assert.rejects(load({ images: { body: cut } }), (e) => e.message.startsWith(`${IMAGES}: truncated or corrupt gzip data (`));
  let pulls = 0;
  const broken = new ReadableStream({
    pull(c) {
      if (pulls++ === 0) c.enqueue(new Uint8Array(goodImages.subarray(0, 100)));
      else c.error(new Error("connection reset"));
    },
  });
  await assert.rejects(load({ images: () => new Response(broken) }), {
    message: `${IMAGES}: the download broke off after 100 bytes (connection reset)`,
  });
});

test("not gzip (an HTML error page), corrupt gzip, gzip of something that is not IDX", async () => {
  await assert.rejects(load({ images: { body: "<!DOCTYPE html><title>Not here</title>" } }), {
    message: `${IMAGES}: not gzip data (38 bytes, starting 3c 21 44 4f)`,
  });
  await assert.rejects(load({ labels: { body: "" } }), { message: `${LABELS}: not gzip data (0 bytes)` });
  const flipped = Buffer.from(goodLabels);
  flipped[12] ^= 0xff;
  await assert.rejects(load({ labels: { body: flipped } }), (e) => e.message.startsWith(`${LABELS}: truncated or corrupt gzip data (`));
  await assert.rejects(load({ images: { body: gzipSync(Buffer.from("hello, world")) } }), { message: `${IMAGES}: not an IDX file` });
  const floats = idx([12000]);
  floats[2] = 0x0d;
  await assert.rejects(load({ labels: { body: gzipSync(floats) } }), { message: `${LABELS}: IDX type 0xd is not unsigned bytes` });
  const short = idx([12000, 28, 28]).subarray(0, 1000);
  await assert.rejects(load({ images: { body: gzipSync(short) } }), {
    message: `${IMAGES}: IDX data has 984 bytes, the header says 9408000`,
  });
});

test("dimensions and counts that disagree, labels that are not classes", async () => {
  await assert.rejects(load({ images: { body: gzipSync(idx([100, 28, 28])) } }), {
    message: `${IMAGES}: images of shape [100, 28, 28], expected [12000, 28, 28]`,
  });
  await assert.rejects(load({ images: { body: gzipSync(idx([12000, 32, 32])) } }), {
    message: `${IMAGES}: images of shape [12000, 32, 32], expected [12000, 28, 28]`,
  });
  await assert.rejects(load({ labels: { body: gzipSync(idx([11999])) } }), {
    message: `${LABELS}: labels of shape [11999], expected [12000] (one per image)`,
  });
  await assert.rejects(load({ labels: { body: gzipSync(idx([12000], (i) => (i === 3 ? 10 : 0))) } }), {
    message: `${LABELS}: label 10 of example 3 is not a class (0-9)`,
  });
});

test("a server that decoded the gzip itself (Content-Encoding): the IDX bytes are used as they are", async () => {
  const raw = idx([12000], (i) => (i * 7) % 10);
  const calls = [];
  const set = await load(
    { labels: { body: raw, headers: { "content-encoding": "gzip", "content-length": "74" } } },
    { onProgress: (l, t) => calls.push([l, t]) },
  );
  assert.equal(set.labels[3], 1);
  // The Content-Length of an encoded body counts other bytes: no total is claimed.
  assert.deepEqual(calls.at(-1), [goodImages.length + raw.length, 0]);
});

test("without DecompressionStream, the error says so", async () => {
  const saved = globalThis.DecompressionStream;
  globalThis.DecompressionStream = undefined;
  try {
    await assert.rejects(load({}), { message: `${IMAGES}: this browser cannot decompress gzip (it has no DecompressionStream)` });
  } finally {
    globalThis.DecompressionStream = saved;
  }
});

test("an unknown name rejects before any request", async () => {
  const f = fakeFetch();
  await assert.rejects(loadTrainingSet("mnist", { baseUrl: BASE, fetch: f }), /no training set named "mnist"/);
  assert.deepEqual(f.requested, []);
});
