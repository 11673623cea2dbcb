// A draw-on input canvas: an h x w grid of values in [0, 1] (white strokes on black, like MNIST),
// shown enlarged. Mouse, touch and pen all go through pointer events.

/** The default stroke, a handwritten-looking "2" in 28 x 28 coordinates (quadratic Béziers). */
const SAMPLE_STROKES = [
  [
    [8.5, 10.5], [8.8, 5.8], [14, 5.6], // start, control, end
    [19.6, 5.4], [19.2, 10.6],
    [18.6, 14.5], [9.2, 21.6],
    [14.5, 21.9], [20.6, 21.7],
  ],
];

function clamp01(v) {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Squared distance from (px, py) to the segment (ax, ay)-(bx, by). */
function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = clamp01(t);
  const ex = px - (ax + t * dx);
  const ey = py - (ay + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

export class DrawInput {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onChange?: () => void}} options onChange is called at most once per animation
   *   frame after the drawing changed.
   */
  constructor(canvas, { onChange = () => {} } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onChange = onChange;
    this.radius = 1.25; // brush radius in input pixels
    this.erase = false;
    this.pending = false;
    this.stroke = null; // {pointerId, x, y, erase} while drawing
    this.history = []; // earlier drawings, for undo (newest last)
    this.onStroke = () => {}; // called when a stroke starts (the input is now a drawing)
    this.resize(canvas.height, canvas.width);
    this.listen();
  }

  /** Changes the grid size and its number of colour planes, 1 (grey) or 3 (RGB); clears the drawing. */
  resize(height, width, planes = 1) {
    this.history = [];
    this.height = height;
    this.width = width;
    this.planes = planes;
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.style.aspectRatio = `${width} / ${height}`; // CSSOM, allowed by the CSP
    this.values = new Float32Array(planes * height * width);
    this.image = this.ctx.createImageData(width, height);
    this.changed();
  }

  /** Remembers the current drawing so that undo() can return to it. */
  checkpoint() {
    this.history.push(this.values.slice());
    if (this.history.length > 50) this.history.shift();
  }

  get canUndo() {
    return this.history.length > 0;
  }

  /** Back to the drawing before the last stroke, clear or load. Returns false when there is none. */
  undo() {
    const prev = this.history.pop();
    if (!prev) return false;
    if (prev.length === this.values.length) this.values.set(prev);
    this.changed();
    return true;
  }

  clear() {
    this.checkpoint();
    this.values.fill(0);
    this.changed();
  }

  /** Replaces the drawing with `values` (planes * height * width numbers in [0, 1], CHW); undoable unless told. */
  load(values, { undoable = true } = {}) {
    if (undoable) this.checkpoint();
    this.values.set(values);
    this.changed();
  }

  /** Replaces the drawing with the built-in sample stroke (scaled to the grid). */
  drawSample() {
    this.values.fill(0);
    const sx = this.width / 28;
    const sy = this.height / 28;
    const radius = 1.3 * Math.min(sx, sy);
    for (const stroke of SAMPLE_STROKES) {
      let [x0, y0] = stroke[0];
      for (let i = 1; i + 1 < stroke.length; i += 2) {
        const [cx, cy] = stroke[i];
        const [x1, y1] = stroke[i + 1];
        let px = x0;
        let py = y0;
        const steps = 16;
        for (let s = 1; s <= steps; s++) {
          const t = s / steps;
          const u = 1 - t;
          const x = u * u * x0 + 2 * u * t * cx + t * t * x1;
          const y = u * u * y0 + 2 * u * t * cy + t * t * y1;
          this.segment(px * sx, py * sy, x * sx, y * sy, radius, false);
          px = x;
          py = y;
        }
        x0 = x1;
        y0 = y1;
      }
    }
    this.changed();
  }

  /** Paints (or erases) an anti-aliased round-capped line of the given radius, in grid units. */
  segment(ax, ay, bx, by, radius, erase) {
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius - 1));
    const x1 = Math.min(this.width - 1, Math.ceil(Math.max(ax, bx) + radius + 1));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius - 1));
    const y1 = Math.min(this.height - 1, Math.ceil(Math.max(ay, by) + radius + 1));
    const v = this.values;
    const n = this.height * this.width;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = segmentDistance(x + 0.5, y + 0.5, ax, ay, bx, by);
        const cover = clamp01(radius + 0.5 - d);
        if (cover <= 0) continue;
        // White ink (black when erasing), in every colour plane.
        for (let i = y * this.width + x; i < v.length; i += n) v[i] = erase ? Math.min(v[i], 1 - cover) : Math.max(v[i], cover);
      }
    }
  }

  /** The drawing as model input with `channels` channels, CHW: the planes themselves when they
   * match, else copies of the grey plane (or the RGB planes' mean for a one-channel model). */
  tensor(channels = 1) {
    if (channels === this.planes) return this.values.slice();
    const n = this.height * this.width;
    let grey = this.values;
    if (this.planes !== 1) {
      grey = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let p = 0; p < this.planes; p++) s += this.values[p * n + i];
        grey[i] = s / this.planes;
      }
    }
    const out = new Float32Array(channels * n);
    for (let c = 0; c < channels; c++) out.set(grey, c * n);
    return out;
  }

  render() {
    const data = this.image.data;
    const n = this.height * this.width;
    const [r, g, b] = this.planes === 3 ? [0, n, 2 * n] : [0, 0, 0];
    for (let i = 0; i < n; i++) {
      data[4 * i] = Math.round(this.values[r + i] * 255);
      data[4 * i + 1] = Math.round(this.values[g + i] * 255);
      data[4 * i + 2] = Math.round(this.values[b + i] * 255);
      data[4 * i + 3] = 255;
    }
    this.ctx.putImageData(this.image, 0, 0);
  }

  /** Redraws now; runs onChange on the next animation frame (coalescing bursts of changes). */
  changed() {
    this.render();
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.onChange();
    });
  }

  /** Pointer position in grid units. */
  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.width, ((e.clientY - r.top) / r.height) * this.height];
  }

  listen() {
    const c = this.canvas;
    c.addEventListener("pointerdown", (e) => {
      if (e.pointerType === "mouse" && e.button !== 0 && e.button !== 2) return;
      e.preventDefault();
      try {
        c.setPointerCapture(e.pointerId); // keep the stroke when the pointer leaves the canvas
      } catch {
        // synthetic events have no active pointer to capture
      }
      this.checkpoint();
      this.onStroke();
      const [x, y] = this.point(e);
      // Right mouse button or a pen's eraser end erase; so does the eraser toggle.
      const erase = this.erase || e.button === 2 || e.button === 5;
      this.stroke = { pointerId: e.pointerId, x, y, erase };
      this.segment(x, y, x, y, this.radius, erase);
      this.changed();
    });
    c.addEventListener("pointermove", (e) => {
      const s = this.stroke;
      if (!s || s.pointerId !== e.pointerId) return;
      const events = e.getCoalescedEvents?.() ?? [];
      for (const ev of events.length ? events : [e]) {
        const [x, y] = this.point(ev);
        this.segment(s.x, s.y, x, y, this.radius, s.erase);
        s.x = x;
        s.y = y;
      }
      this.changed();
    });
    const end = (e) => {
      if (this.stroke && this.stroke.pointerId === e.pointerId) this.stroke = null;
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("contextmenu", (e) => e.preventDefault());
  }
}
