//! Layout benchmark: `cargo run --release --example bench_layout [n_nodes] [n_edges] [iterations]`
//! (default 50,000 nodes, 200,000 edges, the default iteration count).
//!
//! The graph has planted clusters (as the coordination networks Chorus draws): 1 node in 20 is
//! isolated, the rest belong to clusters of 20..520 nodes, and 90% of the edges fall inside a
//! cluster. Prints the total time, the time per iteration, and how well the clusters separate
//! (mean distance to the own cluster's centre / mean distance between cluster centres).

use chorus::core::layout::{layout, LayoutParams};
use std::time::Instant;

/// A small deterministic generator (xorshift64*), so every run lays out the same graph.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn arg(i: usize, default: usize) -> usize {
    std::env::args().nth(i).and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn main() {
    let n = arg(1, 50_000);
    let m = arg(2, 200_000);
    let mut params = LayoutParams::default();
    params.iterations = arg(3, params.iterations as usize) as u32;

    let mut rng = Rng(0x5EED);
    // Cluster id per node; isolated nodes get u32::MAX.
    let mut groups = vec![u32::MAX; n];
    let mut clusters: Vec<(usize, usize)> = Vec::new(); // (start, len)
    let mut i = 0;
    while i < n {
        if rng.below(20) == 0 {
            i += 1;
            continue;
        }
        let len = (20 + rng.below(500) as usize).min(n - i);
        for g in &mut groups[i..i + len] {
            *g = clusters.len() as u32;
        }
        clusters.push((i, len));
        i += len;
    }
    let mut edges = Vec::with_capacity(m);
    let members: Vec<usize> = (0..n).filter(|&i| groups[i] != u32::MAX).collect();
    while edges.len() < m && members.len() > 1 {
        let a = members[rng.below(members.len() as u64) as usize];
        let b = if rng.below(10) == 0 {
            members[rng.below(members.len() as u64) as usize]
        } else {
            let (start, len) = clusters[groups[a] as usize];
            start + rng.below(len as u64) as usize
        };
        if a != b {
            edges.push((a as u32, b as u32, 1.0 + rng.below(4) as f32));
        }
    }

    let t = Instant::now();
    let mut last_report = 0.0;
    let pos = layout(
        n,
        &edges,
        &groups,
        &params,
        &mut |f| {
            if f - last_report >= 0.25 {
                eprintln!("  {:>3.0}%  {:.2} s", f * 100.0, t.elapsed().as_secs_f64());
                last_report = f;
            }
        },
        &|| false,
    );
    let secs = t.elapsed().as_secs_f64();

    // Separation: mean distance of a member to its cluster centre vs. between centres.
    let mut centre = vec![[0.0f64; 2]; clusters.len()];
    for (c, &(start, len)) in clusters.iter().enumerate() {
        for p in &pos[start..start + len] {
            centre[c][0] += p[0] as f64 / len as f64;
            centre[c][1] += p[1] as f64 / len as f64;
        }
    }
    let d = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let mut spread = 0.0;
    for (c, &(start, len)) in clusters.iter().enumerate() {
        for p in &pos[start..start + len] {
            spread += d([p[0] as f64, p[1] as f64], centre[c]);
        }
    }
    spread /= members.len().max(1) as f64;
    let (mut between, mut pairs) = (0.0, 0u64);
    for a in 0..centre.len() {
        for b in a + 1..centre.len() {
            between += d(centre[a], centre[b]);
            pairs += 1;
        }
    }
    between /= pairs.max(1) as f64;
    let finite = pos.iter().all(|p| p[0].is_finite() && p[1].is_finite());
    println!(
        "layout: {n} nodes, {} edges, {} clusters, {} iterations: {secs:.2} s ({:.1} ms/iteration); \
         member-to-centre {spread:.1} vs centre-to-centre {between:.1}; all finite: {finite}",
        edges.len(),
        clusters.len(),
        params.iterations,
        secs * 1000.0 / params.iterations as f64
    );
}
