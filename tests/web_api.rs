//! The JS API inside wasm, under node. (On the host this file has no tests: the API needs a JS engine.)
#![cfg(target_arch = "wasm32")]

mod samples;
#[macro_use]
mod web_checks;

web_api_tests!();
