//! The options objects of the JS API (`maximize`, `maximizer`, `attribute`), as serde structs
//! with the API's camelCase names. Unknown fields are errors, so a typo never passes silently
//! (`FIELDS` lists the known ones: serde-wasm-bindgen reads only known fields of a JS object, so
//! the boundary checks the object's keys against these lists).

use super::attribute::{AttributeOptions, Method};
use super::maximize::{Init, MaximizeOptions, Optimizer};
use super::target::Target;
use crate::bail;
use crate::error::Result;
use crate::model::Model;
use serde::Deserialize;

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
}

impl MaximizeArgs {
    pub const FIELDS: &'static [&'static str] = &[
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
    ];

    /// The target and the options, defaults filled in.
    pub fn resolve(&self, model: &Model) -> Result<(Target, MaximizeOptions)> {
        let target = Target::new(model, self.layer, self.channel, self.unit)?;
        let d = MaximizeOptions::default();
        let init = match self.init.as_deref() {
            None | Some("noise") => Init::Noise,
            Some("zeros") => Init::Zeros,
            Some("input") => Init::Input,
            Some(other) => bail!("unknown init '{other}' (noise, zeros or input)"),
        };
        let optimizer = match self.optimizer.as_deref() {
            None | Some("adam") => Optimizer::Adam,
            Some("normalized") => Optimizer::Normalized,
            Some(other) => bail!("unknown optimizer '{other}' (adam or normalized)"),
        };
        let opts = MaximizeOptions {
            steps: self.steps.unwrap_or(d.steps),
            learning_rate: self.learning_rate.unwrap_or(d.learning_rate),
            optimizer,
            l2: self.l2.unwrap_or(d.l2),
            tv: self.tv.unwrap_or(d.tv),
            jitter: self.jitter.unwrap_or(d.jitter),
            blur_every: self.blur_every.unwrap_or(d.blur_every),
            blur_sigma: self.blur_sigma.unwrap_or(d.blur_sigma),
            init,
            seed: self.seed.unwrap_or(d.seed),
        };
        if opts.jitter > 64 {
            bail!("jitter must be at most 64 pixels");
        }
        Ok((target, opts))
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
    pub const FIELDS: &'static [&'static str] = &["method", "target", "layer", "samples", "sigma", "steps", "seed"];

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
