//! The JS API inside wasm, under node. (On the host this file has no tests: the API needs a JS engine.)
#![cfg(target_arch = "wasm32")]

mod web_checks;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn builtin_summary_describes_every_layer() {
    web_checks::builtin_summary_describes_every_layer();
}

#[wasm_bindgen_test]
fn run_and_activation_match_a_hand_computed_case() {
    web_checks::run_and_activation_match_a_hand_computed_case();
}

#[wasm_bindgen_test]
fn bad_arguments_throw_errors_with_messages() {
    web_checks::bad_arguments_throw_errors_with_messages();
}

#[wasm_bindgen_test]
fn model_files_round_trip_through_from_bytes() {
    web_checks::model_files_round_trip_through_from_bytes();
}

#[wasm_bindgen_test]
fn builtin_digits_accuracy_on_500_test_images() {
    web_checks::builtin_digits_accuracy_on_500_test_images();
}

#[wasm_bindgen_test]
fn builtin_fashion_accuracy_on_500_test_images() {
    web_checks::builtin_fashion_accuracy_on_500_test_images();
}

#[wasm_bindgen_test]
fn builtin_models_have_labels_and_shapes() {
    web_checks::builtin_models_have_labels_and_shapes();
}
