//! Average pooling that divides by the whole window, padding included (PyTorch's default
//! `count_include_pad=True`): the in-bounds average of [`super::window`], rescaled at the borders.

use crate::geometry::PoolGeom;
use crate::kernels::counters::{self, Kernel};

/// How many taps of a window starting at `o*stride - pad` fall inside `0..len`.
#[inline]
fn in_bounds(o: usize, stride: usize, pad: usize, kernel: usize, len: usize) -> usize {
    let start = (o * stride) as isize - pad as isize;
    let lo = start.max(0);
    let hi = (start + kernel as isize).min(len as isize);
    (hi - lo).max(0) as usize
}

/// The in-bounds averages `y` turned into `sum of the window's in-bounds cells / (kh * kw)`:
/// times `cells / (kh * kw)` where the window is cut by padding, one more rounding there than
/// the reference's single division (within 2 ulp of it).
pub fn rescale_borders(g: &PoolGeom, y: &mut [f32]) {
    counters::bump(Kernel::AvgPoolIncludePad);
    let whole = (g.kh * g.kw) as f32;
    let nx: Vec<usize> = (0..g.ow).map(|ox| in_bounds(ox, g.sw, g.pw, g.kw, g.w)).collect();
    for plane in y[..g.output_len()].chunks_exact_mut(g.oh * g.ow) {
        for (oy, row) in plane.chunks_exact_mut(g.ow).enumerate() {
            let ny = in_bounds(oy, g.sh, g.ph, g.kh, g.h);
            for (v, &n) in row.iter_mut().zip(&nx) {
                if ny * n != g.kh * g.kw {
                    *v *= (ny * n) as f32 / whole;
                }
            }
        }
    }
}

/// Each output gradient divided by `kh * kw` onto every in-bounds cell of its window.
/// Overwrites `gx`.
pub fn backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    counters::bump(Kernel::AvgPoolIncludePad);
    gx[..g.input_len()].fill(0.0);
    let whole = (g.kh * g.kw) as f32;
    let (plane_in, plane_out) = (g.h * g.w, g.oh * g.ow);
    for c in 0..g.c {
        let gxs = &mut gx[c * plane_in..(c + 1) * plane_in];
        for oy in 0..g.oh {
            let y0 = (oy * g.sh) as isize - g.ph as isize;
            let (ylo, yhi) = (y0.max(0) as usize, ((y0 + g.kh as isize).min(g.h as isize)).max(0) as usize);
            for ox in 0..g.ow {
                let x0 = (ox * g.sw) as isize - g.pw as isize;
                let (xlo, xhi) = (x0.max(0) as usize, ((x0 + g.kw as isize).min(g.w as isize)).max(0) as usize);
                let share = gy[c * plane_out + oy * g.ow + ox] / whole;
                for iy in ylo..yhi {
                    for v in &mut gxs[iy * g.w + xlo..iy * g.w + xhi.max(xlo)] {
                        *v += share;
                    }
                }
            }
        }
    }
}
