//! The dataset model: one columnar, compact representation of everything Chorus reads.
//!
//! Every input format (see `ingest`) is turned into this model through [`DatasetBuilder`].
//! Posts are stored column by column (structure of arrays); strings are interned once and
//! referred to by `u32` indices. Raw text is *not* kept per post: only a normalised-text
//! fingerprint, a 64-bit SimHash for near-duplicate search, and bounded text samples.
//!
//! Invariants:
//! - `posts.len()` equals the length of every post column; ragged columns have `len()+1` offsets.
//! - account indices (`AccountIdx`) index every `Accounts` column.
//! - no web imports, no clock, no randomness: the same input gives the same model.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Whether `a` and `b` are the same bytes, compared 8 bytes at a time (the last word overlapping
/// the one before when the length is not a multiple of 8). The same answer as `a == b`, without a
/// call to `memcmp`: in WebAssembly that is compiler_builtins' byte-at-a-time loop (there is no
/// libc), and the strings compared here (ids, names, vocabulary items) are mostly 8 to 64 bytes.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if n >= 8 {
        let mut diff = 0u64;
        let mut at = 0;
        while at + 8 < n {
            diff |= word(a, at) ^ word(b, at);
            at += 8;
        }
        diff |= word(a, n - 8) ^ word(b, n - 8);
        diff == 0
    } else if n >= 4 {
        let half = |s: &[u8], at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&s[at..at + 4]);
            u32::from_le_bytes(w)
        };
        (half(a, 0) ^ half(b, 0)) | (half(a, n - 4) ^ half(b, n - 4)) == 0
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// [`same_bytes`] of two strings: `a == b`.
#[inline]
pub fn same_str(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// Index of an account in [`Accounts`].
pub type AccountIdx = u32;
/// Index of a post in [`Posts`].
pub type PostIdx = u32;
/// "No value" for `u32` index columns.
pub const NONE: u32 = u32::MAX;
/// "Unknown" for time columns (milliseconds since the Unix epoch).
pub const NO_TIME: i64 = i64::MIN;

/// What a post does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
pub enum Kind {
    /// An original post.
    Post = 0,
    /// A retweet / repost / share of `target_post` (by `target_account`).
    Retweet = 1,
    /// A reply to `target_post` (by `target_account`).
    Reply = 2,
    /// A quote of `target_post` (by `target_account`).
    Quote = 3,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Post, Kind::Retweet, Kind::Reply, Kind::Quote];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Retweet => "retweet",
            Kind::Reply => "reply",
            Kind::Quote => "quote",
        }
    }
    pub fn from_u8(v: u8) -> Kind {
        match v {
            1 => Kind::Retweet,
            2 => Kind::Reply,
            3 => Kind::Quote,
            _ => Kind::Post,
        }
    }
}

/// A string interner: each distinct string is stored once and gets a dense `u32` id.
///
/// The strings live back to back in one arena (`bytes`, with `ends[id]` marking where string `id`
/// ends), so a new string costs one copy and no allocation of its own. The lookup table is an
/// open-addressed array of [`Slot`]s, probed linearly from the slot the hash's low bits name: a
/// slot holds 32 other bits of the hash, the id, and where the string's bytes are, so a probe
/// compares the stored hash bits and length before it reads any string bytes, and reads them
/// straight from the arena (not through `ends`: one cache miss fewer). Since where a string's
/// probe starts is known from its hash alone, a caller about to look up many strings can read
/// their slots first, all at once ([`Self::read_slot`], [`Self::read_ahead`]), so that the
/// cache misses overlap. Growing the table hashes the strings again. Ids are given in order of
/// first appearance, so nothing depends on the hash function.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    /// Empty, or a power of two of slots, at most [`Self::room`] of them in use; a free slot has
    /// the id [`Slot::FREE`].
    slots: Vec<Slot>,
    bytes: String,
    /// `ends[id]` is the end of string `id` in `bytes`; it starts at `ends[id - 1]` (0 for id 0).
    ends: Vec<usize>,
}

/// An [`Interner`] table entry: bits 32..64 of the string's hash (the slot is named by the low
/// bits), its id ([`Slot::FREE`] for a free slot), and `at` = start in the arena << 16 | length,
/// or [`Slot::LONG`] as the length when the string is too long for 16 bits or starts beyond
/// 2^48 (it is then found through `ends`).
#[derive(Clone, Copy, Debug)]
struct Slot {
    hash_bits: u32,
    id: u32,
    at: u64,
}

impl Slot {
    const LONG: u64 = 0xffff;
    /// The id of a free slot (no string has it: ids are below `u32::MAX`).
    const FREE: u32 = u32::MAX;
    const EMPTY: Slot = Slot { hash_bits: 0, id: Self::FREE, at: 0 };
    #[inline]
    fn hash_bits(hash: u64) -> u32 {
        (hash >> 32) as u32
    }
    fn new(hash: u64, id: u32, start: usize, len: usize) -> Slot {
        let at = if len < Self::LONG as usize && (start as u64) < 1 << 48 {
            (start as u64) << 16 | len as u64
        } else {
            Self::LONG
        };
        Slot { hash_bits: Self::hash_bits(hash), id, at }
    }
    /// The string's bytes in the arena `bytes` (`ends` as in [`Interner`]), as bytes: a probe
    /// compares bytes, so it need not check that the range cuts the arena at char boundaries.
    #[inline]
    fn bytes<'a>(&self, bytes: &'a [u8], ends: &[usize]) -> &'a [u8] {
        let len = self.at & Self::LONG;
        if len != Self::LONG {
            let start = (self.at >> 16) as usize;
            &bytes[start..start + len as usize]
        } else {
            let i = self.id as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] };
            &bytes[start..ends[i]]
        }
    }
    /// Whether this is the slot of `s`, of hash `hash`: the hash bits and the length before the
    /// bytes.
    #[inline]
    fn is(&self, hash: u64, s: &[u8], bytes: &[u8], ends: &[usize]) -> bool {
        let len = self.at & Self::LONG;
        self.hash_bits == Self::hash_bits(hash)
            && (len == Self::LONG || len as usize == s.len())
            && same_bytes(self.bytes(bytes, ends), s)
    }
}

impl Interner {
    /// The table's smallest size.
    const MIN_SLOTS: usize = 8;
    pub fn new() -> Self {
        Self::default()
    }
    /// An interner with room for `strings` strings of `bytes` bytes in all before it grows.
    pub fn with_capacity(strings: usize, bytes: usize) -> Self {
        let mut i = Self::default();
        i.reserve(strings, bytes);
        i
    }
    /// Room for `strings` more strings of `bytes` more bytes in all.
    pub fn reserve(&mut self, strings: usize, bytes: usize) {
        self.make_room(self.ends.len().saturating_add(strings));
        self.ends.reserve(strings);
        self.bytes.reserve(bytes);
    }
    /// The most strings a table of `slots` slots holds: 3/4 of them (a probe then reads at most
    /// 2.5 slots on average to find a string, 8.5 to find that a string is new; 4 slots share a
    /// cache line).
    #[inline]
    fn room(slots: usize) -> usize {
        slots / 4 * 3
    }
    /// Make the table hold room for `strings` strings (doubling it as often as needed, and
    /// placing every string again).
    fn make_room(&mut self, strings: usize) {
        if strings <= Self::room(self.slots.len()) {
            return;
        }
        let mut n = self.slots.len().max(Self::MIN_SLOTS);
        while Self::room(n) < strings {
            n *= 2;
        }
        self.slots = Vec::new(); // the old table freed before the new one is allocated
        self.slots = vec![Slot::EMPTY; n];
        let mask = n - 1;
        for id in 0..self.ends.len() {
            let range = self.range(id as u32);
            let hash = Self::hash(&self.bytes.as_bytes()[range.clone()]);
            let mut i = hash as usize & mask;
            while self.slots[i].id != Slot::FREE {
                i = (i + 1) & mask;
            }
            self.slots[i] = Slot::new(hash, id as u32, range.start, range.len());
        }
    }
    /// The hash of a string's bytes (one `FxHasher::write`: no end marker, as `Hash for str`
    /// adds; the table is the only user of these values, nothing else depends on them).
    ///
    /// `FxHasher`'s state is a `usize`: on 32-bit targets (wasm32, where the app runs) its
    /// `u64` has 32 zero high bits, and those are the bits each slot keeps to skip comparing
    /// strings ([`Slot::hash_bits`]): every slot a lookup passed was compared byte by byte (a
    /// random access into the arena). One multiply spreads the hash over all 64 bits.
    #[inline]
    pub fn hash(s: &[u8]) -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(s);
        let h = h.finish();
        (h ^ h >> 32).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    #[inline]
    fn range(&self, id: u32) -> std::ops::Range<usize> {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start..self.ends[i]
    }
    /// The slot of `s` (of hash `hash`): `Ok`, or `Err` with the free slot where it would go.
    /// The table is not empty (and never full).
    #[inline]
    fn probe(&self, hash: u64, s: &[u8]) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let (bytes, ends) = (self.bytes.as_bytes(), &self.ends);
        let mut i = hash as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == Slot::FREE {
                return Err(i);
            }
            if slot.is(hash, s, bytes, ends) {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }
    /// The id of `s`, inserting it if new.
    #[inline]
    pub fn intern(&mut self, s: &str) -> u32 {
        self.insert(s).0
    }
    /// The id of `s` and whether it was new (inserted by this call), like `HashSet::insert`.
    pub fn insert(&mut self, s: &str) -> (u32, bool) {
        self.make_room(self.ends.len() + 1);
        let hash = Self::hash(s.as_bytes());
        match self.probe(hash, s.as_bytes()) {
            Ok(i) => (self.slots[i].id, false),
            Err(i) => {
                let id = self.ends.len() as u32;
                debug_assert!(id != Slot::FREE, "an interner of 2^32 - 1 strings");
                self.slots[i] = Slot::new(hash, id, self.bytes.len(), s.len());
                self.bytes.push_str(s);
                self.ends.push(self.bytes.len());
                (id, true)
            }
        }
    }
    /// The id of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let i = self.probe(Self::hash(s.as_bytes()), s.as_bytes()).ok()?;
        Some(self.slots[i].id)
    }
    /// Read the slot where a lookup of the string of hash `hash` ([`Self::hash`]) starts, ahead
    /// of the lookup (the first of [`Self::read_ahead`]'s two steps, for many strings in a row so
    /// that their cache misses overlap). Returns what was read, to be kept from being optimised
    /// away; nothing is changed.
    #[inline]
    pub fn read_slot(&self, hash: u64) -> u32 {
        match self.slots.is_empty() {
            true => 0,
            false => self.slots[hash as usize & (self.slots.len() - 1)].hash_bits,
        }
    }
    /// Read what a lookup of the string of hash `hash` will read, ahead of it (see
    /// [`Self::read_slot`]): the slots it probes, comparing only their hash bits, then the first
    /// byte of the string of the slot found in the arena. Returns that slot's id and the byte
    /// read (the slot can be another string's: its bytes are not compared), None when no slot
    /// has the hash bits. Nothing is changed.
    #[inline]
    pub fn read_ahead(&self, hash: u64) -> Option<(u32, u8)> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let bits = Slot::hash_bits(hash);
        let mut i = hash as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == Slot::FREE {
                return None;
            }
            if slot.hash_bits == bits {
                let len = slot.at & Slot::LONG;
                let first = match len == Slot::LONG || len == 0 {
                    true => 0,
                    false => self.bytes.as_bytes().get((slot.at >> 16) as usize).copied().unwrap_or(0),
                };
                return Some((slot.id, first));
            }
            i = (i + 1) & mask;
        }
    }
    /// The string of id `id`.
    #[inline]
    pub fn resolve(&self, id: u32) -> &str {
        &self.bytes[self.range(id)]
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// Release the arena's spare capacity (the table is left as it is: shrinking it rehashes).
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        (0..self.ends.len() as u32).map(move |id| (id, self.resolve(id)))
    }
    /// Heap bytes used (for memory reports): the arena, the ends and the table.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
            + self.ends.capacity() * std::mem::size_of::<usize>()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
    }
}

/// A ragged column: for each row, a run of items (hashtags, URLs, mentions of a post).
#[derive(Clone, Debug)]
pub struct Ragged {
    /// `offsets[i]..offsets[i+1]` are row `i`'s items; `offsets.len() == rows + 1`.
    pub offsets: Vec<u32>,
    pub items: Vec<u32>,
}

impl Default for Ragged {
    fn default() -> Self {
        Ragged { offsets: vec![0], items: Vec::new() }
    }
}

impl Ragged {
    pub fn row(&self, i: usize) -> &[u32] {
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
    pub fn push_row(&mut self, items: impl IntoIterator<Item = u32>) {
        self.items.extend(items);
        self.offsets.push(self.items.len() as u32);
    }
    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.items.capacity() * 4
    }
    /// Release spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.offsets.shrink_to_fit();
        self.items.shrink_to_fit();
    }
}

/// Account attributes, one column each, indexed by [`AccountIdx`].
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    /// The account's id as the source gives it (numeric user id, or a hash in IO archives).
    pub ids: Interner,
    /// Screen name / handle without `@` (empty when unknown). Hashed accounts carry the hash.
    pub screen_name: Vec<Box<str>>,
    /// Display name (empty when unknown).
    pub display_name: Vec<Box<str>>,
    /// Account creation, ms since epoch, [`NO_TIME`] when unknown.
    pub created_at: Vec<i64>,
    /// Followers / following counts; `u32::MAX` when unknown.
    pub followers: Vec<u32>,
    pub following: Vec<u32>,
    /// Interned in [`Dataset::languages`]; `NONE` when unknown.
    pub language: Vec<u32>,
    /// 0 = has a description, 1 = empty description, 2 = unknown.
    pub description_empty: Vec<u8>,
    /// Most recent client application seen for the account, interned in [`Dataset::clients`].
    pub client: Vec<u32>,
    /// Whether the account appeared in a users file / as an author with attributes (not only as a
    /// retweet target or a mention).
    pub has_profile: Vec<bool>,
}

impl Accounts {
    pub fn len(&self) -> usize {
        self.screen_name.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Release spare capacity of every column.
    pub fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.screen_name.shrink_to_fit();
        self.display_name.shrink_to_fit();
        self.created_at.shrink_to_fit();
        self.followers.shrink_to_fit();
        self.following.shrink_to_fit();
        self.language.shrink_to_fit();
        self.description_empty.shrink_to_fit();
        self.client.shrink_to_fit();
        self.has_profile.shrink_to_fit();
    }
}

/// Which rows of a sparse column have a value: one bit per row and, per 64 rows, the number of
/// values before them, so a row's slot in the value vector is found in O(1) (0.19 bytes a row).
#[derive(Clone, Debug, Default)]
pub struct Presence {
    bits: Vec<u64>,
    /// `before[w]`: rows with a value among rows `0..64 * w`.
    before: Vec<u32>,
    rows: usize,
    count: u32,
}

impl Presence {
    /// Append a row.
    #[inline]
    pub fn push(&mut self, present: bool) {
        if self.rows.is_multiple_of(64) {
            self.bits.push(0);
            self.before.push(self.count);
        }
        if present {
            *self.bits.last_mut().unwrap() |= 1 << (self.rows % 64);
            self.count += 1;
        }
        self.rows += 1;
    }
    /// The slot of row `i` in the value vector, None when the row has no value.
    #[inline]
    pub fn slot(&self, i: usize) -> Option<usize> {
        let (w, b) = (i / 64, i % 64);
        let word = self.bits[w];
        if word >> b & 1 == 0 {
            None
        } else {
            Some(self.before[w] as usize + (word & ((1u64 << b) - 1)).count_ones() as usize)
        }
    }
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Rows with a value.
    pub fn count(&self) -> usize {
        self.count as usize
    }
    pub fn heap_bytes(&self) -> usize {
        self.bits.capacity() * 8 + self.before.capacity() * 4
    }
    pub fn shrink_to_fit(&mut self) {
        self.bits.shrink_to_fit();
        self.before.shrink_to_fit();
    }
}

/// One post's fixed-size values, as [`Posts::push`] takes them and [`Posts::row`] gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PostRow {
    pub id: u64,
    pub account: AccountIdx,
    pub time_ms: i64,
    pub kind: Kind,
    pub target_post: u64,
    pub target_account: AccountIdx,
    pub text_fp: u64,
    pub simhash: u64,
}

/// `time_hi` of a post whose time does not fit in 48 bits (kept in `Posts::time_far`).
const FAR_TIME: i32 = i32::MIN;

/// Posts, one column each, indexed by [`PostIdx`].
///
/// Layout (bytes per post): id 8, account 4, time 6 (48-bit milliseconds, ±4,000 years around
/// 1970; times beyond go to a side list), kind 1; target post and target account (12) only for
/// posts that have one (reposts, replies, quotes), text fingerprint and SimHash (16) only for
/// posts with own text, each sparse pair behind a [`Presence`] bitmap. Read the sparse and packed
/// columns through the accessors ([`Posts::time_ms`], [`Posts::target_post`], ...).
#[derive(Clone, Debug, Default)]
pub struct Posts {
    /// Post id key: the numeric id when the id is numeric, else a 64-bit hash of the id string
    /// (see [`post_key`]).
    pub id: Vec<u64>,
    pub account: Vec<AccountIdx>,
    /// Milliseconds since the Unix epoch (UTC) = `time_hi << 16 | time_lo`, or [`FAR_TIME`].
    time_hi: Vec<i32>,
    time_lo: Vec<u16>,
    /// (post, time) of the posts whose `time_hi` is [`FAR_TIME`], in post order.
    time_far: Vec<(PostIdx, i64)>,
    pub kind: Vec<Kind>,
    /// Rows with a target post or a target account.
    linked: Presence,
    target_post: Vec<u64>,
    target_account: Vec<AccountIdx>,
    /// Rows with a text fingerprint or a SimHash.
    texted: Presence,
    text_fp: Vec<u64>,
    simhash: Vec<u64>,
    /// Hashtag ids (lowercased, without `#`), interned in [`Dataset::hashtags`].
    pub hashtags: Ragged,
    /// URL ids, interned in [`Dataset::urls`]; `Dataset::url_domain[url]` gives the domain.
    pub urls: Ragged,
    /// Mentioned accounts, interned in [`Dataset::mentions`] (lowercased screen name or id).
    pub mentions: Ragged,
}

impl Posts {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
    /// Append a post's fixed-size values (its ragged rows are pushed to `hashtags`, `urls` and
    /// `mentions` separately).
    /// Room for `n` more posts in the dense columns and the ragged columns' offsets (the sparse
    /// columns grow with the rows that have a value).
    pub fn reserve(&mut self, n: usize) {
        self.id.reserve(n);
        self.account.reserve(n);
        self.time_hi.reserve(n);
        self.time_lo.reserve(n);
        self.kind.reserve(n);
        for r in [&mut self.hashtags, &mut self.urls, &mut self.mentions] {
            r.offsets.reserve(n);
        }
    }
    pub fn push(&mut self, r: PostRow) {
        let idx = self.id.len() as PostIdx;
        self.id.push(r.id);
        self.account.push(r.account);
        let hi = r.time_ms >> 16;
        if hi > FAR_TIME as i64 && hi <= i32::MAX as i64 {
            self.time_hi.push(hi as i32);
            self.time_lo.push(r.time_ms as u16);
        } else {
            self.time_hi.push(FAR_TIME);
            self.time_lo.push(0);
            self.time_far.push((idx, r.time_ms));
        }
        self.kind.push(r.kind);
        let linked = r.target_post != 0 || r.target_account != NONE || r.kind != Kind::Post;
        self.linked.push(linked);
        if linked {
            self.target_post.push(r.target_post);
            self.target_account.push(r.target_account);
        }
        let texted = r.text_fp != 0 || r.simhash != 0;
        self.texted.push(texted);
        if texted {
            self.text_fp.push(r.text_fp);
            self.simhash.push(r.simhash);
        }
    }
    /// Post `i`'s fixed-size values.
    pub fn row(&self, i: usize) -> PostRow {
        PostRow {
            id: self.id[i],
            account: self.account[i],
            time_ms: self.time_ms(i),
            kind: self.kind[i],
            target_post: self.target_post(i),
            target_account: self.target_account(i),
            text_fp: self.text_fp(i),
            simhash: self.simhash(i),
        }
    }
    /// Milliseconds since the Unix epoch (UTC).
    #[inline]
    pub fn time_ms(&self, i: usize) -> i64 {
        let hi = self.time_hi[i];
        if hi != FAR_TIME {
            (hi as i64) << 16 | self.time_lo[i] as i64
        } else {
            let k = self.time_far.binary_search_by_key(&(i as PostIdx), |x| x.0).expect("far time listed");
            self.time_far[k].1
        }
    }
    /// Every post's time, in post order.
    pub fn times(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.time_ms(i))
    }
    /// (min, max) time of the posts from index `from` on, None when none of them has a time.
    pub fn time_span_from(&self, from: usize) -> Option<(i64, i64)> {
        let mut it = (from.min(self.len())..self.len()).map(|i| self.time_ms(i)).filter(|&t| t != NO_TIME);
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t))))
    }
    /// Key of the retweeted / replied-to / quoted post, 0 when none (see [`post_key`]).
    #[inline]
    pub fn target_post(&self, i: usize) -> u64 {
        self.linked.slot(i).map_or(0, |s| self.target_post[s])
    }
    /// Author of the target post, `NONE` when unknown.
    #[inline]
    pub fn target_account(&self, i: usize) -> AccountIdx {
        self.linked.slot(i).map_or(NONE, |s| self.target_account[s])
    }
    /// Set the author of post `i`'s target. The post must have a target post or a kind other
    /// than [`Kind::Post`] (only those can have a target author): returns false otherwise.
    pub fn set_target_account(&mut self, i: usize, a: AccountIdx) -> bool {
        match self.linked.slot(i) {
            Some(s) => {
                self.target_account[s] = a;
                true
            }
            None => false,
        }
    }
    /// Fingerprint of the normalised text (see `ingest::text`), 0 when the post has no own text
    /// (a retweet's text is the original's and gets 0).
    #[inline]
    pub fn text_fp(&self, i: usize) -> u64 {
        self.texted.slot(i).map_or(0, |s| self.text_fp[s])
    }
    /// 64-bit SimHash of the text's word shingles for near-duplicate search, 0 when no text.
    #[inline]
    pub fn simhash(&self, i: usize) -> u64 {
        self.texted.slot(i).map_or(0, |s| self.simhash[s])
    }
    /// Every post's SimHash (0 when none), in post order.
    pub fn simhashes(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).map(|i| self.simhash(i))
    }
    /// Release spare capacity of every column (the model is complete).
    pub fn shrink_to_fit(&mut self) {
        self.id.shrink_to_fit();
        self.account.shrink_to_fit();
        self.time_hi.shrink_to_fit();
        self.time_lo.shrink_to_fit();
        self.time_far.shrink_to_fit();
        self.kind.shrink_to_fit();
        self.linked.shrink_to_fit();
        self.target_post.shrink_to_fit();
        self.target_account.shrink_to_fit();
        self.texted.shrink_to_fit();
        self.text_fp.shrink_to_fit();
        self.simhash.shrink_to_fit();
        self.hashtags.shrink_to_fit();
        self.urls.shrink_to_fit();
        self.mentions.shrink_to_fit();
    }
    /// Bytes used by the columns (the memory target is <= 64 bytes per post).
    pub fn heap_bytes(&self) -> usize {
        self.id.capacity() * 8
            + self.account.capacity() * 4
            + self.time_hi.capacity() * 4
            + self.time_lo.capacity() * 2
            + self.time_far.capacity() * 16
            + self.kind.capacity()
            + self.linked.heap_bytes()
            + self.target_post.capacity() * 8
            + self.target_account.capacity() * 4
            + self.texted.heap_bytes()
            + self.text_fp.capacity() * 8
            + self.simhash.capacity() * 8
            + self.hashtags.heap_bytes()
            + self.urls.heap_bytes()
            + self.mentions.heap_bytes()
    }
}

/// A bounded sample of raw texts, for display and for "top repeated texts".
///
/// The texts live back to back in chunks of [`Self::CHUNK`] bytes that never move or grow (so
/// keeping a text costs one copy, no allocation of its own, and no reallocation of what is kept);
/// the maps hold where each text is. A post's text sampled both for its account and for its
/// fingerprint is stored once. Read them with [`Self::by_fp`], [`Self::of_account`] and the
/// iterators (in hash order: sort what reaches an output).
#[derive(Clone, Debug)]
pub struct TextSamples {
    chunks: Vec<String>,
    /// One sample text per text fingerprint (first seen), up to the byte budget.
    by_fp: FxHashMap<u64, TextRef>,
    /// Up to `PER_ACCOUNT` sample posts per account: (post index, text).
    by_account: FxHashMap<AccountIdx, Vec<(PostIdx, TextRef)>>,
    /// Bytes counted against the budget: each text kept, per map entry, plus 16 for
    /// an account's sample and 24 for a fingerprint's (so the samples chosen do not depend on how
    /// they are stored).
    pub bytes: usize,
    /// The budget: [`Self::BUDGET_BYTES`] unless [`Self::set_budget`] lowered it.
    budget: usize,
}

impl Default for TextSamples {
    fn default() -> Self {
        TextSamples {
            chunks: Vec::new(),
            by_fp: FxHashMap::default(),
            by_account: FxHashMap::default(),
            bytes: 0,
            budget: Self::BUDGET_BYTES,
        }
    }
}

// Every chunk the budget can fill has a `u32` position (`TextRef::at`).
const _: () = assert!(TextSamples::BUDGET_BYTES / TextSamples::CHUNK + 2 < 1 << 12);

/// Where a sample text is: `at` = chunk × [`TextSamples::CHUNK`] + offset in the chunk, length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRef {
    at: u32,
    len: u32,
}

impl TextSamples {
    pub const PER_ACCOUNT: usize = 5;
    /// Total byte budget for all samples (keeps memory bounded on huge dumps).
    pub const BUDGET_BYTES: usize = 64 << 20;
    /// Longest sample kept, in bytes (longer texts are cut at a char boundary).
    pub const MAX_TEXT: usize = 560;
    /// Bytes of one chunk of texts (a text never straddles two; less than `MAX_TEXT` is left
    /// unused at the end of each). The budget spans far fewer than the 4,096 chunks a `u32`
    /// position can name.
    pub const CHUNK: usize = 1 << 20;

    /// Whether the byte budget is spent (nothing more is kept, ever).
    #[inline]
    pub fn full(&self) -> bool {
        self.bytes >= self.budget
    }
    /// A budget of `bytes` (at most [`Self::BUDGET_BYTES`]) instead of [`Self::BUDGET_BYTES`].
    pub fn set_budget(&mut self, bytes: usize) {
        self.budget = bytes.min(Self::BUDGET_BYTES);
    }
    /// Keep `text` (at most [`Self::MAX_TEXT`] bytes) in `chunks` and say where it is.
    fn store(chunks: &mut Vec<String>, text: &str) -> TextRef {
        debug_assert!(text.len() <= Self::MAX_TEXT);
        match chunks.last() {
            Some(c) if Self::CHUNK - c.len() >= text.len() => {}
            _ => chunks.push(String::with_capacity(Self::CHUNK)),
        }
        let chunk = chunks.len() - 1;
        let c = &mut chunks[chunk];
        let start = c.len();
        c.push_str(text);
        TextRef { at: (chunk * Self::CHUNK + start) as u32, len: text.len() as u32 }
    }
    #[inline]
    fn text(&self, r: TextRef) -> &str {
        let (chunk, start) = (r.at as usize / Self::CHUNK, r.at as usize % Self::CHUNK);
        &self.chunks[chunk][start..start + r.len as usize]
    }
    /// Sample post `post`'s `text`, cut to [`Self::MAX_TEXT`] bytes: as one of `account`'s when
    /// `for_account`, and as the text of fingerprint `fp` when `fp` is not 0 and has none yet.
    /// Returns how many samples `account` has (0 when not `for_account`). The caller checks the
    /// budget ([`Self::full`]) first and keeps at most [`Self::PER_ACCOUNT`] per account.
    pub fn add(&mut self, post: PostIdx, account: AccountIdx, for_account: bool, fp: u64, text: &str) -> usize {
        let text = truncate_at_char(text, Self::MAX_TEXT);
        let mut stored = None;
        let mut per_account = 0;
        if for_account {
            let r = Self::store(&mut self.chunks, text);
            stored = Some(r);
            // (callers keep at most `PER_ACCOUNT`: one allocation per account)
            let per = self.by_account.entry(account).or_insert_with(|| Vec::with_capacity(Self::PER_ACCOUNT));
            per.push((post, r));
            per_account = per.len();
            self.bytes += text.len() + 16;
        }
        if fp != 0 {
            if let std::collections::hash_map::Entry::Vacant(e) = self.by_fp.entry(fp) {
                e.insert(stored.unwrap_or_else(|| Self::store(&mut self.chunks, text)));
                self.bytes += text.len() + 24;
            }
        }
        per_account
    }
    /// Room for `n` more fingerprints' samples without the map growing.
    pub fn reserve_fps(&mut self, n: usize) {
        self.by_fp.reserve(n);
    }
    /// Fingerprints with a sample.
    pub fn n_fps(&self) -> usize {
        self.by_fp.len()
    }
    /// Whether fingerprint `fp` has a sample.
    pub fn has_fp(&self, fp: u64) -> bool {
        self.by_fp.contains_key(&fp)
    }
    /// The sample text of fingerprint `fp`.
    pub fn by_fp(&self, fp: u64) -> Option<&str> {
        self.by_fp.get(&fp).map(|&r| self.text(r))
    }
    /// `account`'s sample posts, in the order they were read: (post index, text).
    pub fn of_account(&self, account: AccountIdx) -> impl Iterator<Item = (PostIdx, &str)> + '_ {
        self.by_account.get(&account).into_iter().flatten().map(|&(p, r)| (p, self.text(r)))
    }
    /// Every (fingerprint, text), in hash order.
    pub fn fp_texts(&self) -> impl Iterator<Item = (u64, &str)> + '_ {
        self.by_fp.iter().map(|(&fp, &r)| (fp, self.text(r)))
    }
    /// Every account with samples, in hash order.
    pub fn accounts(&self) -> impl Iterator<Item = AccountIdx> + '_ {
        self.by_account.keys().copied()
    }
    /// Release the last chunk's spare room.
    pub fn shrink_to_fit(&mut self) {
        if let Some(c) = self.chunks.last_mut() {
            c.shrink_to_fit();
        }
        self.chunks.shrink_to_fit();
    }
    /// Heap bytes used: the chunks and the two maps.
    pub fn heap_bytes(&self) -> usize {
        let per_account: usize =
            self.by_account.values().map(|v| v.capacity() * std::mem::size_of::<(PostIdx, TextRef)>()).sum();
        self.chunks.iter().map(|c| c.capacity()).sum::<usize>()
            + self.by_fp.capacity() * (8 + std::mem::size_of::<TextRef>() + 1)
            + self.by_account.capacity() * (4 + std::mem::size_of::<Vec<(PostIdx, TextRef)>>() + 1)
            + per_account
    }
}

/// The dataset: accounts, posts, interned vocabularies and bounded text samples.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    pub accounts: Accounts,
    pub posts: Posts,
    pub hashtags: Interner,
    pub urls: Interner,
    pub domains: Interner,
    /// For each URL id, its domain id.
    pub url_domain: Vec<u32>,
    pub mentions: Interner,
    pub languages: Interner,
    pub clients: Interner,
    pub samples: TextSamples,
    /// Every post's full text, only with `IngestOptions::keep_text` (native exact-peer mode).
    pub texts: Option<Vec<Box<str>>>,
    /// Every post's source values verbatim, only with `IngestOptions::keep_text` (native
    /// exact-peer mode, see `core::peer`).
    pub exact: Option<ExactColumns>,
}

/// Source values of each post exactly as the input gave them, for bit-exact reproduction of peer
/// tools (`core::peer::toolkit`). Filled only with `IngestOptions::keep_text`; one row per kept
/// post, indexed like [`Posts`].
#[derive(Clone, Debug, Default)]
pub struct ExactColumns {
    /// The post id string as given (not keyed).
    pub message_id: StrColumn,
    /// The author id string as given: [`NONE`] when it is the account's id (`accounts.ids`,
    /// the usual case), else its index in `user_strings` (e.g. an id with surrounding spaces).
    pub user_id: Vec<u32>,
    pub user_strings: Interner,
    /// The target post id string as given ("" when none): the reposted post for
    /// [`Kind::Retweet`], the replied-to post for [`Kind::Reply`], the quoted one for [`Kind::Quote`].
    pub target_id: StrColumn,
    /// Time in seconds as the source gave it (f64, sub-millisecond precision kept).
    pub time_s: Vec<f64>,
    /// URL strings as the record gave them (verbatim, empty strings included), interned in `url_strings`.
    pub urls: Ragged,
    pub url_strings: Interner,
}

/// A column of strings in one buffer (no allocation per row).
#[derive(Clone, Debug, Default)]
pub struct StrColumn {
    /// `bytes[ends[i-1]..ends[i]]` is row `i` (`ends[-1]` = 0).
    pub ends: Vec<usize>,
    pub bytes: String,
}

impl StrColumn {
    pub fn push(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len());
    }
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl Dataset {
    pub fn n_accounts(&self) -> usize {
        self.accounts.len()
    }
    /// The accounts in the order of their ids (ties, which the interner never makes, by index),
    /// and each account's place in that order (its *rank*): what detection works in and the
    /// exports order by, so that neither depends on the order of the input rows (which sets
    /// the account indices).
    pub fn accounts_by_id(&self) -> (Vec<AccountIdx>, Vec<u32>) {
        let n = self.n_accounts();
        let ids = &self.accounts.ids;
        let mut by_rank: Vec<AccountIdx> = (0..n as u32).collect();
        by_rank.sort_by(|&a, &b| ids.resolve(a).cmp(ids.resolve(b)).then(a.cmp(&b)));
        let mut rank = vec![0u32; n];
        for (r, &a) in by_rank.iter().enumerate() {
            rank[a as usize] = r as u32;
        }
        (by_rank, rank)
    }
    pub fn n_posts(&self) -> usize {
        self.posts.len()
    }
    /// (min, max) post time in ms, or None when there are no timed posts.
    pub fn time_span(&self) -> Option<(i64, i64)> {
        self.posts.time_span_from(0)
    }
    /// Release the spare capacity of the columns (called when ingest is complete; more posts can
    /// still be added afterwards, they just reallocate).
    pub fn shrink_to_fit(&mut self) {
        self.accounts.shrink_to_fit();
        self.posts.shrink_to_fit();
        for i in [
            &mut self.hashtags,
            &mut self.urls,
            &mut self.domains,
            &mut self.mentions,
            &mut self.languages,
            &mut self.clients,
        ] {
            i.shrink_to_fit();
        }
        self.url_domain.shrink_to_fit();
        self.samples.shrink_to_fit();
        if let Some(t) = self.texts.as_mut() {
            t.shrink_to_fit();
        }
    }
    /// Approximate heap bytes of the whole model.
    pub fn heap_bytes(&self) -> usize {
        self.posts.heap_bytes()
            + self.hashtags.heap_bytes()
            + self.urls.heap_bytes()
            + self.domains.heap_bytes()
            + self.mentions.heap_bytes()
            + self.accounts.ids.heap_bytes()
            + self.accounts.len() * 64
            + self.samples.bytes
    }
}

/// Key of a post id: numeric ids keep their value; other ids (hashes, URLs used as object ids)
/// get a 64-bit FNV-1a hash with the top bit set so the two spaces cannot collide.
/// Returns 0 for an empty id (0 means "none").
pub fn post_key(id: &str) -> u64 {
    let id = crate::core::ingest::csv::fast_trim(id);
    if id.is_empty() {
        return 0;
    }
    // At most 19 digits cannot overflow a u64, so plain arithmetic does (`str::parse` checks
    // every step, a slow 128-bit multiply in Wasm), eight digits at a time.
    if let Some(v) = crate::core::ingest::io_archive::parse_digits19(id.as_bytes()) {
        if v < (1u64 << 63) && v != 0 {
            return v;
        }
    }
    fnv1a64(id.as_bytes()) | (1u64 << 63)
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
pub fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// 64-bit FNV-1a: a simple, stable, platform-independent hash for fingerprints.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Where a diagnostic points in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// 1-based record (row / JSON line / object) number within the file, header excluded.
    pub record: u64,
    /// 1-based line where the record starts.
    pub line: u64,
    /// 0-based byte offset where the record starts (in the decompressed stream).
    pub byte: u64,
}

/// Why a record was rejected or repaired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DiagKind {
    /// A required field (account, time, id) is missing or empty.
    MissingField,
    /// A field has a value that cannot be parsed (time, number, id).
    BadValue,
    /// Wrong number of fields in a CSV row.
    FieldCount,
    /// Malformed JSON or CSV syntax.
    Syntax,
    /// Bytes that are not UTF-8 (the field was repaired lossily).
    InvalidUtf8,
    /// A field longer than the limit (truncated or rejected).
    TooLong,
    /// The same post id was seen before (counted once).
    Duplicate,
    /// The file or entry is of an unsupported kind or cannot be read at all.
    Unsupported,
    /// The input ended in the middle of a record or a compressed stream.
    Truncated,
    /// A size or ratio limit (zip bomb guard, memory guard) stopped reading.
    Limit,
}

impl DiagKind {
    pub const ALL: [DiagKind; 10] = [
        DiagKind::MissingField,
        DiagKind::BadValue,
        DiagKind::FieldCount,
        DiagKind::Syntax,
        DiagKind::InvalidUtf8,
        DiagKind::TooLong,
        DiagKind::Duplicate,
        DiagKind::Unsupported,
        DiagKind::Truncated,
        DiagKind::Limit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DiagKind::MissingField => "missing field",
            DiagKind::BadValue => "bad value",
            DiagKind::FieldCount => "wrong field count",
            DiagKind::Syntax => "syntax error",
            DiagKind::InvalidUtf8 => "invalid UTF-8",
            DiagKind::TooLong => "field too long",
            DiagKind::Duplicate => "duplicate post",
            DiagKind::Unsupported => "unsupported input",
            DiagKind::Truncated => "truncated input",
            DiagKind::Limit => "limit reached",
        }
    }
}

/// One rejected or repaired record (or a file-level problem, with record 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub kind: DiagKind,
    pub at: Position,
    /// Specific, human-readable: what was wrong and with which field/value.
    pub message: String,
    /// true: the record was rejected (not in the dataset); false: repaired and kept.
    pub rejected: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_post_keys_are_their_values_up_to_2_pow_63() {
        let hashed = |id: &str| fnv1a64(id.as_bytes()) | (1u64 << 63);
        for id in ["1", "007", "1050118621198921728", "9223372036854775807", "999999999999999999"] {
            assert_eq!(post_key(id), id.parse::<u64>().unwrap(), "{id}");
        }
        assert_eq!(post_key(" 42 "), 42);
        // zero, 2^63 and above, 20 digits, and non-digits are hashed into the upper half
        for id in ["0", "9223372036854775808", "9999999999999999999", "12345678901234567890", "12a", "-5", "+5"] {
            assert_eq!(post_key(id), hashed(id), "{id}");
        }
        assert_eq!(post_key(""), 0);
        assert_eq!(post_key("  "), 0);
    }

    /// `post_key` with the eight-digit parser against the one-digit-at-a-time loop it replaced,
    /// on random ids of up to 22 bytes: digits, some with one other byte, some padded.
    #[test]
    fn post_keys_as_the_digit_loop_gave_them() {
        fn old_post_key(id: &str) -> u64 {
            let id = crate::core::ingest::csv::fast_trim(id);
            if id.is_empty() {
                return 0;
            }
            if id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()) {
                let v = id.bytes().fold(0u64, |v, b| v * 10 + (b - b'0') as u64);
                if v < (1u64 << 63) && v != 0 {
                    return v;
                }
            }
            fnv1a64(id.as_bytes()) | (1u64 << 63)
        }
        let mut next = crate::core::test_rng(0xBB67_AE85_84CA_A73B);
        let mut numeric = 0;
        for _ in 0..300_000 {
            let mut b: Vec<u8> = (0..next(23)).map(|_| b'0' + next(10) as u8).collect();
            if next(4) == 0 && !b.is_empty() {
                b[0] = b'9';
            }
            if !b.is_empty() && next(3) == 0 {
                let i = next(b.len());
                b[i] = b"/:+- a\xC3\x00\xFF9\t"[next(11)];
            }
            if next(5) == 0 {
                b.insert(0, b' ');
                b.push(b' ');
            }
            let id = String::from_utf8_lossy(&b);
            let key = post_key(&id);
            assert_eq!(key, old_post_key(&id), "{id:?}");
            numeric += (key != 0 && key < 1 << 63) as u32;
        }
        assert!(numeric > 50_000, "{numeric}");
    }

    /// `same_bytes` is `==` at every length around the word sizes, with a difference at every
    /// position (first byte, last byte, inside the overlapping last word) or none.
    #[test]
    fn same_bytes_is_slice_equality() {
        let base: Vec<u8> = (0..70u8).map(|b| b.wrapping_mul(37) ^ 0x5a).collect();
        let copy = base.clone();
        for n in 0..base.len() {
            let a = &base[..n];
            assert!(same_bytes(a, a) && same_bytes(a, &copy[..n]));
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 1 << (at % 8);
                assert!(!same_bytes(a, &b), "length {n}, difference at {at}");
                assert!(!same_bytes(&b, a), "length {n}, difference at {at}");
            }
            if n > 0 {
                assert!(!same_bytes(a, &base[..n - 1]) && !same_bytes(&base[..n - 1], a));
            }
        }
        assert!(same_str("香港", "香港") && !same_str("香港", "香渚") && same_str("", ""));
    }

    #[test]
    fn interner_gives_dense_ids_in_order_and_resolves_them() {
        let mut i = Interner::new();
        assert_eq!(i.get(""), None);
        assert_eq!(i.insert("b"), (0, true));
        assert_eq!(i.insert(""), (1, true));
        assert_eq!(i.insert("香港"), (2, true));
        assert_eq!(i.insert("b"), (0, false));
        assert_eq!(i.intern(""), 1);
        assert_eq!((i.resolve(0), i.resolve(1), i.resolve(2)), ("b", "", "香港"));
        assert_eq!(i.get("香港"), Some(2));
        assert_eq!(i.get("香"), None);
        assert_eq!(i.iter().collect::<Vec<_>>(), [(0, "b"), (1, ""), (2, "香港")]);
        assert_eq!(i.len(), 3);
    }

    /// Many strings (the table grows and rehashes from its stored hashes), including prefixes of
    /// each other: every id resolves to its string and every string finds its id, as a map would.
    #[test]
    fn interner_agrees_with_a_map_through_growth() {
        let mut i = Interner::with_capacity(4, 8);
        let mut want: std::collections::HashMap<String, u32> = Default::default();
        let mut order = Vec::new();
        let mut x: u64 = 7;
        for _ in 0..50_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let s = "ab".repeat((x >> 60) as usize) + &((x >> 40) % 20_000).to_string();
            let next = want.len() as u32;
            let id = *want.entry(s.clone()).or_insert_with(|| {
                order.push(s.clone());
                next
            });
            assert_eq!(i.insert(&s), (id, id == next));
        }
        assert_eq!(i.len(), want.len());
        for (id, s) in order.iter().enumerate() {
            assert_eq!(i.resolve(id as u32), s);
            assert_eq!(i.get(s), Some(id as u32));
        }
        i.shrink_to_fit();
        assert_eq!(i.iter().map(|(_, s)| s.to_string()).collect::<Vec<_>>(), order);
        assert_eq!(i.get("missing"), None);
    }

    /// Strings whose hashes share the 32 bits a slot keeps (found among many numbers: the
    /// table then tells them apart by their bytes alone), strings of every length from 0 to 100
    /// bytes, and prefixes of each other, in tables from the smallest size up through growth:
    /// each gets its own id, is found, and is found by the look-ahead reads.
    /// The hash bits the slots keep (the high half) differ between strings, natively as in
    /// wasm32 (`tests/wasm_fingerprints.rs`), where `FxHasher` alone left them zero.
    #[test]
    fn interner_hash_bits_differ_between_strings() {
        let ids: Vec<String> = (0..50_000u32).map(|k| format!("user_{k}")).collect();
        let bits: std::collections::HashSet<u32> =
            ids.iter().map(|s| Slot::hash_bits(Interner::hash(s.as_bytes()))).collect();
        assert!(bits.len() >= ids.len() - 5, "{} distinct hash bits of {}", bits.len(), ids.len());
    }

    #[test]
    fn interner_tells_apart_strings_of_equal_hash_bits() {
        let mut by_bits: std::collections::HashMap<u32, String> = Default::default();
        let mut pairs = Vec::new();
        for n in 0..300_000u64 {
            let s = n.to_string();
            let bits = Slot::hash_bits(Interner::hash(s.as_bytes()));
            if let Some(other) = by_bits.insert(bits, s.clone()) {
                pairs.push((other, s));
            }
        }
        assert!(pairs.len() >= 2, "{} pairs", pairs.len());
        let lengths: Vec<String> = (0..=100).map(|n| "7".repeat(n)).collect();
        for capacity in [0, 4, 1000] {
            let mut i = Interner::with_capacity(capacity, 0);
            let mut all: Vec<&str> = Vec::new();
            for (a, b) in &pairs {
                assert_ne!(a, b);
                all.extend([a.as_str(), b.as_str()]);
            }
            all.extend(lengths.iter().map(String::as_str));
            for (k, s) in all.iter().enumerate() {
                assert_eq!(i.insert(s), (k as u32, true), "{s:?}");
                for (j, t) in all[..=k].iter().enumerate() {
                    assert_eq!(i.get(t), Some(j as u32), "{t:?} after {s:?}");
                }
            }
            for (k, s) in all.iter().enumerate() {
                assert_eq!(i.insert(s), (k as u32, false));
                assert_eq!(i.resolve(k as u32), *s);
                let hash = Interner::hash(s.as_bytes());
                let _ = i.read_slot(hash);
                // the first slot of the string's hash bits: its own or its pair's
                let (id, first) = i.read_ahead(hash).unwrap();
                let found = i.resolve(id);
                assert_eq!(Slot::hash_bits(Interner::hash(found.as_bytes())), Slot::hash_bits(hash), "{s:?}");
                assert_eq!(first, found.bytes().next().unwrap_or(0), "{s:?}");
            }
            assert_eq!(i.get("77777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777"), None);
            assert_eq!(i.len(), all.len());
        }
        let empty = Interner::new();
        assert_eq!((empty.get(""), empty.read_ahead(Interner::hash(b"")), empty.read_slot(7)), (None, None, 0));
    }

    /// The table grows as strings come (at most 3/4 of its slots in use) and as room is reserved,
    /// and keeps every string through each growth; 64-hex and 19-digit ids as IO archives hold
    /// them, many of them.
    #[test]
    fn interner_table_grows_and_keeps_ids() {
        let mut i = Interner::new();
        let ids: Vec<String> = (0..40_000u64)
            .map(|n| match n % 2 {
                0 => format!("{:016x}{:016x}{:016x}{:016x}", n, n.wrapping_mul(31), !n, n ^ 0x5555),
                _ => format!("{}", 1_000_000_000_000_000_000 + n * 7919),
            })
            .collect();
        for (k, s) in ids.iter().enumerate() {
            assert_eq!(i.insert(s), (k as u32, true));
            assert!(i.slots.len().is_power_of_two() && i.len() <= Interner::room(i.slots.len()));
        }
        let slots = i.slots.len();
        i.reserve(3 * slots, 0);
        assert!(i.slots.len() >= 4 * slots && Interner::room(i.slots.len()) >= i.len() + 3 * slots);
        for (k, s) in ids.iter().enumerate() {
            assert_eq!(i.get(s), Some(k as u32));
            assert_eq!(i.read_ahead(Interner::hash(s.as_bytes())).map(|(id, _)| id), Some(k as u32));
        }
    }

    /// Strings too long for a table slot's 16-bit length are found through the end offsets,
    /// next to short ones, before and after the table grows.
    #[test]
    fn interner_finds_long_strings() {
        let mut i = Interner::new();
        let long = |k: usize| format!("{k}").repeat(70_000 / (k + 1).to_string().len());
        assert_eq!(i.insert("a"), (0, true));
        assert_eq!(i.insert(&long(1)), (1, true));
        assert_eq!(i.insert(&"é".repeat(40_000)), (2, true));
        for k in 0..200 {
            i.insert(&k.to_string());
        }
        assert_eq!(i.insert(&long(1)), (1, false));
        assert_eq!(i.insert(&"é".repeat(40_000)), (2, false));
        assert_eq!(i.get(&long(2)), None);
        assert_eq!(i.get(&long(1)[..65_535]), None);
        assert_eq!(i.resolve(1), long(1));
        assert_eq!(i.get("a"), Some(0));
        assert_eq!(i.get("199"), Some(202));
    }

    /// Samples: the first text of each fingerprint, up to `PER_ACCOUNT` per account as the caller
    /// asks, cut at a char boundary, stored across chunks; the budget counts what the maps hold.
    #[test]
    fn text_samples_keep_first_texts_across_chunks() {
        let mut s = TextSamples::default();
        let text = |k: u32| format!("{k} {}", "香".repeat(300));
        let mut want_bytes = 0;
        for k in 0..5_000u32 {
            let t = text(k);
            let cut = truncate_at_char(&t, TextSamples::MAX_TEXT);
            assert!(cut.len() <= TextSamples::MAX_TEXT && cut.len() > TextSamples::MAX_TEXT - 3);
            let for_account = k % 7 < 3;
            let n = s.add(k, k % 10, for_account, (k % 2_000) as u64 + 1, &t);
            if for_account {
                want_bytes += cut.len() + 16;
                assert!(n >= 1);
            } else {
                assert_eq!(n, 0);
            }
            if k < 2_000 {
                want_bytes += cut.len() + 24;
            }
        }
        assert_eq!(s.bytes, want_bytes);
        assert_eq!(s.n_fps(), 2_000);
        assert!(s.chunks.len() >= 2, "{} chunks", s.chunks.len());
        for fp in 1..=2_000u64 {
            assert_eq!(s.by_fp(fp), Some(truncate_at_char(&text(fp as u32 - 1), TextSamples::MAX_TEXT)));
        }
        assert_eq!(s.by_fp(0), None);
        assert_eq!(s.by_fp(2_001), None);
        let of3: Vec<_> = s.of_account(3).take(3).collect();
        let cut = |k: u32| truncate_at_char(&text(k), TextSamples::MAX_TEXT).to_string();
        let of3: Vec<_> = of3.into_iter().map(|(p, t)| (p, t.to_string())).collect();
        assert_eq!(of3, [(23, cut(23)), (43, cut(43)), (63, cut(63))]);
        assert_eq!(s.of_account(99).count(), 0);
        let mut accounts: Vec<_> = s.accounts().collect();
        accounts.sort();
        assert_eq!(accounts, (0..10).collect::<Vec<_>>());
        s.shrink_to_fit();
        assert_eq!(s.by_fp(2_000), Some(truncate_at_char(&text(1_999), TextSamples::MAX_TEXT)));
    }
}
