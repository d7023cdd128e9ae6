//! Spatial order of the network view's primitives, so a zoomed-in frame draws only what can
//! be in view: a few `drawArrays(first, count)` ranges instead of every edge and node.
//!
//! Once per layout, the primitives (edges as segments, nodes as points) are sorted into a
//! multi-level grid over their box (a loose quadtree): level `L` has square cells of side
//! `cell_0 * 2^L`, the coarsest level is a single cell. A primitive goes to the finest level
//! whose cell is at least as wide as its extent (`max(|dx|, |dy|)`), in the cell of its
//! midpoint; levels follow each other in the buffer, the cells of a level in row-major order.
//! A primitive meeting a view rectangle then has its midpoint inside that rectangle grown by
//! half the largest extent of its level (the level's `reach`), so the cells to draw are, per
//! level, one run of cells per row of the grown rectangle: contiguous in the buffer.
//!
//! Pure (no web imports), so the range computation is tested against a brute force.

use std::ops::Range;

/// Most draw calls per layer: beyond it the closest ranges are merged (drawing a few
/// primitives out of view costs less than many draw calls).
pub const MAX_RANGES: usize = 48;
/// When the ranges hold more than this fraction of all primitives, everything is drawn in one
/// call (the view shows most of the graph anyway).
const DRAW_ALL_FRACTION: f64 = 0.7;
/// Wanted primitives per cell of the finest level (fewer, finer cells cost more ranges).
const ITEMS_PER_CELL: usize = 24;
/// Most cells per side of the finest level.
const MAX_SIDE: usize = 1024;

/// One level of the grid.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Level {
    /// Side of a cell (world units).
    cell: f32,
    nx: u32,
    ny: u32,
    /// Index of the level's first cell in `CullIndex::cell_start`.
    first: u32,
    /// Largest half-extent of the primitives in the level: a primitive reaches at most this
    /// far from its midpoint along each axis.
    reach: f32,
}

/// The spatial order of `len()` primitives and the cells it is cut into.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CullIndex {
    min: [f32; 2],
    levels: Vec<Level>,
    /// Primitives of cell `c` (numbered across levels) are drawn at positions
    /// `cell_start[c] .. cell_start[c + 1]`; after the last cell come the primitives with a
    /// non-finite coordinate (always drawn: the GPU decides what they do).
    cell_start: Vec<u32>,
    n_items: u32,
    /// Extra room for rounding in the midpoint and extent arithmetic (world units).
    slack: f32,
}

impl CullIndex {
    /// Index segments given as `x0, y0, x1, y1` per segment (`vertices.len() / 4` of them).
    /// Returns the index and the order: `order[k]` is the original segment to draw k-th.
    pub fn segments(vertices: &[f32]) -> (CullIndex, Vec<u32>) {
        let n = vertices.len() / 4;
        CullIndex::build(n, |i| {
            let v = &vertices[4 * i..4 * i + 4];
            let mid = [(v[0] + v[2]) * 0.5, (v[1] + v[3]) * 0.5];
            let half = ((v[2] - v[0]).abs().max((v[3] - v[1]).abs())) * 0.5;
            [mid[0], mid[1], half]
        })
    }

    /// Index points given as `x, y` per point (`positions.len() / 2` of them); see
    /// [`CullIndex::segments`].
    pub fn points(positions: &[f32]) -> (CullIndex, Vec<u32>) {
        let n = positions.len() / 2;
        CullIndex::build(n, |i| [positions[2 * i], positions[2 * i + 1], 0.0])
    }

    /// Number of primitives indexed.
    pub fn len(&self) -> u32 {
        self.n_items
    }

    pub fn is_empty(&self) -> bool {
        self.n_items == 0
    }

    /// Room for rounding, in world units (for [`segments_meeting`]).
    pub fn slack(&self) -> f32 {
        self.slack
    }

    /// `item(i)` is `[mid_x, mid_y, half_extent]` of primitive `i`.
    fn build(n: usize, item: impl Fn(usize) -> [f32; 3]) -> (CullIndex, Vec<u32>) {
        let items: Vec<[f32; 3]> = (0..n).map(&item).collect();
        let finite = |p: &[f32; 3]| p.iter().all(|v| v.is_finite());
        let (mut min, mut max) = ([f32::MAX; 2], [f32::MIN; 2]);
        let mut n_finite = 0usize;
        for p in items.iter().filter(|p| finite(p)) {
            min = [min[0].min(p[0]), min[1].min(p[1])];
            max = [max[0].max(p[0]), max[1].max(p[1])];
            n_finite += 1;
        }
        let mut index = CullIndex { n_items: n as u32, ..CullIndex::default() };
        let mut cell_of = vec![0u32; n];
        if n_finite > 0 {
            let size = [max[0] - min[0], max[1] - min[1]];
            let wide = size[0].max(size[1]);
            let side0 = ((n_finite / ITEMS_PER_CELL) as f64).sqrt().ceil().clamp(1.0, MAX_SIDE as f64) as f32;
            let cell0 = if wide > 0.0 { wide / side0 } else { 1.0 };
            index.min = min;
            index.slack = (wide.max(max[0].abs()).max(max[1].abs()).max(min[0].abs()).max(min[1].abs())) * 1e-5;
            let mut first = 0u32;
            let mut cell = cell0;
            loop {
                let count = |extent: f32| ((extent / cell).floor() as u32).saturating_add(1);
                let (nx, ny) = (count(size[0]), count(size[1]));
                index.levels.push(Level { cell, nx, ny, first, reach: 0.0 });
                first += nx * ny;
                if nx == 1 && ny == 1 {
                    break;
                }
                cell *= 2.0;
            }
            let top = index.levels.len() - 1;
            for (i, p) in items.iter().enumerate() {
                if !finite(p) {
                    continue;
                }
                let l = index.levels.iter().position(|l| 2.0 * p[2] <= l.cell).unwrap_or(top);
                let level = &mut index.levels[l];
                level.reach = level.reach.max(p[2]);
                let at = |v: f32, origin: f32, n: u32| (((v - origin) / level.cell).floor().max(0.0) as u32).min(n - 1);
                let (cx, cy) = (at(p[0], min[0], level.nx), at(p[1], min[1], level.ny));
                cell_of[i] = level.first + cy * level.nx + cx;
            }
            index.cell_start = vec![0; first as usize + 2];
        } else {
            index.cell_start = vec![0; 2];
        }
        // The non-finite bucket comes after the last cell.
        let bucket = index.cell_start.len() as u32 - 2;
        for (i, p) in items.iter().enumerate() {
            if !finite(p) {
                cell_of[i] = bucket;
            }
        }
        // Counting sort by cell (stable: original order inside a cell).
        for &c in &cell_of {
            index.cell_start[c as usize + 1] += 1;
        }
        for c in 0..index.cell_start.len() - 1 {
            index.cell_start[c + 1] += index.cell_start[c];
        }
        let mut fill = index.cell_start.clone();
        let mut order = vec![0u32; n];
        for (i, &c) in cell_of.iter().enumerate() {
            order[fill[c as usize] as usize] = i as u32;
            fill[c as usize] += 1;
        }
        (index, order)
    }

    /// The ranges of drawing positions (in primitives, ascending, disjoint) that hold every
    /// primitive reaching into the rectangle `min .. max` grown by `margin` on each axis (world
    /// units): a superset, at most [`MAX_RANGES`] ranges (plus one for non-finite primitives),
    /// or the single range of everything when the view holds most of the primitives.
    pub fn ranges(&self, min: [f32; 2], max: [f32; 2], margin: [f32; 2], out: &mut Vec<Range<u32>>) {
        out.clear();
        if self.n_items == 0 {
            return;
        }
        let all = [min[0], min[1], max[0], max[1], margin[0], margin[1]];
        if !all.iter().all(|v| v.is_finite()) {
            out.push(0..self.n_items);
            return;
        }
        let push = |r: Range<u32>, out: &mut Vec<Range<u32>>| {
            if r.is_empty() {
                return;
            }
            match out.last_mut() {
                Some(last) if last.end == r.start => last.end = r.end,
                _ => out.push(r),
            }
        };
        for l in &self.levels {
            let grow = [margin[0] + l.reach + self.slack, margin[1] + l.reach + self.slack];
            let span = |lo: f32, hi: f32, origin: f32, n: u32| -> Option<(u32, u32)> {
                let a = ((lo - origin) / l.cell).floor();
                let b = ((hi - origin) / l.cell).floor();
                if b < 0.0 || a > (n - 1) as f32 || a > b {
                    return None;
                }
                Some((a.max(0.0) as u32, (b as u32).min(n - 1)))
            };
            let Some((x0, x1)) = span(min[0] - grow[0], max[0] + grow[0], self.min[0], l.nx) else { continue };
            let Some((y0, y1)) = span(min[1] - grow[1], max[1] + grow[1], self.min[1], l.ny) else { continue };
            for cy in y0..=y1 {
                let row = (l.first + cy * l.nx) as usize;
                push(self.cell_start[row + x0 as usize]..self.cell_start[row + x1 as usize + 1], out);
            }
        }
        let n_cells = self.cell_start.len() - 2;
        push(self.cell_start[n_cells]..self.cell_start[n_cells + 1], out);
        let drawn: u64 = out.iter().map(|r| (r.end - r.start) as u64).sum();
        if drawn as f64 >= DRAW_ALL_FRACTION * self.n_items as f64 {
            out.clear();
            out.push(0..self.n_items);
            return;
        }
        merge_closest(out, MAX_RANGES);
    }
}

/// Merge the ranges separated by the smallest gaps until at most `max` remain.
fn merge_closest(ranges: &mut Vec<Range<u32>>, max: usize) {
    if ranges.len() <= max || max == 0 {
        return;
    }
    let mut gaps: Vec<u32> = ranges.windows(2).map(|w| w[1].start - w[0].end).collect();
    // Gaps up to the threshold are closed: the (len - max) smallest ones (ties may close a few
    // more, which only lowers the count).
    let k = ranges.len() - max - 1;
    let threshold = *gaps.select_nth_unstable(k).1;
    let mut merged: Vec<Range<u32>> = Vec::with_capacity(max);
    for r in ranges.drain(..) {
        match merged.last_mut() {
            Some(last) if r.start - last.end <= threshold => last.end = r.end,
            _ => merged.push(r),
        }
    }
    *ranges = merged;
}

/// Copy into `out` (x0, y0, x1, y1 each) the segments of `vertices` at the positions in
/// `ranges` that meet the rectangle `min .. max` grown by `margin` (world units), in their
/// order. Conservative: a segment passing within `slack` of the grown rectangle is kept too.
/// Returns the number of segments copied.
pub fn segments_meeting(
    vertices: &[f32],
    ranges: &[Range<u32>],
    min: [f32; 2],
    max: [f32; 2],
    margin: [f32; 2],
    slack: f32,
    out: &mut Vec<f32>,
) -> usize {
    out.clear();
    let (x0, y0) = (min[0] - margin[0] - slack, min[1] - margin[1] - slack);
    let (x1, y1) = (max[0] + margin[0] + slack, max[1] + margin[1] + slack);
    for r in ranges {
        let (start, end) = (4 * r.start as usize, (4 * r.end as usize).min(vertices.len()));
        for s in vertices[start.min(end)..end].chunks_exact(4) {
            let [ax, ay, bx, by] = [s[0], s[1], s[2], s[3]];
            if !(ax.is_finite() && ay.is_finite() && bx.is_finite() && by.is_finite()) {
                out.extend_from_slice(s);
                continue;
            }
            if ax.max(bx) < x0 || ax.min(bx) > x1 || ay.max(by) < y0 || ay.min(by) > y1 {
                continue;
            }
            // The boxes meet: the segment misses the rectangle only when all four corners lie
            // strictly on one side of its line (by more than `slack`: the signed distance is
            // `side / |d|`, and |dx| + |dy| >= |d|).
            let (dx, dy) = (bx - ax, by - ay);
            let tol = (dx.abs() + dy.abs()) * slack;
            let side = |cx: f32, cy: f32| dx * (cy - ay) - dy * (cx - ax);
            let sides = [side(x0, y0), side(x1, y0), side(x0, y1), side(x1, y1)];
            if sides.iter().all(|&v| v > tol) || sides.iter().all(|&v| v < -tol) {
                continue;
            }
            out.extend_from_slice(s);
        }
    }
    out.len() / 4
}
