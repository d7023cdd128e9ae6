//! The accounts table's data as it arrives from the worker (typed columns) and the pure
//! sort / filter / search over it. Rows are indices into the columns: 100,000+ accounts cost
//! a few arrays, never one object per account.

use crate::protocol::AccountTable;

/// Decoded columns of [`AccountTable`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableData {
    pub roles: Vec<u8>,
    pub clusters: Vec<u32>,
    pub scores: Vec<f32>,
    pub posts: Vec<u32>,
    names: String,
    offsets: Vec<u32>,
}

/// Reinterpret little-endian bytes as `T` (copies into an aligned vector; a trailing partial
/// item is dropped).
pub fn cast_vec<T: bytemuck::Pod>(bytes: &[u8]) -> Vec<T> {
    bytes.chunks_exact(std::mem::size_of::<T>()).map(bytemuck::pod_read_unaligned).collect()
}

impl TableData {
    pub fn from_table(t: &AccountTable) -> Result<TableData, String> {
        let n = t.n as usize;
        let d = TableData {
            roles: t.roles.to_vec(),
            clusters: cast_vec(&t.clusters),
            scores: cast_vec(&t.scores),
            posts: cast_vec(&t.posts),
            offsets: cast_vec(&t.name_offsets),
            names: t.names.clone(),
        };
        let ok = d.roles.len() == n
            && d.clusters.len() == n
            && d.scores.len() == n
            && d.posts.len() == n
            && d.offsets.len() == n + 1
            && d.offsets.windows(2).all(|w| w[0] <= w[1])
            && d.offsets.last().is_some_and(|&e| e as usize <= d.names.len())
            && d.offsets.iter().all(|&o| d.names.is_char_boundary(o as usize));
        if ok {
            Ok(d)
        } else {
            Err("internal error: the accounts table from the worker is inconsistent".into())
        }
    }
    pub fn len(&self) -> usize {
        self.roles.len()
    }
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
    /// (screen name, account id) of row `i`.
    pub fn name(&self, i: usize) -> (&str, &str) {
        let s = &self.names[self.offsets[i] as usize..self.offsets[i + 1] as usize];
        let s = s.strip_suffix('\u{1f}').unwrap_or(s);
        s.split_once('\u{1f}').unwrap_or((s, ""))
    }
    /// What a user sees as the account's name: "@screen_name", or the id.
    pub fn label(&self, i: usize) -> String {
        match self.name(i) {
            ("", id) => id.to_string(),
            (s, _) => format!("@{s}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Score,
    Posts,
    Name,
    Cluster,
    Role,
}

/// What the table shows.
#[derive(Clone, Debug, PartialEq)]
pub struct TableQuery {
    pub sort: SortKey,
    pub descending: bool,
    /// Show only this role (`Role as u8`), or all.
    pub role: Option<u8>,
    pub cluster: Option<u32>,
    /// Case-insensitive substring of the screen name or id.
    pub search: String,
}

impl Default for TableQuery {
    fn default() -> Self {
        TableQuery { sort: SortKey::Score, descending: true, role: None, cluster: None, search: String::new() }
    }
}

/// The rows (indices) to show, in order. Ties are broken by index so the order is stable.
pub fn query(t: &TableData, q: &TableQuery) -> Vec<u32> {
    let needle = q.search.trim().to_lowercase();
    let mut rows: Vec<u32> = (0..t.len() as u32)
        .filter(|&i| {
            let i = i as usize;
            q.role.is_none_or(|r| t.roles[i] == r)
                && q.cluster.is_none_or(|c| t.clusters[i] == c)
                && (needle.is_empty() || {
                    let (s, id) = t.name(i);
                    s.to_lowercase().contains(&needle) || id.to_lowercase().contains(&needle)
                })
        })
        .collect();
    let ord = |a: &u32, b: &u32| {
        let (x, y) = (*a as usize, *b as usize);
        let o = match q.sort {
            SortKey::Score => t.scores[x].total_cmp(&t.scores[y]),
            SortKey::Posts => t.posts[x].cmp(&t.posts[y]),
            SortKey::Name => t.name(x).0.to_lowercase().cmp(&t.name(y).0.to_lowercase()),
            SortKey::Cluster => t.clusters[x].cmp(&t.clusters[y]),
            SortKey::Role => t.roles[x].cmp(&t.roles[y]),
        };
        let o = if q.descending { o.reverse() } else { o };
        o.then(x.cmp(&y))
    };
    rows.sort_by(ord);
    rows
}

/// Rows `[first, last)` to render for a scroll position: only the visible ones plus a margin.
pub fn visible_window(n_rows: usize, row_height: f64, scroll_top: f64, viewport: f64, margin: usize) -> (usize, usize) {
    if n_rows == 0 || row_height <= 0.0 {
        return (0, 0);
    }
    let first = ((scroll_top.max(0.0) / row_height) as usize).saturating_sub(margin).min(n_rows);
    let count = (viewport.max(0.0) / row_height).ceil() as usize + 2 * margin;
    (first, (first + count).min(n_rows))
}
