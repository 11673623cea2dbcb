// Where the time goes: CPU profiles (DevTools protocol `Profiler`, one per side-by-side case, from
// console.profile in bench/js/bench.js) reduced to self time per function, split into convlens (the
// wasm built with names: bench/pkg-profiling), TF.js and the rest. Pure, so it is tested with a
// made-up profile.

/** "convlens::kernels::gemm::gemm_acc::h35cbf9adc916280a" -> "convlens::kernels::gemm::gemm_acc". */
export function cleanName(name) {
  return name.replace(/^\$/, "").replace(/::h[0-9a-f]{16}$/, "");
}

/** Which side a frame belongs to: "convlens", "TF.js" or "other". */
export function side({ functionName, url }) {
  const name = cleanName(functionName);
  if (/^(convlens|<?convlens)/.test(name) || /pkg(-profiling)?\/convlens/.test(url)) return "convlens";
  if (/vendor\/tfjs/.test(url) || /tfjs-backend-wasm/.test(url)) return "TF.js";
  // Rust library code inlined into the convlens module keeps its own path (core::, alloc::, std::, ndarray::).
  if (/^(core|alloc|std|ndarray|dlmalloc|compiler_builtins|wasm_bindgen|js_sys|serde)::|^<(core|alloc|std|ndarray)/.test(name)) return "convlens";
  return "other";
}

/**
 * Self time per function of one profile, in ms, largest first:
 * [{name, side, selfMs, share}], plus the total and each side's share.
 */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id -> microseconds
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next sample (the last one gets the profile's end).
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : Math.max(0, profile.endTime - profile.startTime - timeDeltas.reduce((a, b) => a + b, 0));
    self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const rows = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    const name = cleanName(frame.functionName) || (frame.url ? `(anonymous ${frame.url.split("/").pop()})` : "(anonymous)");
    const s = side(frame);
    const key = `${s}\u0000${name}`;
    const row = rows.get(key) ?? { name, side: s, selfMs: 0 };
    row.selfMs += us / 1000;
    rows.set(key, row);
    total += us / 1000;
  }
  const list = [...rows.values()].sort((a, b) => b.selfMs - a.selfMs);
  for (const r of list) r.share = total ? r.selfMs / total : 0;
  const sides = {};
  for (const r of list) sides[r.side] = (sides[r.side] ?? 0) + r.share;
  return { totalMs: total, sides, functions: list };
}

/** Markdown: per case, the side shares and the top `top` functions by self time. */
export function profileMarkdown(profiles, top = 8) {
  const lines = [
    "CPU profiles of each side-by-side case (DevTools protocol sampling profiler; convlens from the build with",
    "function names, `bench/pkg-profiling`). Self time per function; a case's profile covers both sides' interleaved samples.",
  ];
  for (const { title, summary } of profiles) {
    const shares = Object.entries(summary.sides).map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`).join(", ");
    lines.push("", `### ${title}`, "", `${summary.totalMs.toFixed(0)} ms sampled: ${shares}.`, "", "| side | function | self ms | share |", "|---|---|---:|---:|");
    for (const r of summary.functions.slice(0, top)) {
      lines.push(`| ${r.side} | \`${r.name.replaceAll("|", "\\|")}\` | ${r.selfMs.toFixed(1)} | ${(100 * r.share).toFixed(1)}% |`);
    }
  }
  return lines.join("\n");
}
