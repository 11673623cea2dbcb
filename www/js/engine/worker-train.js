// The training ops of the engine worker (issue: the Train view), registered into worker.js's ops
// (their names: TRAIN_OPS of ops.js) once the wasm glue is up, as worker-explain.js's are:
//
//   import { trainOps } from "./worker-train.js";
//   Object.assign(ops, trainOps({ slot: () => active, api: () => wasmApi }));
//
// Each model slot may hold one trainer beside its explorer (`slot.trainer`), with its training
// data (`slot.trainData`) and held-out test data (`slot.testData`) kept in the worker, so a reset
// trains again without sending the data a second time.
//
// Ops (args -> result; typed arrays in results are transferred):
//   trainCreate({architecture | bytes, options}) -> {summary, steps}   frees any previous trainer;
//                                   sets the slot's training data on it when there is some
//   trainData({images, labels, count})   -> {count}   the training data (kept for the next trainCreate)
//   trainTestData({images, labels, count}) -> {count} the held-out test data of trainSnapshot
//   trainOptions({options})          -> {}            trainer.setOptions(options)
//   trainStep({steps})               -> {loss, accuracy, steps, epoch, ms}
//   trainSnapshot({input, layers, filterLayer, test, statistics, bytes})
//                                    -> {steps, activations: {layer: Float32Array}, filters,
//                                        test: evaluation | null, statistics | null, bytes | null}
//                                   the model as trained so far, in inference mode: the activations
//                                   of `layers` for `input`, layer `filterLayer`'s parameters, the
//                                   evaluation on the test data (`test` true), statistics over the
//                                   first `statistics` test images, the model file (`bytes` true)
//   trainEvaluate({images, labels, count}) -> the evaluation of the model as trained so far
//
// A slot's trainer is freed with the slot (worker.js unload).

import { OP } from "./ops.js";

export function trainOps(state) {
  const slot = () => state.slot();
  const trainer = () => {
    const t = slot().trainer;
    if (!t) throw new Error("no model is being trained (trainCreate first)");
    return t;
  };
  /** A copy of the trained model as an explorer, freed after `use`. */
  const withExplorer = (use) => {
    const ex = trainer().explorer();
    try {
      return use(ex);
    } finally {
      ex.free();
    }
  };
  const data = ({ images, labels, count }, what) => {
    if (!ArrayBuffer.isView(images) || !labels || !Number.isInteger(count)) {
      throw new Error(`${what} needs {images: typed array, labels, count: whole number}`);
    }
    return { images, labels, count };
  };

  return {
    [OP.trainCreate]({ architecture, bytes, options = {} }) {
      const { Trainer } = state.api();
      if (architecture === undefined && bytes === undefined) throw new Error("trainCreate needs {architecture} or {bytes}");
      const next = architecture !== undefined ? Trainer.fromArchitecture(architecture, options) : Trainer.fromBytes(bytes, options);
      const s = slot();
      try {
        if (s.trainData) next.setData(s.trainData.images, s.trainData.labels, s.trainData.count);
      } catch (e) {
        next.free();
        throw e;
      }
      s.trainer?.free();
      s.trainer = next;
      const summary = withExplorer((ex) => ex.summary());
      return { summary, steps: next.stepsTaken };
    },

    [OP.trainData](args) {
      const d = data(args, "trainData");
      const s = slot();
      // Checked against the trainer's model when there is one; kept either way for the next one.
      s.trainer?.setData(d.images, d.labels, d.count);
      s.trainData = d;
      return { count: d.count };
    },

    [OP.trainTestData](args) {
      const d = data(args, "trainTestData");
      slot().testData = d;
      return { count: d.count };
    },

    [OP.trainOptions]({ options }) {
      trainer().setOptions(options ?? {});
      return {};
    },

    [OP.trainStep]({ steps = 1 }) {
      const t0 = performance.now();
      const r = trainer().step(steps);
      return { ...r, ms: performance.now() - t0 };
    },

    [OP.trainSnapshot]({ input, layers = [], filterLayer = null, test = false, statistics = 0, bytes = false }) {
      const t = trainer();
      const testData = slot().testData;
      const wantMaps = Boolean(input && layers.length);
      const wantStats = statistics > 0 && Boolean(testData);
      // The maps and statistics need an explorer over a copy of the weights; the rest the trainer gives.
      const { activations, stats } =
        wantMaps || wantStats
          ? withExplorer((ex) => {
              const maps = {};
              if (wantMaps) {
                ex.run(input);
                for (const i of layers) maps[i] = ex.activation(i);
              }
              const count = Math.min(statistics, testData?.count ?? 0);
              const per = wantStats ? testData.images.length / testData.count : 0;
              return { activations: maps, stats: wantStats ? ex.statistics(testData.images.subarray(0, count * per), count) : null };
            })
          : { activations: {}, stats: null };
      return {
        steps: t.stepsTaken,
        activations,
        filters: filterLayer === null ? null : t.parameters(filterLayer),
        test: test && testData ? t.evaluate(testData.images, testData.labels, testData.count) : null,
        statistics: stats,
        bytes: bytes ? t.toBytes() : null,
      };
    },

    [OP.trainEvaluate](args) {
      const d = data(args, "trainEvaluate");
      return trainer().evaluate(d.images, d.labels, d.count);
    },
  };
}
