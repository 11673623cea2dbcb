//! Property test: truncated, bit-flipped, byte-replaced and random ONNX files never panic the
//! importer, and every error has a message. (Host only: proptest does not build for wasm;
//! onnx_import.rs runs a seeded fuzz inside wasm too.)
#![cfg(not(target_arch = "wasm32"))]

use convlens::load;
use proptest::prelude::*;

/// Reference models with branches, MatMul + Add, Concat, Reshape from a Constant, pooling.
const GOOD: [&[u8]; 3] = [
    include_bytes!("data/onnx-ref/concat.onnx"),
    include_bytes!("data/onnx-ref/matmul_add.onnx"),
    include_bytes!("data/onnx-ref/gemm.onnx"),
];

fn check(bytes: &[u8]) {
    if let Err(e) = load::load_any(bytes) {
        assert!(!e.0.is_empty());
    }
    if let Err(e) = convlens::onnx::import(bytes) {
        assert!(!e.0.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn truncated_files(which in 0usize..3, cut in 0usize..8000) {
        let good = GOOD[which];
        check(&good[..cut.min(good.len())]);
    }

    #[test]
    fn bit_flipped_files(which in 0usize..3, flips in prop::collection::vec((0usize..100_000, 0u8..8), 1..12)) {
        let mut b = GOOD[which].to_vec();
        let n = b.len();
        for (i, bit) in flips {
            b[i % n] ^= 1 << bit;
        }
        check(&b);
    }

    #[test]
    fn bytes_replaced(which in 0usize..3, edits in prop::collection::vec((0usize..100_000, any::<u8>()), 1..8)) {
        // Structure (tags, lengths, varints) lives everywhere in protobuf: replace any byte.
        let mut b = GOOD[which].to_vec();
        let n = b.len();
        for (i, v) in edits {
            b[i % n] = v;
        }
        check(&b);
    }

    #[test]
    fn spliced_files(a in 0usize..3, b in 0usize..3, cut_a in 0usize..8000, cut_b in 0usize..8000) {
        let (x, y) = (GOOD[a], GOOD[b]);
        let mut out = x[..cut_a.min(x.len())].to_vec();
        out.extend_from_slice(&y[cut_b.min(y.len())..]);
        check(&out);
    }

    #[test]
    fn random_files(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }
}
