//! Depthwise convolution: a grouped convolution with one input channel per group (`groups ==
//! in_channels`), each input channel feeding `mult = out_channels / in_channels` outputs (its
//! geometry `g` is one group's: `g.cin == 1`, `g.cout == mult`). Vectorized along output rows.
//!
//! Each input channel is copied once into a zero-padded plane whose columns are split into `sw`
//! phases: column `c` of a padded row goes to phase `c % sw` at index `c / sw` (see [`Layout`]).
//! Then, for every kernel tap, the inputs of consecutive outputs of one row are consecutive
//! floats: output `(oy, ox)` at tap `(ky, kx)` reads padded row `oy*sh + ky*dh`, phase
//! `(kx*dw) % sw`, index `ox + (kx*dw) / sw`. Every stride, padding and dilation runs the same
//! vector loop, with no border cases (the padding is real zeros).
//!
//! - forward: `acc = b + sum_t w_t * x_t` over the taps, 32 outputs (eight independent vector
//!   sums) at a time, the tap loop unrolled for 3x3 and 5x5. At stride 1 one run covers every
//!   output row at once: output `(oy, ox)` is "virtual" output `oy * pitch + ox` of the padded
//!   plane, so the 7- or 14-wide rows of late layers still make long vector runs (the virtual
//!   outputs between rows are dropped when the rows are copied out). Other strides go row by
//!   row. Optionally the rows also go through a per-channel affine map `y2 = y * scale + shift`
//!   while they are in L1 (a batchnorm fused into the convolution, see [`forward`]);
//! - input gradient: at stride 1 with one output per channel, the forward kernel on the output
//!   gradient (padded by the kernel's reach less the padding) with the flipped kernel; otherwise
//!   the transpose of the forward pass: per output row and tap, `gx_t += w_t * gy_row` (a vector
//!   axpy) into a padded, phase-split gradient plane, whose interior is then copied out;
//! - weight gradient: per tap, the dot product of the output-gradient rows with the tap's inputs.

use crate::geometry::ConvGeom;
use crate::kernels::counters::{self, Kernel};
use crate::kernels::rows::{affine, axpy, copy_vec, dot_short, sum};
use crate::kernels::scratch::{Scratch, Slot};
use crate::kernels::simd::F32x4;

/// Where each padded input cell of one channel lives in the scratch plane.
#[derive(Clone, Debug)]
struct Layout {
    sw: usize,
    /// Floats per phase of a row: enough for every padded column, and for `ow` outputs rounded
    /// up to a whole vector past the largest tap offset, so every vector a tap reads lies inside
    /// its row (a last, partial vector reads slack or the next phase: those lanes are dropped).
    phase_len: usize,
    pitch: usize,
    rows: usize,
    ph: usize,
    pw: usize,
    h: usize,
    w: usize,
    /// Index read by output (0, 0) at each tap, in `[ky][kx]` order; output row `oy` adds
    /// `oy * sh * pitch`.
    taps: Vec<usize>,
    row_step: usize,
}

impl Layout {
    fn new(g: &ConvGeom) -> Layout {
        let (hp, wp) = (g.h + 2 * g.ph, g.w + 2 * g.pw);
        let max_off = (g.kw - 1) * g.dw / g.sw;
        let phase_len = wp.div_ceil(g.sw).max(g.ow.next_multiple_of(4) + max_off);
        let pitch = g.sw * phase_len;
        let mut lay = Layout {
            sw: g.sw,
            phase_len,
            pitch,
            rows: hp,
            ph: g.ph,
            pw: g.pw,
            h: g.h,
            w: g.w,
            taps: vec![],
            row_step: 0,
        };
        lay.taps = (0..g.kh * g.kw).map(|t| lay.at((t / g.kw) * g.dh, (t % g.kw) * g.dw)).collect();
        lay.row_step = g.sh * pitch;
        lay
    }

    /// The plane, plus one row and a 32-float step of zero slack: a stride-1 run over every
    /// output row at once (see [`correlate`]) reads up to there.
    fn len(&self) -> usize {
        (self.rows + 1) * self.pitch + 32
    }

    /// Index of padded cell (row, col).
    #[inline]
    fn at(&self, row: usize, col: usize) -> usize {
        row * self.pitch + (col % self.sw) * self.phase_len + col / self.sw
    }

    /// For output row `oy`: the index read by output 0 at each tap.
    #[inline]
    fn row_taps(&self, oy: usize, offs: &mut [usize]) {
        let base = oy * self.row_step;
        offs.iter_mut().zip(&self.taps).for_each(|(o, &t)| *o = base + t);
    }

    /// The input cells of padded row `iy + ph` in phase `q`: (first index in the plane, first
    /// input column, how many), columns `ix0, ix0 + sw, ...`.
    #[inline]
    fn phase_run(&self, iy: usize, q: usize) -> (usize, usize, usize) {
        // First padded column >= pw that is congruent to q mod sw.
        let c0 = self.pw + (q + self.sw - self.pw % self.sw) % self.sw;
        let ix0 = c0 - self.pw;
        let n = if ix0 < self.w { (self.w - ix0).div_ceil(self.sw) } else { 0 };
        (self.at(iy + self.ph, c0), ix0, n)
    }

    /// Copies one input plane (`h x w`) into the interior of `buf`; the padding is untouched.
    fn fill<V: F32x4>(&self, x: &[f32], buf: &mut [f32]) {
        for (iy, row) in x[..self.h * self.w].chunks_exact(self.w).enumerate() {
            let mut done = 0;
            if self.sw == 2 {
                // Even input columns go to one phase, odd ones to the other, 8 at a time.
                let (even, odd) = (self.phase_run(iy, self.pw % 2).0, self.phase_run(iy, (self.pw + 1) % 2).0);
                while done + 8 <= self.w {
                    let (a, b) = (V::load(&row[done..]), V::load(&row[done + 4..]));
                    V::even(a, b).store(&mut buf[even + done / 2..]);
                    V::odd(a, b).store(&mut buf[odd + done / 2..]);
                    done += 8;
                }
            }
            for q in 0..self.sw {
                let (at, ix0, n) = self.phase_run(iy, q);
                let skip = if ix0 < done { (done - ix0).div_ceil(self.sw) } else { 0 }.min(n);
                let dst = &mut buf[at + skip..at + n];
                let src = &row[(ix0 + skip * self.sw).min(self.w)..];
                if self.sw == 1 {
                    copy_vec::<V>(src, dst);
                } else {
                    for (d, s) in dst.iter_mut().zip(src.iter().step_by(self.sw)) {
                        *d = *s;
                    }
                }
            }
        }
    }

    /// Copies the interior of `buf` out into one plane (`h x w`), the inverse of [`Layout::fill`].
    fn extract<V: F32x4>(&self, buf: &[f32], x: &mut [f32]) {
        for (iy, row) in x[..self.h * self.w].chunks_exact_mut(self.w).enumerate() {
            let mut done = 0;
            if self.sw == 2 {
                let (even, odd) = (self.phase_run(iy, self.pw % 2).0, self.phase_run(iy, (self.pw + 1) % 2).0);
                while done + 8 <= self.w {
                    let (e, o) = (V::load(&buf[even + done / 2..]), V::load(&buf[odd + done / 2..]));
                    V::zip_lo(e, o).store(&mut row[done..]);
                    V::zip_hi(e, o).store(&mut row[done + 4..]);
                    done += 8;
                }
            }
            for q in 0..self.sw {
                let (at, ix0, n) = self.phase_run(iy, q);
                let skip = if ix0 < done { (done - ix0).div_ceil(self.sw) } else { 0 }.min(n);
                let src = &buf[at + skip..at + n];
                let start = (ix0 + skip * self.sw).min(self.w);
                if self.sw == 1 {
                    row[start..].copy_from_slice(src);
                } else {
                    for (d, s) in row[start..].iter_mut().step_by(self.sw).zip(src) {
                        *d = *s;
                    }
                }
            }
        }
    }
}

/// `out[ox] = bias + sum_t wt[t] * buf[offs[t] + ox]` for every `ox` of `out`, four at a time;
/// a last partial vector is computed whole (its extra lanes read the plane's slack) and only
/// its first lanes are stored. Any number of taps (kernel sizes without a [`dot_row_fixed`]).
#[inline(always)]
fn dot_row<V: F32x4>(buf: &[f32], offs: &[usize], wv: &[V], bias: f32, out: &mut [f32]) {
    let n = out.len();
    let max_off = offs.iter().copied().max().unwrap_or(0);
    assert!(max_off + n.next_multiple_of(4) <= buf.len(), "depthwise: tap rows outside the padded plane");
    let base = buf.as_ptr();
    let b = V::splat(bias);
    let taps = |ox: usize| {
        let mut acc = b;
        for (w, &o) in wv.iter().zip(offs) {
            // SAFETY: `o + ox + 4 <= max_off + n.next_multiple_of(4) <= buf.len()` (asserted
            // above; `ox` is a multiple of 4 below `n`), so the 4 floats read are inside `buf`.
            acc = w.mul_add(unsafe { V::load_ptr(base.add(o + ox)) }, acc);
        }
        acc
    };
    let mut chunks = out.chunks_exact_mut(4);
    let mut ox = 0;
    for dst in &mut chunks {
        taps(ox).store(dst);
        ox += 4;
    }
    store_partial(taps(ox), chunks.into_remainder());
}

/// The first `dst.len()` (at most 4) lanes of `v` into `dst`.
#[inline(always)]
fn store_partial<V: F32x4>(v: V, dst: &mut [f32]) {
    if dst.len() == 4 {
        v.store(dst);
    } else if !dst.is_empty() {
        let lanes = v.to_array();
        dst.copy_from_slice(&lanes[..dst.len()]);
    }
}

/// `NV` consecutive output vectors starting at output `ox`: `bias + sum_t wt[t] * x_t`, the tap
/// loop outside so each weight is splat once and the `NV` sums are independent.
///
/// # Safety
/// `base + offs[t] + ox + 4 * NV` must stay inside one allocation of readable floats for every `t`.
#[inline(always)]
unsafe fn block<V: F32x4, const K: usize, const NV: usize>(
    base: *const f32,
    offs: &[usize; K],
    wt: &[f32; K],
    bias: V,
    ox: usize,
) -> [V; NV] {
    let mut acc = [bias; NV];
    for t in 0..K {
        let w = V::splat(wt[t]);
        // SAFETY: the caller guarantees `offs[t] + ox + 4 * NV` floats are readable from `base`.
        let p = unsafe { base.add(offs[t] + ox) };
        for (j, a) in acc.iter_mut().enumerate() {
            // SAFETY: `4 * j + 4 <= 4 * NV`, inside the caller's guarantee.
            *a = w.mul_add(unsafe { V::load_ptr(p.add(4 * j)) }, *a);
        }
    }
    acc
}

/// [`dot_row`] for `K` taps known at compile time (3x3: 9, 5x5: 25): the tap loop is unrolled,
/// and 32 outputs (eight independent vector sums) are computed per step, then 8, then 4.
#[inline(always)]
fn dot_row_fixed<V: F32x4, const K: usize>(buf: &[f32], offs: &[usize], wt: &[f32], bias: f32, out: &mut [f32]) {
    let offs: &[usize; K] = offs[..K].try_into().expect("K taps");
    let wt: &[f32; K] = wt[..K].try_into().expect("K taps");
    let n = out.len();
    let max_off = offs.iter().copied().max().unwrap_or(0);
    assert!(max_off + n.next_multiple_of(4) <= buf.len(), "depthwise: tap rows outside the padded plane");
    let base = buf.as_ptr();
    let b = V::splat(bias);
    let mut ox = 0;
    while ox + 32 <= n {
        // SAFETY: `offs[t] + ox + 32 <= max_off + n <= buf.len()` (asserted above).
        let acc = unsafe { block::<V, K, 8>(base, offs, wt, b, ox) };
        for (j, a) in acc.into_iter().enumerate() {
            a.store(&mut out[ox + 4 * j..ox + 4 * j + 4]);
        }
        ox += 32;
    }
    while ox + 8 <= n {
        // SAFETY: `offs[t] + ox + 8 <= max_off + n <= buf.len()` (asserted above).
        let [a0, a1] = unsafe { block::<V, K, 2>(base, offs, wt, b, ox) };
        a0.store(&mut out[ox..ox + 4]);
        a1.store(&mut out[ox + 4..ox + 8]);
        ox += 8;
    }
    while ox < n {
        // SAFETY: `offs[t] + ox + 4 <= max_off + n.next_multiple_of(4) <= buf.len()` (asserted
        // above; `ox` is a multiple of 4 below `n`): inside `buf`, maybe in the row's slack.
        let [a] = unsafe { block::<V, K, 1>(base, offs, wt, b, ox) };
        let end = (ox + 4).min(n);
        store_partial(a, &mut out[ox..end]);
        ox += 4;
    }
}

/// A per-output-channel affine map applied to the convolution's output on the fly:
/// `out[co, ..] = y[co, ..] * scale[co] + shift[co]` (an inference batchnorm).
pub struct Affine<'a> {
    pub scale: &'a [f32],
    pub shift: &'a [f32],
    pub out: &'a mut [f32],
}

/// `y = depthwise(x, w) + b`; with `affine`, also its output. Overwrites `y` (and `affine.out`).
pub fn forward<V: F32x4>(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    y: &mut [f32],
    affine: Option<Affine>,
) {
    counters::bump(if affine.is_some() { Kernel::DepthwiseForwardAffine } else { Kernel::DepthwiseForward });
    correlate::<V>(g, groups, x, w, b, y, affine)
}

/// [`forward`] without its counter (the stride-1 input gradient runs it too).
fn correlate<V: F32x4>(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    y: &mut [f32],
    mut fused: Option<Affine>,
) {
    debug_assert_eq!(g.cin, 1);
    let lay = Layout::new(g);
    let (k, plane_in, plane_out) = (g.kh * g.kw, g.h * g.w, g.oh * g.ow);
    let mut offs = vec![0usize; k];
    let mut wv = vec![V::zero(); k];
    let run = |buf: &[f32], offs: &[usize], wt: &[f32], wv: &[V], bias: f32, out: &mut [f32]| match k {
        9 => dot_row_fixed::<V, 9>(buf, offs, wt, bias, out),
        25 => dot_row_fixed::<V, 25>(buf, offs, wt, bias, out),
        _ => dot_row::<V>(buf, offs, wv, bias, out),
    };
    // Stride 1: output (oy, ox) reads plane index `oy * pitch + ox + tap offset`, so one run of
    // `(oh - 1) * pitch + ow` "virtual" outputs covers every row at once (long vector runs even
    // for 7x7 maps); the `pitch - ow` virtual outputs between rows are dropped when the rows
    // are copied out. Other strides go row by row.
    let flat = g.sh == 1 && g.sw == 1;
    let run_len = if flat { (g.oh - 1) * lay.pitch + g.ow } else { 0 };
    let (mut buf_s, mut rows_s) =
        (Scratch::zeroed(Slot::DepthwisePlane, lay.len()), Scratch::take(Slot::DepthwiseRows, run_len));
    let (buf, rows): (&mut [f32], &mut [f32]) = (&mut buf_s, &mut rows_s);
    for ci in 0..groups {
        lay.fill::<V>(&x[ci * plane_in..(ci + 1) * plane_in], buf);
        for co in ci * g.cout..(ci + 1) * g.cout {
            let wt = &w[co * k..(co + 1) * k];
            wv.iter_mut().zip(wt).for_each(|(v, &s)| *v = V::splat(s));
            let bias = b.map_or(0.0, |b| b[co]);
            let yp = &mut y[co * plane_out..(co + 1) * plane_out];
            if flat {
                lay.row_taps(0, &mut offs);
                run(buf, &offs, wt, &wv, bias, rows);
            }
            for (oy, row) in yp.chunks_exact_mut(g.ow).enumerate() {
                if flat {
                    copy_vec::<V>(&rows[oy * lay.pitch..oy * lay.pitch + g.ow], row);
                } else {
                    lay.row_taps(oy, &mut offs);
                    run(buf, &offs, wt, &wv, bias, row);
                }
                if let Some(a) = fused.as_mut() {
                    let at = co * plane_out + oy * g.ow;
                    affine::<V>(row, a.scale[co], a.shift[co], &mut a.out[at..at + g.ow]);
                }
            }
        }
    }
}

/// gx = d(sum gy*y)/dx as the forward kernel on the output gradient with the flipped kernel:
/// for stride 1 and one output per channel (MobileNet's case), `t` being that correlation's
/// geometry (the output gradient padded by `d*(k-1) - p`, output `h x w`; see
/// [`super::transposed`]). Overwrites `gx`.
pub fn backward_input_gather<V: F32x4>(t: &ConvGeom, groups: usize, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    counters::bump(Kernel::DepthwiseBackwardInput);
    let k = t.kh * t.kw;
    let flipped: Vec<f32> = w[..groups * k].chunks_exact(k).flat_map(|c| c.iter().rev().copied()).collect();
    correlate::<V>(t, groups, gy, &flipped, None, gx, None)
}

/// gx = d(sum gy*y)/dx as the transpose of the forward pass: a vector axpy per output row and
/// tap into a padded gradient plane. Overwrites `gx`.
pub fn backward_input<V: F32x4>(g: &ConvGeom, groups: usize, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    debug_assert_eq!(g.cin, 1);
    counters::bump(Kernel::DepthwiseBackwardInput);
    let lay = Layout::new(g);
    let (k, plane_in, plane_out) = (g.kh * g.kw, g.h * g.w, g.oh * g.ow);
    let mut offs = vec![0usize; k];
    let mut buf_s = Scratch::zeroed(Slot::DepthwisePlane, lay.len());
    let buf: &mut [f32] = &mut buf_s;
    for ci in 0..groups {
        if ci > 0 {
            buf.fill(0.0);
        }
        for co in ci * g.cout..(ci + 1) * g.cout {
            let wt = &w[co * k..(co + 1) * k];
            let gp = &gy[co * plane_out..(co + 1) * plane_out];
            for (oy, row) in gp.chunks_exact(g.ow).enumerate() {
                lay.row_taps(oy, &mut offs);
                for (&wk, &o) in wt.iter().zip(&offs) {
                    axpy::<V>(&mut buf[o..o + g.ow], wk, row);
                }
            }
        }
        lay.extract::<V>(buf, &mut gx[ci * plane_in..(ci + 1) * plane_in]);
    }
}

/// gw += d(sum gy*y)/dw, gb += d(sum gy*y)/db. Accumulates.
pub fn backward_weight<V: F32x4>(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    gy: &[f32],
    gw: &mut [f32],
    mut gb: Option<&mut [f32]>,
) {
    debug_assert_eq!(g.cin, 1);
    counters::bump(Kernel::DepthwiseBackwardWeight);
    let lay = Layout::new(g);
    let (k, plane_in, plane_out) = (g.kh * g.kw, g.h * g.w, g.oh * g.ow);
    let mut offs = vec![0usize; k];
    let mut acc = vec![0f32; k];
    let mut buf_s = Scratch::zeroed(Slot::DepthwisePlane, lay.len());
    let buf: &mut [f32] = &mut buf_s;
    for ci in 0..groups {
        lay.fill::<V>(&x[ci * plane_in..(ci + 1) * plane_in], buf);
        for co in ci * g.cout..(ci + 1) * g.cout {
            let gp = &gy[co * plane_out..(co + 1) * plane_out];
            acc.fill(0.0);
            for (oy, row) in gp.chunks_exact(g.ow).enumerate() {
                lay.row_taps(oy, &mut offs);
                for (a, &o) in acc.iter_mut().zip(&offs) {
                    *a += dot_short::<V>(row, &buf[o..o + g.ow]);
                }
            }
            gw[co * k..(co + 1) * k].iter_mut().zip(&acc).for_each(|(d, a)| *d += a);
            if let Some(gb) = gb.as_deref_mut() {
                gb[co] += sum::<V>(gp);
            }
        }
    }
}
