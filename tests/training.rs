//! The trainer against independent computations: finite differences of the training-mode batch
//! loss for every parameter (batchnorm with batch statistics, dropout, residual add, grouped and
//! depthwise convolution, pooling), batchnorm's training forward and running statistics by hand,
//! one SGD step and Adam's first steps by hand (PyTorch's formulas), determinism, the error cases,
//! and a fixed-step run on real MNIST. Runs on the host and inside wasm (node; the same checks run
//! in headless Chrome and Firefox from training_browser.rs).

mod common;
#[macro_use]
mod training_checks;

training_tests!();
