// The settings of the maximization view ("What excites this?"): one control per option of the
// engine's maximizer (steps, optimizer, image parametrization, regularizers...), starting from
// MAXIMIZE_DEFAULTS, and the steps taken per animation frame.

import { MAXIMIZE_DEFAULTS, settingsValues } from "../core/explain-math.js";
import { button, el, field, numberInput, select } from "../ui/dom.js";

export const STEPS_PER_FRAME = 2;

/**
 * The settings' controls in a <details>: `{details, settings: {option: control}, fields: {option:
 * its label}, perFrame}`; `onDefaults` is the "Defaults" button's action.
 */
export function settingsControls(onDefaults) {
  const D = settingsValues(MAXIMIZE_DEFAULTS);
  const settings = {
    steps: numberInput(D.steps, { min: 1, max: 100000, step: 1 }),
    learningRate: numberInput(D.learningRate, { min: 0, step: 0.01 }),
    optimizer: select(
      [
        ["adam", "Adam"],
        ["normalized", "normalized gradient"],
      ],
      D.optimizer,
    ),
    param: select(
      [
        ["pixel", "pixels"],
        ["fourier", "Fourier spectrum (1/f)"],
      ],
      D.param,
    ),
    decorrelate: select(
      [
        ["true", "decorrelated (ImageNet)"],
        ["false", "plain RGB"],
      ],
      D.decorrelate,
    ),
    l2: numberInput(D.l2, { min: 0, step: 0.001 }),
    tv: numberInput(D.tv, { min: 0, step: 0.001 }),
    jitter: numberInput(D.jitter, { min: 0, max: 64, step: 1 }),
    scaleMin: numberInput(D.scaleMin, { min: 0.25, max: 4, step: 0.05 }),
    scaleMax: numberInput(D.scaleMax, { min: 0.25, max: 4, step: 0.05 }),
    rotate: numberInput(D.rotate, { min: 0, max: 180, step: 1 }),
    pad: numberInput(D.pad, { min: 0, max: 256, step: 1 }),
    blurEvery: numberInput(D.blurEvery, { min: 0, step: 1 }),
    blurSigma: numberInput(D.blurSigma, { min: 0, step: 0.1 }),
    init: select(
      [
        ["noise", "noise"],
        ["zeros", "zeros"],
        ["input", "current input"],
      ],
      D.init,
    ),
    seed: numberInput(D.seed, { min: 0, step: 1 }),
  };
  const perFrame = numberInput(STEPS_PER_FRAME, { min: 1, max: 64, step: 1 });
  const labels = {
    steps: "Steps",
    learningRate: "Learning rate",
    optimizer: "Optimizer",
    param: "Image as",
    decorrelate: "Colours",
    l2: "L2 decay",
    tv: "Total variation",
    jitter: "Jitter (px)",
    scaleMin: "Scale min",
    scaleMax: "Scale max",
    rotate: "Rotate (±°)",
    pad: "Pad (px)",
    blurEvery: "Blur every (steps)",
    blurSigma: "Blur σ",
    init: "Start from",
    seed: "Seed",
  };
  const details = el("details", "cle-settings");
  details.append(el("summary", "", "Settings (regularizers)"));
  const grid = el("div", "cle-settings-grid");
  const fields = {};
  for (const [k, c] of Object.entries(settings)) grid.append((fields[k] = field(labels[k], c)));
  grid.append(field("Steps per frame", perFrame));
  details.append(grid, button("Defaults", onDefaults, "cle-small"));
  return { details, settings, fields, perFrame };
}
