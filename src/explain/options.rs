//! The options objects of the JS API (`maximize`, `maximizer`, `attribute`), as serde structs
//! with the API's camelCase names. Unknown fields are errors, so a typo never passes silently
//! (serde-wasm-bindgen reads only known fields of a JS object, so the boundary checks the
//! object's keys against the fields serde knows, [`crate::introspect::field_names`]).

use super::attribute::{AttributeOptions, Method};
use super::maximize::{Init, MaximizeOptions, Optimizer, ParamKind};
use super::target::Target;
use crate::bail;
use crate::error::Result;
use crate::model::Model;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaximizeArgs {
    pub layer: usize,
    pub channel: Option<usize>,
    pub unit: Option<usize>,
    pub steps: Option<usize>,
    pub learning_rate: Option<f32>,
    pub optimizer: Option<String>,
    pub l2: Option<f32>,
    pub tv: Option<f32>,
    pub jitter: Option<usize>,
    pub blur_every: Option<usize>,
    pub blur_sigma: Option<f32>,
    pub init: Option<String>,
    pub seed: Option<u64>,
    pub param: Option<String>,
    pub decorrelate: Option<bool>,
    pub scale: Option<[f32; 2]>,
    pub rotate: Option<f32>,
    pub pad: Option<usize>,
}

impl MaximizeArgs {
    /// The target and the options, the model's defaults ([`MaximizeOptions::for_input`]) filled in.
    pub fn resolve(&self, model: &Model) -> Result<(Target, MaximizeOptions)> {
        let target = Target::new(model, self.layer, self.channel, self.unit)?;
        let d = MaximizeOptions::for_input(&model.input);
        let init = match self.init.as_deref() {
            None => d.init,
            Some("noise") => Init::Noise,
            Some("zeros") => Init::Zeros,
            Some("input") => Init::Input,
            Some(other) => bail!("unknown init '{other}' (noise, zeros or input)"),
        };
        let optimizer = match self.optimizer.as_deref() {
            None => d.optimizer,
            Some("adam") => Optimizer::Adam,
            Some("normalized") => Optimizer::Normalized,
            Some(other) => bail!("unknown optimizer '{other}' (adam or normalized)"),
        };
        let param = match self.param.as_deref() {
            None => d.param,
            Some("pixel") => ParamKind::Pixel,
            Some("fourier") => ParamKind::Fourier,
            Some(other) => bail!("unknown param '{other}' (pixel or fourier)"),
        };
        let decorrelate = self.decorrelate.unwrap_or(d.decorrelate);
        // Blur works on plain pixels only: its default is 0 for the other parameterizations.
        let plain = param == ParamKind::Pixel && !decorrelate;
        let opts = MaximizeOptions {
            steps: self.steps.unwrap_or(d.steps),
            learning_rate: self.learning_rate.unwrap_or(d.learning_rate),
            optimizer,
            l2: self.l2.unwrap_or(d.l2),
            tv: self.tv.unwrap_or(d.tv),
            jitter: self.jitter.unwrap_or(d.jitter),
            blur_every: self.blur_every.unwrap_or(if plain { d.blur_every } else { 0 }),
            blur_sigma: self.blur_sigma.unwrap_or(d.blur_sigma),
            init,
            seed: self.seed.unwrap_or(d.seed),
            param,
            decorrelate,
            scale: self.scale.map_or(d.scale, |[lo, hi]| (lo, hi)),
            rotate: self.rotate.unwrap_or(d.rotate),
            pad: self.pad.unwrap_or(d.pad),
        };
        if opts.jitter > 64 {
            bail!("jitter must be at most 64 pixels");
        }
        Ok((target, opts))
    }
}

/// The defaults of a model's maximization options, with the JS API's names and values
/// (`explorer.maximizeDefaults()`; the page fills its settings with them).
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MaximizeDefaults {
    pub steps: usize,
    pub learning_rate: f64,
    pub optimizer: &'static str,
    pub l2: f64,
    pub tv: f64,
    pub jitter: usize,
    pub blur_every: usize,
    pub blur_sigma: f64,
    pub init: &'static str,
    pub seed: u64,
    pub param: &'static str,
    pub decorrelate: bool,
    pub scale: [f64; 2],
    pub rotate: f64,
    pub pad: usize,
}

/// An f32 default as the nearest f64 with 7 decimals (0.05, not 0.05000000074505806; no
/// float formatting or parsing code in the wasm for this).
fn decimal(v: f32) -> f64 {
    (v as f64 * 1e7).round() / 1e7
}

impl MaximizeDefaults {
    pub fn of(model: &Model) -> MaximizeDefaults {
        let d = MaximizeOptions::for_input(&model.input);
        MaximizeDefaults {
            steps: d.steps,
            learning_rate: decimal(d.learning_rate),
            optimizer: match d.optimizer {
                Optimizer::Adam => "adam",
                Optimizer::Normalized => "normalized",
            },
            l2: decimal(d.l2),
            tv: decimal(d.tv),
            jitter: d.jitter,
            blur_every: d.blur_every,
            blur_sigma: decimal(d.blur_sigma),
            init: match d.init {
                Init::Noise => "noise",
                Init::Zeros => "zeros",
                Init::Input => "input",
            },
            seed: d.seed,
            param: match d.param {
                ParamKind::Pixel => "pixel",
                ParamKind::Fourier => "fourier",
            },
            decorrelate: d.decorrelate,
            scale: [decimal(d.scale.0), decimal(d.scale.1)],
            rotate: decimal(d.rotate),
            pad: d.pad,
        }
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct AttributeArgs {
    pub method: String,
    pub target: Option<usize>,
    pub layer: Option<usize>,
    pub samples: Option<usize>,
    pub sigma: Option<f32>,
    pub steps: Option<usize>,
    pub seed: Option<u64>,
}

impl AttributeArgs {
    pub fn resolve(&self) -> Result<AttributeOptions> {
        let d = AttributeOptions::default();
        Ok(AttributeOptions {
            method: Method::parse(&self.method)?,
            target: self.target,
            layer: self.layer,
            samples: self.samples.unwrap_or(d.samples),
            sigma: self.sigma.unwrap_or(d.sigma),
            steps: self.steps.unwrap_or(d.steps),
            seed: self.seed.unwrap_or(d.seed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{AttributeArgs, MaximizeArgs};
    use crate::introspect::field_names;

    /// The options the JS API documents (docs/js-api.md), as the boundary checks keys against.
    #[test]
    fn the_known_fields_are_the_js_api_names() {
        let maximize = [
            "layer",
            "channel",
            "unit",
            "steps",
            "learningRate",
            "optimizer",
            "l2",
            "tv",
            "jitter",
            "blurEvery",
            "blurSigma",
            "init",
            "seed",
            "param",
            "decorrelate",
            "scale",
            "rotate",
            "pad",
        ];
        assert_eq!(field_names::<MaximizeArgs>(), maximize);
        assert_eq!(field_names::<AttributeArgs>(), ["method", "target", "layer", "samples", "sigma", "steps", "seed"]);
    }
}
