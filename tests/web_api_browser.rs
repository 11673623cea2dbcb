//! The JS API inside wasm, in headless Chrome and Firefox. (On the host this file has no tests.)
#![cfg(target_arch = "wasm32")]

mod samples;
#[macro_use]
mod web_checks;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

web_api_tests!();
