//! Datasets with planted links and planted non-links, for the link tests and the link-quality
//! benchmark (`examples/link_quality.rs`).
//!
//! Three datasets, each an organic population (everyday texts, popular hashtags, big domains,
//! famous quotes pasted in all three) plus one operation (core accounts posting narratives with
//! campaign hashtags and website URLs, amplifiers retweeting them within a minute):
//! - `A` (January): operation A;
//! - `B` (March, after A's last post): operation B re-emerges from A: it reuses some of A's
//!   accounts (same id), some of A's screen names under new ids, accounts created after A's last
//!   post, A's texts verbatim and with small edits, A's rare hashtags and URLs, and its amplifiers
//!   also retweet A's core posts;
//! - `C` (January, like A): an unrelated operation that shares only popular hashtags, big domains
//!   and famous quotes with A and B, and by coincidence one of A's campaign hashtags (a planted
//!   non-link).
//!
//! Deterministic from the seed (a SplitMix64 stream, no global random number generator).

use crate::core::ingest::{AccountRecord, DatasetBuilder, IngestOptions, PostRecord};
use crate::core::model::{Dataset, Kind, Position};

/// 2019-01-01T00:00:00Z in ms.
const JAN_2019: i64 = 1_546_300_800_000;
const DAY: i64 = 86_400_000;

/// The generated datasets and their ground truth.
pub struct Planted {
    /// (name, dataset): `A`, `B`, `C`.
    pub datasets: Vec<(String, Dataset)>,
    /// Dataset pairs that are linked (`(0, 1)`); every other pair is a planted non-link.
    pub linked_pairs: Vec<(u16, u16)>,
    /// Per dataset, the account id strings that carry a planted tie: A's core (reused, copied,
    /// amplified) and all of B's operation; C's operation and every organic account are not linked.
    pub linked_accounts: Vec<Vec<String>>,
    /// Per dataset, accounts neither linked nor unlinked by construction: A's amplifiers (they
    /// retweet posts with hashtags B reuses, a weak tie); left out of account-level scores.
    pub neutral_accounts: Vec<Vec<String>>,
    /// Per dataset, the account ids of its operation (linked or not).
    pub operation_accounts: Vec<Vec<String>>,
    /// Ids of B's accounts created after A's last post (re-emergence).
    pub re_emergent: Vec<String>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const POPULAR_TAGS: [&str; 6] = ["news", "sport", "music", "weather", "football", "love"];
const BIG_DOMAINS: [&str; 4] = ["youtube.com", "nytimes.com", "bbc.co.uk", "instagram.com"];
const QUOTES: [&str; 3] = [
    "be the change that you wish to see in the world every single day",
    "in the middle of every difficulty lies opportunity for those who look",
    "the only thing we have to fear is fear itself and nothing more than that",
];

/// A random text of `n` words over a vocabulary built from `stem` (words `stem0`…).
fn words(r: &mut Rng, stem: &str, vocab: usize, n: usize) -> String {
    (0..n).map(|_| format!("{stem}{}", r.below(vocab))).collect::<Vec<_>>().join(" ")
}

struct Op {
    texts: Vec<String>,
    tags: Vec<String>,
    urls: Vec<String>,
}

struct Account {
    id: String,
    name: String,
    created_ms: i64,
}

struct Gen {
    b: DatasetBuilder,
    rec: PostRecord,
    n: u64,
}

impl Gen {
    fn new(name: &str) -> Gen {
        let mut b = DatasetBuilder::new(IngestOptions::default());
        b.begin_file(name);
        Gen { b, rec: PostRecord::default(), n: 0 }
    }
    fn account(&mut self, a: &Account) {
        let rec = AccountRecord {
            id: a.id.clone(),
            screen_name: a.name.clone(),
            display_name: a.name.clone(),
            created_at_ms: Some(a.created_ms),
            ..Default::default()
        };
        self.n += 1;
        let at = Position { record: self.n, line: self.n + 1, byte: 0 };
        self.b.add_account(&rec, &at);
    }
    #[allow(clippy::too_many_arguments)]
    fn post(
        &mut self,
        id: u64,
        a: &Account,
        t: i64,
        kind: Kind,
        target: Option<(u64, &Account)>,
        text: &str,
        tags: &[String],
        urls: &[String],
    ) {
        let r = &mut self.rec;
        r.clear();
        r.id = id.to_string();
        r.author.id.push_str(&a.id);
        r.author.screen_name.push_str(&a.name);
        r.author.created_at_ms = Some(a.created_ms);
        r.time_ms = t;
        r.kind = kind;
        if let Some((pid, ta)) = target {
            r.target_post = pid.to_string();
            r.target_account_id.push_str(&ta.id);
            r.target_screen_name.push_str(&ta.name);
        }
        r.text.push_str(text);
        r.hashtags.extend(tags.iter().cloned());
        r.urls.extend(urls.iter().cloned());
        self.n += 1;
        let at = Position { record: self.n, line: self.n + 1, byte: 0 };
        self.b.add_post(&self.rec, &at);
    }
}

/// Organic population of dataset `d` over `[start, start + days)`.
fn organic(g: &mut Gen, r: &mut Rng, d: u8, n: u32, start: i64, days: i64, next_id: &mut u64) {
    let accounts: Vec<Account> = (0..n)
        .map(|k| Account {
            id: format!("{}{:07}", d + 1, k),
            name: format!("person_{}_{k}", (b'a' + d) as char),
            created_ms: start - (30 + r.below(2000) as i64) * DAY,
        })
        .collect();
    for a in &accounts {
        g.account(a);
    }
    let mut originals: Vec<(u64, usize)> = Vec::new();
    for (k, a) in accounts.iter().enumerate() {
        let n_posts = 1 + r.below(6);
        for _ in 0..n_posts {
            let t = start + r.below((days * DAY) as usize) as i64;
            let mut tags = Vec::new();
            if r.chance(0.5) {
                tags.push(POPULAR_TAGS[r.below(POPULAR_TAGS.len())].to_string());
            }
            let mut urls = Vec::new();
            if r.chance(0.3) {
                urls.push(format!("https://{}/{}", BIG_DOMAINS[r.below(BIG_DOMAINS.len())], r.next() % 1_000_000_007));
            }
            let text = if r.chance(0.03) {
                QUOTES[r.below(QUOTES.len())].to_string()
            } else {
                words(r, &format!("w{d}x"), 2000, 14)
            };
            *next_id += 1;
            g.post(*next_id, a, t, Kind::Post, None, &text, &tags, &urls);
            originals.push((*next_id, k));
        }
    }
    // organic retweets, of accounts of the same dataset
    for a in &accounts {
        if r.chance(0.4) && !originals.is_empty() {
            let (pid, k) = originals[r.below(originals.len())];
            *next_id += 1;
            let t = start + r.below((days * DAY) as usize) as i64;
            g.post(*next_id, a, t, Kind::Retweet, Some((pid, &accounts[k])), "", &[], &[]);
        }
    }
}

/// An operation's content: `n_texts` narratives of 20 words, `n_tags` campaign hashtags, URLs of
/// its website.
fn op_content(r: &mut Rng, stem: &str, n_texts: usize, n_tags: usize) -> Op {
    Op {
        texts: (0..n_texts).map(|_| words(r, stem, 400, 20)).collect(),
        tags: (0..n_tags).map(|k| format!("{stem}{k}{}", r.below(1000))).collect(),
        urls: (0..n_texts / 2).map(|k| format!("https://{stem}-news.example/story/{k}")).collect(),
    }
}

/// One operation's activity: core accounts post narratives in office hours, amplifiers retweet
/// within a minute. The operation works in cells: amplifier `j` boosts the core accounts of cell
/// `j % n_cells` (one cell per 4 core accounts), each of their posts with probability 0.6. A cell
/// (4 core and 12 amplifier accounts at any scale) keeps its size and workload as the operation
/// grows, as real ones do; when every amplifier instead boosted a fixed share of all the core's
/// posts, its workload and the retweets per post grew with the scale, the operation's retweets
/// became most of the dataset (85% at scale 3) and the co-retweets of two amplifiers were what a
/// configuration null model of that activity predicts, so detection found no cluster.
/// Returns the core posts (post id, core index, time).
#[allow(clippy::too_many_arguments)]
fn operation(
    g: &mut Gen,
    r: &mut Rng,
    core: &[Account],
    amps: &[Account],
    op: &Op,
    start: i64,
    days: i64,
    next_id: &mut u64,
) -> Vec<(u64, usize, i64)> {
    let mut core_posts = Vec::new();
    let n_cells = (core.len() / 4).max(1);
    for day in 0..days {
        for (k, a) in core.iter().enumerate() {
            for _ in 0..2 {
                let t = start + day * DAY + (9 * 3600 + r.below(8 * 3600) as i64) * 1000;
                let ti = r.below(op.texts.len());
                let tags = vec![op.tags[r.below(op.tags.len())].clone()];
                let urls = if r.chance(0.5) { vec![op.urls[ti % op.urls.len().max(1)].clone()] } else { Vec::new() };
                *next_id += 1;
                g.post(*next_id, a, t, Kind::Post, None, &op.texts[ti], &tags, &urls);
                core_posts.push((*next_id, k, t));
                for amp in amps.iter().skip(k % n_cells).step_by(n_cells) {
                    if r.chance(0.6) {
                        *next_id += 1;
                        let dt = 5_000 + r.below(50_000) as i64;
                        g.post(
                            *next_id,
                            amp,
                            t + dt,
                            Kind::Retweet,
                            Some((core_posts.last().map_or(0, |c| c.0), a)),
                            "",
                            &tags,
                            &[],
                        );
                    }
                }
            }
        }
    }
    core_posts
}

/// Generate the three datasets. `scale` multiplies the populations (1.0: 600 organic accounts and
/// 12 core + 36 amplifier accounts per operation).
pub fn planted(seed: u64, scale: f64) -> Planted {
    let mut r = Rng(seed ^ 0x11AC_0DE5);
    let sc = |n: f64| ((n * scale).round() as u32).max(2);
    let (n_org, n_core, n_amp) = (sc(600.0), sc(12.0) as usize, sc(36.0) as usize);
    let mut next_id: u64 = 1_000_000_000 + seed % 1000 * 10_000_000;
    let days = 20;
    let a_start = JAN_2019;
    let a_end = a_start + days * DAY;
    let b_start = JAN_2019 + 59 * DAY; // March
                                       // operation accounts: id 9 + group code + index, a handle with a random suffix
    let code = |prefix: &str| match prefix {
        "acore" => 1,
        "aamp" => 2,
        "bcore" => 3,
        "bamp" => 4,
        "ccore" => 5,
        _ => 6,
    };
    let mk = |r: &mut Rng, prefix: &str, k: usize, created: i64| Account {
        id: format!("9{}{:06}", code(prefix), k),
        name: format!("{prefix}_{k}_{}", r.below(100_000)),
        created_ms: created,
    };

    // A
    let mut ga = Gen::new("A");
    organic(&mut ga, &mut r, 0, n_org, a_start, days, &mut next_id);
    let op_a = op_content(&mut r, "alpha", 40, 6);
    let a_core: Vec<Account> = (0..n_core).map(|k| mk(&mut r, "acore", k, a_start - 200 * DAY)).collect();
    let a_amp: Vec<Account> = (0..n_amp).map(|k| mk(&mut r, "aamp", k, a_start - 150 * DAY)).collect();
    for a in a_core.iter().chain(&a_amp) {
        ga.account(a);
    }
    let a_posts = operation(&mut ga, &mut r, &a_core, &a_amp, &op_a, a_start, days, &mut next_id);

    // B: re-emergence
    let mut gb = Gen::new("B");
    organic(&mut gb, &mut r, 1, n_org, b_start, days, &mut next_id);
    let n_reuse_id = (n_core / 4).max(1);
    let n_reuse_name = (n_core / 4).max(1);
    let created_after = a_end + 10 * DAY;
    let mut b_core: Vec<Account> = Vec::new();
    for (k, a) in a_core.iter().enumerate() {
        if k < n_reuse_id {
            b_core.push(Account { id: a.id.clone(), name: a.name.clone(), created_ms: a.created_ms });
        } else if k < n_reuse_id + n_reuse_name {
            b_core.push(Account { id: format!("{}7", a.id), name: a.name.to_uppercase(), created_ms: created_after });
        } else {
            b_core.push(mk(&mut r, "bcore", k, created_after));
        }
    }
    let b_amp: Vec<Account> = (0..n_amp).map(|k| mk(&mut r, "bamp", k, created_after + DAY)).collect();
    for a in b_core.iter().chain(&b_amp) {
        gb.account(a);
    }
    let own_b = op_content(&mut r, "bravo", 40, 4);
    let mut op_b = Op { texts: Vec::new(), tags: own_b.tags.clone(), urls: own_b.urls.clone() };
    for k in 0..40 {
        let t = match k % 10 {
            0..=3 => op_a.texts[k].clone(),
            4..=6 => format!("{} {}", op_a.texts[k], words(&mut r, "edit", 50, 1)),
            _ => own_b.texts[k].clone(),
        };
        op_b.texts.push(t);
    }
    op_b.tags.extend(op_a.tags.iter().take(3).cloned());
    op_b.urls.extend(op_a.urls.iter().take(8).cloned());
    operation(&mut gb, &mut r, &b_core, &b_amp, &op_b, b_start, days, &mut next_id);
    // B's amplifiers also retweet A's core posts (amplification across the datasets)
    for amp in &b_amp {
        for _ in 0..3 {
            let (pid, k, _) = a_posts[r.below(a_posts.len())];
            next_id += 1;
            let t = b_start + r.below((days * DAY) as usize) as i64;
            gb.post(next_id, amp, t, Kind::Retweet, Some((pid, &a_core[k])), "", &[], &[]);
        }
    }

    // C: unrelated operation in January
    let mut gc = Gen::new("C");
    organic(&mut gc, &mut r, 2, n_org, a_start, days, &mut next_id);
    let mut op_c = op_content(&mut r, "charlie", 40, 6);
    // a coincidence: C's operation also uses one of A's campaign hashtags (too little to link)
    op_c.tags.push(op_a.tags[0].clone());
    let c_core: Vec<Account> = (0..n_core).map(|k| mk(&mut r, "ccore", k, a_start - 100 * DAY)).collect();
    let c_amp: Vec<Account> = (0..n_amp).map(|k| mk(&mut r, "camp", k, a_start - 90 * DAY)).collect();
    for a in c_core.iter().chain(&c_amp) {
        gc.account(a);
    }
    operation(&mut gc, &mut r, &c_core, &c_amp, &op_c, a_start, days, &mut next_id);

    let ids = |v: &[&[Account]]| -> Vec<String> { v.iter().flat_map(|x| x.iter().map(|a| a.id.clone())).collect() };
    let a_ops = ids(&[&a_core, &a_amp]);
    let b_ops = ids(&[&b_core, &b_amp]);
    let c_ops = ids(&[&c_core, &c_amp]);
    let re_emergent = b_core.iter().chain(&b_amp).filter(|a| a.created_ms > a_end).map(|a| a.id.clone()).collect();
    Planted {
        datasets: vec![("A".into(), ga.b.finish().0), ("B".into(), gb.b.finish().0), ("C".into(), gc.b.finish().0)],
        linked_pairs: vec![(0, 1)],
        linked_accounts: vec![ids(&[&a_core]), b_ops.clone(), Vec::new()],
        neutral_accounts: vec![ids(&[&a_amp]), Vec::new(), Vec::new()],
        operation_accounts: vec![a_ops, b_ops, c_ops],
        re_emergent,
    }
}

/// How well a [`LinkResult`](super::LinkResult) finds the planted links.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlantedScore {
    /// Dataset pairs linked / planted links found / planted non-links linked.
    pub dataset_links_found: usize,
    pub dataset_links_planted: usize,
    pub dataset_non_links_linked: usize,
    /// Cluster pairs: a planted pair joins a cluster made mostly of A's operation with one made
    /// mostly of B's operation.
    pub cluster_pairs_predicted: usize,
    pub cluster_pairs_correct: usize,
    pub cluster_pairs_planted: usize,
    /// Accounts (with a tie to any other dataset; neutral accounts left out).
    pub accounts_flagged: usize,
    pub accounts_correct: usize,
    pub accounts_planted: usize,
    /// Re-emergent accounts flagged / of them planted / planted.
    pub re_emergent_flagged: usize,
    pub re_emergent_correct: usize,
    pub re_emergent_planted: usize,
    /// Strength of every dataset pair, (a, b, strength).
    pub strengths: Vec<(u16, u16, f64)>,
}

/// `a / b`; NaN when `b == 0` (nothing to measure: e.g. detection found no operation cluster).
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

impl PlantedScore {
    pub fn cluster_precision(&self) -> f64 {
        ratio(self.cluster_pairs_correct, self.cluster_pairs_predicted)
    }
    pub fn cluster_recall(&self) -> f64 {
        ratio(self.cluster_pairs_correct, self.cluster_pairs_planted)
    }
    pub fn account_precision(&self) -> f64 {
        ratio(self.accounts_correct, self.accounts_flagged)
    }
    pub fn account_recall(&self) -> f64 {
        ratio(self.accounts_correct, self.accounts_planted)
    }
    pub fn re_emergence_precision(&self) -> f64 {
        ratio(self.re_emergent_correct, self.re_emergent_flagged)
    }
    pub fn re_emergence_recall(&self) -> f64 {
        ratio(self.re_emergent_correct, self.re_emergent_planted)
    }
}

/// Score `result` (of linking `planted.datasets` with `analyses`, in the same order).
pub fn score(
    planted: &Planted,
    analyses: &[crate::core::detect::Analysis],
    result: &super::LinkResult,
) -> PlantedScore {
    use std::collections::BTreeSet;
    let n = planted.datasets.len();
    let mut strengths = Vec::new();
    let (mut found, mut non_linked) = (0, 0);
    for a in 0..n as u16 {
        for b in a + 1..n as u16 {
            let l = result.dataset_link(a, b);
            let s = l.map_or(0.0, |l| l.strength);
            strengths.push((a, b, s));
            let linked = l.is_some_and(|l| l.linked);
            if planted.linked_pairs.contains(&(a, b)) {
                found += linked as usize;
            } else {
                non_linked += linked as usize;
            }
        }
    }
    // clusters made mostly of the linked operation's accounts
    let op_clusters = |d: usize| -> BTreeSet<u32> {
        let (_, ds, an) = (&planted.datasets[d].0, &planted.datasets[d].1, &analyses[d]);
        let linked: BTreeSet<&str> = planted.operation_accounts[d].iter().map(|s| s.as_str()).collect();
        an.clusters
            .iter()
            .filter(|c| {
                let inside = c.accounts.iter().filter(|&&a| linked.contains(ds.accounts.ids.resolve(a))).count();
                inside * 2 > c.accounts.len()
            })
            .map(|c| c.id)
            .collect()
    };
    let mut planted_pairs = BTreeSet::new();
    for &(a, b) in &planted.linked_pairs {
        for ca in op_clusters(a as usize) {
            for cb in op_clusters(b as usize) {
                planted_pairs.insert((a, ca, b, cb));
            }
        }
    }
    let predicted: BTreeSet<(u16, u32, u16, u32)> = result
        .links
        .iter()
        .filter(|l| l.cluster_a != crate::core::model::NONE && l.linked)
        .map(|l| (l.dataset_a, l.cluster_a, l.dataset_b, l.cluster_b))
        .collect();
    let truth: Vec<BTreeSet<&str>> =
        planted.linked_accounts.iter().map(|v| v.iter().map(|s| s.as_str()).collect()).collect();
    let neutral: Vec<BTreeSet<&str>> =
        planted.neutral_accounts.iter().map(|v| v.iter().map(|s| s.as_str()).collect()).collect();
    let mut flagged = BTreeSet::new();
    let mut re = BTreeSet::new();
    for t in &result.accounts {
        let id = planted.datasets[t.dataset as usize].1.accounts.ids.resolve(t.account);
        if neutral[t.dataset as usize].contains(id) {
            continue;
        }
        flagged.insert((t.dataset, id));
        if t.re_emergent {
            re.insert((t.dataset, id));
        }
    }
    let accounts_correct = flagged.iter().filter(|(d, id)| truth[*d as usize].contains(id)).count();
    let re_truth: BTreeSet<&str> = planted.re_emergent.iter().map(|s| s.as_str()).collect();
    let re_correct = re.iter().filter(|(d, id)| *d == 1 && re_truth.contains(id)).count();
    PlantedScore {
        dataset_links_found: found,
        dataset_links_planted: planted.linked_pairs.len(),
        dataset_non_links_linked: non_linked,
        cluster_pairs_predicted: predicted.len(),
        cluster_pairs_correct: predicted.intersection(&planted_pairs).count(),
        cluster_pairs_planted: planted_pairs.len(),
        accounts_flagged: flagged.len(),
        accounts_correct,
        accounts_planted: truth.iter().map(|t| t.len()).sum(),
        re_emergent_flagged: re.len(),
        re_emergent_correct: re_correct,
        re_emergent_planted: re_truth.len(),
        strengths,
    }
}
