//! The CSV exports: `accounts.csv`, `clusters.csv`, `edges.csv`.
//!
//! RFC 4180 (CRLF line ends, fields quoted when they hold a comma, quote, CR or LF, quotes
//! doubled) written by csv-core's writer; text cells go through [`csv_text`] so that no cell can
//! run as a spreadsheet formula. Numeric columns are written as plain numbers (a negative UTC
//! offset stays `-5`).

use super::*;
use crate::core::detect::Cluster;
use csv_core::{QuoteStyle, Terminator, WriteResult, Writer, WriterBuilder};

/// Columns of `accounts.csv` (the first six are the contract of issue 4).
pub const ACCOUNTS_COLUMNS: [&str; 12] = [
    "account_id",
    "screen_name",
    "role",
    "cluster",
    "score",
    "reasons",
    "reason_codes",
    "posts",
    "retweets",
    "created_at",
    "followers",
    "following",
];

/// Columns of `clusters.csv`.
pub const CLUSTERS_COLUMNS: [&str; 21] = [
    "cluster",
    "size",
    "n_core",
    "n_amplifiers",
    "n_posts",
    "strength",
    "density",
    "median_boost_delay_s",
    "echo_share",
    "implied_utc_offset",
    "peak_hour_utc",
    "hour_profile_utc",
    "creation_bursts",
    "top_hashtags",
    "top_domains",
    "top_urls",
    "top_texts",
    "first_day",
    "last_day",
    "spike_days",
    "methods",
];

/// Columns of `edges.csv`.
pub const EDGES_COLUMNS: [&str; 5] = ["source", "target", "weight", "n_objects", "methods"];

/// How many items of each top list go into a clusters.csv cell, and how long a text may be.
const TOP_ITEMS: usize = 5;
const TOP_TEXTS: usize = 3;
const TEXT_CHARS: usize = 200;

/// A cell of a row.
pub(crate) enum Cell<'a> {
    /// Data text: neutralised and cleaned.
    Text(&'a str),
    /// A number or a token we produce ourselves (written as is).
    Raw(&'a str),
}

/// A CSV sink over csv-core's push writer (RFC 4180, CRLF); text cells are neutralised by
/// [`csv_text`]. Shared by every CSV export of the crate.
pub(crate) struct CsvOut<'w, W: Write> {
    w: &'w mut W,
    wtr: Writer,
    buf: Vec<u8>,
}

impl<'w, W: Write> CsvOut<'w, W> {
    pub(crate) fn new(w: &'w mut W) -> Self {
        let wtr = WriterBuilder::new().terminator(Terminator::CRLF).quote_style(QuoteStyle::Necessary).build();
        CsvOut { w, wtr, buf: vec![0; 8192] }
    }

    fn field(&mut self, mut input: &[u8]) -> io::Result<()> {
        loop {
            let (res, nin, nout) = self.wtr.field(input, &mut self.buf);
            self.w.write_all(&self.buf[..nout])?;
            input = &input[nin..];
            if res == WriteResult::InputEmpty {
                return Ok(());
            }
        }
    }

    pub(crate) fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        for (k, c) in cells.iter().enumerate() {
            if k > 0 {
                let (_, n) = self.wtr.delimiter(&mut self.buf);
                self.w.write_all(&self.buf[..n])?;
            }
            match c {
                Cell::Text(s) => {
                    let t = csv_text(s);
                    self.field(t.as_bytes())?;
                }
                Cell::Raw(s) => self.field(s.as_bytes())?,
            }
        }
        let (_, n) = self.wtr.terminator(&mut self.buf);
        self.w.write_all(&self.buf[..n])
    }

    fn header(&mut self, cols: &[&str]) -> io::Result<()> {
        let cells: Vec<Cell> = cols.iter().map(|c| Cell::Raw(c)).collect();
        self.row(&cells)
    }
}

/// Order of roles in accounts.csv: core, then amplifiers, then unflagged.
fn role_rank(r: Role) -> u8 {
    match r {
        Role::Core => 0,
        Role::Amplifier => 1,
        Role::Unflagged => 2,
    }
}

/// `accounts.csv`: one row per account of the dataset, columns [`ACCOUNTS_COLUMNS`]; sorted by
/// role (core, amplifier, unflagged), cluster (none last), score (highest first), account id.
pub fn accounts_csv(ds: &Dataset, an: &Analysis, w: &mut impl Write) -> io::Result<()> {
    let mut out = CsvOut::new(w);
    out.header(&ACCOUNTS_COLUMNS)?;
    let (posts, retweets) = activity(ds);
    let n = ds.n_accounts();
    let score = |i: usize| verdict(an, i).map_or(0.0, |v| if v.score.is_finite() { v.score } else { 0.0 });
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        (role_rank(role_of(an, x)), cluster_of(an, x).unwrap_or(u32::MAX))
            .cmp(&(role_rank(role_of(an, y)), cluster_of(an, y).unwrap_or(u32::MAX)))
            .then_with(|| score(y).total_cmp(&score(x)))
            .then_with(|| ds.accounts.ids.resolve(x as u32).cmp(ds.accounts.ids.resolve(y as u32)))
    });
    let acc = &ds.accounts;
    for i in order {
        let v = verdict(an, i);
        let role = role_of(an, i);
        let cluster = cluster_of(an, i).map(|c| c.to_string()).unwrap_or_default();
        let sc = num_fixed(score(i) as f64, 4);
        let (reasons, codes) = match v {
            Some(v) => (
                v.reasons.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join("; "),
                v.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(";"),
            ),
            None => (String::new(), String::new()),
        };
        let opt_count = |v: Option<&u32>| v.filter(|&&x| x != u32::MAX).map(|x| x.to_string()).unwrap_or_default();
        let created = acc.created_at.get(i).map(|&t| iso_time(t)).unwrap_or_default();
        out.row(&[
            Cell::Text(acc.ids.resolve(i as u32)),
            Cell::Text(acc.screen_name.get(i).map_or("", |s| s)),
            Cell::Raw(role.as_str()),
            Cell::Raw(&cluster),
            Cell::Raw(&sc),
            Cell::Text(&reasons),
            Cell::Text(&codes),
            Cell::Raw(&posts[i].to_string()),
            Cell::Raw(&retweets[i].to_string()),
            Cell::Raw(&created),
            Cell::Raw(&opt_count(acc.followers.get(i))),
            Cell::Raw(&opt_count(acc.following.get(i))),
        ])?;
    }
    Ok(())
}

/// A top list as one cell: `name (count); name (count)`, at most `k` items, each at most
/// [`TEXT_CHARS`] characters.
fn top_cell(items: &[(String, u32)], k: usize) -> String {
    let parts: Vec<String> = items
        .iter()
        .take(k)
        .map(|(name, n)| {
            let name = name.replace(['\r', '\n'], " ");
            let short: String = name.chars().take(TEXT_CHARS).collect();
            let ell = if short.len() < name.len() { "…" } else { "" };
            format!("{short}{ell} ({n})")
        })
        .collect();
    parts.join("; ")
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| num_fixed(x, digits)).unwrap_or_default()
}

/// `clusters.csv`: one row per cluster, columns [`CLUSTERS_COLUMNS`], by cluster id. Lists in
/// a cell are joined with `; ` (top lists, days, bursts) or `;` (method shares, the 24 posts per
/// UTC hour of `hour_profile_utc`). Top lists read `item (count)`.
pub fn clusters_csv(_ds: &Dataset, an: &Analysis, w: &mut impl Write) -> io::Result<()> {
    let mut out = CsvOut::new(w);
    out.header(&CLUSTERS_COLUMNS)?;
    let mut clusters: Vec<&Cluster> = an.clusters.iter().collect();
    clusters.sort_by_key(|c| c.id);
    for c in clusters {
        let peak = c
            .hour_profile
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            .filter(|(_, &n)| n > 0)
            .map(|(h, _)| h.to_string())
            .unwrap_or_default();
        let bursts: Vec<String> = c
            .creation_bursts
            .iter()
            .map(|b| format!("{}..{} ({})", iso_day(b.first_day), iso_day(b.last_day), b.n_accounts))
            .collect();
        let hours: Vec<String> = c.hour_profile.iter().map(|n| n.to_string()).collect();
        let spikes: Vec<String> = c.spikes.iter().map(|&d| iso_day(d)).collect();
        let first_day = c.daily.iter().map(|d| d.0).min().map(iso_day).unwrap_or_default();
        let last_day = c.daily.iter().map(|d| d.0).max().map(iso_day).unwrap_or_default();
        let methods: Vec<String> =
            c.methods.iter().map(|(m, share)| format!("{}={}", m.name(), num_fixed(*share, 3))).collect();
        out.row(&[
            Cell::Raw(&c.id.to_string()),
            Cell::Raw(&c.accounts.len().to_string()),
            Cell::Raw(&c.n_core.to_string()),
            Cell::Raw(&c.n_amplifiers.to_string()),
            Cell::Raw(&c.n_posts.to_string()),
            Cell::Raw(&num_fixed(c.strength, 4)),
            Cell::Raw(&num_fixed(c.density, 4)),
            Cell::Raw(&opt(c.median_boost_delay_s, 1)),
            Cell::Raw(&opt(c.echo_share, 4)),
            Cell::Raw(&c.implied_utc_offset.map(|o| o.to_string()).unwrap_or_default()),
            Cell::Raw(&peak),
            Cell::Raw(&hours.join(";")),
            Cell::Raw(&bursts.join("; ")),
            Cell::Text(&top_cell(&c.top_hashtags, TOP_ITEMS)),
            Cell::Text(&top_cell(&c.top_domains, TOP_ITEMS)),
            Cell::Text(&top_cell(&c.top_urls, TOP_ITEMS)),
            Cell::Text(&top_cell(&c.top_texts, TOP_TEXTS)),
            Cell::Raw(&first_day),
            Cell::Raw(&last_day),
            Cell::Raw(&spikes.join("; ")),
            Cell::Raw(&methods.join(";")),
        ])?;
    }
    Ok(())
}

/// `edges.csv`: the combined coordination network, `source,target,weight,n_objects,methods`
/// with account ids (source is the lower account index); sorted by weight (highest first),
/// then source and target id.
pub fn edges_csv(ds: &Dataset, an: &Analysis, w: &mut impl Write) -> io::Result<()> {
    let mut out = CsvOut::new(w);
    out.header(&EDGES_COLUMNS)?;
    // oriented and ordered by account id (valid_edges), then by weight, heaviest first
    let mut edges = valid_edges(ds, an);
    let id = |i: AccountIdx| ds.accounts.ids.resolve(i);
    let w_of = |e: &crate::core::detect::Edge| if e.weight.is_finite() { e.weight } else { 0.0 };
    edges.sort_by(|x, y| w_of(y.edge).total_cmp(&w_of(x.edge)));
    for e in edges {
        out.row(&[
            Cell::Text(id(e.lo)),
            Cell::Text(id(e.hi)),
            Cell::Raw(&num32(w_of(e.edge))),
            Cell::Raw(&e.edge.n_objects.to_string()),
            Cell::Raw(&method_names(e.edge.methods)),
        ])?;
    }
    Ok(())
}
