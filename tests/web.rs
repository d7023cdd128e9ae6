//! Browser unit tests (wasm-bindgen-test in headless Chromium): the protocol session driven the
//! way the worker drives it, and UI helpers. Run with `make test-wasm` or
//! `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

use chorus::core::ingest::IngestOptions;
use chorus::protocol::{FileMeta, Request, Response, Session};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn ingest(session: &mut Session, name: &str, bytes: &[u8], chunk: usize) -> Response {
    let mut out = Vec::new();
    session.handle(
        Request::Ingest {
            files: vec![FileMeta { name: name.into(), size: bytes.len() as u64 }],
            options: IngestOptions::default(),
        },
        &mut |r| out.push(r),
    );
    assert!(out.is_empty(), "ingest setup answers nothing: {out:?}");
    session.ingest_file_start(0);
    for c in bytes.chunks(chunk.max(1)) {
        session.ingest_chunk(c);
    }
    session.ingest_file_end();
    session.ingest_end()
}

#[wasm_bindgen_test]
fn session_reads_a_file_in_chunks_in_the_browser() {
    let data =
        b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,10,alice,,,hello,1600000000,\n";
    let mut s = Session::new();
    let Response::Ingested(summary) = ingest(&mut s, "t.csv", data, 7) else { panic!("expected Ingested") };
    assert_eq!(summary.files.len(), 1);
    assert_eq!(summary.files[0].bytes, data.len() as u64);
    assert!(summary.files[0].balanced());
}

#[wasm_bindgen_test]
fn analyze_without_data_is_a_clear_error() {
    let mut s = Session::new();
    let mut out = Vec::new();
    s.handle(Request::Analyze { params: Default::default() }, &mut |r| out.push(r));
    match &out[..] {
        [Response::Error { message }] => assert!(message.contains("No dataset")),
        other => panic!("unexpected {other:?}"),
    }
}

#[wasm_bindgen_test]
fn responses_cross_the_boundary_as_js_values() {
    use serde::Serialize;
    let resp = Response::Error { message: "x".into() };
    let v = resp.serialize(&chorus::worker::js_serializer()).unwrap();
    let back: Response = serde_wasm_bindgen::from_value(v).unwrap();
    assert_eq!(back, resp);
}

#[wasm_bindgen_test]
fn human_bytes_reads_well() {
    assert_eq!(chorus::ui::human_bytes(999), "999 B");
    assert_eq!(chorus::ui::human_bytes(1_500_000), "1.5 MB");
}

mod workspace {
    use chorus::core::detect::{CoAction, DetectParams};
    use chorus::core::ingest::ColumnMapping;
    use chorus::protocol::{AccountTable, Response};
    use chorus::ui::table::{self, SortKey, TableData, TableQuery};
    use chorus::ui::{mapping, params};
    use serde::Serialize;
    use serde_bytes::ByteBuf;
    use std::collections::BTreeMap;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    fn sample_table() -> AccountTable {
        let names = ["alice\u{1f}1", "Bob\u{1f}2", "\u{1f}hash3", "<script>alert(1)</script>\u{1f}4"];
        let mut s = String::new();
        let mut off = vec![0u32];
        for n in names {
            s.push_str(n);
            off.push(s.len() as u32);
        }
        let u32b = |v: &[u32]| ByteBuf::from(v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>());
        AccountTable {
            n: 4,
            roles: ByteBuf::from(vec![1u8, 2, 0, 1]),
            clusters: u32b(&[0, 0, u32::MAX, 1]),
            scores: ByteBuf::from([0.9f32, 0.5, 0.0, 0.7].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>()),
            posts: u32b(&[10, 3, 1, 7]),
            names: s,
            name_offsets: u32b(&off),
        }
    }

    #[wasm_bindgen_test]
    fn parameters_round_trip_through_the_fragment() {
        let mut p = DetectParams::default();
        p.min_repetitions = 5;
        p.min_edge_weight = 3.5;
        p.resolution = 1.4;
        p.methods.iter_mut().find(|m| m.kind == CoAction::CoHashtag).unwrap().enabled = false;
        p.methods.iter_mut().find(|m| m.kind == CoAction::CoRetweet).unwrap().time_window_s = 30.0;
        let f = params::to_fragment(&p);
        assert!(f.contains("-co_hashtag:300"), "{f}");
        assert_eq!(params::from_fragment(&format!("#{f}")), p);
    }

    #[wasm_bindgen_test]
    fn a_damaged_fragment_keeps_defaults() {
        let p = params::from_fragment("#rep=abc&w=-3&sim=7&res=0&m=nonsense:5,co_tweet:xyz&zzz");
        assert_eq!(p, DetectParams::default());
        assert_eq!(params::from_fragment(""), DetectParams::default());
    }

    #[wasm_bindgen_test]
    fn table_columns_decode_and_query_sorts_filters_searches() {
        let t = TableData::from_table(&sample_table()).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t.name(2), ("", "hash3"));
        assert_eq!(t.label(0), "@alice");
        assert_eq!(t.label(2), "hash3");
        assert_eq!(table::query(&t, &TableQuery::default()), vec![0, 3, 1, 2]);
        let q = TableQuery { role: Some(1), ..Default::default() };
        assert_eq!(table::query(&t, &q), vec![0, 3]);
        let q = TableQuery { cluster: Some(0), sort: SortKey::Posts, descending: false, ..Default::default() };
        assert_eq!(table::query(&t, &q), vec![1, 0]);
        let q = TableQuery { search: "BOB".into(), ..Default::default() };
        assert_eq!(table::query(&t, &q), vec![1]);
        let q = TableQuery { search: "hash".into(), ..Default::default() };
        assert_eq!(table::query(&t, &q), vec![2]);
        let q = TableQuery { sort: SortKey::Name, descending: false, ..Default::default() };
        assert_eq!(table::query(&t, &q), vec![2, 3, 0, 1]);
    }

    #[wasm_bindgen_test]
    fn an_inconsistent_table_is_refused() {
        let mut bad = sample_table();
        bad.n = 5;
        assert!(TableData::from_table(&bad).is_err());
        let mut bad = sample_table();
        bad.name_offsets = ByteBuf::from(vec![0u8; 20]);
        bad.names = "x".into();
        bad.name_offsets = ByteBuf::from([0u32, 1, 1, 1, 99].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>());
        assert!(TableData::from_table(&bad).is_err());
    }

    #[wasm_bindgen_test]
    fn only_visible_rows_are_rendered() {
        assert_eq!(table::visible_window(100_000, 30.0, 0.0, 420.0, 10), (0, 34));
        let (a, b) = table::visible_window(100_000, 30.0, 30.0 * 50_000.0, 420.0, 10);
        assert_eq!((a, b), (49_990, 50_024));
        assert_eq!(table::visible_window(5, 30.0, 9999.0, 420.0, 10).1, 5);
        assert_eq!(table::visible_window(0, 30.0, 0.0, 420.0, 10), (0, 0));
    }

    #[wasm_bindgen_test]
    fn table_bytes_cross_the_boundary_as_uint8_arrays() {
        let resp = Response::Table(sample_table());
        let v = resp.serialize(&chorus::worker::js_serializer()).unwrap();
        let inner = js_sys::Reflect::get(&v, &"Table".into()).unwrap();
        let scores = js_sys::Reflect::get(&inner, &"scores".into()).unwrap();
        assert!(scores.is_instance_of::<js_sys::Uint8Array>(), "scores should be one Uint8Array");
        let back: Response = serde_wasm_bindgen::from_value(v).unwrap();
        assert_eq!(back, resp);
    }

    #[wasm_bindgen_test]
    fn remembered_mapping_overrides_the_guess_for_present_headers_only() {
        let headers = vec!["who".to_string(), "when".to_string(), "body".to_string()];
        let guess = ColumnMapping { text: Some("body".into()), ..Default::default() };
        let mut remembered = BTreeMap::new();
        remembered.insert("who".to_string(), "account".to_string());
        remembered.insert("when".to_string(), "time".to_string());
        remembered.insert("elsewhere".to_string(), "post_id".to_string());
        let m = mapping::apply_remembered(guess, &headers, &remembered);
        assert_eq!(m.account.as_deref(), Some("who"));
        assert_eq!(m.time.as_deref(), Some("when"));
        assert_eq!(m.text.as_deref(), Some("body"));
        assert_eq!(m.post_id, None);
        assert!(mapping::missing_required(&m).is_empty());
        assert_eq!(mapping::missing_required(&ColumnMapping::default()), vec!["Account id", "Time"]);
        assert_eq!(mapping::to_pairs(&m).get("who").map(String::as_str), Some("account"));
    }

    #[wasm_bindgen_test]
    fn numbers_read_well() {
        assert_eq!(chorus::ui::group(1234567), "1,234,567");
        assert_eq!(chorus::ui::group(12), "12");
        assert_eq!(chorus::ui::human_duration(75.0), "1 min 15 s");
        assert_eq!(chorus::ui::human_duration(f64::NAN), "—");
        assert_eq!(chorus::ui::truncate("abcdef", 3), "abc…");
        assert_eq!(chorus::ui::file_list(&["a", "b", "c", "d", "e"]), "a, b, c and 2 more");
        assert_eq!(chorus::ui::iso_time(86_400_000 + 3_660_000), "1970-01-02 01:01");
    }

    #[wasm_bindgen_test]
    fn cluster_and_role_colours_are_distinct() {
        assert_ne!(chorus::ui::role_rgb(1), chorus::ui::role_rgb(2));
        assert_ne!(chorus::ui::cluster_rgb(0), chorus::ui::cluster_rgb(1));
        assert_eq!(chorus::ui::cluster_rgb(u32::MAX), chorus::ui::role_rgb(0));
        let _ = web_sys::window().unwrap().dyn_into::<web_sys::Window>().unwrap();
    }
}

/// The CSV reader's field scan with WebAssembly SIMD (simd128: 64-byte windows of delimiter,
/// quote and line-end bit masks) against `csv-core` (one byte at a time never holds a whole
/// record, so `csv-core` reads every record), on random inputs of the bytes that matter: quotes,
/// `""`, CR, LF, CRLF, delimiters, multi-byte and invalid UTF-8, records longer than a window,
/// read whole, in random chunks and split at every position.
mod csv_scan {
    use chorus::core::ingest::csv::{CsvEvent, CsvReader};
    use wasm_bindgen_test::*;

    fn read(input: &[u8], chunks: &[usize]) -> Vec<String> {
        let mut r = CsvReader::new(None);
        let mut got = Vec::new();
        let mut f = |ev: CsvEvent| {
            got.push(match ev {
                CsvEvent::Record { fields, at, repaired_field } => {
                    format!("{at:?} {:?} {repaired_field:?}", fields.iter().collect::<Vec<_>>())
                }
                CsvEvent::Truncated { at, fields } => {
                    format!("{at:?} truncated {:?}", fields.iter().collect::<Vec<_>>())
                }
                other => format!("{other:?}"),
            })
        };
        let (mut i, mut k) = (0, 0);
        while i < input.len() {
            let n = chunks[k % chunks.len()].max(1).min(input.len() - i);
            r.feed(&input[i..i + n], &mut f);
            i += n;
            k += 1;
        }
        r.finish(&mut f);
        got
    }

    #[wasm_bindgen_test]
    fn simd_field_scan_agrees_with_csv_core() {
        const PIECES: &[&[u8]] = &[
            b"a",
            b"bc",
            b",",
            b",",
            b"\"",
            b"\"\"",
            b"\n",
            b"\r",
            b"\r\n",
            b"\xC3\xA9",
            b"\xE4\xB8\xAD",
            b"\xFF",
            b"0123456789abcdef0123456789abcdef",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for case in 0..600 {
            let mut input = b"h1,h2,h3\n".to_vec();
            for _ in 0..next(if case % 5 == 0 { 300 } else { 60 }) {
                input.extend_from_slice(PIECES[next(PIECES.len())]);
            }
            let want = read(&input, &[1]);
            assert_eq!(read(&input, &[usize::MAX]), want, "{:?}", String::from_utf8_lossy(&input));
            assert_eq!(read(&input, &[next(90) + 1, next(90) + 1]), want);
            if case % 20 == 0 {
                for i in 1..input.len() {
                    assert_eq!(read(&input, &[i, usize::MAX]), want, "split at {i}");
                }
            }
        }
    }
}
