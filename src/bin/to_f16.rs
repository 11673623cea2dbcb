//! Rewrites model files with their weights stored F16 (half the size; computing stays f32):
//! `cargo run --release --bin to_f16 -- models/digits.safetensors [more files...]`, in place.
//! The trainer already writes F16; this converts files written as F32.

use convlens::format::{self, Storage};

fn convert(path: &str) -> convlens::Result<()> {
    let bytes = std::fs::read(path).map_err(|e| convlens::Error(format!("{path}: {e}")))?;
    let model = format::load(&bytes)?;
    let half = format::save_as(&model, Storage::F16)?;
    std::fs::write(path, &half).map_err(|e| convlens::Error(format!("{path}: {e}")))?;
    println!("{path}: {} -> {} bytes", bytes.len(), half.len());
    Ok(())
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: to_f16 <model.safetensors>...");
        std::process::exit(2);
    }
    for p in &paths {
        if let Err(e) = convert(p) {
            eprintln!("error: {}", e.0);
            std::process::exit(1);
        }
    }
}
