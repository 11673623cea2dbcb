//! The training loss and evaluation: softmax cross-entropy of the class scores, where the class
//! scores are the input of the model's final softmax layer, or the last layer's output when the
//! model does not end in one: `logsumexp(z) - z[y]` per example.

use crate::bail;
use crate::error::Result;
use crate::layers::{LayerKind, Shape, Source};
use crate::model::Model;
use crate::train::examples::Examples;

/// Where a model's class scores are: the layer whose output they are, and how many classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassScores {
    pub layer: usize,
    pub classes: usize,
}

impl ClassScores {
    /// The class scores of `model`, or an error saying why it has none.
    pub fn of(model: &Model) -> Result<ClassScores> {
        let last = model.layers.len() - 1;
        let l = &model.layers[last];
        let source = match l.kind {
            LayerKind::Softmax => l.inputs[0],
            _ => Source::Layer(last),
        };
        let Source::Layer(layer) = source else {
            bail!("the model's softmax reads the model input: there are no class scores to train");
        };
        match model.layers[layer].output_shape {
            Shape::Vector(classes) if classes >= 1 => Ok(ClassScores { layer, classes }),
            shape => bail!(
                "training and evaluation need a model that ends in a vector of class scores (a linear layer, \
                 optionally followed by softmax), but layer {layer} '{}' gives {shape}",
                model.layers[layer].name
            ),
        }
    }
}

/// The cross-entropy `logsumexp(z) - z[label]` of scores `z`, with `softmax(z)` written to `p`
/// when given (the loss's gradient is `p - onehot(label)`).
pub fn cross_entropy(z: &[f32], label: usize, p: Option<&mut [f32]>) -> f32 {
    let max = z.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
    let sum: f32 = z.iter().map(|&v| (v - max).exp()).sum();
    if let Some(p) = p {
        p.iter_mut().zip(z).for_each(|(p, &v)| *p = (v - max).exp() / sum);
    }
    max + sum.ln() - z[label]
}

/// Index of the largest value (the first on ties).
pub fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

/// A model's loss and accuracy on labelled examples (inference mode).
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean cross-entropy.
    pub loss: f64,
    pub accuracy: f64,
    /// `classes * classes` counts: row = true class, column = predicted class.
    pub confusion: Vec<u32>,
    pub predictions: Vec<i32>,
    pub classes: usize,
}

/// Evaluates `model` on `examples` in inference mode (dropout off, batchnorm with its running
/// statistics: the forward pass `run` makes).
pub fn evaluate(model: &Model, examples: &Examples) -> Result<Evaluation> {
    let scores = ClassScores::of(model)?;
    let k = scores.classes;
    let mut confusion = vec![0u32; k * k];
    let mut predictions = Vec::with_capacity(examples.count);
    let (mut loss, mut right) = (0f64, 0usize);
    let mut spare = None;
    for i in 0..examples.count {
        let acts = model.forward_reusing(examples.input(i), scores.layer, &mut spare)?;
        let z = acts.outputs[scores.layer].as_slice().expect("layer outputs are contiguous");
        let label = examples.labels[i] as usize;
        loss += cross_entropy(z, label, None) as f64;
        let predicted = argmax(z);
        right += (predicted == label) as usize;
        confusion[label * k + predicted] += 1;
        predictions.push(predicted as i32);
        spare = Some(acts);
    }
    let n = examples.count as f64;
    Ok(Evaluation { loss: loss / n, accuracy: right as f64 / n, confusion, predictions, classes: k })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_by_hand() {
        // z = [1, 2, 3], label 0: log(e + e^2 + e^3) - 1.
        let z = [1.0f32, 2.0, 3.0];
        let want = ((1f64).exp() + (2f64).exp() + (3f64).exp()).ln() - 1.0;
        let mut p = [0.0; 3];
        assert!((cross_entropy(&z, 0, Some(&mut p)) as f64 - want).abs() < 1e-6);
        let e: Vec<f64> = z.iter().map(|&v| (v as f64).exp()).collect();
        let s: f64 = e.iter().sum();
        for (p, e) in p.iter().zip(&e) {
            assert!((*p as f64 - e / s).abs() < 1e-7);
        }
        // Large scores stay finite (logsumexp, not log of a sum of overflowing exps).
        assert!((cross_entropy(&[1000.0, 0.0], 1, None) - 1000.0).abs() < 1e-3);
        assert_eq!(argmax(&[0.0, 3.0, 3.0, 1.0]), 1);
    }
}
