// The explorer page's timings: every drawn run's {total, forward, draw} on window.convlensPerf
// (with firstMapsMs, the time from navigation to the first maps on screen, also on <body> as
// data-first-maps-ms), the status line, and window.convlensBench(n), which times n forward passes
// plus redraws (used by ./build.sh bench and the page tests).

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};
const ms = (x) => (x < 0.1 ? "< 0.1" : x.toFixed(1));

export const perf = { runs: [], firstMapsMs: null };
window.convlensPerf = perf;

/** Records a drawn run and shows it in `status` (`simd`: the engine's build). */
export function recordRun({ total, forward, draw }, status, simd) {
  perf.runs.push({ total, forward, draw });
  if (perf.runs.length > 2000) perf.runs.splice(0, 1000);
  if (perf.firstMapsMs === null) {
    perf.firstMapsMs = -1;
    // The maps reach the screen in the next frame's paint, which follows this callback.
    requestAnimationFrame(() => {
      performance.mark("convlens:first-maps");
      perf.firstMapsMs = performance.now();
      document.body.dataset.firstMapsMs = perf.firstMapsMs.toFixed(1);
    });
  }
  const recent = perf.runs.slice(-30).map((r) => r.total);
  const typical = recent.length >= 10 ? ` (median of the last ${recent.length}: ${ms(median(recent))} ms)` : "";
  status.textContent = `engine: wasm ${simd} in a worker · forward pass ${ms(forward)} ms · forward + redraw ${ms(total)} ms${typical}`;
}

/** Installs window.convlensBench(n): `runNow()` runs and draws `input` once; `runs()` counts drawn runs. */
export function installBench({ input, runNow, runs }) {
  window.convlensBench = async (n = 100) => {
    const times = [];
    const draws = [];
    const forwards = [];
    const base = input.values.slice();
    for (let i = 0; i < n; i++) {
      const v = base.slice();
      v[(i * 37) % v.length] = 1; // a different input each time
      input.values.set(v);
      const before = runs();
      const t0 = performance.now();
      await runNow();
      if (runs() > before) {
        times.push(performance.now() - t0);
        draws.push(perf.runs[perf.runs.length - 1].draw);
        forwards.push(perf.runs[perf.runs.length - 1].forward);
      }
    }
    input.values.set(base);
    input.changed();
    times.sort((a, b) => a - b);
    return {
      n: times.length,
      median: times[times.length >> 1],
      p90: times[Math.floor(times.length * 0.9)],
      min: times[0],
      max: times[times.length - 1],
      forwardMedian: median(forwards),
      drawMedian: median(draws),
    };
  };
}
