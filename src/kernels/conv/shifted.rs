//! Convolution as a GEMM over *shifted views* of a padded, phase-split copy of the input: no
//! im2col matrix is ever built.
//!
//! # The layout
//!
//! The input is copied once into `planes`: per input channel `ci` and stride phase
//! `(py, px)` (`0..sh`, `0..sw`) one plane of `hq x wq` cells holding
//! `xpad[i*sh + py][j*sw + px]`, where `xpad` is the zero-padded input
//! (`hq = ceil((h + 2ph) / sh)`, `wq = ceil((w + 2pw) / sw)`). The tap `(ci, ky, kx)` of output
//! `(oy, ox)` reads `xpad[oy*sh + ky*dh][ox*sw + kx*dw]`, which is cell
//! `(oy + ky*dh / sh, ox + kx*dw / sw)` of phase `(ky*dh % sh, kx*dw % sw)`. So with *virtual*
//! output columns `j = oy*wq + ox` (`ox` in `0..wq`, of which only `ox < ow` are real outputs),
//! the GEMM operand `B[tap][j]` is `planes[off[tap] + j]`: every row of B is a contiguous slice
//! of `planes` at a per-tap offset. Any stride and dilation reduce to this form.
//!
//! The virtual columns `ox >= ow` are wasted work: `(wq - ow) / wq` of the total. With stride 1
//! across, the right padding of a row is the left padding of the next (both zero), so the row
//! pitch is `w + pw`, not `w + 2pw`: 1/29 wasted for 28x28 3x3 pad 1, 2/16 for 14x14 5x5 pad 2,
//! 1/113 for 112x112 3x3 pad 1.
//!
//! # The GEMM
//!
//! `Y[m x P] = A[m x K] * B[K x Pv]` (+ bias), with A packed once per call into row panels
//! (heights [`MR`], then 2, 1 for the remainder: no padded rows), and for each panel of
//! [`NR`] virtual columns B packed from the shifted views (two vector copies per tap), then every
//! A panel against it with the register-tiled micro-kernel [`tile_rx8`]. The tile is written straight
//! into the output (bias added), dropping virtual columns: no fill pass, no col2im. Where it
//! costs at most 7 % more panels ([`row_panels`]), the panels run within output rows instead
//! (the last one of a row moved left to end at the row's end): no virtual columns are computed
//! and every tile is stored with vector stores, none lane by lane.
//!
//! Forward: A = W (`[cout, cin*kh*kw]`). Backward input with stride 1 is the forward convolution
//! of `gy` with the flipped, transposed weights and padding `d*(k-1) - p` (when that is >= 0):
//! A[ci][(co, ky, kx)] = W[co][ci][kh-1-ky][kw-1-kx], packed straight from W.

use crate::geometry::ConvGeom;
use crate::kernels::counters::{self, Kernel};
use crate::kernels::gemm::{gemm_bias, MatRef};
use crate::kernels::rows::{copy_vec, sum};
use crate::kernels::scratch::{Scratch, Slot};
use crate::kernels::simd::F32x4;

/// Rows of the main micro-tile (one broadcast A value per row and tap).
pub const MR: usize = 4;
/// Columns of the micro-tile (two 4-lane vectors of B per tap).
pub const NR: usize = 8;
/// Columns of the single-row tile (eight 4-lane vectors of B per tap), see [`row_1x32_in_place`].
pub const NR1: usize = 32;

/// Height of the next A row panel when `left` rows remain.
#[inline]
fn panel_rows(left: usize) -> usize {
    if left >= MR {
        MR
    } else if left >= 2 {
        2
    } else {
        1
    }
}

/// The padded, phase-split copy of `x` (see the module docs), each tap's offset into it, and
/// `wq`. The planes are long enough for every `off + Pv` read, where `Pv = oh*wq`
/// rounded up to [`NR1`].
fn prepare<V: F32x4>(g: &ConvGeom, x: &[f32]) -> (Scratch, Scratch<usize>, usize) {
    let (sh, sw) = (g.sh, g.sw);
    // With stride 1 across, a row's right padding can share the next row's left padding (both
    // zero): pitch w + pw instead of w + 2pw, fewer wasted virtual columns (valid while every
    // real output still fits in a row: pw <= dw*(kw-1)).
    let wq = if sw == 1 && g.pw <= g.dw * (g.kw - 1) { g.w + g.pw } else { (g.w + 2 * g.pw).div_ceil(sw) };
    let hq = (g.h + 2 * g.ph).div_ceil(sh);
    let plane = hq * wq;
    let mut offs = Scratch::<usize>::take(Slot::ShiftedOffsets, g.cin * g.kh * g.kw);
    let mut taps = offs.iter_mut();
    for ci in 0..g.cin {
        for ky in 0..g.kh {
            let ty = ky * g.dh;
            for kx in 0..g.kw {
                let tx = kx * g.dw;
                let base = ((ci * sh + ty % sh) * sw + tx % sw) * plane;
                *taps.next().expect("one offset per tap") = base + (ty / sh) * wq + tx / sw;
            }
        }
    }
    let pv = (g.oh * wq).next_multiple_of(NR1);
    let len = (g.cin * sh * sw * plane).max(offs.iter().max().map_or(0, |&o| o + pv));
    let mut planes_buf = Scratch::zeroed(Slot::ShiftedPlanes, len);
    let planes: &mut [f32] = &mut planes_buf;
    // (max(1): an empty input, possible with padding, has no rows and leaves the planes zero.)
    for (ci, xc) in x[..g.cin * g.h * g.w].chunks_exact((g.h * g.w).max(1)).enumerate() {
        // Padded row r + ph is row i of phase py, tracked without two run-time divisions per
        // row (1.00-1.04x on small convolutions in node, interleaved).
        let (mut py, mut i) = (g.ph % sh, g.ph / sh);
        for src in xc.chunks_exact(g.w) {
            if sw == 1 {
                let d = (ci * sh + py) * plane + i * wq + g.pw;
                copy_vec::<V>(src, &mut planes[d..d + g.w]);
            } else if sw == 2 {
                // Even source columns go to one phase, odd ones to the other, eight at a time:
                // column c lands in phase (c + pw) % 2 at index (c + pw) / 2.
                let base = |c0: usize| ((ci * sh + py) * 2 + (c0 + g.pw) % 2) * plane + i * wq + (c0 + g.pw) / 2;
                // Columns c0..c0+8: the even ones from base(c0) on, the odd ones from base(c0 + 1).
                let mut done = 0;
                while done + 8 <= g.w {
                    deinterleave8::<V>(&src[done..done + 8], planes, base(done), base(done + 1));
                    done += 8;
                }
                if done < g.w && g.w >= 8 {
                    // The last 1-7 columns: the row's last eight again (the same values rewritten).
                    let c0 = g.w - 8;
                    deinterleave8::<V>(&src[c0..], planes, base(c0), base(c0 + 1));
                    done = g.w;
                }
                let (d0, d1) = (base(0), base(1));
                for c in done..g.w {
                    planes[if c % 2 == 0 { d0 } else { d1 } + c / 2] = src[c];
                }
            } else {
                // Column c lands in phase (c + pw) % sw at (c + pw) / sw: per phase, a strided run.
                for px in 0..sw {
                    let c0 = (px + sw - g.pw % sw) % sw;
                    if c0 < g.w {
                        let d = ((ci * sh + py) * sw + px) * plane + i * wq + (c0 + g.pw) / sw;
                        for (dst, &v) in planes[d..].iter_mut().zip(src[c0..].iter().step_by(sw)) {
                            *dst = v;
                        }
                    }
                }
            }
            py += 1;
            if py == sh {
                (py, i) = (0, i + 1);
            }
        }
    }
    (planes_buf, offs, wq)
}

/// `src[0..8]`'s even elements into `planes[e..e + 4]`, its odd ones into `planes[o..o + 4]`.
/// A function, not a closure, so that it is always inlined: the wasm build keeps such a closure
/// out of line (a call, and its captures reloaded, per eight columns), which costs a stride-2
/// convolution 15-40 % in Chromium (relaxed build, interleaved).
#[inline(always)]
fn deinterleave8<V: F32x4>(src: &[f32], planes: &mut [f32], e: usize, o: usize) {
    let (a, b) = (V::load(&src[..4]), V::load(&src[4..8]));
    V::even(a, b).store(&mut planes[e..e + 4]);
    V::odd(a, b).store(&mut planes[o..o + 4]);
}

/// Packs the row-major `m x k` matrix `w` into row panels of heights [`panel_rows`]: a panel of
/// height `r` holds, for each `p`, the `r` values of its rows (interleaved row slices, no
/// per-element index arithmetic).
fn pack_a(m: usize, k: usize, w: &[f32]) -> Scratch {
    let mut pa_buf = Scratch::take(Slot::ShiftedA, m * k);
    let pa: &mut [f32] = &mut pa_buf;
    let mut i0 = 0;
    while i0 < m {
        let r = panel_rows(m - i0);
        let dst = &mut pa[i0 * k..(i0 + r) * k];
        let row = |i: usize| &w[(i0 + i) * k..(i0 + i + 1) * k];
        match r {
            MR => {
                let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
                for ((((d, &a), &b), &c), &e) in dst.chunks_exact_mut(MR).zip(r0).zip(r1).zip(r2).zip(r3) {
                    d.copy_from_slice(&[a, b, c, e]);
                }
            }
            2 => {
                for ((d, &a), &b) in dst.chunks_exact_mut(2).zip(row(0)).zip(row(1)) {
                    d.copy_from_slice(&[a, b]);
                }
            }
            _ => dst.copy_from_slice(row(0)),
        }
        i0 += r;
    }
    pa_buf
}

/// The `R x 8` micro-kernel: `sum_p a[p*R + i] * b[p*8 + j]`, row `i` in two 4-lane
/// accumulators. `a` is a packed `k x R` panel, `b` a packed `k x 8` panel.
#[inline(always)]
fn tile_rx8<V: F32x4, const R: usize>(a: &[f32], b: &[f32]) -> [[V; 2]; R] {
    let mut acc = [[V::zero(); 2]; R];
    for (ap, bp) in a.chunks_exact(R).zip(b.chunks_exact(NR)) {
        let b0 = V::load(&bp[..4]);
        let b1 = V::load(&bp[4..]);
        for r in 0..R {
            let av = V::load_splat(&ap[r]);
            acc[r][0] = av.mul_add(b0, acc[r][0]);
            acc[r][1] = av.mul_add(b1, acc[r][1]);
        }
    }
    acc
}

/// [`tile_rx8`] with B read straight from the shifted views (`planes[off + j0..][..8]` for each
/// tap's `off`) instead of a packed panel: for up to four row panels, where packing B is not
/// worth it.
///
/// # Safety
/// `off + j0 + NR <= planes.len()` for every `off` in `offs`.
#[inline(always)]
unsafe fn tile_rx8_in_place<V: F32x4, const R: usize>(
    a: &[f32],
    planes: &[f32],
    offs: &[usize],
    j0: usize,
) -> [[V; 2]; R] {
    let mut acc = [[V::zero(); 2]; R];
    let base = planes.as_ptr();
    for (ap, &o) in a.chunks_exact(R).zip(offs) {
        // SAFETY: the caller guarantees `o + j0 + 8 <= planes.len()`.
        let (b0, b1) = unsafe {
            let p = base.add(o + j0);
            (V::load_ptr(p), V::load_ptr(p.add(4)))
        };
        for r in 0..R {
            let av = V::load_splat(&ap[r]);
            acc[r][0] = av.mul_add(b0, acc[r][0]);
            acc[r][1] = av.mul_add(b1, acc[r][1]);
        }
    }
    acc
}

/// The one-row GEMM (`m == 1`, e.g. the input gradient of a 1-channel first layer) into the
/// virtual output row `yv` (`oh*wq` rounded up to [`NR1`]): with a single row there is nothing
/// to reuse B for, so the tile is 1 x 32 (eight accumulators per broadcast weight) and B is read
/// in place.
fn row_1x32_in_place<V: F32x4>(a: &[f32], planes: &[f32], offs: &[usize], yv: &mut [f32]) {
    let max_off = offs.iter().copied().max().unwrap_or(0);
    assert!(yv.len().is_multiple_of(NR1) && max_off + yv.len() <= planes.len(), "shifted conv: planes too short");
    let base = planes.as_ptr();
    for (j0, out) in yv.chunks_exact_mut(NR1).enumerate().map(|(q, o)| (q * NR1, o)) {
        let mut acc = [V::zero(); NR1 / 4];
        for (wv, &o) in a.iter().zip(offs) {
            let wv = V::splat(*wv);
            // SAFETY: asserted above: `o + j0 + NR1 <= max_off + yv.len() <= planes.len()`.
            let p = unsafe { base.add(o + j0) };
            for (v, acc) in acc.iter_mut().enumerate() {
                // SAFETY: `p + 4v + 4 <= p + NR1`, in bounds (see above).
                *acc = wv.mul_add(unsafe { V::load_ptr(p.add(4 * v)) }, *acc);
            }
        }
        for (v, acc) in acc.into_iter().enumerate() {
            acc.store(&mut out[4 * v..4 * v + 4]);
        }
    }
}

/// Where the 8 lanes of a column panel go in an output plane (`usize::MAX`: virtual column).
struct Lanes {
    /// All 8 lanes are real and consecutive, starting at this index of the plane.
    run: Option<usize>,
    idx: [usize; NR],
}

#[inline(always)]
fn store_tile<V: F32x4, const R: usize>(
    t: [[V; 2]; R],
    row0: usize,
    plane: usize,
    lanes: &Lanes,
    bias: Option<&[f32]>,
    y: &mut [f32],
) {
    for (i, [t0, t1]) in t.into_iter().enumerate() {
        let co = row0 + i;
        let (t0, t1) = match bias {
            Some(b) => {
                let bv = V::splat(b[co]);
                (t0.add(bv), t1.add(bv))
            }
            None => (t0, t1),
        };
        let yp = &mut y[co * plane..(co + 1) * plane];
        if let Some(s) = lanes.run {
            t0.store(&mut yp[s..s + 4]);
            t1.store(&mut yp[s + 4..s + 8]);
        } else {
            let (lo, hi) = (t0.to_array(), t1.to_array());
            for (l, &d) in lanes.idx.iter().enumerate() {
                if d != usize::MAX {
                    yp[d] = if l < 4 { lo[l] } else { hi[l - 4] };
                }
            }
        }
    }
}

/// `y[m][oh x ow] = A * B (+ bias)` with B the shifted views of `planes` at `offs`; A packed by
/// [`pack_a`]. Overwrites every real output.
#[allow(clippy::too_many_arguments)]
fn gemm_shifted<V: F32x4>(
    m: usize,
    (oh, ow, wq): (usize, usize, usize),
    planes: &[f32],
    offs: &[usize],
    pa: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
) {
    let k = offs.len();
    let plane = oh * ow;
    let y = &mut y[..m * plane];
    if m == 1 {
        let nv = (oh * wq).next_multiple_of(NR1);
        let mut yv_buf = Scratch::take(Slot::ShiftedB, nv);
        let yv: &mut [f32] = &mut yv_buf;
        row_1x32_in_place::<V>(&pa[..k], planes, offs, yv);
        let b = bias.map_or(0.0, |b| b[0]);
        for (dst, src) in y.chunks_exact_mut(ow).zip(yv.chunks(wq)) {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = s + b;
            }
        }
        return;
    }
    let nv = oh * wq;
    // Up to four row panels (16 output rows), B is read in place rather than packed. Measured in
    // Chromium at 8 rows (input gradients 28x28x16->8 24.4 -> 28.5 GFLOP/s, digits 14x14x16->8
    // 5x5 21.1 -> 25.0); at 16 rows, with the row panels, in node (relaxed build, interleaved):
    // 14x14x8->16 5x5 1.13x, 28x28x8->16 pad 1 1.08-1.10x, pad 0 1.11-1.27x, stride 2 1.06-1.09x;
    // at 32 rows 0.95-1.07x (not taken).
    let direct = m <= 4 * MR;
    let mut pb_buf = Scratch::take(Slot::ShiftedB, if direct { 0 } else { k * NR });
    let pb: &mut [f32] = &mut pb_buf;
    let max_off = offs.iter().copied().max().unwrap_or(0);
    assert!(max_off + nv.next_multiple_of(NR) <= planes.len(), "shifted conv: planes too short");
    // One column panel: B's 8 columns from virtual column j0 (packed unless read in place),
    // then every A row panel against it, stored where `lanes` says.
    let mut panel = |j0: usize, lanes: &Lanes| {
        if !direct {
            for (dst, &o) in pb.chunks_exact_mut(NR).zip(offs) {
                let s = &planes[o + j0..o + j0 + NR];
                V::load(&s[..4]).store(&mut dst[..4]);
                V::load(&s[4..]).store(&mut dst[4..]);
            }
        }
        let mut i0 = 0;
        while i0 < m {
            let r = panel_rows(m - i0);
            let ap = &pa[i0 * k..(i0 + r) * k];
            if direct {
                // SAFETY: asserted above: every `off + j0 + NR` (j0 + NR <= nv rounded up to NR)
                // is at most `max_off + nv` rounded up to NR, which fits in `planes`.
                unsafe {
                    match r {
                        MR => store_tile::<V, MR>(
                            tile_rx8_in_place::<V, MR>(ap, planes, offs, j0),
                            i0,
                            plane,
                            lanes,
                            bias,
                            y,
                        ),
                        2 => store_tile::<V, 2>(
                            tile_rx8_in_place::<V, 2>(ap, planes, offs, j0),
                            i0,
                            plane,
                            lanes,
                            bias,
                            y,
                        ),
                        _ => store_tile::<V, 1>(
                            tile_rx8_in_place::<V, 1>(ap, planes, offs, j0),
                            i0,
                            plane,
                            lanes,
                            bias,
                            y,
                        ),
                    }
                }
                i0 += r;
                continue;
            }
            match r {
                4 => store_tile::<V, 4>(tile_rx8::<V, 4>(ap, pb), i0, plane, lanes, bias, y),
                2 => store_tile::<V, 2>(tile_rx8::<V, 2>(ap, pb), i0, plane, lanes, bias, y),
                _ => store_tile::<V, 1>(tile_rx8::<V, 1>(ap, pb), i0, plane, lanes, bias, y),
            }
            i0 += r;
        }
    };
    if row_panels(oh, ow, wq) {
        // Panels within each output row, the last one of a row moved left to end at the row's
        // end (recomputing a few columns): every tile stored with two vector stores.
        for oy in 0..oh {
            let mut ox = 0;
            while ox < ow {
                let x = ox.min(ow - NR);
                panel(oy * wq + x, &Lanes { run: Some(oy * ow + x), idx: [0; NR] });
                ox += NR;
            }
        }
        return;
    }
    let mut pos = (0, 0);
    for j0 in (0..nv).step_by(NR) {
        // (oy, ox) of virtual column j0, tracked without divisions (j0 advances by NR).
        let (oy, ox) = pos;
        let lanes = if ox + NR <= ow {
            Lanes { run: Some(oy * ow + ox), idx: [0; NR] }
        } else {
            let mut idx = [usize::MAX; NR];
            let (mut y_, mut x_) = pos;
            for d in idx.iter_mut() {
                if y_ < oh && x_ < ow {
                    *d = y_ * ow + x_;
                }
                x_ += 1;
                if x_ == wq {
                    (y_, x_) = (y_ + 1, 0);
                }
            }
            Lanes { run: None, idx }
        };
        pos.1 += NR;
        while pos.1 >= wq {
            pos = (pos.0 + 1, pos.1 - wq);
        }
        panel(j0, &lanes);
    }
}

/// Whether the column panels run within output rows (see [`gemm_shifted`]) rather than over the
/// virtual columns: when the rows' panels are at most 7 % more than the virtual ones. Row panels
/// store every tile with vector stores and skip the virtual columns, at the price of the columns
/// a row's last panel recomputes. Measured in node (V8, relaxed build), interleaved, row panels
/// against virtual ones (panel ratio in brackets): 28x28x1->8 5x5 pad 2 1.05x (1.07), 14x14x8->16
/// 5x5 pad 2 1.03x (1.0), 32x32x3->16 pad 1 1.12x (0.97), 64x64x16->32 pad 1 1.02x (0.98),
/// 32x32x3->16 stride 2 1.12x (1.0); but 28x28x8->16 pad 1 0.95x (1.10), pad 0 0.92x (1.14),
/// 14x14x16->32 pad 0 0.92x (1.14).
fn row_panels(oh: usize, ow: usize, wq: usize) -> bool {
    let (rows, virtual_) = (oh * ow.div_ceil(NR), (oh * wq).div_ceil(NR));
    ow >= NR && rows * 100 <= virtual_ * 107
}

/// y = conv(x, w) + b on the shifted views. Overwrites `y`.
pub fn forward<V: F32x4>(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    counters::bump(Kernel::ConvShiftedForward);
    let k = g.cin * g.kh * g.kw;
    let (planes, offs, wq) = prepare::<V>(g, x);
    let pa = pack_a(g.cout, k, &w[..g.cout * k]);
    gemm_shifted::<V>(g.cout, (g.oh, g.ow, wq), &planes, &offs, &pa, b, y);
}

/// gx = d(sum gy*y)/dx for a stride-1 convolution, as the forward convolution of `gy` with the
/// flipped, transposed weights; `t` is that convolution's geometry (see
/// [`super::transposed`]). Overwrites `gx`.
pub fn backward_input<V: F32x4>(g: &ConvGeom, t: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    counters::bump(Kernel::ConvShiftedBackwardInput);
    let (kh, kw, cin) = (g.kh, g.kw, g.cin);
    let k = t.cin * kh * kw;
    let w = &w[..g.cout * cin * kh * kw];
    let (planes, offs, wq) = prepare::<V>(t, gy);
    // A[ci][(co, ky, kx)] = W[co][ci][kh-1-ky][kw-1-kx]: each kernel's taps reversed, built
    // row-major without index divisions, then packed like the forward pass's weights.
    let taps = kh * kw;
    let mut flipped = Scratch::take(Slot::ShiftedFlipped, cin * k);
    for (co, wc) in w.chunks_exact(cin * taps).enumerate() {
        for (ci, src) in wc.chunks_exact(taps).enumerate() {
            let dst = &mut flipped[ci * k + co * taps..ci * k + (co + 1) * taps];
            dst.iter_mut().zip(src.iter().rev()).for_each(|(d, &v)| *d = v);
        }
    }
    let pa = pack_a(cin, k, &flipped);
    gemm_shifted::<V>(cin, (t.oh, t.ow, wq), &planes, &offs, &pa, None, gx);
}

/// gw += d(sum gy*y)/dw, gb += d(sum gy*y)/db on the shifted views, any stride and dilation:
/// `gW^T[K x cout] = V[K x Pv] * gYv^T`, where row `tap` of V is the shifted view
/// `planes[off[tap]..][..Pv]` (a row table of the GEMM: nothing is copied) and `gYv` is `gy`
/// spread to the virtual columns (`Pv = oh*wq`; zero at the virtual columns `ox >= ow`, so they
/// add nothing). Accumulates.
pub fn backward_weight<V: F32x4>(g: &ConvGeom, x: &[f32], gy: &[f32], gw: &mut [f32], gb: Option<&mut [f32]>) {
    counters::bump(Kernel::ConvShiftedBackwardWeight);
    let (k, p) = (g.cin * g.kh * g.kw, g.oh * g.ow);
    let (planes, offs, wq) = prepare::<V>(g, x);
    let pv = g.oh * wq;
    let gy = &gy[..g.cout * p];
    let mut gyv = Scratch::zeroed(Slot::ShiftedGrad, g.cout * pv);
    for (src, dst) in gy.chunks_exact(p.max(1)).zip(gyv.chunks_exact_mut(pv.max(1))) {
        for (s, d) in src.chunks_exact(g.ow.max(1)).zip(dst.chunks_exact_mut(wq.max(1))) {
            copy_vec::<V>(s, &mut d[..g.ow]);
        }
    }
    let mut t = Scratch::take(Slot::WeightGradT, k * g.cout);
    gemm_bias::<V>(
        k,
        g.cout,
        pv,
        MatRef::row_table(&planes, &offs),
        MatRef::transposed(&gyv, pv),
        None,
        &mut t,
        g.cout,
    );
    let gw = &mut gw[..g.cout * k];
    for (kk, row) in t.chunks_exact(g.cout).enumerate() {
        for (co, &v) in row.iter().enumerate() {
            gw[co * k + kk] += v;
        }
    }
    if let Some(gb) = gb {
        for (b, row) in gb.iter_mut().zip(gy.chunks_exact(p.max(1))) {
            *b += sum::<V>(row);
        }
    }
}
