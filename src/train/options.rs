//! The trainer's options, as `Trainer.fromArchitecture`, `Trainer.fromBytes` and
//! `trainer.setOptions` take them (docs/js-api.md): every field optional, unknown fields and bad
//! values errors naming the option. [`Settings`] holds the values in force.

use crate::bail;
use crate::error::Result;
use serde::Deserialize;

/// One options object; absent fields leave the setting as it is (its default at first).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainOptions {
    /// Seeds the initial weights (from an architecture), the order of the examples and dropout.
    pub seed: Option<u64>,
    /// "adam" or "sgd".
    pub optimizer: Option<String>,
    pub learning_rate: Option<f64>,
    /// SGD's momentum (PyTorch's, no dampening, not Nesterov).
    pub momentum: Option<f64>,
    /// Added to each gradient as `weight_decay * w` (PyTorch's SGD and Adam, not AdamW).
    pub weight_decay: Option<f64>,
    pub batch_size: Option<usize>,
    pub shuffle: Option<bool>,
}

impl TrainOptions {
    /// The options from a JSON object (the host's way in; JS objects arrive through serde too).
    pub fn from_json(text: &str) -> Result<TrainOptions> {
        serde_json::from_str(text).map_err(|e| crate::error::Error(format!("training options: {e}")))
    }
}

/// Which update rule the trainer applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerKind {
    Adam,
    Sgd,
}

impl OptimizerKind {
    /// PyTorch's default learning rate for `torch.optim.Adam` (1e-3) and the trainer's for SGD (0.01).
    pub fn default_learning_rate(self) -> f32 {
        match self {
            OptimizerKind::Adam => 1e-3,
            OptimizerKind::Sgd => 0.01,
        }
    }
}

/// The largest accepted batch size.
pub const MAX_BATCH: usize = 65_536;

/// The settings in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub seed: u64,
    pub optimizer: OptimizerKind,
    /// None: the optimizer's default.
    pub learning_rate: Option<f32>,
    pub momentum: f32,
    pub weight_decay: f32,
    pub batch_size: usize,
    pub shuffle: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 0,
            optimizer: OptimizerKind::Adam,
            learning_rate: None,
            momentum: 0.0,
            weight_decay: 0.0,
            batch_size: 64,
            shuffle: true,
        }
    }
}

impl Settings {
    /// The learning rate in force.
    pub fn learning_rate(&self) -> f32 {
        self.learning_rate.unwrap_or(self.optimizer.default_learning_rate())
    }

    /// These settings with `o` applied, every value checked (an error changes nothing).
    pub fn with(&self, o: &TrainOptions) -> Result<Settings> {
        let mut s = self.clone();
        if let Some(seed) = o.seed {
            // JS numbers are exact integers up to 2^53.
            if seed > (1u64 << 53) {
                bail!("seed must be a whole number from 0 to 2^53, not {seed}");
            }
            s.seed = seed;
        }
        if let Some(name) = &o.optimizer {
            s.optimizer = match name.as_str() {
                "adam" => OptimizerKind::Adam,
                "sgd" => OptimizerKind::Sgd,
                _ => bail!("optimizer must be \"adam\" or \"sgd\", not \"{name}\""),
            };
        }
        if let Some(lr) = o.learning_rate {
            s.learning_rate = Some(number(lr, "learningRate", |v| v > 0.0, "above 0")?);
        }
        if let Some(m) = o.momentum {
            s.momentum = number(m, "momentum", |v| v >= 0.0, "0 or more")?;
        }
        if let Some(wd) = o.weight_decay {
            s.weight_decay = number(wd, "weightDecay", |v| v >= 0.0, "0 or more")?;
        }
        if let Some(b) = o.batch_size {
            if !(1..=MAX_BATCH).contains(&b) {
                bail!("batchSize must be a whole number from 1 to {MAX_BATCH}, not {b}");
            }
            s.batch_size = b;
        }
        if let Some(sh) = o.shuffle {
            s.shuffle = sh;
        }
        Ok(s)
    }
}

/// `v` as an f32 when it is finite, representable and satisfies `ok`.
fn number(v: f64, name: &str, ok: impl Fn(f64) -> bool, want: &str) -> Result<f32> {
    if !v.is_finite() || !ok(v) || !(v as f32).is_finite() {
        bail!("{name} must be a finite number {want}, not {v}");
    }
    Ok(v as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_pytorch_and_the_contract() {
        let s = Settings::default();
        assert_eq!((s.seed, s.optimizer, s.batch_size, s.shuffle), (0, OptimizerKind::Adam, 64, true));
        assert_eq!(s.learning_rate(), 1e-3);
        let sgd = s.with(&TrainOptions::from_json(r#"{"optimizer": "sgd"}"#).unwrap()).unwrap();
        assert_eq!(sgd.learning_rate(), 0.01);
        let set = sgd.with(&TrainOptions::from_json(r#"{"learningRate": 0.5}"#).unwrap()).unwrap();
        let back = set.with(&TrainOptions::from_json(r#"{"optimizer": "adam"}"#).unwrap()).unwrap();
        assert_eq!(back.learning_rate(), 0.5, "a learning rate given stays when the optimizer changes");
    }

    #[test]
    fn unknown_options_and_bad_values_name_the_option() {
        let e = TrainOptions::from_json(r#"{"lr": 1}"#).unwrap_err().0;
        assert!(e.contains("unknown field `lr`"), "{e}");
        let s = Settings::default();
        for (json, name) in [
            (r#"{"learningRate": 0}"#, "learningRate"),
            (r#"{"learningRate": -1}"#, "learningRate"),
            (r#"{"momentum": -0.1}"#, "momentum"),
            (r#"{"weightDecay": -1}"#, "weightDecay"),
            (r#"{"batchSize": 0}"#, "batchSize"),
            (r#"{"optimizer": "rmsprop"}"#, "optimizer"),
            (r#"{"learningRate": 1e300}"#, "learningRate"),
        ] {
            let e = s.with(&TrainOptions::from_json(json).unwrap()).unwrap_err().0;
            assert!(e.starts_with(name), "{json}: {e}");
        }
    }
}
