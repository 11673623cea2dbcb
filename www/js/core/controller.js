// The one core of both front ends (the explorer page, page/app.js, and the <convlens-explorer>
// element, element/explorer.js): the model shown, the picture the input was made from, the runs
// of the model on the input, the layers a run must bring back, the context every view is mounted
// and updated with, and what the network says. It touches no DOM itself: the input is a DrawInput
// (ui/input.js) used through its values and methods, the engine a client (engine/client.js).
//
//   const c = new Controller({ input });
//   c.engine = engine;                          // Engine.shared().engine, or one model slot of it
//   await c.load("digits", { builtin: "digits" });   // or adopt(name, summary) for a loaded one
//   c.usePicture(pic, "Digit 7");               // -> input.load(...) -> the input's onChange
//   const r = await c.run({ layers: c.layersToRun({ shown, detail }) });   // null when stale
//   view.update(c.context({ layer, channel }));
//   c.prediction                                // {index, label, probability} or null

import { inputLayerIndex, isLarge } from "./graph.js";
import { predictionOf } from "./prediction.js";
import { modeFor, pictureToInput } from "./preprocess.js";
import { RunLayers } from "./run-layers.js";

const sameValues = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

export class Controller {
  /** `input`: the DrawInput the model reads. */
  constructor({ input }) {
    this.input = input;
    this.engine = null;
    this.name = null; // the model shown: a builtin name, a catalog id, "file:<name>", a URL...
    this.summary = null;
    this.gen = 0; // bumped on every model change, so runs of an older model are dropped
    this.source = null; // {grey, rgb, width, height, label}: the picture the input was made from
    this.samples = []; // samples/index.json
    this.activations = null; // the last run's, completed on demand for large models (runLayers)
    this.output = null;
    this.lastInput = null;
    this.runs = 0;
    /** The last run's activations, completed on demand for large models. */
    this.runLayers = new RunLayers();
  }

  // ------------------------------------------------ the model

  /** Loads `source` ({builtin: name} or {bytes}) into the engine as model `name` and shows it;
   * rejects, keeping the model shown, when the engine refuses it. Resolves to its summary. */
  async load(name, source) {
    const summary = await this.engine.load(source);
    this.adopt(name, summary);
    return summary;
  }

  /** Makes `summary` (of a model the engine has loaded) the model shown, named `name`. */
  adopt(name, summary) {
    this.gen += 1;
    this.name = name;
    this.summary = summary;
    // Nothing of the previous model's last run may reach a view of this one.
    this.activations = this.output = this.lastInput = null;
    this.runLayers.reset();
    const { channels, height, width } = summary.input;
    // Colour models see RGB pictures; every other model a grey grid (copied to each channel).
    const planes = channels === 3 ? 3 : 1;
    const input = this.input;
    if (input.height !== height || input.width !== width || input.planes !== planes) input.resize(height, width, planes);
  }

  /** How pictures are fitted for the model shown (preprocess.js modeFor). */
  get mode() {
    return this.summary ? modeFor(this.name, this.summary) : "mnist";
  }

  // ------------------------------------------------ pictures

  /**
   * Makes picture `pic` ({grey, rgb, width, height}) the input, converted for the model shown
   * (preprocess.js pictureToInput: `invert` defaults to the picture's own background, `shift`
   * moves it); `undoable: false` for a stream of pictures (the live webcam).
   */
  usePicture(pic, label, { invert, shift, undoable = true } = {}) {
    this.source = { ...pic, label };
    this.convertSource({ invert, shift, undoable });
  }

  /** Converts the picture source again (a new model, the invert switch). */
  convertSource({ invert, shift, undoable = true } = {}) {
    const { source, summary, input } = this;
    if (!source || !summary) return;
    const { height, width } = summary.input;
    input.load(pictureToInput(source, { planes: input.planes, height, width, mode: this.mode, invert, shift }), { undoable });
  }

  /** The input is a drawing again. */
  dropSource() {
    this.source = null;
  }

  // ------------------------------------------------ runs

  /**
   * The layers a run must bring back: undefined (every layer) for a model that is not large; for a
   * large one (graph.js isLarge) the layers `shown` (the maps' on or near the screen) and the
   * `detail` view's layer with the one it reads.
   */
  layersToRun({ shown = [], detail = null } = {}) {
    const { summary } = this;
    if (!summary || !isLarge(summary)) return undefined;
    const layers = new Set(shown ?? []);
    if (detail !== null && detail !== undefined) layers.add(detail).add(inputLayerIndex(summary, detail));
    return [...layers].filter((i) => i >= 0).sort((a, b) => a - b);
  }

  /**
   * Runs the model on the input (the engine keeps only the newest of overlapping runs).
   * Resolves to the engine's result ({output, activations, ms, run}), or null when it is stale (a
   * newer input or model came meanwhile) or, with `skipSame`, when the input did not change.
   * Rejects when the run of the model still shown failed.
   */
  async run({ layers, skipSame = false } = {}) {
    const { engine, summary, input } = this;
    if (!engine || !summary) return null;
    const gen = this.gen;
    const tensor = input.tensor(summary.input.channels);
    if (skipSame && this.lastInput && sameValues(tensor, this.lastInput)) return null;
    let r;
    try {
      r = await engine.runLatest(tensor, { layers });
    } catch (e) {
      if (gen === this.gen) throw e;
      return null;
    } finally {
      this.runLayers.release(); // fetches waiting for a run that was dropped try again
    }
    if (!r || gen !== this.gen) return null;
    this.runLayers.landed(r);
    this.activations = r.activations;
    this.output = r.output;
    this.lastInput = tensor;
    this.runs += 1;
    return r;
  }

  /**
   * Fetches `layers` missing from the last run of a large model (its run brought only some) into
   * `activations`; resolves to the fetched `{index: Float32Array}`.
   */
  fetchLayers(layers) {
    return this.runLayers.fetch(this.engine, layers);
  }

  /** What the network says for the last run: {index, label, probability} or null. */
  get prediction() {
    return predictionOf(this.summary, this.output);
  }

  // ------------------------------------------------ the views' context

  /**
   * The context every view is mounted and updated with (views/registry.js): the engine, the
   * model, the last run's input, output and activations, the samples, the input as a grey image
   * (the playground), plus `extra` (layer, channel, colormap...).
   */
  context(extra = {}) {
    const { summary, input } = this;
    const { channels, height, width } = summary.input;
    return {
      engine: this.engine,
      summary,
      modelName: this.name,
      input: { data: this.lastInput ?? input.tensor(channels), channels, height, width },
      output: this.output,
      activations: this.activations,
      samples: this.samples,
      image: () => ({ data: input.tensor(1), height: input.height, width: input.width }),
      ...extra,
    };
  }
}
