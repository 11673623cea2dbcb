// <convlens-explorer view="train">: the Train view's set-up from the element's attributes (the keys
// of core/train-settings.js: preset, dataset, optimizer, learning-rate, batch-size, weight-decay,
// seed, steps, autostart, arch) and its events, `train-progress` (at least every 50 steps and at
// the end) and `train-done` (the step limit reached, or training stopped), both bubbling and
// composed, detail {steps, epoch, loss, accuracy, testAccuracy} (+ {reason} for train-done).

import { TRAIN_KEYS, parseSettings } from "../core/train-settings.js";

export { TRAIN_KEYS as TRAIN_ATTRIBUTES };

/** The element's set-up: {settings, problems}. */
export function trainSettings(element) {
  return parseSettings((key) => element.getAttribute(key));
}

/** The Train view's context in element `element` (`base`: the controller's context). */
export function trainContext(element, base, settings) {
  const emit = (type, detail) => element.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
  const progress = (p) => ({ steps: p.steps, epoch: p.epoch, loss: p.loss, accuracy: p.accuracy, testAccuracy: p.testAccuracy });
  return {
    ...base,
    settings,
    onProgress: (p) => {
      element.dataset.trainSteps = String(p.steps);
      emit("train-progress", progress(p));
    },
    onDone: (p) => emit("train-done", { ...progress(p), reason: p.reason }),
  };
}
