//! Peak heap of the browser worker's path, natively: where the worker's WebAssembly memory goes.
//!
//! `cargo run --release --example mem_profile -- TWEETS.csv [USERS.csv ...] [--no-analyze]`
//!
//! Streams the files in 4 MiB chunks through the same [`Session`] calls the worker makes
//! (`Ingest`, `ingest_file_start` / `ingest_chunk` / `ingest_file_end`, `ingest_end`, then
//! `Analyze`, `Layout`, `Table`) under a counting global allocator. WebAssembly memory never
//! shrinks and the wasm allocator cannot grow a block in place when anything sits above it, so
//! the allocator counts a `realloc` as "allocate the new block, then free the old one": the peak
//! of live heap bytes it reports is what the worker's memory must hold at least (Wasm memory ≈
//! this peak plus fragmentation). The peak is printed after each stage, with the live heap.

use chorus::core::detect::DetectParams;
use chorus::core::ingest::IngestOptions;
use chorus::protocol::{FileMeta, LayoutScope, Request, Response, Session};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let now = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grow(l.size());
        System.alloc(l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        grow(l.size());
        System.alloc_zeroed(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // new block first, old one freed after the copy (the wasm allocator's usual case)
        grow(new);
        LIVE.fetch_sub(l.size(), Relaxed);
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mib(b: usize) -> f64 {
    b as f64 / (1 << 20) as f64
}

fn stage(name: &str) {
    println!("{name:<28} live {:8.1} MiB   peak so far {:8.1} MiB", mib(LIVE.load(Relaxed)), mib(PEAK.load(Relaxed)));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let analyze = !args.iter().any(|a| a == "--no-analyze");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if paths.is_empty() {
        eprintln!("usage: mem_profile TWEETS.csv [USERS.csv ...] [--no-analyze]");
        std::process::exit(2);
    }
    let files: Vec<FileMeta> = paths
        .iter()
        .map(|p| FileMeta {
            name: p.rsplit('/').next().unwrap().to_string(),
            size: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        })
        .collect();
    let mut s = Session::new();
    let mut ignore = |_: Response| {};
    s.handle(Request::Ingest { files, options: IngestOptions::default() }, &mut ignore);
    stage("start");
    let mut buf = vec![0u8; 4 << 20];
    for (i, p) in paths.iter().enumerate() {
        s.ingest_file_start(i);
        let mut f = std::fs::File::open(p).unwrap_or_else(|e| {
            eprintln!("{p}: {e}");
            std::process::exit(2)
        });
        loop {
            let n = f.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            s.ingest_chunk(&buf[..n]);
        }
        s.ingest_file_end();
        stage(&format!("read file {}", i + 1));
    }
    let summary = s.ingest_end();
    if let Response::Ingested(sum) = &summary {
        println!(
            "{} posts, {} accounts; model {:.1} MiB ({:.1} bytes/post in the post columns by heap_bytes)",
            sum.posts,
            sum.accounts,
            mib(sum.model_bytes as usize),
            s.dataset.as_ref().map_or(0, |d| d.posts.heap_bytes()) as f64 / sum.posts.max(1) as f64
        );
    }
    stage("ingest_end (dataset built)");
    if !analyze {
        return;
    }
    // Peak of each detection stage (the peak is restarted from the live heap at each stage).
    let overall = PEAK.load(Relaxed);
    let mut failed = None;
    let mut current = String::new();
    let mut stages: Vec<(String, usize)> = Vec::new();
    s.handle(Request::Analyze { params: DetectParams::default() }, &mut |r| match r {
        Response::Error { message } => failed = Some(message),
        Response::AnalysisProgress { stage, .. } if stage != current => {
            let p = PEAK.swap(LIVE.load(Relaxed), Relaxed);
            stages.push((std::mem::replace(&mut current, stage), p));
        }
        _ => {}
    });
    let p = PEAK.load(Relaxed);
    stages.push((current, p));
    PEAK.store(stages.iter().map(|s| s.1).max().unwrap_or(0).max(overall), Relaxed);
    for (name, peak) in stages.iter().skip(1) {
        println!("  detection stage {name:<24} peak {:8.1} MiB", mib(*peak));
    }
    if let Some(m) = failed {
        eprintln!("analysis failed: {m}");
        std::process::exit(1);
    }
    stage("analyzed");
    s.handle(Request::Layout { scope: LayoutScope::Coordinated }, &mut ignore);
    stage("layout (coordinated)");
    s.handle(Request::Table, &mut ignore);
    stage("table");
}
