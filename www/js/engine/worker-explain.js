// Worker-side operations of the explaining views (activation maximization, attributions,
// activation statistics), registered into worker.js's ops (their names: EXPLAIN_OPS of ops.js):
//
//   import { explainOps } from "./worker-explain.js";
//   Object.assign(ops, explainOps({ slot: () => active }));
//
// `slot()` is the model slot of the request being handled ({explorer, summary, maximizer}): each
// slot (model id) has its own maximizer, so two elements maximizing at once don't disturb each other.
//
// Ops (args -> result; typed arrays in results are transferred):
//   maximizeStart({options})   -> {image, stepsTaken: 0, planned}   frees any previous maximizer
//   maximizeStep({steps})      -> {value, image, stepsTaken}
//   maximizeStop()             -> {stepsTaken}                       frees it
//   maximize({options})        -> {image}                            all steps at once
//   maximizeDefaults()         -> the model's default options (explorer.maximizeDefaults())
//   attribute({options, input?}) -> {map, output, ms}   runs `input` first when given (the engine
//                                  attributes the input of the last run); output = its prediction;
//                                  ms = the attribution's own time in the worker
//   statistics({inputs, count}) -> {layers: [{name, channels: [{mean, max, active, dead, top}]}]}
//   atlas({layer, options, channels?}) -> {images: Float32Array[], values: number[], channels}
//                                  maximizes every channel (or the listed ones) of a layer

import { OP } from "./ops.js";

export function explainOps(state) {
  const current = () => {
    const ex = state.slot()?.explorer;
    if (!ex) throw new Error("no model is loaded");
    return ex;
  };
  const release = () => {
    const s = state.slot();
    if (s?.maximizer) s.maximizer.free();
    if (s) s.maximizer = s.owner = null;
  };

  return {
    [OP.maximizeStart]({ options }) {
      const ex = current();
      const next = ex.maximizer(options ?? {});
      release();
      const s = state.slot();
      s.maximizer = next;
      s.owner = ex; // the explorer the maximizer was made from
      const { maximizer } = s;
      return { image: maximizer.image(), stepsTaken: maximizer.stepsTaken, planned: maximizer.stepsPlanned };
    },

    [OP.maximizeStep]({ steps = 1 } = {}) {
      const { maximizer, owner, explorer } = state.slot();
      if (!maximizer) throw new Error("no maximization is running: call maximizeStart first");
      if (owner !== explorer) {
        release();
        throw new Error("the model changed: start the maximization again");
      }
      // The value the last step measured: no extra forward pass per frame (see README).
      const value = maximizer.advance(steps);
      return { value, image: maximizer.image(), stepsTaken: maximizer.stepsTaken };
    },

    [OP.maximizeStop]() {
      const { maximizer } = state.slot();
      const stepsTaken = maximizer ? maximizer.stepsTaken : 0;
      release();
      return { stepsTaken };
    },

    [OP.maximize]({ options }) {
      return { image: current().maximize(options ?? {}) };
    },

    [OP.maximizeDefaults]() {
      return current().maximizeDefaults();
    },

    [OP.attribute]({ options, input }) {
      const ex = current();
      const output = input ? ex.run(input) : null;
      const t0 = performance.now();
      const map = ex.attribute(options ?? {});
      return { map, output, ms: performance.now() - t0 };
    },

    [OP.statistics]({ inputs, count }) {
      return current().statistics(inputs, count);
    },

    [OP.atlas]({ layer, options = {}, channels }) {
      const ex = current();
      const { summary } = state.slot();
      const info = summary?.layers?.[layer];
      if (!info) throw new Error(`layer ${layer} does not exist`);
      const list = channels ?? Array.from({ length: info.outputShape[0] }, (_, i) => i);
      const images = [];
      const values = [];
      for (const channel of list) {
        const m = ex.maximizer({ ...options, layer, channel });
        try {
          values.push(m.step(m.stepsPlanned));
          images.push(m.image());
        } finally {
          m.free();
        }
      }
      return { images, values, channels: list };
    },
  };
}
