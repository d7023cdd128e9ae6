//! Force-directed graph layout for the network view: ForceAtlas2 (Jacomy et al. 2014) with
//! Barnes-Hut repulsion on a quadtree, so one iteration costs O(n log n + m).
//!
//! Forces (as in ForceAtlas2, with mass = degree + 1):
//! - repulsion between every pair of nodes: `scaling * m_i * m_j / d` (approximated by cells of
//!   the quadtree whose `width / distance < theta`);
//! - attraction along edges: linear in distance, scaled by `weight ^ edge_weight_influence`
//!   (or `log(1 + d)` in LinLog mode, which tightens clusters);
//! - gravity towards the origin: `gravity * m_i` (keeps disconnected components and isolated
//!   nodes in view);
//! - adaptive global speed with per-node swing control (the "jitter tolerance" of FA2).
//!
//! Deterministic: the initial positions come from `params.seed` through a counter-based hash
//! (no global RNG, no clock), clusters (`groups`) start apart on a golden-angle spiral, and every
//! sum is taken in a fixed order. The same input gives the same positions, bit for bit, on the
//! same target.

/// Parameters of [`layout`].
#[derive(Clone, Debug, PartialEq)]
pub struct LayoutParams {
    /// Number of iterations (each O(n log n + m)).
    pub iterations: u32,
    /// Seed of the initial positions.
    pub seed: u64,
    /// Repulsion strength (ForceAtlas2 "scaling ratio").
    pub scaling: f32,
    /// Pull towards the origin (keeps isolated nodes and small components in view).
    pub gravity: f32,
    /// Barnes-Hut accuracy: a cell of width `w` at distance `d` is approximated when
    /// `w / d < theta`. ForceAtlas2 uses 1.2.
    pub theta: f32,
    /// Exponent applied to edge weights in the attraction (0 ignores weights, 1 linear).
    pub edge_weight_influence: f32,
    /// Swing tolerance: higher is faster and less precise.
    pub jitter_tolerance: f32,
    /// LinLog attraction (`log(1 + d)`): tighter, better separated clusters.
    pub lin_log: bool,
    /// ForceAtlas2's "strong gravity": the pull towards the origin grows with the distance
    /// (`gravity * m_i * d`) instead of being constant. Keeps loosely attached nodes and small
    /// components near the big clusters instead of far out, where they would shrink the whole
    /// drawing to a few dots when fitted to the screen.
    pub strong_gravity: bool,
}

impl Default for LayoutParams {
    fn default() -> Self {
        LayoutParams {
            iterations: 100,
            seed: 0x00C0_4A05,
            scaling: 2.0,
            // With strong gravity (below), 0.5 keeps two clusters joined by one weak edge at
            // ~3x their own radius apart (1.0 pulls them to ~2.4x).
            gravity: 0.5,
            theta: 1.2,
            edge_weight_influence: 1.0,
            jitter_tolerance: 1.0,
            lin_log: false,
            strong_gravity: true,
        }
    }
}

/// Largest number of points kept in one quadtree leaf.
const LEAF_SIZE: usize = 8;
/// Depth at which cells stop splitting (coincident points end up together in one leaf).
const MAX_DEPTH: u32 = 24;
/// Squared distances below this are treated as this (no division by zero on coincident points).
const MIN_DIST2: f32 = 1e-4;

/// Lay out a graph of `n_nodes` nodes.
///
/// - `edges`: `(a, b, weight)`; edges naming a node `>= n_nodes`, self-loops and non-finite or
///   non-positive weights are ignored (they cannot be drawn, and must not poison the layout).
/// - `groups`: a group (cluster) id per node, used only for the initial positions so clusters
///   start apart; any length other than `n_nodes` (e.g. empty) means "no groups".
/// - `progress` is called with the fraction done (0..=1), at most ~100 times.
/// - `cancelled` is polled every iteration; when it returns true the current positions are
///   returned at once (a usable, less converged layout).
///
/// Returns one `[x, y]` per node, all finite.
pub fn layout(
    n_nodes: usize,
    edges: &[(u32, u32, f32)],
    groups: &[u32],
    params: &LayoutParams,
    progress: &mut dyn FnMut(f32),
    cancelled: &dyn Fn() -> bool,
) -> Vec<[f32; 2]> {
    if n_nodes == 0 {
        progress(1.0);
        return Vec::new();
    }
    let mut pos = initial_positions(n_nodes, groups, params.seed);
    if n_nodes == 1 {
        progress(1.0);
        return vec![[0.0, 0.0]];
    }

    // Clean edges once: (a, b, attraction coefficient).
    let influence = if params.edge_weight_influence.is_finite() { params.edge_weight_influence } else { 1.0 };
    let mut clean: Vec<(u32, u32, f32)> = Vec::with_capacity(edges.len());
    let mut degree = vec![0u32; n_nodes];
    for &(a, b, w) in edges {
        if a == b || a as usize >= n_nodes || b as usize >= n_nodes || !w.is_finite() || w <= 0.0 {
            continue;
        }
        let coeff = if influence == 0.0 {
            1.0
        } else if influence == 1.0 {
            w
        } else {
            w.powf(influence)
        };
        if !coeff.is_finite() || coeff <= 0.0 {
            continue;
        }
        degree[a as usize] += 1;
        degree[b as usize] += 1;
        clean.push((a, b, coeff));
    }
    let mass: Vec<f32> = degree.iter().map(|&d| d as f32 + 1.0).collect();

    let scaling = finite_or(params.scaling, 2.0).max(0.0);
    let gravity = finite_or(params.gravity, 1.0).max(0.0);
    let theta = finite_or(params.theta, 1.2).max(0.0);
    let jitter_tolerance = finite_or(params.jitter_tolerance, 1.0).max(0.01);

    let mut force = vec![[0.0f32; 2]; n_nodes];
    let mut old_force = vec![[0.0f32; 2]; n_nodes];
    let mut tree = QuadTree::default();
    let mut speed = 1.0f64;
    let mut speed_efficiency = 1.0f64;
    let iterations = params.iterations.max(1);
    let report_every = (iterations / 100).max(1);

    for iter in 0..iterations {
        if cancelled() {
            return pos;
        }
        std::mem::swap(&mut force, &mut old_force);
        for f in force.iter_mut() {
            *f = [0.0, 0.0];
        }

        // Repulsion (Barnes-Hut).
        if scaling > 0.0 {
            tree.build(&pos, &mass);
            tree.repulse(scaling, theta, &mut force);
        }

        // Gravity.
        if gravity > 0.0 {
            for i in 0..n_nodes {
                let [x, y] = pos[i];
                let d = (x * x + y * y).sqrt();
                if d > 0.0 {
                    let f = if params.strong_gravity { gravity * mass[i] } else { gravity * mass[i] / d };
                    force[i][0] -= x * f;
                    force[i][1] -= y * f;
                }
            }
        }

        // Attraction.
        for &(a, b, coeff) in &clean {
            let (a, b) = (a as usize, b as usize);
            let dx = pos[a][0] - pos[b][0];
            let dy = pos[a][1] - pos[b][1];
            let f = if params.lin_log {
                let d = (dx * dx + dy * dy).sqrt();
                if d > 0.0 {
                    coeff * (1.0 + d).ln() / d
                } else {
                    0.0
                }
            } else {
                coeff
            };
            force[a][0] -= dx * f;
            force[a][1] -= dy * f;
            force[b][0] += dx * f;
            force[b][1] += dy * f;
        }

        // Adaptive speed (ForceAtlas2 section "Adaptive speed").
        let mut total_swing = 0.0f64;
        let mut total_traction = 0.0f64;
        for i in 0..n_nodes {
            let [fx, fy] = force[i];
            let [ox, oy] = old_force[i];
            let m = mass[i] as f64;
            let sx = (ox - fx) as f64;
            let sy = (oy - fy) as f64;
            total_swing += m * (sx * sx + sy * sy).sqrt();
            let tx = (ox + fx) as f64;
            let ty = (oy + fy) as f64;
            total_traction += m * 0.5 * (tx * tx + ty * ty).sqrt();
        }
        let n = n_nodes as f64;
        let estimated_jt = 0.05 * n.sqrt();
        let min_jt = estimated_jt.sqrt();
        let max_jt = 10.0f64;
        let mut jt = jitter_tolerance as f64 * min_jt.max(max_jt.min(estimated_jt * total_traction / (n * n)));
        let min_speed_efficiency = 0.05;
        if total_traction > 0.0 && total_swing / total_traction > 2.0 {
            if speed_efficiency > min_speed_efficiency {
                speed_efficiency *= 0.5;
            }
            jt = jt.max(jitter_tolerance as f64);
        }
        if total_swing > 0.0 && total_traction > 0.0 {
            let target_speed = jt * speed_efficiency * total_traction / total_swing;
            if total_swing > jt * total_traction {
                if speed_efficiency > min_speed_efficiency {
                    speed_efficiency *= 0.7;
                }
            } else if speed < 1000.0 {
                speed_efficiency *= 1.3;
            }
            let max_rise = 0.5;
            speed += (target_speed - speed).min(max_rise * speed);
        }
        if !speed.is_finite() || speed <= 0.0 {
            speed = 1.0;
            speed_efficiency = 1.0;
        }

        // Move, with per-node swing damping.
        for i in 0..n_nodes {
            let [fx, fy] = force[i];
            let [ox, oy] = old_force[i];
            let sx = (ox - fx) as f64;
            let sy = (oy - fy) as f64;
            let swing = mass[i] as f64 * (sx * sx + sy * sy).sqrt();
            let factor = (speed / (1.0 + (speed * swing).sqrt())) as f32;
            let nx = pos[i][0] + fx * factor;
            let ny = pos[i][1] + fy * factor;
            if nx.is_finite() && ny.is_finite() {
                pos[i] = [nx, ny];
            }
        }

        if (iter + 1) % report_every == 0 {
            progress((iter + 1) as f32 / iterations as f32);
        }
    }
    progress(1.0);
    pos
}

fn finite_or(v: f32, default: f32) -> f32 {
    if v.is_finite() {
        v
    } else {
        default
    }
}

/// SplitMix64: a counter-based generator (hash of seed and index), so each node's start does
/// not depend on any other's.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Uniform in [0, 1) from 24 random bits.
fn unit(h: u64) -> f32 {
    (h >> 40) as f32 / (1u64 << 24) as f32
}

/// Initial positions: groups (sorted by id) sit on a golden-angle spiral, larger groups further
/// apart; each node lies uniformly in a disc around its group's centre.
fn initial_positions(n_nodes: usize, groups: &[u32], seed: u64) -> Vec<[f32; 2]> {
    let grouped = groups.len() == n_nodes;
    // Dense group index per node, groups ordered by id (deterministic, no hash iteration).
    let mut ids: Vec<u32> = if grouped { groups.to_vec() } else { vec![0] };
    ids.sort_unstable();
    ids.dedup();
    let mut size = vec![0usize; ids.len()];
    let dense: Vec<usize> = (0..n_nodes)
        .map(|i| {
            let g = if grouped { ids.binary_search(&groups[i]).unwrap_or(0) } else { 0 };
            size[g] += 1;
            g
        })
        .collect();
    // Disc radius of each group ~ sqrt(size); centres on a spiral with spacing ~ the largest disc.
    let unit_spacing = 10.0f32;
    let radius: Vec<f32> = size.iter().map(|&s| unit_spacing * (s as f32).sqrt()).collect();
    let spread = radius.iter().copied().fold(0.0f32, f32::max);
    let golden = std::f32::consts::PI * (3.0 - 5.0f32.sqrt());
    let centre: Vec<[f32; 2]> = (0..ids.len())
        .map(|g| {
            if ids.len() == 1 {
                return [0.0, 0.0];
            }
            let r = spread * 1.5 * ((g as f32) + 0.5).sqrt();
            let a = g as f32 * golden;
            [r * a.cos(), r * a.sin()]
        })
        .collect();
    let base = splitmix64(seed);
    (0..n_nodes)
        .map(|i| {
            let h1 = splitmix64(base ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
            let h2 = splitmix64(h1);
            let g = dense[i];
            let r = radius[g] * unit(h1).sqrt();
            let a = unit(h2) * std::f32::consts::TAU;
            [centre[g][0] + r * a.cos(), centre[g][1] + r * a.sin()]
        })
        .collect()
}

/// A quadtree over the node positions, stored flat: cell `c` has its children at
/// `first_child[c] .. first_child[c] + 4` or, for a leaf, its points at
/// `order[leaf_start[c] .. leaf_end[c]]`.
#[derive(Default)]
struct QuadTree {
    /// Node indices, grouped by leaf.
    order: Vec<u32>,
    cells: Vec<Cell>,
    /// Positions and masses in `order` (spatially local for the leaf loops).
    px: Vec<f32>,
    py: Vec<f32>,
    pm: Vec<f32>,
}

#[derive(Clone, Copy)]
struct Cell {
    com_x: f32,
    com_y: f32,
    mass: f32,
    /// Width of the cell squared (for the Barnes-Hut test without a square root).
    width2: f32,
    /// Index of the first of 4 children, or `u32::MAX` for a leaf.
    first_child: u32,
    leaf_start: u32,
    leaf_end: u32,
}

impl QuadTree {
    fn build(&mut self, pos: &[[f32; 2]], mass: &[f32]) {
        let n = pos.len();
        self.order.clear();
        self.order.extend(0..n as u32);
        self.cells.clear();
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in pos {
            min_x = min_x.min(p[0]);
            min_y = min_y.min(p[1]);
            max_x = max_x.max(p[0]);
            max_y = max_y.max(p[1]);
        }
        let w = (max_x - min_x).max(max_y - min_y).max(1e-3);
        let root =
            Cell { com_x: 0.0, com_y: 0.0, mass: 0.0, width2: 0.0, first_child: u32::MAX, leaf_start: 0, leaf_end: 0 };
        self.cells.push(root);
        self.split(0, 0, n, min_x, min_y, w, 0, pos, mass);
        self.px.clear();
        self.py.clear();
        self.pm.clear();
        for &i in &self.order {
            self.px.push(pos[i as usize][0]);
            self.py.push(pos[i as usize][1]);
            self.pm.push(mass[i as usize]);
        }
    }

    /// Fill cell `c` covering `order[start..end]` and the square at (`x0`, `y0`) of width `w`.
    #[allow(clippy::too_many_arguments)]
    fn split(
        &mut self,
        c: usize,
        start: usize,
        end: usize,
        x0: f32,
        y0: f32,
        w: f32,
        depth: u32,
        pos: &[[f32; 2]],
        mass: &[f32],
    ) {
        let (mut m, mut sx, mut sy) = (0.0f32, 0.0f32, 0.0f32);
        for &i in &self.order[start..end] {
            let i = i as usize;
            m += mass[i];
            sx += pos[i][0] * mass[i];
            sy += pos[i][1] * mass[i];
        }
        let cell = &mut self.cells[c];
        cell.mass = m;
        if m > 0.0 {
            cell.com_x = sx / m;
            cell.com_y = sy / m;
        }
        cell.width2 = w * w;
        cell.leaf_start = start as u32;
        cell.leaf_end = end as u32;
        if end - start <= LEAF_SIZE || depth >= MAX_DEPTH {
            cell.first_child = u32::MAX;
            return;
        }
        let first = self.cells.len();
        self.cells[c].first_child = first as u32;
        let blank =
            Cell { com_x: 0.0, com_y: 0.0, mass: 0.0, width2: 0.0, first_child: u32::MAX, leaf_start: 0, leaf_end: 0 };
        self.cells.extend([blank; 4]);
        let h = w * 0.5;
        let (mx, my) = (x0 + h, y0 + h);
        // Partition by y (bottom | top), then each half by x (left | right).
        let mid = partition(&mut self.order[start..end], |i| pos[i as usize][1] < my) + start;
        let q1 = partition(&mut self.order[start..mid], |i| pos[i as usize][0] < mx) + start;
        let q3 = partition(&mut self.order[mid..end], |i| pos[i as usize][0] < mx) + mid;
        self.split(first, start, q1, x0, y0, h, depth + 1, pos, mass);
        self.split(first + 1, q1, mid, mx, y0, h, depth + 1, pos, mass);
        self.split(first + 2, mid, q3, x0, my, h, depth + 1, pos, mass);
        self.split(first + 3, q3, end, mx, my, h, depth + 1, pos, mass);
    }

    /// Add the repulsion on every node to `force`.
    ///
    /// The tree is walked once per leaf, not once per node: a cell is approximated when it is
    /// far enough from the leaf's bounding box (so from every node in it), and the leaf's nodes
    /// then share the resulting lists of far cells and near points. This divides the walking
    /// cost by the leaf size; the approximation is at least as accurate as a per-node walk.
    fn repulse(&self, scaling: f32, theta: f32, force: &mut [[f32; 2]]) {
        let theta2 = theta * theta;
        let mut stack: Vec<u32> = Vec::with_capacity(64);
        let mut far: Vec<[f32; 3]> = Vec::with_capacity(256);
        let mut near: Vec<(u32, u32)> = Vec::with_capacity(64);
        for leaf in &self.cells {
            if leaf.first_child != u32::MAX || leaf.leaf_start == leaf.leaf_end {
                continue;
            }
            let (ls, le) = (leaf.leaf_start as usize, leaf.leaf_end as usize);
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for j in ls..le {
                x0 = x0.min(self.px[j]);
                y0 = y0.min(self.py[j]);
                x1 = x1.max(self.px[j]);
                y1 = y1.max(self.py[j]);
            }
            far.clear();
            near.clear();
            stack.clear();
            stack.push(0);
            while let Some(c) = stack.pop() {
                let cell = &self.cells[c as usize];
                if cell.mass == 0.0 {
                    continue;
                }
                if cell.first_child == u32::MAX {
                    near.push((cell.leaf_start, cell.leaf_end));
                    continue;
                }
                // A cell holding this leaf is always opened (no self-repulsion).
                let holds_leaf = ls >= cell.leaf_start as usize && ls < cell.leaf_end as usize;
                let dx = (x0 - cell.com_x).max(cell.com_x - x1).max(0.0);
                let dy = (y0 - cell.com_y).max(cell.com_y - y1).max(0.0);
                if !holds_leaf && cell.width2 < theta2 * (dx * dx + dy * dy) {
                    far.push([cell.com_x, cell.com_y, cell.mass]);
                } else {
                    let fc = cell.first_child;
                    stack.extend([fc, fc + 1, fc + 2, fc + 3]);
                }
            }
            for k in ls..le {
                let (x, y) = (self.px[k], self.py[k]);
                let (mut fx, mut fy) = (0.0f32, 0.0f32);
                for &[cx, cy, cm] in &far {
                    let dx = x - cx;
                    let dy = y - cy;
                    let f = cm / (dx * dx + dy * dy).max(MIN_DIST2);
                    fx += dx * f;
                    fy += dy * f;
                }
                for &(s, e) in &near {
                    for j in s as usize..e as usize {
                        let dx = x - self.px[j];
                        let dy = y - self.py[j];
                        let d2 = dx * dx + dy * dy;
                        if j == k {
                            continue;
                        }
                        let f = self.pm[j] / d2.max(MIN_DIST2);
                        fx += dx * f;
                        fy += dy * f;
                    }
                }
                let i = self.order[k] as usize;
                let mi = self.pm[k] * scaling;
                force[i][0] += fx * mi;
                force[i][1] += fy * mi;
            }
        }
    }
}

/// Stable-enough in-place partition: moves the items for which `pred` holds to the front and
/// returns their count. Deterministic (depends only on the input order).
fn partition(items: &mut [u32], pred: impl Fn(u32) -> bool) -> usize {
    let mut k = 0;
    for j in 0..items.len() {
        if pred(items[j]) {
            items.swap(k, j);
            k += 1;
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_moves_matching_items_first() {
        let mut v = vec![5, 1, 6, 2, 7, 3];
        let k = partition(&mut v, |x| x < 4);
        assert_eq!(k, 3);
        let mut front = v[..k].to_vec();
        front.sort();
        assert_eq!(front, vec![1, 2, 3]);
    }

    #[test]
    fn barnes_hut_with_theta_zero_is_exact() {
        // theta = 0 never approximates: compare with the O(n^2) sum.
        let n = 200;
        let pos = initial_positions(n, &[], 7);
        let mass: Vec<f32> = (0..n).map(|i| 1.0 + (i % 5) as f32).collect();
        let mut tree = QuadTree::default();
        tree.build(&pos, &mass);
        let mut f = vec![[0.0f32; 2]; n];
        tree.repulse(2.0, 0.0, &mut f);
        for i in 0..n {
            let (mut ex, mut ey) = (0.0f64, 0.0f64);
            for j in 0..n {
                if i != j {
                    let dx = (pos[i][0] - pos[j][0]) as f64;
                    let dy = (pos[i][1] - pos[j][1]) as f64;
                    let d2 = (dx * dx + dy * dy).max(MIN_DIST2 as f64);
                    let k = 2.0 * mass[i] as f64 * mass[j] as f64 / d2;
                    ex += dx * k;
                    ey += dy * k;
                }
            }
            let scale = (ex * ex + ey * ey).sqrt().max(1e-6);
            assert!(((f[i][0] as f64 - ex).abs() + (f[i][1] as f64 - ey).abs()) / scale < 1e-3, "node {i}");
        }
    }
}
