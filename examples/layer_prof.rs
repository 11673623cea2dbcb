use std::time::Instant;
fn main() {
    let name = std::env::args().nth(1).unwrap_or("digits".into());
    let m = convlens::models::builtin(&name).unwrap();
    let x: Vec<f32> = (0..784).map(|i| ((i * 37) % 255) as f32 / 255.0).collect();
    let acts = m.forward(&x).unwrap();
    let reps = 64 * 50;
    for (i, l) in m.layers.iter().enumerate() {
        let xs: Vec<&convlens::Tensor> = l.inputs.iter().map(|&s| acts.get(s)).collect();
        let t = Instant::now();
        for _ in 0..reps { std::hint::black_box(l.forward(&xs)); }
        let f = t.elapsed().as_secs_f64() / reps as f64 * 1e6;
        let gy = acts.outputs[i].clone();
        let mut pg = l.zero_grads();
        let t = Instant::now();
        for _ in 0..reps { std::hint::black_box(l.backward(&xs, &acts.outputs[i], &gy, pg.as_mut())); }
        let b = t.elapsed().as_secs_f64() / reps as f64 * 1e6;
        let t = Instant::now();
        if let Some(pg) = pg.as_mut() { for _ in 0..reps { l.backward_params(&xs, &acts.outputs[i], &gy, pg); } }
        let p = t.elapsed().as_secs_f64() / reps as f64 * 1e6;
        println!("{:8} fwd {:7.2} us  bwd {:7.2} us  params-only {:7.2} us", l.name, f, b, p);
    }
}
