//! Native trainer for the builtin models: `./build.sh train [digits|fashion]`.
//!
//! Mini-batch Adam on softmax cross-entropy, a fixed seed, every thread of the machine; prints
//! epoch, loss, train and test accuracy, with a percentage while an epoch runs. Writes
//! `models/<name>.safetensors`.

use convlens::data::Dataset;
use convlens::layers::{Conv2d, LayerKind, Linear, Pool2d};
use convlens::rng::Rng;
use convlens::train::{accuracy, example_gradient, Adam};
use convlens::{format, Gradients, InputSpec, Model};
use ndarray::{Array1, Array2, Array4};
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

/// conv 5x5 (pad 2), relu, maxpool 2, conv 5x5 (pad 2), relu, maxpool 2, flatten, linear, softmax,
/// with He-normal initial weights and zero biases.
fn initial_model(r: &Recipe, rng: &mut Rng) -> Res<Model> {
    let (c1, c2) = r.channels;
    let mut he = |shape: &[usize], fan_in: usize| -> Vec<f32> {
        let s = (2.0 / fan_in as f32).sqrt();
        (0..shape.iter().product::<usize>()).map(|_| s * rng.normal()).collect()
    };
    let conv = |w: Vec<f32>, cout: usize, cin: usize| -> Res<LayerKind> {
        let w = Array4::from_shape_vec((cout, cin, 5, 5), w)?;
        Ok(LayerKind::Conv2d(Conv2d::new(w, Some(Array1::zeros(cout)), (1, 1), (2, 2), (1, 1))))
    };
    let w1 = he(&[c1, 1, 5, 5], 25);
    let w2 = he(&[c2, c1, 5, 5], c1 * 25);
    let w3 = he(&[10, c2 * 49], c2 * 49);
    let pool = || LayerKind::MaxPool2d(Pool2d::new((2, 2), (2, 2), (0, 0)));
    let layers = vec![
        ("conv1", conv(w1, c1, 1)?),
        ("relu1", LayerKind::Relu),
        ("pool1", pool()),
        ("conv2", conv(w2, c2, c1)?),
        ("relu2", LayerKind::Relu),
        ("pool2", pool()),
        ("flatten", LayerKind::Flatten),
        ("fc", LayerKind::Linear(Linear::new(Array2::from_shape_vec((10, c2 * 49), w3)?, Some(Array1::zeros(10))))),
        ("softmax", LayerKind::Softmax),
    ];
    let input = InputSpec { channels: 1, height: 28, width: 28, mean: vec![r.mean], std: vec![r.std] };
    let labels = r.labels.iter().map(|s| s.to_string()).collect();
    Ok(Model::new(input, Some(labels), layers.into_iter().map(|(n, k)| (n.to_string(), k)).collect())?)
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

/// Sum of gradients, loss and right answers over `idx`, split across threads.
fn batch_gradient(model: &Model, data: &Dataset, idx: &[usize], threads: usize) -> Res<(Gradients, f32, usize)> {
    let chunk = idx.len().div_ceil(threads);
    let parts: Vec<convlens::Result<(Gradients, f32, usize)>> = std::thread::scope(|s| {
        let handles: Vec<_> = idx
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut g = model.zero_grads();
                    let (mut loss, mut right) = (0.0, 0);
                    for &i in part {
                        let (l, ok) = example_gradient(model, &data.image(i), data.labels[i] as usize, &mut g)?;
                        loss += l;
                        right += ok as usize;
                    }
                    Ok((g, loss, right))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("training thread panicked")).collect()
    });
    let mut total = model.zero_grads();
    let (mut loss, mut right) = (0.0, 0);
    for p in parts {
        let (g, l, r) = p?;
        total.add(&g);
        loss += l;
        right += r;
    }
    Ok((total, loss, right))
}

fn test_accuracy(model: &Model, test: &Dataset) -> Res<f64> {
    Ok(accuracy(model, (0..test.len()).map(|i| (test.image(i), test.labels[i] as usize)))?)
}

fn train(r: &Recipe, data_dir: &Path, out: &Path, epochs: usize) -> Res<()> {
    let dir = data_dir.join(r.name);
    let (train_set, test_set) = (load_set(&dir, "train")?, load_set(&dir, "t10k")?);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rng = Rng::new(SEED);
    let mut model = initial_model(r, &mut rng)?;
    println!(
        "training {}: {} parameters, {} train / {} test images, batch {BATCH}, {epochs} epochs, {threads} threads, seed {SEED}",
        r.name,
        model.params(),
        train_set.len(),
        test_set.len()
    );
    let mut adam = Adam::new(&model, r.lr);
    let mut order: Vec<usize> = (0..train_set.len()).collect();
    let start = Instant::now();
    let steps_per_epoch = order.len().div_ceil(BATCH);
    for epoch in 0..epochs {
        rng.shuffle(&mut order);
        let (mut loss, mut right) = (0.0f64, 0usize);
        for (step, idx) in order.chunks(BATCH).enumerate() {
            // Cosine decay of the learning rate over the whole run.
            let t = (epoch * steps_per_epoch + step) as f32 / (epochs * steps_per_epoch) as f32;
            adam.lr = r.lr * 0.5 * (1.0 + (std::f32::consts::PI * t).cos());
            let (g, l, ok) = batch_gradient(&model, &train_set, idx, threads)?;
            adam.update(&mut model, &g, idx.len());
            loss += l as f64;
            right += ok;
            if step % 50 == 0 {
                eprint!("\r  epoch {}/{epochs}: {:5.1}%", epoch + 1, 100.0 * step as f64 / steps_per_epoch as f64);
                std::io::stderr().flush().ok();
            }
        }
        let test_acc = test_accuracy(&model, &test_set)?;
        eprint!("\r");
        println!(
            "epoch {}/{epochs}  loss {:.4}  train acc {:.2}%  test acc {:.2}%  ({:.0} s)",
            epoch + 1,
            loss / order.len() as f64,
            100.0 * right as f64 / order.len() as f64,
            100.0 * test_acc,
            start.elapsed().as_secs_f64()
        );
    }
    // Shipped F16: half the size in the wasm, accuracy unchanged (docs/models.md).
    std::fs::write(out, format::save_as(&model, format::Storage::F16)?)?;
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
