//! A new model from an architecture, its weights initialized as PyTorch initializes its layers by
//! default: conv2d and linear weights and biases uniform in +-1/sqrt(fan_in) (`kaiming_uniform_`
//! with `a = sqrt(5)` gives that bound for the weights; the bias bound is the same), fan_in =
//! in_channels / groups * kernel height * kernel width, or in_features; batchnorm2d gamma 1, beta
//! 0, running mean 0, running variance 1. Conv2d and linear layers get a bias (PyTorch's default
//! `bias=True`). The values come from the seeded generator, layer by layer, weight then bias.

use crate::architecture::{self, Architecture, LayerType, Tensors};
use crate::bail;
use crate::error::Result;
use crate::layers::Shape;
use crate::model::Model;
use crate::rng::Rng;

/// The largest number of parameters a new model may have (the wasm heap holds them, their
/// gradients and the optimizer's state).
pub const MAX_PARAMETERS: usize = 1 << 26;

/// A model of `arch` with freshly initialized weights drawn from `seed`.
pub fn initialized(arch: &Architecture, seed: u64) -> Result<Model> {
    let mut rng = Rng::new(seed);
    let mut total = 0usize;
    architecture::build_with(arch, |i, shapes| {
        let spec = &arch.layers[i];
        let mut tensors = Tensors::default();
        let values = initial_tensors(
            &spec.layer,
            &spec.name,
            shapes[0],
            &mut rng,
            &mut tensors,
            MAX_PARAMETERS.saturating_sub(total),
        )?;
        total += values;
        let kind = spec.layer.kind(&spec.name, &mut tensors)?;
        Ok(kind)
    })
}

/// Puts the initial tensors of one layer reading `input` into `tensors`; returns how many values
/// they hold (at most `budget`).
fn initial_tensors(
    layer: &LayerType,
    name: &str,
    input: Shape,
    rng: &mut Rng,
    tensors: &mut Tensors,
    budget: usize,
) -> Result<usize> {
    let channels = |what: &str| input.chw(what).map(|(c, _, _)| c);
    let mut uniform = |tensors: &mut Tensors, what: &str, shape: Vec<usize>, fan_in: usize| -> Result<usize> {
        let n: usize = shape.iter().product();
        let bound = 1.0 / (fan_in.max(1) as f32).sqrt();
        tensors.insert(&format!("{name}.{what}"), shape, (0..n).map(|_| bound * rng.signed()).collect())?;
        Ok(n)
    };
    let size = |dims: &[usize]| -> Result<usize> {
        match dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) {
            Some(n) if n <= budget => Ok(n),
            _ => bail!(
                "its weight of shape {dims:?} takes the model over {MAX_PARAMETERS} parameters, the most a model \
                 trained here may have"
            ),
        }
    };
    Ok(match layer {
        LayerType::Conv2d(c) => {
            let cin = channels("conv2d")?;
            let groups = c.groups.unwrap_or(1);
            if groups == 0 || !cin.is_multiple_of(groups) {
                bail!("the input's {cin} channels are not divisible by groups {groups}");
            }
            let (kh, kw) = c.kernel_size.hw();
            let dims = [c.out_channels, cin / groups, kh, kw];
            size(&dims)?;
            let fan_in = cin / groups * kh * kw;
            uniform(tensors, "weight", dims.to_vec(), fan_in)? + uniform(tensors, "bias", vec![c.out_channels], fan_in)?
        }
        LayerType::Linear(l) => {
            let fan_in = input.len();
            let dims = [l.out_features, fan_in];
            size(&dims)?;
            uniform(tensors, "weight", dims.to_vec(), fan_in)? + uniform(tensors, "bias", vec![l.out_features], fan_in)?
        }
        LayerType::BatchNorm2d(_) => {
            let c = channels("batchnorm2d")?;
            size(&[c, 4])?;
            for (what, value) in [("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)] {
                tensors.insert(&format!("{name}.{what}"), vec![c], vec![value; c])?;
            }
            2 * c
        }
        _ => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerKind;

    fn arch(layers: &str) -> Architecture {
        let json = format!(r#"{{"input": {{"channels": 3, "height": 8, "width": 8}}, "layers": [{layers}]}}"#);
        Architecture::from_json(&json).unwrap()
    }

    #[test]
    fn weights_are_uniform_in_the_pytorch_bound_and_seeded() {
        let a = arch(
            r#"{"name": "c", "type": "conv2d", "out_channels": 48, "kernel_size": 3, "groups": 3},
               {"name": "bn", "type": "batchnorm2d"},
               {"name": "f", "type": "flatten"},
               {"name": "fc", "type": "linear", "out_features": 10}"#,
        );
        let m = initialized(&a, 7).unwrap();
        let LayerKind::Conv2d(c) = &m.layers[0].kind else { panic!() };
        assert_eq!(c.weight.shape(), &[48, 1, 3, 3]);
        let bound = 1.0 / 9f32.sqrt(); // fan_in = 3 / 3 groups * 3 * 3
        let w = c.weight.as_slice().unwrap();
        assert!(w.iter().all(|v| v.abs() <= bound));
        // Spread over the whole interval: the extremes come near the bound, the mean near 0.
        let max = w.iter().fold(0f32, |a, v| a.max(v.abs()));
        assert!(max > 0.95 * bound, "{max}");
        let mean = w.iter().sum::<f32>() / w.len() as f32;
        assert!(mean.abs() < 0.05, "{mean}");
        let b = c.bias.as_ref().unwrap();
        assert!(b.iter().all(|v| v.abs() <= bound) && b.iter().any(|&v| v != 0.0));
        let LayerKind::BatchNorm2d(bn) = &m.layers[1].kind else { panic!() };
        assert!(bn.weight.iter().all(|&v| v == 1.0) && bn.bias.iter().all(|&v| v == 0.0));
        assert!(bn.running_mean.iter().all(|&v| v == 0.0) && bn.running_var.iter().all(|&v| v == 1.0));
        let LayerKind::Linear(l) = &m.layers[3].kind else { panic!() };
        let bound = 1.0 / ((48 * 6 * 6) as f32).sqrt();
        assert!(l.weight.iter().all(|v| v.abs() <= bound) && l.bias.as_ref().unwrap().iter().all(|v| v.abs() <= bound));
        // The same seed gives the same weights; another seed others.
        let again = initialized(&a, 7).unwrap();
        let other = initialized(&a, 8).unwrap();
        assert_eq!(m.layers[0].parameters().unwrap().0, again.layers[0].parameters().unwrap().0);
        assert_ne!(m.layers[0].parameters().unwrap().0, other.layers[0].parameters().unwrap().0);
    }

    #[test]
    fn shapes_that_do_not_fit_name_the_layer() {
        let e = initialized(&arch(r#"{"name": "fc", "type": "linear", "out_features": 10}"#), 0).unwrap_err().0;
        assert!(e.starts_with("layer 0 'fc' (linear)") && e.contains("flatten"), "{e}");
        let e = initialized(
            &arch(r#"{"name": "c", "type": "conv2d", "out_channels": 4, "kernel_size": 9}, {"name": "r", "type": "relu"}"#),
            0,
        )
        .unwrap_err()
        .0;
        assert!(e.starts_with("layer 0 'c' (conv2d)"), "{e}");
        let e = initialized(
            &arch(r#"{"name": "c", "type": "conv2d", "out_channels": 4, "kernel_size": 1, "groups": 2}"#),
            0,
        )
        .unwrap_err()
        .0;
        assert!(e.starts_with("layer 0 'c' (conv2d)") && e.contains("groups 2"), "{e}");
        let e =
            initialized(&arch(r#"{"name": "c", "type": "conv2d", "out_channels": 4000000000, "kernel_size": 3}"#), 0)
                .unwrap_err()
                .0;
        assert!(e.starts_with("layer 0 'c' (conv2d)") && e.contains("parameters"), "{e}");
    }
}
