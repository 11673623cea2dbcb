//! The pooling family: [`plan`] chooses the kernel of a max or average pooling, forward and
//! backward.
//!
//! - [`max_2x2`]: max pooling 2x2, stride 2, no padding (forward and backward);
//! - [`window`]: any window, rows vectorized for strides 1 and 2 (forward), direct loops over
//!   the in-bounds taps (backward);
//! - [`include_pad`]: average pooling dividing by the whole window (`count_include_pad`).

pub mod include_pad;
pub mod max_2x2;
pub mod window;

use crate::geometry::PoolGeom;
use crate::kernels::simd::F32x4;
pub use window::Op;

/// The kernel a pooling runs, as [`plan`] chooses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// [`max_2x2`].
    Max2x2,
    /// [`window`], the forward pass's rows vectorized (strides 1 and 2) or all scalar.
    Window { vector_rows: bool },
}

/// Which kernel a pooling `op` of geometry `g` runs (forward and backward alike).
pub fn plan(g: &PoolGeom, op: Op) -> Plan {
    if op == Op::Max && max_2x2::applies(g) {
        Plan::Max2x2
    } else {
        Plan::Window { vector_rows: g.sw == 1 || g.sw == 2 }
    }
}

/// Pooling forward. Overwrites `y`.
pub fn forward<V: F32x4>(g: &PoolGeom, op: Op, x: &[f32], y: &mut [f32]) {
    match plan(g, op) {
        Plan::Max2x2 => max_2x2::forward::<V>(g, x, y),
        Plan::Window { vector_rows } => window::forward::<V>(g, op, vector_rows, x, y),
    }
}

/// Max pooling backward: each output gradient to its window's first maximum. Overwrites `gx`.
pub fn max_backward<V: F32x4>(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
    match plan(g, Op::Max) {
        Plan::Max2x2 => max_2x2::backward::<V>(g, x, gy, gx),
        Plan::Window { .. } => window::max_backward(g, x, gy, gx),
    }
}

/// Average pooling dividing by the whole window, `kh * kw`, padding included. Overwrites `y`.
pub fn avg_include_pad_forward<V: F32x4>(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    forward::<V>(g, Op::Avg, x, y);
    include_pad::rescale_borders(g, y);
}
