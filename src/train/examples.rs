//! Labelled examples as `setData` and `evaluate` take them: `count` raw inputs laid end to end
//! (each what `run` takes: CHW, values in [0, 1]) and one class index per example.

use crate::bail;
use crate::error::Result;
use crate::model::Model;

/// Checked examples: the raw inputs and their labels.
#[derive(Clone, Debug, Default)]
pub struct Examples {
    pub count: usize,
    /// Values per example (the model input's channels * height * width).
    pub size: usize,
    pub inputs: Vec<f32>,
    pub labels: Vec<u32>,
}

impl Examples {
    /// Checks `inputs` and `labels` against `model` (`classes` class scores) and each other.
    /// Labels arrive as numbers (JS gives any of Uint8Array, Int32Array or an array).
    pub fn new(model: &Model, classes: usize, inputs: Vec<f32>, labels: &[f64], count: usize) -> Result<Examples> {
        let spec = &model.input;
        let size = spec.len();
        if count == 0 {
            bail!("count must be at least 1");
        }
        if count.checked_mul(size) != Some(inputs.len()) {
            bail!(
                "images has {} values, but count * channels * height * width = {count} * {} * {} * {} = {}",
                inputs.len(),
                spec.channels,
                spec.height,
                spec.width,
                count.saturating_mul(size)
            );
        }
        if labels.len() != count {
            bail!("labels has {} entries for count = {count} examples", labels.len());
        }
        if let Some(i) = inputs.iter().position(|v| !v.is_finite()) {
            bail!("images: value {i} (example {}) is {}, not a finite number", i / size, inputs[i]);
        }
        let labels = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                if l.fract() == 0.0 && l >= 0.0 && l < classes as f64 {
                    Ok(l as u32)
                } else {
                    let names = model.labels.as_ref().map_or(String::new(), |n| format!(" ({})", n.join(", ")));
                    bail!("labels[{i}] is {l}: a class index must be a whole number from 0 to {}{names}", classes - 1)
                }
            })
            .collect::<Result<Vec<u32>>>()?;
        Ok(Examples { count, size, inputs, labels })
    }

    /// Example `i`'s raw input.
    pub fn input(&self, i: usize) -> &[f32] {
        &self.inputs[i * self.size..(i + 1) * self.size]
    }
}
