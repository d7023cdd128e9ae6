//! Detection parameters in the URL fragment, so a view can be shared and reproduced.
//!
//! Only parameters ever go into the URL — never data, names or file names. Format:
//! `#rep=3&w=2&sim=0.8&res=1&minc=3&m=co_retweet:60,co_tweet:300,-co_domain:300`
//! (a method prefixed with `-` is off; its number is its time window in seconds). Unknown keys
//! and unreadable values are ignored (the default stays), so an old or edited link still opens.

use crate::core::detect::{CoAction, DetectParams};

/// The fragment (without `#`) for `p`.
pub fn to_fragment(p: &DetectParams) -> String {
    let methods: Vec<String> = p
        .methods
        .iter()
        .map(|m| format!("{}{}:{}", if m.enabled { "" } else { "-" }, m.kind.name(), fmt_num(m.time_window_s)))
        .collect();
    format!(
        "rep={}&w={}&sim={}&res={}&minc={}&m={}",
        p.min_repetitions,
        fmt_num(p.min_edge_weight),
        fmt_num(p.similarity_threshold),
        fmt_num(p.resolution),
        p.min_cluster_size,
        methods.join(",")
    )
}

fn fmt_num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Parameters from a fragment (with or without `#`); what is missing or unreadable keeps its
/// default.
pub fn from_fragment(fragment: &str) -> DetectParams {
    let mut p = DetectParams::default();
    for pair in fragment.trim_start_matches('#').split('&') {
        let Some((k, v)) = pair.split_once('=') else { continue };
        let num = v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0);
        match k {
            "rep" => {
                if let Some(x) = num {
                    p.min_repetitions = (x as u32).max(1);
                }
            }
            "w" => p.min_edge_weight = num.unwrap_or(p.min_edge_weight),
            "sim" => {
                if let Some(x) = num.filter(|x| *x <= 1.0) {
                    p.similarity_threshold = x;
                }
            }
            "res" => {
                if let Some(x) = num.filter(|x| *x > 0.0) {
                    p.resolution = x;
                }
            }
            "minc" => {
                if let Some(x) = num {
                    p.min_cluster_size = (x as u32).max(2);
                }
            }
            "m" => {
                for item in v.split(',') {
                    let (enabled, rest) = match item.strip_prefix('-') {
                        Some(r) => (false, r),
                        None => (true, item),
                    };
                    let (name, window) = rest.split_once(':').unwrap_or((rest, ""));
                    let Some(kind) = CoAction::from_name(name) else { continue };
                    if let Some(m) = p.methods.iter_mut().find(|m| m.kind == kind) {
                        m.enabled = enabled;
                        if let Some(w) = window.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0) {
                            m.time_window_s = w;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    p
}

/// A human label for a co-action method.
pub fn method_label(kind: CoAction) -> &'static str {
    match kind {
        CoAction::CoRetweet => "Co-retweet (same post retweeted)",
        CoAction::CoTweet => "Co-tweet (same text)",
        CoAction::CoSimilarTweet => "Near-identical text",
        CoAction::CoLink => "Same URL",
        CoAction::CoDomain => "Same rare domain",
        CoAction::CoHashtag => "Same hashtag",
        CoAction::CoReply => "Replies to the same post",
        CoAction::CoMention => "Mentions of the same account",
    }
}
