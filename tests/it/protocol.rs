//! The worker protocol's pure session, driven the way the worker shell drives it: ingest in
//! chunks, analyze, then the typed-array table, the layout, an account's detail and exports.

use chorus::core::detect::{DetectParams, Role};
use chorus::core::ingest::sniff::Sniffed;
use chorus::core::ingest::IngestOptions;
use chorus::protocol::{self, FileMeta, LayoutScope, Request, Response, Session};

const RING: &[u8] = include_bytes!("data/export/ring_tweets_csv_unhashed.csv");
const HOSTILE: &[u8] = include_bytes!("data/export/hostile_tweets_csv_hashed.csv");

fn ingest(files: &[(&str, &[u8])], chunk: usize) -> (Session, Response) {
    let mut s = Session::new();
    let metas = files.iter().map(|(n, b)| FileMeta { name: n.to_string(), size: b.len() as u64 }).collect();
    let mut out = Vec::new();
    s.handle(Request::Ingest { files: metas, options: IngestOptions::default() }, &mut |r| out.push(r));
    assert!(out.is_empty(), "{out:?}");
    for (i, (_, bytes)) in files.iter().enumerate() {
        s.ingest_file_start(i);
        for c in bytes.chunks(chunk) {
            s.ingest_chunk(c);
        }
        s.ingest_file_end();
    }
    let done = s.ingest_end();
    (s, done)
}

/// A small synthetic IO archive with planted operations (tweets and users files).
fn synth_files() -> Vec<(String, Vec<u8>)> {
    use chorus::core::synth;
    let d = synth::generate(&synth::scenario("mixed", 11, 0.2).unwrap()).unwrap();
    let (mut t, mut u) = (Vec::new(), Vec::new());
    synth::write_tweets(&d, &mut t).unwrap();
    synth::write_users(&d, &mut u).unwrap();
    vec![("m_tweets_csv_hashed.csv".into(), t), ("m_users_csv_hashed.csv".into(), u)]
}

fn analyzed_synth() -> Session {
    let files = synth_files();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    analyzed(&refs)
}

fn analyzed(files: &[(&str, &[u8])]) -> Session {
    let (mut s, done) = ingest(files, 4096);
    assert!(matches!(done, Response::Ingested(_)), "{done:?}");
    let mut out = Vec::new();
    s.handle(Request::Analyze { params: DetectParams::default() }, &mut |r| out.push(r));
    assert!(matches!(out.last(), Some(Response::Analyzed(_))), "{:?}", out.last());
    s
}

fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}
fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

#[test]
fn chunking_does_not_change_what_is_read_and_inputs_are_fingerprinted() {
    let (a, ra) = ingest(&[("ring_tweets_csv_unhashed.csv", RING)], 7);
    let (b, rb) = ingest(&[("ring_tweets_csv_unhashed.csv", RING)], 1 << 20);
    assert_eq!(ra, rb);
    let Response::Ingested(sum) = ra else { panic!() };
    assert!(sum.posts > 1000, "{sum:?}");
    assert_eq!(a.inputs, b.inputs);
    assert_eq!(a.inputs.len(), 1);
    assert_eq!(a.inputs[0].bytes, RING.len() as u64);
    assert_eq!(a.inputs[0].sha256.len(), 64);
}

/// The browser fingerprints each file after its read, beside the analysis: the session ends the
/// file with a ticket, the input waits (empty `sha256`), and the digest or why there is none lands
/// in report.json once given; a ticket whose dataset was replaced is let go; a link dataset's
/// inputs take their tickets too.
#[test]
fn fingerprints_given_after_the_read_land_in_report_json_and_are_let_go_with_their_dataset() {
    let files = [("a_tweets_csv_hashed.csv", HOSTILE), ("b_tweets_csv_unhashed.csv", RING)];
    let read = |s: &mut Session, link: Option<&str>| -> Vec<u64> {
        let metas = files.iter().map(|(n, b)| FileMeta { name: n.to_string(), size: b.len() as u64 }).collect();
        let options = IngestOptions::default();
        let req = match link {
            Some(name) => Request::LinkAdd { name: name.into(), files: metas, options },
            None => Request::Ingest { files: metas, options },
        };
        s.handle(req, &mut |r| panic!("{r:?}"));
        let mut tickets = Vec::new();
        for (i, (_, bytes)) in files.iter().enumerate() {
            s.ingest_file_start(i);
            s.ingest_chunk(bytes);
            tickets.push(s.ingest_file_end_hash_later(bytes.len() as u64).unwrap());
        }
        tickets
    };
    let mut s = Session::new();
    let t = read(&mut s, None);
    assert_ne!(t[0], t[1]);
    // the first fingerprint arrives while the read is still going on, the second after it ended
    assert!(s.awaits_fingerprint(t[0]) && s.awaits_fingerprint(t[1]));
    assert!(s.input_hashed(t[0], Ok("ab".repeat(32))));
    assert!(matches!(s.ingest_end(), Response::Ingested(_)));
    assert_eq!(s.inputs[1].sha256, "", "not given yet");
    assert!(s.input_hashed(t[1], Err("the browser could not read b again".into())));
    assert!(!s.awaits_fingerprint(t[0]) && !s.awaits_fingerprint(t[1]));
    assert!(!s.input_hashed(t[1], Ok("cd".repeat(32))), "given once");
    s.handle(Request::Analyze { params: DetectParams::default() }, &mut |_| {});
    let (_, report) = s.export("report.json").unwrap();
    let v: serde_json::Value = serde_json::from_slice(&report).unwrap();
    let inputs = &v["inputs"];
    assert_eq!(inputs[0]["path"], "a_tweets_csv_hashed.csv");
    assert_eq!(inputs[0]["bytes"], HOSTILE.len() as u64);
    assert_eq!(inputs[0]["sha256"], "ab".repeat(32));
    assert!(inputs[0].get("note").is_none() && inputs[0].get("pending").is_none(), "{inputs}");
    assert_eq!(inputs[1]["sha256"], "");
    assert_eq!(inputs[1]["note"], "the browser could not read b again");

    // a new dataset replaces one whose fingerprints were still to come: their tickets are let go
    let old = read(&mut s, None);
    s.ingest_end();
    let new = read(&mut s, None);
    assert!(old.iter().all(|&t| !s.awaits_fingerprint(t)) && new.iter().all(|&t| s.awaits_fingerprint(t)));
    assert!(!s.input_hashed(old[0], Ok("ef".repeat(32))));
    s.ingest_end();

    // a link dataset's inputs
    let linked = read(&mut s, Some("op-2020"));
    assert!(matches!(s.ingest_end(), Response::LinkDatasets(_)));
    assert!(s.awaits_fingerprint(linked[1]));
    assert!(s.input_hashed(linked[1], Ok("12".repeat(32))));
    assert_eq!(s.link.entries[0].inputs[1].sha256, "12".repeat(32));
    assert_eq!(s.link.entries[0].inputs[1].pending, None);
}

/// The browser's split read: its reading worker parses each chunk with a `ParseSide` and sends
/// the recorded calls, as a batch's three parts, to the session, which builds from them; the
/// file is hashed elsewhere too. What is read, reported and detected is the same as when the
/// session parses the chunks itself.
#[test]
fn a_read_parsed_elsewhere_builds_the_same_dataset_reports_and_clusters() {
    use chorus::core::export::Fingerprinter;
    use chorus::protocol::{ParseSide, RecordedCalls};
    let mut files = synth_files();
    files.push(("hostile_tweets_csv_hashed.csv".into(), HOSTILE.to_vec()));
    files.push(("ring_tweets_csv_unhashed.csv".into(), RING.to_vec()));
    for bad in ["mixed_types.csv", "mixed_bad.jsonl", "utf16.csv"] {
        let path = format!("{}/tests/it/data/bad/{bad}", env!("CARGO_MANIFEST_DIR"));
        files.push((bad.into(), std::fs::read(path).unwrap()));
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (mut direct, want) = ingest(&refs, 100_000);
    let Response::Ingested(want_summary) = &want else { panic!("{want:?}") };
    assert!(
        want_summary.files.iter().any(|f| f.records_rejected > 0)
            && want_summary.files.iter().any(|f| f.fatal.is_some())
    );

    let mut s = Session::new();
    let options = IngestOptions::default();
    let metas = refs.iter().map(|(n, b)| FileMeta { name: n.to_string(), size: b.len() as u64 }).collect();
    s.handle(Request::Ingest { files: metas, options: options.clone() }, &mut |r| panic!("{r:?}"));
    let mut spare = RecordedCalls::default();
    let mut calls = Vec::new();
    for (i, (name, bytes)) in refs.iter().enumerate() {
        s.ingest_file_start_parsed_elsewhere(i);
        let mut parse = ParseSide::new(name, bytes.len() as u64, &options);
        let mut sha = Fingerprinter::new("");
        let mut alternate = false;
        let mut send = |batch: &mut RecordedCalls, bytes: u64, s: &mut Session| {
            // across the worker boundary: the three parts, applied where they are (as the
            // analysis worker does), or copied into a batch first
            calls.clear();
            batch.wire_calls(&mut calls);
            alternate = !alternate;
            if alternate {
                let got = chorus::protocol::WireBatch::new(batch.text(), batch.lens(), &calls).unwrap();
                assert_eq!(got.len(), batch.len());
                s.ingest_wire_batch(&got, bytes);
            } else {
                let mut got = RecordedCalls::default();
                got.refill(batch.text(), batch.lens(), &calls).unwrap();
                s.ingest_batch(&mut got, bytes);
                assert!(got.is_empty());
            }
        };
        for c in bytes.chunks(100_000) {
            let mut batch = parse.feed(c, std::mem::take(&mut spare));
            send(&mut batch, c.len() as u64, &mut s);
            sha.update(c);
            spare = batch;
        }
        let mut last = parse.finish(std::mem::take(&mut spare));
        send(&mut last, 0, &mut s);
        let progress = s.ingest_progress().unwrap();
        assert_eq!(progress.bytes_done, refs[..=i].iter().map(|(_, b)| b.len() as u64).sum::<u64>());
        let done = sha.finish();
        s.ingest_file_end_hashed(done.bytes, done.sha256);
    }
    let got = s.ingest_end();
    assert_eq!(got, want);
    assert_eq!(s.inputs, direct.inputs);
    let mut analyses = Vec::new();
    for session in [&mut direct, &mut s] {
        session.handle(Request::Analyze { params: DetectParams::default() }, &mut |r| {
            if matches!(r, Response::Analyzed(_)) {
                analyses.push(r)
            }
        });
    }
    assert_eq!(analyses.len(), 2);
    assert_eq!(analyses[0], analyses[1]);
    assert_eq!(direct.export("accounts.csv"), s.export("accounts.csv"));
}

/// Once the text samples are full the building side needs no more post texts: the parsing side,
/// told so after a batch, sends the posts without them, and the dataset (its samples included),
/// the reports and the analysis are those of the reads that sent every text.
#[test]
fn texts_left_out_once_the_samples_are_full_change_nothing() {
    use chorus::core::export::Fingerprinter;
    use chorus::protocol::{ParseSide, RecordedCalls};
    let files = synth_files();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    // a budget the first file fills part way through
    let options = IngestOptions { sample_budget_bytes: 60_000, ..IngestOptions::default() };
    let metas: Vec<FileMeta> =
        refs.iter().map(|(n, b)| FileMeta { name: n.to_string(), size: b.len() as u64 }).collect();
    // (split: the read parsed elsewhere, with or without the word that texts are unneeded)
    let read = |split: bool, tell: bool| -> (Session, Response, usize) {
        let mut s = Session::new();
        s.handle(Request::Ingest { files: metas.clone(), options: options.clone() }, &mut |r| panic!("{r:?}"));
        let mut text_bytes = 0;
        for (i, (name, bytes)) in refs.iter().enumerate() {
            if !split {
                s.ingest_file_start(i);
                bytes.chunks(50_000).for_each(|c| s.ingest_chunk(c));
                s.ingest_file_end();
                continue;
            }
            s.ingest_file_start_parsed_elsewhere(i);
            let mut parse = ParseSide::new(name, bytes.len() as u64, &options);
            let mut send = |mut batch: RecordedCalls, bytes: u64, s: &mut Session, parse: &mut ParseSide| {
                text_bytes += batch.text_bytes();
                s.ingest_batch(&mut batch, bytes);
                if tell && s.ingest_texts_unneeded() {
                    parse.drop_texts();
                }
            };
            if tell && s.ingest_texts_unneeded() {
                parse.drop_texts();
            }
            for c in bytes.chunks(50_000) {
                let batch = parse.feed(c, RecordedCalls::default());
                send(batch, c.len() as u64, &mut s, &mut parse);
            }
            let last = parse.finish(RecordedCalls::default());
            send(last, 0, &mut s, &mut parse);
            let mut sha = Fingerprinter::new("");
            sha.update(bytes);
            let done = sha.finish();
            s.ingest_file_end_hashed(done.bytes, done.sha256);
        }
        let done = s.ingest_end();
        (s, done, text_bytes)
    };
    let (mut direct, want, _) = read(false, false);
    let (mut all, got_all, all_bytes) = read(true, false);
    let (mut fewer, got_fewer, fewer_bytes) = read(true, true);
    assert!(matches!(want, Response::Ingested(_)), "{want:?}");
    assert_eq!(got_all, want);
    assert_eq!(got_fewer, want);
    let samples = |s: &Session| {
        let ds = s.dataset.as_ref().unwrap();
        let mut fps: Vec<(u64, String)> = ds.samples.fp_texts().map(|(f, t)| (f, t.to_string())).collect();
        fps.sort();
        let mut accounts: Vec<(u32, Vec<(u32, String)>)> = ds
            .samples
            .accounts()
            .map(|a| (a, ds.samples.of_account(a).map(|(p, t)| (p, t.to_string())).collect()))
            .collect();
        accounts.sort();
        (fps, accounts, ds.samples.bytes, ds.samples.full())
    };
    let want_samples = samples(&direct);
    assert!(want_samples.3, "the budget was reached");
    assert!(want_samples.0.len() > 50 && !want_samples.1.is_empty());
    assert_eq!(samples(&all), want_samples);
    assert_eq!(samples(&fewer), want_samples);
    assert_eq!(direct.inputs, fewer.inputs);
    // most of the texts were left out
    assert!(fewer_bytes * 10 < all_bytes * 7, "{fewer_bytes} of {all_bytes} bytes of strings sent");
    let mut analyses = Vec::new();
    for session in [&mut direct, &mut all, &mut fewer] {
        session.handle(Request::Analyze { params: DetectParams::default() }, &mut |r| {
            if matches!(r, Response::Analyzed(_)) {
                analyses.push(r)
            }
        });
    }
    assert_eq!(analyses.len(), 3);
    assert_eq!(analyses[0], analyses[2]);
    assert_eq!(direct.export("accounts.csv"), fewer.export("accounts.csv"));
    assert_eq!(direct.export("clusters.csv"), fewer.export("clusters.csv"));
}

/// Progress reports give the time span of the posts read so far, kept up to date from the posts
/// read since the last report: the same span as one taken over every post at that moment.
#[test]
fn progress_time_span_follows_the_posts_read() {
    let files = synth_files();
    let metas: Vec<FileMeta> = files.iter().map(|(n, b)| FileMeta { name: n.clone(), size: b.len() as u64 }).collect();
    let (mut every, mut seldom) = (Session::new(), Session::new());
    for s in [&mut every, &mut seldom] {
        s.handle(Request::Ingest { files: metas.clone(), options: IngestOptions::default() }, &mut |r| panic!("{r:?}"));
    }
    let mut spans = 0;
    for (i, (_, bytes)) in files.iter().enumerate() {
        every.ingest_file_start(i);
        seldom.ingest_file_start(i);
        for (k, c) in bytes.chunks(40_000).enumerate() {
            every.ingest_chunk(c);
            seldom.ingest_chunk(c);
            let now = every.ingest_progress().unwrap().time_span_ms;
            if k % 7 == 3 {
                // the first report of `seldom` reads every post so far
                assert_eq!(now, seldom.ingest_progress().unwrap().time_span_ms, "file {i} chunk {k}");
                spans += now.is_some() as usize;
            }
        }
        every.ingest_file_end();
        seldom.ingest_file_end();
    }
    assert!(spans > 2);
    let last = every.ingest_progress().unwrap().time_span_ms;
    assert!(matches!(every.ingest_end(), Response::Ingested(_)));
    assert_eq!(last, every.dataset.as_ref().unwrap().time_span());
}

/// The workers' warm-up reads a few thousand posts through the split read (parse, wire parts,
/// applied where they are), every post built; parsing only, it builds nothing.
#[test]
fn the_warm_up_reads_a_small_archive_through_the_split_read() {
    let (calls, posts) = protocol::warm_up(true);
    assert!(posts > 5_000 && calls > posts, "{calls} calls, {posts} posts");
    assert_eq!(protocol::warm_up(false), (calls, 0));
}

#[test]
fn analysis_summary_lists_clusters_with_their_measures() {
    let mut s = analyzed_synth();
    let mut out = Vec::new();
    s.handle(Request::Analyze { params: DetectParams::default() }, &mut |r| out.push(r));
    let Some(Response::Analyzed(sum)) = out.last() else { panic!() };
    let an = s.analysis.as_ref().unwrap();
    assert_eq!(sum.clusters as usize, an.clusters.len());
    assert_eq!(sum.clusters_list.len(), an.clusters.len());
    assert_eq!(sum.core as usize, an.n_role(Role::Core));
    for (c, cs) in an.clusters.iter().zip(&sum.clusters_list) {
        assert_eq!(cs.size as usize, c.accounts.len());
        assert_eq!(cs.hour_profile.len(), 24);
    }
}

#[test]
fn table_columns_cover_every_account_in_dataset_order() {
    let mut s = analyzed_synth();
    let t = s.table().unwrap();
    let ds = s.dataset.as_ref().unwrap();
    let an = s.analysis.as_ref().unwrap();
    let n = ds.n_accounts();
    assert_eq!(t.n as usize, n);
    assert_eq!(t.roles.len(), n);
    assert_eq!(u32s(&t.clusters).len(), n);
    let offsets = u32s(&t.name_offsets);
    assert_eq!(offsets.len(), n + 1);
    for i in 0..n {
        assert_eq!(t.roles[i], an.accounts[i].role as u8);
        let cell = &t.names[offsets[i] as usize..offsets[i + 1] as usize];
        let (screen, id) = cell.split_once('\u{1f}').unwrap();
        assert_eq!(screen, &*ds.accounts.screen_name[i]);
        assert_eq!(id, ds.accounts.ids.resolve(i as u32));
    }
    let posts = u32s(&t.posts);
    assert_eq!(posts.iter().map(|&p| p as usize).sum::<usize>(), ds.n_posts());
}

#[test]
fn layout_of_the_coordinated_accounts_is_finite_and_indexes_its_nodes() {
    let mut s = analyzed_synth();
    let mut progress = Vec::new();
    let l = s.layout(LayoutScope::Coordinated, &mut |f| progress.push(f)).unwrap();
    let an = s.analysis.as_ref().unwrap();
    let flagged = an.accounts.iter().filter(|v| v.role != Role::Unflagged).count();
    assert!(flagged > 0, "the synthetic dump has planted networks");
    assert_eq!(l.n_nodes as usize, flagged);
    let nodes = u32s(&l.nodes);
    assert!(nodes.iter().all(|&a| an.accounts[a as usize].role != Role::Unflagged));
    let pos = f32s(&l.positions);
    assert_eq!(pos.len(), 2 * flagged);
    assert!(pos.iter().all(|x| x.is_finite()));
    let edges = u32s(&l.edges);
    assert_eq!(edges.len() % 2, 0);
    assert!(!edges.is_empty());
    assert!(edges.iter().all(|&e| (e as usize) < flagged));
    assert_eq!(l.roles.len(), flagged);
    assert!(progress.last().is_some_and(|&f| f >= 0.99));
    // one cluster on demand
    let l0 = s.layout(LayoutScope::Cluster(0), &mut |_| {}).unwrap();
    assert_eq!(l0.n_nodes as usize, s.analysis.as_ref().unwrap().clusters[0].accounts.len());
    assert!(s.layout(LayoutScope::Cluster(9999), &mut |_| {}).unwrap_err().contains("no cluster 9999"));
}

#[test]
fn account_detail_has_reasons_and_attributes_of_a_flagged_account() {
    let mut s = analyzed_synth();
    let an = s.analysis.as_ref().unwrap();
    let idx = an.accounts.iter().position(|v| v.role == Role::Core).expect("a core account") as u32;
    let d = s.account(idx).unwrap();
    assert_eq!(d.role, Role::Core as u8);
    assert!(!d.reasons.is_empty());
    assert!(d.posts > 0);
    assert!(d.first_post_ms.is_some());
    // an account in a coordination edge lists its partners, strongest first
    let e = s.analysis.as_ref().unwrap().edges[0].clone();
    let d = s.account(e.a).unwrap();
    assert!(!d.partners.is_empty() && d.partners.len() <= 12, "{:?}", d.partners);
    assert!(d.partners.windows(2).all(|w| w[0].2 >= w[1].2));
    assert!(s.account(u32::MAX).unwrap_err().contains("no account"));
}

#[test]
fn exports_are_the_export_module_files() {
    let s = analyzed(&[("hostile_tweets_csv_hashed.csv", HOSTILE)]);
    let (mime, bytes) = s.export("accounts.csv").unwrap();
    assert!(mime.starts_with("text/csv"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("account_id,screen_name,role,cluster,score,reasons"), "{}", &text[..80]);
    let (_, report) = s.export("report.json").unwrap();
    let v: serde_json::Value = serde_json::from_slice(&report).unwrap();
    assert!(v.to_string().contains("hostile_tweets_csv_hashed.csv"), "report names its input");
    assert!(s.export("passwords.txt").unwrap_err().contains("no export"));
}

#[test]
fn requests_before_data_get_clear_errors() {
    let mut s = Session::new();
    for req in [
        Request::Table,
        Request::Layout { scope: LayoutScope::Coordinated },
        Request::Account { idx: 0 },
        Request::Export { name: "accounts.csv".into() },
    ] {
        let mut out = Vec::new();
        s.handle(req, &mut |r| out.push(r));
        match &out[..] {
            [Response::Error { message }] => assert!(message.contains("No dataset"), "{message}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn preview_of_an_unknown_csv_guesses_a_mapping() {
    let head = b"Author ID,Posted At,Body,Post\n42,2020-01-01 10:00,hello,1\n43,2020-01-01 10:01,hi,2\n";
    let p = protocol::preview_file("export.csv", head);
    assert!(matches!(p.sniffed, Sniffed::Csv { format: None, .. }), "{:?}", p.sniffed);
    let csv = p.csv.unwrap();
    assert_eq!(csv.headers.len(), 4);
    assert_eq!(csv.rows.len(), 2);
    assert_eq!(p.guess.unwrap().account.as_deref(), Some("Author ID"));
    // a known format needs no mapping
    let known = protocol::preview_file("ring_tweets_csv_unhashed.csv", &RING[..4096]);
    assert!(known.csv.is_none());
}

#[test]
fn the_demo_is_an_io_archive_read_through_the_real_ingest() {
    let files = protocol::demo_files().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0].0.ends_with("_users_csv_hashed.csv"));
    assert!(files[1].0.ends_with("_tweets_csv_hashed.csv"));
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (_, done) = ingest(&refs, 1 << 20);
    let Response::Ingested(sum) = done else { panic!() };
    assert!(sum.posts > 10_000, "{}", sum.posts);
    assert!(sum.files.iter().all(|f| f.format.is_some() && f.records_rejected == 0), "{:?}", sum.files);
}

/// Reading stops before detection could exhaust the 4 GiB of wasm32: small reads go on, a read
/// whose posts would need more than the room left stops, and the measured browser points
/// (BENCHMARKS.md: 1.56 GiB after detection at 10M posts) are still read in full.
#[test]
fn reading_stops_while_detection_still_fits() {
    const MIB: u64 = 1024 * 1024;
    assert!(!protocol::detection_would_not_fit(200 * MIB, 1_000_000));
    assert!(!protocol::detection_would_not_fit(700 * MIB, 5_200_000));
    // ~10M posts read in ~1.3 GiB fit; ~20M posts (2.6 GiB read) do not
    assert!(!protocol::detection_would_not_fit(1_300 * MIB, 10_000_000));
    assert!(protocol::detection_would_not_fit(2_600 * MIB, 20_000_000));
    // the plan stays under wasm32's 4 GiB even for the last post that is let through
    let last_ok =
        (protocol::MEMORY_PLAN_BYTES - protocol::DETECT_BASE_BYTES - 1_300 * MIB) / protocol::DETECT_BYTES_PER_POST;
    assert!(!protocol::detection_would_not_fit(1_300 * MIB, last_ok - 1));
    assert!(protocol::detection_would_not_fit(1_300 * MIB, last_ok + 1));
    const { assert!(protocol::MEMORY_PLAN_BYTES < 4096 * MIB) };
    assert!(protocol::detection_would_not_fit(u64::MAX, u64::MAX));
}
