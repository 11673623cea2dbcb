//! Grouped convolution: `groups` independent convolutions on consecutive channel slices.
//! `g` is ONE group's geometry (`g.cin` inputs and `g.cout` outputs per group); the input has
//! `groups * g.cin` planes, the output `groups * g.cout`, the weights are
//! `[groups * g.cout, g.cin, kh, kw]` (PyTorch's layout), so group `grp`'s input, weights, bias
//! and output are each one contiguous slice.
//!
//! - `groups == 1`: the ordinary convolution kernels;
//! - one input channel per group (depthwise, `g.cin == 1`): the dedicated kernel of
//!   [`super::depthwise`];
//! - otherwise the ordinary kernels once per group, on the group's slices.

use super::counters::{self, Kernel};
use super::depthwise::{self, Affine};
use super::simd::F32x4;
use crate::geometry::ConvGeom;

/// Which path a grouped convolution takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    Plain,
    Depthwise,
    PerGroup,
}

fn path(g: &ConvGeom, groups: usize) -> Path {
    if groups == 1 {
        Path::Plain
    } else if g.cin == 1 {
        Path::Depthwise
    } else {
        Path::PerGroup
    }
}

/// Whether [`forward_affine`] runs one fused pass for geometry `g` (the depthwise kernel).
pub fn fuses_affine(g: &ConvGeom, groups: usize) -> bool {
    path(g, groups) == Path::Depthwise
}

pub fn forward<V: F32x4>(g: &ConvGeom, groups: usize, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    match path(g, groups) {
        Path::Plain => super::conv::conv2d_forward::<V>(g, x, w, b, y),
        Path::Depthwise => depthwise::forward::<V>(g, groups, x, w, b, y, None),
        Path::PerGroup => {
            counters::bump(Kernel::GroupedPerGroup);
            let (xi, wi, yo) = (g.input_len(), g.weight_len(), g.output_len());
            for grp in 0..groups {
                super::conv::conv2d_forward::<V>(
                    g,
                    &x[grp * xi..(grp + 1) * xi],
                    &w[grp * wi..(grp + 1) * wi],
                    b.map(|b| &b[grp * g.cout..(grp + 1) * g.cout]),
                    &mut y[grp * yo..(grp + 1) * yo],
                );
            }
        }
    }
}

/// The convolution, then `out = y * scale[c] + shift[c]` per output channel: in the same pass
/// over each output row for the depthwise kernel, as a second pass otherwise.
#[allow(clippy::too_many_arguments)]
pub fn forward_affine<V: F32x4>(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    y: &mut [f32],
    scale: &[f32],
    shift: &[f32],
    out: &mut [f32],
) {
    if fuses_affine(g, groups) {
        return depthwise::forward::<V>(g, groups, x, w, b, y, Some(Affine { scale, shift, out }));
    }
    forward::<V>(g, groups, x, w, b, y);
    let plane = g.oh * g.ow;
    for (c, (src, dst)) in y.chunks_exact(plane).zip(out.chunks_exact_mut(plane)).enumerate() {
        let (s, t) = (scale[c], shift[c]);
        dst.iter_mut().zip(src).for_each(|(d, &x)| *d = x * s + t);
    }
}

pub fn backward_input<V: F32x4>(g: &ConvGeom, groups: usize, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    match path(g, groups) {
        Path::Plain => super::conv::conv2d_backward_input::<V>(g, gy, w, gx),
        Path::Depthwise => depthwise::backward_input::<V>(g, groups, gy, w, gx),
        Path::PerGroup => {
            counters::bump(Kernel::GroupedPerGroup);
            let (xi, wi, yo) = (g.input_len(), g.weight_len(), g.output_len());
            for grp in 0..groups {
                super::conv::conv2d_backward_input::<V>(
                    g,
                    &gy[grp * yo..(grp + 1) * yo],
                    &w[grp * wi..(grp + 1) * wi],
                    &mut gx[grp * xi..(grp + 1) * xi],
                );
            }
        }
    }
}

pub fn backward_weight<V: F32x4>(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    gy: &[f32],
    gw: &mut [f32],
    mut gb: Option<&mut [f32]>,
) {
    match path(g, groups) {
        Path::Plain => super::conv::conv2d_backward_weight::<V>(g, x, gy, gw, gb),
        Path::Depthwise => depthwise::backward_weight::<V>(g, groups, x, gy, gw, gb),
        Path::PerGroup => {
            counters::bump(Kernel::GroupedPerGroup);
            let (xi, wi, yo) = (g.input_len(), g.weight_len(), g.output_len());
            for grp in 0..groups {
                super::conv::conv2d_backward_weight::<V>(
                    g,
                    &x[grp * xi..(grp + 1) * xi],
                    &gy[grp * yo..(grp + 1) * yo],
                    &mut gw[grp * wi..(grp + 1) * wi],
                    gb.as_deref_mut().map(|b| &mut b[grp * g.cout..(grp + 1) * g.cout]),
                );
            }
        }
    }
}
