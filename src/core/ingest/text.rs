//! Text normalisation and fingerprints for co-tweet and near-duplicate detection.
//!
//! `normalise` lowercases, drops a leading `RT @name:`, URLs and @mentions, keeps letters and
//! digits of any script (hashtag words stay, without `#`), and folds runs of anything else into one
//! space. Two posts with the same normalised text share a `fingerprint`; posts whose word sets
//! overlap a lot have SimHashes a small Hamming distance apart.

/// Normalised text (see module docs).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalise_into(text, &mut out);
    out
}

/// [`normalise`] into a reused buffer (cleared first).
pub fn normalise_into(text: &str, out: &mut String) {
    out.clear();
    let mut sink = StringSink { out, pending_space: false };
    walk(text, &mut sink);
}

/// Receives the normalised text from [`walk`]: alphanumeric chars (already lowercased) and gaps
/// (a run of anything else, folded into one space between two kept chars).
trait Sink {
    /// A non-ASCII alphanumeric char, lowercased.
    fn char(&mut self, c: char);
    /// A run of ASCII letters and digits, not lowercased yet (same as `char` of each, lowercased).
    fn ascii_run(&mut self, run: &[u8]);
    /// A whole word of `k` (1..=15) ASCII letters and digits, then a gap: the low `k` bytes of
    /// `lo`, `hi` (little-endian, `lo` first), not lowercased yet (same as `ascii_run` of them,
    /// then `gap`). Bytes past the `k` are to be ignored.
    fn ascii_word(&mut self, lo: u64, hi: u64, k: usize);
    /// A run of chars that are alphanumeric and their own lowercase (same as `char` of each).
    fn verbatim_run(&mut self, run: &str);
    /// Anything that separates words.
    fn gap(&mut self);
}

struct StringSink<'a> {
    out: &'a mut String,
    pending_space: bool,
}

impl Sink for StringSink<'_> {
    #[inline]
    fn char(&mut self, c: char) {
        if self.pending_space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push(c);
    }
    #[inline]
    fn ascii_run(&mut self, run: &[u8]) {
        for &b in run {
            self.char(b.to_ascii_lowercase() as char);
        }
    }
    #[inline]
    fn ascii_word(&mut self, lo: u64, hi: u64, k: usize) {
        for i in 0..k {
            let v = if i < 8 { lo >> (8 * i) } else { hi >> (8 * (i - 8)) };
            self.char((v as u8).to_ascii_lowercase() as char);
        }
        self.gap();
    }
    #[inline]
    fn verbatim_run(&mut self, run: &str) {
        for c in run.chars() {
            self.char(c);
        }
    }
    #[inline]
    fn gap(&mut self) {
        self.pending_space = true;
    }
}

/// Whether `b` is an ASCII byte that `char::is_whitespace` accepts (U+0009..=U+000D, U+0020).
#[inline]
fn is_ascii_ws(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// Class of each ASCII byte: 0 = other (punctuation, control), 1 = whitespace, 2 = letter or
/// digit. Non-ASCII bytes are 3.
const CLASS: [u8; 256] = {
    let mut t = [3u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if matches!(c, b'\t'..=b'\r' | b' ') {
            1
        } else if c.is_ascii_alphanumeric() {
            2
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The normalisation itself (see the module docs), feeding `sink`. Words are split on Unicode
/// whitespace exactly as `str::split_whitespace` does; within a word, ASCII takes a table-driven
/// path and other chars are lowercased one by one (same result as `str::to_lowercase` of the
/// word except for the final-sigma rule, so words with `Σ` take the general path).
#[inline]
fn walk<S: Sink>(text: &str, sink: &mut S) {
    let mut t = text.trim_start();
    // drop a leading retweet marker "RT @name:"
    if let Some(rest) = t.strip_prefix("RT @") {
        match rest.find(':') {
            Some(i) if !rest[..i].contains(char::is_whitespace) => t = &rest[i + 1..],
            _ => {}
        }
    }
    let b = t.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        // Skip whitespace.
        let c0 = b[i];
        if c0 < 0x80 {
            if is_ascii_ws(c0) {
                i += 1;
                continue;
            }
        } else if matches!(c0, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
            // Only these lead bytes start non-ASCII whitespace (see the word scan below).
            let c = next_char(t, i);
            if c.is_whitespace() {
                i += c.len_utf8();
                continue;
            }
        }
        // Fast paths for the most common words, found and handed over in one pass: ASCII letters
        // and digits only, or caseless letters only (the calls the general path below makes for
        // them: no such word starts with `@`, `http://`, `https://` or `www.`, or holds `Σ`).
        let cls = CLASS[c0 as usize];
        // A hashtag: `#` is a gap, and what follows it is looked at as a word of its own.
        let s = if c0 == b'#' && i + 1 < n && CLASS[b[i + 1] as usize] == 2 { i + 1 } else { i };
        if cls == 2 || s > i {
            // Sixteen bytes at once (two eight-byte halves; zero padding past the end counts as
            // not alphanumeric): a run of up to 15 letters and digits, then whitespace or the
            // end, or then one ASCII punctuation byte and whitespace or the end (`word,`).
            let (lo, hi) = load16(&b[s..]);
            let k = alnum_prefix16(lo, hi);
            if k < 16 {
                let e = s + k;
                if e == n || is_ascii_ws(b[e]) {
                    sink.ascii_word(lo, hi, k);
                    i = e;
                    continue;
                }
                // `www.` (the start of a URL, dropped when the word starts with it) takes the
                // general path; no other run of letters and digits and one more byte does.
                if CLASS[b[e] as usize] == 0
                    && (e + 1 == n || is_ascii_ws(b[e + 1]))
                    && !(k == 3 && b[e] == b'.' && (lo as u32 & 0xDF_DFDF) == u32::from_le_bytes(*b"WWW\0"))
                {
                    sink.ascii_word(lo, hi, k);
                    i = e + 1;
                    continue;
                }
            } else if s == i {
                // A longer one: on, eight bytes at a time (the padding stops it at the end).
                let mut j = i + 16;
                while j < n {
                    let m = (non_alnum(load_le(&b[j..], (n - j).min(8))).trailing_zeros() / 8) as usize;
                    j += m;
                    if m < 8 {
                        break;
                    }
                }
                if j == n || is_ascii_ws(b[j]) {
                    sink.ascii_run(&b[i..j]);
                    sink.gap();
                    i = j;
                    continue;
                }
            }
        } else if c0 >= 0x80 {
            let mut j = i;
            loop {
                let k = caseless_letter_len(&b[j..]);
                if k == 0 {
                    break;
                }
                j += k;
            }
            if j > i && (j == n || is_ascii_ws(b[j])) {
                sink.verbatim_run(&t[i..j]);
                sink.gap();
                i = j;
                continue;
            }
        }
        // A word: up to the next whitespace char. Note whether it is all ASCII and has `Σ`.
        let start = i;
        let mut ascii = true;
        let mut sigma = false;
        while i < n {
            // Eight printable ASCII bytes at once (URLs, words with punctuation).
            if i + 8 <= n {
                let f = ws_or_non_ascii(load_le(&b[i..], 8));
                if f == 0 {
                    i += 8;
                    continue;
                }
                i += (f.trailing_zeros() / 8) as usize;
            }
            let c = b[i];
            if c < 0x80 {
                if is_ascii_ws(c) {
                    break;
                }
                i += 1;
            } else {
                ascii = false;
                // Non-ASCII whitespace (U+0085, U+00A0, U+1680, U+2000..=U+205F, U+3000) starts
                // with one of these bytes; `Σ` is CE A3.
                if matches!(c, 0xC2 | 0xE1 | 0xE2 | 0xE3) && next_char(t, i).is_whitespace() {
                    break;
                }
                sigma |= c == 0xCE && b.get(i + 1) == Some(&0xA3);
                i += utf8_len(c);
            }
        }
        let word = &t[start..i];
        let w = word.as_bytes();
        // Only U+212A (→ k) and U+0130 (→ i̇) lowercase to ASCII, and no prefix below has `k` or
        // `i`: comparing the raw bytes ASCII-case-insensitively equals comparing the lowercase.
        let starts = |p: &[u8]| w.len() >= p.len() && w[..p.len()].eq_ignore_ascii_case(p);
        if w[0] == b'@' || starts(b"http://") || starts(b"https://") || starts(b"www.") {
            sink.gap();
            continue;
        }
        if ascii {
            ascii_runs(w, sink);
        } else if sigma {
            for c in word.to_lowercase().chars() {
                if c.is_alphanumeric() {
                    sink.char(c);
                } else {
                    sink.gap();
                }
            }
        } else {
            // Runs of ASCII and runs of caseless letters whole; other chars one by one.
            let mut k = 0;
            while k < w.len() {
                let c = w[k];
                if c < 0x80 {
                    let end = k + w[k..].iter().position(|&b| b >= 0x80).unwrap_or(w.len() - k);
                    ascii_runs(&w[k..end], sink);
                    k = end;
                    continue;
                }
                let n = caseless_letter_len(&w[k..]);
                if n > 0 {
                    let start = k;
                    k += n;
                    loop {
                        let n = caseless_letter_len(&w[k..]);
                        if n == 0 {
                            break;
                        }
                        k += n;
                    }
                    sink.verbatim_run(&word[start..k]);
                    continue;
                }
                let n = symbol_len(&w[k..]);
                if n > 0 {
                    // An emoji, punctuation: not alphanumeric, a gap (without a Unicode table
                    // lookup).
                    sink.gap();
                    k += n;
                    continue;
                }
                let ch = next_char(word, k);
                k += ch.len_utf8();
                for lc in ch.to_lowercase() {
                    if lc.is_alphanumeric() {
                        sink.char(lc);
                    } else {
                        sink.gap();
                    }
                }
            }
        }
        sink.gap();
    }
}

/// 0x80 in each byte of `v` that is not an ASCII letter or digit, 0 in the others (no carries
/// cross bytes: every sum below stays under 0x100).
#[inline(always)]
fn non_alnum(v: u64) -> u64 {
    const H: u64 = 0x8080_8080_8080_8080;
    const fn rep(b: u8) -> u64 {
        0x0101_0101_0101_0101 * b as u64
    }
    let x = v & !H;
    let l = x | LOWER;
    let letter = (l + rep(0x80 - b'a')) & !(l + rep(0x7F - b'z'));
    let digit = (x + rep(0x80 - b'0')) & !(x + rep(0x7F - b'9'));
    (!(letter | digit) | v) & H
}

/// 0x80 in each byte of `v` that is not ASCII or is at most 0x20 (space, controls: a superset of
/// ASCII whitespace), 0 in the others.
#[inline(always)]
fn ws_or_non_ascii(v: u64) -> u64 {
    const H: u64 = 0x8080_8080_8080_8080;
    // x + 0x5F has its top bit set when x >= 0x21 (x < 0x80: no carry out of the byte).
    (v | !((v & !H) + 0x5F5F_5F5F_5F5F_5F5F)) & H
}

/// The first 16 bytes of `b` as two little-endian numbers (first eight in the first), zero-padded
/// past the end of `b` (not empty).
#[inline(always)]
fn load16(b: &[u8]) -> (u64, u64) {
    if b.len() >= 16 {
        (load_le(b, 8), load_le(&b[8..], 8))
    } else if b.len() > 8 {
        (load_le(b, 8), load_le(&b[8..], b.len() - 8))
    } else {
        (load_le(b, b.len()), 0)
    }
}

/// How many of the 16 bytes in `lo`, `hi` (as [`load16`] gives them) are ASCII letters or digits
/// before the first that is not (16 when all are).
#[inline(always)]
fn alnum_prefix16(lo: u64, hi: u64) -> usize {
    let (ml, mh) = (non_alnum(lo), non_alnum(hi));
    if ml != 0 {
        (ml.trailing_zeros() / 8) as usize
    } else {
        8 + (mh.trailing_zeros() / 8) as usize
    }
}

/// [`word_hash`] of a word of `k` (1..=15) ASCII letters and digits, the low `k` bytes of `lo`,
/// `hi` (lowercased here: the one block is the word, zero-padded, then its length).
#[inline(always)]
fn ascii_word_hash(lo: u64, hi: u64, k: usize) -> u64 {
    let bits = 8 * k as u32;
    let lo = (lo | LOWER) & (u64::MAX >> 64u32.saturating_sub(bits));
    let hi = if bits > 64 { (hi | LOWER) & (u64::MAX >> (128 - bits)) } else { 0 };
    fold_mul(fold_mul(lo ^ K_BLOCK, hi ^ K_WORD) ^ K_LEN, k as u64 ^ K_LEN)
}

/// The ASCII bytes `w` to `sink`: runs of letters and digits as runs, anything else as a gap.
#[inline]
fn ascii_runs<S: Sink>(w: &[u8], sink: &mut S) {
    let mut k = 0;
    while k < w.len() {
        if CLASS[w[k] as usize] == 2 {
            let start = k;
            k += 1;
            while k < w.len() && CLASS[w[k] as usize] == 2 {
                k += 1;
            }
            sink.ascii_run(&w[start..k]);
        } else {
            sink.gap();
            k += 1;
        }
    }
}

/// The UTF-8 length of the char at the start of `w` when it is a caseless letter (see
/// [`is_caseless_letter`]), read from its bytes without decoding it; 0 for any other char.
#[inline]
fn caseless_letter_len(w: &[u8]) -> usize {
    match *w {
        // U+4E00..=U+9FFF: E4 B8 80 ..= E9 BF BF
        [0xE4, b1, _, ..] if b1 >= 0xB8 => 3,
        [0xE5..=0xE9, _, _, ..] => 3,
        // U+AC00..=U+D7A3: EA B0 80 ..= ED 9E A3
        [0xEA, b1, _, ..] if b1 >= 0xB0 => 3,
        [0xEB | 0xEC, _, _, ..] => 3,
        [0xED, b1, b2, ..] if b1 < 0x9E || (b1 == 0x9E && b2 <= 0xA3) => 3,
        // U+0621..=U+063A: D8 A1 ..= D8 BA; U+0641..=U+064A: D9 81 ..= D9 8A
        [0xD8, 0xA1..=0xBA, ..] | [0xD9, 0x81..=0x8A, ..] => 2,
        // U+00DF..=U+00F6, U+00F8..=U+00FF (Latin-1 lower case): C3 9F ..= C3 BF but C3 B7
        [0xC3, 0x9F..=0xB6 | 0xB8..=0xBF, ..] => 2,
        _ => 0,
    }
}

/// Symbols: pictographs (most emoji: U+1F300..=U+1F6FF, U+1F900..=U+1F9FF), regional
/// indicators (flags), general punctuation (U+2000..=U+206F: dashes, quotes, `‼`, zero-width
/// chars), miscellaneous symbols and dingbats before the dingbat digits (U+2600..=U+2775: `✅`,
/// `❤`), variation selectors (U+FE00..=U+FE0F): neither letters nor digits, and their own
/// lowercase (checked against the Unicode tables in the tests).
#[cfg(test)]
fn is_symbol(c: char) -> bool {
    matches!(
        c,
        '\u{1F300}'..='\u{1F6FF}'
            | '\u{1F900}'..='\u{1F9FF}'
            | '\u{1F1E6}'..='\u{1F1FF}'
            | '\u{2000}'..='\u{206F}'
            | '\u{2600}'..='\u{2775}'
            | '\u{FE00}'..='\u{FE0F}'
    )
}

/// The UTF-8 length of the char at the start of `w` when it is a symbol (see `is_symbol`, in the
/// tests), read from its bytes without decoding it; 0 for any other char.
#[inline]
fn symbol_len(w: &[u8]) -> usize {
    match *w {
        // U+1F300..=U+1F6FF, U+1F900..=U+1F9FF; U+1F1E6..=U+1F1FF
        [0xF0, 0x9F, 0x8C..=0x9B | 0xA4..=0xA7, _, ..] | [0xF0, 0x9F, 0x87, 0xA6..=0xBF, ..] => 4,
        // U+2000..=U+206F: E2 80 80 ..= E2 81 AF
        [0xE2, 0x80, _, ..] | [0xE2, 0x81, 0x80..=0xAF, ..] => 3,
        // U+2600..=U+2775: E2 98 80 ..= E2 9D B5
        [0xE2, 0x98..=0x9C, _, ..] | [0xE2, 0x9D, 0x80..=0xB5, ..] => 3,
        // U+FE00..=U+FE0F: EF B8 80 ..= EF B8 8F
        [0xEF, 0xB8, 0x80..=0x8F, ..] => 3,
        _ => 0,
    }
}

/// Length of the UTF-8 sequence that starts with lead byte `c` (not a continuation byte).
#[inline]
fn utf8_len(c: u8) -> usize {
    match c {
        0..=0x7F => 1,
        0x80..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// The char starting at byte `i` of `t` (a char boundary).
#[inline]
fn next_char(t: &str, i: usize) -> char {
    t[i..].chars().next().unwrap_or(' ')
}

/// Seeds and multipliers of the word hash, the text chain and the bigram features (the wyhash
/// secrets). `K_BLOCK`'s low byte is 0 and a word's bytes never are (NUL is not alphanumeric),
/// so `lo ^ K_BLOCK` is never 0 (a zero factor would lose the state).
const K_BLOCK: u64 = 0xa076_1d64_78bd_6400;
const K_LEN: u64 = 0xe703_7ed1_a0b4_28db;
const K_WORD: u64 = 0x8ebc_6af0_9c88_c6e3;
const K_TEXT: u64 = 0x5899_65cc_7537_4cc3;
const K_PAIR: u64 = 0x1d8e_4e27_c47d_124f;
/// The text chain's start (not `K_TEXT`: its first step would multiply by 0).
const TEXT_SEED: u64 = 0x2d35_8dcc_aa6c_78a5;

/// The 128-bit product of `a` and `b`, its halves XORed (wyhash's mix): one multiply that
/// spreads every input bit over the whole output. The same value on every target: one `u128`
/// multiply where there is a 64×64→128 instruction; elsewhere (wasm32) [`wide_mul_halves`].
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    #[cfg(target_pointer_width = "64")]
    let (lo, hi) = {
        let p = (a as u128).wrapping_mul(b as u128);
        (p as u64, (p >> 64) as u64)
    };
    #[cfg(not(target_pointer_width = "64"))]
    let (lo, hi) = wide_mul_halves(a, b);
    lo ^ hi
}

/// The low and high halves of the 128-bit product `a × b`, from four 32×32→64 multiplies.
/// On wasm32 a `u128` multiply is a call to `__multi3`, a general 128×128 multiply that returns
/// its result through memory (2.7% of the reading worker's time in the browser, from the text
/// hashes); this is the same product inline. Exact: `mid` < 3·2³², no step wraps.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
#[inline(always)]
fn wide_mul_halves(a: u64, b: u64) -> (u64, u64) {
    const M: u64 = 0xffff_ffff;
    let (a0, a1, b0, b1) = (a & M, a >> 32, b & M, b >> 32);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 32) + (p01 & M) + (p10 & M);
    ((p00 & M) | mid << 32, p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32))
}

/// The `k` (1..=8) bytes of `b` as a little-endian number, zero-padded: with two overlapping
/// loads instead of a byte loop or a `memcpy` call.
#[inline(always)]
fn load_le(b: &[u8], k: usize) -> u64 {
    debug_assert!((1..=8).contains(&k) && b.len() >= k);
    if k == 8 {
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    } else if k >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
        let hi = u32::from_le_bytes([b[k - 4], b[k - 3], b[k - 2], b[k - 1]]) as u64;
        // The overlapping bytes land on the same bit positions in both: OR is exact.
        lo | hi << (8 * (k - 4))
    } else {
        b[0] as u64 | (b[k / 2] as u64) << (8 * (k / 2)) | (b[k - 1] as u64) << (8 * (k - 1))
    }
}

/// The hash of one normalised word (its UTF-8 bytes `w`): 16 bytes per [`fold_mul`], the last
/// (partial, zero-padded, possibly empty) block, then the length. The definition
/// [`WordHasher`] computes from the word's pieces as the walk produces them.
fn word_hash(w: &[u8]) -> u64 {
    let mut s = K_WORD;
    let mut blocks = w.chunks_exact(16);
    let le = |b: &[u8]| b.iter().rev().fold(0u64, |x, &c| x << 8 | c as u64);
    for b in &mut blocks {
        s = fold_mul(le(&b[..8]) ^ K_BLOCK, le(&b[8..]) ^ s);
    }
    let r = blocks.remainder();
    let (lo, hi) = (le(&r[..r.len().min(8)]), le(&r[r.len().min(8)..]));
    fold_mul(fold_mul(lo ^ K_BLOCK, hi ^ s) ^ K_LEN, w.len() as u64 ^ K_LEN)
}

/// [`word_hash`] fed in pieces: the bytes of the open block in `lo`, `hi`.
#[derive(Clone, Copy)]
struct WordHasher {
    s: u64,
    lo: u64,
    hi: u64,
    /// Bytes in the open block (0..16).
    fill: usize,
    len: u64,
}

impl WordHasher {
    const NEW: WordHasher = WordHasher { s: K_WORD, lo: 0, hi: 0, fill: 0, len: 0 };

    /// Appends `b`, each byte ORed with the matching byte of `or` (0x20 lowercases ASCII letters
    /// and leaves digits as they are; 0 for bytes kept as they are).
    #[inline(always)]
    fn push(&mut self, mut b: &[u8], or: u64) {
        while !b.is_empty() {
            let k = b.len().min(8).min(16 - self.fill);
            self.push_value(load_le(b, k), k, or);
            b = &b[k..];
        }
    }

    /// Appends the low `k` (1..=8, at most `16 - fill`) bytes of `v`, ORed with `or` as in `push`.
    #[inline(always)]
    fn push_value(&mut self, v: u64, k: usize, or: u64) {
        self.len += k as u64;
        let c = self.fill;
        let v = (v | or) & (u64::MAX >> (64 - 8 * k));
        if c < 8 {
            self.lo |= v << (8 * c);
            if c + k > 8 {
                self.hi |= v >> (64 - 8 * c);
            }
        } else {
            self.hi |= v << (8 * (c - 8));
        }
        if c + k == 16 {
            self.s = fold_mul(self.lo ^ K_BLOCK, self.hi ^ self.s);
            (self.lo, self.hi, self.fill) = (0, 0, 0);
        } else {
            self.fill = c + k;
        }
    }

    #[inline(always)]
    fn finish(&self) -> u64 {
        fold_mul(fold_mul(self.lo ^ K_BLOCK, self.hi ^ self.s) ^ K_LEN, self.len ^ K_LEN)
    }
}

/// One step of the whole-text chain over the word hashes.
#[inline(always)]
fn chain(whole: u64, word: u64) -> u64 {
    fold_mul(whole ^ K_TEXT, word ^ K_BLOCK)
}

/// The SimHash feature of the consecutive words with hashes `a`, `b` (order matters).
#[inline(always)]
fn pair(a: u64, b: u64) -> u64 {
    fold_mul(a ^ K_PAIR, b ^ K_LEN)
}

/// 0x20 in every byte: ORed into an ASCII letter or digit it gives its lowercase (digits and
/// lower-case letters have the bit set already).
const LOWER: u64 = 0x2020_2020_2020_2020;

/// Computes [`fingerprint`] and [`simhash`] while the text is normalised, without building the
/// normalised string: the hash of the current word from its pieces ([`WordHasher`]), and at each
/// word's end (the first gap after it) the text chain step and the SimHash votes of the word and
/// the word pair.
struct HashSink {
    whole: u64,
    word: WordHasher,
    /// Some char was kept since the last gap (`word` holds it).
    open: bool,
    /// The hash of the last word ended (None while the normalised text is empty).
    prev: Option<u64>,
    votes: BitCounts,
}

impl HashSink {
    /// Ends the open word.
    #[inline]
    fn end_word(&mut self) {
        let hw = self.word.finish();
        self.word = WordHasher::NEW;
        self.open = false;
        self.add_word(hw);
    }
    /// [`Sink::ascii_word`] when a word is open (the walk never does this: its words follow a
    /// gap): the bytes appended to it, then it ends.
    #[cold]
    fn append_and_end(&mut self, lo: u64, hi: u64, k: usize) {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&lo.to_le_bytes());
        bytes[8..].copy_from_slice(&hi.to_le_bytes());
        self.word.push(&bytes[..k], LOWER);
        self.end_word();
    }
    /// A word with hash `hw` ends.
    #[inline(always)]
    fn add_word(&mut self, hw: u64) {
        self.whole = chain(self.whole, hw);
        match self.prev {
            Some(hp) => self.votes.add2(hw, pair(hp, hw)),
            None => self.votes.add(hw),
        }
        self.prev = Some(hw);
    }
}

impl Sink for HashSink {
    #[inline]
    fn char(&mut self, c: char) {
        self.open = true;
        let mut buf = [0u8; 4];
        self.word.push(c.encode_utf8(&mut buf).as_bytes(), 0);
    }
    #[inline]
    fn ascii_run(&mut self, run: &[u8]) {
        self.open = true;
        self.word.push(run, LOWER);
    }
    #[inline(always)]
    fn ascii_word(&mut self, lo: u64, hi: u64, k: usize) {
        if self.open {
            self.append_and_end(lo, hi, k);
        } else {
            self.add_word(ascii_word_hash(lo, hi, k));
        }
    }
    #[inline]
    fn verbatim_run(&mut self, run: &str) {
        self.open = true;
        self.word.push(run.as_bytes(), 0);
    }
    #[inline(always)]
    fn gap(&mut self) {
        if self.open {
            self.end_word();
        }
    }
}

/// Letters that are their own lowercase in common blocks (CJK ideographs, Hangul syllables,
/// Arabic letters, Latin-1 lower case): alphanumeric and their own lowercase (checked against
/// the Unicode tables in the tests).
pub(crate) fn is_caseless_letter(c: char) -> bool {
    matches!(
        c,
        '\u{4E00}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7A3}'
            | '\u{0621}'..='\u{063A}'
            | '\u{0641}'..='\u{064A}'
            | '\u{DF}'..='\u{F6}'
            | '\u{F8}'..='\u{FF}'
    )
}

/// Fingerprint of the normalised text; 0 when nothing is left after normalising.
pub fn fingerprint(text: &str) -> u64 {
    fingerprint_of_normalised(&normalise(text))
}

/// Texts and their (fingerprint, SimHash), pinned: checked natively (`values_are_pinned`, also
/// against the previous implementation) and in wasm32 (`tests/wasm_fingerprints.rs`), so both
/// targets give these values. The last three go through every fast path of the walk: ASCII words
/// of 1 to 15 letters and digits after `#` and before punctuation, every ASCII byte after one,
/// Latin-1 letters, symbols, flags.
#[doc(hidden)]
pub const PINNED_FINGERPRINTS: [(&str, (u64, u64)); 6] = [
    ("Hong Kong police stop the riot today", (0x40bc_91bc_b0f8_6ca0, 0x40f5_cf9e_d5f3_32ce)),
    ("香港 加油 عاجل 🙏 freedom", (0xd8a8_8640_cc58_d296, 0x99a6_ea72_1f8e_2f77)),
    ("a", (0x7836_4325_754c_3f3c, 0x9ceb_f9df_8498_3b97)),
    ("RT @x: Breaking, news! #CommunityBeach supercalifragilistic www.x.org it's", (0x9800_4a83_6d01_3294, 0xbd83_c099_8add_c051)),
    ("niño ESTÁ aquí ‼️ ✅ 🇨🇳 “quoted”—dash", (0xd5d0_2907_f1c0_2ba4, 0x7401_2aaf_8199_7eca)),
    ("\u{0}\u{1}\t!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u{7f} a1\u{0} b2! c3# d4$ e5% f6& g7' h8( i9) jA* kB+ lC, mD- nE. oF/ pG: qH; rI< sJ= tK> uL? vM@ wN[ xO\\ yP] zQ^ AR_ BS` CT{ DU| EV} FW~ GX\u{7f} 0123456789abcdef, 0123456789abcde, 0123456789abcd.", (0x118a_4f75_dfa7_a66f, 0x9d88_33b9_75f1_a293)),
];

/// [`fingerprint`] and [`simhash`] of `text` in one pass over it (`scratch` is unused: the
/// normalised text is hashed as it is produced, never stored).
pub fn fingerprints(text: &str, scratch: &mut String) -> (u64, u64) {
    let _ = scratch;
    let mut h =
        HashSink { whole: TEXT_SEED, word: WordHasher::NEW, open: false, prev: None, votes: BitCounts::default() };
    walk(text, &mut h);
    h.gap();
    if h.prev.is_none() {
        return (0, 0);
    }
    let fp = if h.whole == 0 { 1 } else { h.whole };
    let sh = match h.votes.majority() {
        0 => 1,
        v => v,
    };
    (fp, sh)
}

/// The definition: the chain over the hashes of the words, in order (distinct word sequences are
/// distinct normalised texts, and the other way round).
fn fingerprint_of_normalised(n: &str) -> u64 {
    if n.is_empty() {
        return 0;
    }
    let h = n.split(' ').fold(TEXT_SEED, |h, w| chain(h, word_hash(w.as_bytes())));
    if h == 0 {
        1
    } else {
        h
    }
}

/// 64-bit SimHash over the normalised words and word bigrams; 0 when there is no text.
pub fn simhash(text: &str) -> u64 {
    simhash_of_normalised(&normalise(text))
}

fn simhash_of_normalised(n: &str) -> u64 {
    let mut votes = BitCounts::default();
    // Each word, and each pair of consecutive words, is one feature.
    let mut prev: Option<u64> = None;
    for w in n.split(' ').filter(|w| !w.is_empty()) {
        let hw = word_hash(w.as_bytes());
        votes.add(hw);
        if let Some(hp) = prev {
            votes.add(pair(hp, hw));
        }
        prev = Some(hw);
    }
    if prev.is_none() {
        return 0;
    }
    // The sum of +1 (bit set) / -1 (bit clear) votes is positive when set > n / 2.
    let out = votes.majority();
    if out == 0 {
        1
    } else {
        out
    }
}

/// Counter `bit` of bit planes.
fn count_in_planes(planes: &[u64; 8], bit: usize) -> u32 {
    planes.iter().enumerate().map(|(k, p)| (((p >> bit) & 1) as u32) << k).sum()
}

/// How many added hashes have each of the 64 bits set: 64 counters in parallel as bit planes
/// (`planes[k]` holds bit `k` of every counter), added with ripple carries (about two word
/// operations per hash instead of 64 counter updates).
#[derive(Default)]
struct BitCounts {
    planes: [u64; 8],
    /// Hashes in the planes (at most 255: flushed into `wide` from 254 on).
    in_planes: u32,
    wide: Option<Box<[u32; 64]>>,
    n: u32,
}

impl BitCounts {
    /// Adds one hash (the ripple runs through all planes: no branch to mispredict).
    #[inline(always)]
    fn add(&mut self, h: u64) {
        self.ripple(h, 0);
        self.in_planes += 1;
        self.n += 1;
        if self.in_planes >= 254 {
            self.flush();
        }
    }
    /// Adds two hashes in one ripple: their sum per bit is `a ^ b` (weight 1) plus `a & b`
    /// (weight 2), and `a & b` never meets a carry out of plane 0 (that needs `a ^ b`).
    #[inline(always)]
    fn add2(&mut self, a: u64, b: u64) {
        let (s, c) = (a ^ b, a & b);
        let carry = self.planes[0] & s;
        self.planes[0] ^= s;
        self.ripple(carry | c, 1);
        self.in_planes += 2;
        self.n += 2;
        // At most 253 + 2 = 255 in the planes: the top carry is always 0.
        if self.in_planes >= 254 {
            self.flush();
        }
    }
    #[inline(always)]
    fn ripple(&mut self, mut carry: u64, from: usize) {
        for plane in self.planes[from..].iter_mut() {
            let next = *plane & carry;
            *plane ^= carry;
            carry = next;
        }
    }
    fn flush(&mut self) {
        let planes = self.planes;
        let wide = self.wide.get_or_insert_with(|| Box::new([0; 64]));
        for (bit, w) in wide.iter_mut().enumerate() {
            *w += count_in_planes(&planes, bit);
        }
        self.planes = [0; 8];
        self.in_planes = 0;
    }
    /// Bit `b` set when more than half of the hashes have it.
    fn majority(&self) -> u64 {
        if self.wide.is_none() {
            // All counts are in the planes (< 256): compare the 64 bit-sliced counters with
            // n / 2 at once, from the top plane down (`gt`: already greater, `eq`: equal so far).
            // 2c > n  <=>  c > floor(n / 2).
            let half = self.n / 2;
            let (mut gt, mut eq) = (0u64, u64::MAX);
            for k in (0..8).rev() {
                let p = self.planes[k];
                if half >> k & 1 == 1 {
                    eq &= p;
                } else {
                    gt |= eq & p;
                    eq &= !p;
                }
            }
            return gt;
        }
        let mut out = 0u64;
        for bit in 0..64 {
            let c = count_in_planes(&self.planes, bit) + self.wide.as_ref().map_or(0, |w| w[bit]);
            if 2 * c > self.n {
                out |= 1 << bit;
            }
        }
        out
    }
}

/// The lowercased host of a URL without `www.`; the input itself when it has no scheme/host.
pub fn domain_of(url: &str) -> String {
    let u = url.trim();
    let rest = match u.find("://") {
        Some(i) => &u[i + 3..],
        None => u,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut host = &rest[..end];
    if let Some(at) = host.rfind('@') {
        host = &host[at + 1..];
    }
    if let Some(colon) = host.rfind(':') {
        if host[colon + 1..].bytes().all(|b| b.is_ascii_digit()) {
            host = &host[..colon];
        }
    }
    let host = host.to_ascii_lowercase();
    host.strip_prefix("www.").map(str::to_string).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wasm32 product (four 32-bit multiplies) is the `u128` one, at the edges and on
    /// random pairs (the hashes, hence every fingerprint, are the same on both targets).
    #[test]
    fn wide_mul_halves_is_the_u128_product() {
        let edges =
            [0, 1, 2, 0xffff_ffff, 0x1_0000_0000, 0x8000_0000_0000_0000, u64::MAX - 1, u64::MAX, K_BLOCK, K_LEN];
        let mut pairs: Vec<(u64, u64)> = edges.iter().flat_map(|&a| edges.iter().map(move |&b| (a, b))).collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let a = x;
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Every bit length for either factor, not just full 64-bit ones.
            pairs.push((a >> (a % 64), x >> (x % 61)));
        }
        for (a, b) in pairs {
            let p = (a as u128) * (b as u128);
            assert_eq!(wide_mul_halves(a, b), (p as u64, (p >> 64) as u64), "{a:#x} × {b:#x}");
        }
    }

    #[test]
    fn normalise_drops_rt_urls_mentions_and_punctuation() {
        assert_eq!(normalise("RT @abc: Hello, WORLD!! https://t.co/x @bob #Tag"), "hello world tag");
        assert_eq!(fingerprint("Hello world"), fingerprint("  hello,   WORLD "));
        assert_ne!(fingerprint("hello world"), fingerprint("hello there"));
        assert_eq!(fingerprint("https://t.co/x"), 0);
    }

    #[test]
    fn simhash_near_duplicates_are_close() {
        let a = simhash("the quick brown fox jumps over the lazy dog near the river bank today");
        let b = simhash("the quick brown fox jumps over the lazy dog near the river bank now");
        let c = simhash("completely unrelated sentence about elections and weather in spring");
        assert!((a ^ b).count_ones() < (a ^ c).count_ones());
        assert!((a ^ b).count_ones() <= 12, "{}", (a ^ b).count_ones());
    }

    /// The plain definition: lowercase each word with `str::to_lowercase`, keep alphanumerics.
    fn reference_normalise(text: &str) -> String {
        let mut out = String::new();
        let mut pending = false;
        let mut t = text.trim_start();
        if let Some(rest) = t.strip_prefix("RT @") {
            if let Some(i) = rest.find(':') {
                if !rest[..i].contains(char::is_whitespace) {
                    t = &rest[i + 1..];
                }
            }
        }
        for word in t.split_whitespace() {
            let lw = word.to_lowercase();
            if lw.starts_with("http://") || lw.starts_with("https://") || lw.starts_with("www.") || lw.starts_with('@')
            {
                pending = true;
                continue;
            }
            for c in lw.chars() {
                if c.is_alphanumeric() {
                    if pending && !out.is_empty() {
                        out.push(' ');
                    }
                    pending = false;
                    out.push(c);
                } else {
                    pending = true;
                }
            }
            pending = true;
        }
        out
    }

    #[test]
    fn word_scan_byte_tests_match_the_unicode_tables() {
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let e = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(utf8_len(e[0]), e.len(), "{c:?}");
            if c.is_whitespace() {
                assert!(matches!(e[0], 0xC2 | 0xE1 | 0xE2 | 0xE3), "{c:?}");
            }
            assert_eq!(e[0] == 0xCE && e[1] == 0xA3, c == 'Σ', "{c:?}");
        }
        for b in 0..0x80u8 {
            assert_eq!(is_ascii_ws(b), (b as char).is_whitespace(), "{b}");
            assert_eq!(CLASS[b as usize] == 2, b.is_ascii_alphanumeric(), "{b}");
        }
    }

    #[test]
    fn swar_alphanumeric_test_matches_the_byte_test() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut bytes = *b"aZ09zA9m";
                bytes[pos] = b;
                let flags = non_alnum(u64::from_le_bytes(bytes));
                for (i, &c) in bytes.iter().enumerate() {
                    assert_eq!(flags >> (8 * i + 7) & 1 == 1, !c.is_ascii_alphanumeric(), "{b} at {pos}");
                }
                assert_eq!(flags & !0x8080_8080_8080_8080, 0);
                let flags = ws_or_non_ascii(u64::from_le_bytes(bytes));
                for (i, &c) in bytes.iter().enumerate() {
                    assert_eq!(flags >> (8 * i + 7) & 1 == 1, c >= 0x80 || c <= 0x20, "{b} at {pos}");
                }
                assert_eq!(flags & !0x8080_8080_8080_8080, 0);
            }
        }
    }

    #[test]
    fn caseless_letter_bytes_match_the_char_test() {
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let e = c.encode_utf8(&mut buf).as_bytes();
            let want = if is_caseless_letter(c) { e.len() } else { 0 };
            assert_eq!(caseless_letter_len(e), want, "{c:?}");
        }
        for w in [&b""[..], b"a", b"\xE4", b"\xE4\xB8", b"\xD8"] {
            assert_eq!(caseless_letter_len(w), 0);
        }
    }

    #[test]
    fn symbols_are_not_alphanumeric_and_their_own_lowercase() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let e = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(symbol_len(e), if is_symbol(c) { e.len() } else { 0 }, "{c:?}");
            if is_symbol(c) {
                assert!(!c.is_alphanumeric(), "{c:?}");
                assert!(c.to_lowercase().eq([c]), "{c:?}");
            }
        }
        for w in [&b""[..], b"\xF0\x9F\x8C", b"\xE2\x80", b"\xEF\xB8", b"\xF0\x9F\x87"] {
            assert_eq!(symbol_len(w), 0);
        }
        assert_eq!(normalise("a🙏b 🔥🔥 c😂 d‼️e ✅x❤️ 🇨🇳y “q”—z"), "a b c d e x y q z");
    }

    #[test]
    fn caseless_letters_are_alphanumeric_and_their_own_lowercase() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|&c| is_caseless_letter(c)) {
            assert!(c.is_alphanumeric(), "{c:?}");
            assert!(c.to_lowercase().eq([c]), "{c:?}");
        }
    }

    #[test]
    fn normalise_equals_its_definition_on_random_text() {
        let alphabet: Vec<char> =
            "aZ09 \t\n.,:;!?'\"#@/_-–—…ΣσςΑΒÉéİıKÅßẞǅ中国香港가나مرحباًٌ😂🇨🇳\u{301}\u{200d}\u{feff}"
                .chars()
                .chain(['\u{212a}', '\u{130}', 'h', 't', 'p', 's', 'w', 'H', 'T', 'P', 'S', 'W', ':', '/', '/'])
                .collect();
        let mut x: u64 = 12345;
        for _ in 0..4000 {
            let mut t = String::new();
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = (x >> 59) as usize + 1;
            for _ in 0..len * 3 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let pick = (x >> 33) as usize;
                match pick % 9 {
                    0 => t.push_str("http://"),
                    1 => t.push_str("RT @a:"),
                    _ => t.push(alphabet[pick % alphabet.len()]),
                }
            }
            assert_eq!(normalise(&t), reference_normalise(&t), "{t:?}");
        }
    }

    /// Random mixed-script text (ASCII, Greek with Σ, Latin-1, Turkish İ, Kelvin sign, CJK,
    /// Hangul, Arabic, emoji, combining marks, Unicode spaces, URLs, mentions, RT markers).
    fn random_texts(seed: u64, n: usize) -> Vec<String> {
        let alphabet: Vec<char> =
            "aZ09 \t\n\r\u{b}\u{c}.,:;!?'\"#@/_-–—…ΣσςΑΒÉéİıKÅßẞǅ中国香港가나مرحباًٌ😂🇨🇳\u{301}\u{200d}\u{feff}\u{a0}\u{3000}\u{2028}\u{85}"
                .chars()
                .chain(['\u{212a}', '\u{130}', 'h', 't', 'p', 's', 'w', 'H', 'T', 'P', 'S', 'W', ':', '/', '/'])
                .collect();
        let mut x = seed;
        let mut out = Vec::new();
        for _ in 0..n {
            let mut t = String::new();
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = (x >> 58) as usize + 1;
            for _ in 0..len * 4 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let pick = (x >> 33) as usize;
                match pick % 13 {
                    0 => t.push_str("http://"),
                    1 => t.push_str("RT @a:"),
                    2 => t.push_str(" www."),
                    3 => t.push_str(" @x "),
                    4 => t.push_str(" Word "),
                    _ => t.push(alphabet[pick % alphabet.len()]),
                }
            }
            out.push(t);
        }
        out
    }

    /// The one-pass `fingerprints` equals hashing the normalised string (the definition).
    #[test]
    fn one_pass_fingerprints_equal_hashing_the_normalised_text() {
        let mut scratch = String::new();
        for t in random_texts(987_654_321, 20_000) {
            let n = reference_normalise(&t);
            assert_eq!(normalise(&t), n, "{t:?}");
            let want = (fingerprint_of_normalised(&n), simhash_of_normalised(&n));
            assert_eq!(fingerprints(&t, &mut scratch), want, "{t:?}");
        }
        // Many words: the SimHash votes overflow the bit planes (the flushed path).
        let long: String = random_texts(5, 200).join(" ");
        let n = reference_normalise(&long);
        assert!(n.split(' ').count() > 300);
        assert_eq!(fingerprints(&long, &mut scratch), (fingerprint_of_normalised(&n), simhash_of_normalised(&n)));
    }

    #[test]
    fn ascii_fast_path_equals_the_general_path() {
        // ASCII words, words with other scripts, and words with `Σ` (the final-sigma rule).
        for t in [
            "RT @x: Hello WWW.example.com HTTPS://T.CO/x @Bob it's 2020!",
            "Ünïcödé MIXED ascii Words ΣΑΣ 中国 https://t.co/ü @ü",
            "  ",
            "a-b_c d.e",
        ] {
            assert_eq!(normalise(t), reference_normalise(t), "{t}");
            let mut scratch = String::new();
            assert_eq!(fingerprints(t, &mut scratch), (fingerprint(t), simhash(t)));
        }
        // Letters and digits only, of every length around the eight-byte steps, then the end,
        // whitespace, punctuation or other scripts.
        let mut scratch = String::new();
        for len in 1..40 {
            let word: String = (0..len).map(|i| b"aB3zQ9xY"[i % 8] as char).collect();
            for end in ["", " ", "\t", ",", "é", "中", "\u{a0}", "Σ", "😂", "@x"] {
                for t in [format!("{word}{end}"), format!("x {word}{end} tail"), format!("{end}{word}")] {
                    let n = reference_normalise(&t);
                    assert_eq!(normalise(&t), n, "{t:?}");
                    let want = (fingerprint_of_normalised(&n), simhash_of_normalised(&n));
                    assert_eq!(fingerprints(&t, &mut scratch), want, "{t:?}");
                }
            }
        }
        assert_eq!(simhash("a"), simhash("A!"));
        // The bit-plane vote equals the plain +1/-1 sum, also past 255 features (a flush).
        let long: String = (0..700).map(|i| format!("w{} ", i * 7919 % 1013)).collect();
        for t in ["one", "one two", "a b c d e f g h", "x x x x", long.as_str(), &long[..1500]] {
            let n = normalise(t);
            let words: Vec<&str> = n.split(' ').filter(|w| !w.is_empty()).collect();
            let mut feats: Vec<u64> = words.iter().map(|w| word_hash(w.as_bytes())).collect();
            feats.extend(words.windows(2).map(|p| pair(word_hash(p[0].as_bytes()), word_hash(p[1].as_bytes()))));
            let mut acc = [0i32; 64];
            for h in feats {
                for (bit, a) in acc.iter_mut().enumerate() {
                    *a += if h >> bit & 1 == 1 { 1 } else { -1 };
                }
            }
            let want = acc.iter().enumerate().fold(0u64, |o, (b, &a)| if a > 0 { o | 1 << b } else { o });
            assert_eq!(simhash(t), if want == 0 { 1 } else { want }, "{t:.20}");
        }
        assert_eq!(simhash(""), 0);
    }

    /// Pushing a word in any pieces, ASCII pieces upper-case with the 0x20 mask, equals hashing
    /// its bytes whole; and `load_le` equals a zero-padded little-endian read.
    #[test]
    fn word_hasher_in_pieces_equals_the_word_hash() {
        for k in 1..=8 {
            let b: Vec<u8> = (1..=k as u8).map(|i| i.wrapping_mul(37)).collect();
            let mut want = [0u8; 8];
            want[..k].copy_from_slice(&b);
            assert_eq!(load_le(&b, k), u64::from_le_bytes(want), "{k}");
        }
        let mut x: u64 = 99;
        let mut next = |n: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let pieces = ["a", "Zq9", "中国", "ب", "é", "ABCDEFGHIJ", "0123456789abcdefXYZ", "가"];
        for _ in 0..20_000 {
            let mut w = WordHasher::NEW;
            let mut bytes = Vec::new();
            for _ in 0..next(12) + 1 {
                let p = pieces[next(pieces.len() as u64) as usize];
                if p.is_ascii() {
                    w.push(p.as_bytes(), LOWER);
                    bytes.extend(p.to_ascii_lowercase().bytes());
                } else {
                    w.push(p.as_bytes(), 0);
                    bytes.extend(p.bytes());
                }
            }
            assert_eq!(w.finish(), word_hash(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
        }
        // Lengths around the 8- and 16-byte boundaries, in one piece and byte by byte.
        for n in 0..50 {
            let word: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            let mut whole = WordHasher::NEW;
            if n > 0 {
                whole.push(&word, 0);
            }
            let mut bytewise = WordHasher::NEW;
            for b in &word {
                bytewise.push(std::slice::from_ref(b), 0);
            }
            assert_eq!(whole.finish(), word_hash(&word), "{n}");
            assert_eq!(bytewise.finish(), word_hash(&word), "{n}");
        }
    }

    /// Equal fingerprints exactly for equal normalised texts: near misses of many kinds differ.
    #[test]
    fn fingerprints_separate_near_misses() {
        let base = [
            "Hong Kong police stop the riot today",
            "香港 加油 政府 警察",
            "عاجل الحكومة الشعب",
            "freedom 🔥 order 🙏 peace",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
            "supercalifragilisticexpialidocious antidisestablishmentarianism",
        ];
        let mut seen = std::collections::HashMap::new();
        let mut distinct = 0;
        for b in base {
            // Same normalised text: case, punctuation, spacing, URLs, mentions.
            let n = normalise(b);
            for same in [
                b.to_uppercase(),
                format!("  {b}!!! "),
                b.replace(' ', " ,\t "),
                format!("{b} https://t.co/x @someone"),
            ] {
                assert_eq!(normalise(&same), n, "{same}");
                assert_eq!(fingerprint(&same), fingerprint(b), "{same}");
            }
            // Different normalised text: word order, one letter, a word joined or split, one more
            // word, one less, a duplicated word.
            let words: Vec<&str> = n.split(' ').collect();
            let mut variants = vec![n.clone()];
            let mut swapped = words.clone();
            swapped.swap(0, words.len() - 1);
            variants.push(swapped.join(" "));
            variants.push(words[1..].join(" "));
            variants.push(format!("{n} x"));
            variants.push(format!("x {n}"));
            variants.push(format!("{n} {}", words[0]));
            variants.push(words.join(""));
            for (i, c) in n.char_indices() {
                if c != ' ' {
                    let mut v = n.clone();
                    v.replace_range(i..i + c.len_utf8(), "q");
                    variants.push(v);
                }
                if i > 0 && c != ' ' {
                    let mut v = n.clone();
                    v.insert(i, ' ');
                    variants.push(v.replace("  ", " "));
                }
            }
            variants.sort();
            variants.dedup();
            for v in variants {
                assert_eq!(normalise(&v), v);
                let fp = fingerprint(&v);
                assert_ne!(fp, 0);
                if let Some(other) = seen.insert(fp, v.clone()) {
                    panic!("{v:?} and {other:?} share a fingerprint");
                }
                distinct += 1;
            }
        }
        assert!(distinct > 300, "{distinct}");
        // Every word of one letter or digit, and every pair of them: all distinct.
        let alnum: Vec<char> = ('a'..='z').chain('0'..='9').chain("中国가بé".chars()).collect();
        let mut fps = std::collections::HashSet::new();
        for a in &alnum {
            assert!(fps.insert(fingerprint(&a.to_string())));
            for b in &alnum {
                assert!(fps.insert(fingerprint(&format!("{a}{b}"))));
                assert!(fps.insert(fingerprint(&format!("{a} {b}"))));
            }
        }
    }

    /// SimHash: texts that share most words are a few bits apart, unrelated texts about 32.
    #[test]
    fn simhash_distances_of_near_duplicates_and_unrelated_texts() {
        let vocab: Vec<String> = ["香港", "加油", "政府", "警察", "عاجل", "الحكومة", "the", "people", "police", "riot"]
            .iter()
            .map(|s| s.to_string())
            .chain((0..400).map(|i| format!("w{i}")))
            .collect();
        let mut x: u64 = 7;
        let mut next = |n: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let (mut near, mut far, mut n) = (0u32, 0u32, 0u32);
        let mut far_min = 64;
        for _ in 0..2000 {
            let len = 15 + next(15) as usize;
            let a: Vec<&str> = (0..len).map(|_| vocab[next(vocab.len() as u64) as usize].as_str()).collect();
            // One word replaced: 3 of about 2 * len features change.
            let mut b = a.clone();
            b[next(len as u64) as usize] = "replaced";
            let c: Vec<&str> = (0..len).map(|_| vocab[next(vocab.len() as u64) as usize].as_str()).collect();
            let (ha, hb, hc) = (simhash(&a.join(" ")), simhash(&b.join(" ")), simhash(&c.join(" ")));
            near += (ha ^ hb).count_ones();
            far += (ha ^ hc).count_ones();
            far_min = far_min.min((ha ^ hc).count_ones());
            n += 1;
        }
        let (near, far) = (near as f64 / n as f64, far as f64 / n as f64);
        assert!(near < 8.0, "one word changed: {near} bits on average");
        assert!((29.0..35.0).contains(&far), "unrelated: {far} bits on average");
        assert!(far_min >= 12, "unrelated texts {far_min} bits apart");
        // Case, punctuation and URLs do not move it at all.
        let t = "Hong Kong police stop the riot today, watch the news";
        assert_eq!(simhash(t), simhash(&format!("RT @a: {} https://t.co/x!!", t.to_uppercase())));
    }

    /// The implementation before the sixteen-byte word path (main 94af14b), kept verbatim as
    /// the reference the current one must equal bit for bit on every input.
    mod reference {
        #![allow(dead_code, clippy::all)]

        /// Receives the normalised text from [`walk`]: alphanumeric chars (already lowercased) and gaps
        /// (a run of anything else, folded into one space between two kept chars).
        trait Sink {
            /// A non-ASCII alphanumeric char, lowercased.
            fn char(&mut self, c: char);
            /// A run of ASCII letters and digits, not lowercased yet (same as `char` of each, lowercased).
            fn ascii_run(&mut self, run: &[u8]);
            /// A whole word of `k` (1..=7) ASCII letters and digits: the low `k` bytes of `v`
            /// (little-endian), not lowercased yet (same as `ascii_run` of them).
            fn ascii_word(&mut self, v: u64, k: usize);
            /// A run of chars that are alphanumeric and their own lowercase (same as `char` of each).
            fn verbatim_run(&mut self, run: &str);
            /// Anything that separates words.
            fn gap(&mut self);
        }

        /// Whether `b` is an ASCII byte that `char::is_whitespace` accepts (U+0009..=U+000D, U+0020).
        #[inline]
        fn is_ascii_ws(b: u8) -> bool {
            matches!(b, b'\t'..=b'\r' | b' ')
        }

        /// Class of each ASCII byte: 0 = other (punctuation, control), 1 = whitespace, 2 = letter or
        /// digit. Non-ASCII bytes are 3.
        const CLASS: [u8; 256] = {
            let mut t = [3u8; 256];
            let mut b = 0;
            while b < 128 {
                let c = b as u8;
                t[b] = if matches!(c, b'\t'..=b'\r' | b' ') {
                    1
                } else if c.is_ascii_alphanumeric() {
                    2
                } else {
                    0
                };
                b += 1;
            }
            t
        };

        /// The normalisation itself (see the module docs), feeding `sink`. Words are split on Unicode
        /// whitespace exactly as `str::split_whitespace` does; within a word, ASCII takes a table-driven
        /// path and other chars are lowercased one by one (same result as `str::to_lowercase` of the
        /// word except for the final-sigma rule, so words with `Σ` take the general path).
        #[inline]
        fn walk<S: Sink>(text: &str, sink: &mut S) {
            let mut t = text.trim_start();
            // drop a leading retweet marker "RT @name:"
            if let Some(rest) = t.strip_prefix("RT @") {
                match rest.find(':') {
                    Some(i) if !rest[..i].contains(char::is_whitespace) => t = &rest[i + 1..],
                    _ => {}
                }
            }
            let b = t.as_bytes();
            let n = b.len();
            let mut i = 0;
            while i < n {
                // Skip whitespace.
                let c0 = b[i];
                if c0 < 0x80 {
                    if is_ascii_ws(c0) {
                        i += 1;
                        continue;
                    }
                } else if matches!(c0, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
                    // Only these lead bytes start non-ASCII whitespace (see the word scan below).
                    let c = next_char(t, i);
                    if c.is_whitespace() {
                        i += c.len_utf8();
                        continue;
                    }
                }
                // Fast paths for the most common words, found and handed over in one pass: ASCII letters
                // and digits only, or caseless letters only (the calls the general path below makes for
                // them: no such word starts with `@`, `http://`, `https://` or `www.`, or holds `Σ`).
                if CLASS[c0 as usize] == 2 {
                    // Eight bytes at once: a word of up to 7 letters and digits, then whitespace or the
                    // end (zero padding past the end counts as not alphanumeric).
                    let v = load_le(&b[i..], (n - i).min(8));
                    let k = (non_alnum(v).trailing_zeros() / 8) as usize;
                    if k < 8 {
                        if i + k == n || is_ascii_ws((v >> (8 * k)) as u8) {
                            sink.ascii_word(v, k);
                            sink.gap();
                            i += k;
                            continue;
                        }
                    } else {
                        // A longer one: on, eight bytes at a time (the padding stops it at the end).
                        let mut j = i + 8;
                        while j < n {
                            let m = (non_alnum(load_le(&b[j..], (n - j).min(8))).trailing_zeros() / 8) as usize;
                            j += m;
                            if m < 8 {
                                break;
                            }
                        }
                        if j == n || is_ascii_ws(b[j]) {
                            sink.ascii_run(&b[i..j]);
                            sink.gap();
                            i = j;
                            continue;
                        }
                    }
                } else if c0 >= 0x80 {
                    let mut j = i;
                    loop {
                        let k = caseless_letter_len(&b[j..]);
                        if k == 0 {
                            break;
                        }
                        j += k;
                    }
                    if j > i && (j == n || is_ascii_ws(b[j])) {
                        sink.verbatim_run(&t[i..j]);
                        sink.gap();
                        i = j;
                        continue;
                    }
                }
                // A word: up to the next whitespace char. Note whether it is all ASCII and has `Σ`.
                let start = i;
                let mut ascii = true;
                let mut sigma = false;
                while i < n {
                    // Eight printable ASCII bytes at once (URLs, words with punctuation).
                    if i + 8 <= n {
                        let f = ws_or_non_ascii(load_le(&b[i..], 8));
                        if f == 0 {
                            i += 8;
                            continue;
                        }
                        i += (f.trailing_zeros() / 8) as usize;
                    }
                    let c = b[i];
                    if c < 0x80 {
                        if is_ascii_ws(c) {
                            break;
                        }
                        i += 1;
                    } else {
                        ascii = false;
                        // Non-ASCII whitespace (U+0085, U+00A0, U+1680, U+2000..=U+205F, U+3000) starts
                        // with one of these bytes; `Σ` is CE A3.
                        if matches!(c, 0xC2 | 0xE1 | 0xE2 | 0xE3) && next_char(t, i).is_whitespace() {
                            break;
                        }
                        sigma |= c == 0xCE && b.get(i + 1) == Some(&0xA3);
                        i += utf8_len(c);
                    }
                }
                let word = &t[start..i];
                let w = word.as_bytes();
                // Only U+212A (→ k) and U+0130 (→ i̇) lowercase to ASCII, and no prefix below has `k` or
                // `i`: comparing the raw bytes ASCII-case-insensitively equals comparing the lowercase.
                let starts = |p: &[u8]| w.len() >= p.len() && w[..p.len()].eq_ignore_ascii_case(p);
                if w[0] == b'@' || starts(b"http://") || starts(b"https://") || starts(b"www.") {
                    sink.gap();
                    continue;
                }
                if ascii {
                    ascii_runs(w, sink);
                } else if sigma {
                    for c in word.to_lowercase().chars() {
                        if c.is_alphanumeric() {
                            sink.char(c);
                        } else {
                            sink.gap();
                        }
                    }
                } else {
                    // Runs of ASCII and runs of caseless letters whole; other chars one by one.
                    let mut k = 0;
                    while k < w.len() {
                        let c = w[k];
                        if c < 0x80 {
                            let end = k + w[k..].iter().position(|&b| b >= 0x80).unwrap_or(w.len() - k);
                            ascii_runs(&w[k..end], sink);
                            k = end;
                            continue;
                        }
                        let n = caseless_letter_len(&w[k..]);
                        if n > 0 {
                            let start = k;
                            k += n;
                            loop {
                                let n = caseless_letter_len(&w[k..]);
                                if n == 0 {
                                    break;
                                }
                                k += n;
                            }
                            sink.verbatim_run(&word[start..k]);
                            continue;
                        }
                        if is_pictograph_bytes(&w[k..]) {
                            // An emoji: not alphanumeric, a gap (without a Unicode table lookup).
                            sink.gap();
                            k += 4;
                            continue;
                        }
                        let ch = next_char(word, k);
                        k += ch.len_utf8();
                        for lc in ch.to_lowercase() {
                            if lc.is_alphanumeric() {
                                sink.char(lc);
                            } else {
                                sink.gap();
                            }
                        }
                    }
                }
                sink.gap();
            }
        }

        /// 0x80 in each byte of `v` that is not an ASCII letter or digit, 0 in the others (no carries
        /// cross bytes: every sum below stays under 0x100).
        #[inline(always)]
        fn non_alnum(v: u64) -> u64 {
            const H: u64 = 0x8080_8080_8080_8080;
            const fn rep(b: u8) -> u64 {
                0x0101_0101_0101_0101 * b as u64
            }
            let x = v & !H;
            let l = x | LOWER;
            let letter = (l + rep(0x80 - b'a')) & !(l + rep(0x7F - b'z'));
            let digit = (x + rep(0x80 - b'0')) & !(x + rep(0x7F - b'9'));
            (!(letter | digit) | v) & H
        }

        /// 0x80 in each byte of `v` that is not ASCII or is at most 0x20 (space, controls: a superset of
        /// ASCII whitespace), 0 in the others.
        #[inline(always)]
        fn ws_or_non_ascii(v: u64) -> u64 {
            const H: u64 = 0x8080_8080_8080_8080;
            // x + 0x5F has its top bit set when x >= 0x21 (x < 0x80: no carry out of the byte).
            (v | !((v & !H) + 0x5F5F_5F5F_5F5F_5F5F)) & H
        }

        /// The ASCII bytes `w` to `sink`: runs of letters and digits as runs, anything else as a gap.
        #[inline]
        fn ascii_runs<S: Sink>(w: &[u8], sink: &mut S) {
            let mut k = 0;
            while k < w.len() {
                if CLASS[w[k] as usize] == 2 {
                    let start = k;
                    k += 1;
                    while k < w.len() && CLASS[w[k] as usize] == 2 {
                        k += 1;
                    }
                    sink.ascii_run(&w[start..k]);
                } else {
                    sink.gap();
                    k += 1;
                }
            }
        }

        /// The UTF-8 length of the char at the start of `w` when it is a caseless letter (see
        /// [`is_caseless_letter`]), read from its bytes without decoding it; 0 for any other char.
        #[inline]
        fn caseless_letter_len(w: &[u8]) -> usize {
            match *w {
                // U+4E00..=U+9FFF: E4 B8 80 ..= E9 BF BF
                [0xE4, b1, _, ..] if b1 >= 0xB8 => 3,
                [0xE5..=0xE9, _, _, ..] => 3,
                // U+AC00..=U+D7A3: EA B0 80 ..= ED 9E A3
                [0xEA, b1, _, ..] if b1 >= 0xB0 => 3,
                [0xEB | 0xEC, _, _, ..] => 3,
                [0xED, b1, b2, ..] if b1 < 0x9E || (b1 == 0x9E && b2 <= 0xA3) => 3,
                // U+0621..=U+063A: D8 A1 ..= D8 BA; U+0641..=U+064A: D9 81 ..= D9 8A
                [0xD8, 0xA1..=0xBA, ..] | [0xD9, 0x81..=0x8A, ..] => 2,
                _ => 0,
            }
        }

        /// Pictographs (most emoji: U+1F300..=U+1F6FF, U+1F900..=U+1F9FF): neither letters nor digits,
        /// and their own lowercase (checked against the Unicode tables in the tests).
        fn is_pictograph(c: char) -> bool {
            matches!(c, '\u{1F300}'..='\u{1F6FF}' | '\u{1F900}'..='\u{1F9FF}')
        }

        /// Whether `w` starts with the UTF-8 bytes of a pictograph (see `is_pictograph`, in the tests).
        #[inline]
        fn is_pictograph_bytes(w: &[u8]) -> bool {
            matches!(*w, [0xF0, 0x9F, 0x8C..=0x9B | 0xA4..=0xA7, _, ..])
        }

        /// Length of the UTF-8 sequence that starts with lead byte `c` (not a continuation byte).
        #[inline]
        fn utf8_len(c: u8) -> usize {
            match c {
                0..=0x7F => 1,
                0x80..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            }
        }

        /// The char starting at byte `i` of `t` (a char boundary).
        #[inline]
        fn next_char(t: &str, i: usize) -> char {
            t[i..].chars().next().unwrap_or(' ')
        }

        /// Seeds and multipliers of the word hash, the text chain and the bigram features (the wyhash
        /// secrets). `K_BLOCK`'s low byte is 0 and a word's bytes never are (NUL is not alphanumeric),
        /// so `lo ^ K_BLOCK` is never 0 (a zero factor would lose the state).
        const K_BLOCK: u64 = 0xa076_1d64_78bd_6400;
        const K_LEN: u64 = 0xe703_7ed1_a0b4_28db;
        const K_WORD: u64 = 0x8ebc_6af0_9c88_c6e3;
        const K_TEXT: u64 = 0x5899_65cc_7537_4cc3;
        const K_PAIR: u64 = 0x1d8e_4e27_c47d_124f;
        /// The text chain's start (not `K_TEXT`: its first step would multiply by 0).
        const TEXT_SEED: u64 = 0x2d35_8dcc_aa6c_78a5;

        /// The 128-bit product of `a` and `b`, its halves XORed (wyhash's mix): one multiply that
        /// spreads every input bit over the whole output. The same value on every target: one `u128`
        /// multiply where there is a 64×64→128 instruction; elsewhere (wasm32) [`wide_mul_halves`].
        #[inline(always)]
        fn fold_mul(a: u64, b: u64) -> u64 {
            #[cfg(target_pointer_width = "64")]
            let (lo, hi) = {
                let p = (a as u128).wrapping_mul(b as u128);
                (p as u64, (p >> 64) as u64)
            };
            #[cfg(not(target_pointer_width = "64"))]
            let (lo, hi) = wide_mul_halves(a, b);
            lo ^ hi
        }

        /// The low and high halves of the 128-bit product `a × b`, from four 32×32→64 multiplies.
        /// On wasm32 a `u128` multiply is a call to `__multi3`, a general 128×128 multiply that returns
        /// its result through memory (2.7% of the reading worker's time in the browser, from the text
        /// hashes); this is the same product inline. Exact: `mid` < 3·2³², no step wraps.
        #[cfg_attr(target_pointer_width = "64", allow(dead_code))]
        #[inline(always)]
        fn wide_mul_halves(a: u64, b: u64) -> (u64, u64) {
            const M: u64 = 0xffff_ffff;
            let (a0, a1, b0, b1) = (a & M, a >> 32, b & M, b >> 32);
            let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
            let mid = (p00 >> 32) + (p01 & M) + (p10 & M);
            ((p00 & M) | mid << 32, p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32))
        }

        /// The `k` (1..=8) bytes of `b` as a little-endian number, zero-padded: with two overlapping
        /// loads instead of a byte loop or a `memcpy` call.
        #[inline(always)]
        fn load_le(b: &[u8], k: usize) -> u64 {
            debug_assert!((1..=8).contains(&k) && b.len() >= k);
            if k == 8 {
                u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            } else if k >= 4 {
                let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
                let hi = u32::from_le_bytes([b[k - 4], b[k - 3], b[k - 2], b[k - 1]]) as u64;
                // The overlapping bytes land on the same bit positions in both: OR is exact.
                lo | hi << (8 * (k - 4))
            } else {
                b[0] as u64 | (b[k / 2] as u64) << (8 * (k / 2)) | (b[k - 1] as u64) << (8 * (k - 1))
            }
        }

        /// The hash of one normalised word (its UTF-8 bytes `w`): 16 bytes per [`fold_mul`], the last
        /// (partial, zero-padded, possibly empty) block, then the length. The definition
        /// [`WordHasher`] computes from the word's pieces as the walk produces them.
        fn word_hash(w: &[u8]) -> u64 {
            let mut s = K_WORD;
            let mut blocks = w.chunks_exact(16);
            let le = |b: &[u8]| b.iter().rev().fold(0u64, |x, &c| x << 8 | c as u64);
            for b in &mut blocks {
                s = fold_mul(le(&b[..8]) ^ K_BLOCK, le(&b[8..]) ^ s);
            }
            let r = blocks.remainder();
            let (lo, hi) = (le(&r[..r.len().min(8)]), le(&r[r.len().min(8)..]));
            fold_mul(fold_mul(lo ^ K_BLOCK, hi ^ s) ^ K_LEN, w.len() as u64 ^ K_LEN)
        }

        /// [`word_hash`] fed in pieces: the bytes of the open block in `lo`, `hi`.
        #[derive(Clone, Copy)]
        struct WordHasher {
            s: u64,
            lo: u64,
            hi: u64,
            /// Bytes in the open block (0..16).
            fill: usize,
            len: u64,
        }

        impl WordHasher {
            const NEW: WordHasher = WordHasher { s: K_WORD, lo: 0, hi: 0, fill: 0, len: 0 };

            /// Appends `b`, each byte ORed with the matching byte of `or` (0x20 lowercases ASCII letters
            /// and leaves digits as they are; 0 for bytes kept as they are).
            #[inline(always)]
            fn push(&mut self, mut b: &[u8], or: u64) {
                while !b.is_empty() {
                    let k = b.len().min(8).min(16 - self.fill);
                    self.push_value(load_le(b, k), k, or);
                    b = &b[k..];
                }
            }

            /// Appends the low `k` (1..=8, at most `16 - fill`) bytes of `v`, ORed with `or` as in `push`.
            #[inline(always)]
            fn push_value(&mut self, v: u64, k: usize, or: u64) {
                self.len += k as u64;
                let c = self.fill;
                let v = (v | or) & (u64::MAX >> (64 - 8 * k));
                if c < 8 {
                    self.lo |= v << (8 * c);
                    if c + k > 8 {
                        self.hi |= v >> (64 - 8 * c);
                    }
                } else {
                    self.hi |= v << (8 * (c - 8));
                }
                if c + k == 16 {
                    self.s = fold_mul(self.lo ^ K_BLOCK, self.hi ^ self.s);
                    (self.lo, self.hi, self.fill) = (0, 0, 0);
                } else {
                    self.fill = c + k;
                }
            }

            #[inline(always)]
            fn finish(&self) -> u64 {
                fold_mul(fold_mul(self.lo ^ K_BLOCK, self.hi ^ self.s) ^ K_LEN, self.len ^ K_LEN)
            }
        }

        /// One step of the whole-text chain over the word hashes.
        #[inline(always)]
        fn chain(whole: u64, word: u64) -> u64 {
            fold_mul(whole ^ K_TEXT, word ^ K_BLOCK)
        }

        /// The SimHash feature of the consecutive words with hashes `a`, `b` (order matters).
        #[inline(always)]
        fn pair(a: u64, b: u64) -> u64 {
            fold_mul(a ^ K_PAIR, b ^ K_LEN)
        }

        /// 0x20 in every byte: ORed into an ASCII letter or digit it gives its lowercase (digits and
        /// lower-case letters have the bit set already).
        const LOWER: u64 = 0x2020_2020_2020_2020;

        /// Computes [`fingerprint`] and [`simhash`] while the text is normalised, without building the
        /// normalised string: the hash of the current word from its pieces ([`WordHasher`]), and at each
        /// word's end the text chain step and the SimHash votes of the word and the word pair.
        struct HashSink {
            whole: u64,
            word: WordHasher,
            /// A gap was seen since the last kept char.
            pending_space: bool,
            /// Some char was kept (the normalised text is not empty).
            nonempty: bool,
            prev: Option<u64>,
            votes: BitCounts,
        }

        impl HashSink {
            #[inline]
            fn start_char(&mut self) {
                if self.pending_space && self.nonempty {
                    self.end_word();
                }
                self.pending_space = false;
                self.nonempty = true;
            }
            #[inline]
            fn end_word(&mut self) {
                let hw = self.word.finish();
                self.word = WordHasher::NEW;
                self.whole = chain(self.whole, hw);
                match self.prev {
                    Some(hp) => self.votes.add2(hw, pair(hp, hw)),
                    None => self.votes.add(hw),
                }
                self.prev = Some(hw);
            }
        }

        impl Sink for HashSink {
            #[inline]
            fn char(&mut self, c: char) {
                self.start_char();
                let mut buf = [0u8; 4];
                self.word.push(c.encode_utf8(&mut buf).as_bytes(), 0);
            }
            #[inline]
            fn ascii_run(&mut self, run: &[u8]) {
                self.start_char();
                self.word.push(run, LOWER);
            }
            #[inline]
            fn ascii_word(&mut self, v: u64, k: usize) {
                self.start_char();
                if self.word.fill + k <= 16 {
                    self.word.push_value(v, k, LOWER);
                } else {
                    self.word.push(&v.to_le_bytes()[..k], LOWER);
                }
            }
            #[inline]
            fn verbatim_run(&mut self, run: &str) {
                self.start_char();
                self.word.push(run.as_bytes(), 0);
            }
            #[inline]
            fn gap(&mut self) {
                self.pending_space = true;
            }
        }

        /// normalised text is hashed as it is produced, never stored).
        pub fn fingerprints(text: &str, scratch: &mut String) -> (u64, u64) {
            let _ = scratch;
            let mut h = HashSink {
                whole: TEXT_SEED,
                word: WordHasher::NEW,
                pending_space: false,
                nonempty: false,
                prev: None,
                votes: BitCounts::default(),
            };
            walk(text, &mut h);
            if !h.nonempty {
                return (0, 0);
            }
            h.end_word();
            let fp = if h.whole == 0 { 1 } else { h.whole };
            let sh = match h.votes.majority() {
                0 => 1,
                v => v,
            };
            (fp, sh)
        }

        /// The definition: the chain over the hashes of the words, in order (distinct word sequences are
        /// distinct normalised texts, and the other way round).
        fn fingerprint_of_normalised(n: &str) -> u64 {
            if n.is_empty() {
                return 0;
            }
            let h = n.split(' ').fold(TEXT_SEED, |h, w| chain(h, word_hash(w.as_bytes())));
            if h == 0 {
                1
            } else {
                h
            }
        }

        fn simhash_of_normalised(n: &str) -> u64 {
            let mut votes = BitCounts::default();
            // Each word, and each pair of consecutive words, is one feature.
            let mut prev: Option<u64> = None;
            for w in n.split(' ').filter(|w| !w.is_empty()) {
                let hw = word_hash(w.as_bytes());
                votes.add(hw);
                if let Some(hp) = prev {
                    votes.add(pair(hp, hw));
                }
                prev = Some(hw);
            }
            if prev.is_none() {
                return 0;
            }
            // The sum of +1 (bit set) / -1 (bit clear) votes is positive when set > n / 2.
            let out = votes.majority();
            if out == 0 {
                1
            } else {
                out
            }
        }

        /// Counter `bit` of bit planes.
        fn count_in_planes(planes: &[u64; 8], bit: usize) -> u32 {
            planes.iter().enumerate().map(|(k, p)| (((p >> bit) & 1) as u32) << k).sum()
        }

        /// How many added hashes have each of the 64 bits set: 64 counters in parallel as bit planes
        /// (`planes[k]` holds bit `k` of every counter), added with ripple carries (about two word
        /// operations per hash instead of 64 counter updates).
        #[derive(Default)]
        struct BitCounts {
            planes: [u64; 8],
            /// Hashes in the planes (at most 255: flushed into `wide` from 254 on).
            in_planes: u32,
            wide: Option<Box<[u32; 64]>>,
            n: u32,
        }

        impl BitCounts {
            /// Adds one hash (the ripple runs through all planes: no branch to mispredict).
            #[inline(always)]
            fn add(&mut self, h: u64) {
                self.ripple(h, 0);
                self.in_planes += 1;
                self.n += 1;
                if self.in_planes >= 254 {
                    self.flush();
                }
            }
            /// Adds two hashes in one ripple: their sum per bit is `a ^ b` (weight 1) plus `a & b`
            /// (weight 2), and `a & b` never meets a carry out of plane 0 (that needs `a ^ b`).
            #[inline(always)]
            fn add2(&mut self, a: u64, b: u64) {
                let (s, c) = (a ^ b, a & b);
                let carry = self.planes[0] & s;
                self.planes[0] ^= s;
                self.ripple(carry | c, 1);
                self.in_planes += 2;
                self.n += 2;
                // At most 253 + 2 = 255 in the planes: the top carry is always 0.
                if self.in_planes >= 254 {
                    self.flush();
                }
            }
            #[inline(always)]
            fn ripple(&mut self, mut carry: u64, from: usize) {
                for plane in self.planes[from..].iter_mut() {
                    let next = *plane & carry;
                    *plane ^= carry;
                    carry = next;
                }
            }
            fn flush(&mut self) {
                let planes = self.planes;
                let wide = self.wide.get_or_insert_with(|| Box::new([0; 64]));
                for (bit, w) in wide.iter_mut().enumerate() {
                    *w += count_in_planes(&planes, bit);
                }
                self.planes = [0; 8];
                self.in_planes = 0;
            }
            /// Bit `b` set when more than half of the hashes have it.
            fn majority(&self) -> u64 {
                if self.wide.is_none() {
                    // All counts are in the planes (< 256): compare the 64 bit-sliced counters with
                    // n / 2 at once, from the top plane down (`gt`: already greater, `eq`: equal so far).
                    // 2c > n  <=>  c > floor(n / 2).
                    let half = self.n / 2;
                    let (mut gt, mut eq) = (0u64, u64::MAX);
                    for k in (0..8).rev() {
                        let p = self.planes[k];
                        if half >> k & 1 == 1 {
                            eq &= p;
                        } else {
                            gt |= eq & p;
                            eq &= !p;
                        }
                    }
                    return gt;
                }
                let mut out = 0u64;
                for bit in 0..64 {
                    let c = count_in_planes(&self.planes, bit) + self.wide.as_ref().map_or(0, |w| w[bit]);
                    if 2 * c > self.n {
                        out |= 1 << bit;
                    }
                }
                out
            }
        }
    }

    /// Pieces every special case of the walk is made of: ASCII (every byte, upper and lower case,
    /// digits, punctuation, controls), `#`, `@`, URL prefixes in any case, `RT @x:`, Greek with
    /// `Σ`, the chars that lowercase to ASCII (Kelvin sign, `İ`), `ß`/`ẞ`, title case, CJK,
    /// Hangul, Arabic, Cyrillic, Devanagari, emoji in and out of the byte-tested ranges, flags,
    /// combining marks, zero-width chars, every Unicode whitespace, and long runs of letters and
    /// digits around the 8- and 16-byte steps.
    fn adversarial_pieces() -> Vec<String> {
        let mut p: Vec<String> = (0u8..0x80).map(|b| (b as char).to_string()).collect();
        for w in [
            "#",
            "##",
            "@",
            "@x",
            "http://",
            "HTTP://",
            "https://",
            "hTtPs://",
            "www.",
            "WWW.",
            "Www.",
            "www",
            "wWw",
            "RT @x:",
            "RT @",
            "RT",
            "Σ",
            "σ",
            "ς",
            "ΑΣ",
            "ΣΑΣ",
            "\u{212a}",
            "\u{130}",
            "ı",
            "ß",
            "ẞ",
            "ǅ",
            "É",
            "é",
            "ÿ",
            "中",
            "国",
            "香港",
            "가",
            "나",
            "م",
            "ر",
            "ً",
            "ٌ",
            "привет",
            "ПРИВЕТ",
            "नमस्ते",
            "😂",
            "🙏",
            "🤔",
            "‼️",
            "✨",
            "🇨🇳",
            "👩\u{200d}💻",
            "\u{301}",
            "\u{200b}",
            "\u{200c}",
            "\u{200d}",
            "\u{feff}",
            "\u{a0}",
            "\u{85}",
            "\u{1680}",
            "\u{2000}",
            "\u{2007}",
            "\u{200a}",
            "\u{2028}",
            "\u{2029}",
            "\u{202f}",
            "\u{205f}",
            "\u{3000}",
            "\u{fffd}",
            "\u{10ffff}",
            "\u{e000}",
            "½",
            "²",
            "Ⅻ",
            "٣",
            "a1",
            "Z9",
            "it's",
            "word,",
            "www.x",
            "#www.",
            "#@x",
            "#http://x",
            "#tag,",
            "#中",
            "÷",
            "×",
            "ñ",
            "Ñ",
            "¿",
            "niño",
            "ÀÉÎ",
            "ā",
            "‼",
            "\u{fe0f}",
            "✅",
            "❤️",
            "➀",
            "⁰",
            "ⁱ",
            "\u{2776}",
            "\u{1f1e6}",
            "\u{1f1e5}",
            "\u{1f200}",
        ] {
            p.push(w.to_string());
        }
        for len in [7, 8, 9, 14, 15, 16, 17, 23, 24, 31, 32, 33, 40, 100] {
            p.push((0..len).map(|i| b"aB3zQ9xYwW0m"[i % 12] as char).collect());
        }
        p
    }

    /// Random texts of the pieces above (lengths up to about 300 bytes), from a seeded source.
    fn adversarial_texts(seed: u64, n: usize) -> Vec<String> {
        let pieces = adversarial_pieces();
        let mut next = crate::core::test_rng(seed);
        (0..n)
            .map(|_| {
                let words = next(40);
                let mut t = String::new();
                for _ in 0..words {
                    t.push_str(&pieces[next(pieces.len())]);
                    // Mostly a space between pieces, as in real texts, else they run together.
                    match next(4) {
                        0 => {}
                        1 => t.push_str(["\t", "\n", "  ", "\u{a0}", "\u{3000}", "\r\n"][next(6)]),
                        _ => t.push(' '),
                    }
                }
                t
            })
            .collect()
    }

    /// The current fingerprints equal the previous implementation's (`reference`) bit for bit,
    /// and `normalise` its definition: on adversarial random texts, on every piece alone and
    /// between others, on texts cut at every char boundary, on runs of letters and digits of
    /// every length with every ending, and on empty and blank texts.
    #[test]
    fn fingerprints_equal_the_previous_implementation() {
        let mut scratch = String::new();
        let check = |t: &str, scratch: &mut String| {
            let want = reference::fingerprints(t, &mut String::new());
            assert_eq!(fingerprints(t, scratch), want, "{t:?}");
            assert_eq!(normalise(t), reference_normalise(t), "{t:?}");
        };
        for t in ["", " ", "\t\n", "\u{a0}\u{3000}", "#", "@", "RT @x:", "RT @x: ", "https://t.co/x", "🙏"] {
            check(t, &mut scratch);
        }
        for t in adversarial_texts(0x6A09_E667_F3BC_C908, 30_000) {
            check(&t, &mut scratch);
        }
        for t in random_texts(0x3C6E_F372_FE94_F82B, 5_000) {
            check(&t, &mut scratch);
        }
        // Every piece alone, after a word, before one, and glued to a run of letters.
        for p in adversarial_pieces() {
            for t in
                [p.clone(), format!("ab {p} cd"), format!("{p}x"), format!("x{p}"), format!("#{p} "), format!("{p}, ")]
            {
                check(&t, &mut scratch);
            }
        }
        // Texts cut at every char boundary (the ends of the sixteen-byte loads at every offset).
        for t in adversarial_texts(0xA54F_F53A_5F1D_36F1, 300) {
            for (i, _) in t.char_indices() {
                check(&t[..i], &mut scratch);
                check(&t[i..], &mut scratch);
            }
        }
        // Runs of letters and digits of every length up to 40, with every ASCII byte and a few
        // other chars after them, alone, at the end and inside a text.
        let ends: Vec<String> = (0u8..0x80)
            .map(|b| (b as char).to_string())
            .chain(["é", "中", "\u{a0}", "Σ", "😂"].map(String::from))
            .collect();
        for len in 1..=40 {
            let word: String = (0..len).map(|i| b"aB3zQ9xYwW0m"[i % 12] as char).collect();
            for e in &ends {
                for t in
                    [format!("{word}{e}"), format!("x {word}{e} y"), format!("#{word}{e}"), format!("{word}{e}{e} z")]
                {
                    check(&t, &mut scratch);
                }
            }
        }
        for t in ["www. x", "WWW. x", "#www. x", "wwx. x", "www, x", "ww. x", "wwww. x", "www.", "http: x", "a@ b"] {
            check(t, &mut scratch);
        }
    }

    /// The values are the same on every target (64- and 128-bit integer arithmetic only, no
    /// `usize` in them): pinned, so a change to them is deliberate (it changes which posts share a
    /// narrative across chorus versions, and the dataset digest of `bench_ingest`).
    #[test]
    fn values_are_pinned() {
        for (t, want) in PINNED_FINGERPRINTS {
            assert_eq!(fingerprints(t, &mut String::new()), want, "{t}: {:#x?}", fingerprints(t, &mut String::new()));
            assert_eq!(reference::fingerprints(t, &mut String::new()), want, "{t}");
        }
    }

    #[test]
    fn domains() {
        assert_eq!(domain_of("https://www.Example.com:443/a?b"), "example.com");
        assert_eq!(domain_of("http://user@host.org"), "host.org");
        assert_eq!(domain_of("bit.ly/x"), "bit.ly");
    }
}
