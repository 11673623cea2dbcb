// The evaluation sample of a model (the shipped 500 test images of the builtin digits and fashion
// models, or the gallery pictures fitted to the model input) and the activation statistics over
// it, computed once per model in the engine worker; used by the statistics and maximization views.

import { BASE } from "../core/base.js";
import { idxToInputs, parseIdx } from "../core/idx.js";

const SAMPLE_SIZE = 500;

/**
 * The evaluation sample for a model: the shipped 500 test images `data/<name>-test500-*.idx` for
 * the builtin digits and fashion models, otherwise the gallery samples (`samples` entries of
 * samples/index.json) fitted to the model input. Resolves to {images, count, labels, source}.
 */
export async function loadEvalSample({ name, summary, samples = [], base = BASE }) {
  const { channels, height, width } = summary.input;
  if ((name === "digits" || name === "fashion") && height === 28 && width === 28) {
    const [img, lab] = await Promise.all(
      ["images", "labels"].map(async (kind) => {
        const res = await fetch(new URL(`data/${name}-test500-${kind}.idx`, base));
        if (!res.ok) throw new Error(`could not load the ${name} test sample: HTTP ${res.status}`);
        return parseIdx(await res.arrayBuffer());
      }),
    );
    return {
      images: idxToInputs(img, channels),
      count: img.dims[0],
      labels: Array.from(lab.data),
      source: `${img.dims[0]} ${name === "digits" ? "MNIST" : "Fashion-MNIST"} test images`,
    };
  }
  const files = samples.filter((s) => s.file);
  if (!files.length) throw new Error("no evaluation sample for this model (no gallery images either)");
  const n = channels * height * width;
  const images = new Float32Array(files.length * n);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const c = canvas.getContext("2d", { willReadFrequently: true });
  let count = 0;
  for (const s of files.slice(0, SAMPLE_SIZE)) {
    try {
      const res = await fetch(new URL(`samples/${s.file}`, base));
      if (!res.ok) continue;
      const bitmap = await createImageBitmap(await res.blob());
      c.clearRect(0, 0, width, height);
      c.drawImage(bitmap, 0, 0, width, height);
      const px = c.getImageData(0, 0, width, height).data;
      const plane = height * width;
      for (let i = 0; i < plane; i++) {
        const [r, g, b] = [px[4 * i] / 255, px[4 * i + 1] / 255, px[4 * i + 2] / 255];
        if (channels === 3) {
          images[count * n + i] = r;
          images[count * n + plane + i] = g;
          images[count * n + 2 * plane + i] = b;
        } else {
          const grey = 0.299 * r + 0.587 * g + 0.114 * b;
          for (let ch = 0; ch < channels; ch++) images[count * n + ch * plane + i] = grey;
        }
      }
      count++;
    } catch {
      // an undecodable file is skipped
    }
  }
  if (!count) throw new Error("no evaluation sample for this model");
  return { images: images.subarray(0, count * n), count, labels: null, source: `${count} gallery images (no test sample ships for this model)` };
}

// ---------------------------------------------------------------- statistics (cached per model)

const CACHE = new WeakMap(); // summary -> Promise<{sample, stats}>

/** Statistics of the model `ctx.summary` over `ctx.evalSample()`, computed once per model. */
export function statisticsFor(ctx) {
  let p = CACHE.get(ctx.summary);
  if (!p) {
    p = (async () => {
      const load = ctx.evalSample ?? (() => loadEvalSample({ name: ctx.modelName, summary: ctx.summary, samples: ctx.samples ?? [] }));
      const sample = await load();
      if (!sample || !sample.count) throw new Error("no evaluation sample is available for this model");
      const t0 = performance.now();
      const stats = await ctx.engine.statistics(sample.images, sample.count);
      return { sample, stats, ms: performance.now() - t0 };
    })();
    p.catch(() => CACHE.delete(ctx.summary));
    CACHE.set(ctx.summary, p);
  }
  return p;
}

