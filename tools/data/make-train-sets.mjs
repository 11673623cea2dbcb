// The training sets the page fetches when training starts: for each builtin dataset, 12,000 images
// of the official 60,000-image training set, 1,200 per class, as gzipped IDX files
//
//   <out>/<name>-train12k-images.idx.gz   IDX u8 [12000, 28, 28] (the format of <name>-test500-*.idx)
//   <out>/<name>-train12k-labels.idx.gz   IDX u8 [12000]
//
// Selection: the first 1,200 images of each class in the training file's order. Order: interleaved
// by class, example i being the (floor(i / 10) + 1)-th image of class i % 10, so that every run of
// ten examples holds one of each class (any prefix of 10k examples is balanced too). gzip level 9,
// header mtime 0 and no file name: the same bytes on every run (with the same node's zlib).
//
// Usage: node tools/data/make-train-sets.mjs --src .cache/data --out www/data [digits] [fashion]
// (./build.sh build runs it through train_data, after fetch_digits / fetch_fashion put the
// official files in .cache/data/<name>/). Files are written to a temporary name, then renamed.

import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

export const CLASSES = 10;
export const PER_CLASS = 1200;
export const COUNT = CLASSES * PER_CLASS;
const HEIGHT = 28;
const WIDTH = 28;

/** The header fields of an IDX u8 file (magic 0x0000 08 <rank>), checked against `rank`. */
function idxHeader(bytes, rank, file) {
  if (bytes.length < 4 + 4 * rank || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || bytes[3] !== rank) {
    throw new Error(`${file}: not an IDX file of unsigned bytes with ${rank} dimensions`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const start = 4 + 4 * rank;
  const n = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== start + n) throw new Error(`${file}: ${bytes.length - start} data bytes, the header says ${n}`);
  return { dims, data: bytes.subarray(start) };
}

/** An IDX u8 file: header for `dims`, then `data`. */
function idxFile(dims, data) {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 0x08, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * The indices into the training file of the selected examples, in the order they are written:
 * the first PER_CLASS of each class in file order, interleaved by class.
 */
export function selectIndices(labels) {
  const byClass = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c >= CLASSES) throw new Error(`label ${c} of training example ${i} is not below ${CLASSES}`);
    if (byClass[c].length < PER_CLASS) byClass[c].push(i);
  }
  byClass.forEach((list, c) => {
    if (list.length < PER_CLASS) throw new Error(`class ${c} has ${list.length} training examples, under ${PER_CLASS}`);
  });
  const order = new Uint32Array(COUNT);
  for (let k = 0; k < PER_CLASS; k++) for (let c = 0; c < CLASSES; c++) order[k * CLASSES + c] = byClass[c][k];
  return order;
}

/** gzip with a fixed header (mtime 0, no name): identical bytes for identical input. */
function gzip(bytes, file) {
  const gz = gzipSync(bytes, { level: 9 });
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[3] !== 0 || gz.readUInt32LE(4) !== 0) {
    throw new Error(`${file}: zlib wrote a gzip header with flags or an mtime`);
  }
  return gz;
}

/** Reads <src>/<name>/train-*-ubyte and returns {images, labels}: the two gzipped IDX files. */
export async function makeTrainSet(src, name) {
  const imagesFile = path.join(src, name, "train-images-idx3-ubyte");
  const labelsFile = path.join(src, name, "train-labels-idx1-ubyte");
  const images = idxHeader(new Uint8Array(await readFile(imagesFile)), 3, imagesFile);
  const labels = idxHeader(new Uint8Array(await readFile(labelsFile)), 1, labelsFile);
  const [n, h, w] = images.dims;
  if (h !== HEIGHT || w !== WIDTH) throw new Error(`${imagesFile}: images of ${h}x${w}, not ${HEIGHT}x${WIDTH}`);
  if (labels.dims[0] !== n) throw new Error(`${labelsFile}: ${labels.dims[0]} labels for ${n} images`);
  const order = selectIndices(labels.data);
  const plane = h * w;
  const outImages = new Uint8Array(COUNT * plane);
  const outLabels = new Uint8Array(COUNT);
  order.forEach((j, i) => {
    outImages.set(images.data.subarray(j * plane, (j + 1) * plane), i * plane);
    outLabels[i] = labels.data[j];
  });
  return {
    images: gzip(idxFile([COUNT, h, w], outImages), `${name} images`),
    labels: gzip(idxFile([COUNT], outLabels), `${name} labels`),
  };
}

async function main(args) {
  const opt = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
  const src = opt("--src", ".cache/data");
  const out = opt("--out", "www/data");
  const names = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  for (const name of names.length ? names : ["digits", "fashion"]) {
    if (name !== "digits" && name !== "fashion") throw new Error(`unknown dataset '${name}' (digits|fashion)`);
    const files = await makeTrainSet(src, name);
    for (const kind of ["images", "labels"]) {
      const file = path.join(out, `${name}-train12k-${kind}.idx.gz`);
      await writeFile(`${file}.tmp`, files[kind]);
      await rename(`${file}.tmp`, file);
      console.log(`${file}: ${files[kind].length} bytes`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`make-train-sets: ${e.message}`);
    process.exit(1);
  });
}
