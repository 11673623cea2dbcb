//! The checks of `training.rs`, in headless browsers:
//! `wasm-pack test --headless --chrome -- --test training_browser` (and `--firefox`).
//! Compiled for wasm32 only (on the host they would just repeat `training.rs`).
#![cfg(target_arch = "wasm32")]

mod common;
#[macro_use]
mod training_checks;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

training_tests!();
