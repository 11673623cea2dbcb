//! Fast kernels vs the scalar reference on randomized shapes. Runs on the host (`cargo test`)
//! and in node (`wasm-pack test --node -- --test kernels_random`); `kernels_browser.rs` runs the
//! same checks in headless browsers. `unsupported = test` makes each a plain `#[test]` on the host.

use convlens::kernels::selftest as check;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test(unsupported = test)]
fn simd_backend_is_compiled_in_and_runs() {
    check::check_simd_kernels_ran();
}

#[wasm_bindgen_test(unsupported = test)]
fn conv_random_shapes_match_reference() {
    check::run_random_conv(0xC0FFEE, 150);
}

#[wasm_bindgen_test(unsupported = test)]
fn conv_blocking_edges_and_1x1_match_reference() {
    check::run_fixed_conv();
}

#[wasm_bindgen_test(unsupported = test)]
fn pool_random_shapes_match_reference() {
    check::run_random_pool(0xBEEF, 200);
}

#[wasm_bindgen_test(unsupported = test)]
fn linear_matches_reference() {
    check::run_linear(3);
}

#[wasm_bindgen_test(unsupported = test)]
fn matmul_matches_naive() {
    check::run_matmul(4);
}

#[wasm_bindgen_test(unsupported = test)]
fn relu_matches_reference() {
    check::run_relu(11);
}

#[wasm_bindgen_test(unsupported = test)]
fn depthwise_simd_kernels_run() {
    check::check_depthwise_simd_ran();
}

#[wasm_bindgen_test(unsupported = test)]
fn grouped_and_depthwise_random_shapes_match_reference() {
    check::run_random_grouped(0xD3E7, 150);
}

#[wasm_bindgen_test(unsupported = test)]
fn depthwise_mobilenet_shapes_and_dispatch_match_reference() {
    check::run_fixed_depthwise();
}

#[wasm_bindgen_test(unsupported = test)]
fn avgpool_count_include_pad_matches_reference() {
    check::run_random_pool_include_pad(0xA7, 150);
}

#[wasm_bindgen_test(unsupported = test)]
fn fast_kernels_round_like_the_unfused_scalar_backend() {
    // Bit-exact on the host and in the plain wasm build (node runs only that one).
    let st = check::run_fused_vs_unfused(0xFACE, 40);
    assert!(st.outputs > 10_000, "{st:?}");
}
