//! Link quality on generated datasets with planted links and planted non-links. Two kinds of
//! runs, each printed as a Markdown table (for BENCHMARKS.md):
//! - planted (`core::link::planted`), per scale and seed: A, B (a re-emergence of A's operation)
//!   and C (unrelated, sharing only popular hashtags, big domains and famous quotes, and one of
//!   A's campaign hashtags by coincidence), each analysed, linked and scored against the plan;
//! - unrelated synthetic datasets (`chorus synth`), per scenario and scale: the datasets of two
//!   different seeds, each analysed, then linked: every pair is a planted non-link (two
//!   operations of the same style and language, sharing the popular vocabulary).
//!
//! Then the dataset-level precision and recall over all runs.
//!
//! `cargo run --release --example link_quality -- [--seeds 1,2,3] [--scales 1,3]
//!  [--synth mixed,copy-paste] [--synth-scales 1] [--synth-seeds 1,2,3] [--check]`
//! `--check` exits with status 1 when a run misses the targets (planted link found, no planted
//! non-link linked, cluster-pair and account precision and recall >= 0.9).
use chorus::core::detect::{analyze, Analysis, DetectParams};
use chorus::core::link::{self, planted, LinkParams};
use chorus::core::model::Dataset;
use chorus::core::synth;
use std::time::Instant;

fn fail(msg: &str) -> ! {
    eprintln!("link_quality: {msg}");
    std::process::exit(2)
}

fn list<T: std::str::FromStr>(name: &str, v: &str) -> Vec<T> {
    v.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap_or_else(|_| fail(&format!("{name}: `{s}` is not valid"))))
        .collect()
}

fn analyse(ds: &Dataset) -> Analysis {
    analyze(ds, &DetectParams::default(), &mut |_, _| {}, &|| false).unwrap_or_else(|e| fail(&e.to_string()))
}

fn main() {
    let mut seeds: Vec<u64> = vec![1, 2, 3, 4, 5];
    let mut scales: Vec<f64> = vec![1.0];
    let mut synth_names: Vec<String> = Vec::new();
    let mut synth_scales: Vec<f64> = vec![1.0];
    let mut synth_seeds: Vec<u64> = vec![1, 2, 3];
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| fail(&format!("{name} needs a value")));
        match a.as_str() {
            "--seeds" => seeds = list("--seeds", &value("--seeds")),
            "--scale" | "--scales" => scales = list("--scales", &value("--scales")),
            "--synth" => synth_names = list("--synth", &value("--synth")),
            "--synth-scales" => synth_scales = list("--synth-scales", &value("--synth-scales")),
            "--synth-seeds" => synth_seeds = list("--synth-seeds", &value("--synth-seeds")),
            "--check" => check = true,
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let params = LinkParams::default();
    let f = |v: f64| if v.is_nan() { "n/a".to_string() } else { format!("{v:.3}") };
    // dataset pairs: planted links found / missed, planted non-links linked / left alone
    let (mut tp, mut fn_, mut fp, mut tn) = (0usize, 0usize, 0usize, 0usize);
    let mut missed = Vec::new();
    if !seeds.is_empty() && !scales.is_empty() {
        println!("Planted A, B (re-emergence of A), C (unrelated); strength / normalised per pair:");
        println!();
        println!("| scale | seed | posts | A–B | A–C | B–C | links found | non-links linked | op clusters linked | cluster P | cluster R | account P | account R | re-emergence P | re-emergence R | link s |");
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }
    for &scale in &scales {
        for &seed in &seeds {
            let p = planted::planted(seed, scale);
            let analyses: Vec<_> = p.datasets.iter().map(|(_, ds)| analyse(ds)).collect();
            let inputs: Vec<link::Input<'_>> =
                p.datasets.iter().zip(&analyses).map(|((n, ds), an)| (n.as_str(), ds, an)).collect();
            let t = Instant::now();
            let r = link::link(&inputs, &params);
            let secs = t.elapsed().as_secs_f64();
            let s = planted::score(&p, &analyses, &r);
            let posts: usize = p.datasets.iter().map(|(_, d)| d.n_posts()).sum();
            let pair = |a, b| {
                r.dataset_link(a, b).map_or("0 / 0".to_string(), |l| format!("{:.1} / {:.2}", l.strength, l.normalised))
            };
            println!(
                "| {scale} | {seed} | {posts} | {} | {} | {} | {}/{} | {} | {}/{} | {} | {} | {} | {} | {} | {} | {secs:.3} |",
                pair(0, 1),
                pair(0, 2),
                pair(1, 2),
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
            tp += s.dataset_links_found;
            fn_ += s.dataset_links_planted - s.dataset_links_found;
            fp += s.dataset_non_links_linked;
            tn += s.strengths.len() - s.dataset_links_planted - s.dataset_non_links_linked;
            // NaN (nothing to measure) fails the check too
            let ok = s.dataset_links_found == s.dataset_links_planted
                && s.dataset_non_links_linked == 0
                && s.cluster_precision() >= 0.9
                && s.cluster_recall() >= 0.9
                && s.account_precision() >= 0.9
                && s.account_recall() >= 0.9;
            if !ok {
                missed.push(format!("planted scale {scale} seed {seed}"));
            }
        }
    }
    if !synth_names.is_empty() {
        println!();
        println!("Unrelated synthetic datasets (`chorus synth`, every pair of seeds is a non-link):");
        println!();
        println!("| scenario | scale | seeds | posts | strength | normalised | chance screen names | shared hashtags | linked | link s |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
    }
    for name in &synth_names {
        for &scale in &synth_scales {
            let sets: Vec<(String, Dataset, Analysis)> = synth_seeds
                .iter()
                .map(|&seed| {
                    let params = synth::scenario(name, seed, scale)
                        .unwrap_or_else(|| fail(&format!("unknown scenario `{name}`")));
                    let ds = synth::to_dataset(&synth::generate(&params).unwrap_or_else(|e| fail(&e)));
                    let an = analyse(&ds);
                    (format!("seed {seed}"), ds, an)
                })
                .collect();
            let inputs: Vec<link::Input<'_>> = sets.iter().map(|(n, ds, an)| (n.as_str(), ds, an)).collect();
            let t = Instant::now();
            let r = link::link(&inputs, &params);
            let secs = t.elapsed().as_secs_f64();
            for l in r.links.iter().filter(|l| l.cluster_a == chorus::core::model::NONE) {
                let (a, b) = (l.dataset_a as usize, l.dataset_b as usize);
                println!(
                    "| {name} | {scale} | {}, {} | {} | {:.1} | {:.3} | {:.1} | {} | {} | {secs:.3} |",
                    synth_seeds[a],
                    synth_seeds[b],
                    sets[a].1.n_posts() + sets[b].1.n_posts(),
                    l.strength,
                    l.normalised,
                    l.expected,
                    l.counts[link::TieKind::Hashtag as usize],
                    if l.linked { "**yes**" } else { "no" },
                );
                if l.linked {
                    fp += 1;
                    missed.push(format!("synth {name} scale {scale} seeds {}, {}", synth_seeds[a], synth_seeds[b]));
                } else {
                    tn += 1;
                }
            }
        }
    }
    println!();
    let precision = if tp + fp == 0 { f64::NAN } else { tp as f64 / (tp + fp) as f64 };
    let recall = if tp + fn_ == 0 { f64::NAN } else { tp as f64 / (tp + fn_) as f64 };
    println!(
        "Dataset pairs: {tp} planted links found, {fn_} missed; {fp} planted non-links linked, {tn} left alone: precision {}, recall {}.",
        f(precision),
        f(recall)
    );
    if check && !missed.is_empty() {
        eprintln!("link_quality: missed the targets: {}", missed.join("; "));
        std::process::exit(1);
    }
}
