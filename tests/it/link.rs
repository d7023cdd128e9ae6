//! Linking datasets: planted links found with evidence, planted non-links left alone, co-action
//! and amplification across datasets, deterministic and well-formed exports, the CLI.

use chorus::core::detect::{analyze, AccountVerdict, Analysis, DetectParams, Role};
use chorus::core::ingest::{AccountRecord, DatasetBuilder, IngestOptions, PostRecord};
use chorus::core::link::{self, export as lx, planted, LinkParams, LinkResult, TieKind};
use chorus::core::model::{Dataset, Kind, Position, NONE};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

struct Fixture {
    p: planted::Planted,
    analyses: Vec<Analysis>,
}

/// The planted datasets (scale 0.5) and their analyses, built once for all tests.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let p = planted::planted(7, 0.5);
        let analyses = p
            .datasets
            .iter()
            .map(|(_, ds)| analyze(ds, &DetectParams::default(), &mut |_, _| {}, &|| false).expect("analysis"))
            .collect();
        Fixture { p, analyses }
    })
}

fn inputs(f: &Fixture) -> Vec<link::Input<'_>> {
    f.p.datasets.iter().zip(&f.analyses).map(|((n, ds), an)| (n.as_str(), ds, an)).collect()
}

fn result() -> &'static LinkResult {
    static R: OnceLock<LinkResult> = OnceLock::new();
    R.get_or_init(|| link::link(&inputs(fixture()), &LinkParams::default()))
}

#[test]
fn planted_link_is_found_with_evidence() {
    let r = result();
    let ab = r.dataset_link(0, 1).expect("A–B link");
    assert!(ab.linked, "A–B strength {}", ab.strength);
    let c = |k: TieKind| ab.counts[k as usize];
    assert!(c(TieKind::AccountId) >= 1, "reused accounts: {:?}", ab.counts);
    assert!(c(TieKind::ScreenName) >= 1, "reused screen names: {:?}", ab.counts);
    assert!(c(TieKind::Text) >= 5 && c(TieKind::NearText) >= 3, "texts: {:?}", ab.counts);
    // B reuses three of A's hashtags; one of them C uses too, which makes it common
    assert!(c(TieKind::Hashtag) >= 2 && c(TieKind::Url) >= 3, "hashtags / URLs: {:?}", ab.counts);
    assert!(c(TieKind::Amplification) >= 5, "amplification: {:?}", ab.counts);
    let text = ab.evidence.join("; ");
    for needle in ["accounts shared by id, e.g. @", "identical rare texts, e.g. '", "rare hashtags shared, e.g. #"] {
        assert!(text.contains(needle), "evidence lacks `{needle}`: {text}");
    }
    let s = planted::score(&fixture().p, &fixture().analyses, r);
    assert_eq!(s.dataset_links_found, 1);
    assert!(s.cluster_pairs_planted >= 1 && s.cluster_recall() >= 0.99, "{s:?}");
    assert!(s.cluster_precision() >= 0.9, "{s:?}");
    assert!(s.account_recall() >= 0.9 && s.account_precision() >= 0.9, "{s:?}");
    assert!(s.re_emergence_recall() >= 0.9 && s.re_emergence_precision() >= 0.9, "{s:?}");
    // the reused accounts are listed with the kind of tie
    let f = fixture();
    let shared: Vec<&str> = r
        .accounts
        .iter()
        .filter(|t| t.dataset == 1 && t.kinds & TieKind::AccountId.bit() != 0)
        .map(|t| f.p.datasets[1].1.accounts.ids.resolve(t.account))
        .collect();
    assert!(!shared.is_empty() && shared.iter().all(|id| f.p.operation_accounts[0].iter().any(|a| a == id)));
}

#[test]
fn planted_non_links_stay_below_the_threshold() {
    let r = result();
    for (a, b) in [(0, 2), (1, 2)] {
        let l = r.dataset_link(a, b).expect("every pair is listed");
        assert!(!l.linked && l.strength < r.params.min_strength / 2.0, "{a}–{b}: {} {:?}", l.strength, l.evidence);
    }
    assert!(r.links.iter().filter(|l| l.dataset_b == 2 || l.dataset_a == 2).all(|l| !l.linked));
    // the campaign hashtag C shares with A (and B) by coincidence is used by three operations:
    // too common to weigh anything
    assert_eq!(r.dataset_link(0, 2).unwrap().counts[TieKind::Hashtag as usize], 0);
    assert!(r.accounts.iter().all(|t| t.dataset != 2 && t.other != 2), "C's accounts tie to nothing");
    assert_eq!(r.overlap[0][2], r.overlap[2][0]);
    assert!(r.overlap[0][1] >= r.params.min_strength);
}

fn analyse_all(datasets: &[(String, Dataset)]) -> Vec<Analysis> {
    datasets
        .iter()
        .map(|(_, ds)| analyze(ds, &DetectParams::default(), &mut |_, _| {}, &|| false).expect("analysis"))
        .collect()
}

#[test]
fn planted_link_and_non_links_hold_at_scale_3() {
    let p = planted::planted(11, 3.0);
    let analyses = analyse_all(&p.datasets);
    // each operation works in cells of 4 core and 12 amplifier accounts: detection finds them
    // (with every amplifier boosting a share of all the core's posts, it found none at scale 3)
    for (d, an) in analyses.iter().enumerate() {
        assert!(an.clusters.len() >= 6, "dataset {d}: {} clusters", an.clusters.len());
    }
    let ins: Vec<link::Input<'_>> =
        p.datasets.iter().zip(&analyses).map(|((n, ds), an)| (n.as_str(), ds, an)).collect();
    let r = link::link(&ins, &LinkParams::default());
    let s = planted::score(&p, &analyses, &r);
    assert_eq!((s.dataset_links_found, s.dataset_non_links_linked), (1, 0), "{s:?}");
    assert!(s.cluster_recall() >= 0.9 && s.cluster_precision() >= 0.9, "{s:?}");
    assert!(s.account_recall() >= 0.9 && s.account_precision() >= 0.9, "{s:?}");
    let min = r.params.min_normalised;
    let ab = r.dataset_link(0, 1).unwrap();
    assert!(ab.normalised >= 4.0 * min, "A–B normalised {}", ab.normalised);
    for (a, b) in [(0, 2), (1, 2)] {
        let l = r.dataset_link(a, b).unwrap();
        assert!(!l.linked && l.normalised < min / 4.0, "{a}–{b}: {} / {} {:?}", l.strength, l.normalised, l.evidence);
    }
}

#[test]
fn unrelated_synthetic_datasets_of_two_seeds_are_not_linked() {
    use chorus::core::synth;
    let sets: Vec<(String, Dataset)> = [1u64, 2]
        .iter()
        .map(|&seed| {
            let data = synth::generate(&synth::scenario("copy-paste", seed, 1.0).unwrap()).unwrap();
            (format!("seed {seed}"), synth::to_dataset(&data))
        })
        .collect();
    let analyses = analyse_all(&sets);
    assert!(analyses.iter().all(|an| !an.clusters.is_empty()), "detection finds each dataset's operations");
    let ins: Vec<link::Input<'_>> = sets.iter().zip(&analyses).map(|((n, ds), an)| (n.as_str(), ds, an)).collect();
    let r = link::link(&ins, &LinkParams::default());
    let l = r.dataset_link(0, 1).unwrap();
    // two operations of one style and language over the same months: they share popular and
    // tail vocabulary, generic amplifier texts posted within minutes of each other and handles
    // built from the same names, enough for the absolute strength to pass the threshold many
    // times; relative to what each side carries, the overlap is small
    assert!(l.strength > 4.0 * r.params.min_strength, "strength {} {:?}", l.strength, l.evidence);
    assert!(!l.linked, "strength {} normalised {} expected {} {:?}", l.strength, l.normalised, l.expected, l.evidence);
    assert!(l.normalised < r.params.min_normalised / 4.0, "normalised {}", l.normalised);
    // screen names shared under other ids: no more than chance collisions of the handles
    let names = l.scores[TieKind::ScreenName as usize];
    assert!(names <= 2.0 * l.expected + 2.0, "screen names {names}, expected by chance {}", l.expected);
    assert!(r.links.iter().all(|l| !l.linked), "no cluster pair linked");
    assert!(r.accounts.iter().all(|t| !t.re_emergent), "no re-emergence between unrelated datasets");
    assert!(r.normalised_overlap[0][1] == l.normalised && r.normalised_overlap[1][0] == l.normalised);
}

#[test]
fn popular_items_weigh_nothing_when_rarity_is_strict() {
    // with a rarity cap below the operation's size, its hashtags are popular too and A–B weakens
    let f = fixture();
    let strict = LinkParams { rare_max_share: 0.001, ..LinkParams::default() };
    let r = link::link(&inputs(f), &strict);
    let ab = r.dataset_link(0, 1).unwrap();
    assert!(
        ab.scores[TieKind::Hashtag as usize] < result().dataset_link(0, 1).unwrap().scores[TieKind::Hashtag as usize]
    );
}

#[test]
fn deterministic_and_independent_of_input_order() {
    let f = fixture();
    let ins = inputs(f);
    let again = link::link(&ins, &LinkParams::default());
    assert_eq!(&again, result());
    let files = vec![Vec::new(); 3];
    let one = lx::export_link_all(&ins, result(), &files, &Default::default()).unwrap();
    let two = lx::export_link_all(&ins, &again, &files, &Default::default()).unwrap();
    assert_eq!(one, two);
    // reversed order: same strengths for the same pairs
    let rev: Vec<link::Input<'_>> = ins.iter().rev().copied().collect();
    let r = link::link(&rev, &LinkParams::default());
    let s = |r: &LinkResult, a, b| r.dataset_link(a, b).map(|l| l.strength).unwrap();
    assert!((s(&r, 1, 2) - s(result(), 0, 1)).abs() < 1e-9);
    assert!((s(&r, 0, 2) - s(result(), 0, 2)).abs() < 1e-9);
}

#[test]
fn joint_network_files_are_well_formed_with_a_dataset_per_node() {
    let f = fixture();
    let ins = inputs(f);
    let r = result();
    let gexf = String::from_utf8(
        link::export::export_link_all(&ins, r, &[vec![], vec![], vec![]], &Default::default()).unwrap()[3]
            .bytes
            .clone(),
    )
    .unwrap();
    let doc = roxmltree::Document::parse(&gexf).expect("joint.gexf parses");
    let nodes: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("node")).collect();
    assert!(nodes.len() > 50);
    let ids: std::collections::BTreeSet<&str> = nodes.iter().filter_map(|n| n.attribute("id")).collect();
    assert_eq!(ids.len(), nodes.len());
    for n in &nodes {
        let ds = n
            .descendants()
            .find(|a| a.has_tag_name("attvalue") && a.attribute("for") == Some("dataset"))
            .and_then(|a| a.attribute("value"));
        assert!(matches!(ds, Some("A" | "B" | "C")), "node without dataset");
    }
    let edges: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("edge")).collect();
    assert!(edges
        .iter()
        .all(|e| ids.contains(e.attribute("source").unwrap()) && ids.contains(e.attribute("target").unwrap())));
    assert!(
        edges.iter().any(|e| e.descendants().any(|a| a.attribute("value") == Some("shared_id"))),
        "cross-dataset edges"
    );

    let mut graphml = Vec::new();
    lx::joint_graphml(&ins, r, &mut graphml).unwrap();
    let graphml = String::from_utf8(graphml).unwrap();
    let doc = roxmltree::Document::parse(&graphml).expect("joint.graphml parses");
    let gnodes: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("node")).collect();
    assert_eq!(gnodes.len(), nodes.len());
    assert!(gnodes.iter().all(|n| n
        .children()
        .any(|d| d.attribute("key") == Some("dataset") && d.text().is_some_and(|t| !t.is_empty()))));
}

// ---- small hand-made datasets ---------------------------------------------------------------

struct Small {
    b: DatasetBuilder,
    n: u64,
}

impl Small {
    fn new() -> Small {
        let mut b = DatasetBuilder::new(IngestOptions::default());
        b.begin_file("small.csv");
        Small { b, n: 0 }
    }
    fn account(&mut self, id: &str, name: &str) {
        self.n += 1;
        let rec = AccountRecord { id: id.into(), screen_name: name.into(), ..Default::default() };
        self.b.add_account(&rec, &Position { record: self.n, line: self.n + 1, byte: 0 });
    }
    fn post(&mut self, id: u64, author: &str, t_s: i64, text: &str, mentions: &[&str]) {
        self.n += 1;
        let r = PostRecord {
            id: id.to_string(),
            author: AccountRecord { id: author.into(), ..Default::default() },
            time_ms: 1_600_000_000_000 + t_s * 1000,
            kind: Kind::Post,
            text: text.into(),
            mentions: mentions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        self.b.add_post(&r, &Position { record: self.n, line: self.n + 1, byte: 0 });
    }
    fn finish(self) -> Dataset {
        self.b.finish().0
    }
}

/// An analysis that flags every account as core of cluster 0.
fn all_flagged(ds: &Dataset) -> Analysis {
    let v = AccountVerdict { role: Role::Core, cluster: 0, score: 1.0, reasons: Vec::new() };
    Analysis {
        params: DetectParams::default(),
        accounts: vec![v; ds.n_accounts()],
        clusters: Vec::new(),
        edges: Vec::new(),
        methods: Vec::new(),
        warnings: Vec::new(),
    }
}

fn unflagged(ds: &Dataset) -> Analysis {
    let v = AccountVerdict { role: Role::Unflagged, cluster: NONE, score: 0.0, reasons: Vec::new() };
    Analysis { accounts: vec![v; ds.n_accounts()], ..all_flagged(ds) }
}

/// Two datasets of the same days: x1..x3 in X and y1..y3 in Y post the same texts within
/// seconds; y4 mentions X's @xname.
fn co_acting() -> (Dataset, Dataset) {
    let (mut x, mut y) = (Small::new(), Small::new());
    for k in 1..=3 {
        x.account(&format!("x{k}"), &format!("xname{k}"));
        y.account(&format!("y{k}"), &format!("yname{k}"));
    }
    y.account("y4", "yname4");
    // filler accounts so that the shared texts are rare
    for k in 0..60 {
        x.account(&format!("fx{k}"), &format!("fx{k}"));
        y.account(&format!("fy{k}"), &format!("fy{k}"));
        x.post(10_000 + k, &format!("fx{k}"), k as i64 * 1000, &format!("ordinary words number {k} in x"), &[]);
        y.post(20_000 + k, &format!("fy{k}"), k as i64 * 1000, &format!("other ordinary words {k} in y"), &[]);
    }
    for obj in 0..4u64 {
        let text = format!("the coordinated slogan number {obj} repeated by the network today");
        for k in 1..=3u64 {
            x.post(100 + obj * 10 + k, &format!("x{k}"), (obj * 3600 + k) as i64, &text, &[]);
            y.post(200 + obj * 10 + k, &format!("y{k}"), (obj * 3600 + k + 20) as i64, &text, &[]);
        }
    }
    y.post(300, "y4", 50, "look at what @xname1 says", &["xname1"]);
    (x.finish(), y.finish())
}

#[test]
fn co_action_and_mentions_across_datasets() {
    let (x, y) = co_acting();
    let (ax, ay) = (all_flagged(&x), all_flagged(&y));
    let r = link::link(&[("X", &x, &ax), ("Y", &y, &ay)], &LinkParams::default());
    let l = r.dataset_link(0, 1).unwrap();
    assert_eq!(l.counts[TieKind::CoAction as usize], 4, "{:?}", l.evidence);
    assert_eq!(l.counts[TieKind::Text as usize], 4);
    assert!(l.counts[TieKind::Amplification as usize] >= 1, "the mention of @xname1");
    assert!(l.linked);
    let y4 = y.accounts.ids.get("y4").unwrap();
    assert!(r
        .accounts
        .iter()
        .any(|t| t.dataset == 1 && t.account == y4 && t.kinds & TieKind::Amplification.bit() != 0));
    assert!(r.cross_edges.iter().any(|e| e.4 == TieKind::CoAction));

    // the same content among unflagged audiences is no link between operations
    let (ux, uy) = (unflagged(&x), unflagged(&y));
    let r = link::link(&[("X", &x, &ux), ("Y", &y, &uy)], &LinkParams::default());
    let l = r.dataset_link(0, 1).unwrap();
    assert!(!l.linked && l.strength == 0.0, "{:?}", l.evidence);
}

#[test]
fn hostile_names_are_neutralised_in_the_exports() {
    let (x, y) = co_acting();
    let (ax, ay) = (all_flagged(&x), all_flagged(&y));
    let names = ["=HYPERLINK(\"http://evil\")", "<b>&y"];
    let ins: Vec<link::Input<'_>> = vec![(names[0], &x, &ax), (names[1], &y, &ay)];
    let r = link::link(&ins, &LinkParams::default());
    let mut csv = Vec::new();
    lx::overlap_csv(&ins, &r, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    let mut links = Vec::new();
    lx::links_csv(&ins, &r, &mut links).unwrap();
    assert!(String::from_utf8(links).unwrap().lines().skip(1).all(|l| l.starts_with("\"'=HYPERLINK")));
    let mut g = Vec::new();
    lx::joint_gexf(&ins, &r, &mut g).unwrap();
    roxmltree::Document::parse(std::str::from_utf8(&g).unwrap()).expect("names escaped in XML");
}

#[test]
fn cli_links_two_datasets_and_writes_the_six_files() {
    use chorus::core::synth;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("link-cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut groups = Vec::new();
    for seed in [1u64, 2] {
        let data = synth::generate(&synth::scenario("copy-paste", seed, 0.05).unwrap()).unwrap();
        let t = dir.join(format!("s{seed}_tweets.csv"));
        let u = dir.join(format!("s{seed}_users.csv"));
        synth::write_tweets(&data, std::fs::File::create(&t).unwrap()).unwrap();
        synth::write_users(&data, std::fs::File::create(&u).unwrap()).unwrap();
        groups.push((t, u));
    }
    let out = dir.join("out");
    let s = |p: &Path| p.display().to_string();
    let o = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args(["link", "-q", &s(&groups[0].0), &s(&groups[0].1), "--", &s(&groups[1].0), &s(&groups[1].1)])
        .args(["--out", &s(&out), "--names", "first,second", "--param", "min_repetitions=3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in lx::LINK_FILE_NAMES {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let overlap = std::fs::read_to_string(out.join("overlap.csv")).unwrap();
    assert!(overlap.starts_with("dataset,first,second\r\n"), "{overlap}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("link_report.json")).unwrap()).unwrap();
    assert_eq!(report["inputs"][0][0]["path"], s(&groups[0].0));
    assert_eq!(report["datasets"][1]["name"], "second");
    assert_eq!(report["detect_params"]["min_repetitions"], 3, "--param reaches detection and the report");

    let bad = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args(["link", &s(&groups[0].0), "--out", &s(&out)])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least two datasets"));
}

#[test]
fn takedown_archives_link_through_every_account_when_asked() {
    // nothing flagged (detection found no cluster), as in a takedown archive: by default no
    // content tie; with content_from_all_accounts the shared slogans link the datasets
    let (x, y) = co_acting();
    let (ux, uy) = (unflagged(&x), unflagged(&y));
    let p = LinkParams { content_from_all_accounts: true, ..LinkParams::default() };
    let r = link::link(&[("X", &x, &ux), ("Y", &y, &uy)], &p);
    let l = r.dataset_link(0, 1).unwrap();
    assert!(l.linked, "{:?}", l.evidence);
    assert_eq!(l.counts[TieKind::Text as usize], 4);
    assert_eq!(l.counts[TieKind::Amplification as usize], 0, "amplification still needs a flagged target");
}
