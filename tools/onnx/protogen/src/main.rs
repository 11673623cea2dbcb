//! Generates the prost types for onnx.proto without protoc: protox parses the .proto file into a
//! descriptor set, prost-build turns it into Rust. Usage: onnx-protogen <dir holding onnx/onnx.proto> <out.rs>

use std::{env, fs, path::PathBuf};

fn main() {
    let args: Vec<String> = env::args().collect();
    let [_, include, out] = &args[..] else {
        eprintln!("usage: onnx-protogen <include dir (holding onnx/onnx.proto)> <out.rs>");
        std::process::exit(2);
    };
    let fds = protox::compile(["onnx/onnx.proto"], [include]).expect("parsing onnx.proto");
    let tmp = PathBuf::from(env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into())).join("onnx-protogen");
    fs::create_dir_all(&tmp).unwrap();
    prost_build::Config::new().out_dir(&tmp).compile_fds(fds).expect("prost-build");
    let code = fs::read_to_string(tmp.join("onnx.rs")).expect("onnx.rs written by prost-build");
    fs::write(out, code).unwrap();
}
