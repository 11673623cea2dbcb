//! Property test: truncated, bit-flipped, spliced and random files never panic the loader, and
//! every error has a message. (Host only: proptest does not build for wasm; format.rs runs a
//! seeded fuzz inside wasm too.)
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{every_layer_model, every_op_model, Rng, RngExt};
use convlens::format;
use proptest::prelude::*;

/// A valid file: the older layer types, or (`new_ops`) one layer of every type.
fn good_file(new_ops: bool) -> Vec<u8> {
    if new_ops {
        format::save(&every_op_model(&mut Rng::new(5))).unwrap()
    } else {
        format::save(&every_layer_model(&mut Rng::new(5), 2)).unwrap()
    }
}

fn check(bytes: &[u8]) {
    if let Err(e) = format::load(bytes) {
        assert!(!e.0.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn truncated_files(cut in 0usize..4000, new_ops in any::<bool>()) {
        let good = good_file(new_ops);
        check(&good[..cut.min(good.len())]);
    }

    #[test]
    fn bit_flipped_files(flips in prop::collection::vec((0usize..100_000, 0u8..8), 1..12), new_ops in any::<bool>()) {
        let mut b = good_file(new_ops);
        let n = b.len();
        for (i, bit) in flips {
            b[i % n] ^= 1 << bit;
        }
        check(&b);
    }

    #[test]
    fn header_bytes_replaced(edits in prop::collection::vec((0usize..2000, any::<u8>()), 1..6), new_ops in any::<bool>()) {
        // Edits aimed at the JSON header, where structure lives.
        let mut b = good_file(new_ops);
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
    (0u8..16, 1usize..6, 1usize..8, 1usize..4, 0usize..4, 1usize..3)
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
        use convlens::layers::{BatchNorm2d, Conv2d, LayerKind, Linear, Pool2d};
        use ndarray::{Array1, Array2, Array4};
        let mut rng = Rng::new(7);
        let mut channels = c;
        let mut flat: Option<usize> = None;
        let mut layers = Vec::new();
        for (i, &(t, n, k, s, p, d)) in specs.iter().enumerate() {
            let kind = match t {
                0 | 7 => {
                    // 7: grouped; n groups when they divide the channels (depthwise when n = channels),
                    // else a group count that often does not fit, which must be an error.
                    let groups = if t == 0 { 1 } else if channels % n == 0 { n } else { channels.max(2) };
                    let out = if t == 0 { n } else { groups * (1 + d % 2) };
                    let per = (channels / groups).max(1);
                    let wt = Array4::from_shape_vec((out, per, k, k), rng.scaled(out * per * k * k, 0.5)).unwrap();
                    channels = out;
                    let conv = Conv2d::new(wt, Some(Array1::from(rng.vec(out))), (s, s), (p, p), (d, d));
                    LayerKind::Conv2d(conv.with_groups(groups))
                }
                1 => LayerKind::Relu,
                2 => LayerKind::MaxPool2d(Pool2d::new((k, k), (s, s), (p, p))),
                3 => LayerKind::AvgPool2d(Pool2d::new((k, k), (s, s), (p, p)).with_count_include_pad(d == 2)),
                4 => { flat = Some(0); LayerKind::Flatten }
                5 => {
                    // in_features guessed from nothing: often wrong, which must be an error.
                    let inp = flat.map_or(channels * h * w, |_| channels * k);
                    LayerKind::Linear(Linear::new(Array2::from_shape_vec((n, inp), rng.vec(n * inp)).unwrap(), None))
                }
                6 => LayerKind::Softmax,
                8 => {
                    // Channels from the chain (wrong after a flatten); a negative variance when p == 3.
                    let var = (0..channels).map(|i| if p == 3 && i == 0 { -0.5 } else { 0.5 + rng.unit() }).collect();
                    let bn = BatchNorm2d::new(rng.vec(channels), var, Some(rng.vec(channels)), None, 1e-5 * k as f32);
                    LayerKind::BatchNorm2d(bn)
                }
                9 => LayerKind::Relu6,
                10 => LayerKind::Clip { min: (s != 1).then_some(-(p as f32)), max: (d == 1).then_some(k as f32 - 4.0) },
                11 => LayerKind::Sigmoid,
                12 => LayerKind::Hardswish,
                13 => LayerKind::GlobalAvgPool,
                14 => LayerKind::Dropout { p: p as f32 / 3.0 },
                _ => LayerKind::Reshape {
                    shape: match s { 1 => vec![-1], 2 => vec![n as i64, -1, 1], _ => vec![n as i64 - 2, k as i64] },
                },
            };
            if t == 15 {
                flat = Some(0);
            }
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
