use convlens::train::{options::TrainOptions, Trainer};
fn main() {
    let name = std::env::args().nth(1).unwrap_or("digits".into());
    let m = convlens::models::builtin(&name).unwrap();
    let a = convlens::architecture::architecture(&m);
    let mut t = Trainer::from_architecture(&a, &TrainOptions::default()).unwrap();
    let set = convlens::data::Dataset::from_idx(
        include_bytes!("../tests/data/digits-train1000-images.idx"),
        include_bytes!("../tests/data/digits-train1000-labels.idx"),
    )
    .unwrap();
    t.set_data(set.inputs(), &set.label_values(), set.len()).unwrap();
    t.step(5).unwrap();
    let s = std::time::Instant::now();
    let n = 200;
    t.step(n).unwrap();
    let el = s.elapsed().as_secs_f64();
    println!("{:.2} ms/step, {:.0} img/s", el * 1000.0 / n as f64, 64.0 * n as f64 / el);
}
