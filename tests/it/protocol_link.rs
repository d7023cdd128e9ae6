//! Linking through the worker protocol's pure session: the link demo (planted A, B, C), datasets
//! streamed in chunks like a single dataset, renaming and removing, the display-ready summary
//! (matrices, strongest links, shared and re-emergent accounts), one link's evidence, the exports,
//! and the single-dataset workspace left as it was; a CSV of no known format added with a column
//! mapping (and refused clearly without one, or with a wrong one); detection parameters carried
//! by `LinkRun` and reported with the result; the datasets added again to a fresh session (what
//! the link tab does after a cancelled run) linking exactly as before.

use chorus::core::detect::DetectParams;
use chorus::core::ingest::{ColumnMapping, IngestOptions};
use chorus::core::link::LinkParams;
use chorus::protocol::{FileMeta, LinkDatasets, LinkSummary, Request, Response, Session};
use std::sync::OnceLock;

fn ask(s: &mut Session, req: Request) -> Vec<Response> {
    let mut out = Vec::new();
    s.handle(req, &mut |r| out.push(r));
    out
}

fn datasets_of(out: &[Response]) -> &LinkDatasets {
    out.iter()
        .find_map(|r| if let Response::LinkDatasets(d) = r { Some(d) } else { None })
        .unwrap_or_else(|| panic!("no LinkDatasets in {out:?}"))
}

fn run(s: &mut Session) -> Vec<Response> {
    ask(s, Request::LinkRun { detect: DetectParams::default(), params: LinkParams::default() })
}

fn summary_of(out: &[Response]) -> &LinkSummary {
    match out.last() {
        Some(Response::Linked(l)) => l,
        other => panic!("expected Linked, got {other:?}"),
    }
}

/// The demo, linked once for all tests.
fn demo() -> &'static (Vec<Response>, LinkSummary) {
    static D: OnceLock<(Vec<Response>, LinkSummary)> = OnceLock::new();
    D.get_or_init(|| {
        let mut s = Session::new();
        let out = ask(&mut s, Request::LinkDemo);
        let out = [out, run(&mut s)].concat();
        let summary = summary_of(&out).clone();
        (out, summary)
    })
}

fn demo_session() -> Session {
    let mut s = Session::new();
    ask(&mut s, Request::LinkDemo);
    let out = run(&mut s);
    summary_of(&out);
    s
}

/// Stream `files` into a new link dataset named `name`, in chunks, as the worker shell does.
fn link_add(s: &mut Session, name: &str, files: &[(String, Vec<u8>)], chunk: usize) -> Response {
    link_add_with(s, name, files, chunk, IngestOptions::default())
}

/// [`link_add`] with ingest options (a column mapping).
fn link_add_with(
    s: &mut Session,
    name: &str,
    files: &[(String, Vec<u8>)],
    chunk: usize,
    options: IngestOptions,
) -> Response {
    let metas = files.iter().map(|(n, b)| FileMeta { name: n.clone(), size: b.len() as u64 }).collect();
    assert!(ask(s, Request::LinkAdd { name: name.into(), files: metas, options }).is_empty());
    for (i, (_, bytes)) in files.iter().enumerate() {
        s.ingest_file_start(i);
        for c in bytes.chunks(chunk) {
            s.ingest_chunk(c);
        }
        s.ingest_file_end();
        assert!(s.ingest_progress().is_some());
    }
    s.ingest_end()
}

fn synth_files(scenario: &str, seed: u64) -> Vec<(String, Vec<u8>)> {
    use chorus::core::synth;
    let d = synth::generate(&synth::scenario(scenario, seed, 0.1).unwrap()).unwrap();
    let (mut t, mut u) = (Vec::new(), Vec::new());
    synth::write_tweets(&d, &mut t).unwrap();
    synth::write_users(&d, &mut u).unwrap();
    vec![(format!("s{seed}_tweets_csv_hashed.csv"), t), (format!("s{seed}_users_csv_hashed.csv"), u)]
}

#[test]
fn demo_links_a_and_b_and_leaves_c_alone() {
    let (out, l) = demo();
    let first = datasets_of(out);
    let names: Vec<&str> = first.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["A-operation", "B-re-emergence", "C-unrelated"]);
    assert!(first.datasets.iter().all(|d| d.posts > 0 && d.clusters.is_none()), "not analysed before the run");
    // detection then linking report progress, and the datasets come back analysed
    assert!(out.iter().any(
        |r| matches!(r, Response::AnalysisProgress { stage, .. } if stage.contains("detecting in B-re-emergence"))
    ));
    assert!(out.iter().any(|r| matches!(r, Response::AnalysisProgress { stage, .. } if stage == "linking")));
    let after = out.iter().rev().find_map(|r| if let Response::LinkDatasets(d) = r { Some(d) } else { None }).unwrap();
    assert!(after.result_current && after.datasets.iter().all(|d| d.clusters.unwrap_or(0) >= 1), "{after:?}");

    assert_eq!(l.datasets.len(), 3);
    assert_eq!(l.kinds.len(), 9);
    let m = l.min_strength;
    assert!(l.overlap[0][1] >= m && l.overlap[1][0] == l.overlap[0][1], "A–B {}", l.overlap[0][1]);
    assert!(l.overlap[0][2] < m && l.overlap[1][2] < m, "C: {:?}", l.overlap);
    assert_eq!(l.dataset_links.len(), 3, "every pair listed");
    let ab = &l.dataset_links[0];
    assert!((ab.dataset_a, ab.dataset_b, ab.cluster_a, ab.linked) == (0, 1, None, true), "strongest first: {ab:?}");
    assert!(l.dataset_links[1..].iter().all(|r| !r.linked));
    assert!(ab.evidence.iter().any(|e| e.contains("accounts shared by id")), "{:?}", ab.evidence);
    assert_eq!(ab.counts.len(), 9);

    // the size-normalised score and the linking criteria come through
    assert_eq!(
        (l.min_strength, l.min_normalised),
        (LinkParams::default().min_strength, LinkParams::default().min_normalised)
    );
    assert_eq!(l.normalised_overlap.len(), 3);
    for (i, row) in l.normalised_overlap.iter().enumerate() {
        assert_eq!(row[i], 0.0);
        for (j, &v) in row.iter().enumerate() {
            assert!(v.is_finite() && v >= 0.0 && v == l.normalised_overlap[j][i], "{:?}", l.normalised_overlap);
        }
    }
    for r in &l.dataset_links {
        let (a, b) = (r.dataset_a as usize, r.dataset_b as usize);
        assert_eq!((r.normalised, r.strength), (l.normalised_overlap[a][b], l.overlap[a][b]), "{r:?}");
        assert!(r.expected.is_finite() && r.expected >= 0.0, "{r:?}");
        // a dataset pair is linked exactly when one of the criteria shown holds
        assert_eq!(r.linked, r.by_identity || r.by_content, "{r:?}");
    }
    assert!(ab.normalised >= l.min_normalised, "A–B normalised {}", ab.normalised);
    assert!(ab.by_identity, "B reuses A's accounts: {ab:?}");
    for r in &l.dataset_links[1..] {
        assert!(r.dataset_b == 2 && !r.by_identity && !r.by_content, "C meets no criterion: {r:?}");
    }
    assert!(
        ab.normalised > 4.0 * l.normalised_overlap[0][2].max(l.normalised_overlap[1][2]),
        "{:?}",
        l.normalised_overlap
    );

    // the cluster matrix: A's and B's operation clusters tie, C's clusters tie to nothing linked
    let n = l.cluster_labels.len();
    assert!((2..=chorus::protocol::link::MAX_MATRIX_CLUSTERS).contains(&n) && l.cluster_matrix.len() == n * n);
    assert!(l.cluster_normalised.len() == n * n && l.cluster_linked.len() == n * n);
    let mut ab_linked = false;
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (&l.cluster_labels[i], &l.cluster_labels[j]);
            let (v, nv, linked) =
                (l.cluster_matrix[i * n + j], l.cluster_normalised[i * n + j], l.cluster_linked[i * n + j]);
            assert_eq!(
                (v, nv, linked),
                (l.cluster_matrix[j * n + i], l.cluster_normalised[j * n + i], l.cluster_linked[j * n + i])
            );
            if a.dataset == b.dataset {
                assert_eq!((v, nv, linked), (0.0, 0.0, false), "no link inside a dataset");
            }
            if a.dataset == 2 || b.dataset == 2 {
                assert!(v < m && !linked, "C's cluster {} tied at {v}", a.cluster);
            }
            assert!(!linked || (v > 0.0 && nv > 0.0));
            // the cell's figures are its cluster link's
            if let Some(c) = l.cluster_links.iter().find(|c| {
                (c.dataset_a, c.cluster_a, c.dataset_b, c.cluster_b)
                    == (a.dataset, Some(a.cluster), b.dataset, Some(b.cluster))
            }) {
                assert_eq!((v, nv, linked), (c.strength, c.normalised, c.linked));
            }
            ab_linked |= a.dataset == 0 && b.dataset == 1 && linked;
        }
    }
    assert!(ab_linked, "{:?} {:?}", l.cluster_labels, l.cluster_matrix);
    assert!(
        l.cluster_labels.iter().any(|c| c.dataset == 2),
        "C's clusters are shown, tied to nothing: {:?}",
        l.cluster_labels
    );
    assert!(l.cluster_labels.windows(2).all(|w| (w[0].dataset, w[0].cluster) < (w[1].dataset, w[1].cluster)));
    assert!(l.cluster_labels.iter().all(|c| c.size >= 2));
    assert!(l.n_linked_cluster_pairs >= 1 && l.cluster_links.iter().any(|c| c.linked && c.cluster_a.is_some()));
    // a linked cluster pair meets a criterion itself (and lies within the linked A–B)
    assert!(l
        .cluster_links
        .iter()
        .all(|c| !c.linked || ((c.by_identity || c.by_content) && (c.dataset_a, c.dataset_b) == (0, 1))));
    assert!(l.cluster_links.windows(2).all(|w| w[0].strength >= w[1].strength));

    // shared accounts (same id, same screen name) and re-emergent accounts of B
    assert!(l.n_shared_accounts as usize >= l.shared_accounts.len() && !l.shared_accounts.is_empty());
    assert!(l.shared_accounts.iter().any(|t| t.kinds.iter().any(|k| k == "shared_id")));
    assert!(l.shared_accounts.iter().any(|t| t.kinds.iter().any(|k| k == "shared_screen_name")));
    assert!(!l.re_emergent.is_empty() && l.n_re_emergent as usize >= l.re_emergent.len());
    let a_last = l.datasets[0].last_post_ms.unwrap();
    for t in &l.re_emergent {
        assert!(t.re_emergent && t.dataset == 1 && t.other == 0, "{t:?}");
        assert!(t.created_at_ms.unwrap() > a_last, "created after A's last post: {t:?}");
        assert!(!t.evidence.is_empty() && !t.account_id.is_empty());
    }
    assert!(l.re_emergent.windows(2).all(|w| w[0].weight >= w[1].weight));
}

#[test]
fn evidence_lists_the_accounts_behind_a_link() {
    let mut s = demo_session();
    let l = demo().1.clone();
    let ab = &l.dataset_links[0];
    let out = ask(&mut s, Request::LinkEvidence { index: ab.index });
    let Some(Response::LinkEvidence(e)) = out.last() else { panic!("{out:?}") };
    assert_eq!(&e.row, ab);
    // every row carries its core link's figures
    let core = s.link.result.as_ref().unwrap();
    for r in l.dataset_links.iter().chain(&l.cluster_links) {
        let c = &core.links[r.index as usize];
        assert_eq!(
            (r.strength, r.normalised, r.expected, r.linked),
            (c.strength, c.normalised, c.expected, c.linked),
            "{r:?}"
        );
    }
    assert!(!e.accounts.is_empty() && e.n_accounts as usize >= e.accounts.len());
    assert!(e.accounts.iter().all(|t| (t.dataset, t.other) == (0, 1) || (t.dataset, t.other) == (1, 0)));
    assert!(!e.pairs.is_empty(), "reused ids / names and amplification pair accounts");
    assert!(
        e.pairs.iter().all(|(a, b, _)| a.starts_with("A-operation: ") && b.starts_with("B-re-emergence: ")),
        "{:?}",
        e.pairs
    );
    assert!(e.pairs.iter().any(|p| p.2 == "amplification"));

    // a cluster pair: only members of those two clusters
    let c = l.cluster_links.iter().find(|c| c.linked).unwrap();
    let out = ask(&mut s, Request::LinkEvidence { index: c.index });
    let Some(Response::LinkEvidence(e)) = out.last() else { panic!("{out:?}") };
    assert_eq!(e.row.cluster_a, c.cluster_a);
    for t in &e.accounts {
        let want = if t.dataset == c.dataset_a { c.cluster_a } else { c.cluster_b };
        assert_eq!(t.cluster, want, "{t:?}");
    }
    assert!(e.n_accounts <= l.datasets.iter().map(|d| d.n_accounts as u64).sum());

    let out = ask(&mut s, Request::LinkEvidence { index: 1_000_000 });
    assert!(matches!(out.last(), Some(Response::Error { message }) if message.contains("no link")));
}

#[test]
fn link_exports_download_through_the_session() {
    let mut s = demo_session();
    let mut got = std::collections::BTreeMap::new();
    for name in chorus::core::link::export::LINK_FILE_NAMES {
        let out = ask(&mut s, Request::LinkExport { name: name.into() });
        let Some(Response::Exported { name: n, mime, bytes }) = out.last() else { panic!("{name}: {out:?}") };
        assert_eq!(n, name);
        assert!(!bytes.is_empty());
        assert_eq!(mime.as_str(), chorus::protocol::mime_of(name));
        got.insert(name, String::from_utf8(bytes.to_vec()).unwrap());
    }
    assert!(
        got["links.csv"].lines().nth(1).unwrap().starts_with("A-operation,,B-re-emergence,,"),
        "{}",
        &got["links.csv"][..300]
    );
    assert!(got["overlap.csv"].starts_with("dataset,A-operation,B-re-emergence,C-unrelated\r\n"));
    assert!(
        got["joint.gexf"].contains("<attribute id=\"dataset\"")
            && got["joint.gexf"].contains("value=\"B-re-emergence\"")
    );
    assert!(got["joint.graphml"].contains("attr.name=\"dataset\""));
    roxmltree::Document::parse(&got["joint.gexf"]).unwrap();
    roxmltree::Document::parse(&got["joint.graphml"]).unwrap();
    let report: serde_json::Value = serde_json::from_str(&got["link_report.json"]).unwrap();
    assert_eq!(report["datasets"][2]["name"], "C-unrelated");
    assert!(got["link_accounts.csv"].lines().any(|l| l.ends_with(",true")), "a re-emergent account");
    // the same bytes as the core exports of the same inputs (one code path)
    let again = ask(&mut s, Request::LinkExport { name: "links.csv".into() });
    assert!(
        matches!(again.last(), Some(Response::Exported { bytes, .. }) if bytes.as_slice() == got["links.csv"].as_bytes())
    );

    let out = ask(&mut s, Request::LinkExport { name: "nope.csv".into() });
    assert!(matches!(out.last(), Some(Response::Error { message }) if message.contains("nope.csv")));
    // renaming keeps the result, under the new name
    let out = ask(&mut s, Request::LinkRename { index: 0, name: "  op2019 ".into() });
    assert!(datasets_of(&out).result_current);
    let out = ask(&mut s, Request::LinkExport { name: "overlap.csv".into() });
    let Some(Response::Exported { bytes, .. }) = out.last() else { panic!() };
    assert!(bytes.starts_with(b"dataset,op2019,B-re-emergence,"));
    // removing a dataset invalidates it
    let out = ask(&mut s, Request::LinkRemove { index: 2 });
    assert!(!datasets_of(&out).result_current && datasets_of(&out).datasets.len() == 2);
    let out = ask(&mut s, Request::LinkExport { name: "links.csv".into() });
    assert!(matches!(out.last(), Some(Response::Error { message }) if message.contains("run the link")));
    let out = ask(&mut s, Request::LinkRemove { index: 7 });
    assert!(matches!(out.last(), Some(Response::Error { .. })));
}

#[test]
fn uploaded_files_become_named_datasets_beside_the_workspace() {
    let mut s = Session::new();
    // the single-dataset workspace has a dataset loaded and analysed
    let ws = synth_files("mixed", 3);
    let metas = ws.iter().map(|(n, b)| FileMeta { name: n.clone(), size: b.len() as u64 }).collect();
    ask(&mut s, Request::Ingest { files: metas, options: IngestOptions::default() });
    for (i, (_, b)) in ws.iter().enumerate() {
        s.ingest_file_start(i);
        s.ingest_chunk(b);
        s.ingest_file_end();
    }
    assert!(matches!(s.ingest_end(), Response::Ingested(_)));
    assert!(matches!(
        ask(&mut s, Request::Analyze { params: DetectParams::default() }).last(),
        Some(Response::Analyzed(_))
    ));
    let ws_posts = s.dataset.as_ref().unwrap().n_posts();

    let first = link_add(&mut s, "first", &synth_files("copy-paste", 1), 777);
    let Response::LinkDatasets(d) = &first else { panic!("{first:?}") };
    assert_eq!(d.datasets.len(), 1);
    assert_eq!(d.datasets[0].name, "first");
    assert_eq!(d.datasets[0].files, ["s1_tweets_csv_hashed.csv", "s1_users_csv_hashed.csv"]);
    assert!(d.datasets[0].posts > 0 && d.datasets[0].accounts > 0);
    // only one dataset: no link yet
    let out = run(&mut s);
    assert!(matches!(out.last(), Some(Response::Error { message }) if message.contains("at least two")), "{out:?}");
    // a second dataset with the same name gets a unique one
    let second = link_add(&mut s, "first", &synth_files("copy-paste", 2), 4096);
    let Response::LinkDatasets(d) = &second else { panic!("{second:?}") };
    assert_eq!(d.datasets.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["first", "first (2)"]);
    let out = ask(&mut s, Request::LinkRename { index: 1, name: "second".into() });
    assert_eq!(datasets_of(&out).datasets[1].name, "second");
    let out = ask(&mut s, Request::LinkRename { index: 1, name: "first".into() });
    assert_eq!(datasets_of(&out).datasets[1].name, "first (2)", "names stay unique");
    ask(&mut s, Request::LinkRename { index: 1, name: "second".into() });

    let out = run(&mut s);
    let l = summary_of(&out);
    assert_eq!(l.datasets.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["first", "second"]);
    assert_eq!(l.dataset_links.len(), 1);
    assert_eq!(l.overlap.len(), 2);
    assert_eq!(l.normalised_overlap[0][1], l.dataset_links[0].normalised);
    let r = &l.dataset_links[0];
    assert_eq!(r.linked, r.by_identity || r.by_content, "{r:?}");
    let out = ask(&mut s, Request::LinkExport { name: "link_report.json".into() });
    let Some(Response::Exported { bytes, .. }) = out.last() else { panic!("{out:?}") };
    let report: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(report["inputs"][1][0]["path"], "s2_tweets_csv_hashed.csv", "input fingerprints of each dataset");

    // a file with no posts is refused with the reason, and the list is unchanged
    let bad = link_add(
        &mut s,
        "bad",
        &[("wrong_format.pdf".into(), include_bytes!("data/bad/wrong_format.pdf").to_vec())],
        100,
    );
    assert!(
        matches!(&bad, Response::Error { message } if message.contains("No posts") && message.contains("wrong_format.pdf")),
        "{bad:?}"
    );
    assert_eq!(s.link.entries.len(), 2);
    // a cancelled read adds nothing
    let metas = vec![FileMeta { name: "x.csv".into(), size: 10 }];
    ask(&mut s, Request::LinkAdd { name: "x".into(), files: metas, options: IngestOptions::default() });
    assert!(matches!(ask(&mut s, Request::Cancel).last(), Some(Response::Cancelled)));
    assert_eq!(s.link.entries.len(), 2);

    // the workspace's dataset and analysis are untouched
    assert_eq!(s.dataset.as_ref().unwrap().n_posts(), ws_posts);
    assert!(s.analysis.is_some());
    assert!(matches!(
        ask(&mut s, Request::Export { name: "accounts.csv".into() }).last(),
        Some(Response::Exported { .. })
    ));
}

/// IO-archive tweet columns renamed to headers no format knows (a researcher's own export).
const RENAMED: [(&str, &str); 8] = [
    ("tweetid", "Post Number"),
    ("userid", "Author ID"),
    ("user_screen_name", "Handle"),
    ("tweet_text", "Body"),
    ("tweet_time", "Posted At"),
    ("retweet_tweetid", "Shared Post"),
    ("in_reply_to_tweetid", "Reply To"),
    ("hashtags", "Tags"),
];

/// The tweets file of `synth_files(scenario, seed)` with the header renamed ([`RENAMED`], other
/// columns prefixed `x_`), so that no format is recognised.
fn unknown_csv(scenario: &str, seed: u64) -> (String, Vec<u8>) {
    let files = synth_files(scenario, seed);
    let text = String::from_utf8(files[0].1.clone()).unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    let header: Vec<String> = header
        .trim_end_matches('\r')
        .split(',')
        .map(|h| RENAMED.iter().find(|(a, _)| *a == h).map_or(format!("x_{h}"), |(_, b)| b.to_string()))
        .collect();
    (format!("own_export_{seed}.csv"), format!("{}\n{rest}", header.join(",")).into_bytes())
}

fn mapping() -> ColumnMapping {
    let m = |s: &str| Some(s.to_string());
    ColumnMapping {
        account: m("Author ID"),
        screen_name: m("Handle"),
        time: m("Posted At"),
        post_id: m("Post Number"),
        repost_of: m("Shared Post"),
        reply_to: m("Reply To"),
        text: m("Body"),
        hashtags: m("Tags"),
        ..ColumnMapping::default()
    }
}

#[test]
fn an_unknown_csv_is_added_with_its_column_mapping_and_refused_clearly_without() {
    let (name, bytes) = unknown_csv("mixed", 21);
    // the preview the link tab asks for says it needs a mapping, and shows its header
    let p = chorus::protocol::preview_file(&name, &bytes[..bytes.len().min(64 * 1024)]);
    let csv = p.csv.as_ref().expect("an unknown CSV gets a preview for the mapping form");
    assert!(csv.headers.iter().any(|h| h == "Author ID") && !csv.rows.is_empty(), "{:?}", csv.headers);
    assert!(p.guess.is_some());

    let mut s = Session::new();
    // without a mapping: refused, saying which file and why, and nothing is added
    let out = link_add(&mut s, "own", &[(name.clone(), bytes.clone())], 1000);
    let Response::Error { message } = &out else { panic!("{out:?}") };
    assert!(message.contains("No posts") && message.contains(&name) && message.contains("“own”"), "{message}");
    assert!(message.contains("unrecognised CSV header") && message.contains("map its columns"), "{message}");
    assert!(s.link.entries.is_empty());
    // a mapping that names the wrong time column: every row rejected, and the message says so
    let wrong = ColumnMapping { time: Some("Body".into()), ..mapping() };
    let out = link_add_with(
        &mut s,
        "own",
        &[(name.clone(), bytes.clone())],
        1000,
        IngestOptions { mapping: Some(wrong), ..IngestOptions::default() },
    );
    let Response::Error { message: wrong } = &out else { panic!("{out:?}") };
    assert!(wrong.contains("rows were rejected, the first (line 2) because `Body` value"), "{wrong}");
    assert!(wrong.contains("is not a time"), "{wrong}");
    assert!(s.link.entries.is_empty());

    // with the mapping: every post of the original IO-archive file, as one more dataset
    let out = link_add_with(
        &mut s,
        "own",
        &[(name.clone(), bytes)],
        4096,
        IngestOptions { mapping: Some(mapping()), ..IngestOptions::default() },
    );
    let Response::LinkDatasets(d) = &out else { panic!("{out:?}") };
    let io = link_add(&mut s, "io", &synth_files("mixed", 21)[..1], 4096);
    let Response::LinkDatasets(both) = &io else { panic!("{io:?}") };
    assert_eq!(d.datasets.len(), 1);
    assert_eq!(d.datasets[0].name, "own");
    assert_eq!(d.datasets[0].rejected, 0);
    assert_eq!(d.datasets[0].posts, both.datasets[1].posts, "the mapped read keeps every post");
    assert!(wrong.contains(&format!("all {} rows were rejected", d.datasets[0].posts)), "{wrong}");
    assert_eq!(d.datasets[0].accounts, both.datasets[1].accounts);
    // and it links: the same posts under two formats share everything
    let l = summary_of(&run(&mut s)).clone();
    assert!(l.dataset_links[0].linked && l.dataset_links[0].by_identity, "{:?}", l.dataset_links[0]);
}

#[test]
fn link_run_detects_with_the_parameters_it_carries_and_reports_them() {
    let defaults = &demo().1;
    assert_eq!(defaults.detect, DetectParams::default());
    let mut s = demo_session();
    // fewer methods and larger clusters only: other clusters, and the result says so
    let mut p = DetectParams { min_cluster_size: 12, min_repetitions: 4, ..DetectParams::default() };
    for m in p.methods.iter_mut().skip(1) {
        m.enabled = false;
    }
    assert!(p.methods[0].enabled);
    let out = ask(&mut s, Request::LinkRun { detect: p.clone(), params: LinkParams::default() });
    let l = summary_of(&out);
    assert_eq!(l.detect, p);
    let d = datasets_of(&out);
    let default_clusters: Vec<_> = {
        let mut t = demo_session();
        datasets_of(&run(&mut t)).datasets.iter().map(|x| x.clusters).collect()
    };
    assert_ne!(d.datasets.iter().map(|x| x.clusters).collect::<Vec<_>>(), default_clusters, "the parameters were used");
    assert!(l.cluster_labels.iter().all(|c| c.size >= 12), "{:?}", l.cluster_labels);

    // link_report.json: the core's report of the same result, with the detection parameters
    let out = ask(&mut s, Request::LinkExport { name: "link_report.json".into() });
    let Some(Response::Exported { bytes, .. }) = out.last() else { panic!("{out:?}") };
    let report: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let used: DetectParams = serde_json::from_value(report["detect_params"].clone()).unwrap();
    assert_eq!(used, p);
    let files: Vec<Vec<_>> = s.link.entries.iter().map(|e| e.inputs.clone()).collect();
    let mut core = Vec::new();
    chorus::core::link::export::link_report_json(s.link.result.as_ref().unwrap(), &files, &p, &mut core).unwrap();
    assert_eq!(report, serde_json::from_slice::<serde_json::Value>(&core).unwrap());

    // back to the defaults: the same result as the default run
    let out = run(&mut s);
    let mut again = summary_of(&out).clone();
    again.memory_bytes = defaults.memory_bytes;
    assert_eq!(&again, defaults);
}

#[test]
fn datasets_added_again_to_a_fresh_session_link_as_before() {
    // what the link tab had: the demo without C, A renamed, and an export of unknown format
    // with its mapping, under a name of the user's
    let (name, bytes) = unknown_csv("copy-paste", 5);
    let options = IngestOptions { mapping: Some(mapping()), ..IngestOptions::default() };
    let p = DetectParams { min_repetitions: 4, ..DetectParams::default() };
    let build = |s: &mut Session| {
        ask(s, Request::LinkDemo);
        ask(s, Request::LinkRemove { index: 2 });
        ask(s, Request::LinkRename { index: 0, name: "op 2019".into() });
        let out = link_add_with(s, "own export", &[(name.clone(), bytes.clone())], 3000, options.clone());
        assert!(matches!(out, Response::LinkDatasets(_)), "{out:?}");
    };
    let mut before = Session::new();
    build(&mut before);
    let first = ask(&mut before, Request::LinkRun { detect: p.clone(), params: LinkParams::default() });
    // the worker restarted: a fresh session, the same requests in the order the tab sends them
    // (demo, removals, renames, then files under their current names)
    let mut after = Session::new();
    build(&mut after);
    let second = ask(&mut after, Request::LinkRun { detect: p, params: LinkParams::default() });
    assert_eq!(datasets_of(&first), datasets_of(&second));
    assert_eq!(
        datasets_of(&second).datasets.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["op 2019", "B-re-emergence", "own export"]
    );
    assert_eq!(summary_of(&first), summary_of(&second));
    for name in ["links.csv", "link_report.json"] {
        let a = ask(&mut before, Request::LinkExport { name: name.into() });
        let b = ask(&mut after, Request::LinkExport { name: name.into() });
        assert_eq!(a.last(), b.last(), "{name}");
    }
}
