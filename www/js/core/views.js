// The views, by their one name each: the names of links (`#view=detail`), of the page's tabs and of
// the code. <convlens-explorer>'s `view` attribute documents "filters" for the detail view, which
// it accepts as an alias (and so do links); the element reports its views by its own names.

/** Every view: the feature maps, the detail of one map (its filter...), the convolution
 * playground, activation maximization, attributions, filter statistics, training. */
export const VIEWS = ["maps", "detail", "playground", "maximize", "attribution", "stats", "train"];

/** The Train view's keys in links and the element's attributes (core/train-settings.js reads
 * them; here so that the hash and attribute parsers know them without loading it). */
export const TRAIN_KEYS = ["preset", "dataset", "optimizer", "learning-rate", "batch-size", "weight-decay", "seed", "steps", "autostart", "arch"];

/** What the element's view menu calls each view. */
export const VIEW_LABELS = {
  maps: "Feature maps",
  detail: "Filter of one channel",
  playground: "Convolution playground",
  maximize: "What excites it?",
  attribution: "Attribution",
  stats: "Filter statistics",
  train: "Train",
};

/** Other names accepted for a view. */
const ALIASES = { filters: "detail" };

/** The element's names where they differ from VIEWS. */
const ELEMENT_NAMES = { detail: "filters" };

/** The view a name (or alias) stands for, or null. */
export function viewName(name) {
  const v = ALIASES[name] ?? name;
  return VIEWS.includes(v) ? v : null;
}

/** A view's name in <convlens-explorer>'s `view` attribute. */
export function elementViewName(view) {
  return ELEMENT_NAMES[view] ?? view;
}

/** The `view` attribute's documented values. */
export const ELEMENT_VIEWS = VIEWS.map(elementViewName);
