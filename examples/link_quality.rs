//! Link quality on planted datasets (`core::link::planted`): for each seed, generate A, B (a
//! re-emergence of A's operation) and C (unrelated, sharing only popular hashtags, big domains and
//! famous quotes), analyze each, link them, and score the links against the plan. Prints a
//! Markdown table (for BENCHMARKS.md).
//!
//! `cargo run --release --example link_quality -- [--seeds 1,2,3] [--scale X] [--check]`
//! `--check` exits with status 1 when a run misses the targets (planted link found, no planted
//! non-link linked, cluster-pair and account precision and recall >= 0.9).
use chorus::core::detect::{analyze, DetectParams};
use chorus::core::link::{self, planted, LinkParams};
use std::time::Instant;

fn fail(msg: &str) -> ! {
    eprintln!("link_quality: {msg}");
    std::process::exit(2)
}

fn main() {
    let mut seeds: Vec<u64> = vec![1, 2, 3, 4, 5];
    let mut scale = 1.0f64;
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| fail(&format!("{name} needs a value")));
        match a.as_str() {
            "--seeds" => {
                seeds = value("--seeds")
                    .split(',')
                    .map(|s| s.trim().parse().unwrap_or_else(|_| fail(&format!("--seeds: `{s}` is not a number"))))
                    .collect()
            }
            "--scale" => {
                let v = value("--scale");
                scale = v.parse().unwrap_or_else(|_| fail(&format!("--scale: `{v}` is not a number")))
            }
            "--check" => check = true,
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    println!("| seed | posts | A–B strength | A–C | B–C | links found | non-links linked | op clusters linked | cluster P | cluster R | account P | account R | re-emergence P | re-emergence R | link s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let f = |v: f64| if v.is_nan() { "n/a".to_string() } else { format!("{v:.3}") };
    let mut missed = Vec::new();
    for &seed in &seeds {
        let p = planted::planted(seed, scale);
        let analyses: Vec<_> = p
            .datasets
            .iter()
            .map(|(_, ds)| analyze(ds, &DetectParams::default(), &mut |_, _| {}, &|| false).unwrap_or_else(|e| fail(&e.to_string())))
            .collect();
        let inputs: Vec<link::Input<'_>> = p.datasets.iter().zip(&analyses).map(|((n, ds), an)| (n.as_str(), ds, an)).collect();
        let t = Instant::now();
        let r = link::link(&inputs, &LinkParams::default());
        let secs = t.elapsed().as_secs_f64();
        let s = planted::score(&p, &analyses, &r);
        let posts: usize = p.datasets.iter().map(|(_, d)| d.n_posts()).sum();
        let st = |a, b| s.strengths.iter().find(|x| x.0 == a && x.1 == b).map_or(0.0, |x| x.2);
        println!(
            "| {seed} | {posts} | {:.1} | {:.1} | {:.1} | {}/{} | {} | {}/{} | {} | {} | {} | {} | {} | {} | {secs:.3} |",
            st(0, 1),
            st(0, 2),
            st(1, 2),
            s.dataset_links_found,
            s.dataset_links_planted,
            s.dataset_non_links_linked,
            s.cluster_pairs_correct,
            s.cluster_pairs_planted,
            f(s.cluster_precision()),
            f(s.cluster_recall()),
            f(s.account_precision()),
            f(s.account_recall()),
            f(s.re_emergence_precision()),
            f(s.re_emergence_recall()),
        );
        // NaN (nothing to measure) fails the check too
        let ok = s.dataset_links_found == s.dataset_links_planted
            && s.dataset_non_links_linked == 0
            && s.cluster_precision() >= 0.9
            && s.cluster_recall() >= 0.9
            && s.account_precision() >= 0.9
            && s.account_recall() >= 0.9;
        if !ok {
            missed.push(seed);
        }
    }
    if check && !missed.is_empty() {
        eprintln!("link_quality: seeds {missed:?} missed the targets");
        std::process::exit(1);
    }
}
