//! Explaining a model: activation maximization, gradient attributions and activation statistics.
//! Everything here is plain Rust on [`Model`](crate::Model); `web.rs` only converts types.

pub mod attribute;
pub mod fft;
pub mod image;
pub mod maximize;
pub mod options;
pub mod param;
pub mod stats;
mod target;
pub mod transform;

pub use attribute::{attribute, AttributeOptions, Method};
pub use maximize::{Init, MaximizeOptions, Maximizer, Optimizer, ParamKind, MAX_STEPS};
pub use stats::{statistics, ChannelStats, LayerStats};
pub use target::Target;
