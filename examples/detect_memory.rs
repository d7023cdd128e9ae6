//! Peak heap of detection (what Wasm memory tracks), stage by stage, with time and quality.
//!
//! A counting global allocator records the live heap and its high-water mark. The synthetic
//! dataset is generated and built first; its heap is reported, then the high-water mark is reset
//! and `analyze` runs: "peak above dataset" is detection's working memory on top of the model.
//!
//! `cargo run --release --example detect_memory -- [SCENARIO] [SCALE] [SEED]`   (default: mixed 4.6 1, ≈1M posts)
use chorus::core::detect::{analyze, DetectParams};
use chorus::core::synth::{self, eval};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                grew(new - l.size());
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mib(b: usize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// CPU seconds (user + system) of the calling thread, from `/proc/thread-self/stat` (Linux; 0
/// elsewhere): on a shared machine the wall time of a stage depends on the load, its CPU time
/// much less.
fn thread_cpu_s() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else { return 0.0 };
    // fields after the command name in parentheses: state is field 3, utime 14, stime 15
    let rest: Vec<&str> = stat.rsplit_once(')').map_or("", |x| x.1).split_whitespace().collect();
    let ticks = |i: usize| rest.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scenario = args.first().map(String::as_str).unwrap_or("mixed");
    let scale: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(4.6);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let Some(sp) = synth::scenario(scenario, seed, scale) else {
        eprintln!("unknown scenario `{scenario}`");
        std::process::exit(2);
    };
    let t_gen = Instant::now();
    let data = synth::generate(&sp).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let truth = data.truth();
    let ds = synth::to_dataset(&data);
    drop(data);
    let base = LIVE.load(Relaxed);
    println!(
        "dataset: {scenario} x{scale} seed {seed}: {} posts, {} accounts, generated in {:.1} s; heap after build {:.0} MiB \
         (dataset + ground truth)",
        ds.n_posts(),
        ds.n_accounts(),
        t_gen.elapsed().as_secs_f64(),
        mib(base)
    );
    PEAK.store(base, Relaxed);
    let mut stages: Vec<(String, f64, f64, usize)> = Vec::new();
    let mut current = (String::from("start"), Instant::now(), thread_cpu_s());
    let t0 = Instant::now();
    let cpu0 = thread_cpu_s();
    let an = analyze(
        &ds,
        &DetectParams::default(),
        &mut |stage, _| {
            if stage != current.0 {
                let peak = PEAK.swap(LIVE.load(Relaxed), Relaxed);
                let cpu = thread_cpu_s();
                let (name, wall, cpu_start) = std::mem::replace(&mut current, (stage.to_string(), Instant::now(), cpu));
                stages.push((name, wall.elapsed().as_secs_f64(), cpu - cpu_start, peak));
            }
        },
        &|| false,
    )
    .unwrap_or_else(|e| {
        eprintln!("analysis failed: {e}");
        std::process::exit(1);
    });
    let total = t0.elapsed().as_secs_f64();
    let cpu_total = thread_cpu_s() - cpu0;
    stages.push((current.0.clone(), current.1.elapsed().as_secs_f64(), thread_cpu_s() - current.2, PEAK.load(Relaxed)));
    let overall = stages.iter().map(|s| s.3).max().unwrap_or(base);
    println!("\n| stage | wall s | CPU s | peak heap above dataset MiB |\n|---|---:|---:|---:|");
    for (name, wall, cpu, peak) in stages.iter().filter(|s| s.0 != "start") {
        println!("| {name} | {wall:.2} | {cpu:.2} | {:.0} |", mib(peak.saturating_sub(base)));
    }
    println!("| **analyze** | {total:.2} | {cpu_total:.2} | {:.0} |", mib(overall.saturating_sub(base)));
    println!(
        "\npeak heap during analyze: {:.0} MiB (dataset {:.0} MiB + detection {:.0} MiB)",
        mib(overall),
        mib(base),
        mib(overall - base)
    );
    println!("\n| method | objects | candidate pairs | edges | budget hit |\n|---|---:|---:|---:|---|");
    for m in &an.methods {
        println!("| {} | {} | {} | {} | {} |", m.kind.name(), m.objects, m.candidate_pairs, m.edges, m.budget_hit);
    }
    for w in &an.warnings {
        println!("warning: {w}");
    }
    let r = eval::evaluate(&truth, &eval::predictions_from_analysis(&ds, &an));
    println!(
        "\n{} clusters, {} edges; flagged {}, precision {:.3}, recall {:.3}, F1 {:.3}, role accuracy {:.3}, organic FP {:.2}%",
        an.clusters.len(),
        an.edges.len(),
        r.n_flagged,
        r.precision,
        r.recall,
        r.f1,
        r.role_accuracy,
        r.organic_fp_rate * 100.0
    );
}
