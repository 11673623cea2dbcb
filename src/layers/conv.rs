//! 2-D convolution with kernel size, stride, zero padding, dilation and optional bias.

use super::{ParamGrads, Shape};
use crate::error::Result;
use crate::geometry::ConvGeom;
use crate::kernels;
use ndarray::{Array1, Array4};

#[derive(Clone, Debug)]
pub struct Conv2d {
    /// `[out, in, kh, kw]`, as in PyTorch.
    pub weight: Array4<f32>,
    /// `[out]`, absent for `bias=False`.
    pub bias: Option<Array1<f32>>,
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
    /// Fixed when the layer is placed in a model (see [`super::Layer::new`]).
    geom: Option<ConvGeom>,
}

impl Conv2d {
    pub fn new(
        weight: Array4<f32>,
        bias: Option<Array1<f32>>,
        stride: (usize, usize),
        padding: (usize, usize),
        dilation: (usize, usize),
    ) -> Self {
        Conv2d { weight, bias, stride, padding, dilation, geom: None }
    }

    pub fn out_channels(&self) -> usize {
        self.weight.shape()[0]
    }
    pub fn in_channels(&self) -> usize {
        self.weight.shape()[1]
    }
    pub fn kernel_size(&self) -> (usize, usize) {
        (self.weight.shape()[2], self.weight.shape()[3])
    }

    /// The geometry on a given input shape: checks channels and that the output is not empty.
    pub fn geometry(&self, input: Shape) -> Result<ConvGeom> {
        let (c, h, w) = input.chw("conv2d")?;
        if c != self.in_channels() {
            crate::bail!("weight expects {} input channels but the input has {c}", self.in_channels());
        }
        ConvGeom::new((c, h, w), self.out_channels(), self.kernel_size(), self.stride, self.padding, self.dilation)
    }

    fn geom(&self) -> &ConvGeom {
        self.geom.as_ref().expect("conv2d used before it was placed in a model")
    }

    /// Fixes the geometry for `input` and returns the output shape.
    pub(super) fn place(&mut self, input: Shape) -> Result<Shape> {
        let g = self.geometry(input)?;
        self.geom = Some(g);
        Ok(Shape::Chw(g.cout, g.oh, g.ow))
    }

    pub(super) fn forward(&self, x: &[f32], y: &mut [f32]) {
        let w = self.weight.as_slice().expect("weights are contiguous");
        kernels::conv2d_forward(self.geom(), x, w, self.bias.as_ref().and_then(|b| b.as_slice()), y);
    }

    pub(super) fn backward(&self, x: &[f32], gy: &[f32], gx: &mut [f32], grads: Option<&mut ParamGrads>) {
        let g = self.geom();
        let w = self.weight.as_slice().expect("weights are contiguous");
        kernels::conv2d_backward_input(g, gy, w, gx);
        if let Some(pg) = grads {
            kernels::conv2d_backward_weight(g, x, gy, &mut pg.weight, pg.bias.as_deref_mut());
        }
    }
}
