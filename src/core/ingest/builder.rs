//! [`DatasetBuilder`]: the one sink every parser writes records into.
//!
//! Parsers fill a reusable [`PostRecord`] / [`AccountRecord`] per input record and hand it over
//! with [`DatasetBuilder::add_post`] / [`DatasetBuilder::add_account`], or report the record with
//! [`DatasetBuilder::reject`]. The builder interns strings, deduplicates posts across files,
//! merges account attributes from tweets and users files, and keeps the per-file accounting.

use super::csv::{fast_trim, split_list};
use super::text;
use super::Format;
use crate::core::model::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Options that change what ingest keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestOptions {
    /// Keep every post's full text (native `chorus network co_tweet|co_similar_tweet` needs it
    /// for exact agreement with coordination-network-toolkit). Off in the browser.
    pub keep_text: bool,
    /// How many diagnostics are listed per file (all are counted).
    pub max_listed_diagnostics: usize,
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
    /// Mapping for [`Format::GenericCsv`].
    pub mapping: Option<super::ColumnMapping>,
    /// Compute text fingerprints (`text_fp`, `simhash`) and keep text samples (default). `chorus
    /// network` turns this off: it reads the verbatim texts of `keep_text` instead, and the
    /// fingerprints are about 40% of its ingest time.
    #[serde(default = "yes")]
    pub text_fingerprints: bool,
    /// Bytes of post texts kept as samples for display (at most, and by default,
    /// [`TextSamples::BUDGET_BYTES`]).
    #[serde(default = "sample_budget")]
    pub sample_budget_bytes: usize,
}

fn yes() -> bool {
    true
}

fn sample_budget() -> usize {
    TextSamples::BUDGET_BYTES
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            keep_text: false,
            max_listed_diagnostics: 200,
            format: None,
            mapping: None,
            text_fingerprints: true,
            sample_budget_bytes: TextSamples::BUDGET_BYTES,
        }
    }
}

/// Attributes of an account, as one record of a users file or the user part of a post.
/// Empty strings / `None` mean "not given".
#[derive(Clone, Debug, Default)]
pub struct AccountRecord {
    pub id: String,
    pub screen_name: String,
    pub display_name: String,
    pub created_at_ms: Option<i64>,
    pub followers: Option<u32>,
    pub following: Option<u32>,
    pub language: String,
    /// Some(true) when the profile description is empty, Some(false) when it has text.
    pub description_empty: Option<bool>,
    pub client: String,
}

impl AccountRecord {
    pub fn clear(&mut self) {
        self.id.clear();
        self.screen_name.clear();
        self.display_name.clear();
        self.created_at_ms = None;
        self.followers = None;
        self.following = None;
        self.language.clear();
        self.description_empty = None;
        self.client.clear();
    }
}

/// One post as a parser read it. Reused between records (call [`PostRecord::clear`]).
#[derive(Clone, Debug)]
pub struct PostRecord {
    pub id: String,
    /// The author (only `id` is required; the rest fills the account's attributes).
    pub author: AccountRecord,
    pub time_ms: i64,
    pub kind: Kind,
    /// Id of the retweeted / replied-to / quoted post ("" when none or unknown).
    pub target_post: String,
    /// Author id of the target post ("" when unknown).
    pub target_account_id: String,
    /// Author screen name of the target post, e.g. from `RT @name:` ("" when unknown).
    pub target_screen_name: String,
    /// The post's own text ("" for none). For a retweet, leave it empty or give the RT text:
    /// retweets get no text fingerprint either way.
    pub text: String,
    pub hashtags: Vec<String>,
    pub urls: Vec<String>,
    /// Mentioned accounts (screen names without `@`, or ids).
    pub mentions: Vec<String>,
    /// The source's own time in seconds when it is finer than `time_ms` (e.g. a float-seconds
    /// column); kept only with `keep_text` in [`ExactColumns::time_s`]. None: `time_ms / 1000`.
    pub time_s: Option<f64>,
    /// The URLs exactly as the source lists them when that differs from `urls` (e.g. the
    /// toolkit CSV's `urls.split(" ")`, empty strings included); kept only with `keep_text` in
    /// [`ExactColumns::urls`]. None: `urls`.
    pub exact_urls: Option<Vec<String>>,
}

impl Default for PostRecord {
    fn default() -> Self {
        PostRecord {
            id: String::new(),
            author: AccountRecord::default(),
            time_ms: NO_TIME,
            kind: Kind::Post,
            target_post: String::new(),
            target_account_id: String::new(),
            target_screen_name: String::new(),
            text: String::new(),
            hashtags: Vec::new(),
            urls: Vec::new(),
            mentions: Vec::new(),
            time_s: None,
            exact_urls: None,
        }
    }
}

impl PostRecord {
    pub fn clear(&mut self) {
        self.id.clear();
        self.author.clear();
        self.time_ms = NO_TIME;
        self.kind = Kind::Post;
        self.target_post.clear();
        self.target_account_id.clear();
        self.target_screen_name.clear();
        self.text.clear();
        self.hashtags.clear();
        self.urls.clear();
        self.mentions.clear();
        self.time_s = None;
        self.exact_urls = None;
    }
}

/// What happened to one file (or one zip entry).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    pub name: String,
    /// Detected (or forced) format; None when it could not be recognised.
    pub format: Option<Format>,
    /// Bytes consumed (compressed bytes for .gz / .zip).
    pub bytes: u64,
    /// Records read: kept + duplicates + rejected.
    pub records_read: u64,
    pub records_kept: u64,
    pub duplicates: u64,
    pub records_rejected: u64,
    /// Records kept after a repair (e.g. lossy UTF-8), counted in `records_kept`.
    pub records_repaired: u64,
    /// Counts of diagnostics by kind (all of them, listed or not).
    pub by_kind: Vec<(DiagKind, u64)>,
    /// The first `max_listed_diagnostics` diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// A file-level error that stopped reading (kept records stay in the dataset).
    pub fatal: Option<String>,
}

impl FileReport {
    /// The accounting invariant: every record read is kept, a duplicate or rejected.
    pub fn balanced(&self) -> bool {
        self.records_read == self.records_kept + self.duplicates + self.records_rejected
    }
}

/// Builds a [`Dataset`] from records of any number of files.
pub struct DatasetBuilder {
    ds: Dataset,
    opts: IngestOptions,
    reports: Vec<FileReport>,
    /// Post key -> index, for de-duplication across files (dropped at `finish`).
    seen_posts: PostIndex,
    /// Reused buffers of `add_post` (normalised text, lowercased items, item ids).
    scratch_text: String,
    scratch_item: String,
    scratch_ids: Vec<u32>,
    /// Lowercased screen name -> account (for `RT @name:` resolution).
    by_screen_name: FxHashMap<Box<str>, AccountIdx>,
    /// Posts whose target account is known only by screen name, resolved at `finish`.
    pending_targets: Vec<(PostIdx, Box<str>)>,
    texts: Vec<Box<str>>,
    exact: ExactColumns,
    kind_counts: FxHashMap<DiagKind, u64>,
    /// The last author id looked up and its account (rows are often grouped by author).
    last_author: (String, AccountIdx),
    /// The last language and client interned, with their ids (usually the same row after row).
    last_language: (String, u32),
    last_client: (String, u32),
    /// Per account, its attributes and the builder's own flags in one record (the `Accounts`
    /// columns other than the ids and names stay empty until `finish` fills them from these).
    attrs: Vec<AccountAttrs>,
    /// Some: this builder records the calls instead of building (see [`Self::recording`]).
    recorded: Option<RecordedCalls>,
    /// The list items of [`Self::add_post_cells`] when not recording (reused).
    cell_lists: RecordedCalls,
    /// Recording: posts go without their texts (see [`Self::drop_texts`]).
    drop_texts: bool,
}

impl Default for DatasetBuilder {
    fn default() -> Self {
        Self::new(IngestOptions::default())
    }
}

impl DatasetBuilder {
    pub fn new(opts: IngestOptions) -> Self {
        let mut ds = Dataset::default();
        ds.samples.set_budget(opts.sample_budget_bytes);
        DatasetBuilder {
            ds,
            opts,
            reports: Vec::new(),
            seen_posts: PostIndex::default(),
            scratch_text: String::new(),
            scratch_item: String::new(),
            scratch_ids: Vec::new(),
            by_screen_name: FxHashMap::default(),
            pending_targets: Vec::new(),
            texts: Vec::new(),
            exact: ExactColumns::default(),
            kind_counts: FxHashMap::default(),
            last_author: (String::new(), NONE),
            last_language: (String::new(), NONE),
            last_client: (String::new(), NONE),
            attrs: Vec::new(),
            recorded: None,
            cell_lists: RecordedCalls::default(),
            drop_texts: false,
        }
    }

    /// A builder that records the calls parsers make on it instead of building a dataset, so that
    /// parsing and building can run on two threads of a native pipeline (the core itself starts
    /// none): the parsing side feeds a recording builder and hands each [`Self::take_recorded`]
    /// batch to the building side, which [`Self::apply`]s the batches in order to an ordinary
    /// builder. The dataset and reports are then the same as if the parsers had called the
    /// ordinary builder directly. The recording side also computes the text fingerprints and
    /// the post keys (pure functions of the record), which takes them off the building side.
    ///
    /// A recording builder answers reads as an empty builder would: `add_post` / `add_account`
    /// return None, `n_posts` is 0, `current_report` is None; its `finish` gives an empty dataset.
    pub fn recording(opts: IngestOptions) -> Self {
        let mut b = Self::new(opts);
        b.recorded = Some(RecordedCalls::default());
        b
    }

    /// Whether the posts still to come need their texts on the building side: not once the text
    /// samples are full (unless every text is kept, [`IngestOptions::keep_text`]). Nothing
    /// else the building side does reads a post's text when the fingerprints come with it, and
    /// it stays so (the samples never shrink).
    pub fn texts_unneeded(&self) -> bool {
        !self.opts.keep_text && (!self.opts.text_fingerprints || self.ds.samples.full())
    }

    /// Record the posts from now on without their texts (their fingerprints are still taken):
    /// for a recording builder whose building side said [`Self::texts_unneeded`]. Less to copy
    /// across to it: the text is half of a post's strings.
    pub fn drop_texts(&mut self) {
        self.drop_texts = true;
    }

    /// The calls recorded since the last take (empty unless [`Self::recording`]); `spare` (a
    /// batch done with, emptied here) takes its place so that its buffers are reused.
    pub fn take_recorded(&mut self, mut spare: RecordedCalls) -> RecordedCalls {
        spare.clear();
        match self.recorded.as_mut() {
            Some(r) => std::mem::replace(r, spare),
            None => spare,
        }
    }

    /// Make the recorded `calls` on this builder, in order, leaving `calls` empty (for reuse).
    /// The records are read in place: borrowed views into the batch's one string buffer.
    pub fn apply(&mut self, calls: &mut RecordedCalls) {
        let mut strs = Strs { text: &calls.text, lens: &calls.lens };
        for (at, call) in calls.calls.iter().enumerate() {
            if at % Self::LOOK_AHEAD == 0 {
                let ahead = &calls.calls[at..(at + Self::LOOK_AHEAD).min(calls.calls.len())];
                std::hint::black_box(self.look_ahead(ahead.iter().filter_map(Call::post_key_and_fp)));
                std::hint::black_box(self.look_ahead_accounts(ahead.iter(), strs.clone()));
            }
            self.apply_call(call, &mut strs);
        }
        debug_assert!(strs.text.is_empty() && strs.lens.is_empty(), "every recorded string read back once");
        calls.clear();
    }

    /// [`Self::apply`] of a batch as it crossed a worker boundary ([`WireBatch`]), read where it
    /// is: each call decoded as it is made, the strings borrowed from the batch's bytes (a
    /// [`RecordedCalls::refill`] first would copy the strings and the lengths once more and
    /// write every call out decoded).
    pub fn apply_wire(&mut self, batch: &WireBatch) {
        let mut strs = Strs { text: batch.text, lens: batch.lens };
        let calls = batch.calls;
        for (at, wire) in calls.iter().enumerate() {
            if at % Self::LOOK_AHEAD == 0 {
                let ahead = &calls[at..(at + Self::LOOK_AHEAD).min(calls.len())];
                std::hint::black_box(self.look_ahead(ahead.iter().filter_map(WireCall::post_key_and_fp)));
                let decoded = ahead.iter().filter_map(WireCall::call);
                std::hint::black_box(self.look_ahead_accounts(decoded, strs.clone()));
            }
            // every call was read once by `WireBatch::new`
            if let Some(call) = wire.call() {
                self.apply_call(&call, &mut strs);
            }
        }
        debug_assert!(strs.text.is_empty() && strs.lens.is_empty(), "every recorded string read back once");
    }

    /// Make one recorded call, its strings read from `strs`.
    #[inline]
    fn apply_call(&mut self, call: &Call, strs: &mut Strs) {
        match call {
            Call::BeginFile => self.begin_file(strs.next()),
            Call::SetFormat(f) => self.set_format(*f),
            Call::ExpectInputBytes(n) => self.expect_input_bytes(*n),
            Call::AddBytes(n) => self.add_bytes(*n),
            Call::Fatal => self.fatal(strs.next()),
            Call::Reject(at, kind) => self.reject(at.clone(), *kind, strs.next()),
            Call::Repaired(at, kind) => self.repaired(at.clone(), *kind, strs.next()),
            Call::Note(kind) => self.note(*kind, strs.next()),
            Call::Account(at, numbers) => {
                let rec = strs.account(numbers);
                self.add_account_view(&rec, at);
            }
            Call::Post(d) => {
                let rec = strs.post(d);
                self.add_post_fingerprinted(&rec, &d.at, Some(d.fingerprints));
            }
        }
    }

    /// Calls [`Self::apply`] looks ahead at (see [`Self::look_ahead`]).
    const LOOK_AHEAD: usize = 64;

    /// Read the seen-post index where the `posts` about to be added (their keys and text
    /// fingerprints) will probe it, all in one short loop before they are added, so that the
    /// cache misses of these reads (the table is far larger than the caches, and on rows in no
    /// order each post probes it at a random place) overlap one another instead of stalling
    /// each post's claim in turn; then, in a second loop, look up the posts' text fingerprints
    /// among the samples (a hash map as large, probed at random the same way, while samples are
    /// still kept). What is read is not used (it is summed, to be kept from being optimised
    /// away): nothing here changes the builder.
    fn look_ahead(&self, posts: impl Iterator<Item = (u64, u64)> + Clone) -> u32 {
        let mut sum = 0u32;
        for (key, _) in posts.clone() {
            sum = sum.wrapping_add(self.seen_posts.touch(key));
        }
        let samples = &self.ds.samples;
        if self.opts.text_fingerprints && !samples.full() {
            for (_, fp) in posts {
                if fp != 0 {
                    sum = sum.wrapping_add(samples.has_fp(fp) as u32);
                }
            }
        }
        sum
    }

    /// Read ahead what the account lookups of the `calls` about to be made will read: for each
    /// call's author (or users-file account) id and target account id, read from `strs` (a copy
    /// of the reader the calls will read their strings from), first the account table's slot
    /// where its lookup starts ([`Interner::read_slot`]), for all of them; then, in a second
    /// loop, the slot with its hash bits, the id's bytes ([`Interner::read_ahead`]) and the
    /// account's attributes (the record `merge_account` writes). On rows in no order (as IO
    /// archives hold them) each row's author and target is an account at random, and these
    /// reads were cache misses taken one after the other; read here, in short loops of
    /// independent reads, they overlap. What is read is only summed: nothing here changes the
    /// builder.
    fn look_ahead_accounts<C: std::borrow::Borrow<Call>>(&self, calls: impl Iterator<Item = C>, mut strs: Strs) -> u32 {
        let ids = &self.ds.accounts.ids;
        let mut hashes = [0u64; 2 * Self::LOOK_AHEAD];
        let mut n = 0;
        let mut sum = 0u32;
        for call in calls {
            for id in strs.skip_call(call.borrow()) {
                let id = fast_trim(id);
                if !id.is_empty() && n < hashes.len() {
                    let hash = Interner::hash(id.as_bytes());
                    sum = sum.wrapping_add(ids.read_slot(hash));
                    hashes[n] = hash;
                    n += 1;
                }
            }
        }
        for &hash in &hashes[..n] {
            if let Some((idx, first)) = ids.read_ahead(hash) {
                sum = sum.wrapping_add(first as u32);
                if let Some(a) = self.attrs.get(idx as usize) {
                    sum = sum.wrapping_add(a.sampled as u32);
                }
            }
        }
        sum
    }

    pub fn options(&self) -> &IngestOptions {
        &self.opts
    }

    /// Start a new file (or zip entry). Records until the next `begin_file` count for it.
    pub fn begin_file(&mut self, name: &str) {
        if let Some(r) = self.recorded.as_mut() {
            r.put_str(name);
            return r.calls.push(Call::BeginFile);
        }
        self.close_counts();
        self.reports.push(FileReport { name: name.to_string(), ..Default::default() });
    }

    /// The input about to be read is about `bytes` long (e.g. a file's size): reserve the post
    /// columns and the seen-post index for the posts it likely holds, so that they do not grow
    /// (copying) and rehash while reading. The estimate is one post per 512 bytes (IO-archive
    /// and API rows are 500-900 bytes; compressed input only makes it low, which costs nothing).
    pub fn expect_input_bytes(&mut self, bytes: u64) {
        if let Some(r) = self.recorded.as_mut() {
            return r.calls.push(Call::ExpectInputBytes(bytes));
        }
        let posts = (bytes / 512).min(u32::MAX as u64 / 2) as usize;
        self.ds.posts.reserve(posts);
        self.seen_posts.reserve(posts, &self.ds.posts.id);
        if self.opts.text_fingerprints {
            // One sample per distinct text until the sample budget is spent (a few hundred bytes
            // each): no more than the budget / 256 entries are worth reserving.
            let have = self.ds.samples.n_fps();
            let want = (have + posts).min(TextSamples::BUDGET_BYTES / 256);
            self.ds.samples.reserve_fps(want.saturating_sub(have));
        }
    }

    /// Set the current file's detected format.
    pub fn set_format(&mut self, format: Format) {
        if let Some(r) = self.recorded.as_mut() {
            return r.calls.push(Call::SetFormat(format));
        }
        self.current().format = Some(format);
    }

    /// Add to the current file's consumed byte count.
    pub fn add_bytes(&mut self, n: u64) {
        if let Some(r) = self.recorded.as_mut() {
            return r.calls.push(Call::AddBytes(n));
        }
        self.current().bytes += n;
    }

    /// A file-level error: reading stopped; what was kept stays.
    pub fn fatal(&mut self, message: impl Into<String>) {
        if let Some(r) = self.recorded.as_mut() {
            r.put_str(&message.into());
            return r.calls.push(Call::Fatal);
        }
        let r = self.current();
        if r.fatal.is_none() {
            r.fatal = Some(message.into());
        }
    }

    /// The report of the file being read.
    pub fn current_report(&self) -> Option<&FileReport> {
        self.reports.last()
    }

    pub fn reports(&self) -> &[FileReport] {
        &self.reports
    }

    /// Reject a whole record with a reason.
    pub fn reject(&mut self, at: Position, kind: DiagKind, message: impl Into<String>) {
        if let Some(r) = self.recorded.as_mut() {
            r.put_str(&message.into());
            return r.calls.push(Call::Reject(at, kind));
        }
        let r = self.current();
        r.records_read += 1;
        r.records_rejected += 1;
        self.diag(at, kind, message.into(), true);
    }

    /// Note a repair of a record that is still kept (call before `add_post` / `add_account`).
    pub fn repaired(&mut self, at: Position, kind: DiagKind, message: impl Into<String>) {
        if let Some(r) = self.recorded.as_mut() {
            r.put_str(&message.into());
            return r.calls.push(Call::Repaired(at, kind));
        }
        self.current().records_repaired += 1;
        self.diag(at, kind, message.into(), false);
    }

    /// A diagnostic about the file that is not one record (e.g. an unknown column was ignored).
    pub fn note(&mut self, kind: DiagKind, message: impl Into<String>) {
        if let Some(r) = self.recorded.as_mut() {
            r.put_str(&message.into());
            return r.calls.push(Call::Note(kind));
        }
        self.diag(Position { record: 0, line: 0, byte: 0 }, kind, message.into(), false);
    }

    fn diag(&mut self, at: Position, kind: DiagKind, message: String, rejected: bool) {
        *self.kind_counts.entry(kind).or_insert(0) += 1;
        let max = self.opts.max_listed_diagnostics;
        let file = self.current().name.clone();
        let r = self.current();
        if r.diagnostics.len() < max {
            r.diagnostics.push(Diagnostic { file, kind, at, message, rejected });
        }
    }

    fn current(&mut self) -> &mut FileReport {
        if self.reports.is_empty() {
            self.reports.push(FileReport { name: "(input)".into(), ..Default::default() });
        }
        self.reports.last_mut().unwrap()
    }

    fn close_counts(&mut self) {
        if self.kind_counts.is_empty() {
            return;
        }
        let mut counts: Vec<(DiagKind, u64)> = self.kind_counts.drain().collect();
        counts.sort();
        if let Some(r) = self.reports.last_mut() {
            r.by_kind = counts;
        }
    }

    /// Intern an account id (creating an attribute-less account when new).
    pub fn account(&mut self, id: &str) -> AccountIdx {
        let a = &mut self.ds.accounts;
        let (idx, new) = a.ids.insert(id);
        if !new {
            return idx;
        }
        a.screen_name.push("".into());
        a.display_name.push("".into());
        self.attrs.push(AccountAttrs::UNKNOWN);
        idx
    }

    /// [`Self::account`] through a one-entry cache (an id's account never changes).
    fn author_account(&mut self, id: &str) -> AccountIdx {
        if self.last_author.1 != NONE && same_str(&self.last_author.0, id) {
            return self.last_author.1;
        }
        let idx = self.account(id);
        self.last_author.0.clear();
        self.last_author.0.push_str(id);
        self.last_author.1 = idx;
        idx
    }

    /// Merge attributes into an account (non-empty values overwrite).
    fn merge_account(&mut self, rec: &AccountView) -> AccountIdx {
        let id = fast_trim(rec.id);
        let idx = self.author_account(id);
        let i = idx as usize;
        let at = &mut self.attrs[i];
        let mut has = false;
        if !rec.screen_name.is_empty() {
            let name = rec.screen_name.trim_start_matches('@');
            let is_id = same_str(name, id);
            if !(is_id && at.names_are_id & SCREEN_NAME_IS_ID != 0) {
                let same = match at.screen_name.is(name) {
                    Some(same) => same,
                    None => same_str(&self.ds.accounts.screen_name[i], name),
                };
                if !same {
                    self.ds.accounts.screen_name[i] = name.into();
                    at.screen_name = Inline::of(name);
                    self.by_screen_name.insert(name.to_lowercase().into(), idx);
                }
                set_flag(&mut at.names_are_id, SCREEN_NAME_IS_ID, is_id);
            }
            has = true;
        }
        if !rec.display_name.is_empty() {
            let name = rec.display_name;
            let is_id = same_str(name, id);
            if !(is_id && at.names_are_id & DISPLAY_NAME_IS_ID != 0) {
                let stored = &mut self.ds.accounts.display_name[i];
                let same = match at.display_name.is(name) {
                    Some(same) => same,
                    None => same_str(stored, name),
                };
                if !same {
                    *stored = name.into();
                    at.display_name = Inline::of(name);
                }
                set_flag(&mut at.names_are_id, DISPLAY_NAME_IS_ID, is_id);
            }
        }
        if let Some(t) = rec.created_at_ms {
            at.created_at = t;
            has = true;
        }
        if let Some(v) = rec.followers {
            at.followers = v;
            has = true;
        }
        if let Some(v) = rec.following {
            at.following = v;
            has = true;
        }
        if !rec.language.is_empty() {
            at.language = intern_cached(&mut self.ds.languages, &mut self.last_language, rec.language);
        }
        if let Some(e) = rec.description_empty {
            at.description_empty = e as u8;
            has = true;
        }
        if !rec.client.is_empty() {
            at.client = intern_cached(&mut self.ds.clients, &mut self.last_client, rec.client);
        }
        at.has_profile |= has;
        idx
    }

    /// Keep one users-file record. Returns the account.
    pub fn add_account(&mut self, rec: &AccountRecord, at: &Position) -> Option<AccountIdx> {
        self.add_account_view(&rec.view(), at)
    }

    /// [`Self::add_account`] of a borrowed record (e.g. straight from a parser's fields).
    pub fn add_account_view(&mut self, rec: &AccountView, at: &Position) -> Option<AccountIdx> {
        if let Some(r) = self.recorded.as_mut() {
            r.put_account(rec, at);
            return None;
        }
        if fast_trim(rec.id).is_empty() {
            self.reject(at.clone(), DiagKind::MissingField, "account row without an account id");
            return None;
        }
        let idx = self.merge_account(rec);
        let r = self.current();
        r.records_read += 1;
        r.records_kept += 1;
        Some(idx)
    }

    /// Keep one post (or count it as a duplicate / reject it). Returns the post index if kept.
    pub fn add_post(&mut self, rec: &PostRecord, at: &Position) -> Option<PostIdx> {
        if let Some(r) = self.recorded.as_mut() {
            let fingerprints = own_text_fingerprints(&self.opts, rec.kind, &rec.text, &mut self.scratch_text);
            let mut view = rec.view();
            if self.drop_texts {
                view.text = "";
            }
            r.put_post(&view, at, fingerprints);
            return None;
        }
        self.add_post_fingerprinted(&rec.view(), at, None)
    }

    /// [`Self::add_post`] of a post borrowed from a parser's fields, its lists still list cells
    /// (split as [`split_list`] splits them): nothing of the row is copied into a record first.
    /// Recording, the strings go straight into the batch and the cells are split into it.
    pub fn add_post_cells(&mut self, rec: &PostCells, at: &Position) -> Option<PostIdx> {
        if let Some(r) = self.recorded.as_mut() {
            let fingerprints = own_text_fingerprints(&self.opts, rec.kind, rec.text, &mut self.scratch_text);
            let text = if self.drop_texts { "" } else { rec.text };
            r.put_post_cells(&PostCells { text, ..*rec }, at, fingerprints, &mut self.scratch_item);
            return None;
        }
        // The lists split into a reused buffer, as a batch holds them, and read back as views.
        let mut lists = std::mem::take(&mut self.cell_lists);
        let lens = lists.put_cell_lists(rec, &mut self.scratch_item);
        let mut items = Strs { text: &lists.text, lens: &lists.lens };
        let view = PostView {
            id: rec.id,
            key: post_key(rec.id),
            author: rec.author,
            time_ms: rec.time_ms,
            kind: rec.kind,
            target_post: rec.target_post,
            target_key: post_key(rec.target_post),
            target_account_id: rec.target_account_id,
            target_screen_name: rec.target_screen_name,
            text: rec.text,
            hashtags: items.list(lens[0]),
            urls: items.list(lens[1]),
            mentions: items.list(lens[2]),
            time_s: None,
            exact_urls: None,
        };
        let kept = self.add_post_fingerprinted(&view, at, None);
        lists.clear();
        self.cell_lists = lists;
        kept
    }

    /// [`Self::add_post`] of a borrowed record, with the text fingerprints given when known
    /// (computed when None).
    fn add_post_fingerprinted(
        &mut self,
        rec: &PostView,
        at: &Position,
        fingerprints: Option<(u64, u64)>,
    ) -> Option<PostIdx> {
        if fast_trim(rec.author.id).is_empty() {
            self.reject(at.clone(), DiagKind::MissingField, "post without an account id");
            return None;
        }
        if rec.time_ms == NO_TIME {
            self.reject(at.clone(), DiagKind::MissingField, "post without a time");
            return None;
        }
        let key = rec.key;
        // From here on the post is kept unless it is a duplicate: claim its key in one lookup.
        let idx = self.ds.posts.len() as PostIdx;
        if key != 0 && !self.seen_posts.claim(key, idx, &self.ds.posts.id) {
            let r = self.current();
            r.records_read += 1;
            r.duplicates += 1;
            self.diag(
                at.clone(),
                DiagKind::Duplicate,
                format!("post {} was already read; counted once", rec.id.trim()),
                false,
            );
            return None;
        }
        let account = self.merge_account(&rec.author);
        let target_post = rec.target_key;
        let mut target_account = NONE;
        let target_account_id = fast_trim(rec.target_account_id);
        if !target_account_id.is_empty() {
            target_account = self.account(target_account_id);
            if !rec.target_screen_name.is_empty() {
                let i = target_account as usize;
                if self.ds.accounts.screen_name[i].is_empty() {
                    let name = rec.target_screen_name.trim_start_matches('@');
                    self.ds.accounts.screen_name[i] = name.into();
                    self.attrs[i].screen_name = Inline::of(name);
                    self.by_screen_name.insert(name.to_lowercase().into(), target_account);
                }
            }
        } else if rec.kind != Kind::Post && !rec.target_screen_name.is_empty() {
            let name = rec.target_screen_name.trim_start_matches('@').to_lowercase();
            self.pending_targets.push((idx, name.into()));
        }
        let (fp, sh) = match fingerprints {
            Some(f) => f,
            None => own_text_fingerprints(&self.opts, rec.kind, rec.text, &mut self.scratch_text),
        };

        self.ds.posts.push(PostRow {
            id: key,
            account,
            time_ms: rec.time_ms,
            kind: rec.kind,
            target_post,
            target_account,
            text_fp: fp,
            simhash: sh,
        });
        let ds = &mut self.ds;
        let (item, ids) = (&mut self.scratch_item, &mut self.scratch_ids);
        ids.clear();
        for h in &rec.hashtags {
            let tag = lowercased(fast_trim(h).trim_start_matches(['#', '＃']), item);
            if !tag.is_empty() {
                ids.push(ds.hashtags.intern(tag));
            }
        }
        ids.dedup();
        ds.posts.hashtags.push_row(ids.iter().copied());
        ids.clear();
        for u in &rec.urls {
            let u = fast_trim(u);
            if u.is_empty() {
                continue;
            }
            let id = ds.urls.intern(u);
            if id as usize == ds.url_domain.len() {
                let d = ds.domains.intern(&text::domain_of(u));
                ds.url_domain.push(d);
            }
            ids.push(id);
        }
        ds.posts.urls.push_row(ids.iter().copied());
        ids.clear();
        for m in &rec.mentions {
            let name = lowercased(fast_trim(m).trim_start_matches('@'), item);
            if !name.is_empty() && name != "0" {
                ids.push(ds.mentions.intern(name));
            }
        }
        ds.posts.mentions.push_row(ids.iter().copied());

        if self.opts.text_fingerprints && !rec.text.is_empty() {
            self.sample_text(idx, account, fp, rec.text);
        }
        if self.opts.keep_text {
            self.texts.push(rec.text.into());
            let x = &mut self.exact;
            x.message_id.push(rec.id);
            let same = same_str(self.ds.accounts.ids.resolve(account), rec.author.id);
            x.user_id.push(if same { NONE } else { x.user_strings.intern(rec.author.id) });
            x.target_id.push(rec.target_post);
            x.time_s.push(rec.time_s.unwrap_or(rec.time_ms as f64 / 1000.0));
            let urls = rec.exact_urls.unwrap_or(rec.urls);
            let ids: Vec<u32> = urls.iter().map(|u| x.url_strings.intern(u)).collect();
            x.urls.push_row(ids);
        }
        let r = self.current();
        r.records_read += 1;
        r.records_kept += 1;
        Some(idx)
    }

    fn sample_text(&mut self, post: PostIdx, account: AccountIdx, fp: u64, raw: &str) {
        let s = &mut self.ds.samples;
        if s.full() {
            return;
        }
        let sampled = &mut self.attrs[account as usize].sampled;
        let for_account = (*sampled as usize) < TextSamples::PER_ACCOUNT;
        if !for_account && fp == 0 {
            return;
        }
        let n = s.add(post, account, for_account, fp, raw);
        if for_account {
            *sampled = n as u8;
        }
    }

    /// Number of posts kept so far.
    pub fn n_posts(&self) -> usize {
        self.ds.posts.len()
    }
    /// Number of accounts so far.
    pub fn n_accounts(&self) -> usize {
        self.ds.accounts.len()
    }
    /// (min, max) post time so far.
    pub fn time_span(&self) -> Option<(i64, i64)> {
        self.ds.time_span()
    }
    /// (min, max) time of the posts from index `from` on (None when none of them has a time):
    /// with the span of the posts before `from`, the span so far at the cost of the new posts.
    pub fn time_span_since(&self, from: usize) -> Option<(i64, i64)> {
        self.ds.posts.time_span_from(from)
    }
    /// Bytes the model holds now.
    pub fn heap_bytes(&self) -> usize {
        self.ds.heap_bytes() + self.seen_posts.heap_bytes()
    }

    /// Close the dataset: resolve `RT @name` targets, drop ingest-only indexes.
    pub fn finish(mut self) -> (Dataset, Vec<FileReport>) {
        self.close_counts();
        // A target post that is in the dataset names its author, even when the row did not
        // (IO archives give a quoted tweet's id only; replies may lack in_reply_to_userid).
        let posts = &mut self.ds.posts;
        for i in 0..posts.len() {
            let tp = posts.target_post(i);
            if tp != 0 && posts.target_account(i) == NONE {
                if let Some(t) = self.seen_posts.get(tp, &posts.id) {
                    posts.set_target_account(i, posts.account[t as usize]);
                }
            }
        }
        // Free the ingest-only indexes before the columns are shrunk (each shrink copies a
        // column: the peak of `finish` is the model plus the largest column, not plus these).
        self.seen_posts = PostIndex::default();
        let pending = std::mem::take(&mut self.pending_targets);
        for (post, name) in pending {
            let known = self.ds.posts.target_account(post as usize);
            if known != NONE {
                // resolved from the target post itself; the `RT @name` still names that author
                if self.ds.accounts.screen_name[known as usize].is_empty() && !self.by_screen_name.contains_key(&name) {
                    self.ds.accounts.screen_name[known as usize] = name.clone();
                    self.by_screen_name.insert(name, known);
                }
                continue;
            }
            let idx = if let Some(&a) = self.by_screen_name.get(&name) {
                a
            } else if let Some(a) = self.ds.accounts.ids.get(&name) {
                a
            } else {
                let a = self.account(&name);
                self.ds.accounts.screen_name[a as usize] = name.clone();
                self.by_screen_name.insert(name, a);
                a
            };
            let linked = self.ds.posts.set_target_account(post as usize, idx);
            debug_assert!(linked, "a pending target is a repost, reply or quote");
        }
        self.by_screen_name = FxHashMap::default();
        // The attribute columns, each allocated once at its final size.
        let attrs = std::mem::take(&mut self.attrs);
        let a = &mut self.ds.accounts;
        a.created_at = attrs.iter().map(|x| x.created_at).collect();
        a.followers = attrs.iter().map(|x| x.followers).collect();
        a.following = attrs.iter().map(|x| x.following).collect();
        a.language = attrs.iter().map(|x| x.language).collect();
        a.description_empty = attrs.iter().map(|x| x.description_empty).collect();
        a.client = attrs.iter().map(|x| x.client).collect();
        a.has_profile = attrs.iter().map(|x| x.has_profile).collect();
        drop(attrs);
        if self.opts.keep_text {
            self.ds.texts = Some(std::mem::take(&mut self.texts));
            self.ds.exact = Some(std::mem::take(&mut self.exact));
        }
        self.ds.shrink_to_fit();
        (self.ds, self.reports)
    }
}

/// One account's attributes while the dataset is built: the values of the `Accounts` columns
/// (see there) that a row's merge writes, next to each other so that a row touches one cache
/// line for them instead of one per column, and the builder's per-account flags. 64 bytes, one
/// cache line: the two names are copied in when short, so that merging a row with the same
/// names reads nothing else (comparing with the stored `Box<str>` names was two cache misses a
/// row, 13% of the building thread on the synthetic rows).
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct AccountAttrs {
    created_at: i64,
    followers: u32,
    following: u32,
    language: u32,
    client: u32,
    description_empty: u8,
    has_profile: bool,
    /// [`SCREEN_NAME_IS_ID`] / [`DISPLAY_NAME_IS_ID`] when that name is known to equal the account
    /// id (hashed IO-archive accounts carry the hash as both names), so that merging a row with
    /// the same names compares them with the row's id instead of reading the stored names (a
    /// cache miss per name and row).
    names_are_id: u8,
    /// How many samples `samples` holds for the account (saturating at `PER_ACCOUNT`), so that
    /// accounts that have all theirs skip the map.
    sampled: u8,
    /// The account's stored `Accounts::screen_name` / `display_name` when short (Twitter screen
    /// names have at most 15 characters), kept equal to it by every write while building.
    screen_name: Inline<16>,
    display_name: Inline<20>,
}

const _: () = assert!(std::mem::size_of::<AccountAttrs>() == 64);

/// A copy of a string of fewer than `N` bytes, with its length in the last byte, or a mark that
/// the string is too long to be copied here.
#[derive(Clone, Copy, Debug)]
struct Inline<const N: usize>([u8; N]);

impl<const N: usize> Inline<N> {
    const TOO_LONG: u8 = u8::MAX;
    /// The empty string.
    const EMPTY: Self = Inline([0; N]);
    fn of(s: &str) -> Self {
        let mut b = [0; N];
        if s.len() < N && s.len() < Self::TOO_LONG as usize {
            b[..s.len()].copy_from_slice(s.as_bytes());
            b[N - 1] = s.len() as u8;
        } else {
            b[N - 1] = Self::TOO_LONG;
        }
        Inline(b)
    }
    /// Whether `s` is the string copied, None when it was too long to be copied.
    #[inline]
    fn is(&self, s: &str) -> Option<bool> {
        let n = self.0[N - 1];
        if n == Self::TOO_LONG {
            return None;
        }
        Some(self.0.get(..n as usize).is_some_and(|b| same_bytes(b, s.as_bytes())))
    }
}

impl AccountAttrs {
    /// An account known by its id only.
    const UNKNOWN: AccountAttrs = AccountAttrs {
        created_at: NO_TIME,
        followers: u32::MAX,
        following: u32::MAX,
        language: NONE,
        client: NONE,
        description_empty: 2,
        has_profile: false,
        names_are_id: 0,
        sampled: 0,
        screen_name: Inline::EMPTY,
        display_name: Inline::EMPTY,
    };
}

/// Bits of `AccountAttrs::names_are_id`: the account's stored screen name / display name
/// equals its id. Only `merge_account` sets them, right after storing or checking that name.
const SCREEN_NAME_IS_ID: u8 = 1;
const DISPLAY_NAME_IS_ID: u8 = 2;

#[inline]
fn set_flag(flags: &mut u8, bit: u8, on: bool) {
    if on {
        *flags |= bit;
    } else {
        *flags &= !bit;
    }
}

/// The text fingerprint and SimHash of a post with its own text ((0, 0) otherwise, or when the
/// options turn fingerprints off).
fn own_text_fingerprints(opts: &IngestOptions, kind: Kind, own: &str, scratch: &mut String) -> (u64, u64) {
    let own_text = opts.text_fingerprints && kind != Kind::Retweet && !own.is_empty();
    if own_text {
        text::fingerprints(own, scratch)
    } else {
        (0, 0)
    }
}

/// Builder calls recorded by a [`DatasetBuilder::recording`] builder, to be made on another
/// builder with [`DatasetBuilder::apply`].
///
/// A batch is self-contained and holds no pointer: every string of its calls (each record's
/// string fields, list items, file names, messages) is appended to one byte buffer, back to
/// back in the order `apply` reads them, with its byte length in a `u32` array; the calls are
/// fixed-size descriptors of plain values (position, numeric fields, kind, fingerprints, list
/// lengths). So recording a record is two appends and no allocation once the buffers have
/// grown, `apply` reads the records as borrowed views (`&str`) into the buffer, and an applied
/// batch goes back to the recording side to be refilled: nothing is freed on another thread
/// than the one that allocated it. (The same layout could cross a Web Worker boundary as
/// transferable `ArrayBuffer`s: the bytes, the lengths and the descriptors as `u32` words.)
#[derive(Debug, Default)]
pub struct RecordedCalls {
    calls: Vec<Call>,
    /// Every string of `calls`, back to back, in the order `apply` reads them back.
    text: String,
    /// The byte length of each string of `text`, in order.
    lens: Vec<u32>,
}

impl RecordedCalls {
    /// Number of calls recorded.
    pub fn len(&self) -> usize {
        self.calls.len()
    }
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
    /// Bytes of strings recorded.
    pub fn text_bytes(&self) -> usize {
        self.text.len()
    }
    /// Empty the batch, keeping its buffers.
    fn clear(&mut self) {
        self.calls.clear();
        self.text.clear();
        self.lens.clear();
    }
    fn put_str(&mut self, s: &str) {
        // A string of 4 GiB or more (which no parser's record holds: a chunk is a few MiB) would
        // be cut at the last char boundary below 4 GiB.
        let s = truncate_at_char(s, u32::MAX as usize);
        self.text.push_str(s);
        self.lens.push(s.len() as u32);
    }
    /// [`Self::put_str`] of each of `strs`, in order, with one reservation of each buffer.
    #[inline]
    fn put_strs<const N: usize>(&mut self, strs: [&str; N]) {
        let strs = strs.map(|s| truncate_at_char(s, u32::MAX as usize));
        self.text.reserve(strs.iter().map(|s| s.len()).sum());
        self.lens.extend_from_slice(&strs.map(|s| s.len() as u32));
        for s in strs {
            self.text.push_str(s);
        }
    }
    /// A list's items, and its (items, bytes).
    fn put_list(&mut self, list: &StrList) -> ListLen {
        let start = (self.text.len(), self.lens.len());
        list.iter().for_each(|s| self.put_str(s));
        self.list_len(start)
    }
    /// The (items, bytes) recorded since `start` (the lengths of `text` and `lens` then).
    fn list_len(&self, start: (usize, usize)) -> ListLen {
        ListLen { items: (self.lens.len() - start.1) as u32, bytes: (self.text.len() - start.0) as u32 }
    }
    /// A list cell's items (see [`split_list`]), split straight into the buffer; `drop_zero`:
    /// without its `0` items (no account, in IO-archive mentions).
    fn put_cell_list(&mut self, cell: &str, drop_zero: bool, scratch: &mut String) -> ListLen {
        // The empty list, as most cells hold it (`split_list` has no item for either).
        if cell.len() <= 2 && (cell.is_empty() || cell == "[]") {
            return ListLen { items: 0, bytes: 0 };
        }
        let start = (self.text.len(), self.lens.len());
        split_list(cell, scratch, |item| {
            if !(drop_zero && item == "0") {
                self.put_str(item);
            }
        });
        self.list_len(start)
    }
    /// The three lists of a [`PostCells`], in order.
    fn put_cell_lists(&mut self, p: &PostCells, scratch: &mut String) -> [ListLen; 3] {
        [
            self.put_cell_list(p.hashtags, false, scratch),
            self.put_cell_list(p.urls, false, scratch),
            self.put_cell_list(p.mentions, true, scratch),
        ]
    }
    /// The strings of an account, in the order [`Strs::account`] reads them.
    fn put_account_strs(&mut self, a: &AccountView) {
        self.put_strs([a.id, a.screen_name, a.display_name, a.language, a.client]);
    }
    fn put_account(&mut self, a: &AccountView, at: &Position) {
        self.put_account_strs(a);
        self.calls.push(Call::Account(at.clone(), AccountNumbers::of(a)));
    }
    /// The strings of a post before its lists, in the order [`Strs::post`] reads them.
    fn put_post_strs(&mut self, id: &str, a: &AccountView, targets_and_text: [&str; 4]) {
        let [target_post, target_account_id, target_screen_name, text] = targets_and_text;
        self.put_strs([
            id,
            a.id,
            a.screen_name,
            a.display_name,
            a.language,
            a.client,
            target_post,
            target_account_id,
            target_screen_name,
            text,
        ]);
    }
    /// A post, in the order [`Strs::post`] reads it.
    fn put_post(&mut self, p: &PostView, at: &Position, fingerprints: (u64, u64)) {
        self.put_post_strs(p.id, &p.author, [p.target_post, p.target_account_id, p.target_screen_name, p.text]);
        let lists = [&p.hashtags, &p.urls, &p.mentions].map(|list| self.put_list(list));
        let exact_urls = p.exact_urls.as_ref().map(|list| self.put_list(list));
        self.calls.push(Call::Post(PostNumbers {
            at: at.clone(),
            fingerprints,
            keys: (p.key, p.target_key),
            time_ms: p.time_ms,
            time_s: p.time_s,
            kind: p.kind,
            author: AccountNumbers::of(&p.author),
            lists,
            exact_urls,
        }));
    }
    /// A post from cells, recorded exactly as the same post from a record is by [`Self::put_post`].
    fn put_post_cells(&mut self, p: &PostCells, at: &Position, fingerprints: (u64, u64), scratch: &mut String) {
        self.put_post_strs(p.id, &p.author, [p.target_post, p.target_account_id, p.target_screen_name, p.text]);
        let lists = self.put_cell_lists(p, scratch);
        self.calls.push(Call::Post(PostNumbers {
            at: at.clone(),
            fingerprints,
            keys: (post_key(p.id), post_key(p.target_post)),
            time_ms: p.time_ms,
            time_s: None,
            kind: p.kind,
            author: AccountNumbers::of(&p.author),
            lists,
            exact_urls: None,
        }));
    }
}

/// One recorded builder call: its plain-value arguments here, its strings (in order) in the
/// batch's buffer.
#[derive(Debug)]
enum Call {
    /// The file name.
    BeginFile,
    SetFormat(Format),
    ExpectInputBytes(u64),
    AddBytes(u64),
    /// The message.
    Fatal,
    /// And the message.
    Reject(Position, DiagKind),
    Repaired(Position, DiagKind),
    Note(DiagKind),
    /// And the account's strings.
    Account(Position, AccountNumbers),
    /// And the post's strings.
    Post(PostNumbers),
}

impl Call {
    /// A post's key and text fingerprint (what [`DatasetBuilder::look_ahead`] reads ahead).
    fn post_key_and_fp(&self) -> Option<(u64, u64)> {
        match self {
            Call::Post(d) => Some((d.keys.0, d.fingerprints.0)),
            _ => None,
        }
    }
}

/// The fields of an [`AccountRecord`] that are not strings.
#[derive(Debug)]
struct AccountNumbers {
    created_at_ms: Option<i64>,
    followers: Option<u32>,
    following: Option<u32>,
    description_empty: Option<bool>,
}

impl AccountNumbers {
    fn of(a: &AccountView) -> Self {
        AccountNumbers {
            created_at_ms: a.created_at_ms,
            followers: a.followers,
            following: a.following,
            description_empty: a.description_empty,
        }
    }
}

/// The fields of a [`PostRecord`] that are not strings, with the lengths of its lists, and what
/// the recording side computes from it: the text fingerprints and the post keys.
#[derive(Debug)]
struct PostNumbers {
    at: Position,
    fingerprints: (u64, u64),
    /// `post_key` of the id and of the target post.
    keys: (u64, u64),
    time_ms: i64,
    time_s: Option<f64>,
    kind: Kind,
    author: AccountNumbers,
    /// `hashtags`, `urls`, `mentions`.
    lists: [ListLen; 3],
    exact_urls: Option<ListLen>,
}

/// The number of items of a recorded list and their bytes. A list of 4 GiB or more (which no
/// parser's record holds: a chunk is a few MiB) would be read back wrong.
#[derive(Clone, Copy, Debug)]
struct ListLen {
    items: u32,
    bytes: u32,
}

/// Reads a batch's strings back in order.
#[derive(Clone)]
struct Strs<'a> {
    text: &'a str,
    lens: &'a [u32],
}

impl<'a> Strs<'a> {
    fn next(&mut self) -> &'a str {
        let (&n, lens) = self.lens.split_first().unwrap_or((&0, &[]));
        self.lens = lens;
        let (s, text) = self.text.split_at(n as usize);
        self.text = text;
        s
    }
    fn list(&mut self, n: ListLen) -> StrList<'a> {
        let (lens, rest) = self.lens.split_at(n.items as usize);
        self.lens = rest;
        let (text, rest) = self.text.split_at(n.bytes as usize);
        self.text = rest;
        StrList::Packed { text, lens }
    }
    /// Move past the strings of `call` (as [`DatasetBuilder::apply_call`] reads them) and return
    /// the account ids among them: a post's author and target account ids, a users-file
    /// account's id ("" for none). A post's strings are its id, the author's five (id first),
    /// the target post, the target account id, the target's screen name and the text (ten),
    /// then its lists (skipped by their totals).
    fn skip_call(&mut self, call: &Call) -> [&'a str; 2] {
        match call {
            Call::SetFormat(_) | Call::ExpectInputBytes(_) | Call::AddBytes(_) => ["", ""],
            Call::BeginFile | Call::Fatal | Call::Reject(..) | Call::Repaired(..) | Call::Note(_) => {
                self.next();
                ["", ""]
            }
            Call::Account(_, n) => [self.account(n).id, ""],
            Call::Post(d) => {
                let Some(lens) = self.lens.get(..10) else {
                    *self = Strs { text: "", lens: &[] };
                    return ["", ""];
                };
                let mut ends = [0usize; 10];
                let mut end = 0;
                for (e, &n) in ends.iter_mut().zip(lens) {
                    end += n as usize;
                    *e = end;
                }
                let ids =
                    [self.text.get(ends[0]..ends[1]).unwrap_or(""), self.text.get(ends[6]..ends[7]).unwrap_or("")];
                let lists = d.lists.iter().chain(&d.exact_urls);
                let (items, bytes) = lists.fold((10, end), |(i, b), l| (i + l.items as usize, b + l.bytes as usize));
                self.lens = self.lens.get(items..).unwrap_or(&[]);
                self.text = self.text.get(bytes..).unwrap_or("");
                ids
            }
        }
    }
    fn account(&mut self, n: &AccountNumbers) -> AccountView<'a> {
        let (id, screen_name, display_name) = (self.next(), self.next(), self.next());
        let (language, client) = (self.next(), self.next());
        AccountView {
            id,
            screen_name,
            display_name,
            created_at_ms: n.created_at_ms,
            followers: n.followers,
            following: n.following,
            language,
            description_empty: n.description_empty,
            client,
        }
    }
    fn post(&mut self, n: &PostNumbers) -> PostView<'a> {
        let id = self.next();
        let author = self.account(&n.author);
        let (target_post, target_account_id, target_screen_name) = (self.next(), self.next(), self.next());
        let text = self.next();
        let (hashtags, urls, mentions) = (self.list(n.lists[0]), self.list(n.lists[1]), self.list(n.lists[2]));
        let exact_urls = n.exact_urls.map(|l| self.list(l));
        PostView {
            id,
            key: n.keys.0,
            author,
            time_ms: n.time_ms,
            kind: n.kind,
            target_post,
            target_key: n.keys.1,
            target_account_id,
            target_screen_name,
            text,
            hashtags,
            urls,
            mentions,
            time_s: n.time_s,
            exact_urls,
        }
    }
}

/// A batch as plain bytes, to cross a process or Web Worker boundary (the browser splits a read
/// across two workers the way `chorus` splits it across two threads): the string buffer and the
/// length array as they are, and each call descriptor as one fixed-size [`WireCall`] of plain
/// little-endian words, so that the receiving side copies the descriptors into place and reads
/// them without decoding a format (a varint encoding cost about 0.2 s per million posts on each
/// side in WebAssembly).
impl RecordedCalls {
    /// Every string of the batch, back to back.
    pub fn text(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The byte length of each string of [`Self::text`], in order.
    pub fn lens(&self) -> &[u32] {
        &self.lens
    }

    /// The call descriptors as words, into `out` (emptied first).
    pub fn wire_calls(&self, out: &mut Vec<WireCall>) {
        out.clear();
        out.extend(self.calls.iter().map(WireCall::of));
    }

    /// Make this batch the one whose three parts are `text`, `lens` and `calls` (from
    /// [`Self::text`], [`Self::lens`] and [`Self::wire_calls`]), reusing its buffers. Err (the
    /// batch is then empty) when they do not make a batch: the strings must be UTF-8, the lengths
    /// must cut them at character boundaries and add up to their length, and every call must be
    /// one [`Self::wire_calls`] writes.
    pub fn refill(&mut self, text: &[u8], lens: &[u32], calls: &[WireCall]) -> Result<(), String> {
        self.clear();
        let batch = WireBatch::new(text, lens, calls)?;
        // every call was read once by `WireBatch::new`
        self.calls.extend(batch.calls.iter().filter_map(WireCall::call));
        self.text.push_str(batch.text);
        self.lens.extend_from_slice(lens);
        Ok(())
    }
}

/// A recorded batch as it crossed a worker boundary: its strings' bytes, their lengths and its
/// calls as [`WireCall`]s, checked as [`RecordedCalls::refill`] checks them, to be applied
/// where they are ([`DatasetBuilder::apply_wire`]).
pub struct WireBatch<'a> {
    text: &'a str,
    lens: &'a [u32],
    calls: &'a [WireCall],
}

impl<'a> WireBatch<'a> {
    /// The batch of these parts, or why they are not one: strings that are not UTF-8, lengths
    /// that do not cover them exactly (at char boundaries), or a call that cannot be read.
    pub fn new(text: &'a [u8], lens: &'a [u32], calls: &'a [WireCall]) -> Result<WireBatch<'a>, String> {
        let text =
            simdutf8::basic::from_utf8(text).map_err(|_| "a recorded batch's strings are not UTF-8".to_string())?;
        let mut at = 0usize;
        for &n in lens {
            at = at
                .checked_add(n as usize)
                .filter(|&end| end <= text.len() && text.is_char_boundary(end))
                .ok_or("a recorded batch's string lengths do not fit its strings")?;
        }
        if at != text.len() {
            return Err(format!("a recorded batch has {} bytes of strings its lengths do not cover", text.len() - at));
        }
        if let Some(c) = calls.iter().find(|c| c.call().is_none()) {
            return Err(format!("a recorded batch has a call it cannot read (tag {})", c.words[0] & 0xff));
        }
        Ok(WireBatch { text, lens, calls })
    }

    /// Number of calls.
    pub fn len(&self) -> usize {
        self.calls.len()
    }
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
}

/// One recorded call as 16 little-endian 64-bit words (plain data: a slice of them is a byte
/// buffer as it is, see `bytemuck`). Word 0 holds the call's tag, a small enum (format, kind of
/// diagnostic or of post) and presence flags; the position takes words 1–3; the rest depends on
/// the call.
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct WireCall {
    words: [u64; 16],
}

const TAG_BEGIN_FILE: u64 = 1;
const TAG_SET_FORMAT: u64 = 2;
const TAG_EXPECT_INPUT_BYTES: u64 = 3;
const TAG_ADD_BYTES: u64 = 4;
const TAG_FATAL: u64 = 5;
const TAG_REJECT: u64 = 6;
const TAG_REPAIRED: u64 = 7;
const TAG_NOTE: u64 = 8;
const TAG_ACCOUNT: u64 = 9;
const TAG_POST: u64 = 10;

/// Presence flags (word 0, bits 16 and up).
const HAS_CREATED_AT: u64 = 1 << 16;
const HAS_FOLLOWERS: u64 = 1 << 17;
const HAS_FOLLOWING: u64 = 1 << 18;
const HAS_DESCRIPTION_EMPTY: u64 = 1 << 19;
const DESCRIPTION_EMPTY: u64 = 1 << 20;
const HAS_TIME_S: u64 = 1 << 21;
const HAS_EXACT_URLS: u64 = 1 << 22;

fn pair(a: u32, b: u32) -> u64 {
    a as u64 | (b as u64) << 32
}

fn unpair(w: u64) -> (u32, u32) {
    (w as u32, (w >> 32) as u32)
}

impl WireCall {
    fn of(call: &Call) -> WireCall {
        let mut w = [0u64; 16];
        let position = |w: &mut [u64; 16], at: &Position| {
            w[1] = at.record;
            w[2] = at.line;
            w[3] = at.byte;
        };
        let small = |i: Option<usize>| (i.unwrap_or(0) as u64) << 8;
        w[0] = match call {
            Call::BeginFile => TAG_BEGIN_FILE,
            Call::SetFormat(f) => TAG_SET_FORMAT | small(Format::ALL.iter().position(|x| x == f)),
            Call::ExpectInputBytes(n) => {
                w[1] = *n;
                TAG_EXPECT_INPUT_BYTES
            }
            Call::AddBytes(n) => {
                w[1] = *n;
                TAG_ADD_BYTES
            }
            Call::Fatal => TAG_FATAL,
            Call::Reject(at, kind) | Call::Repaired(at, kind) => {
                position(&mut w, at);
                let tag = if matches!(call, Call::Reject(..)) { TAG_REJECT } else { TAG_REPAIRED };
                tag | small(DiagKind::ALL.iter().position(|x| x == kind))
            }
            Call::Note(kind) => TAG_NOTE | small(DiagKind::ALL.iter().position(|x| x == kind)),
            Call::Account(at, n) => {
                position(&mut w, at);
                TAG_ACCOUNT | Self::account(&mut w, 4, n)
            }
            Call::Post(p) => {
                position(&mut w, &p.at);
                w[4] = p.fingerprints.0;
                w[5] = p.fingerprints.1;
                w[6] = p.keys.0;
                w[7] = p.keys.1;
                w[8] = p.time_ms as u64;
                w[9] = p.time_s.unwrap_or(0.0).to_bits();
                for (k, l) in p.lists.iter().enumerate() {
                    w[10 + k] = pair(l.items, l.bytes);
                }
                let exact = p.exact_urls.unwrap_or(ListLen { items: 0, bytes: 0 });
                w[13] = pair(exact.items, exact.bytes);
                let mut flags = TAG_POST | (p.kind as u64) << 8 | Self::account(&mut w, 14, &p.author);
                if p.time_s.is_some() {
                    flags |= HAS_TIME_S;
                }
                if p.exact_urls.is_some() {
                    flags |= HAS_EXACT_URLS;
                }
                flags
            }
        };
        WireCall { words: w }
    }

    /// An account's numbers into words `at` and `at + 1`; their presence flags.
    fn account(w: &mut [u64; 16], at: usize, n: &AccountNumbers) -> u64 {
        w[at] = n.created_at_ms.unwrap_or(0) as u64;
        w[at + 1] = pair(n.followers.unwrap_or(0), n.following.unwrap_or(0));
        let mut flags = 0;
        for (present, flag) in [
            (n.created_at_ms.is_some(), HAS_CREATED_AT),
            (n.followers.is_some(), HAS_FOLLOWERS),
            (n.following.is_some(), HAS_FOLLOWING),
            (n.description_empty.is_some(), HAS_DESCRIPTION_EMPTY),
            (n.description_empty == Some(true), DESCRIPTION_EMPTY),
        ] {
            if present {
                flags |= flag;
            }
        }
        flags
    }

    fn account_numbers(&self, at: usize) -> AccountNumbers {
        let (w, f) = (&self.words, self.words[0]);
        let (followers, following) = unpair(w[at + 1]);
        AccountNumbers {
            created_at_ms: (f & HAS_CREATED_AT != 0).then_some(w[at] as i64),
            followers: (f & HAS_FOLLOWERS != 0).then_some(followers),
            following: (f & HAS_FOLLOWING != 0).then_some(following),
            description_empty: (f & HAS_DESCRIPTION_EMPTY != 0).then_some(f & DESCRIPTION_EMPTY != 0),
        }
    }

    /// A post's key and text fingerprint, as [`Call::post_key_and_fp`] (without decoding it).
    fn post_key_and_fp(&self) -> Option<(u64, u64)> {
        (self.words[0] & 0xff == TAG_POST).then(|| (self.words[6], self.words[4]))
    }

    /// The call these words are, None when they are none that [`WireCall::of`] writes.
    fn call(&self) -> Option<Call> {
        let w = &self.words;
        let small = ((w[0] >> 8) & 0xff) as usize;
        let at = || Position { record: w[1], line: w[2], byte: w[3] };
        let diag = || DiagKind::ALL.get(small).copied();
        let list = |x: u64| {
            let (items, bytes) = unpair(x);
            ListLen { items, bytes }
        };
        Some(match w[0] & 0xff {
            TAG_BEGIN_FILE => Call::BeginFile,
            TAG_SET_FORMAT => Call::SetFormat(*Format::ALL.get(small)?),
            TAG_EXPECT_INPUT_BYTES => Call::ExpectInputBytes(w[1]),
            TAG_ADD_BYTES => Call::AddBytes(w[1]),
            TAG_FATAL => Call::Fatal,
            TAG_REJECT => Call::Reject(at(), diag()?),
            TAG_REPAIRED => Call::Repaired(at(), diag()?),
            TAG_NOTE => Call::Note(diag()?),
            TAG_ACCOUNT => Call::Account(at(), self.account_numbers(4)),
            TAG_POST => Call::Post(PostNumbers {
                at: at(),
                fingerprints: (w[4], w[5]),
                keys: (w[6], w[7]),
                time_ms: w[8] as i64,
                time_s: (w[0] & HAS_TIME_S != 0).then_some(f64::from_bits(w[9])),
                kind: *Kind::ALL.get(small)?,
                author: self.account_numbers(14),
                lists: [list(w[10]), list(w[11]), list(w[12])],
                exact_urls: (w[0] & HAS_EXACT_URLS != 0).then(|| list(w[13])),
            }),
            _ => return None,
        })
    }
}

/// An [`AccountRecord`] borrowed: from a record, from a parser's fields, or from a batch
/// ([`RecordedCalls`]). The fields mean what the record's do.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccountView<'a> {
    pub id: &'a str,
    pub screen_name: &'a str,
    pub display_name: &'a str,
    pub created_at_ms: Option<i64>,
    pub followers: Option<u32>,
    pub following: Option<u32>,
    pub language: &'a str,
    pub description_empty: Option<bool>,
    pub client: &'a str,
}

/// A [`PostRecord`] borrowed from a parser's fields, with its three lists as the list cells of
/// the row (`[a, b]`, `['a', 'b']`, `[]`, …: the forms [`split_list`] reads), for
/// [`DatasetBuilder::add_post_cells`]. No `time_s` and no `exact_urls` (None in the record).
#[derive(Clone, Copy, Debug)]
pub struct PostCells<'a> {
    pub id: &'a str,
    pub author: AccountView<'a>,
    pub time_ms: i64,
    pub kind: Kind,
    pub target_post: &'a str,
    pub target_account_id: &'a str,
    pub target_screen_name: &'a str,
    pub text: &'a str,
    pub hashtags: &'a str,
    pub urls: &'a str,
    /// Its `0` items (no account, in IO archives) are dropped.
    pub mentions: &'a str,
}

/// A [`PostRecord`] borrowed: from a record, or from a batch ([`RecordedCalls`]), with the post
/// keys of `id` and `target_post`.
struct PostView<'a> {
    id: &'a str,
    key: u64,
    author: AccountView<'a>,
    time_ms: i64,
    kind: Kind,
    target_post: &'a str,
    target_key: u64,
    target_account_id: &'a str,
    target_screen_name: &'a str,
    text: &'a str,
    hashtags: StrList<'a>,
    urls: StrList<'a>,
    mentions: StrList<'a>,
    time_s: Option<f64>,
    exact_urls: Option<StrList<'a>>,
}

impl AccountRecord {
    fn view(&self) -> AccountView<'_> {
        AccountView {
            id: &self.id,
            screen_name: &self.screen_name,
            display_name: &self.display_name,
            created_at_ms: self.created_at_ms,
            followers: self.followers,
            following: self.following,
            language: &self.language,
            description_empty: self.description_empty,
            client: &self.client,
        }
    }
}

impl PostRecord {
    fn view(&self) -> PostView<'_> {
        PostView {
            id: &self.id,
            key: post_key(&self.id),
            author: self.author.view(),
            time_ms: self.time_ms,
            kind: self.kind,
            target_post: &self.target_post,
            target_key: post_key(&self.target_post),
            target_account_id: &self.target_account_id,
            target_screen_name: &self.target_screen_name,
            text: &self.text,
            hashtags: StrList::Strings(&self.hashtags),
            urls: StrList::Strings(&self.urls),
            mentions: StrList::Strings(&self.mentions),
            time_s: self.time_s,
            exact_urls: self.exact_urls.as_deref().map(StrList::Strings),
        }
    }
}

/// A list of strings of a [`PostView`]: a record's own, or items back to back in a batch.
#[derive(Clone, Copy)]
enum StrList<'a> {
    Strings(&'a [String]),
    Packed { text: &'a str, lens: &'a [u32] },
}

impl<'a> StrList<'a> {
    fn iter(&self) -> StrIter<'a> {
        match *self {
            StrList::Strings(s) => StrIter::Strings(s.iter()),
            StrList::Packed { text, lens } => StrIter::Packed(Strs { text, lens }),
        }
    }
}

impl<'a> IntoIterator for &StrList<'a> {
    type Item = &'a str;
    type IntoIter = StrIter<'a>;
    fn into_iter(self) -> StrIter<'a> {
        self.iter()
    }
}

enum StrIter<'a> {
    Strings(std::slice::Iter<'a, String>),
    Packed(Strs<'a>),
}

impl<'a> Iterator for StrIter<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        match self {
            StrIter::Strings(i) => i.next().map(String::as_str),
            StrIter::Packed(s) if s.lens.is_empty() => None,
            StrIter::Packed(s) => Some(s.next()),
        }
    }
}

/// Post key -> post index (the first post of each key), for de-duplication and for finding
/// target posts at `finish`.
///
/// Dumps are often in id order (IO archives and `chorus synth` in time order, so ascending
/// snowflake ids; API searches newest first, descending): while the posts come with keys in one
/// strict order, the index is the id column itself, and claiming a key that continues the order
/// is one comparison with the last key, where a hash table probe is a cache miss a post (15% of
/// the building thread on the synthetic rows). That sorted prefix of the posts ends at the first
/// post out of order (or without a key); it is then searched by bisection (when a key is within
/// its range), and the posts after it go to a hash table; a prefix of fewer than
/// [`Self::SHORT_PREFIX`] posts goes into the table too. Which posts are found is the same
/// either way: the first post of each key.
///
/// The table is for rows in no order (real takedown archives: their tweet ids are years apart
/// row after row), where every post probes it at a random place: it is one array of `u32` slots
/// probed linearly (a probe reads one cache line, or two at a line's end), each slot holding
/// a post's index and, in the bits the index leaves free, more bits of its key's hash, so that
/// a probe reads the key itself from `ids` only when those bits match (a duplicate, or by
/// chance 1 in 2^(32 - index bits) per slot compared). A hash table of indexes that compares
/// keys only through `ids` (as `hashbrown` did here) reads its control bytes, then its slot,
/// then, whenever the 7-bit tag matches, the key: two or three cache misses a post.
/// 4 bytes a slot, at most 3/4 full: 5.3 to 10.7 bytes a post in the table.
#[derive(Default)]
struct PostIndex {
    /// Posts `0..run` have keys in strict order (`descending` or ascending), all in `ids`.
    run: usize,
    /// Whether a post has ended the sorted prefix (it no longer grows).
    ended: bool,
    descending: bool,
    /// The table: empty, or 2^k slots; a slot is 0 (free) or `check << index_bits | (post + 1)`.
    slots: Vec<u32>,
    /// log2 of `slots.len()`.
    k: u32,
    /// Bits of a slot that hold `post + 1`; the others hold `check` (see [`Self::home`]).
    index_bits: u32,
    /// Posts in the table: those of `from..` with a key (key 0: no key).
    len: usize,
    from: usize,
    /// Posts expected ([`Self::reserve`]), made room for in the table when the prefix ends.
    expected: usize,
}

impl PostIndex {
    /// A sorted prefix shorter than this goes into the table when it ends.
    const SHORT_PREFIX: usize = 1 << 16;
    /// The table's smallest size (log2).
    const MIN_K: u32 = 6;
    /// A key's hash: a multiply, whose top bits depend on all the key's bits (the slot is taken
    /// from the top bits, then the check bits from the next ones).
    #[inline]
    fn hash(key: u64) -> u64 {
        (key ^ key >> 32).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    /// The first slot to probe for hash `h` and the check bits of its slot value.
    #[inline]
    fn home(&self, h: u64) -> (usize, u32) {
        let check_bits = 32 - self.index_bits;
        let check = if check_bits == 0 { 0 } else { ((h << self.k) >> (64 - check_bits)) as u32 };
        ((h >> (64 - self.k)) as usize, check)
    }
    /// The slot of `key` (`Ok`), or the free slot where it would go (`Err`). The table is not
    /// empty and never full.
    #[inline]
    fn probe(&self, key: u64, ids: &[u64]) -> Result<usize, usize> {
        let (mut i, check) = self.home(Self::hash(key));
        let index_mask = u32::MAX >> (32 - self.index_bits);
        let mask = self.slots.len() - 1;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return Err(i);
            }
            if slot.checked_shr(self.index_bits).unwrap_or(0) == check && ids[(slot & index_mask) as usize - 1] == key {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }
    /// The value of post `post`'s slot, of key `key`.
    #[inline]
    fn slot_value(&self, key: u64, post: usize) -> u32 {
        let (_, check) = self.home(Self::hash(key));
        check.checked_shl(self.index_bits).unwrap_or(0) | (post + 1) as u32
    }
    /// Make the table hold room for `entries` posts and post indexes below `posts`, refilled
    /// from `ids` (the posts of `self.from..` with a key; their keys are distinct).
    fn rebuild(&mut self, entries: usize, posts: usize, ids: &[u64]) {
        let mut k = Self::MIN_K;
        while entries > Self::room(k) {
            k += 1;
        }
        // `post + 1` for every post index below `posts`
        let index_bits = (usize::BITS - posts.leading_zeros()).max(1);
        assert!(k < usize::BITS && index_bits <= 32, "a post index of {posts} posts");
        self.k = k;
        self.index_bits = index_bits;
        // the old table freed before the new one is allocated
        self.slots = Vec::new();
        // Written in full first (not `vec![0; n]`, whose fresh memory is the shared zero page
        // until written): natively, probing in random order would otherwise read each page of
        // the zero page, then copy it on the first write, and tell the other core to forget the
        // old mapping (an interrupt per page, 2-3% of `chorus inspect`'s CPU in archive order).
        self.slots.resize(1 << k, 0);
        for (post, &key) in ids.iter().enumerate().skip(self.from) {
            if key != 0 {
                let (Ok(i) | Err(i)) = self.probe(key, ids);
                self.slots[i] = self.slot_value(key, post);
            }
        }
    }
    /// The most posts a table of 2^`k` slots holds (3/4 of its slots).
    #[inline]
    fn room(k: u32) -> usize {
        ((3u64 << k) / 4).min(usize::MAX as u64) as usize
    }
    /// Whether the table has room for one more post, of index `idx`.
    #[inline]
    fn has_room(&self, idx: PostIdx) -> bool {
        !self.slots.is_empty() && self.len < Self::room(self.k) && ((idx as u64 + 1) >> self.index_bits) == 0
    }
    /// Record `key` -> `idx` unless `key` is already there; false when it was (a duplicate).
    /// `ids` is the id column (`ids[i]` is post i's key); `idx` is `ids.len()` (not pushed yet).
    fn claim(&mut self, key: u64, idx: PostIdx, ids: &[u64]) -> bool {
        if !self.ended {
            if self.run == idx as usize {
                match self.run.checked_sub(1).map(|i| ids[i]) {
                    None => {
                        self.run = 1;
                        return true;
                    }
                    Some(last) if self.run == 1 && key != last => {
                        self.descending = key < last;
                        self.run = 2;
                        return true;
                    }
                    Some(last) if (key < last) == self.descending && key != last => {
                        self.run += 1;
                        return true;
                    }
                    _ => {}
                }
            }
            // out of order (or after a post without a key): the prefix is complete; a short one
            // goes into the table (a lookup then probes one structure, not two)
            self.ended = true;
            if self.run < Self::SHORT_PREFIX {
                self.run = 0;
            }
            self.from = self.run;
            self.len = ids[self.from..].iter().filter(|&&k| k != 0).count();
            let posts = self.expected.max(ids.len() + 1);
            // index bits for twice the posts expected (the estimate can be low; a bit of index
            // costs only a bit of check)
            self.rebuild(self.len + (posts - ids.len()), posts.saturating_mul(2).min(u32::MAX as usize), ids);
        }
        if self.in_prefix(key, ids).is_some() {
            return false;
        }
        if !self.has_room(idx) {
            // twice what ran out (entries or index bits), so that growing costs O(1) a post
            let full = self.len + 1 > Self::room(self.k);
            let entries = if full { (self.len + 1) * 2 } else { self.len + 1 };
            let wide = ((idx as u64 + 1) >> self.index_bits) == 0;
            let posts = if wide { ((1u64 << self.index_bits) - 1) as usize } else { (idx as usize + 1) * 2 };
            self.rebuild(entries, posts.min(u32::MAX as usize), ids);
        }
        match self.probe(key, ids) {
            Ok(_) => false,
            Err(i) => {
                self.slots[i] = self.slot_value(key, idx as usize);
                self.len += 1;
                true
            }
        }
    }
    /// Read the slot where a probe for `key` starts, for [`DatasetBuilder::apply`]'s look-ahead
    /// (0 when there is no table yet).
    #[inline]
    fn touch(&self, key: u64) -> u32 {
        if self.slots.is_empty() {
            return 0;
        }
        self.slots[self.home(Self::hash(key)).0]
    }
    /// The post of `key` among the sorted prefix (bisected only when `key` is within its range).
    fn in_prefix(&self, key: u64, ids: &[u64]) -> Option<PostIdx> {
        let prefix = &ids[..self.run];
        let (&first, &last) = (prefix.first()?, prefix.last()?);
        let (lo, hi) = if self.descending { (last, first) } else { (first, last) };
        if key < lo || key > hi {
            return None;
        }
        let found = if self.descending { prefix.binary_search_by(|k| key.cmp(k)) } else { prefix.binary_search(&key) };
        found.ok().map(|i| i as PostIdx)
    }
    /// Room for `n` more posts without rebuilding the table (made when the sorted prefix ends,
    /// if it does: a dump in id order needs no table).
    fn reserve(&mut self, n: usize, ids: &[u64]) {
        if !self.ended {
            self.expected = ids.len() + n;
        } else {
            let posts = ids.len() + n;
            if self.slots.is_empty() || self.len + n > Self::room(self.k) || (posts as u64 >> self.index_bits) != 0 {
                self.rebuild(self.len + n, posts.min(u32::MAX as usize), ids);
            }
        }
    }
    fn get(&self, key: u64, ids: &[u64]) -> Option<PostIdx> {
        self.in_prefix(key, ids).or_else(|| {
            if self.slots.is_empty() {
                return None;
            }
            let index_mask = u32::MAX >> (32 - self.index_bits);
            self.probe(key, ids).ok().map(|i| (self.slots[i] & index_mask) - 1)
        })
    }
    fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u32>()
    }
}

/// `interner.intern(s)` through a one-entry cache of the last value.
fn intern_cached(interner: &mut Interner, last: &mut (String, u32), s: &str) -> u32 {
    if last.1 != NONE && same_str(&last.0, s) {
        return last.1;
    }
    let id = interner.intern(s);
    last.0.clear();
    last.0.push_str(s);
    last.1 = id;
    id
}

/// `s.to_lowercase()`: `s` itself when it is its own lowercase (ASCII without capitals, or with
/// caseless letters: CJK, Arabic, Hangul), else its lowercase in `buf`.
fn lowercased<'a>(s: &'a str, buf: &'a mut String) -> &'a str {
    let own = if s.is_ascii() {
        !s.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        s.chars().all(|c| if c.is_ascii() { !c.is_ascii_uppercase() } else { text::is_caseless_letter(c) })
    };
    if own {
        s
    } else {
        lowercase_into(s, buf);
        buf
    }
}

/// `s.to_lowercase()` into a reused buffer, without allocating for ASCII.
fn lowercase_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else if s.contains('Σ') {
        // the final-sigma rule depends on the neighbours: the whole-string conversion
        out.push_str(&s.to_lowercase());
    } else {
        // char by char (what `to_lowercase` does without a `Σ`), into the reused buffer;
        // ASCII and caseless letters (CJK, Arabic, Hangul) are their own lowercase
        for c in s.chars() {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else if text::is_caseless_letter(c) {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
}

pub use crate::core::model::truncate_at_char;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::FileIngest;

    /// Everything a dataset holds, as text (samples sorted), to compare two datasets.
    fn describe(ds: &Dataset) -> String {
        let p = &ds.posts;
        let n = p.len();
        let per_post: Vec<_> = (0..n)
            .map(|i| {
                (p.id[i], p.account[i], p.time_ms(i), p.kind[i], p.target_post(i), p.target_account(i), p.text_fp(i))
            })
            .collect();
        let ragged: Vec<_> = (0..n).map(|i| (p.hashtags.row(i), p.urls.row(i), p.mentions.row(i))).collect();
        let a = &ds.accounts;
        let vocab: Vec<Vec<(u32, &str)>> =
            [&a.ids, &ds.hashtags, &ds.urls, &ds.domains, &ds.mentions, &ds.languages, &ds.clients]
                .iter()
                .map(|i| i.iter().collect())
                .collect();
        let mut by_fp: Vec<_> = ds.samples.fp_texts().collect();
        by_fp.sort();
        let mut by_account: Vec<_> =
            ds.samples.accounts().map(|a| (a, ds.samples.of_account(a).collect::<Vec<_>>())).collect();
        by_account.sort();
        // The verbatim columns of `keep_text` (ids, times and URLs as given).
        let exact = ds.exact.as_ref().map(|x| {
            let urls: Vec<_> = (0..x.time_s.len()).map(|i| x.urls.row(i)).collect();
            let times: Vec<u64> = x.time_s.iter().map(|t| t.to_bits()).collect();
            let strings: Vec<Vec<(u32, &str)>> = [&x.user_strings, &x.url_strings].map(|i| i.iter().collect()).into();
            format!("{:?}", (&x.message_id, &x.user_id, &x.target_id, times, urls, strings))
        });
        format!(
            "{per_post:?}\n{:?}\n{ragged:?}\n{vocab:?}\n{:?}\n{:?}\n{:?}\n{by_fp:?}\n{by_account:?}\n{:?}\n{exact:?}",
            p.simhashes().collect::<Vec<_>>(),
            (&a.screen_name, &a.display_name, &a.created_at, &a.followers, &a.following),
            (&a.language, &a.description_empty, &a.client, &a.has_profile),
            ds.url_domain,
            ds.texts,
        )
    }

    /// Read `files` through `FileIngest` in chunks of `chunk` bytes into `b`.
    fn read(files: &[(&str, &[u8])], opts: &IngestOptions, chunk: usize, b: &mut DatasetBuilder) {
        for (name, bytes) in files {
            let mut ing = FileIngest::new(name, opts, b);
            b.expect_input_bytes(bytes.len() as u64);
            for c in bytes.chunks(chunk) {
                ing.feed(c, b);
            }
            ing.finish(b);
        }
    }

    /// Files of `tests/it/data/`, by path, with their bytes.
    fn test_files<'a>(paths: &[&'a str]) -> Vec<(&'a str, Vec<u8>)> {
        let read = |p: &str| std::fs::read(format!("{}/tests/it/data/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        paths.iter().map(|p| (*p, read(p))).collect()
    }

    /// A recording builder's calls, applied batch by batch to another builder, give the dataset
    /// and reports that the parsers give when they call a builder directly: every kind of call
    /// (files, formats, notes, rejects, repairs, duplicates, accounts, posts, fatal errors).
    #[test]
    fn recorded_calls_applied_in_batches_build_the_same_dataset() {
        let owned = test_files(&[
            "csv/io_users.csv",
            "csv/io_tweets_2019.csv",
            "csv/io_tweets_2018.csv",
            "csv/io_tweets_2019.csv",
            "bad/mixed_types.csv",
            "bad/mixed_bad.jsonl",
            "bad/invalid_utf8.jsonl",
            "bad/utf16.csv",
            "json/v1.jsonl.gz",
            "json/archive.zip",
            "json/twarc2_pages.jsonl",
            "csv/toolkit.csv",
        ]);
        let files: Vec<(&str, &[u8])> = owned.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        for keep_text in [false, true] {
            let opts = IngestOptions { keep_text, max_listed_diagnostics: 5, ..IngestOptions::default() };
            let mut direct = DatasetBuilder::new(opts.clone());
            read(&files, &opts, 1000, &mut direct);
            let (want, want_reports) = direct.finish();
            assert!(want.n_posts() > 20 && want.n_accounts() > 10);
            assert!(want_reports.iter().any(|r| r.records_rejected > 0 && r.records_repaired > 0));
            assert!(want_reports.iter().any(|r| r.duplicates > 0) && want_reports.iter().any(|r| r.fatal.is_some()));

            for chunk in [1000, 97] {
                // Record everything, applying after every chunk (a new batch each time, reusing
                // the applied ones' records as the pipeline does).
                let mut recording = DatasetBuilder::recording(opts.clone());
                let mut target = DatasetBuilder::new(opts.clone());
                let mut spare = RecordedCalls::default();
                let mut batches = 0;
                for (name, bytes) in &files {
                    let mut ing = FileIngest::new(name, &opts, &mut recording);
                    recording.expect_input_bytes(bytes.len() as u64);
                    for c in bytes.chunks(chunk) {
                        ing.feed(c, &mut recording);
                        let mut batch = recording.take_recorded(std::mem::take(&mut spare));
                        if chunk == 97 {
                            // as the browser's parsing worker sends it to the building one
                            batch = through_parts(&batch);
                        }
                        target.apply(&mut batch);
                        spare = batch;
                        batches += 1;
                    }
                    ing.finish(&mut recording);
                }
                let mut last = recording.take_recorded(RecordedCalls::default());
                target.apply(&mut last);
                assert!(batches > files.len());
                assert_eq!(recording.n_posts(), 0);
                let (got, got_reports) = target.finish();
                assert_eq!(got_reports, want_reports, "chunk {chunk}");
                assert_eq!(describe(&got), describe(&want), "chunk {chunk}");
            }
        }
    }

    /// The account look-ahead's walk over a batch (`Strs::skip_call`) reads, call by call, the
    /// account ids that the calls themselves read (authors, targets, users-file accounts), and
    /// ends where they end: on every kind of call, with and without the verbatim URL lists.
    #[test]
    fn look_ahead_walk_reads_the_ids_the_calls_read() {
        let owned = test_files(&[
            "csv/io_users.csv",
            "csv/io_tweets_2019.csv",
            "bad/mixed_types.csv",
            "json/v1.jsonl.gz",
            "csv/toolkit.csv",
        ]);
        let files: Vec<(&str, &[u8])> = owned.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        for keep_text in [false, true] {
            let opts = IngestOptions { keep_text, ..IngestOptions::default() };
            let mut recording = DatasetBuilder::recording(opts.clone());
            read(&files, &opts, 1000, &mut recording);
            let batch = recording.take_recorded(RecordedCalls::default());
            let (mut walk, mut reads) =
                (Strs { text: &batch.text, lens: &batch.lens }, Strs { text: &batch.text, lens: &batch.lens });
            let (mut posts, mut accounts, mut targets) = (0, 0, 0);
            for call in &batch.calls {
                let got = walk.skip_call(call);
                let want = match call {
                    Call::Post(d) => {
                        let p = reads.post(d);
                        posts += 1;
                        targets += !p.target_account_id.is_empty() as usize;
                        [p.author.id, p.target_account_id]
                    }
                    Call::Account(_, n) => {
                        accounts += 1;
                        [reads.account(n).id, ""]
                    }
                    Call::SetFormat(_) | Call::ExpectInputBytes(_) | Call::AddBytes(_) => ["", ""],
                    _ => {
                        reads.next();
                        ["", ""]
                    }
                };
                assert_eq!(got, want, "{call:?}");
                assert_eq!((walk.text.len(), walk.lens.len()), (reads.text.len(), reads.lens.len()), "{call:?}");
            }
            assert!(posts > 10 && accounts > 2 && targets > 3, "{posts} posts, {accounts} accounts, {targets} targets");
            assert!(walk.text.is_empty() && walk.lens.is_empty());
        }
    }

    /// Large batches (many of `apply`'s look-ahead windows each) of posts in no order, with
    /// duplicates (within a batch and across batches), posts without an id, retweets of posts
    /// read before and after, text that repeats, and account rows between the posts, build the
    /// same dataset and reports applied as recorded as when the records go to a builder
    /// directly; for batches of every size from one call up, applied in turn as recorded and
    /// as their three parts where they are (`apply_wire`).
    #[test]
    fn large_batches_in_no_order_build_the_same_dataset() {
        let mut x: u64 = 5;
        let mut rnd = |n: u64| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % n
        };
        let at = Position { record: 1, line: 1, byte: 0 };
        let mut posts: Vec<PostRecord> = Vec::new();
        for k in 0..3000u64 {
            let id = match rnd(20) {
                0 => String::new(),                                  // no id
                1 | 2 if k > 0 => posts[rnd(k) as usize].id.clone(), // read before (or none)
                _ => (1 + rnd(1 << 40)).to_string(),
            };
            let author = if rnd(2) == 0 { format!("{}", 100 + rnd(300)) } else { format!("h{:x}", rnd(300)) };
            let retweet = rnd(3) == 0;
            // a post read before (found at `finish`), or one not in the data
            let target =
                if k > 0 && rnd(2) == 0 { posts[rnd(k) as usize].id.clone() } else { rnd(1 << 40).to_string() };
            posts.push(PostRecord {
                id,
                author: AccountRecord { id: author, screen_name: format!("n{}", rnd(5)), ..Default::default() },
                time_ms: 1_000 + k as i64,
                kind: if retweet { Kind::Retweet } else { Kind::Post },
                target_post: if retweet { target } else { String::new() },
                target_account_id: if retweet && rnd(2) == 0 { format!("{}", 100 + rnd(400)) } else { String::new() },
                text: if retweet { String::new() } else { format!("text number {}", rnd(200)) },
                hashtags: vec![format!("Tag{}", rnd(50))],
                mentions: vec![format!("{}", 100 + rnd(500))],
                ..Default::default()
            });
        }
        let feed = |b: &mut DatasetBuilder, from: usize, to: usize| {
            for (k, p) in posts.iter().enumerate().take(to).skip(from) {
                if k % 97 == 0 {
                    b.add_account(&AccountRecord { id: format!("{}", 100 + k % 300), ..Default::default() }, &at);
                }
                b.add_post(p, &at);
            }
        };
        let opts = IngestOptions::default();
        let mut direct = DatasetBuilder::new(opts.clone());
        direct.begin_file("a.csv");
        direct.expect_input_bytes(100 * 512);
        feed(&mut direct, 0, 2000);
        direct.begin_file("b.csv");
        feed(&mut direct, 2000, posts.len());
        let (want, want_reports) = direct.finish();
        assert!(want_reports.iter().all(|r| r.duplicates > 10) && want.n_posts() > 2000);
        for size in [1, 63, 64, 65, 700, 5000] {
            let mut recording = DatasetBuilder::recording(opts.clone());
            let mut target = DatasetBuilder::new(opts.clone());
            recording.begin_file("a.csv");
            recording.expect_input_bytes(100 * 512);
            for (from, to) in [(0, 2000), (2000, posts.len())] {
                if from > 0 {
                    recording.begin_file("b.csv");
                }
                for start in (from..to).step_by(size) {
                    feed(&mut recording, start, (start + size).min(to));
                    let mut batch = recording.take_recorded(RecordedCalls::default());
                    if (start / size) % 2 == 0 {
                        target.apply(&mut batch);
                    } else {
                        // as a worker applies it: its three parts, where they are
                        let mut calls = Vec::new();
                        batch.wire_calls(&mut calls);
                        target.apply_wire(&WireBatch::new(batch.text(), batch.lens(), &calls).unwrap());
                    }
                }
            }
            let (got, got_reports) = target.finish();
            assert_eq!(got_reports, want_reports, "size {size}");
            assert_eq!(describe(&got), describe(&want), "size {size}");
        }
    }

    /// An account's names are the last non-empty ones its rows give, whether they are short
    /// enough to be copied into its attribute record or not, across changes and changes back,
    /// and after a retweet named it first.
    #[test]
    fn account_names_follow_their_rows_short_and_long() {
        let long = "a display name longer than twenty bytes";
        let rows: &[(&str, &str, &str)] = &[
            ("u1", "alice", "Alice"),
            ("u1", "alice", "Alice"),
            ("u1", "Alice_2", ""),
            ("u1", "", long),
            ("u1", "alice", long),
            ("u1", "alice", "Alice"),
            ("u2", "fifteen_chars_x", "nineteen bytes 1234"),
            ("u2", "sixteen_chars_xy", "twenty bytes 1234567"),
            ("u2", "fifteen_chars_x", "nineteen bytes 1234"),
            ("u3", "u3", "u3"),
            ("u3", "u3b", "u3"),
            ("u3", "u3", "u3"),
            ("u4", "香港警察", "香港"),
        ];
        let mut b = DatasetBuilder::default();
        let at = Position { record: 1, line: 1, byte: 0 };
        // u4 is first named by a retweet of it
        let rt = PostRecord {
            id: "1".into(),
            author: AccountRecord { id: "u9".into(), ..Default::default() },
            time_ms: 1,
            kind: Kind::Retweet,
            target_account_id: "u4".into(),
            target_screen_name: "@oldname".into(),
            ..Default::default()
        };
        b.add_post(&rt, &at);
        let mut want: FxHashMap<&str, (&str, &str)> = FxHashMap::default();
        for (k, &(id, sn, dn)) in rows.iter().enumerate() {
            let rec =
                AccountRecord { id: id.into(), screen_name: sn.into(), display_name: dn.into(), ..Default::default() };
            if k % 2 == 0 {
                b.add_account(&rec, &at);
            } else {
                let post = PostRecord { id: (k + 10).to_string(), author: rec, time_ms: 1, ..Default::default() };
                b.add_post(&post, &at);
            }
            let w = want.entry(id).or_insert(("", ""));
            if !sn.is_empty() {
                w.0 = sn;
            }
            if !dn.is_empty() {
                w.1 = dn;
            }
        }
        let (ds, _) = b.finish();
        for (id, (sn, dn)) in want {
            let a = ds.accounts.ids.get(id).unwrap() as usize;
            assert_eq!((&*ds.accounts.screen_name[a], &*ds.accounts.display_name[a]), (sn, dn), "{id}");
        }
    }

    /// The seen-post index answers as a map of each key's first post would: for keys in
    /// ascending and descending order, with duplicates, with the order broken early, late or by
    /// a post without a key, and for keys in no order.
    #[test]
    fn post_index_agrees_with_a_map_in_every_order() {
        let mut x: u64 = 11;
        let mut rnd = |n: u64| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % n
        };
        let up: Vec<u64> = (1..=(PostIndex::SHORT_PREFIX as u64 + 3000)).map(|k| k * 7).collect();
        let down: Vec<u64> = up.iter().rev().copied().collect();
        let mut cases: Vec<Vec<u64>> = vec![up.clone(), down.clone()];
        for base in [&up, &down] {
            for at in [1, 2, 3, 1500, up.len() - 1] {
                // the order broken at `at` by a duplicate, by a key out of order, by a keyless post
                for breaker in [base[at / 2], base[at - 1], 1, 0] {
                    let mut keys = base.clone();
                    keys.insert(at, breaker);
                    keys.extend(base.iter().step_by(13).copied()); // duplicates after the break
                    keys.extend((0..200).map(|_| 1 + rnd(up.len() as u64 * 8)));
                    cases.push(keys);
                }
            }
        }
        cases.push((0..5000).map(|_| rnd(4000)).collect());
        cases.push(vec![5, 5, 5]);
        for (c, keys) in cases.iter().enumerate() {
            let mut index = PostIndex::default();
            let mut ids: Vec<u64> = Vec::new();
            index.reserve(100, &ids);
            let mut want: FxHashMap<u64, PostIdx> = FxHashMap::default();
            for (k, &key) in keys.iter().enumerate() {
                if k == keys.len() / 2 {
                    // a second file announced (after the prefix ended, in most cases)
                    index.reserve(c * 1000, &ids);
                }
                let idx = ids.len() as PostIdx;
                let kept = if key == 0 {
                    true
                } else {
                    let new = !want.contains_key(&key);
                    assert_eq!(index.claim(key, idx, &ids), new, "case {c}, key {key}");
                    if new {
                        want.insert(key, idx);
                    }
                    new
                };
                if kept {
                    ids.push(key);
                }
            }
            for key in (0..=up.len() as u64 * 8 + 1).step_by(if keys.len() > 10_000 { 5 } else { 1 }) {
                let want = if key == 0 { None } else { want.get(&key).copied() };
                assert_eq!(index.get(key, &ids).filter(|_| key != 0), want, "case {c}, key {key}");
            }
        }
    }

    /// A batch sent as its three parts and rebuilt from them.
    fn through_parts(batch: &RecordedCalls) -> RecordedCalls {
        let mut calls = Vec::new();
        batch.wire_calls(&mut calls);
        let mut out = RecordedCalls::default();
        out.refill(batch.text(), batch.lens(), &calls).unwrap();
        assert_eq!(out.len(), batch.len());
        out
    }

    #[test]
    fn parts_that_do_not_make_a_batch_are_refused_and_leave_it_empty() {
        let opts = IngestOptions::default();
        let mut recording = DatasetBuilder::recording(opts.clone());
        let mut ing = FileIngest::new("t_tweets_csv_hashed.csv", &opts, &mut recording);
        let path = format!("{}/tests/it/data/csv/io_tweets_2019.csv", env!("CARGO_MANIFEST_DIR"));
        ing.feed(&std::fs::read(path).unwrap(), &mut recording);
        ing.finish(&mut recording);
        let batch = recording.take_recorded(RecordedCalls::default());
        assert!(batch.len() > 3 && batch.text_bytes() > 100);
        let mut calls = Vec::new();
        batch.wire_calls(&mut calls);
        let (text, lens) = (batch.text(), batch.lens());
        let mut out = RecordedCalls::default();
        let mut short = lens.to_vec();
        short.pop();
        let mut long = lens.to_vec();
        long.push(1);
        let mut cut = text.to_vec();
        cut.truncate(text.len() - 1);
        let bad_utf8 = [&text[..text.len() - 1], &[0xff][..]].concat();
        let mut bad_tag = calls[0];
        bad_tag.words[0] = 99;
        let post = calls.iter().find(|c| c.words[0] & 0xff == TAG_POST).unwrap();
        let mut bad_kind = *post;
        bad_kind.words[0] |= 0xff << 8;
        for (t, l, c, why) in [
            (text, &short[..], &calls[..], "lengths do not cover"),
            (text, &long[..], &calls[..], "do not fit"),
            (&cut[..], lens, &calls[..], "do not fit"),
            (&bad_utf8[..], lens, &calls[..], "not UTF-8"),
            (text, lens, &[bad_tag][..], "cannot read"),
            (text, lens, &[bad_kind][..], "cannot read"),
        ] {
            let e = out.refill(t, l, c).unwrap_err();
            assert!(e.contains(why), "{e}");
            assert!(out.is_empty() && out.text_bytes() == 0);
        }
        out.refill(text, lens, &calls).unwrap();
        assert_eq!((out.len(), out.text_bytes()), (batch.len(), batch.text_bytes()));
    }

    /// Every field of a post and an account record crosses a batch (the fixtures above leave
    /// some at values a loss would not show, e.g. times in whole seconds).
    #[test]
    fn every_record_field_crosses_a_batch() {
        let author = AccountRecord {
            id: " a1 ".into(),
            screen_name: "@Sn".into(),
            display_name: "D".into(),
            created_at_ms: Some(5),
            followers: Some(6),
            following: Some(7),
            language: "en".into(),
            description_empty: Some(true),
            client: "c".into(),
        };
        let post = PostRecord {
            id: "11".into(),
            author,
            time_ms: 9_000,
            kind: Kind::Reply,
            target_post: "2".into(),
            target_account_id: "b".into(),
            target_screen_name: "T".into(),
            text: "hello there world".into(),
            hashtags: vec!["#H".into(), "x".into()],
            urls: vec!["http://u.example/a".into()],
            mentions: vec!["@M".into()],
            time_s: Some(9.000_25),
            exact_urls: Some(vec![String::new(), "http://u.example/a".into()]),
        };
        let retweet = PostRecord {
            id: "12".into(),
            kind: Kind::Retweet,
            time_s: Some(1.5),
            target_account_id: String::new(),
            exact_urls: None,
            ..post.clone()
        };
        let user = AccountRecord { id: "z".into(), followers: Some(1), ..Default::default() };
        let user2 =
            AccountRecord { id: "y".into(), following: Some(2), description_empty: Some(false), ..user.clone() };
        let at = Position { record: 1, line: 2, byte: 3 };
        let feed = |b: &mut DatasetBuilder| {
            b.begin_file("f.csv");
            b.set_format(crate::core::ingest::Format::Toolkit);
            b.note(DiagKind::MissingField, "a note");
            b.add_account(&user, &at);
            b.add_account(&user2, &at);
            b.add_post(&post, &at);
            b.add_post(&retweet, &at);
            b.add_post(&post, &at); // a duplicate
            b.repaired(at.clone(), DiagKind::MissingField, "repaired");
            b.reject(at.clone(), DiagKind::MissingField, "rejected");
            b.add_bytes(77);
            b.fatal("stop");
        };
        let opts = IngestOptions { keep_text: true, ..IngestOptions::default() };
        let mut direct = DatasetBuilder::new(opts.clone());
        feed(&mut direct);
        let mut recording = DatasetBuilder::recording(opts.clone());
        feed(&mut recording);
        let mut batch = recording.take_recorded(RecordedCalls::default());
        assert_eq!(batch.len(), 12);
        // every call is the same after its words (as a batch crosses to another worker)
        for c in &batch.calls {
            assert_eq!(format!("{:?}", WireCall::of(c).call()), format!("{:?}", Some(c)));
        }
        let mut crossed = through_parts(&batch);
        let (want, want_reports) = direct.finish();
        for batch in [&mut batch, &mut crossed] {
            let mut applied = DatasetBuilder::new(opts.clone());
            applied.apply(batch);
            assert!(batch.is_empty() && batch.text_bytes() == 0);
            let (got, got_reports) = applied.finish();
            assert_eq!(got_reports, want_reports);
            assert_eq!(describe(&got), describe(&want));
        }
        assert_eq!(want.exact.as_ref().map(|x| x.time_s.clone()), Some(vec![9.000_25, 1.5]));
        assert_eq!((want.n_posts(), want_reports[0].duplicates, want_reports[0].bytes), (2, 1, 77));
    }
}
