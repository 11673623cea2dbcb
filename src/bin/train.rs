//! Native trainer for the builtin models: `./build.sh train [digits|fashion]`.
//!
//! The engine's own [`Trainer`] (what the browser runs): minibatch Adam on softmax cross-entropy
//! with a cosine-decayed learning rate, PyTorch's default initialization, a fixed seed; prints
//! epoch, loss, train and test accuracy, with a percentage while an epoch runs. Writes
//! `models/<name>.safetensors`.

use convlens::architecture::Architecture;
use convlens::data::Dataset;
use convlens::format;
use convlens::train::options::TrainOptions;
use convlens::train::Trainer;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// What differs between the two builtin models.
struct Recipe {
    name: &'static str,
    labels: [&'static str; 10],
    /// Dataset mean and standard deviation of the raw [0, 1] pixels.
    mean: f32,
    std: f32,
    channels: (usize, usize),
    epochs: usize,
    lr: f32,
}

const DIGITS: Recipe = Recipe {
    name: "digits",
    labels: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    mean: 0.1307,
    std: 0.3081,
    channels: (8, 16),
    epochs: 8,
    lr: 2e-3,
};

const FASHION: Recipe = Recipe {
    name: "fashion",
    labels: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    mean: 0.2860,
    std: 0.3530,
    channels: (12, 24),
    epochs: 8,
    lr: 2e-3,
};

const SEED: u64 = 20261128;
const BATCH: usize = 64;

/// conv 5x5 (pad 2), relu, maxpool 2, conv 5x5 (pad 2), relu, maxpool 2, flatten, linear, softmax.
fn architecture(r: &Recipe) -> Res<Architecture> {
    let (c1, c2) = r.channels;
    let json = serde_json::json!({
        "input": {"channels": 1, "height": 28, "width": 28, "mean": [r.mean], "std": [r.std]},
        "labels": r.labels,
        "layers": [
            {"name": "conv1", "type": "conv2d", "out_channels": c1, "kernel_size": 5, "padding": 2},
            {"name": "relu1", "type": "relu"},
            {"name": "pool1", "type": "maxpool2d", "kernel_size": 2},
            {"name": "conv2", "type": "conv2d", "out_channels": c2, "kernel_size": 5, "padding": 2},
            {"name": "relu2", "type": "relu"},
            {"name": "pool2", "type": "maxpool2d", "kernel_size": 2},
            {"name": "flatten", "type": "flatten"},
            {"name": "fc", "type": "linear", "out_features": 10},
            {"name": "softmax", "type": "softmax"},
        ],
    });
    Ok(Architecture::from_json(&json.to_string())?)
}

fn load_set(dir: &Path, prefix: &str) -> Res<Dataset> {
    let read = |name: String| -> Res<Vec<u8>> {
        let p = dir.join(&name);
        std::fs::read(&p)
            .map_err(|e| format!("{}: {e} (run ./build.sh train, which fetches the data)", p.display()).into())
    };
    let images = read(format!("{prefix}-images-idx3-ubyte"))?;
    let labels = read(format!("{prefix}-labels-idx1-ubyte"))?;
    Ok(Dataset::from_idx(&images, &labels).map_err(|e| format!("{}/{prefix}: {e}", dir.display()))?)
}

fn options(json: serde_json::Value) -> Res<TrainOptions> {
    Ok(TrainOptions::from_json(&json.to_string())?)
}

fn train(r: &Recipe, data_dir: &Path, out: &Path, epochs: usize) -> Res<()> {
    let dir = data_dir.join(r.name);
    let (train_set, test_set) = (load_set(&dir, "train")?, load_set(&dir, "t10k")?);
    let opts =
        options(serde_json::json!({"seed": SEED, "optimizer": "adam", "learningRate": r.lr, "batchSize": BATCH}))?;
    let mut trainer = Trainer::from_architecture(&architecture(r)?, &opts)?;
    trainer.set_data(train_set.inputs(), &train_set.label_values(), train_set.len())?;
    let (test_inputs, test_labels) = (test_set.inputs(), test_set.label_values());
    println!(
        "training {}: {} parameters, {} train / {} test images, batch {BATCH}, {epochs} epochs, seed {SEED}",
        r.name,
        trainer.model().params(),
        train_set.len(),
        test_set.len()
    );
    let start = Instant::now();
    let steps_per_epoch = train_set.len().div_ceil(BATCH);
    for epoch in 0..epochs {
        let (mut loss, mut right) = (0.0f64, 0.0f64);
        for step in 0..steps_per_epoch {
            // Cosine decay of the learning rate over the whole run.
            let t = (epoch * steps_per_epoch + step) as f64 / (epochs * steps_per_epoch) as f64;
            let lr = r.lr as f64 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos());
            trainer.set_options(&options(serde_json::json!({"learningRate": lr.max(1e-7)}))?)?;
            let report = trainer.step(1)?;
            loss += report.loss;
            right += report.accuracy;
            if step % 50 == 0 {
                eprint!("\r  epoch {}/{epochs}: {:5.1}%", epoch + 1, 100.0 * step as f64 / steps_per_epoch as f64);
                std::io::stderr().flush().ok();
            }
        }
        let test = trainer.evaluate(test_inputs.clone(), &test_labels, test_set.len())?;
        eprint!("\r");
        println!(
            "epoch {}/{epochs}  loss {:.4}  train acc {:.2}%  test acc {:.2}%  ({:.0} s)",
            epoch + 1,
            loss / steps_per_epoch as f64,
            100.0 * right / steps_per_epoch as f64,
            100.0 * test.accuracy,
            start.elapsed().as_secs_f64()
        );
    }
    // Shipped F16: half the size in the wasm, accuracy unchanged (docs/models.md).
    std::fs::write(out, format::save_as(trainer.model(), format::Storage::F16)?)?;
    println!("wrote {} ({} bytes)", out.display(), std::fs::metadata(out)?.len());
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut data_dir = PathBuf::from(".cache/data");
    let mut epochs = None;
    let mut which = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--data" => data_dir = it.next().map(PathBuf::from).unwrap_or(data_dir),
            "--epochs" => epochs = it.next().and_then(|e| e.parse().ok()),
            "digits" => which.push(&DIGITS),
            "fashion" => which.push(&FASHION),
            other => {
                eprintln!("unknown argument '{other}'\nusage: train [digits|fashion]... [--epochs N] [--data DIR]");
                std::process::exit(2);
            }
        }
    }
    if which.is_empty() {
        which = vec![&DIGITS, &FASHION];
    }
    for r in which {
        let out = PathBuf::from(format!("models/{}.safetensors", r.name));
        if let Err(e) = train(r, &data_dir, &out, epochs.unwrap_or(r.epochs)) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
