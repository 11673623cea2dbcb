//! Max and average pooling (kernel, stride, zero padding; the average counts in-bounds cells only).

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
    geom: Option<PoolGeom>,
}

impl Pool2d {
    pub fn new(kernel_size: (usize, usize), stride: (usize, usize), padding: (usize, usize)) -> Self {
        Pool2d { kernel_size, stride, padding, geom: None }
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
            PoolMode::Avg => kernels::avgpool2d_forward(self.geom(), x, y),
        }
    }

    pub(super) fn backward(&self, mode: PoolMode, x: &[f32], gy: &[f32], gx: &mut [f32]) {
        match mode {
            PoolMode::Max => kernels::maxpool2d_backward(self.geom(), x, gy, gx),
            PoolMode::Avg => kernels::avgpool2d_backward(self.geom(), gy, gx),
        }
    }
}
