// Timing for the benchmark page: warm-up, a batch of calls calibrated to about `sampleMs`, then
// timed samples taken round-robin over several paths (so a change in machine load during the run
// hits every compared path alike). Pure: the clock and the yield are parameters, so the batching
// and median arithmetic is tested in node with a fake clock (e2e/bench-math.test.mjs).

export const DEFAULTS = Object.freeze({
  sampleMs: 10, // target duration of one timed sample (a batch of calls): the page timer resolves 0.1 ms
  samples: 50, // timed samples per path
  // Warm-up per path: windows of warmupMs / 2 (at least 2 calls each) for at least minWarmupMs,
  // then until two windows in a row are not 5 % faster per call than the best before them, at most
  // maxWarmupMs. V8 runs wasm first as baseline code and compiles hot functions again, optimized,
  // in the background: in node on this 2-core VM the digits maximization step ran ~0.35 s before
  // it settled (0.49, 0.45, 0.33, 0.23, 0.17, then 0.15 ms per step over 200-step chunks), so a
  // fixed 100 ms warm-up timed the first path of a page partly on baseline code.
  warmupMs: 100,
  minWarmupMs: 500,
  maxWarmupMs: 3000,
});

/**
 * Runs `fn(1)` until its per-call time settles (see DEFAULTS); returns the number of windows run.
 * `pause` is awaited between windows, so background compilation can land.
 */
export async function warmUp(fn, { now, pause = async () => {}, warmupMs, minWarmupMs = 0, maxWarmupMs }) {
  const start = now();
  let best = Infinity;
  let flat = 0;
  let windows = 0;
  while ((flat < 2 || now() - start < minWarmupMs) && (windows < 2 || now() - start < maxWarmupMs)) {
    const w0 = now();
    let calls = 0;
    while (calls < 2 || now() - w0 < warmupMs / 2) {
      fn(1);
      calls++;
    }
    const perCall = (now() - w0) / calls;
    windows++;
    flat = perCall < best * 0.95 ? 0 : flat + 1;
    best = Math.min(best, perCall);
    await pause();
  }
  return windows;
}

export function median(xs) {
  if (!xs.length) throw new Error("median of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Calls per sample so that one sample lasts about `sampleMs`: doubles the batch until it takes at
 * least a quarter of that, re-times it twice keeping the fastest (one disturbed timing must not
 * shrink every sample), then scales. A call longer than `sampleMs` gives a batch of 1.
 */
export function calibrate(fn, { now, sampleMs }) {
  const time = (n) => {
    const t0 = now();
    fn(n);
    return now() - t0;
  };
  let n = 1;
  let t = time(n);
  while (t < sampleMs / 4 && n < 1 << 30) {
    n *= 2;
    t = time(n);
  }
  t = Math.min(t, time(n), time(n));
  const callMs = t / n;
  // At most 64x the calls that first took sampleMs / 4: a re-timing that came out implausibly short
  // (a clock quirk, a sudden tier-up) must not make one sample last minutes.
  return Math.max(1, Math.min(64 * n, Math.round(sampleMs / Math.max(callMs, 1e-9))));
}

/**
 * Times each path `fn(n)` (n calls). Returns one summary per path: median, min, max and quartiles
 * of the per-call time over the samples, the batch size and the number of samples.
 * `options`: {now, pause, sampleMs, samples, warmupMs}; `pause` is awaited now and then so the
 * page can repaint (never inside a timed sample).
 */
export async function measure(fns, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const { now } = o;
  const pause = o.pause ?? (async () => {});
  const batches = [];
  for (const fn of fns) {
    await warmUp(fn, { ...o, pause });
    batches.push(calibrate(fn, o));
    await pause();
  }
  const perCall = fns.map(() => []);
  for (let i = 0; i < o.samples; i++) {
    fns.forEach((fn, p) => {
      const t0 = now();
      fn(batches[p]);
      perCall[p].push((now() - t0) / batches[p]);
    });
    if (i % 5 === 4) await pause();
  }
  return perCall.map((xs, p) => summarize(xs, batches[p]));
}

export function summarize(perCallMs, batch) {
  const s = [...perCallMs].sort((a, b) => a - b);
  const q = (f) => s[Math.min(s.length - 1, Math.floor(f * s.length))];
  const m = median(s);
  return { medianMs: m, minMs: s[0], q1Ms: q(0.25), q3Ms: q(0.75), maxMs: s[s.length - 1], batch, samples: s.length, sampleMs: m * batch };
}
