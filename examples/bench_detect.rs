//! Detection stage by stage on a synthetic dataset: seconds per stage, co-action candidate
//! pairs per second per method, community detection time. CPU time of this thread is reported
//! beside wall time (the machine may be shared).
//!
//! `cargo run --release --example bench_detect -- [SCENARIO] [SCALE] [SEED]`   (default: mixed 4.6 1, ≈1M posts)
use chorus::core::detect::{analyze, DetectParams};
use chorus::core::synth;
use std::time::Instant;

/// CPU time of this thread in seconds (Linux), for numbers that survive a loaded machine.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()))
        .map(|ns| ns / 1e9)
        .unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scenario = args.first().map(String::as_str).unwrap_or("mixed");
    let scale: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(4.6);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let Some(params) = synth::scenario(scenario, seed, scale) else {
        eprintln!("unknown scenario `{scenario}`");
        std::process::exit(2);
    };
    let data = match synth::generate(&params) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let ds = synth::to_dataset(&data);
    drop(data);
    println!("dataset: {scenario} x{scale} seed {seed}: {} posts, {} accounts", ds.n_posts(), ds.n_accounts());

    let mut stages: Vec<(String, f64, f64)> = Vec::new();
    let mut current = (String::from("start"), Instant::now(), cpu_s());
    let (t0, c0) = (Instant::now(), cpu_s());
    let an = analyze(
        &ds,
        &DetectParams::default(),
        &mut |stage, _| {
            if stage != current.0 {
                let (name, wall, cpu) = std::mem::replace(&mut current, (stage.to_string(), Instant::now(), cpu_s()));
                stages.push((name, wall.elapsed().as_secs_f64(), current.2 - cpu));
            }
        },
        &|| false,
    )
    .unwrap_or_else(|e| {
        eprintln!("analysis failed: {e}");
        std::process::exit(1);
    });
    let (total_wall, total_cpu) = (t0.elapsed().as_secs_f64(), cpu_s() - c0);
    println!("\n| stage | wall s | CPU s |\n|---|---:|---:|");
    for (name, wall, cpu) in stages.iter().filter(|s| s.0 != "start") {
        println!("| {name} | {wall:.2} | {cpu:.2} |");
    }
    println!("| **total** | {total_wall:.2} | {total_cpu:.2} |");
    println!("\n| method | objects | candidate pairs | edges | budget hit | pairs per CPU second |\n|---|---:|---:|---:|---|---:|");
    for m in &an.methods {
        let cpu =
            stages.iter().find(|s| s.0 == format!("co-action: {}", m.kind.name())).map(|s| s.2).unwrap_or(f64::NAN);
        let rate =
            if cpu >= 0.01 { format!("{:.0}", m.candidate_pairs as f64 / cpu) } else { "(too fast to time)".into() };
        println!(
            "| {} | {} | {} | {} | {} | {rate} |",
            m.kind.name(),
            m.objects,
            m.candidate_pairs,
            m.edges,
            m.budget_hit
        );
    }
    println!("\n{} clusters, {} coordination edges", an.clusters.len(), an.edges.len());
}
