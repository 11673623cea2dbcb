// Every view's module, by its name (core/views.js). A view module exports one function,
//
//   mount(host, ctx) -> { update(ctx), close() }
//
// `host` is an empty element the view fills; `ctx` is core/controller.js context(): {engine,
// summary, modelName, input, output, activations, samples, image(), layer, channel, colormap...}.
// `update(ctx)` follows a new run or model; `close()` stops the view's work and empties the host.
// A view may return more methods (maximize: target; attribution: setTarget; playground:
// configure; maps: select, fill, wanted...). Modules load on first use.

const MODULES = {
  maps: () => import("./maps.js"),
  detail: () => import("./detail.js"),
  playground: () => import("./playground.js"),
  maximize: () => import("./maximize.js"),
  attribution: () => import("./attribution.js"),
  stats: () => import("./stats.js"),
  train: () => import("./train.js"),
};

/** The stylesheets (relative to www/) a view needs beyond the pages' own, which the explorer page
 * links when it first shows the view (they stay out of its first load). */
const STYLES = { train: ["css/train.css", "css/evaluation.css"] };

/** View `name`'s own stylesheets. */
export function viewStyles(name) {
  return STYLES[name] ?? [];
}

/** Loads view `name`'s module; rejects with an Error naming the module that failed to load. */
export async function loadView(name) {
  const load = MODULES[name];
  if (!load) throw new Error(`there is no view “${name}”`);
  try {
    return await load();
  } catch (e) {
    throw new Error(`its module (js/views/${name}.js) could not be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Loads view `name` and mounts it in `host` with `ctx`. */
export async function mountView(name, host, ctx) {
  return (await loadView(name)).mount(host, ctx);
}
