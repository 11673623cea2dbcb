// Tabbed views: one tab button and one panel per view. A view with `mount` is built the first
// time it is shown (its module loads lazily then); the others are plain panels. The left and right
// arrow keys move between tabs (wrapping around), Home and End to the first and the last, as the
// WAI-ARIA tabs pattern asks.

export class Tabs {
  /**
   * @param views [{name, tab: HTMLElement, panel: HTMLElement, mount?: () => Promise<handle>}]
   * @param onSelect called with the view name when the user picks a tab
   */
  constructor(views, onSelect) {
    this.views = views;
    this.handles = new Map(); // name -> mounted handle (or a promise while mounting)
    views.forEach((v, i) => {
      v.tab.addEventListener("click", () => onSelect(v.name));
      v.tab.addEventListener("keydown", (e) => {
        const n = views.length;
        const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 }[e.key];
        if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
        e.preventDefault();
        const next = views[to];
        next.tab.focus();
        onSelect(next.name);
      });
    });
  }

  /** Shows view `name` (any unknown name shows the first view); mounts it when needed. */
  show(name) {
    const current = this.views.find((v) => v.name === name) ?? this.views[0];
    for (const v of this.views) {
      const on = v === current;
      v.panel.hidden = !on;
      v.tab.setAttribute("aria-selected", String(on));
      v.tab.tabIndex = on ? 0 : -1;
    }
    return this.mount(current);
  }

  async mount(v) {
    if (!v.mount) return null;
    if (!this.handles.has(v.name)) {
      const pending = v.mount().catch((e) => {
        this.handles.delete(v.name);
        throw e;
      });
      this.handles.set(v.name, pending);
      this.handles.set(v.name, await pending);
    }
    return this.handles.get(v.name);
  }

  /** The handle of a mounted view, or null. */
  handle(name) {
    const h = this.handles.get(name);
    return h && !(h instanceof Promise) ? h : null;
  }

  /** Calls `fn(handle, name)` for every mounted view. */
  forEachMounted(fn) {
    for (const [name, h] of this.handles) if (!(h instanceof Promise)) fn(h, name);
  }
}
