//! 2-D convolution with kernel size, stride, zero padding, dilation, groups and optional bias.

use super::{ParamGrads, Shape};
use crate::bail;
use crate::error::Result;
use crate::geometry::ConvGeom;
use crate::kernels;
use ndarray::{Array1, Array4};

#[derive(Clone, Debug)]
pub struct Conv2d {
    /// `[out, in / groups, kh, kw]`, as in PyTorch.
    pub weight: Array4<f32>,
    /// `[out]`, absent for `bias=False`.
    pub bias: Option<Array1<f32>>,
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
    /// Input and output channels are split into this many groups; output group `g` reads only
    /// input group `g` (1: an ordinary convolution; in_channels: depthwise).
    pub groups: usize,
    /// One group's geometry, fixed when the layer is placed in a model (see [`super::Layer::new`]).
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
        Conv2d { weight, bias, stride, padding, dilation, groups: 1, geom: None }
    }

    /// The same convolution split into `groups` groups (the weight is `[out, in / groups, kh, kw]`).
    pub fn with_groups(mut self, groups: usize) -> Self {
        self.groups = groups;
        self.geom = None;
        self
    }

    pub fn out_channels(&self) -> usize {
        self.weight.shape()[0]
    }
    /// Input channels of the whole layer (`in / groups` per group, the weight's second axis).
    pub fn in_channels(&self) -> usize {
        self.weight.shape()[1].saturating_mul(self.groups)
    }
    pub fn kernel_size(&self) -> (usize, usize) {
        (self.weight.shape()[2], self.weight.shape()[3])
    }

    /// The geometry of ONE group on a given input shape (for `groups == 1`, of the whole
    /// convolution): checks the groups, the channels and that the output is not empty.
    pub fn geometry(&self, input: Shape) -> Result<ConvGeom> {
        let (c, h, w) = input.chw("conv2d")?;
        let (groups, out, per_group) = (self.groups, self.out_channels(), self.weight.shape()[1]);
        if groups == 0 {
            bail!("groups must be at least 1");
        }
        if out % groups != 0 {
            bail!("out_channels {out} is not divisible by groups {groups}");
        }
        if c % groups != 0 {
            bail!("the input's {c} channels are not divisible by groups {groups}");
        }
        if c != self.in_channels() {
            if groups == 1 {
                bail!("weight expects {per_group} input channels but the input has {c}");
            }
            bail!(
                "weight expects {per_group} input channels per group ({groups} groups: {} in all) but the input has {c}",
                self.in_channels()
            );
        }
        ConvGeom::new((per_group, h, w), out / groups, self.kernel_size(), self.stride, self.padding, self.dilation)
    }

    /// Multiply-adds of one forward pass on `input` (0 when the shapes do not fit).
    pub fn macs(&self, input: Shape) -> usize {
        self.geometry(input).map_or(0, |g| g.macs() * self.groups)
    }

    fn geom(&self) -> &ConvGeom {
        self.geom.as_ref().expect("conv2d used before it was placed in a model")
    }

    /// Fixes the geometry for `input` and returns the output shape.
    pub(super) fn place(&mut self, input: Shape) -> Result<Shape> {
        let g = self.geometry(input)?;
        self.geom = Some(g);
        Ok(Shape::Chw(g.cout * self.groups, g.oh, g.ow))
    }

    pub(super) fn forward(&self, x: &[f32], y: &mut [f32]) {
        let w = self.weight.as_slice().expect("weights are contiguous");
        kernels::grouped_conv2d_forward(
            self.geom(),
            self.groups,
            x,
            w,
            self.bias.as_ref().and_then(|b| b.as_slice()),
            y,
        );
    }

    /// The forward pass and `out = y * scale[c] + shift[c]` per output channel (a batchnorm that
    /// reads this layer) in one call: see [`kernels::grouped_conv2d_forward_affine`].
    pub(super) fn forward_affine(&self, x: &[f32], y: &mut [f32], scale: &[f32], shift: &[f32], out: &mut [f32]) {
        let w = self.weight.as_slice().expect("weights are contiguous");
        let b = self.bias.as_ref().and_then(|b| b.as_slice());
        kernels::grouped_conv2d_forward_affine(self.geom(), self.groups, x, w, b, y, scale, shift, out);
    }

    pub(super) fn backward(&self, x: &[f32], gy: &[f32], gx: &mut [f32], grads: Option<&mut ParamGrads>) {
        let g = self.geom();
        let w = self.weight.as_slice().expect("weights are contiguous");
        kernels::grouped_conv2d_backward_input(g, self.groups, gy, w, gx);
        if let Some(pg) = grads {
            self.backward_weight(x, gy, pg);
        }
    }

    /// The weight and bias gradients of [`Conv2d::backward`] alone, added to `pg`.
    pub(super) fn backward_weight(&self, x: &[f32], gy: &[f32], pg: &mut ParamGrads) {
        kernels::grouped_conv2d_backward_weight(
            self.geom(),
            self.groups,
            x,
            gy,
            &mut pg.weight,
            pg.bias.as_deref_mut(),
        );
    }
}
