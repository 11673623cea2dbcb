//! The convolution family: every pass of a (grouped) convolution goes through [`plan`], the one
//! place that chooses the kernel, then runs it.
//!
//! `g` is ONE group's geometry (`g.cin` inputs and `g.cout` outputs per group); the input has
//! `groups * g.cin` planes, the output `groups * g.cout`, the weights are
//! `[groups * g.cout, g.cin, kh, kw]` (PyTorch's layout), so group `grp`'s input, weights, bias
//! and output are each one contiguous slice. The members:
//!
//! - [`im2col`]: im2col + packed GEMM, col2im for the input gradient; pointwise (1x1, stride 1,
//!   no padding) convolutions run the GEMM on the input itself;
//! - [`shifted`]: a GEMM over shifted views of a padded copy of the input (no column matrix),
//!   for the forward pass and the weight gradient;
//! - [`depthwise`]: one input channel per group, vectorized along output rows;
//! - per group: any other grouping, the ungrouped plan once per group on the group's slices.
//!
//! The thresholds behind each choice are measured: see `docs/kernels.md`.

pub mod depthwise;
pub mod im2col;
pub mod shifted;

use super::counters::{self, Kernel};
use super::simd::F32x4;
use crate::geometry::ConvGeom;
use depthwise::Affine;

/// A pass of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Forward,
    BackwardInput,
    BackwardWeight,
}

/// The kernel a pass runs, as [`plan`] chooses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// 1x1, stride 1, no padding: the packed GEMM on the input (or into the input gradient).
    Pointwise,
    /// Forward and weight gradient: the GEMM over shifted views ([`shifted::forward`],
    /// [`shifted::backward_weight`]).
    Shifted,
    /// Input gradient at stride 1 with padding at most `d*(k-1)`: the shifted-view forward
    /// convolution of the output gradient with the flipped weights, of this geometry.
    ShiftedTransposed(ConvGeom),
    /// im2col + GEMM (weight gradient), GEMM + col2im (input gradient).
    Lowered,
    /// Depthwise (one input channel per group): [`depthwise`].
    Depthwise,
    /// Depthwise input gradient at stride 1 with one output per channel: the depthwise forward
    /// kernel on the output gradient with the flipped kernel, of this geometry.
    DepthwiseTransposed(ConvGeom),
    /// Several input channels per group: the ungrouped plan once per group.
    PerGroup,
}

impl Plan {
    /// The counter that rises when this plan runs `pass` (the GEMM's own counter rises too
    /// where a plan uses it).
    pub fn kernel(self, pass: Pass) -> Kernel {
        match (self, pass) {
            (Plan::Pointwise, _) => Kernel::Conv1x1Direct,
            (Plan::Shifted, Pass::BackwardWeight) => Kernel::ConvShiftedBackwardWeight,
            (Plan::Shifted, _) => Kernel::ConvShiftedForward,
            (Plan::ShiftedTransposed(_), _) => Kernel::ConvShiftedBackwardInput,
            (Plan::Lowered, Pass::BackwardInput) => Kernel::Col2im,
            (Plan::Lowered, _) => Kernel::Im2col,
            (Plan::Depthwise, Pass::Forward) => Kernel::DepthwiseForward,
            (Plan::Depthwise | Plan::DepthwiseTransposed(_), Pass::BackwardInput) => Kernel::DepthwiseBackwardInput,
            (Plan::Depthwise | Plan::DepthwiseTransposed(_), _) => Kernel::DepthwiseBackwardWeight,
            (Plan::PerGroup, _) => Kernel::GroupedPerGroup,
        }
    }
}

fn is_pointwise(g: &ConvGeom) -> bool {
    g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
}

/// The geometry of a stride-1 convolution's input gradient as a forward convolution of the
/// output gradient (flipped, transposed weights, padding `d*(k-1) - p`), or None when that does
/// not apply (stride > 1, or padding > `d*(k-1)`).
pub fn transposed(g: &ConvGeom) -> Option<ConvGeom> {
    if g.sh != 1 || g.sw != 1 {
        return None;
    }
    let (eh, ew) = (g.dh * (g.kh - 1), g.dw * (g.kw - 1));
    if g.ph > eh || g.pw > ew {
        return None;
    }
    let t =
        ConvGeom::new((g.cout, g.oh, g.ow), g.cin, (g.kh, g.kw), (1, 1), (eh - g.ph, ew - g.pw), (g.dh, g.dw)).ok()?;
    (t.oh == g.h && t.ow == g.w).then_some(t)
}

/// Which kernel `pass` of a convolution with `groups` groups of geometry `g` runs. Every
/// geometry has a plan for every pass; the dispatch is the same on every ISA.
pub fn plan(g: &ConvGeom, groups: usize, pass: Pass) -> Plan {
    if groups > 1 {
        return match (g.cin, pass) {
            (1, Pass::BackwardInput) if g.cout == 1 => transposed(g).map_or(Plan::Depthwise, Plan::DepthwiseTransposed),
            (1, _) => Plan::Depthwise,
            _ => Plan::PerGroup,
        };
    }
    if is_pointwise(g) {
        return Plan::Pointwise;
    }
    match pass {
        Pass::Forward => Plan::Shifted,
        Pass::BackwardInput => transposed(g).map_or(Plan::Lowered, Plan::ShiftedTransposed),
        Pass::BackwardWeight => Plan::Shifted,
    }
}

const NO_SUCH_PLAN: &str = "plan() gives no such plan for this pass";

/// Group `grp`'s part of a tensor that holds `len` values per group, group after group (the
/// input, weights, bias and output of a grouped convolution: see the module's doc).
fn group(t: &[f32], grp: usize, len: usize) -> &[f32] {
    &t[grp * len..(grp + 1) * len]
}

/// [`group`], mutable.
fn group_mut(t: &mut [f32], grp: usize, len: usize) -> &mut [f32] {
    &mut t[grp * len..(grp + 1) * len]
}

/// `y = conv(x, w) + b`. Overwrites `y`.
pub fn forward<V: F32x4>(g: &ConvGeom, groups: usize, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    match plan(g, groups, Pass::Forward) {
        Plan::Pointwise => im2col::forward_pointwise::<V>(g, x, w, b, y),
        Plan::Shifted => shifted::forward::<V>(g, x, w, b, y),
        Plan::Lowered => im2col::forward::<V>(g, x, w, b, y),
        Plan::Depthwise => depthwise::forward::<V>(g, groups, x, w, b, y, None),
        Plan::PerGroup => {
            counters::bump(Kernel::GroupedPerGroup);
            let (xi, wi, yo) = (g.input_len(), g.weight_len(), g.output_len());
            for grp in 0..groups {
                let b = b.map(|b| group(b, grp, g.cout));
                forward::<V>(g, 1, group(x, grp, xi), group(w, grp, wi), b, group_mut(y, grp, yo));
            }
        }
        Plan::ShiftedTransposed(_) | Plan::DepthwiseTransposed(_) => unreachable!("{NO_SUCH_PLAN}"),
    }
}

/// Whether [`forward_affine`] runs one fused pass for this geometry (the depthwise kernel does).
pub fn fuses_affine(g: &ConvGeom, groups: usize) -> bool {
    plan(g, groups, Pass::Forward) == Plan::Depthwise
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

/// `gx = d(sum gy*y)/dx`. Overwrites `gx`.
pub fn backward_input<V: F32x4>(g: &ConvGeom, groups: usize, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    match plan(g, groups, Pass::BackwardInput) {
        Plan::Pointwise => im2col::backward_input_pointwise::<V>(g, gy, w, gx),
        Plan::ShiftedTransposed(t) => shifted::backward_input::<V>(g, &t, gy, w, gx),
        Plan::Lowered => im2col::backward_input::<V>(g, gy, w, gx),
        Plan::Depthwise => depthwise::backward_input::<V>(g, groups, gy, w, gx),
        Plan::DepthwiseTransposed(t) => depthwise::backward_input_gather::<V>(&t, groups, gy, w, gx),
        Plan::PerGroup => {
            counters::bump(Kernel::GroupedPerGroup);
            let (xi, wi, yo) = (g.input_len(), g.weight_len(), g.output_len());
            for grp in 0..groups {
                backward_input::<V>(g, 1, group(gy, grp, yo), group(w, grp, wi), group_mut(gx, grp, xi));
            }
        }
        Plan::Shifted => unreachable!("{NO_SUCH_PLAN}"),
    }
}

/// `gw += d(sum gy*y)/dw`, `gb += d(sum gy*y)/db`. Accumulates.
pub fn backward_weight<V: F32x4>(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    gy: &[f32],
    gw: &mut [f32],
    mut gb: Option<&mut [f32]>,
) {
    match plan(g, groups, Pass::BackwardWeight) {
        Plan::Pointwise => im2col::backward_weight_pointwise::<V>(g, x, gy, gw, gb),
        Plan::Shifted => shifted::backward_weight::<V>(g, x, gy, gw, gb),
        Plan::Lowered => im2col::backward_weight::<V>(g, x, gy, gw, gb),
        Plan::Depthwise => depthwise::backward_weight::<V>(g, groups, x, gy, gw, gb),
        Plan::PerGroup => {
            counters::bump(Kernel::GroupedPerGroup);
            let (xi, wi, yo) = (g.input_len(), g.weight_len(), g.output_len());
            for grp in 0..groups {
                let gb = gb.as_deref_mut().map(|b| group_mut(b, grp, g.cout));
                backward_weight::<V>(g, 1, group(x, grp, xi), group(gy, grp, yo), group_mut(gw, grp, wi), gb);
            }
        }
        Plan::ShiftedTransposed(_) | Plan::DepthwiseTransposed(_) => unreachable!("{NO_SUCH_PLAN}"),
    }
}
