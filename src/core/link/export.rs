//! The link exports: `links.csv`, `link_accounts.csv`, `overlap.csv`, `joint.gexf`,
//! `joint.graphml` and `link_report.json`. Each writes to any `std::io::Write`; the same
//! functions serve `chorus link --out DIR` and the browser. Deterministic; every string from the
//! data goes through the export helpers ([`csv_text`], [`xml_text`], [`xml_attr`]).

use super::{Input, LinkResult, TieKind};
use crate::core::detect::Role;
use crate::core::export::csv::{Cell, CsvOut};
use crate::core::export::{graph_nodes, to_vec, xml_attr, xml_text, ExportFile, InputFingerprint};
use crate::core::model::{AccountIdx, NONE};
use serde::Serialize;
use std::io::{self, Write};

/// Columns of `links.csv`.
pub const LINKS_COLUMNS: [&str; 17] = [
    "dataset_a",
    "cluster_a",
    "dataset_b",
    "cluster_b",
    "linked",
    "strength",
    "normalised",
    "expected",
    "shared_accounts",
    "shared_texts",
    "near_texts",
    "shared_urls",
    "shared_domains",
    "shared_hashtags",
    "amplification",
    "co_actions",
    "evidence",
];

/// Columns of `link_accounts.csv`.
pub const LINK_ACCOUNTS_COLUMNS: [&str; 9] =
    ["dataset", "account_id", "screen_name", "role", "cluster", "other_dataset", "ties", "weight", "re_emergent"];

/// Names of the six link exports.
pub const LINK_FILE_NAMES: [&str; 6] =
    ["links.csv", "link_accounts.csv", "overlap.csv", "joint.gexf", "joint.graphml", "link_report.json"];

/// The crate's CSV sink ([`CsvOut`]), with cells given as (is text, value): text cells are
/// neutralised by `csv_text`, numbers written as they are.
struct Csv<'w, W: Write>(CsvOut<'w, W>);

impl<'w, W: Write> Csv<'w, W> {
    fn new(w: &'w mut W) -> Self {
        Csv(CsvOut::new(w))
    }
    fn row(&mut self, cells: &[(bool, &str)]) -> io::Result<()> {
        let cells: Vec<Cell<'_>> =
            cells.iter().map(|&(text, c)| if text { Cell::Text(c) } else { Cell::Raw(c) }).collect();
        self.0.row(&cells)
    }
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{v:.3}");
    let t = s.trim_end_matches('0').trim_end_matches('.');
    if t.is_empty() || t == "-0" {
        "0".into()
    } else {
        t.into()
    }
}

fn cluster_cell(c: u32) -> String {
    if c == NONE {
        String::new()
    } else {
        c.to_string()
    }
}

/// `links.csv`: dataset pairs (empty cluster cells) then cluster pairs, strongest first; `linked`,
/// the absolute `strength`, the size-normalised `normalised` and the chance screen-name score
/// `expected` (see [`super::Link`]), then the counts of each kind of tie.
pub fn links_csv(inputs: &[Input<'_>], r: &LinkResult, w: &mut impl Write) -> io::Result<()> {
    let mut out = Csv::new(w);
    let header: Vec<(bool, &str)> = LINKS_COLUMNS.iter().map(|c| (false, *c)).collect();
    out.row(&header)?;
    for l in &r.links {
        let c = |k: TieKind| l.counts[k as usize].to_string();
        let cells = [
            inputs[l.dataset_a as usize].0.to_string(),
            cluster_cell(l.cluster_a),
            inputs[l.dataset_b as usize].0.to_string(),
            cluster_cell(l.cluster_b),
            if l.linked { "true" } else { "false" }.to_string(),
            num(l.strength),
            num(l.normalised),
            num(l.expected),
            (l.counts[TieKind::AccountId as usize] + l.counts[TieKind::ScreenName as usize]).to_string(),
            c(TieKind::Text),
            c(TieKind::NearText),
            c(TieKind::Url),
            c(TieKind::Domain),
            c(TieKind::Hashtag),
            c(TieKind::Amplification),
            c(TieKind::CoAction),
            l.evidence.join("; "),
        ];
        let row: Vec<(bool, &str)> =
            cells.iter().enumerate().map(|(k, s)| (matches!(k, 0 | 2 | 16), s.as_str())).collect();
        out.row(&row)?;
    }
    Ok(())
}

/// `link_accounts.csv`: one row per (account, other dataset) tie.
pub fn link_accounts_csv(inputs: &[Input<'_>], r: &LinkResult, w: &mut impl Write) -> io::Result<()> {
    let mut out = Csv::new(w);
    let header: Vec<(bool, &str)> = LINK_ACCOUNTS_COLUMNS.iter().map(|c| (false, *c)).collect();
    out.row(&header)?;
    for t in &r.accounts {
        let (name, ds, an) = inputs[t.dataset as usize];
        let v = an.accounts.get(t.account as usize);
        let cells = [
            name.to_string(),
            ds.accounts.ids.resolve(t.account).to_string(),
            ds.accounts.screen_name.get(t.account as usize).map_or(String::new(), |s| s.to_string()),
            v.map_or("unflagged", |v| v.role.as_str()).to_string(),
            cluster_cell(v.map_or(NONE, |v| v.cluster)),
            inputs[t.other as usize].0.to_string(),
            TieKind::names(t.kinds),
            num(t.weight),
            if t.re_emergent { "true" } else { "false" }.to_string(),
        ];
        let row: Vec<(bool, &str)> =
            cells.iter().enumerate().map(|(k, s)| (matches!(k, 0..=3 | 5 | 6), s.as_str())).collect();
        out.row(&row)?;
    }
    Ok(())
}

/// `overlap.csv`: the dataset × dataset (absolute) strength matrix (first column and header:
/// names); the normalised matrix is in `link_report.json` (`normalised_overlap`).
pub fn overlap_csv(inputs: &[Input<'_>], r: &LinkResult, w: &mut impl Write) -> io::Result<()> {
    let mut out = Csv::new(w);
    let mut header = vec![(false, "dataset")];
    header.extend(inputs.iter().map(|x| (true, x.0)));
    out.row(&header)?;
    for (i, row) in r.overlap.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|&v| num(v)).collect();
        let mut line = vec![(true, inputs[i].0)];
        line.extend(cells.iter().map(|s| (false, s.as_str())));
        out.row(&line)?;
    }
    Ok(())
}

/// A node of the joint network: (dataset, account).
struct Joint {
    nodes: Vec<(u16, AccountIdx)>,
    /// Per node: tie kinds and re-emergence over all other datasets.
    ties: Vec<(u16, bool)>,
    /// (source node, target node, weight, kind label)
    edges: Vec<(usize, usize, f64, String)>,
}

fn joint(inputs: &[Input<'_>], r: &LinkResult) -> Joint {
    let mut nodes: Vec<(u16, AccountIdx)> = Vec::new();
    for (d, (_, ds, an)) in inputs.iter().enumerate() {
        nodes.extend(graph_nodes(ds, an).into_iter().map(|a| (d as u16, a)));
    }
    nodes.extend(r.accounts.iter().map(|t| (t.dataset, t.account)));
    for e in &r.cross_edges {
        nodes.push((e.0, e.1));
        nodes.push((e.2, e.3));
    }
    nodes.sort_unstable();
    nodes.dedup();
    let pos = |d: u16, a: AccountIdx| nodes.binary_search(&(d, a)).ok();
    let mut edges = Vec::new();
    for (d, (_, ds, an)) in inputs.iter().enumerate() {
        for e in &an.edges {
            if (e.a as usize) < ds.n_accounts() && (e.b as usize) < ds.n_accounts() {
                if let (Some(x), Some(y)) = (pos(d as u16, e.a), pos(d as u16, e.b)) {
                    edges.push((x, y, e.weight as f64, crate::core::export::method_names(e.methods)));
                }
            }
        }
    }
    for e in &r.cross_edges {
        if let (Some(x), Some(y)) = (pos(e.0, e.1), pos(e.2, e.3)) {
            edges.push((x, y, r.params.kind_weights[e.4 as usize], e.4.name().to_string()));
        }
    }
    let mut ties = vec![(0u16, false); nodes.len()];
    for t in &r.accounts {
        if let Some(k) = pos(t.dataset, t.account) {
            ties[k].0 |= t.kinds;
            ties[k].1 |= t.re_emergent;
        }
    }
    Joint { nodes, ties, edges }
}

struct NodeInfo {
    dataset: String,
    account_id: String,
    screen_name: String,
    role: &'static str,
    cluster: String,
    ties: String,
    re_emergent: bool,
}

impl NodeInfo {
    /// The node attributes of the joint network, in the order both GEXF and GraphML write them.
    fn attributes(&self) -> [(&'static str, &str); 7] {
        [
            ("dataset", self.dataset.as_str()),
            ("account_id", &self.account_id),
            ("screen_name", &self.screen_name),
            ("role", self.role),
            ("cluster", &self.cluster),
            ("ties", &self.ties),
            ("re_emergent", if self.re_emergent { "true" } else { "false" }),
        ]
    }
}

fn node_info(inputs: &[Input<'_>], j: &Joint, k: usize) -> NodeInfo {
    let (d, a) = j.nodes[k];
    let (name, ds, an) = inputs[d as usize];
    let v = an.accounts.get(a as usize);
    let (kinds, re) = j.ties[k];
    NodeInfo {
        dataset: name.to_string(),
        account_id: ds.accounts.ids.resolve(a).to_string(),
        screen_name: ds.accounts.screen_name.get(a as usize).map_or(String::new(), |s| s.to_string()),
        role: v.map_or(Role::Unflagged, |v| v.role).as_str(),
        cluster: cluster_cell(v.map_or(NONE, |v| v.cluster)),
        ties: TieKind::names(kinds),
        re_emergent: re,
    }
}

/// `joint.gexf`: GEXF 1.3 of the joint network: every dataset's coordination network plus the
/// cross-dataset ties; node ids `n0…`, attributes dataset, account_id, screen_name, role, cluster,
/// ties, re_emergent.
pub fn joint_gexf(inputs: &[Input<'_>], r: &LinkResult, w: &mut impl Write) -> io::Result<()> {
    let j = joint(inputs, r);
    let mut b = String::with_capacity(1 << 16);
    b.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n",
        "  <meta>\n    <creator>Chorus "
    ));
    b.push_str(env!("CARGO_PKG_VERSION"));
    b.push_str("</creator>\n    <description>Joint network of linked datasets: ");
    let names: Vec<&str> = inputs.iter().map(|x| x.0).collect();
    xml_text(&mut b, &names.join(", "));
    b.push_str(concat!(
        "</description>\n  </meta>\n",
        "  <graph defaultedgetype=\"undirected\" mode=\"static\">\n",
        "    <attributes class=\"node\" mode=\"static\">\n",
        "      <attribute id=\"dataset\" title=\"dataset\" type=\"string\"/>\n",
        "      <attribute id=\"account_id\" title=\"account_id\" type=\"string\"/>\n",
        "      <attribute id=\"screen_name\" title=\"screen_name\" type=\"string\"/>\n",
        "      <attribute id=\"role\" title=\"role\" type=\"string\"/>\n",
        "      <attribute id=\"cluster\" title=\"cluster\" type=\"string\"/>\n",
        "      <attribute id=\"ties\" title=\"ties\" type=\"string\"/>\n",
        "      <attribute id=\"re_emergent\" title=\"re_emergent\" type=\"boolean\"/>\n",
        "    </attributes>\n",
        "    <attributes class=\"edge\" mode=\"static\">\n",
        "      <attribute id=\"kind\" title=\"kind\" type=\"string\"/>\n",
        "    </attributes>\n",
        "    <nodes>\n"
    ));
    for k in 0..j.nodes.len() {
        let n = node_info(inputs, &j, k);
        let label = if n.screen_name.is_empty() { &n.account_id } else { &n.screen_name };
        b.push_str(&format!("      <node id=\"n{k}\" label=\""));
        xml_attr(&mut b, label);
        b.push_str("\">\n        <attvalues>\n");
        for (key, val) in n.attributes() {
            b.push_str(&format!("          <attvalue for=\"{key}\" value=\""));
            xml_attr(&mut b, val);
            b.push_str("\"/>\n");
        }
        b.push_str("        </attvalues>\n      </node>\n");
        if b.len() > 1 << 16 {
            w.write_all(b.as_bytes())?;
            b.clear();
        }
    }
    b.push_str("    </nodes>\n    <edges>\n");
    for (k, (x, y, wt, kind)) in j.edges.iter().enumerate() {
        b.push_str(&format!("      <edge id=\"e{k}\" source=\"n{x}\" target=\"n{y}\" weight=\"{}\">\n", num(*wt)));
        b.push_str("        <attvalues><attvalue for=\"kind\" value=\"");
        xml_attr(&mut b, kind);
        b.push_str("\"/></attvalues>\n      </edge>\n");
        if b.len() > 1 << 16 {
            w.write_all(b.as_bytes())?;
            b.clear();
        }
    }
    b.push_str("    </edges>\n  </graph>\n</gexf>\n");
    w.write_all(b.as_bytes())
}

/// `joint.graphml`: the same joint network as [`joint_gexf`] in GraphML.
pub fn joint_graphml(inputs: &[Input<'_>], r: &LinkResult, w: &mut impl Write) -> io::Result<()> {
    let j = joint(inputs, r);
    let mut b = String::with_capacity(1 << 16);
    b.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
        "  <key id=\"dataset\" for=\"node\" attr.name=\"dataset\" attr.type=\"string\"/>\n",
        "  <key id=\"account_id\" for=\"node\" attr.name=\"account_id\" attr.type=\"string\"/>\n",
        "  <key id=\"screen_name\" for=\"node\" attr.name=\"screen_name\" attr.type=\"string\"/>\n",
        "  <key id=\"role\" for=\"node\" attr.name=\"role\" attr.type=\"string\"/>\n",
        "  <key id=\"cluster\" for=\"node\" attr.name=\"cluster\" attr.type=\"string\"/>\n",
        "  <key id=\"ties\" for=\"node\" attr.name=\"ties\" attr.type=\"string\"/>\n",
        "  <key id=\"re_emergent\" for=\"node\" attr.name=\"re_emergent\" attr.type=\"boolean\"/>\n",
        "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n",
        "  <key id=\"kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n",
        "  <graph id=\"joint\" edgedefault=\"undirected\">\n",
        "    <desc>Chorus "
    ));
    b.push_str(env!("CARGO_PKG_VERSION"));
    b.push_str(": joint network of ");
    let names: Vec<&str> = inputs.iter().map(|x| x.0).collect();
    xml_text(&mut b, &names.join(", "));
    b.push_str("</desc>\n");
    for k in 0..j.nodes.len() {
        let n = node_info(inputs, &j, k);
        b.push_str(&format!("    <node id=\"n{k}\">\n"));
        for (key, val) in n.attributes() {
            b.push_str(&format!("      <data key=\"{key}\">"));
            xml_text(&mut b, val);
            b.push_str("</data>\n");
        }
        b.push_str("    </node>\n");
        if b.len() > 1 << 16 {
            w.write_all(b.as_bytes())?;
            b.clear();
        }
    }
    for (k, (x, y, wt, kind)) in j.edges.iter().enumerate() {
        b.push_str(&format!(
            "    <edge id=\"e{k}\" source=\"n{x}\" target=\"n{y}\"><data key=\"weight\">{}</data><data key=\"kind\">",
            num(*wt)
        ));
        xml_text(&mut b, kind);
        b.push_str("</data></edge>\n");
        if b.len() > 1 << 16 {
            w.write_all(b.as_bytes())?;
            b.clear();
        }
    }
    b.push_str("  </graph>\n</graphml>\n");
    w.write_all(b.as_bytes())
}

/// `link_report.json`: parameters, version, inputs, per-dataset counts, the matrix and the
/// dataset-level links.
#[derive(Serialize)]
pub struct LinkReport<'a> {
    pub chorus_version: &'static str,
    pub params: &'a super::LinkParams,
    /// The detection parameters every dataset was analysed with before linking.
    pub detect_params: &'a crate::core::detect::DetectParams,
    /// Input files of each dataset, in dataset order.
    pub inputs: &'a [Vec<InputFingerprint>],
    pub datasets: &'a [super::DatasetSummary],
    pub overlap: &'a [Vec<f64>],
    pub normalised_overlap: &'a [Vec<f64>],
    pub dataset_links: Vec<&'a super::Link>,
    pub n_cluster_links: usize,
    pub n_linked_cluster_pairs: usize,
    pub n_account_ties: usize,
    pub n_re_emergent: usize,
}

/// Write `link_report.json` (pretty JSON). `inputs[d]` are dataset `d`'s input files; every
/// dataset was analysed with `detect_params`.
pub fn link_report_json(
    r: &LinkResult,
    inputs: &[Vec<InputFingerprint>],
    detect_params: &crate::core::detect::DetectParams,
    w: &mut impl Write,
) -> io::Result<()> {
    let rep = LinkReport {
        chorus_version: env!("CARGO_PKG_VERSION"),
        params: &r.params,
        detect_params,
        inputs,
        datasets: &r.datasets,
        overlap: &r.overlap,
        normalised_overlap: &r.normalised_overlap,
        dataset_links: r.links.iter().filter(|l| l.cluster_a == NONE).collect(),
        n_cluster_links: r.links.iter().filter(|l| l.cluster_a != NONE).count(),
        n_linked_cluster_pairs: r.links.iter().filter(|l| l.cluster_a != NONE && l.linked).count(),
        n_account_ties: r.accounts.len(),
        n_re_emergent: r.accounts.iter().filter(|t| t.re_emergent).count(),
    };
    serde_json::to_writer_pretty(&mut *w, &rep).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

/// All six link exports in memory, in the order of [`LINK_FILE_NAMES`].
pub fn export_link_all(
    inputs: &[Input<'_>],
    r: &LinkResult,
    files: &[Vec<InputFingerprint>],
    detect_params: &crate::core::detect::DetectParams,
) -> io::Result<Vec<ExportFile>> {
    let csv = "text/csv;charset=utf-8";
    Ok(vec![
        ExportFile { name: LINK_FILE_NAMES[0], mime: csv, bytes: to_vec(|w| links_csv(inputs, r, w))? },
        ExportFile { name: LINK_FILE_NAMES[1], mime: csv, bytes: to_vec(|w| link_accounts_csv(inputs, r, w))? },
        ExportFile { name: LINK_FILE_NAMES[2], mime: csv, bytes: to_vec(|w| overlap_csv(inputs, r, w))? },
        ExportFile {
            name: LINK_FILE_NAMES[3],
            mime: "application/gexf+xml",
            bytes: to_vec(|w| joint_gexf(inputs, r, w))?,
        },
        ExportFile {
            name: LINK_FILE_NAMES[4],
            mime: "application/graphml+xml",
            bytes: to_vec(|w| joint_graphml(inputs, r, w))?,
        },
        ExportFile {
            name: LINK_FILE_NAMES[5],
            mime: "application/json",
            bytes: to_vec(|w| link_report_json(r, files, detect_params, w))?,
        },
    ])
}
