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

/// A weighted undirected graph in CSR form. `nbr[off[i]..off[i+1]]` and `w[off[i]..off[i+1]]`
/// are the neighbours and weights of row `i` (separate arrays: 12 bytes a half-edge, not a
/// padded 16-byte pair), self-loops allowed (their weight is counted once in the row and twice in
/// the degree).
pub(crate) struct Csr {
    pub off: Vec<usize>,
    pub nbr: Vec<u32>,
    pub w: Vec<f64>,
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
        let mut nbr = vec![0u32; off[n]];
        let mut wt = vec![0.0f64; off[n]];
        let mut pos = off[1..].to_vec(); // one past the next free slot of each row, filled backwards
        for i in (0..m).rev() {
            let (a, b, w) = edge(i);
            pos[a as usize] -= 1;
            nbr[pos[a as usize]] = b;
            wt[pos[a as usize]] = w;
            if a != b {
                pos[b as usize] -= 1;
                nbr[pos[b as usize]] = a;
                wt[pos[b as usize]] = w;
            }
        }
        drop(pos);
        // sort each row by (neighbour, weight) so that summation order is fixed
        let mut buf: Vec<(u32, f64)> = Vec::new();
        for i in 0..n {
            let r = off[i]..off[i + 1];
            buf.clear();
            buf.extend(nbr[r.clone()].iter().copied().zip(wt[r.clone()].iter().copied()));
            buf.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
            for (k, &(j, w)) in r.zip(buf.iter()) {
                nbr[k] = j;
                wt[k] = w;
            }
        }
        Csr { off, nbr, w: wt }
    }
    fn n(&self) -> usize {
        self.off.len() - 1
    }
    fn row(&self, i: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        let r = self.off[i]..self.off[i + 1];
        self.nbr[r.clone()].iter().copied().zip(self.w[r].iter().copied())
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
        for (j, w) in g.row(i) {
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
            for (j, w) in g.row(i) {
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
///
/// Built one community `a` at a time: the edges from its nodes to communities `b >= a` (within
/// `a`, each edge once), sorted by `(b, weight)` and each run summed in that order, which is the
/// order a global sort of all `(a, b, weight)` would give; only one community's edges are held
/// at a time instead of a list of every edge.
fn aggregate(g: &Csr, comm: &[u32]) -> Csr {
    let k = comm.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    // nodes of each community, in node order
    let mut start = vec![0usize; k + 1];
    for &c in comm {
        start[c as usize + 1] += 1;
    }
    for c in 0..k {
        start[c + 1] += start[c];
    }
    let mut members = vec![0u32; comm.len()];
    let mut pos = start[..k].to_vec();
    for (i, &c) in comm.iter().enumerate() {
        members[pos[c as usize]] = i as u32;
        pos[c as usize] += 1;
    }
    drop(pos);
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    let mut buf: Vec<(u32, f64)> = Vec::new();
    for a in 0..k as u32 {
        buf.clear();
        for &i in &members[start[a as usize]..start[a as usize + 1]] {
            for (j, w) in g.row(i as usize) {
                let c = comm[j as usize];
                if c > a || (c == a && j >= i) {
                    buf.push((c, w));
                }
            }
        }
        buf.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
        let mut t = 0;
        while t < buf.len() {
            let (b, mut w) = buf[t];
            t += 1;
            while t < buf.len() && buf[t].0 == b {
                w += buf[t].1;
                t += 1;
            }
            edges.push((a, b, w));
        }
    }
    drop((members, start, buf));
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
        for (j, _) in g.row(i) {
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
