//! `core::layout`: determinism, cluster separation, degenerate input.

use chorus::core::layout::{layout, LayoutParams};

fn run(n: usize, edges: &[(u32, u32, f32)], groups: &[u32], params: &LayoutParams) -> Vec<[f32; 2]> {
    layout(n, edges, groups, params, &mut |_| {}, &|| false)
}

/// Two dense clusters of `k` nodes each (ids 0..k and k..2k) joined by one weak edge.
fn two_clusters(k: u32) -> Vec<(u32, u32, f32)> {
    let mut edges = Vec::new();
    for base in [0, k] {
        for a in 0..k {
            for b in a + 1..k {
                if (a * 7 + b * 3) % 4 != 0 {
                    edges.push((base + a, base + b, 1.0 + ((a + b) % 3) as f32));
                }
            }
        }
    }
    edges.push((0, k, 0.1));
    edges
}

fn dist(p: [f32; 2], q: [f32; 2]) -> f64 {
    (((p[0] - q[0]) as f64).powi(2) + ((p[1] - q[1]) as f64).powi(2)).sqrt()
}

fn mean_distances(pos: &[[f32; 2]], k: usize) -> (f64, f64) {
    let (mut intra, mut n_intra, mut inter, mut n_inter) = (0.0, 0u64, 0.0, 0u64);
    for i in 0..pos.len() {
        for j in i + 1..pos.len() {
            let d = dist(pos[i], pos[j]);
            if (i < k) == (j < k) {
                intra += d;
                n_intra += 1;
            } else {
                inter += d;
                n_inter += 1;
            }
        }
    }
    (intra / n_intra as f64, inter / n_inter as f64)
}

#[test]
fn same_input_same_positions_bit_for_bit() {
    let edges = two_clusters(30);
    let groups: Vec<u32> = (0..60).map(|i| i / 30).collect();
    let p = LayoutParams::default();
    let a = run(60, &edges, &groups, &p);
    let b = run(60, &edges, &groups, &p);
    assert_eq!(a.len(), 60);
    let bits = |v: &[[f32; 2]]| v.iter().flat_map(|q| [q[0].to_bits(), q[1].to_bits()]).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b));
    // A different seed gives a different layout.
    let c = run(60, &edges, &groups, &LayoutParams { seed: 1, ..p.clone() });
    assert_ne!(bits(&a), bits(&c));
}

#[test]
fn planted_clusters_end_up_separated() {
    let k = 40usize;
    let edges = two_clusters(k as u32);
    // Without the group hint: the forces alone must separate them.
    for groups in [vec![], (0..2 * k as u32).map(|i| i / k as u32).collect::<Vec<_>>()] {
        let pos = run(2 * k, &edges, &groups, &LayoutParams::default());
        let (intra, inter) = mean_distances(&pos, k);
        assert!(intra * 2.5 < inter, "intra {intra} inter {inter} (groups: {})", !groups.is_empty());
    }
}

#[test]
fn groups_hint_separates_clusters_at_start() {
    // Zero iterations' worth of forces is not possible (iterations >= 1), but one iteration keeps
    // the initial arrangement: grouped nodes start around distinct centres.
    let k = 50usize;
    let groups: Vec<u32> = (0..2 * k as u32).map(|i| if i < k as u32 { 7 } else { 3 }).collect();
    let pos = run(2 * k, &[], &groups, &LayoutParams { iterations: 1, ..LayoutParams::default() });
    let (intra, inter) = mean_distances(&pos, k);
    assert!(intra * 1.5 < inter, "intra {intra} inter {inter}");
}

#[test]
fn degenerate_input_gives_finite_positions() {
    let p = LayoutParams::default();
    assert!(run(0, &[], &[], &p).is_empty());
    assert_eq!(run(1, &[(0, 0, 1.0)], &[], &p), vec![[0.0, 0.0]]);
    // Bad edges: out of range, self-loops, NaN / infinite / negative / zero weights; wrong-length
    // groups; isolated nodes; a disconnected pair.
    let edges = [
        (0, 99, 1.0),
        (2, 2, 1.0),
        (0, 1, f32::NAN),
        (0, 1, f32::INFINITY),
        (1, 3, -2.0),
        (3, 4, 0.0),
        (5, 6, 1e30),
        (7, 8, 1.0),
    ];
    let pos = run(10, &edges, &[1, 2], &p);
    assert_eq!(pos.len(), 10);
    assert!(pos.iter().all(|q| q[0].is_finite() && q[1].is_finite()), "{pos:?}");
    // Absurd parameters are sanitised, not propagated.
    let wild = LayoutParams {
        scaling: f32::NAN,
        gravity: f32::INFINITY,
        theta: -1.0,
        jitter_tolerance: 0.0,
        edge_weight_influence: f32::NAN,
        lin_log: true,
        ..p.clone()
    };
    let pos = run(10, &edges, &[], &wild);
    assert!(pos.iter().all(|q| q[0].is_finite() && q[1].is_finite()), "{pos:?}");
    // Every node at the same group with coincident starts is impossible (hash), but many nodes
    // and no edges at all still lay out.
    let pos = run(500, &[], &[], &p);
    assert!(pos.iter().all(|q| q[0].is_finite() && q[1].is_finite()));
}

#[test]
fn isolated_nodes_stay_bounded_by_gravity() {
    let pos = run(200, &[], &[], &LayoutParams::default());
    let far = pos.iter().map(|q| dist(*q, [0.0, 0.0])).fold(0.0, f64::max);
    assert!(far < 1e5, "farthest node at {far}");
}

#[test]
fn progress_ends_at_one_and_cancel_stops_early() {
    let edges = two_clusters(10);
    let mut seen = Vec::new();
    let p = LayoutParams { iterations: 500, ..LayoutParams::default() };
    layout(20, &edges, &[], &p, &mut |f| seen.push(f), &|| false);
    assert_eq!(seen.last(), Some(&1.0));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert!(seen.len() <= 102);

    let polls = std::cell::Cell::new(0u32);
    let mut last = 0.0;
    let pos = layout(20, &edges, &[], &p, &mut |f| last = f, &|| {
        polls.set(polls.get() + 1);
        polls.get() > 3
    });
    assert_eq!(pos.len(), 20);
    assert_eq!(polls.get(), 4, "cancel is polled once per iteration and stops at once");
    assert!(pos.iter().all(|q| q[0].is_finite() && q[1].is_finite()));
}
