//! Max and average pooling (kernel, stride, zero padding; the average divides by the in-bounds
//! cells, or with `count_include_pad` by the whole window), and global average pooling.

use super::Shape;
use crate::error::Result;
use crate::geometry::PoolGeom;
use crate::kernels;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolMode {
    Max,
    Avg,
}

#[derive(Clone, Debug)]
pub struct Pool2d {
    pub kernel_size: (usize, usize),
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    /// Average pooling only: divide by the whole window `kh * kw`, padding cells included
    /// (PyTorch's default), instead of by the in-bounds cells (ONNX's default; the default here).
    pub count_include_pad: bool,
    geom: Option<PoolGeom>,
}

impl Pool2d {
    pub fn new(kernel_size: (usize, usize), stride: (usize, usize), padding: (usize, usize)) -> Self {
        Pool2d { kernel_size, stride, padding, count_include_pad: false, geom: None }
    }

    /// The same pooling dividing by the whole window (average pooling's `count_include_pad`).
    pub fn with_count_include_pad(mut self, count_include_pad: bool) -> Self {
        self.count_include_pad = count_include_pad;
        self
    }

    pub fn geometry(&self, input: Shape) -> Result<PoolGeom> {
        let chw = input.chw("pooling")?;
        PoolGeom::new(chw, self.kernel_size, self.stride, self.padding)
    }

    /// Fixes the geometry for `input` and returns the output shape.
    pub(super) fn place(&mut self, input: Shape) -> Result<Shape> {
        let g = self.geometry(input)?;
        self.geom = Some(g);
        Ok(Shape::Chw(g.c, g.oh, g.ow))
    }

    fn geom(&self) -> &PoolGeom {
        self.geom.as_ref().expect("pooling used before it was placed in a model")
    }

    pub(super) fn forward(&self, mode: PoolMode, x: &[f32], y: &mut [f32]) {
        match mode {
            PoolMode::Max => kernels::maxpool2d_forward(self.geom(), x, y),
            PoolMode::Avg if self.count_include_pad => kernels::avgpool2d_include_pad_forward(self.geom(), x, y),
            PoolMode::Avg => kernels::avgpool2d_forward(self.geom(), x, y),
        }
    }

    pub(super) fn backward(&self, mode: PoolMode, x: &[f32], gy: &[f32], gx: &mut [f32]) {
        match mode {
            PoolMode::Max => kernels::maxpool2d_backward(self.geom(), x, gy, gx),
            PoolMode::Avg if self.count_include_pad => kernels::avgpool2d_include_pad_backward(self.geom(), gy, gx),
            PoolMode::Avg => kernels::avgpool2d_backward(self.geom(), gy, gx),
        }
    }
}

/// Global average pooling: `[c, h, w] -> [c, 1, 1]`, each channel's mean.
pub fn global_avgpool_shape(input: Shape) -> Result<Shape> {
    let (c, _, _) = input.chw("global_avgpool")?;
    Ok(Shape::Chw(c, 1, 1))
}

/// y[c] = mean of plane c of x (`y.len()` planes).
pub fn global_avgpool_forward(x: &[f32], y: &mut [f32]) {
    let plane = x.len() / y.len().max(1);
    for (y, p) in y.iter_mut().zip(x.chunks_exact(plane)) {
        *y = p.iter().sum::<f32>() / plane as f32;
    }
}

/// Every cell of plane c gets gy[c] / (h * w).
pub fn global_avgpool_backward(gy: &[f32], gx: &mut [f32]) {
    let plane = gx.len() / gy.len().max(1);
    for (&g, p) in gy.iter().zip(gx.chunks_exact_mut(plane)) {
        p.fill(g / plane as f32);
    }
}
