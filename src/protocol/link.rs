//! The worker side of linking datasets in the browser: the named datasets loaded side by side,
//! their analyses and the last [`LinkResult`], and the small, display-ready answers the link view
//! needs (matrices, strongest links, evidence, shared and re-emergent accounts).
//!
//! Pure like the rest of the protocol: datasets arrive through the same streamed ingest as a
//! single dataset (the [`super::Request::LinkAdd`] reading ends in [`LinkSession::add`]), the demo
//! comes from [`planted`], detection and [`link::link`] run in [`LinkSession::run`].

use crate::core::detect::{self, Analysis, DetectParams};
use crate::core::export::{to_vec, InputFingerprint};
use crate::core::ingest::FileReport;
use crate::core::link::{self, export as lx, planted, DatasetSummary, LinkParams, LinkResult, TieKind};
use crate::core::model::{Dataset, NONE, NO_TIME};
use serde::{Deserialize, Serialize};

/// Seed and scale of the built-in link demo (600 organic accounts per dataset).
pub const DEMO_SEED: u64 = 1;
pub const DEMO_SCALE: f64 = 1.0;
/// Names of the demo's datasets, in the order of [`planted::planted`]: A, B, C.
pub const DEMO_NAMES: [&str; 3] = ["A-operation", "B-re-emergence", "C-unrelated"];
/// Clusters shown in the cluster × cluster matrix (those with the strongest links).
pub const MAX_MATRIX_CLUSTERS: usize = 24;
/// Cluster links listed (strongest first).
pub const MAX_LISTED_CLUSTER_LINKS: usize = 60;
/// Shared and re-emergent accounts listed.
pub const MAX_LISTED_ACCOUNTS: usize = 200;
/// Accounts and account pairs listed in one link's evidence.
pub const MAX_EVIDENCE_ACCOUNTS: usize = 40;
pub const MAX_EVIDENCE_PAIRS: usize = 16;

/// One dataset of the link workspace.
pub struct LinkEntry {
    pub name: String,
    pub files: Vec<String>,
    pub dataset: Dataset,
    pub reports: Vec<FileReport>,
    pub inputs: Vec<InputFingerprint>,
    /// The analysis and the parameters it ran with.
    pub analysis: Option<(DetectParams, Analysis)>,
}

/// The datasets loaded for linking and the last result (`None` once the datasets changed).
#[derive(Default)]
pub struct LinkSession {
    pub entries: Vec<LinkEntry>,
    pub result: Option<LinkResult>,
    /// The detection parameters of the last run (what every dataset of `result` was analysed
    /// with), shown in its summary and written into its `link_report.json`.
    pub detect: Option<DetectParams>,
}

/// One loaded dataset, as the dataset list shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkDatasetInfo {
    pub name: String,
    pub files: Vec<String>,
    pub posts: u64,
    pub accounts: u64,
    pub rejected: u64,
    pub time_span_ms: Option<(i64, i64)>,
    /// Filled once detection ran on it.
    pub clusters: Option<u64>,
    pub flagged: Option<u64>,
    /// File-level problems ("file: message").
    pub problems: Vec<String>,
}

/// The dataset list, and whether the last link result still matches it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkDatasets {
    pub datasets: Vec<LinkDatasetInfo>,
    pub result_current: bool,
}

/// One link (dataset pair or cluster pair) as listed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkRow {
    /// Index into the link result's `links` (for [`super::Request::LinkEvidence`]).
    pub index: u32,
    pub dataset_a: u16,
    pub cluster_a: Option<u32>,
    pub dataset_b: u16,
    pub cluster_b: Option<u32>,
    /// Absolute strength (the sum of `scores`; grows with the datasets' sizes).
    pub strength: f64,
    /// Size-normalised strength ([`link::Link::normalised`]): about the share of the smaller
    /// side's rare content the other side's operation uses too.
    pub normalised: f64,
    /// Score of the screen names shared by chance ([`link::Link::expected`]).
    pub expected: f64,
    /// [`link::Link::linked`]: `by_identity` or `by_content`, and for a cluster pair its dataset
    /// pair linked too.
    pub linked: bool,
    /// The identity criterion holds: shared ids plus the screen names beyond chance (`expected`
    /// and three standard deviations) reach `min_strength`.
    pub by_identity: bool,
    /// The content criterion holds: `strength` without the chance screen names reaches
    /// `min_strength` and `normalised` reaches `min_normalised`.
    pub by_content: bool,
    /// Per tie kind, in the order of [`TieKind::ALL`] (labels in [`LinkSummary::kinds`]).
    pub counts: Vec<u32>,
    pub scores: Vec<f64>,
    pub evidence: Vec<String>,
}

/// An account that ties its dataset to another.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TieRow {
    pub dataset: u16,
    pub other: u16,
    pub account_id: String,
    pub screen_name: String,
    /// `Role as u8`.
    pub role: u8,
    pub cluster: Option<u32>,
    pub created_at_ms: Option<i64>,
    /// Tie kind names.
    pub kinds: Vec<String>,
    pub weight: f64,
    pub re_emergent: bool,
    pub evidence: String,
}

/// A row / column of the cluster × cluster matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterLabel {
    pub dataset: u16,
    pub cluster: u32,
    pub size: u32,
    pub top_hashtag: Option<String>,
}

/// What ties the datasets (answer to [`super::Request::LinkRun`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkSummary {
    pub datasets: Vec<DatasetSummary>,
    /// Tie kind names, in the order of the `counts` / `scores` of every [`LinkRow`].
    pub kinds: Vec<String>,
    pub min_strength: f64,
    /// A link on content needs `normalised` at least this.
    pub min_normalised: f64,
    /// Dataset × dataset strength.
    pub overlap: Vec<Vec<f64>>,
    /// Dataset × dataset normalised strength.
    pub normalised_overlap: Vec<Vec<f64>>,
    /// Every dataset pair, strongest first.
    pub dataset_links: Vec<LinkRow>,
    /// Rows / columns of `cluster_matrix`, by dataset then cluster: the clusters with the
    /// strongest cross-dataset links, then (while there is room) the largest of the others.
    pub cluster_labels: Vec<ClusterLabel>,
    /// Cluster × cluster strength, row-major (`n × n`, 0 within a dataset or without a tie).
    pub cluster_matrix: Vec<f64>,
    /// Cluster × cluster normalised strength, laid out like `cluster_matrix`.
    pub cluster_normalised: Vec<f64>,
    /// Cluster × cluster `linked`, laid out like `cluster_matrix`.
    pub cluster_linked: Vec<bool>,
    /// The strongest cluster pairs.
    pub cluster_links: Vec<LinkRow>,
    pub n_cluster_links: u64,
    pub n_linked_cluster_pairs: u64,
    /// Accounts shared by id or screen name, heaviest first.
    pub shared_accounts: Vec<TieRow>,
    pub n_shared_accounts: u64,
    /// Accounts created after the other dataset's last post that carry its content or co-act.
    pub re_emergent: Vec<TieRow>,
    pub n_re_emergent: u64,
    pub n_account_ties: u64,
    /// The detection parameters every dataset was analysed with in this run.
    #[serde(default)]
    pub detect: DetectParams,
    /// WebAssembly memory of the worker in bytes (filled by the worker shell; 0 natively).
    #[serde(default)]
    pub memory_bytes: u64,
}

/// One link with the accounts and account pairs behind it (answer to
/// [`super::Request::LinkEvidence`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkEvidence {
    pub row: LinkRow,
    /// Accounts of either side tying the two, heaviest first.
    pub accounts: Vec<TieRow>,
    pub n_accounts: u64,
    /// Account-to-account ties: (account of side a, account of side b, tie kind).
    pub pairs: Vec<(String, String, String)>,
    pub n_pairs: u64,
}

impl LinkSession {
    /// The dataset list.
    pub fn datasets(&self) -> LinkDatasets {
        let datasets = self
            .entries
            .iter()
            .map(|e| LinkDatasetInfo {
                name: e.name.clone(),
                files: e.files.clone(),
                posts: e.dataset.n_posts() as u64,
                accounts: e.dataset.n_accounts() as u64,
                rejected: e.reports.iter().map(|r| r.records_rejected).sum(),
                time_span_ms: e.dataset.time_span(),
                clusters: e.analysis.as_ref().map(|(_, a)| a.clusters.len() as u64),
                flagged: e
                    .analysis
                    .as_ref()
                    .map(|(_, a)| a.accounts.iter().filter(|v| v.role != detect::Role::Unflagged).count() as u64),
                problems: e
                    .reports
                    .iter()
                    .filter_map(|r| r.fatal.as_ref().map(|m| format!("{}: {m}", r.name)))
                    .collect(),
            })
            .collect();
        LinkDatasets { datasets, result_current: self.result.is_some() }
    }

    /// `name` trimmed, or "dataset N" when empty, made unique among the loaded datasets (" (2)"…).
    pub fn unique_name(&self, name: &str, except: Option<usize>) -> String {
        let base = match name.trim() {
            "" => format!("dataset {}", self.entries.len() + 1),
            s => s.chars().take(80).collect(),
        };
        let taken = |n: &str| self.entries.iter().enumerate().any(|(i, e)| Some(i) != except && e.name == n);
        if !taken(&base) {
            return base;
        }
        (2..).map(|k| format!("{base} ({k})")).find(|n| !taken(n)).unwrap_or(base)
    }

    /// Add a read dataset (the end of a `LinkAdd` ingest). Errors when nothing was read.
    pub fn add(
        &mut self,
        name: &str,
        files: Vec<String>,
        dataset: Dataset,
        reports: Vec<FileReport>,
        inputs: Vec<InputFingerprint>,
    ) -> Result<(), String> {
        if dataset.n_posts() == 0 {
            // per file: why it gave nothing (a whole-file problem, or every row rejected with the
            // first row's reason, e.g. a column mapping that names the wrong column)
            let why: Vec<String> = reports
                .iter()
                .filter_map(|r| match &r.fatal {
                    Some(m) => Some(format!("{}: {}.", r.name, m.trim_end_matches('.'))),
                    None if r.records_rejected > 0 => Some(format!(
                        "{}: all {} rows were rejected{}.",
                        r.name,
                        r.records_rejected,
                        r.diagnostics
                            .iter()
                            .find(|d| d.rejected)
                            .map(|d| format!(
                                ", the first (line {}) because {}",
                                d.at.line,
                                d.message.trim_end_matches('.')
                            ))
                            .unwrap_or_default()
                    )),
                    None => None,
                })
                .collect();
            return Err(format!(
                "No posts could be read from {} for dataset “{}”, so it was not added. {}",
                files.join(", "),
                name.trim(),
                if why.is_empty() {
                    "Check that the files are tweets (IO archive, twarc, twarc-csv or CooRTweet tables).".to_string()
                } else {
                    why.join(" ")
                }
            ));
        }
        let name = self.unique_name(name, None);
        self.entries.push(LinkEntry { name, files, dataset, reports, inputs, analysis: None });
        self.result = None;
        Ok(())
    }

    /// Replace the datasets with the built-in demo: an operation A, its re-emergence B and an
    /// unrelated operation C (planted data, generated here).
    pub fn demo(&mut self) {
        let p = planted::planted(DEMO_SEED, DEMO_SCALE);
        self.entries = p
            .datasets
            .into_iter()
            .zip(DEMO_NAMES)
            .map(|((_, dataset), name)| LinkEntry {
                name: name.to_string(),
                files: vec!["generated in this browser".to_string()],
                dataset,
                reports: Vec::new(),
                inputs: Vec::new(),
                analysis: None,
            })
            .collect();
        self.result = None;
    }

    pub fn remove(&mut self, index: u32) -> Result<(), String> {
        if index as usize >= self.entries.len() {
            return Err(format!("There is no dataset {} to remove.", index + 1));
        }
        self.entries.remove(index as usize);
        self.result = None;
        Ok(())
    }

    /// Rename a dataset; the last result (if any) takes the new name too.
    pub fn rename(&mut self, index: u32, name: &str) -> Result<(), String> {
        let i = index as usize;
        if i >= self.entries.len() {
            return Err(format!("There is no dataset {} to rename.", index + 1));
        }
        let name = self.unique_name(name, Some(i));
        if let Some(d) = self.result.as_mut().and_then(|r| r.datasets.get_mut(i)) {
            d.name = name.clone();
        }
        self.entries[i].name = name;
        Ok(())
    }

    /// Detect on every dataset not yet analysed with `detect_params`, then link them all.
    pub fn run(
        &mut self,
        detect_params: &DetectParams,
        params: &LinkParams,
        progress: &mut dyn FnMut(&str, f32),
    ) -> Result<LinkSummary, String> {
        let n = self.entries.len();
        if n < 2 {
            return Err(format!(
                "Linking needs at least two datasets; {n} loaded. Add files as another dataset, or load the link demo."
            ));
        }
        for (k, e) in self.entries.iter_mut().enumerate() {
            if e.analysis.as_ref().is_some_and(|(p, _)| p == detect_params) {
                continue;
            }
            let name = e.name.clone();
            let mut stage = |s: &str, f: f32| {
                progress(&format!("detecting in {name}: {s}"), (k as f32 + f.clamp(0.0, 1.0)) / (n as f32 + 1.0))
            };
            let an = detect::analyze(&e.dataset, detect_params, &mut stage, &|| false)
                .map_err(|err| format!("Detection in {name} stopped: {err}"))?;
            e.analysis = Some((detect_params.clone(), an));
        }
        progress("linking", n as f32 / (n as f32 + 1.0));
        let result = {
            let inputs = self.inputs();
            link::link(&inputs, params)
        };
        self.result = Some(result);
        self.detect = Some(detect_params.clone());
        progress("done", 1.0);
        self.summary()
    }

    fn inputs(&self) -> Vec<link::Input<'_>> {
        self.entries
            .iter()
            .filter_map(|e| e.analysis.as_ref().map(|(_, an)| (e.name.as_str(), &e.dataset, an)))
            .collect()
    }

    fn current(&self) -> Result<&LinkResult, String> {
        let r = self
            .result
            .as_ref()
            .ok_or("No link result: run the link first (the datasets changed since the last run).")?;
        if r.datasets.len() != self.entries.len() || self.entries.iter().any(|e| e.analysis.is_none()) {
            return Err("internal error: the link result does not match the loaded datasets".into());
        }
        Ok(r)
    }

    /// The detection parameters of the last result.
    fn detect_params(&self) -> Result<&DetectParams, String> {
        let d = self.detect.as_ref().ok_or("internal error: the link result has no detection parameters")?;
        if self.entries.iter().any(|e| e.analysis.as_ref().is_some_and(|(p, _)| p != d)) {
            return Err("internal error: a dataset was analysed with other detection parameters than the link".into());
        }
        Ok(d)
    }

    fn row(&self, r: &LinkResult, index: usize, l: &link::Link) -> LinkRow {
        let some = |c: u32| (c != NONE).then_some(c);
        let (by_identity, by_content) = criteria(&r.params, l);
        LinkRow {
            index: index as u32,
            dataset_a: l.dataset_a,
            cluster_a: some(l.cluster_a),
            dataset_b: l.dataset_b,
            cluster_b: some(l.cluster_b),
            strength: l.strength,
            normalised: l.normalised,
            expected: l.expected,
            linked: l.linked,
            by_identity,
            by_content,
            counts: l.counts.to_vec(),
            scores: l.scores.to_vec(),
            evidence: l.evidence.clone(),
        }
    }

    fn tie_row(&self, t: &link::AccountTie) -> TieRow {
        let e = &self.entries[t.dataset as usize];
        let ds = &e.dataset;
        let i = t.account as usize;
        let verdict = e.analysis.as_ref().and_then(|(_, an)| an.accounts.get(i));
        let created = ds.accounts.created_at.get(i).copied().unwrap_or(NO_TIME);
        TieRow {
            dataset: t.dataset,
            other: t.other,
            account_id: ds.accounts.ids.resolve(t.account).to_string(),
            screen_name: ds.accounts.screen_name.get(i).map(|s| s.to_string()).unwrap_or_default(),
            role: verdict.map_or(0, |v| v.role as u8),
            cluster: verdict.and_then(|v| (v.cluster != NONE).then_some(v.cluster)),
            created_at_ms: (created != NO_TIME).then_some(created),
            kinds: TieKind::ALL.iter().filter(|k| t.kinds & k.bit() != 0).map(|k| k.name().to_string()).collect(),
            weight: t.weight,
            re_emergent: t.re_emergent,
            evidence: t.evidence.clone(),
        }
    }

    /// "@name" or the id of account `a` of dataset `d`, prefixed with the dataset's name.
    fn account_label(&self, d: u16, a: u32) -> String {
        let e = &self.entries[d as usize];
        format!("{}: {}", e.name, super::display_name_of(&e.dataset, a))
    }

    /// The display-ready summary of the last result.
    pub fn summary(&self) -> Result<LinkSummary, String> {
        let r = self.current()?;
        let dataset_links: Vec<LinkRow> = r
            .links
            .iter()
            .enumerate()
            .filter(|(_, l)| l.cluster_a == NONE && l.cluster_b == NONE)
            .map(|(i, l)| self.row(r, i, l))
            .collect();
        let cluster_links: Vec<(usize, &link::Link)> =
            r.links.iter().enumerate().filter(|(_, l)| l.cluster_a != NONE && l.cluster_b != NONE).collect();
        // the matrix: the clusters with the strongest links (best link per cluster), by dataset
        let mut best: Vec<((u16, u32), f64)> = Vec::new();
        for (_, l) in &cluster_links {
            for key in [(l.dataset_a, l.cluster_a), (l.dataset_b, l.cluster_b)] {
                match best.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, s)) => *s = s.max(l.strength),
                    None => best.push((key, l.strength)),
                }
            }
        }
        best.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        best.truncate(MAX_MATRIX_CLUSTERS);
        let mut keys: Vec<(u16, u32)> = best.into_iter().map(|(k, _)| k).collect();
        // room left: the other clusters (largest first), so a dataset tied to nothing shows too
        let mut rest: Vec<(usize, (u16, u32))> = Vec::new();
        for (d, e) in self.entries.iter().enumerate() {
            for (c, cl) in e.analysis.as_ref().map_or(&[][..], |(_, an)| &an.clusters[..]).iter().enumerate() {
                if !keys.contains(&(d as u16, c as u32)) {
                    rest.push((cl.accounts.len(), (d as u16, c as u32)));
                }
            }
        }
        rest.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        keys.extend(rest.into_iter().map(|(_, k)| k).take(MAX_MATRIX_CLUSTERS.saturating_sub(keys.len())));
        keys.sort_unstable();
        let n = keys.len();
        let mut cluster_matrix = vec![0.0; n * n];
        let mut cluster_normalised = vec![0.0; n * n];
        let mut cluster_linked = vec![false; n * n];
        for (_, l) in &cluster_links {
            let (Some(i), Some(j)) = (
                keys.iter().position(|k| *k == (l.dataset_a, l.cluster_a)),
                keys.iter().position(|k| *k == (l.dataset_b, l.cluster_b)),
            ) else {
                continue;
            };
            for k in [i * n + j, j * n + i] {
                cluster_matrix[k] = l.strength;
                cluster_normalised[k] = l.normalised;
                cluster_linked[k] = l.linked;
            }
        }
        let cluster_labels = keys
            .iter()
            .map(|&(d, c)| {
                let cl = self.entries[d as usize].analysis.as_ref().and_then(|(_, an)| an.clusters.get(c as usize));
                ClusterLabel {
                    dataset: d,
                    cluster: c,
                    size: cl.map_or(0, |x| x.accounts.len() as u32),
                    top_hashtag: cl.and_then(|x| x.top_hashtags.first().map(|(t, _)| t.clone())),
                }
            })
            .collect();
        let shared = |t: &&link::AccountTie| t.kinds & (TieKind::AccountId.bit() | TieKind::ScreenName.bit()) != 0;
        let heaviest = |mut v: Vec<&link::AccountTie>| {
            v.sort_by(|x, y| {
                y.weight
                    .total_cmp(&x.weight)
                    .then((x.dataset, x.account, x.other).cmp(&(y.dataset, y.account, y.other)))
            });
            v.into_iter().take(MAX_LISTED_ACCOUNTS).map(|t| self.tie_row(t)).collect::<Vec<_>>()
        };
        let shared_all: Vec<&link::AccountTie> = r.accounts.iter().filter(shared).collect();
        let re_all: Vec<&link::AccountTie> = r.accounts.iter().filter(|t| t.re_emergent).collect();
        Ok(LinkSummary {
            datasets: r.datasets.clone(),
            kinds: TieKind::ALL.iter().map(|k| k.name().to_string()).collect(),
            min_strength: r.params.min_strength,
            min_normalised: r.params.min_normalised,
            overlap: r.overlap.clone(),
            normalised_overlap: r.normalised_overlap.clone(),
            dataset_links,
            cluster_labels,
            cluster_matrix,
            cluster_normalised,
            cluster_linked,
            n_cluster_links: cluster_links.len() as u64,
            n_linked_cluster_pairs: cluster_links.iter().filter(|(_, l)| l.linked).count() as u64,
            cluster_links: cluster_links
                .iter()
                .take(MAX_LISTED_CLUSTER_LINKS)
                .map(|(i, l)| self.row(r, *i, l))
                .collect(),
            n_shared_accounts: shared_all.len() as u64,
            shared_accounts: heaviest(shared_all),
            n_re_emergent: re_all.len() as u64,
            re_emergent: heaviest(re_all),
            n_account_ties: r.accounts.len() as u64,
            detect: self.detect_params()?.clone(),
            memory_bytes: 0,
        })
    }

    /// Link `index` of the last result with the accounts and account pairs behind it.
    pub fn evidence(&self, index: u32) -> Result<LinkEvidence, String> {
        let r = self.current()?;
        let l = r.links.get(index as usize).ok_or_else(|| format!("There is no link {index} in the last result."))?;
        let cluster_of = |d: u16, a: u32| {
            self.entries[d as usize]
                .analysis
                .as_ref()
                .and_then(|(_, an)| an.accounts.get(a as usize))
                .map_or(NONE, |v| v.cluster)
        };
        // an account of side `d` belongs to this link when its dataset (and, for a cluster pair,
        // its cluster) is that side's
        let side_cluster = |d: u16| {
            if d == l.dataset_a {
                l.cluster_a
            } else {
                l.cluster_b
            }
        };
        let on_side = |d: u16, a: u32| {
            (d == l.dataset_a || d == l.dataset_b) && (side_cluster(d) == NONE || cluster_of(d, a) == side_cluster(d))
        };
        let mut ties: Vec<&link::AccountTie> = r
            .accounts
            .iter()
            .filter(|t| {
                let pair = (t.dataset == l.dataset_a && t.other == l.dataset_b)
                    || (t.dataset == l.dataset_b && t.other == l.dataset_a);
                pair && on_side(t.dataset, t.account)
            })
            .collect();
        ties.sort_by(|x, y| y.weight.total_cmp(&x.weight).then((x.dataset, x.account).cmp(&(y.dataset, y.account))));
        let pairs: Vec<&(u16, u32, u16, u32, TieKind)> = r
            .cross_edges
            .iter()
            .filter(|e| {
                let (da, a, db, b) = if e.0 == l.dataset_a { (e.0, e.1, e.2, e.3) } else { (e.2, e.3, e.0, e.1) };
                da == l.dataset_a && db == l.dataset_b && on_side(da, a) && on_side(db, b)
            })
            .collect();
        Ok(LinkEvidence {
            row: self.row(r, index as usize, l),
            n_accounts: ties.len() as u64,
            accounts: ties.iter().take(MAX_EVIDENCE_ACCOUNTS).map(|t| self.tie_row(t)).collect(),
            n_pairs: pairs.len() as u64,
            pairs: pairs
                .iter()
                .take(MAX_EVIDENCE_PAIRS)
                .map(|e| {
                    let (x, y) = if e.0 == l.dataset_a { ((e.0, e.1), (e.2, e.3)) } else { ((e.2, e.3), (e.0, e.1)) };
                    (self.account_label(x.0, x.1), self.account_label(y.0, y.1), e.4.name().to_string())
                })
                .collect(),
        })
    }

    /// One link export file: (MIME type, bytes). `name` is one of [`lx::LINK_FILE_NAMES`].
    pub fn export(&self, name: &str) -> Result<(&'static str, Vec<u8>), String> {
        let r = self.current()?;
        let inputs = self.inputs();
        let files: Vec<Vec<InputFingerprint>> = self.entries.iter().map(|e| e.inputs.clone()).collect();
        let written = match name {
            "links.csv" => to_vec(|w| lx::links_csv(&inputs, r, w)),
            "link_accounts.csv" => to_vec(|w| lx::link_accounts_csv(&inputs, r, w)),
            "overlap.csv" => to_vec(|w| lx::overlap_csv(&inputs, r, w)),
            "joint.gexf" => to_vec(|w| lx::joint_gexf(&inputs, r, w)),
            "joint.graphml" => to_vec(|w| lx::joint_graphml(&inputs, r, w)),
            "link_report.json" => {
                let detect = self.detect_params()?;
                to_vec(|w| lx::link_report_json(r, &files, detect, w))
            }
            _ => return Err(format!("internal error: there is no link export called {name}")),
        };
        let bytes = written.map_err(|e| format!("{name} could not be written: {e}"))?;
        Ok((super::mime_of(name), bytes))
    }
}

/// Which criteria of [`link::Link::linked`] a link meets: (identity, content). The same tests as
/// the core's, from the link's scores, `expected` and the parameters: the chance screen names are
/// `expected` (the Poisson mean times the kind weight) plus three standard deviations.
pub fn criteria(params: &LinkParams, l: &link::Link) -> (bool, bool) {
    let kw = params.kind_weights[TieKind::ScreenName as usize];
    let (id, name) = (l.scores[TieKind::AccountId as usize], l.scores[TieKind::ScreenName as usize]);
    // expected = kw·λ, so kw·3·√λ = 3·√(kw·expected)
    let allowance = l.expected + 3.0 * (kw * l.expected).max(0.0).sqrt();
    let identity = id + (name - allowance).max(0.0) >= params.min_strength;
    let content = l.strength - name.min(allowance) >= params.min_strength && l.normalised >= params.min_normalised;
    (identity, content)
}

/// The name a dataset gets from its files when the user gives none: the first file's name
/// without directories, container and format extensions, and an IO-archive part suffix
/// (`iran_202012_tweets_csv_hashed_1.csv.gz` → `iran_202012`).
pub fn default_dataset_name(files: &[String]) -> String {
    let Some(first) = files.first() else {
        return String::new();
    };
    let mut s = first.rsplit(['/', '\\']).next().unwrap_or(first).to_string();
    loop {
        let lower = s.to_ascii_lowercase();
        match [".gz", ".zip", ".csv", ".jsonl", ".json", ".ndjson", ".tsv", ".txt"].iter().find(|e| lower.ends_with(*e))
        {
            Some(e) if s.len() > e.len() => s.truncate(s.len() - e.len()),
            _ => break,
        }
    }
    let lower = s.to_ascii_lowercase();
    for marker in ["_tweets_csv_", "_users_csv_", "_tweets_", "_users_"] {
        if let Some(i) = lower.find(marker) {
            if i > 0 {
                s.truncate(i);
                break;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::default_dataset_name as name;

    #[test]
    fn default_names_come_from_the_first_file() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            name(&v(&["iran_202012_tweets_csv_hashed_1.csv.gz", "iran_202012_users_csv_hashed.csv"])),
            "iran_202012"
        );
        assert_eq!(name(&v(&["dump2019.jsonl"])), "dump2019");
        assert_eq!(name(&v(&["some/dir/export.CSV"])), "export");
        assert_eq!(name(&v(&["_tweets_csv_hashed.csv"])), "_tweets_csv_hashed");
        assert_eq!(name(&v(&[".csv"])), ".csv");
        assert_eq!(name(&[]), "");
    }
}
