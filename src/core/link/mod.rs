//! Linking operations across datasets: what ties several named datasets (each with its
//! [`Analysis`]) together.
//!
//! [`link`] takes `(name, dataset, analysis)` triples and [`LinkParams`] and returns a
//! [`LinkResult`]: one [`Link`] per dataset pair (and per cluster pair with any evidence), with the
//! counts of every kind of tie, a strength and evidence sentences; the dataset × dataset strength
//! matrix; and the accounts that tie datasets ([`AccountTie`]), with re-emergence flags.
//!
//! Ties ([`TieKind`]):
//! - shared accounts (same account id) and, reported apart, the same screen name
//!   (case-insensitive) under a different id, between flagged accounts on both sides;
//! - identical texts (normalised-text fingerprint), near-identical texts (SimHash within
//!   `near_max_distance` bits, found with LSH banding), URLs, domains and hashtags. Each shared
//!   item is weighted by its rarity over all datasets: `ln(N / df) / ln(N)` with `df` the
//!   accounts using it and `N` all active accounts; an item used by more than
//!   `rare_max_share · N` accounts weighs nothing, so sharing popular hashtags or big domains
//!   does not make a link; and they count only when a flagged (core / amplifier) account uses
//!   them on at least one side (half weight) or both (full weight), since what is linked are
//!   operations, not the organic audiences of two dumps of the same language and country (the
//!   same holds for screen names; the same account id always counts);
//! - amplification: accounts of one dataset retweeting, replying to, quoting or mentioning the
//!   flagged (core / amplifier) accounts of another (matched by account id, post key or screen
//!   name);
//! - co-action: accounts of different datasets retweeting the same post or posting the same text
//!   within `co_action_window_s` (events sorted by object and time, a sliding window with at
//!   most `max_partners` partners per event), on rare objects, with a flagged account taking part.
//!
//! Strength: [`Link::strength`] is the absolute sum of the weighted ties; it grows with the
//! sizes of the datasets (two large unrelated datasets of one language share hundreds of tail
//! hashtags, generic texts and handles). Whether a pair is linked ([`Link::linked`]) rests on
//! identity ties (shared ids; screen names beyond the collisions chance predicts from all the
//! accounts' handles, [`Link::expected`]) or on [`Link::normalised`]: the ties between the
//! operations on both sides over the smaller side's content mass, the share of its rare
//! content the other operation uses too.
//!
//! Everything is computed with sorts and merges over interned keys (no all-pairs over posts);
//! the work per shared item is bounded by the rarity cap. Deterministic: outputs are sorted, no
//! hash-map order reaches them.

use crate::core::detect::{Analysis, Role};
use crate::core::model::{fnv1a64, AccountIdx, Dataset, Kind, NONE, NO_TIME};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod export;
pub mod planted;

/// A kind of tie between datasets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
pub enum TieKind {
    AccountId = 0,
    ScreenName = 1,
    Text = 2,
    NearText = 3,
    Url = 4,
    Domain = 5,
    Hashtag = 6,
    Amplification = 7,
    CoAction = 8,
}

impl TieKind {
    pub const ALL: [TieKind; 9] = [
        TieKind::AccountId,
        TieKind::ScreenName,
        TieKind::Text,
        TieKind::NearText,
        TieKind::Url,
        TieKind::Domain,
        TieKind::Hashtag,
        TieKind::Amplification,
        TieKind::CoAction,
    ];
    pub fn name(self) -> &'static str {
        match self {
            TieKind::AccountId => "shared_id",
            TieKind::ScreenName => "shared_screen_name",
            TieKind::Text => "shared_text",
            TieKind::NearText => "near_text",
            TieKind::Url => "shared_url",
            TieKind::Domain => "shared_domain",
            TieKind::Hashtag => "shared_hashtag",
            TieKind::Amplification => "amplification",
            TieKind::CoAction => "co_action",
        }
    }
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
    /// Names of the kinds in a bit set, joined by `;`.
    pub fn names(bits: u16) -> String {
        TieKind::ALL.iter().filter(|k| bits & k.bit() != 0).map(|k| k.name()).collect::<Vec<_>>().join(";")
    }
}

/// Linking parameters (all go into link_report.json).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkParams {
    /// Near-identical texts: SimHash Hamming distance at most this (0..=7; LSH uses
    /// `distance + 1` bands).
    pub near_max_distance: u32,
    /// An item (text, URL, domain, hashtag) used by more than this share of all active accounts
    /// is popular and weighs nothing.
    pub rare_max_share: f64,
    /// Co-action window in seconds.
    pub co_action_window_s: f64,
    /// Each event is paired with at most this many following events on the same object.
    pub max_partners: u32,
    /// LSH buckets larger than this are skipped (boilerplate), as are co-action objects with
    /// more than `rare_max_share` of the accounts acting on them.
    pub max_bucket: u32,
    /// Weight of each tie kind in the strength, in the order of [`TieKind::ALL`]. Rarity-weighted
    /// kinds multiply the rarity weight; account kinds count per account; amplification per
    /// distinct (amplifier, amplified) pair; co-action per distinct object.
    pub kind_weights: [f64; 9],
    /// A link needs at least this strength (absolute: it keeps a single shared item between two
    /// tiny datasets from linking them). See [`Link::linked`] for the whole criterion.
    pub min_strength: f64,
    /// A link on content and behaviour needs [`Link::normalised`] (its content, amplification and
    /// co-action score over the smaller side's content mass) at least this. Identity ties
    /// (shared account ids, and screen names beyond the chance collisions) link on their own.
    #[serde(default = "default_min_normalised")]
    pub min_normalised: f64,
    /// An account ties datasets when it is shared (id / name), amplifies or co-acts across, or
    /// its rarity-weighted shared items reach this weight.
    pub account_min_weight: f64,
    /// Count the content and co-actions of every account, not only of flagged ones: for
    /// takedown archives, where every account belongs to the operation whether or not detection
    /// clusters it. Off by default (two dumps of the same language share a long tail of content).
    #[serde(default)]
    pub content_from_all_accounts: bool,
}

impl Default for LinkParams {
    fn default() -> Self {
        LinkParams {
            near_max_distance: 3,
            rare_max_share: 0.05,
            co_action_window_s: 300.0,
            max_partners: 16,
            max_bucket: 256,
            kind_weights: [2.0, 1.0, 1.0, 0.8, 1.0, 0.5, 0.5, 0.5, 1.0],
            min_strength: 5.0,
            min_normalised: default_min_normalised(),
            account_min_weight: 1.5,
            content_from_all_accounts: false,
        }
    }
}

fn default_min_normalised() -> f64 {
    0.1
}

/// Counts and strength of the ties between two datasets, or two clusters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub dataset_a: u16,
    /// Cluster of dataset A (index into its `Analysis::clusters`), `NONE` for the whole dataset.
    pub cluster_a: u32,
    pub dataset_b: u16,
    pub cluster_b: u32,
    /// Number of ties of each kind, in the order of [`TieKind::ALL`].
    pub counts: [u32; 9],
    /// Weighted score of each kind.
    pub scores: [f64; 9],
    /// Absolute strength: the sum of `scores`. It grows with the sizes of the datasets, so two
    /// large unrelated datasets of one language reach any fixed threshold; `linked` does not rest
    /// on it alone.
    pub strength: f64,
    /// Size-normalised strength: the score of the content and co-action ties between eligible
    /// (flagged, or all with `content_from_all_accounts`) accounts on both sides, plus
    /// amplification, over the smaller side's content mass: the sum of the rarity weights of
    /// every item (text, URL, domain, hashtag) its eligible accounts use, shared or not, with the
    /// kind weights, at least `min_strength`. So about the share of the smaller side's rare
    /// content that the other side's operation uses too (above 1 when amplification and
    /// co-action add to it). Coincidental overlap of two large datasets stays a small share.
    #[serde(default)]
    pub normalised: f64,
    /// Score of the screen names shared by chance: the screen-name collisions between the two
    /// sides among all their accounts, times the share of flagged (or clustered) accounts on
    /// each side. The identity test of `linked` takes this plus three standard deviations
    /// (Poisson) off the screen-name score.
    #[serde(default)]
    pub expected: f64,
    /// Identity ties (shared ids, screen names beyond chance: `expected` and three standard
    /// deviations) reach `min_strength`; or `strength` (with the chance screen names taken off)
    /// reaches `min_strength` and
    /// `normalised` reaches `min_normalised`. A cluster pair is linked only within a linked
    /// dataset pair.
    pub linked: bool,
    /// Sentences with numbers and examples, strongest kind first.
    pub evidence: Vec<String>,
}

/// An account that ties its dataset to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountTie {
    pub dataset: u16,
    pub account: AccountIdx,
    pub other: u16,
    /// Bits of [`TieKind::bit`].
    pub kinds: u16,
    /// Rarity-weighted shared items plus account-level ties.
    pub weight: f64,
    /// Created after the other (earlier) dataset's last post and carrying its narratives or
    /// co-acting with its accounts.
    pub re_emergent: bool,
    pub evidence: String,
}

/// Per-dataset counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub name: String,
    pub n_accounts: usize,
    pub n_active_accounts: usize,
    pub n_posts: usize,
    pub n_clusters: usize,
    /// Active accounts flagged by detection (core or amplifier).
    #[serde(default)]
    pub n_flagged_accounts: usize,
    /// Content mass of the dataset: see [`Link::normalised`].
    #[serde(default)]
    pub content_mass: f64,
    pub first_post_ms: Option<i64>,
    pub last_post_ms: Option<i64>,
}

/// The result of [`link`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkResult {
    pub params: LinkParams,
    pub datasets: Vec<DatasetSummary>,
    /// Dataset pairs (every pair, `cluster_* == NONE`), then cluster pairs with any evidence;
    /// each group sorted by strength (descending), then by indices.
    pub links: Vec<Link>,
    /// Dataset × dataset strength (symmetric, 0 on the diagonal).
    pub overlap: Vec<Vec<f64>>,
    /// Dataset × dataset normalised strength ([`Link::normalised`]; symmetric, 0 on the diagonal).
    #[serde(default)]
    pub normalised_overlap: Vec<Vec<f64>>,
    /// Accounts that tie datasets, by (dataset, account id string, other).
    pub accounts: Vec<AccountTie>,
    /// Account-to-account ties across datasets (shared id, shared screen name, amplification,
    /// co-action), sorted and deduplicated: (dataset a, account, dataset b, account, kind).
    pub cross_edges: Vec<(u16, AccountIdx, u16, AccountIdx, TieKind)>,
}

impl LinkResult {
    /// The dataset-level link between `a` and `b` (any order).
    pub fn dataset_link(&self, a: u16, b: u16) -> Option<&Link> {
        let (a, b) = (a.min(b), a.max(b));
        self.links.iter().find(|l| l.dataset_a == a && l.dataset_b == b && l.cluster_a == NONE && l.cluster_b == NONE)
    }
}

/// One input of [`link`]: a name, its dataset and its analysis.
pub type Input<'a> = (&'a str, &'a Dataset, &'a Analysis);

/// One use of an item: (kind, key, dataset, account, local id for display).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Use {
    kind: u8,
    key: u64,
    dataset: u16,
    account: AccountIdx,
    local: u32,
}

#[derive(Default, Clone)]
struct Acc {
    counts: [u32; 9],
    scores: [f64; 9],
    /// Score of the content, amplification and co-action ties between eligible (flagged, or
    /// all) accounts on both sides: the numerator of [`Link::normalised`].
    joint: f64,
    /// Best example per kind: (weight, key, dataset, local).
    examples: [Option<(f64, u64, u16, u64)>; 9],
}

impl Acc {
    fn add(&mut self, kind: TieKind, n: u32, score: f64, example: Option<(f64, u64, u16, u64)>) {
        let k = kind as usize;
        self.counts[k] += n;
        self.scores[k] += score;
        if let Some(e) = example {
            let better = match self.examples[k] {
                None => true,
                Some(o) => e.0 > o.0 || (e.0 == o.0 && (e.1, e.2, e.3) < (o.1, o.2, o.3)),
            };
            if better {
                self.examples[k] = Some(e);
            }
        }
    }
}

#[derive(Default, Clone)]
struct AccTie {
    kinds: u16,
    weight: f64,
    counts: [u32; 9],
}

type PairKey = (u16, u32, u16, u32);

struct State<'a> {
    inputs: &'a [Input<'a>],
    params: &'a LinkParams,
    pairs: BTreeMap<PairKey, Acc>,
    ties: BTreeMap<(u16, AccountIdx, u16), AccTie>,
    /// Account-to-account ties across datasets: (dataset a, account, dataset b, account, kind).
    cross: Vec<(u16, AccountIdx, u16, AccountIdx, u8)>,
    /// Content mass per (dataset, cluster or `NONE`).
    mass: BTreeMap<(u16, u32), f64>,
    /// Screen names shared under different ids between two datasets, among all accounts.
    name_collisions: BTreeMap<(u16, u16), u32>,
}

impl State<'_> {
    fn cluster(&self, d: u16, a: AccountIdx) -> u32 {
        self.inputs[d as usize].2.accounts.get(a as usize).map_or(NONE, |v| v.cluster)
    }
    /// Credit a tie between the uses `left` (dataset `da`) and `right` (dataset `db`, `da < db`).
    /// `ex`: the example item (weight, key, dataset, local id).
    /// `joint`: eligible accounts on both sides (see `Acc::joint`).
    #[allow(clippy::too_many_arguments)]
    fn credit(
        &mut self,
        kind: TieKind,
        (da, left): (u16, &[AccountIdx]),
        (db, right): (u16, &[AccountIdx]),
        w: f64,
        joint: bool,
        ex: Option<(f64, u64, u16, u64)>,
    ) {
        let kw = self.params.kind_weights[kind as usize];
        let score = kw * w;
        let joint = if joint && !matches!(kind, TieKind::AccountId | TieKind::ScreenName) { score } else { 0.0 };
        let acc = self.pairs.entry((da, NONE, db, NONE)).or_default();
        acc.add(kind, 1, score, ex);
        acc.joint += joint;
        let mut ca: Vec<u32> = left.iter().map(|&a| self.cluster(da, a)).filter(|&c| c != NONE).collect();
        let mut cb: Vec<u32> = right.iter().map(|&a| self.cluster(db, a)).filter(|&c| c != NONE).collect();
        ca.sort_unstable();
        ca.dedup();
        cb.sort_unstable();
        cb.dedup();
        for &x in &ca {
            for &y in &cb {
                let acc = self.pairs.entry((da, x, db, y)).or_default();
                acc.add(kind, 1, score, ex);
                acc.joint += joint;
            }
        }
        if matches!(kind, TieKind::AccountId | TieKind::ScreenName | TieKind::Amplification)
            && left.len() * right.len() <= 16
        {
            for &x in left {
                for &y in right {
                    self.cross.push((da, x, db, y, kind as u8));
                }
            }
        }
        for (d, accs, other) in [(da, left, db), (db, right, da)] {
            for &a in accs {
                let t = self.ties.entry((d, a, other)).or_default();
                t.kinds |= kind.bit();
                t.weight += kw * w;
                t.counts[kind as usize] += 1;
            }
        }
    }
}

impl State<'_> {
    /// Add an item's weight `w` to the content mass of every dataset, and every cluster, whose
    /// eligible accounts (flagged, or all with `content_from_all_accounts`) use it.
    fn add_mass(&mut self, kind: TieKind, group: &[Use], w: f64) {
        let w = w * self.params.kind_weights[kind as usize];
        let all = self.params.content_from_all_accounts;
        let mut i = 0;
        while i < group.len() {
            let d = group[i].dataset;
            let mut j = i;
            let mut eligible = false;
            let mut clusters: Vec<u32> = Vec::new();
            while j < group.len() && group[j].dataset == d {
                let a = group[j].account;
                let an = self.inputs[d as usize].2;
                if all || flagged(an, a) {
                    eligible = true;
                }
                let c = self.cluster(d, a);
                if c != NONE {
                    clusters.push(c);
                }
                j += 1;
            }
            i = j;
            if eligible {
                *self.mass.entry((d, NONE)).or_default() += w;
            }
            clusters.sort_unstable();
            clusters.dedup();
            for c in clusters {
                *self.mass.entry((d, c)).or_default() += w;
            }
        }
    }
}

/// Whether account `a` of `ds` posted anything.
fn active_flags(ds: &Dataset) -> Vec<bool> {
    let mut f = vec![false; ds.n_accounts()];
    for &a in &ds.posts.account {
        f[a as usize] = true;
    }
    f
}

fn flagged(an: &Analysis, a: AccountIdx) -> bool {
    an.accounts.get(a as usize).is_some_and(|v| v.role != Role::Unflagged)
}

/// Compute the ties between the datasets. Datasets are referred to by their position in
/// `inputs`; at most 65,535 datasets.
pub fn link(inputs: &[Input<'_>], params: &LinkParams) -> LinkResult {
    let n_ds = inputs.len().min(u16::MAX as usize);
    let inputs = &inputs[..n_ds];
    let active: Vec<Vec<bool>> = inputs.iter().map(|(_, ds, _)| active_flags(ds)).collect();
    let n_active: usize = active.iter().map(|f| f.iter().filter(|&&x| x).count()).sum();
    let n_total = n_active.max(2) as f64;
    let cap = ((params.rare_max_share * n_total).floor() as usize).max(2);
    let rarity = |df: usize| -> f64 {
        if df > cap || df < 2 {
            0.0
        } else {
            ((n_total / df as f64).ln() / n_total.ln()).max(0.0)
        }
    };
    let mut st = State {
        inputs,
        params,
        pairs: BTreeMap::new(),
        ties: BTreeMap::new(),
        cross: Vec::new(),
        mass: BTreeMap::new(),
        name_collisions: BTreeMap::new(),
    };

    // Near-duplicate components: distinct simhash values joined when within the distance.
    let near = near_components(inputs, params);

    // 1. Item uses, deduplicated per (kind, key, dataset, account).
    let mut uses: Vec<Use> = Vec::new();
    for (d, (_, ds, _)) in inputs.iter().enumerate() {
        let d = d as u16;
        let mut local: Vec<Use> = Vec::new();
        for (a, &act) in active[d as usize].iter().enumerate() {
            if !act {
                continue;
            }
            let a = a as u32;
            let id = ds.accounts.ids.resolve(a);
            local.push(Use {
                kind: TieKind::AccountId as u8,
                key: fnv1a64(id.as_bytes()),
                dataset: d,
                account: a,
                local: a,
            });
            let name = ds.accounts.screen_name.get(a as usize).map_or("", |s| s.trim());
            if !name.is_empty() && name != id {
                let lower = name.to_lowercase();
                local.push(Use {
                    kind: TieKind::ScreenName as u8,
                    key: fnv1a64(lower.as_bytes()),
                    dataset: d,
                    account: a,
                    local: a,
                });
            }
        }
        let p = &ds.posts;
        for i in 0..p.len() {
            let a = p.account[i];
            let mut push = |kind: TieKind, key: u64, loc: u32| {
                local.push(Use { kind: kind as u8, key, dataset: d, account: a, local: loc })
            };
            if p.text_fp(i) != 0 {
                push(TieKind::Text, p.text_fp(i), i as u32);
            }
            if p.simhash(i) != 0 {
                if let Some(&root) = near.get(&p.simhash(i)) {
                    push(TieKind::NearText, root, i as u32);
                }
            }
            for &u in p.urls.row(i) {
                push(TieKind::Url, fnv1a64(ds.urls.resolve(u).as_bytes()), u);
                if let Some(&dom) = ds.url_domain.get(u as usize) {
                    if dom != NONE {
                        push(TieKind::Domain, fnv1a64(ds.domains.resolve(dom).as_bytes()), dom);
                    }
                }
            }
            for &h in p.hashtags.row(i) {
                push(TieKind::Hashtag, fnv1a64(ds.hashtags.resolve(h).as_bytes()), h);
            }
        }
        local.sort_unstable();
        local.dedup_by(|x, y| (x.kind, x.key, x.dataset, x.account) == (y.kind, y.key, y.dataset, y.account));
        uses.extend(local);
    }
    uses.sort_unstable();

    // 2. Groups of uses of one item across datasets.
    let mut g = 0;
    while g < uses.len() {
        let mut e = g + 1;
        while e < uses.len() && uses[e].kind == uses[g].kind && uses[e].key == uses[g].key {
            e += 1;
        }
        let group = &uses[g..e];
        g = e;
        let kind = TieKind::ALL[group[0].kind as usize];
        if !matches!(kind, TieKind::AccountId | TieKind::ScreenName) {
            // the content mass counts every item, shared or not (used by one account: weight 1)
            let df = group.len();
            let w = if df > cap { 0.0 } else { ((n_total / df as f64).ln() / n_total.ln()).max(0.0) };
            if w > 0.0 {
                st.add_mass(kind, group, w);
            }
        }
        if group.first().map(|u| u.dataset) == group.last().map(|u| u.dataset) {
            continue;
        }
        let w = match kind {
            TieKind::AccountId | TieKind::ScreenName => {
                if group.len() > 2 * n_ds {
                    continue; // not one account (e.g. a default handle)
                }
                1.0
            }
            _ => rarity(group.len()),
        };
        if w <= 0.0 {
            continue;
        }
        // per dataset runs
        let mut runs: Vec<(u16, Vec<AccountIdx>, u32)> = Vec::new();
        for u in group {
            match runs.last_mut() {
                Some(r) if r.0 == u.dataset => r.1.push(u.account),
                _ => runs.push((u.dataset, vec![u.account], u.local)),
            }
        }
        for x in 0..runs.len() {
            for y in x + 1..runs.len() {
                let (da, ref la, loc) = runs[x];
                let (db, ref lb, _) = runs[y];
                if kind == TieKind::ScreenName {
                    // the same name under the same id is a shared account, counted by id
                    let ida: Vec<&str> = la.iter().map(|&a| inputs[da as usize].1.accounts.ids.resolve(a)).collect();
                    if lb.iter().all(|&b| ida.contains(&inputs[db as usize].1.accounts.ids.resolve(b))) {
                        continue;
                    }
                    *st.name_collisions.entry((da, db)).or_default() += 1;
                }
                // operations, not audiences: content and screen names count only when a flagged
                // account uses them on at least one side (fully when on both)
                let all = params.content_from_all_accounts;
                let fa = all || la.iter().any(|&a| flagged(inputs[da as usize].2, a));
                let fb = all || lb.iter().any(|&b| flagged(inputs[db as usize].2, b));
                let factor = match (kind, fa, fb) {
                    (TieKind::AccountId, _, _) => 1.0,
                    // a handle under another id: the operation re-registering its handles, so
                    // flagged on both sides (handles of organic accounts collide and get reused)
                    (TieKind::ScreenName, true, true) => 1.0,
                    (TieKind::ScreenName, _, _) => continue,
                    (_, false, false) => continue,
                    (_, true, true) => 1.0,
                    _ => 0.5,
                };
                let w = w * factor;
                let ex = Some((w, group[0].key, da, loc as u64));
                let (la, lb) = (la.clone(), lb.clone());
                st.credit(kind, (da, &la), (db, &lb), w, fa && fb, ex);
            }
        }
    }

    // 3. Amplification of another dataset's flagged accounts.
    amplification(&mut st, &active);

    // 4. Co-action across datasets.
    co_action(&mut st, cap);

    finish(st, &active, n_active)
}

/// Union-find of distinct SimHash values within `near_max_distance` of one another across
/// datasets (LSH: `distance + 1` bands, so two values within the distance share a band).
/// Returns simhash -> component root for values in components of at least two values.
fn near_components(inputs: &[Input<'_>], params: &LinkParams) -> FxHashMap<u64, u64> {
    let k = params.near_max_distance.min(7);
    let bands = k + 1;
    // distinct (simhash, dataset)
    let mut items: Vec<(u64, u16)> = Vec::new();
    for (d, (_, ds, _)) in inputs.iter().enumerate() {
        let mut v: Vec<u64> = ds.posts.simhashes().filter(|&s| s != 0).collect();
        v.sort_unstable();
        v.dedup();
        items.extend(v.into_iter().map(|s| (s, d as u16)));
    }
    let mut values: Vec<u64> = items.iter().map(|x| x.0).collect();
    values.sort_unstable();
    values.dedup();
    let index = |s: u64| values.binary_search(&s).unwrap_or(0);
    let mut parent: Vec<u32> = (0..values.len() as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let width = 64 / bands;
    for b in 0..bands {
        let shift = b * width;
        let mask = if b + 1 == bands { u64::MAX >> shift } else { (1u64 << width) - 1 };
        let mut buckets: Vec<(u64, u64, u16)> = items.iter().map(|&(s, d)| ((s >> shift) & mask, s, d)).collect();
        buckets.sort_unstable();
        let mut i = 0;
        while i < buckets.len() {
            let mut j = i + 1;
            while j < buckets.len() && buckets[j].0 == buckets[i].0 {
                j += 1;
            }
            let bucket = &buckets[i..j];
            i = j;
            if bucket.len() < 2 || bucket.len() > params.max_bucket as usize {
                continue;
            }
            for x in 0..bucket.len() {
                for y in x + 1..bucket.len() {
                    let (_, sa, da) = bucket[x];
                    let (_, sb, db) = bucket[y];
                    if da != db && sa != sb && (sa ^ sb).count_ones() <= k {
                        let (ra, rb) = (find(&mut parent, index(sa) as u32), find(&mut parent, index(sb) as u32));
                        if ra != rb {
                            parent[ra.max(rb) as usize] = ra.min(rb);
                        }
                    }
                }
            }
        }
    }
    let mut size = vec![0u32; values.len()];
    for x in 0..values.len() as u32 {
        let r = find(&mut parent, x);
        size[r as usize] += 1;
    }
    let mut out = FxHashMap::default();
    for x in 0..values.len() as u32 {
        let r = find(&mut parent, x);
        if size[r as usize] >= 2 {
            out.insert(values[x as usize], values[r as usize]);
        }
    }
    out
}

/// Accounts of one dataset boosting (retweet, reply, quote, mention) flagged accounts of another.
fn amplification(st: &mut State<'_>, active: &[Vec<bool>]) {
    let inputs = st.inputs;
    // per target dataset: sorted (post key, author) and lowercased screen names of flagged accounts
    let mut post_keys: Vec<Vec<(u64, AccountIdx)>> = Vec::new();
    let mut names: Vec<Vec<(String, AccountIdx)>> = Vec::new();
    for (d, (_, ds, an)) in inputs.iter().enumerate() {
        let p = &ds.posts;
        let mut keys: Vec<(u64, AccountIdx)> = (0..p.len())
            .filter(|&i| p.id[i] != 0 && flagged(an, p.account[i]))
            .map(|i| (p.id[i], p.account[i]))
            .collect();
        keys.sort_unstable();
        keys.dedup_by_key(|x| x.0);
        post_keys.push(keys);
        let mut nm: Vec<(String, AccountIdx)> = Vec::new();
        for a in 0..ds.n_accounts() as u32 {
            if active[d][a as usize] && flagged(an, a) {
                nm.push((ds.accounts.ids.resolve(a).to_lowercase(), a));
                let s = ds.accounts.screen_name[a as usize].trim();
                if !s.is_empty() {
                    nm.push((s.to_lowercase(), a));
                }
            }
        }
        nm.sort();
        nm.dedup_by(|x, y| x.0 == y.0);
        names.push(nm);
    }
    // (source dataset, actor, target dataset, target account, kind-local example) deduplicated
    let mut acts: Vec<(u16, AccountIdx, u16, AccountIdx)> = Vec::new();
    for (d, (_, ds, _)) in inputs.iter().enumerate() {
        let p = &ds.posts;
        for i in 0..p.len() {
            let actor = p.account[i];
            let boost = p.kind[i] != Kind::Post;
            for (t, (_, tds, _)) in inputs.iter().enumerate() {
                if t == d {
                    continue;
                }
                let lookup_name = |s: &str| -> Option<AccountIdx> {
                    let s = s.to_lowercase();
                    names[t].binary_search_by(|x| x.0.as_str().cmp(&s)).ok().map(|k| names[t][k].1)
                };
                if boost {
                    let mut target = None;
                    if p.target_post(i) != 0 {
                        if let Ok(k) = post_keys[t].binary_search_by_key(&p.target_post(i), |x| x.0) {
                            target = Some(post_keys[t][k].1);
                        }
                    }
                    if target.is_none() && p.target_account(i) != NONE {
                        let tid = ds.accounts.ids.resolve(p.target_account(i));
                        if let Some(ta) = tds.accounts.ids.get(tid) {
                            if active[t][ta as usize] && flagged(inputs[t].2, ta) {
                                target = Some(ta);
                            }
                        }
                        // by screen name only when the target's id is not known (the id is the
                        // name): a known, different id is a different account under that handle
                        let sn = ds.accounts.screen_name[p.target_account(i) as usize].trim();
                        let id_is_name = sn.is_empty() || tid.trim_start_matches('@').eq_ignore_ascii_case(sn);
                        if target.is_none() && id_is_name {
                            target = lookup_name(tid.trim_start_matches('@'));
                        }
                    }
                    if let Some(ta) = target {
                        acts.push((d as u16, actor, t as u16, ta));
                    }
                }
                for &m in p.mentions.row(i) {
                    if let Some(ta) = lookup_name(ds.mentions.resolve(m)) {
                        acts.push((d as u16, actor, t as u16, ta));
                    }
                }
            }
        }
    }
    acts.sort_unstable();
    acts.dedup();
    for (d, actor, t, ta) in acts {
        let ex = Some((1.0, 0, t, ta as u64));
        if d < t {
            st.credit(TieKind::Amplification, (d, &[actor]), (t, &[ta]), 1.0, true, ex);
        } else {
            st.credit(TieKind::Amplification, (t, &[ta]), (d, &[actor]), 1.0, true, ex);
        }
    }
}

/// Accounts of different datasets retweeting the same post or posting the same text within the
/// window: events sorted by (object, time), each paired with following events of other datasets.
fn co_action(st: &mut State<'_>, cap: usize) {
    let inputs = st.inputs;
    let window = (st.params.co_action_window_s * 1000.0) as i64;
    // (object, time, dataset, account); retweet objects and text objects apart
    let mut events: Vec<(u8, u64, i64, u16, AccountIdx)> = Vec::new();
    for (d, (_, ds, _)) in inputs.iter().enumerate() {
        let p = &ds.posts;
        for i in 0..p.len() {
            if p.time_ms(i) == NO_TIME {
                continue;
            }
            if p.kind[i] == Kind::Retweet && p.target_post(i) != 0 {
                events.push((0, p.target_post(i), p.time_ms(i), d as u16, p.account[i]));
            } else if p.text_fp(i) != 0 {
                events.push((1, p.text_fp(i), p.time_ms(i), d as u16, p.account[i]));
            }
        }
    }
    events.sort_unstable();
    let mut found: Vec<(u16, AccountIdx, u16, AccountIdx, u8, u64)> = Vec::new();
    let mut g = 0;
    while g < events.len() {
        let mut e = g + 1;
        while e < events.len() && (events[e].0, events[e].1) == (events[g].0, events[g].1) {
            e += 1;
        }
        let group = &events[g..e];
        g = e;
        if group.len() < 2 || group.len() > cap.max(2) {
            continue;
        }
        for x in 0..group.len() {
            let mut partners = 0;
            for y in x + 1..group.len() {
                if group[y].2 - group[x].2 > window || partners >= st.params.max_partners {
                    break;
                }
                if group[y].3 == group[x].3 {
                    continue;
                }
                partners += 1;
                let (a, b) = if group[x].3 < group[y].3 { (group[x], group[y]) } else { (group[y], group[x]) };
                found.push((a.3, a.4, b.3, b.4, group[x].0, group[x].1));
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    let mut pairs: Vec<(u16, AccountIdx, u16, AccountIdx, u8)> = found
        .iter()
        .filter(|f| {
            st.params.content_from_all_accounts
                || flagged(inputs[f.0 as usize].2, f.1)
                || flagged(inputs[f.2 as usize].2, f.3)
        })
        .map(|f| (f.0, f.1, f.2, f.3, TieKind::CoAction as u8))
        .collect();
    pairs.dedup();
    st.cross.extend(pairs);
    // per (dataset pair, object): the accounts on each side
    found.sort_unstable_by_key(|f| (f.0, f.2, f.4, f.5, f.1, f.3));
    let mut i = 0;
    while i < found.len() {
        let mut j = i + 1;
        while j < found.len()
            && (found[j].0, found[j].2, found[j].4, found[j].5) == (found[i].0, found[i].2, found[i].4, found[i].5)
        {
            j += 1;
        }
        let mut la: Vec<AccountIdx> = found[i..j].iter().map(|f| f.1).collect();
        let mut lb: Vec<AccountIdx> = found[i..j].iter().map(|f| f.3).collect();
        la.sort_unstable();
        la.dedup();
        lb.sort_unstable();
        lb.dedup();
        let f = found[i];
        i = j;
        // as for shared content: a co-action counts when a flagged account takes part
        let all = st.params.content_from_all_accounts;
        let fa = all || la.iter().any(|&a| flagged(inputs[f.0 as usize].2, a));
        let fb = all || lb.iter().any(|&b| flagged(inputs[f.2 as usize].2, b));
        if !(fa || fb) {
            continue;
        }
        let w = if fa && fb { 1.0 } else { 0.5 };
        let ex = Some((w, f.5, f.0, if f.4 == 1 { f.5 } else { 0 }));
        st.credit(TieKind::CoAction, (f.0, &la), (f.2, &lb), w, fa && fb, ex);
    }
}

/// Turn the accumulators into the result: strengths, evidence, matrices, account ties.
fn finish(st: State<'_>, active: &[Vec<bool>], _n_active: usize) -> LinkResult {
    let inputs = st.inputs;
    let params = st.params;
    let n = inputs.len();
    let datasets: Vec<DatasetSummary> = inputs
        .iter()
        .enumerate()
        .map(|(d, (name, ds, an))| {
            let span = ds.time_span();
            DatasetSummary {
                name: name.to_string(),
                n_accounts: ds.n_accounts(),
                n_active_accounts: active[d].iter().filter(|&&x| x).count(),
                n_posts: ds.n_posts(),
                n_clusters: an.clusters.len(),
                n_flagged_accounts: (0..ds.n_accounts() as u32)
                    .filter(|&a| active[d][a as usize] && flagged(an, a))
                    .count(),
                content_mass: st.mass.get(&(d as u16, NONE)).copied().unwrap_or(0.0),
                first_post_ms: span.map(|s| s.0),
                last_post_ms: span.map(|s| s.1),
            }
        })
        .collect();
    let mut links = Vec::new();
    for a in 0..n as u16 {
        for b in a + 1..n as u16 {
            if !st.pairs.contains_key(&(a, NONE, b, NONE)) {
                links.push(Link { dataset_a: a, cluster_a: NONE, dataset_b: b, cluster_b: NONE, ..Default::default() });
            }
        }
    }
    // share of a side's active accounts that can carry a screen-name tie (flagged, or in the cluster)
    let share = |d: u16, c: u32| -> f64 {
        let s = &datasets[d as usize];
        let k = if c == NONE {
            s.n_flagged_accounts
        } else {
            inputs[d as usize].2.clusters.get(c as usize).map_or(0, |cl| cl.accounts.len())
        };
        k as f64 / s.n_active_accounts.max(1) as f64
    };
    let mut dataset_linked: BTreeMap<(u16, u16), bool> = BTreeMap::new();
    // dataset pairs first (`NONE` sorts after every cluster index)
    let mut keys: Vec<&PairKey> = st.pairs.keys().collect();
    keys.sort_by_key(|k| (k.1 != NONE, **k));
    for &(da, ca, db, cb) in keys {
        let acc = &st.pairs[&(da, ca, db, cb)];
        let strength: f64 = acc.scores.iter().sum();
        let (id, name) = (acc.scores[TieKind::AccountId as usize], acc.scores[TieKind::ScreenName as usize]);
        let collisions = st.name_collisions.get(&(da, db)).copied().unwrap_or(0) as f64;
        // chance collisions: Poisson with mean `lambda`; the identity test allows three standard
        // deviations above it
        let lambda = collisions * share(da, ca) * share(db, cb);
        let kw_name = params.kind_weights[TieKind::ScreenName as usize];
        let expected = kw_name * lambda;
        let allowance = kw_name * (lambda + 3.0 * lambda.sqrt());
        let mass = |d: u16, c: u32| st.mass.get(&(d, c)).copied().unwrap_or(0.0);
        let floor = mass(da, ca).min(mass(db, cb)).max(params.min_strength).max(f64::MIN_POSITIVE);
        let normalised = acc.joint / floor;
        let identity = id + (name - allowance).max(0.0);
        let beyond_chance = strength - name.min(allowance);
        let mut linked = identity >= params.min_strength
            || (beyond_chance >= params.min_strength && normalised >= params.min_normalised);
        if ca == NONE {
            dataset_linked.insert((da, db), linked);
        } else {
            linked &= dataset_linked.get(&(da, db)).copied().unwrap_or(false);
        }
        let evidence = evidence(inputs, acc);
        links.push(Link {
            dataset_a: da,
            cluster_a: ca,
            dataset_b: db,
            cluster_b: cb,
            counts: acc.counts,
            scores: acc.scores,
            strength,
            normalised,
            expected,
            linked,
            evidence,
        });
    }
    links.sort_by(|x, y| {
        (x.cluster_a != NONE).cmp(&(y.cluster_a != NONE)).then(y.strength.total_cmp(&x.strength)).then(
            (x.dataset_a, x.cluster_a, x.dataset_b, x.cluster_b).cmp(&(
                y.dataset_a,
                y.cluster_a,
                y.dataset_b,
                y.cluster_b,
            )),
        )
    });
    let mut overlap = vec![vec![0.0; n]; n];
    let mut normalised_overlap = vec![vec![0.0; n]; n];
    for l in links.iter().filter(|l| l.cluster_a == NONE) {
        let (a, b) = (l.dataset_a as usize, l.dataset_b as usize);
        overlap[a][b] = l.strength;
        overlap[b][a] = l.strength;
        normalised_overlap[a][b] = l.normalised;
        normalised_overlap[b][a] = l.normalised;
    }

    // account ties, with re-emergence
    let strong =
        TieKind::AccountId.bit() | TieKind::ScreenName.bit() | TieKind::Amplification.bit() | TieKind::CoAction.bit();
    let narrative = TieKind::Text.bit()
        | TieKind::NearText.bit()
        | TieKind::Url.bit()
        | TieKind::Hashtag.bit()
        | TieKind::Domain.bit();
    let mut accounts = Vec::new();
    for (&(d, a, o), t) in &st.ties {
        if t.kinds & strong == 0 && t.weight < params.account_min_weight {
            continue;
        }
        let ds = inputs[d as usize].1;
        let created = ds.accounts.created_at.get(a as usize).copied().unwrap_or(NO_TIME);
        let other_last = datasets[o as usize].last_post_ms;
        // re-emergence is of a linked dataset
        let pair_linked = dataset_linked.get(&(d.min(o), d.max(o))).copied().unwrap_or(false);
        let re_emergent = pair_linked
            && created != NO_TIME
            && other_last.is_some_and(|last| created > last)
            && (t.kinds & (TieKind::CoAction.bit() | TieKind::Amplification.bit()) != 0
                || (t.kinds & narrative != 0 && t.weight >= params.account_min_weight));
        let mut parts: Vec<String> = TieKind::ALL
            .iter()
            .filter(|k| t.counts[**k as usize] > 0)
            .map(|k| format!("{} {}", t.counts[*k as usize], k.name().replace('_', " ")))
            .collect();
        if re_emergent {
            parts.push(format!("created after {}'s last post", datasets[o as usize].name));
        }
        accounts.push(AccountTie {
            dataset: d,
            account: a,
            other: o,
            kinds: t.kinds,
            weight: t.weight,
            re_emergent,
            evidence: parts.join("; "),
        });
    }
    accounts.sort_by(|x, y| {
        (x.dataset, inputs[x.dataset as usize].1.accounts.ids.resolve(x.account), x.other).cmp(&(
            y.dataset,
            inputs[y.dataset as usize].1.accounts.ids.resolve(y.account),
            y.other,
        ))
    });
    let mut cross = st.cross;
    cross.sort_unstable();
    cross.dedup();
    let cross_edges = cross.into_iter().map(|(a, x, b, y, k)| (a, x, b, y, TieKind::ALL[k as usize])).collect();
    LinkResult { params: params.clone(), datasets, links, overlap, normalised_overlap, accounts, cross_edges }
}

/// Cut `s` to at most `max` characters, with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

fn evidence(inputs: &[Input<'_>], acc: &Acc) -> Vec<String> {
    let mut order: Vec<TieKind> = TieKind::ALL.iter().copied().filter(|k| acc.counts[*k as usize] > 0).collect();
    order.sort_by(|x, y| acc.scores[*y as usize].total_cmp(&acc.scores[*x as usize]).then(x.cmp(y)));
    order
        .into_iter()
        .map(|k| {
            let n = acc.counts[k as usize];
            let example = acc.examples[k as usize].and_then(|(_, _, d, loc)| {
                let ds = inputs.get(d as usize)?.1;
                Some(match k {
                    TieKind::AccountId | TieKind::ScreenName | TieKind::Amplification => {
                        let a = loc as u32;
                        let name = ds.accounts.screen_name.get(a as usize).map_or("", |s| s);
                        format!("@{}", if name.is_empty() { ds.accounts.ids.resolve(a) } else { name })
                    }
                    TieKind::Text | TieKind::NearText => {
                        let fp = ((loc as usize) < ds.n_posts()).then(|| ds.posts.text_fp(loc as usize))?;
                        format!("'{}'", shorten(ds.samples.by_fp(fp)?, 60))
                    }
                    TieKind::CoAction => {
                        if loc == 0 {
                            return None;
                        }
                        format!("'{}'", shorten(ds.samples.by_fp(loc)?, 60))
                    }
                    TieKind::Url => ds.urls.resolve(loc as u32).to_string(),
                    TieKind::Domain => ds.domains.resolve(loc as u32).to_string(),
                    TieKind::Hashtag => format!("#{}", ds.hashtags.resolve(loc as u32)),
                })
            });
            let what = match k {
                TieKind::AccountId => "accounts shared by id",
                TieKind::ScreenName => "screen names shared under another id",
                TieKind::Text => "identical rare texts",
                TieKind::NearText => "near-identical text groups",
                TieKind::Url => "rare URLs shared",
                TieKind::Domain => "rare domains shared",
                TieKind::Hashtag => "rare hashtags shared",
                TieKind::Amplification => "amplifier-amplified account pairs across the datasets",
                TieKind::CoAction => "objects co-acted on across the datasets within the window",
            };
            match example {
                Some(e) => format!("{n} {what}, e.g. {e}"),
                None => format!("{n} {what}"),
            }
        })
        .collect()
}
