//! Scoring an analysis against ground truth: flagged-account precision / recall / F1 (flagged =
//! core or amplifier, against truth core or amplifier), role accuracy among correctly flagged
//! accounts, organic false-positive rate, per-operation recall and a confusion matrix.

use super::{TruthRole, TruthRow};
use crate::core::detect::{Analysis, Role};
use crate::core::model::Dataset;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One account's predicted role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    pub account_id: String,
    pub role: Role,
    /// Predicted cluster (network), when the analysis gives one.
    pub cluster: Option<u32>,
}

/// Metrics of one operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationEval {
    pub name: String,
    pub n_core: u64,
    pub n_amplifiers: u64,
    /// Share of the operation's accounts flagged (any role).
    pub recall: f64,
    /// Share of its core accounts flagged (any role).
    pub core_recall: f64,
    /// Share of its amplifiers flagged (any role).
    pub amplifier_recall: f64,
    /// Among its flagged accounts, share with the right role.
    pub role_accuracy: f64,
    /// Distinct predicted clusters its flagged accounts fall in (1 = found as one network).
    pub n_clusters: u64,
    /// Share of its flagged accounts (with a cluster) that are in its largest predicted cluster.
    pub main_cluster_share: f64,
}

/// The evaluation report (serialisable; `to_text` for people).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub n_accounts: u64,
    pub n_truth_core: u64,
    pub n_truth_amplifier: u64,
    pub n_truth_organic: u64,
    pub n_flagged: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Among true positives, the share whose predicted role equals the true role.
    pub role_accuracy: f64,
    /// Organic accounts flagged / organic accounts.
    pub organic_fp_rate: f64,
    /// Rows: truth core, amplifier, organic. Columns: predicted core, amplifier, unflagged.
    pub confusion: [[u64; 3]; 3],
    pub operations: Vec<OperationEval>,
    /// Predicted clusters with at least one member in the ground truth.
    pub n_clusters: u64,
    /// Mean over predicted clusters, weighted by size, of the share of members that belong to
    /// the cluster's majority label (an operation, or organic). 1 = every cluster is one
    /// operation. 0 when no clusters were predicted.
    pub cluster_purity: f64,
    /// Predicted accounts that are not in the ground truth (ignored in the metrics).
    pub predictions_without_truth: u64,
    /// Ground-truth accounts without a prediction (counted as unflagged).
    pub truth_without_prediction: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn col(role: Role) -> usize {
    match role {
        Role::Core => 0,
        Role::Amplifier => 1,
        Role::Unflagged => 2,
    }
}

fn row(role: TruthRole) -> usize {
    match role {
        TruthRole::Core => 0,
        TruthRole::Amplifier => 1,
        TruthRole::Organic => 2,
    }
}

/// Predictions of an [`Analysis`] on `ds` (account ids from the dataset).
pub fn predictions_from_analysis(ds: &Dataset, analysis: &Analysis) -> Vec<Prediction> {
    analysis
        .accounts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < ds.n_accounts())
        .map(|(i, v)| Prediction {
            account_id: ds.accounts.ids.resolve(i as u32).to_string(),
            role: v.role,
            cluster: if v.cluster == crate::core::model::NONE { None } else { Some(v.cluster) },
        })
        .collect()
}

/// Score `predicted` against `truth`. Accounts of the truth without a prediction count as
/// unflagged; predictions for accounts outside the truth are counted and ignored.
pub fn evaluate(truth: &[TruthRow], predicted: &[Prediction]) -> EvalReport {
    let mut pred: FxHashMap<&str, (Role, Option<u32>)> = FxHashMap::default();
    for p in predicted {
        pred.insert(p.account_id.as_str(), (p.role, p.cluster));
    }
    // (cluster, label) -> members, label = operation name ("" for organic)
    let mut cluster_labels: Vec<(u32, &str)> = Vec::new();
    let mut confusion = [[0u64; 3]; 3];
    let mut ops: Vec<(String, [[u64; 3]; 2])> = Vec::new();
    let mut op_index: FxHashMap<&str, usize> = FxHashMap::default();
    let mut missing = 0u64;
    let mut known: FxHashMap<&str, ()> = FxHashMap::default();
    for t in truth {
        known.insert(t.account_id.as_str(), ());
        let (role, cluster) = match pred.get(t.account_id.as_str()) {
            Some(&r) => r,
            None => {
                missing += 1;
                (Role::Unflagged, None)
            }
        };
        if let Some(c) = cluster {
            cluster_labels.push((c, if t.role == TruthRole::Organic { "" } else { t.operation.as_str() }));
        }
        confusion[row(t.role)][col(role)] += 1;
        if t.role != TruthRole::Organic {
            let k = *op_index.entry(t.operation.as_str()).or_insert_with(|| {
                ops.push((t.operation.clone(), [[0; 3]; 2]));
                ops.len() - 1
            });
            ops[k].1[row(t.role)][col(role)] += 1;
        }
    }
    cluster_labels.sort_unstable();
    // purity: per cluster, size of the majority label
    let (mut n_clusters, mut majority_sum, mut clustered) = (0u64, 0u64, 0u64);
    let mut i = 0;
    while i < cluster_labels.len() {
        let c = cluster_labels[i].0;
        let mut j = i;
        let mut best = 0u64;
        while j < cluster_labels.len() && cluster_labels[j].0 == c {
            let mut k = j;
            while k < cluster_labels.len() && cluster_labels[k] == cluster_labels[j] {
                k += 1;
            }
            best = best.max((k - j) as u64);
            j = k;
        }
        n_clusters += 1;
        majority_sum += best;
        clustered += (j - i) as u64;
        i = j;
    }
    // per operation: clusters of its flagged members
    let mut op_clusters: Vec<(&str, u32)> = Vec::new();
    for t in truth {
        if t.role == TruthRole::Organic {
            continue;
        }
        if let Some(&(r, Some(c))) = pred.get(t.account_id.as_str()) {
            if r != Role::Unflagged {
                op_clusters.push((t.operation.as_str(), c));
            }
        }
    }
    op_clusters.sort_unstable();
    let clusters_of = |name: &str| -> (u64, f64) {
        let lo = op_clusters.partition_point(|x| x.0 < name);
        let hi = op_clusters.partition_point(|x| x.0 <= name);
        let run = &op_clusters[lo..hi];
        let (mut n, mut best, mut k) = (0u64, 0usize, 0usize);
        while k < run.len() {
            let mut e = k;
            while e < run.len() && run[e].1 == run[k].1 {
                e += 1;
            }
            n += 1;
            best = best.max(e - k);
            k = e;
        }
        (n, ratio(best as u64, run.len() as u64))
    };
    let extra = predicted.iter().filter(|p| !known.contains_key(p.account_id.as_str())).count() as u64;
    let flagged = |r: &[u64; 3]| r[0] + r[1];
    let tp = flagged(&confusion[0]) + flagged(&confusion[1]);
    let fp = flagged(&confusion[2]);
    let fneg = confusion[0][2] + confusion[1][2];
    let right_role = confusion[0][0] + confusion[1][1];
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fneg);
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    let n = |r: &[u64; 3]| r.iter().sum::<u64>();
    ops.sort_by(|a, b| a.0.cmp(&b.0));
    let operations = ops
        .into_iter()
        .map(|(name, m)| {
            let (nc, na) = (n(&m[0]), n(&m[1]));
            let f = flagged(&m[0]) + flagged(&m[1]);
            let (n_clusters, main_cluster_share) = clusters_of(&name);
            OperationEval {
                name,
                n_core: nc,
                n_amplifiers: na,
                recall: ratio(f, nc + na),
                core_recall: ratio(flagged(&m[0]), nc),
                amplifier_recall: ratio(flagged(&m[1]), na),
                role_accuracy: ratio(m[0][0] + m[1][1], f),
                n_clusters,
                main_cluster_share,
            }
        })
        .collect();
    EvalReport {
        n_accounts: truth.len() as u64,
        n_truth_core: n(&confusion[0]),
        n_truth_amplifier: n(&confusion[1]),
        n_truth_organic: n(&confusion[2]),
        n_flagged: tp + fp,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fneg,
        precision,
        recall,
        f1,
        role_accuracy: ratio(right_role, tp),
        organic_fp_rate: ratio(fp, n(&confusion[2])),
        confusion,
        operations,
        n_clusters,
        cluster_purity: ratio(majority_sum, clustered),
        predictions_without_truth: extra,
        truth_without_prediction: missing,
    }
}

impl EvalReport {
    /// A human-readable summary.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "accounts: {} (truth: {} core, {} amplifier, {} organic); flagged: {}",
            self.n_accounts, self.n_truth_core, self.n_truth_amplifier, self.n_truth_organic, self.n_flagged
        );
        let _ = writeln!(
            s,
            "flagged accounts: precision {:.4}, recall {:.4}, F1 {:.4} (TP {}, FP {}, FN {})",
            self.precision, self.recall, self.f1, self.true_positives, self.false_positives, self.false_negatives
        );
        let _ = writeln!(s, "role accuracy among correctly flagged: {:.4}", self.role_accuracy);
        let _ = writeln!(s, "organic accounts flagged: {:.4}%", self.organic_fp_rate * 100.0);
        let _ = writeln!(s, "confusion (rows truth, columns predicted):");
        let _ = writeln!(s, "  {:<10} {:>9} {:>9} {:>9}", "", "core", "amplifier", "unflagged");
        for (name, r) in ["core", "amplifier", "organic"].iter().zip(self.confusion.iter()) {
            let _ = writeln!(s, "  {:<10} {:>9} {:>9} {:>9}", name, r[0], r[1], r[2]);
        }
        if self.n_clusters > 0 {
            let _ = writeln!(s, "predicted clusters: {}, purity {:.4}", self.n_clusters, self.cluster_purity);
        }
        for o in &self.operations {
            let _ = writeln!(
                s,
                "operation {}: {} core, {} amplifiers; recall {:.4} (core {:.4}, amplifiers {:.4}), role accuracy {:.4}, \
                 in {} clusters ({:.4} in the largest)",
                o.name,
                o.n_core,
                o.n_amplifiers,
                o.recall,
                o.core_recall,
                o.amplifier_recall,
                o.role_accuracy,
                o.n_clusters,
                o.main_cluster_share
            );
        }
        if self.predictions_without_truth > 0 {
            let _ = writeln!(
                s,
                "{} predicted accounts are not in the ground truth (ignored)",
                self.predictions_without_truth
            );
        }
        if self.truth_without_prediction > 0 {
            let _ = writeln!(
                s,
                "{} ground-truth accounts have no prediction (counted as unflagged)",
                self.truth_without_prediction
            );
        }
        s
    }
}

/// Parse a whole CSV (RFC 4180) into rows of fields with csv-core. Invalid UTF-8 is replaced.
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use csv_core::{ReadRecordResult, Reader};
    let mut rdr = Reader::new();
    let mut input = bytes;
    let mut out = vec![0u8; 1 << 12];
    let mut ends = vec![0usize; 64];
    let (mut n_out, mut n_ends) = (0usize, 0usize);
    let mut rows = Vec::new();
    loop {
        let (res, nin, nout, nend) = rdr.read_record(input, &mut out[n_out..], &mut ends[n_ends..]);
        input = &input[nin..];
        n_out += nout;
        n_ends += nend;
        match res {
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            ReadRecordResult::Record => {
                let mut start = 0;
                let fields = ends[..n_ends]
                    .iter()
                    .map(|&e| {
                        let f = String::from_utf8_lossy(&out[start..e]).into_owned();
                        start = e;
                        f
                    })
                    .collect();
                rows.push(fields);
                n_out = 0;
                n_ends = 0;
            }
            ReadRecordResult::End => break,
        }
    }
    rows
}

fn header_index(header: &[String], name: &str, file: &str) -> Result<usize, String> {
    header
        .iter()
        .position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("{file}: no `{name}` column in the header (columns: {})", header.join(", ")))
}

/// Read a ground-truth CSV (`account_id,truth_role,operation`; column order free).
pub fn parse_truth_csv(bytes: &[u8]) -> Result<Vec<TruthRow>, String> {
    let rows = csv_rows(bytes);
    let Some((header, body)) = rows.split_first() else { return Err("truth file: empty".into()) };
    let id = header_index(header, "account_id", "truth file")?;
    let role = header_index(header, "truth_role", "truth file")?;
    let op = header_index(header, "operation", "truth file")?;
    let mut out = Vec::with_capacity(body.len());
    for (k, r) in body.iter().enumerate() {
        if r.len() == 1 && r[0].is_empty() {
            continue;
        }
        let line = k + 2;
        let get = |i: usize| r.get(i).map(|s| s.as_str()).unwrap_or("");
        let account_id = get(id).trim();
        if account_id.is_empty() {
            return Err(format!("truth file, record {line}: empty account_id"));
        }
        let t = TruthRole::from_name(get(role)).ok_or_else(|| {
            format!("truth file, record {line}: truth_role `{}` is not core, amplifier or organic", get(role))
        })?;
        out.push(TruthRow { account_id: account_id.to_string(), role: t, operation: get(op).trim().to_string() });
    }
    Ok(out)
}

/// Read predicted roles from an accounts CSV with `account_id` and `role` columns (`role` one of
/// core, amplifier, unflagged; also accepts organic / empty as unflagged) and an optional `cluster`
/// column (empty or -1 = none).
pub fn parse_roles_csv(bytes: &[u8]) -> Result<Vec<Prediction>, String> {
    let rows = csv_rows(bytes);
    let Some((header, body)) = rows.split_first() else { return Err("accounts file: empty".into()) };
    let id = header_index(header, "account_id", "accounts file")?;
    let role = header_index(header, "role", "accounts file")?;
    let cluster = header_index(header, "cluster", "accounts file").ok();
    let mut out = Vec::with_capacity(body.len());
    for (k, r) in body.iter().enumerate() {
        if r.len() == 1 && r[0].is_empty() {
            continue;
        }
        let line = k + 2;
        let get = |i: usize| r.get(i).map(|s| s.as_str()).unwrap_or("");
        let account_id = get(id).trim();
        if account_id.is_empty() {
            return Err(format!("accounts file, record {line}: empty account_id"));
        }
        let role = match get(role).trim().to_ascii_lowercase().as_str() {
            "core" => Role::Core,
            "amplifier" => Role::Amplifier,
            "unflagged" | "organic" | "" => Role::Unflagged,
            other => {
                return Err(format!("accounts file, record {line}: role `{other}` is not core, amplifier or unflagged"))
            }
        };
        let cluster =
            match cluster.map(|c| get(c).trim()) {
                None | Some("") | Some("-1") => None,
                Some(v) => Some(v.parse::<u32>().map_err(|_| {
                    format!("accounts file, record {line}: cluster `{v}` is not a non-negative integer")
                })?),
            };
        out.push(Prediction { account_id: account_id.to_string(), role, cluster });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, role: TruthRole, op: &str) -> TruthRow {
        TruthRow { account_id: id.into(), role, operation: op.into() }
    }
    fn p(id: &str, role: Role) -> Prediction {
        Prediction { account_id: id.into(), role, cluster: None }
    }
    fn pc(id: &str, role: Role, cluster: u32) -> Prediction {
        Prediction { account_id: id.into(), role, cluster: Some(cluster) }
    }

    #[test]
    fn known_metrics_on_a_hand_made_example() {
        use Role::*;
        use TruthRole::{Amplifier as A, Core as C, Organic as O};
        let truth = vec![
            t("c1", C, "x"),
            t("c2", C, "x"),
            t("a1", A, "x"),
            t("a2", A, "x"),
            t("a3", A, "y"),
            t("o1", O, ""),
            t("o2", O, ""),
            t("o3", O, ""),
            t("o4", O, ""),
        ];
        let pred = vec![
            p("c1", Core),
            p("c2", Amplifier), // flagged, wrong role
            p("a1", Amplifier),
            p("a2", Unflagged), // missed
            // a3 missing: unflagged
            p("o1", Core), // false positive
            p("o2", Unflagged),
            p("o3", Unflagged),
            p("o4", Unflagged),
            p("zz", Core), // not in truth
        ];
        let r = evaluate(&truth, &pred);
        assert_eq!((r.true_positives, r.false_positives, r.false_negatives), (3, 1, 2));
        assert!((r.precision - 0.75).abs() < 1e-12);
        assert!((r.recall - 0.6).abs() < 1e-12);
        assert!((r.f1 - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert!((r.role_accuracy - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.organic_fp_rate - 0.25).abs() < 1e-12);
        assert_eq!(r.confusion, [[1, 1, 0], [0, 1, 2], [1, 0, 3]]);
        assert_eq!(r.predictions_without_truth, 1);
        assert_eq!(r.truth_without_prediction, 1);
        assert_eq!(r.operations.len(), 2);
        assert_eq!(r.operations[0].name, "x");
        assert!((r.operations[0].recall - 0.75).abs() < 1e-12);
        assert!((r.operations[0].core_recall - 1.0).abs() < 1e-12);
        assert!((r.operations[0].amplifier_recall - 0.5).abs() < 1e-12);
        assert!((r.operations[0].role_accuracy - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.operations[1].name, "y");
        assert_eq!(r.operations[1].recall, 0.0);
    }

    #[test]
    fn cluster_purity_and_split_operations() {
        use TruthRole::{Amplifier as A, Core as C, Organic as O};
        let truth = vec![t("c1", C, "x"), t("a1", A, "x"), t("a2", A, "x"), t("c2", C, "y"), t("o1", O, "")];
        let pred = vec![
            pc("c1", Role::Core, 0),
            pc("a1", Role::Amplifier, 0),
            pc("a2", Role::Amplifier, 1), // x split over clusters 0 and 1
            pc("c2", Role::Core, 1),      // cluster 1 mixes x and y
            pc("o1", Role::Amplifier, 0), // organic inside cluster 0
        ];
        let r = evaluate(&truth, &pred);
        assert_eq!(r.n_clusters, 2);
        // cluster 0: {x, x, organic} -> 2 of 3; cluster 1: {x, y} -> 1 of 2
        assert!((r.cluster_purity - 3.0 / 5.0).abs() < 1e-12);
        let x = &r.operations[0];
        assert_eq!((x.name.as_str(), x.n_clusters), ("x", 2));
        assert!((x.main_cluster_share - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.operations[1].n_clusters, 1);
    }

    #[test]
    fn nothing_flagged_gives_zero_not_nan() {
        let truth = vec![t("a", TruthRole::Core, "x"), t("b", TruthRole::Organic, "")];
        let r = evaluate(&truth, &[]);
        assert_eq!((r.precision, r.recall, r.f1, r.role_accuracy, r.organic_fp_rate), (0.0, 0.0, 0.0, 0.0, 0.0));
        assert_eq!(r.truth_without_prediction, 2);
    }

    #[test]
    fn parses_truth_and_accounts_files() {
        let truth = parse_truth_csv(b"account_id,truth_role,operation\n1,core,op\n\"2\",organic,\n").unwrap();
        assert_eq!(truth, vec![t("1", TruthRole::Core, "op"), t("2", TruthRole::Organic, "")]);
        let acc = b"account_id,screen_name,role,cluster,score,reasons\n1,x,core,0,0.9,\"a, b\"\n2,y,unflagged,,0,\n";
        let pred = parse_roles_csv(acc).unwrap();
        assert_eq!(pred, vec![pc("1", Role::Core, 0), p("2", Role::Unflagged)]);
        let err = parse_roles_csv(b"account_id,role,cluster\n1,core,x\n").unwrap_err();
        assert!(err.contains("cluster `x`"), "{err}");
        let err = parse_roles_csv(b"account_id,role\n1,boss\n").unwrap_err();
        assert!(err.contains("record 2") && err.contains("boss"), "{err}");
        let err = parse_truth_csv(b"id,truth_role,operation\n").unwrap_err();
        assert!(err.contains("account_id"), "{err}");
    }
}
