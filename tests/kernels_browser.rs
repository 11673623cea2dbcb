//! The checks of `kernels_random.rs`, in headless browsers:
//! `wasm-pack test --headless --chrome -- --test kernels_browser` (and `--firefox`).
//! Compiled for wasm32 only (on the host they would just repeat `kernels_random.rs`).
#![cfg(target_arch = "wasm32")]

use convlens::kernels::selftest as check;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn browser_simd_backend_is_compiled_in_and_runs() {
    check::check_simd_kernels_ran();
}

#[wasm_bindgen_test]
fn browser_conv_random_shapes_match_reference() {
    check::run_random_conv(0xB0B, 100);
}

#[wasm_bindgen_test]
fn browser_conv_blocking_edges_and_1x1_match_reference() {
    check::run_fixed_conv();
}

#[wasm_bindgen_test]
fn browser_pool_random_shapes_match_reference() {
    check::run_random_pool(0xF00D, 150);
}

#[wasm_bindgen_test]
fn browser_linear_matches_reference() {
    check::run_linear(5);
}

#[wasm_bindgen_test]
fn browser_matmul_matches_naive() {
    check::run_matmul(6);
}

#[wasm_bindgen_test]
fn browser_relu_matches_reference() {
    check::run_relu(12);
}

#[wasm_bindgen_test]
fn browser_depthwise_simd_kernels_run() {
    check::check_depthwise_simd_ran();
}

#[wasm_bindgen_test]
fn browser_grouped_and_depthwise_random_shapes_match_reference() {
    check::run_random_grouped(0xD00D, 100);
}

#[wasm_bindgen_test]
fn browser_depthwise_mobilenet_shapes_and_dispatch_match_reference() {
    check::run_fixed_depthwise();
}

#[wasm_bindgen_test]
fn browser_avgpool_count_include_pad_matches_reference() {
    check::run_random_pool_include_pad(0xA8, 100);
}

/// Plain build: bit for bit the scalar backend's (unfused) results. Relaxed-SIMD build
/// (`./build.sh test` runs this file in Chrome with `+relaxed-simd` too): every output within
/// `2 gamma(K + 2) sum|terms|` of them, the bound stated in docs/architecture.md ("Builds").
#[wasm_bindgen_test]
fn browser_fast_kernels_vs_unfused_scalar_backend() {
    let st = check::run_fused_vs_unfused(0xFA5E, 60);
    console_log!(
        "{}: {} of {} outputs differ from the unfused ones; max |diff| {:.3} u*S, {:.4} of the bound",
        convlens::kernels::ISA,
        st.differ,
        st.outputs,
        st.max_units,
        st.max_of_bound
    );
    assert!(st.outputs > 10_000, "{st:?}");
    if convlens::kernels::ISA == "simd128" {
        assert_eq!(st.differ, 0, "{st:?}");
    }
}
