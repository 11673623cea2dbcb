// The training sets of the builtin datasets: www/data/<name>-train12k-{images,labels}.idx.gz, 12,000
// images of the official training set, 1,200 per class, interleaved by class (example i is of
// class i % 10), made by ./build.sh build (tools/data/make-train-sets.mjs; docs/models.md). They
// are fetched only when `loadTrainingSet` is called, decompressed with the browser's
// DecompressionStream("gzip") and parsed as IDX. No DOM here (tests/js/datasets.test.mjs).

import { BASE } from "./base.js";
import { parseIdx } from "./idx.js";

/** The builtin training sets by dataset name (the builtin model of the same name learns from it). */
export const TRAINING_SETS = Object.freeze({
  digits: Object.freeze({
    dataset: "MNIST",
    count: 12000,
    classes: 10,
    channels: 1,
    height: 28,
    width: 28,
    // The normalization of PyTorch's MNIST example (the builtin digits model's).
    mean: 0.1307,
    std: 0.3081,
    labels: Object.freeze(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]),
  }),
  fashion: Object.freeze({
    dataset: "Fashion-MNIST",
    count: 12000,
    classes: 10,
    channels: 1,
    height: 28,
    width: 28,
    mean: 0.286,
    std: 0.353,
    labels: Object.freeze(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]),
  }),
});

function setOf(name) {
  if (!Object.hasOwn(TRAINING_SETS, name)) {
    throw new Error(`no training set named ${JSON.stringify(name)} (there are: ${Object.keys(TRAINING_SETS).join(", ")})`);
  }
  return TRAINING_SETS[name];
}

/** The two files' paths relative to www/ (e.g. "data/digits-train12k-images.idx.gz"). */
function trainingSetPaths(name) {
  setOf(name);
  return { images: `data/${name}-train12k-images.idx.gz`, labels: `data/${name}-train12k-labels.idx.gz` };
}

/** The URLs of a training set's two files: {images, labels}, resolved against `baseUrl` (www/). */
export function trainingSetUrls(name, baseUrl = BASE) {
  const paths = trainingSetPaths(name);
  return { images: new URL(paths.images, baseUrl).href, labels: new URL(paths.labels, baseUrl).href };
}

/** Why a request failed in the single-file build (dist/convlens.html), which has no data/ folder. */
const SINGLE_FILE = "the single-file convlens.html carries the MNIST training set only: for Fashion-MNIST, serve it with data/ beside it, or use the served page or the npm package";
const singleFile = () => Boolean(globalThis.convlensInline?.singleFile);

const hex = (bytes) => Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");

/**
 * The response body of `url` as one Uint8Array; `progress(loaded, total)` as chunks arrive (total:
 * the Content-Length, 0 when unknown or when the server sent the body with a Content-Encoding, whose
 * length counts the encoded bytes). Throws an Error starting with `file` on an HTTP error or a
 * truncated body.
 */
async function fetchBytes(url, file, fetchFn, signal, progress) {
  let res;
  try {
    res = await fetchFn(url, { signal });
  } catch (e) {
    if (e?.name === "AbortError") throw e;
    throw new Error(`${file}: could not be fetched (${e?.message ?? e}${singleFile() ? `; ${SINGLE_FILE}` : ""})`, { cause: e });
  }
  if (!res.ok) {
    const hint = singleFile()
      ? ` (${SINGLE_FILE})`
      : res.status === 404
        ? " (the server does not have it: ./build.sh build makes it)"
        : "";
    throw new Error(`${file}: HTTP ${res.status}${hint}`);
  }
  const declared = res.headers.get("content-encoding") ? 0 : Number(res.headers.get("content-length")) || 0;
  progress(0, declared);
  const parts = [];
  let loaded = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        loaded += value.length;
        progress(loaded, declared);
      }
    } else {
      parts.push(new Uint8Array(await res.arrayBuffer()));
      loaded = parts[0].length;
      progress(loaded, declared);
    }
  } catch (e) {
    if (e?.name === "AbortError") throw e;
    throw new Error(`${file}: the download broke off after ${loaded} bytes (${e?.message ?? e})`, { cause: e });
  }
  if (declared && loaded !== declared) {
    throw new Error(`${file}: truncated: ${loaded} bytes of the ${declared} the server announced`);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}

/**
 * The IDX bytes inside `bytes`: gunzipped, or as they are when they already are IDX (a server that
 * sends .gz files with "Content-Encoding: gzip" makes fetch decompress them).
 */
async function gunzip(bytes, file) {
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x08) return bytes;
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new Error(`${file}: not gzip data (${bytes.length} bytes${bytes.length ? `, starting ${hex(bytes)}` : ""})`);
  }
  if (typeof DecompressionStream !== "function") {
    throw new Error(`${file}: this browser cannot decompress gzip (it has no DecompressionStream)`);
  }
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${file}: truncated or corrupt gzip data (${e?.message ?? e})`, { cause: e });
  }
}

async function parseFile(bytes, file) {
  const idx = await gunzip(bytes, file); // a Uint8Array over its whole buffer
  try {
    return parseIdx(idx.buffer);
  } catch (e) {
    throw new Error(`${file}: ${e.message}`, { cause: e });
  }
}

/**
 * Fetches and decodes the training set `name` ("digits" or "fashion"):
 * {images, labels, count, channels, height, width, classes, source}, `images` the count * 784 raw
 * bytes (0-255, each image's rows top to bottom, as `Trainer.setData` takes them), `labels` the
 * count class indices, both Uint8Arrays owning their whole buffers.
 *
 * Options: `baseUrl` (the www/ folder the files are under; default: the one of these modules),
 * `onProgress(loaded, total)` (compressed bytes received over both files; `total` the sum of their
 * Content-Lengths, 0 while one is unknown), `fetch` (default: globalThis.fetch) and `signal` (an
 * AbortSignal for both requests). Rejects with an Error naming the file and what is wrong (HTTP
 * status, truncated or corrupt data, not IDX, dimensions or counts that disagree, a label that is
 * not a class), or with the fetch's AbortError.
 */
export async function loadTrainingSet(name, { baseUrl = BASE, onProgress, fetch: fetchFn = globalThis.fetch, signal } = {}) {
  const set = setOf(name);
  const paths = trainingSetPaths(name);
  const urls = trainingSetUrls(name, baseUrl);
  const state = { images: [0, 0], labels: [0, 0] };
  const progress = (kind) => (loaded, total) => {
    state[kind] = [loaded, total];
    if (!onProgress) return;
    const known = state.images[1] && state.labels[1];
    onProgress(state.images[0] + state.labels[0], known ? state.images[1] + state.labels[1] : 0);
  };
  const [imageBytes, labelBytes] = await Promise.all(
    ["images", "labels"].map((kind) => fetchBytes(urls[kind], paths[kind], fetchFn, signal, progress(kind))),
  );
  const images = await parseFile(imageBytes, paths.images);
  const labels = await parseFile(labelBytes, paths.labels);

  const { count, classes, channels, height, width } = set;
  const shape = `[${count}, ${height}, ${width}]`;
  if (images.dims.length !== 3 || images.dims[0] !== count || images.dims[1] !== height || images.dims[2] !== width) {
    throw new Error(`${paths.images}: images of shape [${images.dims.join(", ")}], expected ${shape}`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new Error(`${paths.labels}: labels of shape [${labels.dims.join(", ")}], expected [${count}] (one per image)`);
  }
  const bad = labels.data.findIndex((c) => c >= classes);
  if (bad >= 0) throw new Error(`${paths.labels}: label ${labels.data[bad]} of example ${bad} is not a class (0-${classes - 1})`);
  return {
    images: images.data.slice(),
    labels: labels.data.slice(),
    count,
    channels,
    height,
    width,
    classes,
    source: `${count.toLocaleString("en")} ${set.dataset} training images`,
  };
}
