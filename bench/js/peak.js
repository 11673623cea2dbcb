// The WebAssembly SIMD128 arithmetic peak of this browser on this machine: a hand-built wasm loop of
// CHAINS independent f32x4 multiply-add chains (acc = acc * m + c), each link a dependent mul then
// add, or one f32x4.relaxed_madd (FMA where the CPU has it) in the relaxed variant. Bytes are built
// here, so there is no build step; e2e/bench-math.test.mjs checks the loop's result against the same
// arithmetic done with Math.fround.

export const CHAINS = 12;
export const UNROLL = 4; // links per chain per loop iteration
/** Floating-point operations per loop iteration (multiply + add per lane, 4 lanes). */
export const FLOPS_PER_ITERATION = CHAINS * UNROLL * 4 * 2;
export const M = 0.999; // acc -> c / (1 - m) = 1: values stay normal, never overflow or underflow
export const C = 0.001;
export const START = (i) => 0.01 * (i + 1);

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const f32 = (x) => [...new Uint8Array(new Float32Array([x]).buffer)];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const SIMD = (op) => [0xfd, ...uleb(op)];
const OP = {
  splat: SIMD(0x13),
  extractLane0: [...SIMD(0x1f), 0],
  add: SIMD(0xe4),
  mul: SIMD(0xe6),
  relaxedMadd: SIMD(0x105),
};
const get = (i) => [0x20, ...uleb(i)];
const set = (i) => [0x21, ...uleb(i)];

/**
 * A module exporting `peak(iterations: i32) -> f32` (the sum of the chains' lane 0, so the work
 * cannot be dropped). `relaxed`: one f32x4.relaxed_madd per link instead of f32x4.mul + f32x4.add.
 */
export function peakModuleBytes({ relaxed = false } = {}) {
  const acc = (i) => 1 + i; // local 0 is the iteration count
  const m = 1 + CHAINS;
  const c = 2 + CHAINS;
  const body = [0x01, CHAINS + 2, 0x7b]; // locals: CHAINS + 2 of type v128
  body.push(0x43, ...f32(M), ...OP.splat, ...set(m));
  body.push(0x43, ...f32(C), ...OP.splat, ...set(c));
  for (let i = 0; i < CHAINS; i++) body.push(0x43, ...f32(START(i)), ...OP.splat, ...set(acc(i)));
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop
  body.push(...get(0), 0x45, 0x0d, 0x01); // if iterations == 0: break
  for (let u = 0; u < UNROLL; u++) {
    for (let i = 0; i < CHAINS; i++) {
      if (relaxed) body.push(...get(acc(i)), ...get(m), ...get(c), ...OP.relaxedMadd, ...set(acc(i)));
      else body.push(...get(acc(i)), ...get(m), ...OP.mul, ...get(c), ...OP.add, ...set(acc(i)));
    }
  }
  body.push(...get(0), 0x41, 0x01, 0x6b, ...set(0), 0x0c, 0x00); // iterations -= 1; continue
  body.push(0x0b, 0x0b); // end loop, end block
  body.push(...get(acc(0)));
  for (let i = 1; i < CHAINS; i++) body.push(...get(acc(i)), ...OP.add);
  body.push(...OP.extractLane0, 0x0b);
  const name = [..."peak"].map((ch) => ch.charCodeAt(0));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // type: (i32) -> f32
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, name.length, ...name, 0x00, 0]), // export "peak" = function 0
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** Whether this engine accepts the module (relaxed SIMD is checked by validating its module). */
export function supported(options) {
  return WebAssembly.validate(peakModuleBytes(options));
}

/** `peak(iterations)` of a fresh instance. */
export async function peakFunction(options) {
  const { instance } = await WebAssembly.instantiate(peakModuleBytes(options));
  return instance.exports.peak;
}

/** The value `peak(iterations)` returns, computed with Math.fround (unfused mul then add). */
export function expectedPeak(iterations) {
  const fr = Math.fround;
  const [m, c] = [fr(M), fr(C)];
  let sum = 0;
  for (let i = 0; i < CHAINS; i++) {
    let a = fr(START(i));
    for (let k = 0; k < iterations * UNROLL; k++) a = fr(fr(a * m) + c);
    sum = i === 0 ? a : fr(sum + a);
  }
  return sum;
}
