//! Forward passes that write into an earlier pass's tensors. A test binary of its own: the
//! kernel-call counters that `ops.rs` asserts on are process-wide, and these passes run the same
//! kernels.

mod common;

use common::*;
use wasm_bindgen_test::wasm_bindgen_test;

/// A pass written into an earlier pass's tensors (`forward_reusing`, what the explorer and the
/// maximizer do) gives exactly what a fresh pass gives: every layer overwrites all of its output,
/// none relies on zeroed memory. The spare tensors hold another input's values, so a layer that
/// only added into its output, or skipped cells, would differ.
#[wasm_bindgen_test(unsupported = test)]
fn a_pass_into_the_last_passs_tensors_equals_a_fresh_pass() {
    let mut rng = Rng::new(50);
    let models = [
        every_layer_model(&mut rng, 1),
        graph_model(&mut rng),
        mobilenet_block_model(&mut rng),
        every_op_model(&mut rng),
        convlens::models::builtin("digits").unwrap(),
    ];
    for m in &models {
        let n = m.input.len();
        let (a, b): (Vec<f32>, Vec<f32>) =
            (rng.vec(n).iter().map(|v| 0.5 + 0.5 * v).collect(), rng.vec(n).iter().map(|v| 0.5 - 0.4 * v).collect());
        let fresh = m.forward(&b).unwrap();
        let mut spare = Some(m.forward(&a).unwrap());
        let reused = m.forward_reusing(&b, m.layers.len() - 1, &mut spare).unwrap();
        assert!(spare.is_none(), "the spare tensors were used");
        assert_eq!(reused.outputs, fresh.outputs);
        // A pass that stops early, into a full pass's tensors; and a bad input leaves the spare.
        let mut spare = Some(reused);
        let short = m.forward_reusing(&a, 1, &mut spare).unwrap();
        assert_eq!(short.outputs[..], m.forward(&a).unwrap().outputs[..2]);
        let mut spare = Some(short);
        assert!(m.forward_reusing(&a[1..], 1, &mut spare).is_err());
        assert!(spare.is_some(), "an input refused before the pass keeps the spare tensors");
    }
}
