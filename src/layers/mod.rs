//! Layers with forward and backward passes. A [`Layer`] knows its input and output shapes
//! (fixed when the model is built), so every pass is a plain function of arrays. Most layers take
//! one input; `add` and `concat` take several (the model is a graph, see [`Source`]).
//!
//! conv2d (grouped and depthwise too), batchnorm2d (inference), relu, relu6, clip, sigmoid,
//! hardswish, max and average pooling, global average pooling, flatten, reshape, dropout (the
//! identity: inference only), linear, softmax, add and concat.
//!
//! Tensors are ndarray arrays in CHW order (`[c, h, w]`) for spatial data and `[n]` for vectors.

mod activation;
mod conv;
mod linear;
mod merge;
mod norm;
mod pool;
mod reshape;

pub use activation::*;
pub use conv::Conv2d;
pub use linear::Linear;
pub use norm::{BatchNorm2d, DEFAULT_EPS};
pub use pool::{global_avgpool_backward, global_avgpool_forward, Pool2d, PoolMode};

use crate::bail;
use crate::error::Result;
use ndarray::{ArrayD, IxDyn};

/// A CHW or vector tensor.
pub type Tensor = ArrayD<f32>;

/// The shape of one layer's input or output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Channels, height, width.
    Chw(usize, usize, usize),
    /// A flat vector of `n` values.
    Vector(usize),
}

impl Shape {
    pub fn len(&self) -> usize {
        match *self {
            // Saturating: shapes come from untrusted files and are checked against limits after.
            Shape::Chw(c, h, w) => c.saturating_mul(h).saturating_mul(w),
            Shape::Vector(n) => n,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn dims(&self) -> Vec<usize> {
        match *self {
            Shape::Chw(c, h, w) => vec![c, h, w],
            Shape::Vector(n) => vec![n],
        }
    }
    pub fn zeros(&self) -> Tensor {
        ArrayD::zeros(IxDyn(&self.dims()))
    }
    /// `spare` when it is a contiguous (standard-layout) tensor of this shape, values unchanged
    /// (for a caller that overwrites them all), else [`Shape::zeros`].
    pub fn reuse(&self, spare: Option<Tensor>) -> Tensor {
        match spare {
            Some(t) if t.is_standard_layout() && t.shape() == self.dims().as_slice() => t,
            _ => self.zeros(),
        }
    }
    /// A tensor of this shape holding `data` (whose length must be `self.len()`).
    pub fn tensor(&self, data: Vec<f32>) -> Result<Tensor> {
        let n = data.len();
        ArrayD::from_shape_vec(IxDyn(&self.dims()), data)
            .map_err(|_| crate::error::Error(format!("{n} values do not fit shape {self}")))
    }
    /// (c, h, w) of a spatial shape, or an error naming what needed one.
    pub fn chw(&self, what: &str) -> Result<(usize, usize, usize)> {
        match *self {
            Shape::Chw(c, h, w) => Ok((c, h, w)),
            Shape::Vector(n) => {
                bail!("{what} needs a spatial [channels, height, width] input, but gets a vector of {n} values")
            }
        }
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.dims())
    }
}

/// What a layer computes, with its parameters.
#[derive(Clone, Debug)]
pub enum LayerKind {
    Conv2d(Conv2d),
    Relu,
    MaxPool2d(Pool2d),
    AvgPool2d(Pool2d),
    Flatten,
    Linear(Linear),
    Softmax,
    /// Element-wise sum of two or more inputs of one shape.
    Add,
    /// Two or more inputs joined along channels (CHW, equal height and width) or end to end (vectors).
    Concat,
    /// Inference batch normalization, a per-channel affine map.
    BatchNorm2d(BatchNorm2d),
    /// min(max(x, 0), 6).
    Relu6,
    /// x clamped to [min, max]; an absent bound does not clamp.
    Clip {
        min: Option<f32>,
        max: Option<f32>,
    },
    /// 1 / (1 + exp(-x)).
    Sigmoid,
    /// x * relu6(x + 3) / 6.
    Hardswish,
    /// `[c, h, w] -> [c, 1, 1]`, each channel's mean.
    GlobalAvgPool,
    /// The identity (inference); `p` is the training-time drop probability, kept for the file.
    Dropout {
        p: f32,
    },
    /// The same values under a new shape: `[n]` or `[c, h, w]`, at most one -1 (inferred).
    Reshape {
        shape: Vec<i64>,
    },
}

impl LayerKind {
    /// The type name used in model files and in the JS summary.
    pub fn type_name(&self) -> &'static str {
        match self {
            LayerKind::Conv2d(_) => "conv2d",
            LayerKind::Relu => "relu",
            LayerKind::MaxPool2d(_) => "maxpool2d",
            LayerKind::AvgPool2d(_) => "avgpool2d",
            LayerKind::Flatten => "flatten",
            LayerKind::Linear(_) => "linear",
            LayerKind::Softmax => "softmax",
            LayerKind::Add => "add",
            LayerKind::Concat => "concat",
            LayerKind::BatchNorm2d(_) => "batchnorm2d",
            LayerKind::Relu6 => "relu6",
            LayerKind::Clip { .. } => "clip",
            LayerKind::Sigmoid => "sigmoid",
            LayerKind::Hardswish => "hardswish",
            LayerKind::GlobalAvgPool => "global_avgpool",
            LayerKind::Dropout { .. } => "dropout",
            LayerKind::Reshape { .. } => "reshape",
        }
    }

    /// Whether the layer takes several inputs (else exactly one).
    pub fn merges(&self) -> bool {
        matches!(self, LayerKind::Add | LayerKind::Concat)
    }
}

/// Where a layer's input comes from: the model input or an earlier layer's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Input,
    Layer(usize),
}

/// Gradients of one layer's parameters, in the same layout as the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamGrads {
    pub weight: Vec<f32>,
    pub bias: Option<Vec<f32>>,
}

/// One named layer of a model, with its inputs and shapes fixed.
#[derive(Clone, Debug)]
pub struct Layer {
    pub name: String,
    pub kind: LayerKind,
    /// Where each input comes from, in order (set by the model).
    pub inputs: Vec<Source>,
    /// The shape of each input, in the order of `inputs`.
    pub input_shapes: Vec<Shape>,
    /// The first input's shape (the only one, except for `add` and `concat`).
    pub input_shape: Shape,
    pub output_shape: Shape,
}

/// A layer's parameters as [`Layer::parameters`] gives them: (weight values, weight shape as in
/// PyTorch, bias values).
pub type Parameters<'a> = (&'a [f32], &'a [usize], Option<&'a [f32]>);

impl Layer {
    /// Builds a one-input layer reading the previous layer, checking that the shapes fit. Errors
    /// say what is wrong; the caller adds which layer it concerns.
    pub fn new(name: impl Into<String>, kind: LayerKind, input_shape: Shape) -> Result<Layer> {
        Layer::with_inputs(name, kind, vec![(Source::Input, input_shape)])
    }

    /// Builds a layer reading `inputs` (source and shape of each), checking that they fit.
    pub fn with_inputs(name: impl Into<String>, mut kind: LayerKind, inputs: Vec<(Source, Shape)>) -> Result<Layer> {
        let name = name.into();
        let input_shapes: Vec<Shape> = inputs.iter().map(|i| i.1).collect();
        let Some(&input_shape) = input_shapes.first() else {
            bail!("its inputs list is empty: a layer reads at least one input")
        };
        if kind.merges() && inputs.len() < 2 {
            bail!("{} needs two or more inputs, got {}", kind.type_name(), inputs.len());
        }
        if !kind.merges() && inputs.len() != 1 {
            bail!("{} takes one input, got {}", kind.type_name(), inputs.len());
        }
        let output_shape = match &mut kind {
            LayerKind::Add => merge::add_shape(&input_shapes),
            LayerKind::Concat => merge::concat_shape(&input_shapes),
            LayerKind::Conv2d(c) => c.place(input_shape),
            LayerKind::MaxPool2d(p) | LayerKind::AvgPool2d(p) => p.place(input_shape),
            LayerKind::Linear(l) => l.output_shape(input_shape),
            LayerKind::Relu | LayerKind::Relu6 | LayerKind::Sigmoid | LayerKind::Hardswish => Ok(input_shape),
            LayerKind::Clip { min, max } => clip_shape(*min, *max, input_shape),
            LayerKind::Dropout { p } if (0.0..=1.0).contains(p) => Ok(input_shape),
            LayerKind::Dropout { p } => bail!("p must be a probability between 0 and 1, got {p}"),
            LayerKind::BatchNorm2d(b) => b.place(input_shape),
            LayerKind::GlobalAvgPool => pool::global_avgpool_shape(input_shape),
            LayerKind::Reshape { shape } => reshape::reshape_shape(shape, input_shape),
            LayerKind::Flatten => Ok(Shape::Vector(input_shape.len())),
            LayerKind::Softmax => match input_shape {
                Shape::Vector(_) => Ok(input_shape),
                Shape::Chw(..) => {
                    Err(crate::error::Error::new("softmax needs a vector input: add a flatten layer before it"))
                }
            },
        }?;
        let inputs = inputs.into_iter().map(|i| i.0).collect();
        Ok(Layer { name, kind, inputs, input_shapes, input_shape, output_shape })
    }

    /// Number of trainable parameters.
    pub fn params(&self) -> usize {
        match &self.kind {
            LayerKind::Conv2d(c) => c.weight.len() + c.bias.as_ref().map_or(0, |b| b.len()),
            LayerKind::Linear(l) => l.weight.len() + l.bias.as_ref().map_or(0, |b| b.len()),
            LayerKind::BatchNorm2d(b) => b.weight.len() + b.bias.len(),
            _ => 0,
        }
    }

    /// The parameters: (weight values, weight shape as in PyTorch, bias values), or None for
    /// layers without parameters.
    pub fn parameters(&self) -> Option<Parameters<'_>> {
        let (w, shape, b) = match &self.kind {
            LayerKind::Conv2d(c) => (c.weight.as_slice(), c.weight.shape(), c.bias.as_ref()),
            LayerKind::Linear(l) => (l.weight.as_slice(), l.weight.shape(), l.bias.as_ref()),
            LayerKind::BatchNorm2d(b) => (b.weight.as_slice(), b.weight.shape(), Some(&b.bias)),
            _ => return None,
        };
        Some((w.expect("weights are contiguous"), shape, b.map(|b| b.as_slice().expect("biases are contiguous"))))
    }

    /// The parameters as flat slices (weight, bias), in the layout of [`ParamGrads`], for
    /// optimizers and gradient checks. None for layers without parameters.
    pub fn params_mut(&mut self) -> Option<(&mut [f32], Option<&mut [f32]>)> {
        let (w, b) = match &mut self.kind {
            LayerKind::Conv2d(c) => (c.weight.as_slice_mut(), c.bias.as_mut()),
            LayerKind::Linear(l) => (l.weight.as_slice_mut(), l.bias.as_mut()),
            LayerKind::BatchNorm2d(b) => (b.weight.as_slice_mut(), Some(&mut b.bias)),
            _ => return None,
        };
        Some((w.expect("weights are contiguous"), b.map(|b| b.as_slice_mut().expect("biases are contiguous"))))
    }

    /// Zeroed gradients for this layer's parameters, or None if it has none.
    pub fn zero_grads(&self) -> Option<ParamGrads> {
        let (w, b) = match &self.kind {
            LayerKind::Conv2d(c) => (c.weight.len(), c.bias.as_ref().map(|b| b.len())),
            LayerKind::Linear(l) => (l.weight.len(), l.bias.as_ref().map(|b| b.len())),
            LayerKind::BatchNorm2d(b) => (b.weight.len(), Some(b.bias.len())),
            _ => return None,
        };
        Some(ParamGrads { weight: vec![0.0; w], bias: b.map(|n| vec![0.0; n]) })
    }

    /// Forward pass. `xs` holds one tensor per input, of the shapes in `input_shapes` (the model
    /// guarantees it).
    pub fn forward(&self, xs: &[&Tensor]) -> Tensor {
        self.forward_into(xs, None)
    }

    /// [`Layer::forward`] into `spare` when it is a contiguous tensor of the output's shape (its
    /// storage is reused and every value overwritten: no allocation, no zeroing), else into a
    /// new tensor.
    pub fn forward_into(&self, xs: &[&Tensor], spare: Option<Tensor>) -> Tensor {
        let mut y = self.output_shape.reuse(spare);
        let ys = y.as_slice_mut().expect("output arrays are contiguous");
        let x = || contiguous(xs[0]);
        match &self.kind {
            LayerKind::Conv2d(c) => c.forward(&x(), ys),
            LayerKind::MaxPool2d(p) => p.forward(PoolMode::Max, &x(), ys),
            LayerKind::AvgPool2d(p) => p.forward(PoolMode::Avg, &x(), ys),
            LayerKind::Linear(l) => l.forward(&x(), ys),
            LayerKind::Relu => relu_forward(&x(), ys),
            LayerKind::Flatten | LayerKind::Dropout { .. } | LayerKind::Reshape { .. } => ys.copy_from_slice(&x()),
            LayerKind::Softmax => softmax_forward(&x(), ys),
            LayerKind::BatchNorm2d(b) => b.forward(&x(), ys),
            LayerKind::Relu6 => relu6_forward(&x(), ys),
            LayerKind::Clip { min, max } => clip_forward(*min, *max, &x(), ys),
            LayerKind::Sigmoid => sigmoid_forward(&x(), ys),
            LayerKind::Hardswish => hardswish_forward(&x(), ys),
            LayerKind::GlobalAvgPool => global_avgpool_forward(&x(), ys),
            LayerKind::Add => with_slices(xs, |parts| merge::add_forward(parts, ys)),
            LayerKind::Concat => with_slices(xs, |parts| merge::concat_forward(parts, ys)),
        }
        y
    }

    /// Backward pass: given the inputs `xs`, the output `y` of the forward pass and the gradient
    /// `gy` of a scalar with respect to `y`, returns the gradient with respect to each input (in
    /// the order of `inputs`), and adds the gradient with respect to the parameters to `grads`
    /// when given.
    pub fn backward(&self, xs: &[&Tensor], y: &Tensor, gy: &Tensor, grads: Option<&mut ParamGrads>) -> Vec<Tensor> {
        self.backward_with(xs, y, gy, grads, |s| s.zeros())
    }

    /// [`Layer::backward`] with the input gradients' tensors from `zeros(shape)`, which must give
    /// a zero-filled contiguous tensor of that shape (a trainer reuses its tensors from step to
    /// step).
    pub fn backward_with(
        &self,
        xs: &[&Tensor],
        y: &Tensor,
        gy: &Tensor,
        grads: Option<&mut ParamGrads>,
        mut zeros: impl FnMut(&Shape) -> Tensor,
    ) -> Vec<Tensor> {
        let gys = contiguous(gy);
        let mut gxs: Vec<Tensor> = self.input_shapes.iter().map(&mut zeros).collect();
        let mut parts: Vec<&mut [f32]> =
            gxs.iter_mut().map(|g| g.as_slice_mut().expect("fresh arrays are contiguous")).collect();
        let x = || contiguous(xs[0]);
        let gx = &mut *parts[0];
        match &self.kind {
            LayerKind::Conv2d(c) => c.backward(&x(), &gys, gx, grads),
            LayerKind::MaxPool2d(p) => p.backward(PoolMode::Max, &x(), &gys, gx),
            LayerKind::AvgPool2d(p) => p.backward(PoolMode::Avg, &x(), &gys, gx),
            LayerKind::Linear(l) => l.backward(&x(), &gys, gx, grads),
            LayerKind::Relu => relu_backward(&x(), &gys, gx),
            LayerKind::Flatten | LayerKind::Dropout { .. } | LayerKind::Reshape { .. } => gx.copy_from_slice(&gys),
            LayerKind::Softmax => softmax_backward(&contiguous(y), &gys, gx),
            LayerKind::BatchNorm2d(b) => b.backward(&x(), &gys, gx, grads),
            LayerKind::Relu6 => relu6_backward(&x(), &gys, gx),
            LayerKind::Clip { min, max } => clip_backward(*min, *max, &x(), &gys, gx),
            LayerKind::Sigmoid => sigmoid_backward(&contiguous(y), &gys, gx),
            LayerKind::Hardswish => hardswish_backward(&x(), &gys, gx),
            LayerKind::GlobalAvgPool => global_avgpool_backward(&gys, gx),
            LayerKind::Add => parts.iter_mut().for_each(|p| p.copy_from_slice(&gys)),
            LayerKind::Concat => merge::concat_backward(&self.input_shapes, &gys, &mut parts),
        }
        gxs
    }
}

impl Layer {
    /// The parameter gradients of [`Layer::backward`], added to `grads`, for a layer whose input
    /// gradient is not wanted (one reading the model input, in training): a conv2d computes only
    /// them; other layers make the whole backward pass and drop the input gradient.
    pub fn backward_params(&self, xs: &[&Tensor], y: &Tensor, gy: &Tensor, grads: &mut ParamGrads) {
        match &self.kind {
            LayerKind::Conv2d(c) => c.backward_weight(&contiguous(xs[0]), &contiguous(gy), grads),
            _ => {
                self.backward(xs, y, gy, Some(grads));
            }
        }
    }

    /// Whether [`Layer::forward_with_batchnorm`] applies: this layer is a conv2d and `next` a
    /// batchnorm2d with one statistic per output channel of it. (The model checks that `next`
    /// reads this layer.)
    pub fn fuses_with(&self, next: &Layer) -> bool {
        match (&self.kind, &next.kind) {
            (LayerKind::Conv2d(_), LayerKind::BatchNorm2d(b)) => {
                next.input_shape == self.output_shape && b.channels() == self.output_shape.dims()[0]
            }
            _ => false,
        }
    }

    /// The outputs of this conv2d and of the batchnorm2d `next` that reads it, in one call:
    /// the batchnorm is folded into the convolution's pass as the per-channel affine map it is
    /// (for depthwise convolutions, row by row while each row is in L1). Both outputs are those
    /// of [`Layer::forward`] of each layer: the same `x * scale + shift`, rounded twice (a
    /// vector backend that fused the multiply-add would differ in the last bit at most).
    /// None when [`Layer::fuses_with`] does not hold.
    pub fn forward_with_batchnorm(&self, xs: &[&Tensor], next: &Layer) -> Option<(Tensor, Tensor)> {
        self.forward_with_batchnorm_into(xs, next, [None, None])
    }

    /// [`Layer::forward_with_batchnorm`] reusing `spare` tensors as [`Layer::forward_into`] does.
    pub fn forward_with_batchnorm_into(
        &self,
        xs: &[&Tensor],
        next: &Layer,
        spare: [Option<Tensor>; 2],
    ) -> Option<(Tensor, Tensor)> {
        let (LayerKind::Conv2d(c), LayerKind::BatchNorm2d(b)) = (&self.kind, &next.kind) else {
            return None;
        };
        if !self.fuses_with(next) {
            return None;
        }
        let [sy, sz] = spare;
        let (mut y, mut z) = (self.output_shape.reuse(sy), next.output_shape.reuse(sz));
        let (scale, shift) = b.scale_shift();
        c.forward_affine(
            &contiguous(xs[0]),
            y.as_slice_mut().expect("output arrays are contiguous"),
            &scale,
            &shift,
            z.as_slice_mut().expect("output arrays are contiguous"),
        );
        Some((y, z))
    }
}

/// Clip keeps its input's shape; its bounds must be finite numbers with min <= max.
fn clip_shape(min: Option<f32>, max: Option<f32>, input: Shape) -> Result<Shape> {
    if min.is_some_and(|v| !v.is_finite()) || max.is_some_and(|v| !v.is_finite()) {
        bail!("min and max must be finite numbers (leave one out for no bound on that side), got {min:?} and {max:?}");
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            bail!("min {lo} is above max {hi}");
        }
    }
    Ok(input)
}

/// Calls `f` with every tensor of `xs` as a contiguous slice.
fn with_slices<R>(xs: &[&Tensor], f: impl FnOnce(&[&[f32]]) -> R) -> R {
    let owned: Vec<_> = xs.iter().map(|x| contiguous(x)).collect();
    let parts: Vec<&[f32]> = owned.iter().map(|p| &p[..]).collect();
    f(&parts)
}

/// The elements of `t` in logical (row-major) order as a new Vec: one copy of the slice when it is
/// contiguous (always, for the engine's own tensors) rather than ndarray's element iterator.
pub fn to_vec(t: &Tensor) -> Vec<f32> {
    contiguous(t).into_owned()
}

/// The elements of `t` in logical (row-major) order, borrowed when already contiguous.
fn contiguous(t: &Tensor) -> std::borrow::Cow<'_, [f32]> {
    match t.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(t.iter().copied().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::{to_vec, Tensor};

    #[test]
    fn to_vec_gives_logical_order_for_contiguous_and_strided_tensors() {
        let t = Tensor::from_shape_vec(vec![2, 3], vec![0., 1., 2., 3., 4., 5.]).unwrap();
        assert_eq!(to_vec(&t), [0., 1., 2., 3., 4., 5.]);
        let transposed = t.t().to_owned(); // a fresh standard-layout copy
        assert_eq!(to_vec(&transposed), [0., 3., 1., 4., 2., 5.]);
        let view = t.clone().reversed_axes(); // strided: not contiguous in logical order
        assert!(view.as_slice().is_none());
        assert_eq!(to_vec(&view), [0., 3., 1., 4., 2., 5.]);
    }
}
