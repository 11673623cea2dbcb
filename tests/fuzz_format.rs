//! Property test: truncated, bit-flipped, spliced and random files never panic the loader, and
//! every error has a message. (Host only: proptest does not build for wasm; format.rs runs a
//! seeded fuzz inside wasm too.)
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{every_layer_model, Rng, RngExt};
use convlens::format;
use proptest::prelude::*;

fn good_file() -> Vec<u8> {
    format::save(&every_layer_model(&mut Rng::new(5), 2)).unwrap()
}

fn check(bytes: &[u8]) {
    if let Err(e) = format::load(bytes) {
        assert!(!e.0.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn truncated_files(cut in 0usize..4000) {
        let good = good_file();
        check(&good[..cut.min(good.len())]);
    }

    #[test]
    fn bit_flipped_files(flips in prop::collection::vec((0usize..100_000, 0u8..8), 1..12)) {
        let mut b = good_file();
        let n = b.len();
        for (i, bit) in flips {
            b[i % n] ^= 1 << bit;
        }
        check(&b);
    }

    #[test]
    fn header_bytes_replaced(edits in prop::collection::vec((0usize..2000, any::<u8>()), 1..6)) {
        // Edits aimed at the JSON header, where structure lives.
        let mut b = good_file();
        let header = 8 + u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
        for (i, v) in edits {
            b[8 + i % (header - 8)] = v;
        }
        check(&b);
    }

    #[test]
    fn random_files(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn random_files_with_plausible_header_length(len in 0u64..1_000_000, tail in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut b = len.to_le_bytes().to_vec();
        b.extend(tail);
        check(&b);
    }
}

/// One random layer: (type, out channels or features, kernel, stride, padding, dilation).
fn layer_strategy() -> impl Strategy<Value = (u8, usize, usize, usize, usize, usize)> {
    (0u8..7, 1usize..6, 1usize..8, 1usize..4, 0usize..4, 1usize..3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random architectures with weights of the right shapes: loading either fails with a message
    /// or gives a model whose forward and backward passes run and stay finite.
    #[test]
    fn random_architectures_load_or_fail_cleanly(
        c in 1usize..4, h in 1usize..20, w in 1usize..20,
        specs in prop::collection::vec(layer_strategy(), 1..7),
    ) {
        use convlens::layers::{Conv2d, LayerKind, Linear, Pool2d};
        use ndarray::{Array1, Array2, Array4};
        let mut rng = Rng::new(7);
        let mut channels = c;
        let mut flat: Option<usize> = None;
        let mut layers = Vec::new();
        for (i, &(t, n, k, s, p, d)) in specs.iter().enumerate() {
            let kind = match t {
                0 => {
                    let wt = Array4::from_shape_vec((n, channels, k, k), rng.scaled(n * channels * k * k, 0.5)).unwrap();
                    channels = n;
                    LayerKind::Conv2d(Conv2d::new(wt, Some(Array1::from(rng.vec(n))), (s, s), (p, p), (d, d)))
                }
                1 => LayerKind::Relu,
                2 => LayerKind::MaxPool2d(Pool2d::new((k, k), (s, s), (p, p))),
                3 => LayerKind::AvgPool2d(Pool2d::new((k, k), (s, s), (p, p))),
                4 => { flat = Some(0); LayerKind::Flatten }
                5 => {
                    // in_features guessed from nothing: often wrong, which must be an error.
                    let inp = flat.map_or(channels * h * w, |_| channels * k);
                    LayerKind::Linear(Linear::new(Array2::from_shape_vec((n, inp), rng.vec(n * inp)).unwrap(), None))
                }
                _ => LayerKind::Softmax,
            };
            layers.push((format!("l{i}"), kind));
        }
        let model = convlens::Model::new(convlens::InputSpec::plain(c, h, w), None, layers);
        let Ok(model) = model else { return Ok(()) };
        // Round trip through the file format, then run.
        let model = format::load(&format::save(&model).unwrap()).unwrap();
        let x = rng.spaced(c * h * w);
        let acts = model.forward(&x).unwrap();
        prop_assert!(acts.output().iter().all(|v| v.is_finite()));
        let last = model.layers.len() - 1;
        let seed = model.unit_seed(last, 0).unwrap();
        let mut grads = model.zero_grads();
        let g = model.backward(&acts, last, &seed, Some(&mut grads)).unwrap();
        prop_assert!(g.iter().all(|v| v.is_finite()));
    }
}
