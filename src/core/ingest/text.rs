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
    for word in t.split_whitespace() {
        if word.is_ascii() {
            // Fast path, same result as the general one: ASCII lowercasing is bytewise.
            let b = word.as_bytes();
            let starts = |p: &[u8]| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p);
            if starts(b"http://") || starts(b"https://") || starts(b"www.") || b[0] == b'@' {
                pending_space = true;
                continue;
            }
            for &c in b {
                if c.is_ascii_alphanumeric() {
                    if pending_space && !out.is_empty() {
                        out.push(' ');
                    }
                    pending_space = false;
                    out.push(c.to_ascii_lowercase() as char);
                } else {
                    pending_space = true;
                }
            }
            pending_space = true;
            continue;
        }
        let lw = word.to_lowercase();
        if lw.starts_with("http://") || lw.starts_with("https://") || lw.starts_with("www.") || lw.starts_with('@') {
            pending_space = true;
            continue;
        }
        for c in lw.chars() {
            if c.is_alphanumeric() {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            } else {
                pending_space = true;
            }
        }
        pending_space = true;
    }
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

    #[test]
    fn ascii_fast_path_equals_the_general_path() {
        // Words with non-ASCII letters take the general path; the rest the fast path.
        for t in [
            "RT @x: Hello WWW.example.com HTTPS://T.CO/x @Bob it's 2020!",
            "Ünïcödé MIXED ascii Words ΣΑΣ 中国 https://t.co/ü @ü",
            "  ",
            "a-b_c d.e",
        ] {
            let general: String = {
                let mut out = String::new();
                let mut pending = false;
                let mut tt = t.trim_start();
                if let Some(rest) = tt.strip_prefix("RT @") {
                    if let Some(i) = rest.find(':') {
                        if !rest[..i].contains(char::is_whitespace) {
                            tt = &rest[i + 1..];
                        }
                    }
                }
                for word in tt.split_whitespace() {
                    let lw = word.to_lowercase();
                    if lw.starts_with("http://") || lw.starts_with("https://") || lw.starts_with("www.") || lw.starts_with('@') {
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
            };
            assert_eq!(normalise(t), general, "{t}");
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
