//! Scalar reference kernels, written to be obviously correct: every loop is the textbook
//! definition, every bound is checked. The fast kernels are tested against these.
//!
//! Layout: CHW tensors, conv weights `[cout, cin, kh, kw]`, all row-major.

use crate::geometry::{ConvGeom, PoolGeom};

/// Input coordinate read by output coordinate `o` at kernel tap `k`, or None in the padding.
#[inline]
fn tap(o: usize, k: usize, stride: usize, pad: usize, dil: usize, len: usize) -> Option<usize> {
    let i = (o * stride + k * dil) as isize - pad as isize;
    (i >= 0 && (i as usize) < len).then_some(i as usize)
}

/// `y[co, oy, ox] = b[co] + sum_{ci, ky, kx} w[co, ci, ky, kx] * x[ci, oy*sh + ky*dh - ph, ox*sw + kx*dw - pw]`
/// ([`grouped_conv2d_forward`] with one group).
pub fn conv2d_forward(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    grouped_conv2d_forward(g, 1, x, w, b, y)
}

/// gx = d(sum gy*y)/dx. Overwrites `gx`.
pub fn conv2d_backward_input(g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    grouped_conv2d_backward_input(g, 1, gy, w, gx)
}

/// gw += d(sum gy*y)/dw, gb += d(sum gy*y)/db. Accumulates (so a batch can sum into one buffer).
pub fn conv2d_backward_weight(g: &ConvGeom, x: &[f32], gy: &[f32], gw: &mut [f32], gb: Option<&mut [f32]>) {
    grouped_conv2d_backward_weight(g, 1, x, gy, gw, gb)
}

/// In-bounds input cells of the pooling window of output (c, oy, ox), as flat indices into x.
pub fn pool_window(g: &PoolGeom, c: usize, oy: usize, ox: usize) -> impl Iterator<Item = usize> + '_ {
    (0..g.kh).flat_map(move |ky| {
        (0..g.kw).filter_map(move |kx| {
            let iy = tap(oy, ky, g.sh, g.ph, 1, g.h)?;
            let ix = tap(ox, kx, g.sw, g.pw, 1, g.w)?;
            Some((c * g.h + iy) * g.w + ix)
        })
    })
}

/// Flat index into x of the maximum of each window (the first one on ties).
pub fn maxpool2d_argmax(g: &PoolGeom, x: &[f32], c: usize, oy: usize, ox: usize) -> usize {
    let mut best = usize::MAX;
    for i in pool_window(g, c, oy, ox) {
        if best == usize::MAX || x[i] > x[best] {
            best = i;
        }
    }
    best
}

/// Max pooling; padding cells never win (they are -infinity, as in PyTorch).
pub fn maxpool2d_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                y[(c * g.oh + oy) * g.ow + ox] = x[maxpool2d_argmax(g, x, c, oy, ox)];
            }
        }
    }
}

/// Routes each output gradient to the winning input cell. Overwrites `gx`.
pub fn maxpool2d_backward(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
    gx.fill(0.0);
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                gx[maxpool2d_argmax(g, x, c, oy, ox)] += gy[(c * g.oh + oy) * g.ow + ox];
            }
        }
    }
}

/// Average pooling over the in-bounds cells of each window only.
pub fn avgpool2d_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let (sum, n) = pool_window(g, c, oy, ox).fold((0.0f32, 0usize), |(s, n), i| (s + x[i], n + 1));
                y[(c * g.oh + oy) * g.ow + ox] = sum / n as f32;
            }
        }
    }
}

/// Spreads each output gradient evenly over its window's in-bounds cells. Overwrites `gx`.
pub fn avgpool2d_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    gx.fill(0.0);
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let n = pool_window(g, c, oy, ox).count();
                let share = gy[(c * g.oh + oy) * g.ow + ox] / n as f32;
                for i in pool_window(g, c, oy, ox) {
                    gx[i] += share;
                }
            }
        }
    }
}

/// y = W x + b with W `[out, in]` row-major.
pub fn linear_forward(w: &[f32], b: Option<&[f32]>, x: &[f32], y: &mut [f32]) {
    let n_in = x.len();
    for (o, yo) in y.iter_mut().enumerate() {
        *yo = b.map_or(0.0, |b| b[o]) + (0..n_in).map(|i| w[o * n_in + i] * x[i]).sum::<f32>();
    }
}

/// gx = W^T gy (overwrites `gx`); gw += gy x^T and gb += gy when given.
pub fn linear_backward(
    w: &[f32],
    x: &[f32],
    gy: &[f32],
    gx: &mut [f32],
    gw: Option<&mut [f32]>,
    gb: Option<&mut [f32]>,
) {
    let n_in = x.len();
    for (i, gxi) in gx[..n_in].iter_mut().enumerate() {
        *gxi = gy.iter().enumerate().map(|(o, &g)| g * w[o * n_in + i]).sum();
    }
    if let Some(gw) = gw {
        for (o, &g) in gy.iter().enumerate() {
            for i in 0..n_in {
                gw[o * n_in + i] += g * x[i];
            }
        }
    }
    if let Some(gb) = gb {
        for (b, &g) in gb.iter_mut().zip(gy) {
            *b += g;
        }
    }
}

/// `y = x` where `x > 0`, else `+0` (so NaN and `-0` give `+0`).
pub fn relu_forward(x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x } else { 0.0 };
    }
}

/// y = min(x, 6) where x > 0, else +0 (NaN and -0 give +0): PyTorch's `relu6` (hardtanh 0..6).
pub fn relu6_forward(x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x.min(6.0) } else { 0.0 };
    }
}

/// Grouped convolution: the channels are split into `groups` consecutive groups and group `grp`'s
/// outputs read only group `grp`'s inputs. `g` is the geometry of ONE group (`g.cin` inputs and
/// `g.cout` outputs per group); `x` has `groups * g.cin` planes, `y` `groups * g.cout`, and the
/// weights are `[groups * g.cout, g.cin, kh, kw]` (PyTorch's layout). Depthwise: `g.cin == 1`.
///
/// `y[co, oy, ox] = b[co] + sum_{c, ky, kx} w[co, c, ky, kx] * x[(co / g.cout) * g.cin + c, oy*sh + ky*dh - ph, ox*sw + kx*dw - pw]`
pub fn grouped_conv2d_forward(g: &ConvGeom, groups: usize, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    for (co, plane) in y[..groups * g.output_len()].chunks_exact_mut(g.oh * g.ow).enumerate() {
        plane.fill(b.map_or(0.0, |b| b[co]));
    }
    for_each_tap(g, groups, |o, k, i| y[o] += w[k] * x[i]);
}

/// gx = d(sum gy*y)/dx of [`grouped_conv2d_forward`]. Overwrites `gx`.
pub fn grouped_conv2d_backward_input(g: &ConvGeom, groups: usize, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    gx[..groups * g.input_len()].fill(0.0);
    for_each_tap(g, groups, |o, k, i| gx[i] += gy[o] * w[k]);
}

/// gw += d(sum gy*y)/dw, gb += d(sum gy*y)/db of [`grouped_conv2d_forward`]. Accumulates.
pub fn grouped_conv2d_backward_weight(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    gy: &[f32],
    gw: &mut [f32],
    gb: Option<&mut [f32]>,
) {
    for_each_tap(g, groups, |o, k, i| gw[k] += gy[o] * x[i]);
    if let Some(gb) = gb {
        for (b, plane) in gb.iter_mut().zip(gy[..groups * g.output_len()].chunks_exact(g.oh * g.ow)) {
            *b += plane.iter().sum::<f32>();
        }
    }
}

/// Calls `f(o, k, i)` for every multiply `y[o] += w[k] * x[i]` of [`grouped_conv2d_forward`], with
/// `o`, `k` and `i` the flat indices of the output cell, the weight and the input cell: output
/// cell after output cell, each one's taps in the order (input channel, ky, kx), taps in the
/// padding left out.
fn for_each_tap(g: &ConvGeom, groups: usize, mut f: impl FnMut(usize, usize, usize)) {
    for co in 0..groups * g.cout {
        let first_in = (co / g.cout) * g.cin;
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let o = (co * g.oh + oy) * g.ow + ox;
                for c in 0..g.cin {
                    for ky in 0..g.kh {
                        let Some(iy) = tap(oy, ky, g.sh, g.ph, g.dh, g.h) else {
                            continue;
                        };
                        for kx in 0..g.kw {
                            let Some(ix) = tap(ox, kx, g.sw, g.pw, g.dw, g.w) else {
                                continue;
                            };
                            f(o, ((co * g.cin + c) * g.kh + ky) * g.kw + kx, ((first_in + c) * g.h + iy) * g.w + ix);
                        }
                    }
                }
            }
        }
    }
}

/// Average pooling that divides by the whole window, `kh * kw`, padding cells included (PyTorch's
/// `count_include_pad=True`).
pub fn avgpool2d_include_pad_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    let cells = (g.kh * g.kw) as f32;
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let sum: f32 = pool_window(g, c, oy, ox).map(|i| x[i]).sum();
                y[(c * g.oh + oy) * g.ow + ox] = sum / cells;
            }
        }
    }
}

/// Backward of [`avgpool2d_include_pad_forward`]: each output gradient divided by `kh * kw` onto
/// each in-bounds cell of its window. Overwrites `gx`.
pub fn avgpool2d_include_pad_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    gx.fill(0.0);
    let cells = (g.kh * g.kw) as f32;
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let share = gy[(c * g.oh + oy) * g.ow + ox] / cells;
                for i in pool_window(g, c, oy, ox) {
                    gx[i] += share;
                }
            }
        }
    }
}
