//! Checks of the fast kernels against [`super::reference`] on randomized and edge-case shapes.
//! Each panics with a precise message on the first mismatch. The integration tests
//! `tests/kernels_random.rs` (host and node) and `tests/kernels_browser.rs` (headless Chrome
//! and Firefox) call them, so the same checks run natively and in every wasm engine.
//!
//! Test-only: compiled with the `selftest` feature, which the crate's own tests turn on (the
//! self dev-dependency in `Cargo.toml`) and no product build has.

mod common;
mod conv;
mod dense;
mod fused;
mod pool;

pub use common::{assert_close, Rng};
pub use conv::*;
pub use dense::*;
pub use fused::*;
pub use pool::*;
