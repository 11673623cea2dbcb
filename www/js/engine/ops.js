// The engine worker's operations: the one list of their names, imported by the worker
// (worker.js, worker-explain.js, worker-train.js), which handles each, and by the client (client.js), which has
// one method per operation. A message to the worker is {id, op, args} with `op` one of these.

export const OP = Object.freeze({
  // worker.js
  init: "init",
  load: "load",
  unload: "unload",
  run: "run",
  activations: "activations",
  parameters: "parameters",
  evaluate: "evaluate",
  convolve: "convolve",
  outputSize: "outputSize",
  // worker-explain.js
  maximizeStart: "maximizeStart",
  maximizeStep: "maximizeStep",
  maximizeStop: "maximizeStop",
  maximize: "maximize",
  maximizeDefaults: "maximizeDefaults",
  attribute: "attribute",
  statistics: "statistics",
  atlas: "atlas",
  // worker-train.js
  trainCreate: "trainCreate",
  trainData: "trainData",
  trainTestData: "trainTestData",
  trainOptions: "trainOptions",
  trainStep: "trainStep",
  trainSnapshot: "trainSnapshot",
  trainEvaluate: "trainEvaluate",
});

/** The operations handled by worker-explain.js (loaded by the worker after the wasm glue). */
export const EXPLAIN_OPS = Object.freeze([OP.maximizeStart, OP.maximizeStep, OP.maximizeStop, OP.maximize, OP.maximizeDefaults, OP.attribute, OP.statistics, OP.atlas]);

/** The operations handled by worker-train.js (loaded by the worker once the wasm is up). */
export const TRAIN_OPS = Object.freeze([
  OP.trainCreate,
  OP.trainData,
  OP.trainTestData,
  OP.trainOptions,
  OP.trainStep,
  OP.trainSnapshot,
  OP.trainEvaluate,
]);

/** Operations that use no model slot (the others work on the slot `args.model` names). */
export const SLOTLESS = Object.freeze([OP.init, OP.convolve, OP.outputSize]);
