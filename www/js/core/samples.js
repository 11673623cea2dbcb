// The sample gallery's index (samples/index.json: [{file, title, kind, ...}]): ids and the sample a
// model opens with. Shared by boot.js (which fetches that sample early) and app.js.

/** A sample's id: its file name without the extension. */
export const sampleId = (s) => s.file.replace(/\.[^.]+$/, "");

const FIRST_SAMPLE = { mnist: "digit-2", fashion: "fashion-ankle-boot" };

/** The sample a model opens with, by its input mode (preprocess.js modeFor), or null. */
export function defaultSample(mode, samples) {
  const id = FIRST_SAMPLE[mode] ?? "cat";
  return samples.some((s) => sampleId(s) === id) ? id : null;
}
