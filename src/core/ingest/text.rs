//! Text normalisation and fingerprints for co-tweet and near-duplicate detection.
//!
//! `normalise` lowercases, drops a leading `RT @name:`, URLs and @mentions, keeps letters and
//! digits of any script (hashtag words stay, without `#`), and folds runs of anything else into one
//! space. Two posts with the same normalised text share a `fingerprint`; posts whose word sets
//! overlap a lot have SimHashes a small Hamming distance apart.

use crate::core::model::fnv1a64;

/// Normalised text (see module docs).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalise_into(text, &mut out);
    out
}

/// [`normalise`] into a reused buffer (cleared first).
pub fn normalise_into(text: &str, out: &mut String) {
    out.clear();
    let mut t = text.trim_start();
    // drop a leading retweet marker "RT @name:"
    if let Some(rest) = t.strip_prefix("RT @") {
        match rest.find(':') {
            Some(i) if !rest[..i].contains(char::is_whitespace) => t = &rest[i + 1..],
            _ => {}
        }
    }
    let mut pending_space = false;
    // Same result as lowercasing each word with `str::to_lowercase` and keeping its alphanumeric
    // chars, without allocating: chars are lowercased one by one (exact except for the final
    // sigma rule, so words with `Σ` take the general path) and common scripts skip the tables.
    let push = |c: char, pending_space: &mut bool, out: &mut String| {
        if *pending_space && !out.is_empty() {
            out.push(' ');
        }
        *pending_space = false;
        out.push(c);
    };
    for word in t.split_whitespace() {
        let b = word.as_bytes();
        // Only U+212A (→ k) and U+0130 (→ i̇) lowercase to ASCII, and no prefix below has `k` or
        // `i`: comparing the raw bytes ASCII-case-insensitively equals comparing the lowercase.
        let starts = |p: &[u8]| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p);
        if starts(b"http://") || starts(b"https://") || starts(b"www.") || b[0] == b'@' {
            pending_space = true;
            continue;
        }
        if word.contains('Σ') {
            for c in word.to_lowercase().chars() {
                if c.is_alphanumeric() {
                    push(c, &mut pending_space, out);
                } else {
                    pending_space = true;
                }
            }
        } else {
            for c in word.chars() {
                if c.is_ascii() {
                    if c.is_ascii_alphanumeric() {
                        push(c.to_ascii_lowercase(), &mut pending_space, out);
                    } else {
                        pending_space = true;
                    }
                } else if is_caseless_letter(c) {
                    push(c, &mut pending_space, out);
                } else {
                    for lc in c.to_lowercase() {
                        if lc.is_alphanumeric() {
                            push(lc, &mut pending_space, out);
                        } else {
                            pending_space = true;
                        }
                    }
                }
            }
        }
        pending_space = true;
    }
}

/// Letters without case in common blocks (CJK ideographs, Hangul syllables, Arabic letters):
/// alphanumeric and their own lowercase (checked against the Unicode tables in the tests).
fn is_caseless_letter(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}' | '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}')
}

/// Fingerprint of the normalised text; 0 when nothing is left after normalising.
pub fn fingerprint(text: &str) -> u64 {
    fingerprint_of_normalised(&normalise(text))
}

/// [`fingerprint`] and [`simhash`] of `text`, normalising it once into `scratch`.
pub fn fingerprints(text: &str, scratch: &mut String) -> (u64, u64) {
    normalise_into(text, scratch);
    (fingerprint_of_normalised(scratch), simhash_of_normalised(scratch))
}

fn fingerprint_of_normalised(n: &str) -> u64 {
    if n.is_empty() {
        return 0;
    }
    let h = fnv1a64(n.as_bytes());
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
    let mut acc = [0i32; 64];
    let mut add = |h: u64| {
        // Branch-free so it vectorises: +1 for a set bit, -1 for a clear one.
        for (bit, a) in acc.iter_mut().enumerate() {
            *a += ((h >> bit) & 1) as i32 * 2 - 1;
        }
    };
    // Each word, and each pair of consecutive words, is one feature.
    let mut prev: Option<u64> = None;
    for w in n.split(' ').filter(|w| !w.is_empty()) {
        let hw = fnv1a64(w.as_bytes());
        add(mix(hw));
        if let Some(hp) = prev {
            add(mix(hp ^ hw.rotate_left(17)));
        }
        prev = Some(hw);
    }
    if prev.is_none() {
        return 0;
    }
    let mut out = 0u64;
    for (bit, a) in acc.iter().enumerate() {
        if *a > 0 {
            out |= 1 << bit;
        }
    }
    if out == 0 {
        1
    } else {
        out
    }
}

/// A 64-bit finaliser (splitmix64) so similar inputs give unrelated bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
        assert_eq!(simhash("a"), simhash("A!"));
        assert_eq!(simhash(""), 0);
    }

    #[test]
    fn domains() {
        assert_eq!(domain_of("https://www.Example.com:443/a?b"), "example.com");
        assert_eq!(domain_of("http://user@host.org"), "host.org");
        assert_eq!(domain_of("bit.ly/x"), "bit.ly");
    }
}
