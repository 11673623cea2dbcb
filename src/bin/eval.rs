//! Accuracy of the committed builtin models on the official 10,000-image test sets:
//! `./build.sh eval`. With `--write-samples`, also writes the small evaluation samples the wasm
//! tests use (`tests/data/<name>-test500-{images,labels}.idx`: the first 500 test images) and the
//! training sample of the training tests (`tests/data/digits-train1000-{images,labels}.idx`: the
//! first 100 training images of each class, in the training set's order).

use convlens::data::Dataset;
use std::path::Path;

const SAMPLE: usize = 500;
const TRAIN_SAMPLE: usize = 1000;

fn run(name: &str, bar: f64, write_samples: bool) -> Result<bool, Box<dyn std::error::Error>> {
    let dir = Path::new(".cache/data").join(name);
    let read = |f: &str| std::fs::read(dir.join(f)).map_err(|e| format!("{}/{f}: {e}", dir.display()));
    let test = Dataset::from_idx(&read("t10k-images-idx3-ubyte")?, &read("t10k-labels-idx1-ubyte")?)?;
    let model = convlens::models::builtin(name)?;
    let acc = convlens::train::evaluate(&model, test.inputs(), &test.label_values(), test.len())?.accuracy;
    let ok = 100.0 * acc >= bar;
    println!(
        "{name:8} {:6.2}% on {} test images (bar {bar:.1}%) {}",
        100.0 * acc,
        test.len(),
        if ok { "ok" } else { "BELOW THE BAR" }
    );
    if write_samples {
        let (images, labels) = test.take(SAMPLE).to_idx();
        std::fs::create_dir_all("tests/data")?;
        std::fs::write(format!("tests/data/{name}-test{SAMPLE}-images.idx"), images)?;
        std::fs::write(format!("tests/data/{name}-test{SAMPLE}-labels.idx"), labels)?;
        if name == "digits" {
            let train = Dataset::from_idx(&read("train-images-idx3-ubyte")?, &read("train-labels-idx1-ubyte")?)?;
            let (images, labels) = train.balanced(TRAIN_SAMPLE / 10).to_idx();
            std::fs::write(format!("tests/data/{name}-train{TRAIN_SAMPLE}-images.idx"), images)?;
            std::fs::write(format!("tests/data/{name}-train{TRAIN_SAMPLE}-labels.idx"), labels)?;
        }
    }
    Ok(ok)
}

fn main() {
    let write = std::env::args().any(|a| a == "--write-samples");
    let mut all_ok = true;
    for (name, bar) in [("digits", 98.8), ("fashion", 89.0)] {
        match run(name, bar, write) {
            Ok(ok) => all_ok &= ok,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                all_ok = false;
            }
        }
    }
    std::process::exit(if all_ok { 0 } else { 1 });
}
