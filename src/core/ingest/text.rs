//! Text normalisation and fingerprints for co-tweet and near-duplicate detection.
//!
//! `normalise` lowercases, drops a leading `RT @name:`, URLs and @mentions, keeps letters and
//! digits of any script (hashtag words stay, without `#`), and folds runs of anything else into one
//! space. Two posts with the same normalised text share a `fingerprint`; posts whose word sets
//! overlap a lot have SimHashes a small Hamming distance apart.

use crate::core::model::fnv1a64;

/// Normalised text (see module docs).
pub fn normalise(text: &str) -> String {
    let mut t = text.trim_start();
    // drop a leading retweet marker "RT @name:"
    if let Some(rest) = t.strip_prefix("RT @") {
        match rest.find(':') {
            Some(i) if !rest[..i].contains(char::is_whitespace) => t = &rest[i + 1..],
            _ => {}
        }
    }
    let mut out = String::with_capacity(t.len());
    let mut pending_space = false;
    for word in t.split_whitespace() {
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
    out
}

/// Fingerprint of the normalised text; 0 when nothing is left after normalising.
pub fn fingerprint(text: &str) -> u64 {
    let n = normalise(text);
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
    let n = normalise(text);
    let words: Vec<&str> = n.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return 0;
    }
    let mut acc = [0i32; 64];
    let mut add = |h: u64| {
        for (bit, a) in acc.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *a += 1;
            } else {
                *a -= 1;
            }
        }
    };
    for w in &words {
        add(mix(fnv1a64(w.as_bytes())));
    }
    for pair in words.windows(2) {
        let h = fnv1a64(pair[0].as_bytes()) ^ fnv1a64(pair[1].as_bytes()).rotate_left(17);
        add(mix(h));
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
    fn domains() {
        assert_eq!(domain_of("https://www.Example.com:443/a?b"), "example.com");
        assert_eq!(domain_of("http://user@host.org"), "host.org");
        assert_eq!(domain_of("bit.ly/x"), "bit.ly");
    }
}
