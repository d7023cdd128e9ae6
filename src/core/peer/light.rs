//! A light reading path for `chorus network`: the toolkit's CSV straight into the columns one
//! network type needs, without building a [`crate::core::model::Dataset`].
//!
//! Two stages, so that a native caller can run them on two threads (the core itself starts none):
//!
//! 1. [`Splitter`]: bytes → [`Batch`]es. It runs the shared [`CsvReader`] and applies, row by row,
//!    exactly the checks of the full path (`CsvParser` + the toolkit row handler): field count,
//!    repeated header, empty `user_id`, the timestamp (Python `float`, else the date notations of
//!    `parse_time_ms`), UTF-8 repairs. A batch holds only the cells the network type needs
//!    (message id, user id, repost id and one of reply id / message / urls), copied into one byte
//!    buffer, plus the diagnostics in record order.
//! 2. [`Collector`]: batches → [`Actions`]. It drops repeated message ids (the first row wins, ids
//!    compared as strings like the toolkit's primary key), interns users and objects and emits the
//!    network's events. Numeric ids (the usual case) are compared as integers without hashing the
//!    strings, and ids arriving in increasing order (as exports usually are) skip the hash set.
//!
//! Diagnostics are the full path's: every record read is kept, a duplicate or rejected, with its
//! record, line and byte ([`FileReport::balanced`]).

use super::toolkit::{co_tweet_text_into, py_float, token_set, Actions, Event, NetworkType};
use crate::core::ingest::csv::{CsvEvent, CsvReader, Fields, Header};
use crate::core::ingest::io_archive::clip;
use crate::core::ingest::time::parse_time_ms;
use crate::core::ingest::{FileReport, Format};
use crate::core::model::{DiagKind, Diagnostic, Interner, Position, Ragged, NO_TIME};
use rustc_hash::{FxHashMap, FxHashSet};

/// One accepted row: its position, time in seconds and the end offsets (in [`Batch::bytes`]) of
/// its message id, user id, repost id and extra cell (reply id, message or urls, by type).
#[derive(Clone, Debug)]
struct Row {
    at: Position,
    time: f64,
    ends: [u32; 4],
}

/// What stage 1 found, in input order.
#[derive(Debug)]
enum Item {
    Row(Row),
    /// A rejected record.
    Reject(Position, DiagKind, String),
    /// A repair of the record that follows (it is kept or counted as a duplicate).
    Repaired(Position, DiagKind, String),
    /// A diagnostic about the file (record 0).
    Note(DiagKind, String),
}

/// The rows of a stretch of input (see the module docs).
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    items: Vec<Item>,
    /// Input bytes this batch covers.
    input_bytes: u64,
    rows: usize,
}

impl Batch {
    /// Rows and diagnostics held.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    fn clear(&mut self) {
        self.bytes.clear();
        self.items.clear();
        self.input_bytes = 0;
        self.rows = 0;
    }
    fn cell(&self, ends: &[u32; 4], start: u32, k: usize) -> &str {
        let s = if k == 0 { start } else { ends[k - 1] };
        // Cells are copied from validated UTF-8 at char boundaries.
        std::str::from_utf8(&self.bytes[s as usize..ends[k] as usize]).unwrap_or("")
    }
}

/// Which extra cell a network type needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extra {
    None,
    Reply,
    Message,
    Urls,
}

fn extra_of(kind: NetworkType) -> Extra {
    match kind {
        NetworkType::CoRetweet | NetworkType::CoPost => Extra::None,
        NetworkType::CoReply => Extra::Reply,
        NetworkType::CoTweet | NetworkType::CoSimilarTweet => Extra::Message,
        NetworkType::CoLink => Extra::Urls,
    }
}

#[derive(PartialEq, Eq)]
enum Stage {
    Header,
    Rows,
    Stopped,
}

/// Stage 1: a push reader of one toolkit CSV file (see the module docs).
pub struct Splitter {
    reader: CsvReader,
    st: SplitState,
}

struct SplitState {
    extra: Extra,
    stage: Stage,
    header: Header,
    id: usize,
    user: usize,
    time: usize,
    repost: Option<usize>,
    extra_col: Option<usize>,
    batch: Batch,
    fatal: Option<String>,
}

impl Splitter {
    pub fn new(kind: NetworkType) -> Self {
        Splitter {
            reader: CsvReader::new(None),
            st: SplitState {
                extra: extra_of(kind),
                stage: Stage::Header,
                header: Header::default(),
                id: 0,
                user: 0,
                time: 0,
                repost: None,
                extra_col: None,
                batch: Batch::default(),
                fatal: None,
            },
        }
    }

    /// Consume a chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.st.batch.input_bytes += chunk.len() as u64;
        if self.st.stage == Stage::Stopped {
            return;
        }
        let st = &mut self.st;
        self.reader.feed(chunk, &mut |ev| st.on_event(ev));
    }

    /// The file ended.
    pub fn finish(&mut self) {
        if self.st.stage != Stage::Stopped {
            let st = &mut self.st;
            self.reader.finish(&mut |ev| st.on_event(ev));
        }
        if self.st.stage == Stage::Header {
            self.st.set_fatal("the file is empty: no header row".into());
        }
    }

    /// The error that stopped reading this file (as the full path words it).
    pub fn fatal(&self) -> Option<&str> {
        self.st.fatal.as_deref()
    }

    /// Hand over what was read since the last call, continuing in `spare` (cleared here).
    pub fn take_batch(&mut self, mut spare: Batch) -> Batch {
        spare.clear();
        std::mem::replace(&mut self.st.batch, spare)
    }
}

impl SplitState {
    fn set_fatal(&mut self, message: String) {
        self.stage = Stage::Stopped;
        if self.fatal.is_none() {
            self.fatal = Some(message);
        }
    }

    fn reject(&mut self, at: Position, kind: DiagKind, message: String) {
        self.batch.items.push(Item::Reject(at, kind, message));
    }

    fn on_event(&mut self, ev: CsvEvent) {
        match ev {
            CsvEvent::Utf16 { big_endian } => self.set_fatal(format!(
                "the file is UTF-16 ({}); Chorus reads UTF-8 CSV: re-save it as \"CSV UTF-8\"",
                if big_endian { "big-endian" } else { "little-endian" }
            )),
            CsvEvent::TooLong { at, bytes } => match self.stage {
                Stage::Header => self.set_fatal(format!(
                    "the header row is too long ({bytes} bytes): this is not a CSV file Chorus can read"
                )),
                Stage::Rows => self.reject(
                    at,
                    DiagKind::TooLong,
                    format!("row of {bytes} bytes exceeds the row size limit; skipped"),
                ),
                Stage::Stopped => {}
            },
            CsvEvent::Truncated { at, fields } => match self.stage {
                Stage::Header => self.set_fatal("the file ends inside its header row (unterminated quote)".into()),
                Stage::Rows => {
                    let message = format!(
                        "the file ends inside a quoted field: last row incomplete ({} of {} fields)",
                        fields.len(),
                        self.header.names.len()
                    );
                    self.reject(at, DiagKind::Truncated, message)
                }
                Stage::Stopped => {}
            },
            CsvEvent::Record { fields, at, repaired_field } => match self.stage {
                Stage::Header => self.on_header(&fields, repaired_field.is_some()),
                Stage::Rows => self.on_row(&fields, at, repaired_field),
                Stage::Stopped => {}
            },
        }
    }

    fn on_header(&mut self, fields: &Fields, repaired: bool) {
        self.header = Header::from_fields(fields);
        if repaired {
            self.batch
                .items
                .push(Item::Note(DiagKind::InvalidUtf8, "invalid UTF-8 in the header row replaced with U+FFFD".into()));
        }
        let h = &self.header;
        match h.require("coordination-network-toolkit", &["message_id", "user_id", "timestamp"]) {
            Ok(req) => {
                (self.id, self.user, self.time) = (req[0], req[1], req[2]);
                self.repost = h.find("repost_id");
                self.extra_col = match self.extra {
                    Extra::None => None,
                    Extra::Reply => h.find("reply_id"),
                    Extra::Message => h.find("message"),
                    Extra::Urls => h.find("urls"),
                };
                self.stage = Stage::Rows;
            }
            Err(message) => self.set_fatal(message),
        }
    }

    fn on_row(&mut self, f: &Fields, at: Position, repaired_field: Option<usize>) {
        let n = self.header.names.len();
        if f.len() != n {
            return self.reject(at, DiagKind::FieldCount, format!("row has {} fields, the header has {n}", f.len()));
        }
        if self.header.is_repeated_in(f) {
            return self.reject(
                at,
                DiagKind::Syntax,
                "the header row repeats here (files concatenated?); row skipped".into(),
            );
        }
        let user = f.get(self.user).trim();
        if user.is_empty() {
            return self.reject(at, DiagKind::MissingField, "empty `user_id`".into());
        }
        // The toolkit's timestamp is Python's `float(cell)` in seconds; other notations are read
        // as dates (and kept to the millisecond) as in the full path.
        let cell = f.get(self.time);
        let time = match py_float(cell).filter(|s| s.is_finite() && s.abs() < 9.0e15) {
            Some(s) => s,
            None => {
                let v = cell.trim();
                match parse_time_ms(v) {
                    Some(t) if t != NO_TIME => t as f64 / 1000.0,
                    Some(_) => return self.reject(at, DiagKind::MissingField, "post without a time".into()),
                    None if v.is_empty() => return self.reject(at, DiagKind::MissingField, "empty `timestamp`".into()),
                    None => {
                        let message = format!("`timestamp` value `{}` is not a time", clip(v));
                        return self.reject(at, DiagKind::BadValue, message);
                    }
                }
            }
        };
        if let Some(i) = repaired_field {
            let col = self.header.names.get(i).map(String::as_str).unwrap_or("?");
            let message = format!("invalid UTF-8 in column `{col}` replaced with U+FFFD");
            self.batch.items.push(Item::Repaired(at.clone(), DiagKind::InvalidUtf8, message));
        }
        let extra = match self.extra {
            Extra::None => "",
            Extra::Reply => f.opt(self.extra_col).trim(),
            // Verbatim, as the toolkit reads them.
            Extra::Message | Extra::Urls => f.opt(self.extra_col),
        };
        let b = &mut self.batch;
        let mut ends = [0u32; 4];
        for (k, cell) in [f.get(self.id).trim(), user, f.opt(self.repost).trim(), extra].into_iter().enumerate() {
            b.bytes.extend_from_slice(cell.as_bytes());
            ends[k] = b.bytes.len() as u32;
        }
        b.items.push(Item::Row(Row { at, time, ends }));
        b.rows += 1;
    }
}

/// `s` as an integer when it is the canonical decimal form of one below 2^63 (no sign, no
/// leading zero), so that equal integers are equal strings.
fn canonical_u63(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 19 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64; // 19 digits fit in u64
    }
    (v < 1 << 63).then_some(v)
}

/// The `(row, id)` of rows whose id is that of an earlier row, in row order; `ids` holds
/// `(id, row)` in row order.
///
/// One hash set over a million random ids misses the cache on nearly every insert. Instead the
/// pairs are scattered (in row order) into partitions by a hash of the id, small enough for their
/// set to stay in cache, and each partition is checked on its own: the first row of an id wins.
fn repeated_rows(ids: &[(u64, u32)]) -> Vec<(u32, u64)> {
    let n = ids.len();
    let bits = (n / 4096).max(1).next_power_of_two().trailing_zeros().min(12);
    let part = |v: u64| {
        if bits == 0 {
            0
        } else {
            (v.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
        }
    };
    let parts = 1usize << bits;
    let mut start = vec![0usize; parts + 1];
    for &(v, _) in ids {
        start[part(v) + 1] += 1;
    }
    for p in 0..parts {
        start[p + 1] += start[p];
    }
    let mut at = start.clone();
    let mut scattered = vec![(0u64, 0u32); n];
    for &(v, r) in ids {
        let p = part(v);
        scattered[at[p]] = (v, r);
        at[p] += 1;
    }
    let largest = (0..parts).map(|p| start[p + 1] - start[p]).max().unwrap_or(0);
    let mut set: FxHashSet<u64> = FxHashSet::with_capacity_and_hasher(largest, Default::default());
    let mut repeats = Vec::new();
    for p in 0..parts {
        set.clear();
        for &(v, r) in &scattered[start[p]..start[p + 1]] {
            if !set.insert(v) {
                repeats.push((r, v));
            }
        }
    }
    repeats.sort_unstable();
    repeats
}

/// User ids in first-seen order; canonical integers (the usual case) are looked up as integers.
#[derive(Default)]
struct Users {
    numbers: FxHashMap<u64, u32>,
    strings: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Users {
    fn intern(&mut self, s: &str) -> u32 {
        let next = self.names.len() as u32;
        let i = match canonical_u63(s) {
            Some(v) => *self.numbers.entry(v).or_insert(next),
            None => match self.strings.get(s) {
                Some(&i) => i,
                None => {
                    self.strings.insert(s.into(), next);
                    next
                }
            },
        };
        if i == next {
            self.names.push(s.into());
        }
        i
    }
}

/// Strings numbered in first-seen order (only the numbers are needed).
#[derive(Default)]
struct Names {
    map: FxHashMap<Box<str>, u32>,
}

impl Names {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.map.len() as u32;
        self.map.insert(s.into(), i);
        i
    }
}

/// Objects that are not canonical integers are numbered from here (integers are below 2^63).
const STRING_OBJECT: u64 = 1 << 63;

/// Stage 2: batches of any number of files → [`Actions`] (see the module docs).
pub struct Collector {
    kind: NetworkType,
    max_listed: usize,
    /// Bytes of all input files, to size the columns from the first batch.
    total_bytes: u64,
    sized: bool,
    reports: Vec<FileReport>,
    kind_counts: Vec<(DiagKind, u64)>,
    /// First row of each report.
    file_rows: Vec<u32>,
    /// Rows kept so far (duplicates of integer ids are found and dropped in `finish`).
    rows: u32,
    /// Integer message ids and their rows.
    numeric_ids: Vec<(u64, u32)>,
    /// Other message ids (checked as they come).
    string_ids: FxHashSet<Box<str>>,
    /// Per row: its user and position (for the report of a repeated id).
    row_user: Vec<u32>,
    row_at: Vec<Position>,
    users: Users,
    /// Object strings (ids that are not integers, normalised texts, URLs).
    objects: Names,
    vocab: Interner,
    events: Vec<Event>,
    tokens: Ragged,
    scratch: Vec<u32>,
    text: String,
}

impl Collector {
    /// A collector for `kind`, listing at most `max_listed` diagnostics per file; `total_bytes`
    /// (0 if unknown) pre-sizes the columns.
    pub fn new(kind: NetworkType, max_listed: usize, total_bytes: u64) -> Self {
        Collector {
            kind,
            max_listed,
            total_bytes,
            sized: false,
            reports: Vec::new(),
            kind_counts: Vec::new(),
            file_rows: Vec::new(),
            rows: 0,
            numeric_ids: Vec::new(),
            string_ids: FxHashSet::default(),
            row_user: Vec::new(),
            row_at: Vec::new(),
            users: Users::default(),
            objects: Names::default(),
            vocab: Interner::new(),
            events: Vec::new(),
            tokens: Ragged::default(),
            scratch: Vec::new(),
            text: String::new(),
        }
    }

    /// Start the report of file `name`.
    pub fn begin_file(&mut self, name: &str) {
        self.close_counts();
        self.reports.push(FileReport { name: name.to_string(), format: Some(Format::Toolkit), ..Default::default() });
        self.file_rows.push(self.rows);
    }

    /// End the current file: `bytes` read, and the error that stopped it, if any.
    pub fn end_file(&mut self, bytes: u64, fatal: Option<&str>) {
        let r = self.current();
        r.bytes = bytes;
        if r.fatal.is_none() {
            r.fatal = fatal.map(String::from);
        }
        self.close_counts();
    }

    fn current(&mut self) -> &mut FileReport {
        if self.reports.is_empty() {
            self.reports.push(FileReport { name: "(input)".into(), ..Default::default() });
            self.file_rows.push(self.rows);
        }
        self.reports.last_mut().expect("a report")
    }

    fn close_counts(&mut self) {
        if self.kind_counts.is_empty() {
            return;
        }
        let mut counts = std::mem::take(&mut self.kind_counts);
        counts.sort();
        if let Some(r) = self.reports.last_mut() {
            r.by_kind = counts;
        }
    }

    fn diag(&mut self, at: Position, kind: DiagKind, message: String, rejected: bool) {
        match self.kind_counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.kind_counts.push((kind, 1)),
        }
        let max = self.max_listed;
        let r = self.current();
        if r.diagnostics.len() < max {
            let file = r.name.clone();
            r.diagnostics.push(Diagnostic { file, kind, at, message, rejected });
        }
    }

    /// Take in one batch of the current file.
    pub fn push(&mut self, batch: &Batch) {
        if !self.sized && batch.rows > 0 && batch.input_bytes > 0 {
            self.sized = true;
            let est = (self.total_bytes as f64 / batch.input_bytes as f64 * batch.rows as f64 * 1.05) as usize;
            let est = est.min(u32::MAX as usize);
            match self.kind {
                // Events are a share of the rows; growing from there costs little.
                NetworkType::CoRetweet | NetworkType::CoReply => self.events.reserve(est / 2),
                NetworkType::CoLink => self.events.reserve(est * 2),
                _ => self.events.reserve(est),
            }
            self.numeric_ids.reserve(est);
            self.row_user.reserve(est);
            self.row_at.reserve(est);
            match self.kind {
                NetworkType::CoSimilarTweet => self.tokens.offsets.reserve(est),
                // Texts repeat, but many are distinct: start the text map large.
                NetworkType::CoTweet => self.objects.map.reserve(est / 4),
                _ => {}
            }
        }
        let mut start = 0u32;
        for item in &batch.items {
            match item {
                Item::Row(row) => {
                    self.row(batch, row, start);
                    start = row.ends[3];
                }
                Item::Reject(at, kind, message) => {
                    let r = self.current();
                    r.records_read += 1;
                    r.records_rejected += 1;
                    self.diag(at.clone(), *kind, message.clone(), true);
                }
                Item::Repaired(at, kind, message) => {
                    self.current().records_repaired += 1;
                    self.diag(at.clone(), *kind, message.clone(), false);
                }
                Item::Note(kind, message) => {
                    self.diag(Position { record: 0, line: 0, byte: 0 }, *kind, message.clone(), false)
                }
            }
        }
    }

    fn row(&mut self, batch: &Batch, row: &Row, start: u32) {
        let id = batch.cell(&row.ends, start, 0);
        let msg = self.rows;
        match canonical_u63(id) {
            Some(v) => self.numeric_ids.push((v, msg)),
            None if self.string_ids.contains(id) => {
                let r = self.current();
                r.records_read += 1;
                r.duplicates += 1;
                let message = format!("post {id} was already read; counted once");
                self.diag(row.at.clone(), DiagKind::Duplicate, message, false);
                return;
            }
            None => {
                self.string_ids.insert(id.into());
            }
        }
        let r = self.current();
        r.records_read += 1;
        r.records_kept += 1;
        self.rows += 1;
        let user = self.users.intern(batch.cell(&row.ends, start, 1));
        self.row_user.push(user);
        self.row_at.push(row.at.clone());
        let time = row.time;
        let repost = batch.cell(&row.ends, start, 2);
        let timed = !time.is_nan(); // never NaN here; SQLite would never match it
        let event = |object: u64| Event { object, time, user, msg };
        match self.kind {
            NetworkType::CoRetweet => {
                if timed && !repost.is_empty() {
                    let object = self.object_id(repost);
                    self.events.push(event(object));
                }
            }
            NetworkType::CoReply => {
                let reply = batch.cell(&row.ends, start, 3);
                if timed && repost.is_empty() && !reply.is_empty() {
                    let object = self.object_id(reply);
                    self.events.push(event(object));
                }
            }
            NetworkType::CoPost => {
                if timed {
                    self.events.push(event(0));
                }
            }
            NetworkType::CoTweet => {
                if timed && repost.is_empty() {
                    co_tweet_text_into(batch.cell(&row.ends, start, 3), &mut self.text);
                    let object = self.objects.intern(&self.text) as u64;
                    self.events.push(event(object));
                }
            }
            NetworkType::CoLink => {
                if timed && repost.is_empty() {
                    // The toolkit's `urls.split(" ")`: an empty cell is the URL "".
                    let mut ids = std::mem::take(&mut self.scratch);
                    ids.clear();
                    ids.extend(batch.cell(&row.ends, start, 3).split(' ').map(|u| self.objects.intern(u)));
                    ids.sort_unstable();
                    ids.dedup();
                    self.events.extend(ids.iter().map(|&u| event(u as u64)));
                    self.scratch = ids;
                }
            }
            NetworkType::CoSimilarTweet => {
                if timed && repost.is_empty() {
                    let words = token_set(batch.cell(&row.ends, start, 3));
                    let vocab = &mut self.vocab;
                    self.tokens.push_row(words.iter().map(|w| vocab.intern(w)));
                    // All messages are one group: only time separates them.
                    self.events.push(event(0));
                } else {
                    self.tokens.push_row(std::iter::empty());
                }
            }
        }
    }

    /// The object of a message id (repost or reply target), compared as a string.
    fn object_id(&mut self, id: &str) -> u64 {
        match canonical_u63(id) {
            Some(v) => v,
            None => STRING_OBJECT | self.objects.intern(id) as u64,
        }
    }

    /// Drop the rows repeating an earlier row's id and report them; number the users of the
    /// remaining rows in byte order of their ids. Returns the events and the file reports.
    pub fn finish(mut self) -> (Actions, Vec<FileReport>) {
        self.close_counts();
        let repeats = repeated_rows(&self.numeric_ids);
        drop(std::mem::take(&mut self.numeric_ids));
        let n_rows = self.rows as usize;
        let mut dropped = vec![false; if repeats.is_empty() { 0 } else { n_rows }];
        for &(r, _) in &repeats {
            dropped[r as usize] = true;
        }
        if !repeats.is_empty() {
            self.events.retain(|e| !dropped[e.msg as usize]);
            self.report_repeats(&repeats);
        }
        // Users of the rows kept, in byte order.
        let names = std::mem::take(&mut self.users.names);
        let mut used = vec![false; names.len()];
        for (r, &u) in self.row_user.iter().enumerate() {
            if dropped.is_empty() || !dropped[r] {
                used[u as usize] = true;
            }
        }
        let mut order: Vec<u32> = (0..names.len() as u32).filter(|&u| used[u as usize]).collect();
        order.sort_unstable_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
        let mut rank = vec![u32::MAX; names.len()];
        for (r, &u) in order.iter().enumerate() {
            rank[u as usize] = r as u32;
        }
        for e in &mut self.events {
            e.user = rank[e.user as usize];
        }
        let mut names: Vec<Option<Box<str>>> = names.into_iter().map(Some).collect();
        let users: Vec<Box<str>> = order.iter().map(|&u| names[u as usize].take().unwrap_or_default()).collect();
        let actions = Actions {
            kind: self.kind,
            users,
            events: self.events,
            tokens: self.tokens,
            n_tokens: self.vocab.len(),
            messages: n_rows - repeats.len(),
        };
        (actions, self.reports)
    }

    /// Count the repeated rows as duplicates of their files and list them among the diagnostics
    /// in record order (the first `max_listed` of each file, as the full path lists them).
    fn report_repeats(&mut self, repeats: &[(u32, u64)]) {
        let mut at = 0;
        for f in 0..self.reports.len() {
            let end = self.file_rows.get(f + 1).copied().unwrap_or(u32::MAX);
            let from = at;
            while at < repeats.len() && repeats[at].0 < end {
                at += 1;
            }
            let mine = &repeats[from..at];
            if mine.is_empty() {
                continue;
            }
            let max = self.max_listed;
            let r = &mut self.reports[f];
            r.records_kept -= mine.len() as u64;
            r.duplicates += mine.len() as u64;
            match r.by_kind.iter_mut().find(|(k, _)| *k == DiagKind::Duplicate) {
                Some((_, n)) => *n += mine.len() as u64,
                None => {
                    r.by_kind.push((DiagKind::Duplicate, mine.len() as u64));
                    r.by_kind.sort();
                }
            }
            for &(row, id) in mine.iter().take(max) {
                r.diagnostics.push(Diagnostic {
                    file: r.name.clone(),
                    kind: DiagKind::Duplicate,
                    at: self.row_at[row as usize].clone(),
                    message: format!("post {id} was already read; counted once"),
                    rejected: false,
                });
            }
            // Stable: a row's repair stays before its duplicate note.
            r.diagnostics.sort_by_key(|d| d.at.record);
            r.diagnostics.truncate(max);
        }
    }
}

/// The light path on one thread: `files` (name, bytes) fed in chunks of `chunk` bytes.
pub fn read_files(
    kind: NetworkType,
    files: &[(&str, &[u8])],
    chunk: usize,
    max_listed: usize,
) -> (Actions, Vec<FileReport>) {
    let total = files.iter().map(|(_, b)| b.len() as u64).sum();
    let mut c = Collector::new(kind, max_listed, total);
    let mut spare = Batch::default();
    for &(name, bytes) in files {
        c.begin_file(name);
        let mut sp = Splitter::new(kind);
        for piece in bytes.chunks(chunk.max(1)) {
            sp.feed(piece);
            let b = sp.take_batch(spare);
            c.push(&b);
            spare = b;
        }
        sp.finish();
        let b = sp.take_batch(spare);
        c.push(&b);
        spare = b;
        c.end_file(bytes.len() as u64, sp.fatal());
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integers_only() {
        assert_eq!(canonical_u63("0"), Some(0));
        assert_eq!(canonical_u63("1234567890123456789"), Some(1234567890123456789));
        assert_eq!(canonical_u63("01"), None);
        assert_eq!(canonical_u63(""), None);
        assert_eq!(canonical_u63("12a"), None);
        assert_eq!(canonical_u63("9999999999999999999"), None); // >= 2^63
        assert_eq!(canonical_u63("12345678901234567890"), None);
    }

    #[test]
    fn the_first_row_of_an_id_wins_in_any_order() {
        let ids: Vec<(u64, u32)> =
            [5u64, 7, 6, 5, 6, 8, 7, 5].iter().enumerate().map(|(r, &v)| (v, r as u32)).collect();
        assert_eq!(repeated_rows(&ids), vec![(3, 5), (4, 6), (6, 7), (7, 5)]);
        // Many partitions.
        let ids: Vec<(u64, u32)> = (0..50_000u32).map(|r| ((r as u64 * 7919) % 30_011, r)).collect();
        let got = repeated_rows(&ids);
        let mut seen = std::collections::HashSet::new();
        let want: Vec<(u32, u64)> = ids.iter().filter(|(v, _)| !seen.insert(*v)).map(|&(v, r)| (r, v)).collect();
        assert_eq!(got, want);
        assert!(repeated_rows(&[]).is_empty());
    }
}
