// Data for the training benchmark page (bench/train.html): the builtin models' architectures and the
// real MNIST / Fashion-MNIST images, as the runner (e2e/bench-train.mjs) serves them beside www/:
//   ../../train-models/<name>.safetensors   the repository's models/ (only the `convlens` metadata
//                                           of the header is read: the architecture object)
//   ../../train-data/<name>/<set>-images-idx3-ubyte, -labels-idx1-ubyte   .cache/data/ as ./build.sh
//                                           fetches it (set: train, t10k)
// the page's own training sets (source "page": www/data/<name>-train12k-*.idx.gz, 12,000 images,
// 1,200 per class, through the product's www/js/core/datasets.js, as the explorer fetches them), and,
// for quick checks without the cache (source "sample"), the product's 500-image test samples
// (../../data/<name>-test500-*.idx). Pure parsing is exported for tests.

const ROOT = new URL("../../", import.meta.url);

async function fetchBytes(url, what) {
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`${what}: fetching ${url.pathname} failed: ${e.message}`, { cause: e });
  }
  if (!res.ok) throw new Error(`${what}: ${url.pathname} answered HTTP ${res.status} (the runner serves it: node e2e/bench-train.mjs)`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The `convlens` metadata of a safetensors file's header, parsed (docs/model-format.md). */
export function safetensorsArchitecture(bytes, what = "model file") {
  if (bytes.length < 8) throw new Error(`${what}: ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`${what}: header of ${n} bytes runs past the end of the file`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const meta = header.__metadata__?.convlens;
  if (typeof meta !== "string") throw new Error(`${what}: no __metadata__.convlens in its header`);
  return JSON.parse(meta);
}

/** An IDX file: {dims, data} (data a view of the bytes after the header). */
export function parseIdx(bytes, what = "IDX file") {
  if (bytes.length < 4) throw new Error(`${what}: too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const rank = magic & 0xff;
  if (magic >>> 8 !== 0x08 || rank < 1 || rank > 4) throw new Error(`${what}: not a uint8 IDX file (magic 0x${magic.toString(16)})`);
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== size) throw new Error(`${what}: ${bytes.length - offset} data bytes, the header says ${dims.join("x")}`);
  return { dims, data: bytes.subarray(offset) };
}

/** A model's architecture object (the `convlens` metadata of models/<name>.safetensors). */
export async function architecture(name) {
  const url = new URL(`train-models/${name}.safetensors`, ROOT);
  return safetensorsArchitecture(await fetchBytes(url, `${name} architecture`), url.pathname);
}

/**
 * Images (Uint8Array, count * pixels, 0-255) and labels (Uint8Array) of a set, the first `limit`
 * (all when absent). `set`: "train" or "test"; `source`: "cache" (.cache/data, 60,000 + 10,000),
 * "page" (the page's 12,000-image training sets; "train" only) or "sample" (the product's 500 test
 * images, for both sets).
 */
export async function dataset(name, set, { source = "cache", limit } = {}) {
  if (source === "page") {
    if (set !== "train") throw new Error(`${name}: the page has training sets only (source "page" with set "${set}")`);
    let datasets;
    try {
      datasets = await import("../../js/core/datasets.js");
    } catch (e) {
      throw new Error(`the page's training sets: www/js/core/datasets.js did not load (${e.message})`, { cause: e });
    }
    const t = await datasets.loadTrainingSet(name);
    const count = Math.min(t.count, limit ?? t.count);
    const pixels = t.channels * t.height * t.width;
    return { count, pixels, images: t.images.subarray(0, count * pixels), labels: t.labels.subarray(0, count), source: `${name}-train12k-*.idx.gz (${t.source})` };
  }
  const [imagesUrl, labelsUrl] = source === "sample"
    ? ["images", "labels"].map((k) => new URL(`data/${name}-test500-${k}.idx`, ROOT))
    : [["images", 3], ["labels", 1]].map(([k, r]) => new URL(`train-data/${name}/${set === "test" ? "t10k" : "train"}-${k}-idx${r}-ubyte`, ROOT));
  const images = parseIdx(await fetchBytes(imagesUrl, `${name} ${set} images`), imagesUrl.pathname);
  const labels = parseIdx(await fetchBytes(labelsUrl, `${name} ${set} labels`), labelsUrl.pathname);
  const total = labels.dims[0];
  if (images.dims[0] !== total) throw new Error(`${name} ${set}: ${images.dims[0]} images but ${total} labels`);
  const count = Math.min(total, limit ?? total);
  const pixels = images.dims.slice(1).reduce((a, b) => a * b, 1);
  return {
    count,
    pixels,
    images: images.data.subarray(0, count * pixels),
    labels: labels.data.subarray(0, count),
    source: source === "sample" ? imagesUrl.pathname.split("/").pop() : `${name}/${set === "test" ? "t10k" : "train"}-*-ubyte`,
  };
}
