//! Fully connected layer: y = W x + b on a vector input.

use super::{ParamGrads, Shape};
use crate::bail;
use crate::error::Result;
use crate::kernels;
use ndarray::{Array1, Array2};

#[derive(Clone, Debug)]
pub struct Linear {
    /// `[out, in]`, as in PyTorch.
    pub weight: Array2<f32>,
    /// `[out]`, absent for `bias=False`.
    pub bias: Option<Array1<f32>>,
}

impl Linear {
    pub fn new(weight: Array2<f32>, bias: Option<Array1<f32>>) -> Self {
        Linear { weight, bias }
    }
    pub fn out_features(&self) -> usize {
        self.weight.shape()[0]
    }
    pub fn in_features(&self) -> usize {
        self.weight.shape()[1]
    }

    pub(super) fn output_shape(&self, input: Shape) -> Result<Shape> {
        match input {
            Shape::Vector(n) if n == self.in_features() => Ok(Shape::Vector(self.out_features())),
            Shape::Vector(n) => bail!("weight expects {} input features but the input has {n}", self.in_features()),
            Shape::Chw(..) => bail!("linear needs a vector input, but gets {input}: add a flatten layer before it"),
        }
    }

    pub(super) fn forward(&self, x: &[f32], y: &mut [f32]) {
        let w = self.weight.as_slice().expect("weights are contiguous");
        kernels::linear_forward(w, self.bias.as_ref().and_then(|b| b.as_slice()), x, y);
    }

    pub(super) fn backward(&self, x: &[f32], gy: &[f32], gx: &mut [f32], grads: Option<&mut ParamGrads>) {
        let w = self.weight.as_slice().expect("weights are contiguous");
        match grads {
            Some(pg) => kernels::linear_backward(w, x, gy, gx, Some(&mut pg.weight), pg.bias.as_deref_mut()),
            None => kernels::linear_backward(w, x, gy, gx, None, None),
        }
    }
}
