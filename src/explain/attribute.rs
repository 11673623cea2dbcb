//! Gradient attributions of a class score to the input pixels (and Grad-CAM at a conv layer).

use super::target::Target;
use crate::bail;
use crate::error::Result;
use crate::layers::Shape;
use crate::model::Model;
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// d(score)/d(input), CHW.
    Gradient,
    /// max over channels of |gradient|, H*W.
    Saliency,
    /// sum over channels of input * gradient, H*W.
    GradXInput,
    /// mean saliency over noisy copies of the input, H*W.
    SmoothGrad,
    /// Integrated Gradients from a black baseline, summed over channels, H*W.
    Integrated,
    /// Grad-CAM at a spatial layer, at that layer's resolution h*w.
    GradCam,
}

impl Method {
    pub fn parse(name: &str) -> Result<Method> {
        Ok(match name {
            "gradient" => Method::Gradient,
            "saliency" => Method::Saliency,
            "gradxinput" => Method::GradXInput,
            "smoothgrad" => Method::SmoothGrad,
            "integrated" => Method::Integrated,
            "gradcam" => Method::GradCam,
            _ => bail!(
                "unknown attribution method '{name}' (gradient, saliency, gradxinput, smoothgrad, integrated, gradcam)"
            ),
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AttributeOptions {
    pub method: Method,
    /// The class (an output index); None: the predicted class.
    pub target: Option<usize>,
    /// Grad-CAM's layer; None: the last conv layer.
    pub layer: Option<usize>,
    /// SmoothGrad: noisy copies and their noise standard deviation.
    pub samples: usize,
    pub sigma: f32,
    /// Integrated Gradients: steps of the path integral (midpoint rule).
    pub steps: usize,
    pub seed: u64,
}

impl Default for AttributeOptions {
    fn default() -> Self {
        AttributeOptions {
            method: Method::Gradient,
            target: None,
            layer: None,
            samples: 16,
            sigma: 0.15,
            steps: 64,
            seed: 0,
        }
    }
}

/// The attribution map of `opts.method` for the raw input `x`.
pub fn attribute(model: &Model, x: &[f32], opts: &AttributeOptions) -> Result<Vec<f32>> {
    let acts = model.forward(x)?;
    let class = match opts.target {
        Some(c) => c,
        None => crate::train::argmax(acts.output().as_slice().expect("contiguous")),
    };
    let target = Target::class(model, class)?;
    let spec = &model.input;
    let (c, plane) = (spec.channels, spec.height * spec.width);
    let grad =
        |input: &[f32]| -> Result<Vec<f32>> { Ok(crate::layers::to_vec(&target.value_and_gradient(model, input)?.1)) };
    // The gradient at `x` itself reuses the forward pass above.
    let grad_at_x = || -> Result<Vec<f32>> { Ok(crate::layers::to_vec(&target.gradient(model, &acts)?)) };
    let saliency = |g: &[f32]| -> Vec<f32> {
        (0..plane).map(|p| (0..c).map(|ch| g[ch * plane + p].abs()).fold(0.0, f32::max)).collect()
    };
    let per_pixel_sum =
        |v: &[f32]| -> Vec<f32> { (0..plane).map(|p| (0..c).map(|ch| v[ch * plane + p]).sum()).collect() };
    Ok(match opts.method {
        Method::Gradient => grad_at_x()?,
        Method::Saliency => saliency(&grad_at_x()?),
        Method::GradXInput => {
            let g = grad_at_x()?;
            per_pixel_sum(&g.iter().zip(x).map(|(g, x)| g * x).collect::<Vec<_>>())
        }
        Method::SmoothGrad => {
            if opts.samples == 0 || opts.samples > 10_000 {
                bail!("samples must be from 1 to 10000");
            }
            if !(opts.sigma.is_finite() && opts.sigma >= 0.0) {
                bail!("sigma must be a number >= 0");
            }
            let mut rng = Rng::new(opts.seed);
            let mut sum = vec![0.0; plane];
            for _ in 0..opts.samples {
                let noisy: Vec<f32> = x.iter().map(|v| v + opts.sigma * rng.normal()).collect();
                sum.iter_mut().zip(saliency(&grad(&noisy)?)).for_each(|(s, v)| *s += v);
            }
            sum.iter().map(|s| s / opts.samples as f32).collect()
        }
        Method::Integrated => {
            if opts.steps == 0 || opts.steps > 10_000 {
                bail!("steps must be from 1 to 10000");
            }
            let mut total = vec![0.0; x.len()];
            for k in 0..opts.steps {
                let alpha = (k as f32 + 0.5) / opts.steps as f32;
                let point: Vec<f32> = x.iter().map(|v| alpha * v).collect();
                total.iter_mut().zip(grad(&point)?).for_each(|(t, g)| *t += g);
            }
            let ig: Vec<f32> = total.iter().zip(x).map(|(t, v)| v * t / opts.steps as f32).collect();
            per_pixel_sum(&ig)
        }
        Method::GradCam => {
            let layer = match opts.layer {
                Some(l) => l,
                None => match model.layers.iter().rposition(|l| matches!(l.kind, crate::LayerKind::Conv2d(_))) {
                    Some(l) => l,
                    None => bail!("Grad-CAM needs a conv layer, and this model has none"),
                },
            };
            let shape = model.output_shape(layer)?;
            let Shape::Chw(lc, lh, lw) = shape else {
                bail!("Grad-CAM needs a spatial layer; layer {layer} outputs a vector {shape}");
            };
            if layer >= target.layer {
                bail!("Grad-CAM layer {layer} must come before the class score (layer {})", target.layer);
            }
            grad_cam(model, &acts, &target, layer, (lc, lh * lw))?
        }
    })
}

/// weights_c = mean over positions of d(score)/d(A_c); map = ReLU(sum_c weights_c * A_c).
fn grad_cam(
    model: &Model,
    acts: &crate::Activations,
    target: &Target,
    layer: usize,
    (channels, positions): (usize, usize),
) -> Result<Vec<f32>> {
    // d(score)/d(A) at `layer`: backpropagate the score down to that layer's output only.
    let g = model.gradient_at(acts, target.layer, &target.seed, layer)?;
    let a = acts.outputs[layer].as_slice().expect("contiguous");
    let g = g.as_slice().expect("contiguous");
    let mut map = vec![0.0; positions];
    for ch in 0..channels {
        let span = ch * positions..(ch + 1) * positions;
        let weight = g[span.clone()].iter().sum::<f32>() / positions as f32;
        map.iter_mut().zip(&a[span]).for_each(|(m, v)| *m += weight * v);
    }
    map.iter_mut().for_each(|m| *m = m.max(0.0));
    Ok(map)
}
