//! Communities of the combined coordination network: Louvain modularity optimisation on
//! compressed sparse row arrays, followed by a connectivity refinement (as in Leiden: every
//! community is split into its connected components, so no community is held together only by
//! the aggregation).
//!
//! Deterministic: nodes are visited in an order derived from `seed` (a splitmix64-keyed
//! permutation of node indices, and node indices are account ranks, i.e. the order of account id
//! strings); ties between equally good communities go to the smallest community index; no hash
//! map iteration anywhere.

use petgraph::unionfind::UnionFind;

/// A weighted undirected graph in CSR form. `adj[off[i]..off[i+1]]` are `(neighbour, weight)`,
/// self-loops allowed (their weight is counted once in `adj` and twice in the degree).
pub(crate) struct Csr {
    pub off: Vec<usize>,
    pub adj: Vec<(u32, f64)>,
}

impl Csr {
    /// From undirected edges `(a, b, w)` with `a != b` or self-loops `(a, a, w)`.
    #[cfg(test)]
    pub fn from_edges(n: usize, edges: &[(u32, u32, f64)]) -> Csr {
        Csr::from_fn(n, edges.len(), |i| edges[i])
    }
    /// From `m` undirected edges given by `edge(i)` (`(a, b, w)`, `a != b`, or a self-loop
    /// `(a, a, w)`), read twice; no intermediate list of edges.
    pub fn from_fn(n: usize, m: usize, edge: impl Fn(usize) -> (u32, u32, f64)) -> Csr {
        // off[i + 1] counts row i, then the prefix sums; rows are filled from their end
        let mut off = vec![0usize; n + 1];
        for i in 0..m {
            let (a, b, _) = edge(i);
            off[a as usize + 1] += 1;
            if a != b {
                off[b as usize + 1] += 1;
            }
        }
        for i in 0..n {
            off[i + 1] += off[i];
        }
        let mut adj = vec![(0u32, 0.0f64); off[n]];
        let mut pos = off[1..].to_vec(); // one past the next free slot of each row, filled backwards
        for i in (0..m).rev() {
            let (a, b, w) = edge(i);
            pos[a as usize] -= 1;
            adj[pos[a as usize]] = (b, w);
            if a != b {
                pos[b as usize] -= 1;
                adj[pos[b as usize]] = (a, w);
            }
        }
        drop(pos);
        // sort each row by neighbour so that summation order is fixed
        for i in 0..n {
            adj[off[i]..off[i + 1]].sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
        }
        Csr { off, adj }
    }
    fn n(&self) -> usize {
        self.off.len() - 1
    }
    fn row(&self, i: usize) -> &[(u32, f64)] {
        &self.adj[self.off[i]..self.off[i + 1]]
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One level of local moves. Returns the community of each node (dense ids) and whether any
/// node moved.
#[allow(clippy::needless_range_loop)]
fn local_moves(g: &Csr, resolution: f64, seed: u64, cancelled: &dyn Fn() -> bool) -> Option<(Vec<u32>, bool)> {
    let n = g.n();
    let mut degree = vec![0.0f64; n];
    let mut total = 0.0f64;
    for i in 0..n {
        for &(j, w) in g.row(i) {
            let w2 = if j as usize == i { 2.0 * w } else { w };
            degree[i] += w2;
            total += w2;
        }
    }
    let mut comm: Vec<u32> = (0..n as u32).collect();
    if total <= 0.0 {
        return Some((comm, false));
    }
    let m2 = total; // 2m
    let mut tot: Vec<f64> = degree.clone();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| (splitmix(seed ^ i as u64), i));
    let mut neigh_w = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut moved_any = false;
    for _pass in 0..64 {
        if cancelled() {
            return None;
        }
        let mut moved = 0usize;
        for &i in &order {
            let i = i as usize;
            let ci = comm[i];
            touched.clear();
            for &(j, w) in g.row(i) {
                if j as usize == i {
                    continue;
                }
                let cj = comm[j as usize];
                if neigh_w[cj as usize] == 0.0 {
                    touched.push(cj);
                }
                neigh_w[cj as usize] += w;
            }
            let ki = degree[i];
            tot[ci as usize] -= ki;
            // gain of joining c: w_ic - γ tot_c k_i / 2m; candidates in ascending order and only a
            // strict improvement moves, so ties keep the current or the smallest community
            let own = neigh_w[ci as usize] - resolution * tot[ci as usize] * ki / m2;
            let mut best = ci;
            let mut best_gain = own;
            touched.sort_unstable();
            for &c in &touched {
                let gain = neigh_w[c as usize] - resolution * tot[c as usize] * ki / m2;
                if gain > best_gain + 1e-12 {
                    best_gain = gain;
                    best = c;
                }
            }
            for &c in &touched {
                neigh_w[c as usize] = 0.0;
            }
            tot[best as usize] += ki;
            if best != ci {
                comm[i] = best;
                moved += 1;
                moved_any = true;
            }
        }
        if moved == 0 {
            break;
        }
    }
    // renumber densely by first appearance in node order
    let mut map = vec![u32::MAX; n];
    let mut next = 0u32;
    for c in comm.iter_mut() {
        if map[*c as usize] == u32::MAX {
            map[*c as usize] = next;
            next += 1;
        }
        *c = map[*c as usize];
    }
    Some((comm, moved_any))
}

/// Aggregate: one node per community, edge weights summed (self-loops keep internal weight).
fn aggregate(g: &Csr, comm: &[u32]) -> Csr {
    let k = comm.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let len = (0..g.n()).map(|i| g.row(i).iter().filter(|&&(j, _)| j as usize >= i).count()).sum();
    let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(len);
    for i in 0..g.n() {
        for &(j, w) in g.row(i) {
            let (a, b) = (comm[i], comm[j as usize]);
            if (j as usize) < i {
                continue; // each undirected edge once (self-loops have j == i)
            }
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            edges.push((a, b, w));
        }
    }
    edges.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
    // merged in place: each run of one (a, b) summed in its sorted order
    edges.dedup_by(|e, last| {
        let same = last.0 == e.0 && last.1 == e.1;
        if same {
            last.2 += e.2;
        }
        same
    });
    Csr::from_fn(k, edges.len(), |i| edges[i])
}

/// Louvain with connectivity refinement. Returns a community id per node, dense, numbered by the
/// smallest node of each community.
#[allow(clippy::needless_range_loop)]
pub(crate) fn communities(g: &Csr, resolution: f64, seed: u64, cancelled: &dyn Fn() -> bool) -> Option<Vec<u32>> {
    let n = g.n();
    let mut membership: Vec<u32> = (0..n as u32).collect();
    let mut level_graph: Option<Csr> = None;
    for level in 0..32u64 {
        let cur = level_graph.as_ref().unwrap_or(g);
        let (comm, moved) = local_moves(cur, resolution, seed.wrapping_add(level), cancelled)?;
        if !moved {
            break;
        }
        for m in membership.iter_mut() {
            *m = comm[*m as usize];
        }
        let next = aggregate(cur, &comm);
        level_graph = Some(next);
    }
    // refinement: split communities into connected components of the original graph
    let mut uf = UnionFind::<u32>::new(n);
    for i in 0..n {
        for &(j, _) in g.row(i) {
            if membership[i] == membership[j as usize] {
                uf.union(i as u32, j);
            }
        }
    }
    let mut map = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut out = vec![0u32; n];
    for i in 0..n {
        let root = uf.find(i as u32) as usize;
        if map[root] == u32::MAX {
            map[root] = next;
            next += 1;
        }
        out[i] = map[root];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clique(base: u32, k: u32, w: f64, out: &mut Vec<(u32, u32, f64)>) {
        for a in 0..k {
            for b in a + 1..k {
                out.push((base + a, base + b, w));
            }
        }
    }

    #[test]
    fn two_cliques_with_a_bridge_are_two_communities() {
        let mut e = Vec::new();
        clique(0, 6, 1.0, &mut e);
        clique(6, 6, 1.0, &mut e);
        e.push((5, 6, 0.5));
        let g = Csr::from_edges(12, &e);
        let c = communities(&g, 1.0, 7, &|| false).unwrap();
        assert!(c[..6].iter().all(|&x| x == c[0]));
        assert!(c[6..].iter().all(|&x| x == c[6]));
        assert_ne!(c[0], c[6]);
    }

    #[test]
    fn ring_of_cliques_is_resolved_and_deterministic() {
        let mut e = Vec::new();
        for q in 0..8 {
            clique(q * 5, 5, 1.0, &mut e);
            e.push((q * 5, ((q + 1) % 8) * 5 + 1, 1.0));
        }
        let g = Csr::from_edges(40, &e);
        let a = communities(&g, 1.0, 1, &|| false).unwrap();
        let b = communities(&g, 1.0, 1, &|| false).unwrap();
        assert_eq!(a, b);
        for q in 0..8usize {
            assert!(a[q * 5..q * 5 + 5].iter().all(|&x| x == a[q * 5]), "{a:?}");
        }
        let mut ids = a.clone();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 8, "{a:?}");
    }

    #[test]
    fn isolated_nodes_stay_alone_and_cancel_works() {
        let g = Csr::from_edges(3, &[(0, 1, 1.0)]);
        let c = communities(&g, 1.0, 0, &|| false).unwrap();
        assert_eq!(c[0], c[1]);
        assert_ne!(c[2], c[0]);
        assert!(communities(&g, 1.0, 0, &|| true).is_none());
    }
}
