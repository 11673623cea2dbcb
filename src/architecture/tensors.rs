//! A model's tensors by name, as f32 (shape, values): what a model file or an imported ONNX file
//! supplies. Each is handed out once, so leftovers can be reported.

use crate::bail;
use crate::error::Result;
use ndarray::Array1;
use std::collections::HashMap;

/// The suffix of PyTorch's batchnorm step counter, a buffer of every `BatchNorm2d`'s `state_dict`
/// (one integer, not a weight).
pub const STEP_COUNTER_SUFFIX: &str = ".num_batches_tracked";

#[derive(Default)]
pub struct Tensors {
    map: HashMap<String, (Vec<usize>, Vec<f32>)>,
    /// Names of PyTorch batchnorm step counters (`<layer>.num_batches_tracked`), each accepted
    /// once by its batchnorm2d layer.
    step_counters: Vec<String>,
}

impl Tensors {
    /// Adds tensor `name`; its values must be finite and fit its shape.
    pub fn insert(&mut self, name: &str, shape: Vec<usize>, values: Vec<f32>) -> Result<()> {
        let n = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if n != Some(values.len()) {
            bail!("tensor '{name}' has {} values, which do not fit its shape {shape:?}", values.len());
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            bail!("tensor '{name}' holds {} at element {i}; weights must be finite", values[i]);
        }
        self.map.insert(name.to_string(), (shape, values));
        Ok(())
    }

    /// Adds a batchnorm step counter (a name ending in [`STEP_COUNTER_SUFFIX`]), which only the
    /// batchnorm2d layer it belongs to accepts.
    pub fn insert_step_counter(&mut self, name: String) {
        self.step_counters.push(name);
    }

    /// The shape and values of tensor `name`, or None when there is no such tensor.
    fn take(&mut self, name: &str) -> Option<(Vec<usize>, Vec<f32>)> {
        self.map.remove(name)
    }

    /// `<layer>.weight`, which must be there with `dims` dimensions.
    pub fn weight(&mut self, layer: &str, dims: usize) -> Result<(Vec<usize>, Vec<f32>)> {
        let name = format!("{layer}.weight");
        let Some((shape, values)) = self.take(&name) else {
            bail!("tensor '{name}' is missing");
        };
        if shape.len() != dims {
            bail!("tensor '{name}' has shape {shape:?}, but a {dims}-D weight is expected");
        }
        Ok((shape, values))
    }

    /// `<layer>.bias` of `len` values, or None when absent.
    pub fn bias(&mut self, layer: &str, len: usize) -> Result<Option<Array1<f32>>> {
        let name = format!("{layer}.bias");
        match self.take(&name) {
            None => Ok(None),
            Some((shape, values)) if shape == [len] => Ok(Some(Array1::from(values))),
            Some((shape, _)) => bail!("tensor '{name}' has shape {shape:?}, expected [{len}]"),
        }
    }

    /// The 1-D tensor `<layer>.<what>` (None when absent), of `len` values when given.
    pub fn vector(&mut self, layer: &str, what: &str, len: Option<usize>) -> Result<Option<Vec<f32>>> {
        let name = format!("{layer}.{what}");
        match (self.take(&name), len) {
            (None, _) => Ok(None),
            (Some((shape, values)), Some(n)) if shape == [n] => Ok(Some(values)),
            (Some((shape, _)), Some(n)) => bail!("tensor '{name}' has shape {shape:?}, expected [{n}]"),
            (Some((shape, values)), None) if shape.len() == 1 => Ok(Some(values)),
            (Some((shape, _)), None) => {
                bail!("tensor '{name}' has shape {shape:?}, but a 1-D tensor [channels] is expected")
            }
        }
    }

    /// Accepts `<layer>.num_batches_tracked` of a batchnorm layer, when the file has one.
    pub fn step_counter(&mut self, layer: &str) {
        let name = format!("{layer}{STEP_COUNTER_SUFFIX}");
        self.step_counters.retain(|n| *n != name);
    }

    /// The names of the tensors no layer took, sorted.
    pub fn leftovers(&self) -> Vec<String> {
        let mut left: Vec<String> = self.map.keys().chain(&self.step_counters).cloned().collect();
        left.sort();
        left
    }
}
