//! Detection parameters: the form both tabs show ([`ParamsForm`]: co-action methods with their
//! time windows, and the thresholds), and the URL fragment the workspace keeps them in, so a view
//! can be shared and reproduced.
//!
//! Only parameters ever go into the URL — never data, names or file names. Format:
//! `#rep=3&w=2&sim=0.8&res=1&minc=3&m=co_retweet:60,co_tweet:300,-co_domain:300`
//! (a method prefixed with `-` is off; its number is its time window in seconds). Unknown keys
//! and unreadable values are ignored (the default stays), so an old or edited link still opens.

use crate::core::detect::{CoAction, DetectParams};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

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

/// One edit of the parameters form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Edit {
    /// Method `i` on or off.
    Method(usize, bool),
    /// Method `i`'s time window in seconds (ignored unless positive).
    Window(usize, f64),
    /// A threshold by its fragment key (`rep`, `w`, `sim`, `res`, `minc`), with the bounds the
    /// fragment applies; negative or non-finite values are ignored.
    Num(&'static str, f64),
}

/// `p` with `edit` applied.
pub fn apply(mut p: DetectParams, edit: Edit) -> DetectParams {
    match edit {
        Edit::Method(i, on) => {
            if let Some(m) = p.methods.get_mut(i) {
                m.enabled = on;
            }
        }
        Edit::Window(i, s) => {
            if let Some(m) = p.methods.get_mut(i) {
                if s.is_finite() && s > 0.0 {
                    m.time_window_s = s;
                }
            }
        }
        Edit::Num(key, v) => {
            if v.is_finite() && v >= 0.0 {
                match key {
                    "rep" => p.min_repetitions = (v as u32).max(1),
                    "w" => p.min_edge_weight = v,
                    "sim" => p.similarity_threshold = v.min(1.0),
                    "res" if v > 0.0 => p.resolution = v,
                    "minc" => p.min_cluster_size = (v as u32).max(2),
                    _ => {}
                }
            }
        }
    }
    p
}

/// The parameters in one line ("co_retweet 60 s, co_tweet 300 s; repetitions ≥ 2, …"): what a
/// result says it was detected with.
pub fn describe(p: &DetectParams) -> String {
    let methods: Vec<String> = p
        .methods
        .iter()
        .filter(|m| m.enabled)
        .map(|m| format!("{} {} s", m.kind.name(), fmt_num(m.time_window_s)))
        .collect();
    format!(
        "{}; repetitions ≥ {}, edge weight ≥ {}, text similarity ≥ {}, resolution {}, clusters ≥ {} accounts",
        if methods.is_empty() { "no co-action method".to_string() } else { methods.join(", ") },
        p.min_repetitions,
        fmt_num(p.min_edge_weight),
        fmt_num(p.similarity_threshold),
        fmt_num(p.resolution),
        p.min_cluster_size
    )
}

#[derive(Properties, PartialEq)]
pub struct ParamsFormProps {
    pub params: DetectParams,
    /// The parameters after each edit.
    pub on_change: Callback<DetectParams>,
    #[prop_or_default]
    pub disabled: bool,
}

/// The detection parameters form (methods with their windows, thresholds), shared by the
/// workspace and the link tab; each edit emits the whole new parameters.
#[function_component(ParamsForm)]
pub fn params_form(props: &ParamsFormProps) -> Html {
    let p = &props.params;
    let disabled = props.disabled;
    let num_input = |key: &'static str, label: &str, value: f64, step: &str, help: &str| {
        let (params, on_change) = (props.params.clone(), props.on_change.clone());
        let onchange = Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            if let Ok(v) = input.value().parse::<f64>() {
                on_change.emit(apply(params.clone(), Edit::Num(key, v)));
            }
        });
        html! {
            <label class="param" title={help.to_string()}>
                <span>{label.to_string()}</span>
                <input type="number" min="0" step={step.to_string()} data-key={key} value={value.to_string()} {onchange} {disabled} />
            </label>
        }
    };
    html! {
        <div class="params-grid">
            <fieldset>
                <legend>{"Co-action methods and time windows (s)"}</legend>
                { for p.methods.iter().enumerate().map(|(i, m)| {
                    let (params, on_change) = (props.params.clone(), props.on_change.clone());
                    let ontoggle = Callback::from(move |e: Event| {
                        if let Some(c) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                            on_change.emit(apply(params.clone(), Edit::Method(i, c.checked())));
                        }
                    });
                    let (params, on_change) = (props.params.clone(), props.on_change.clone());
                    let onwin = Callback::from(move |e: Event| {
                        let Some(c) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
                        if let Ok(v) = c.value().parse::<f64>() {
                            on_change.emit(apply(params.clone(), Edit::Window(i, v)));
                        }
                    });
                    html! {
                        <div class="method" data-method={m.kind.name()}>
                            <label><input type="checkbox" checked={m.enabled} onchange={ontoggle} {disabled} />{" "}{method_label(m.kind)}</label>
                            <input type="number" min="1" step="1" aria-label={format!("{} time window in seconds", m.kind.name())} value={m.time_window_s.to_string()} onchange={onwin} disabled={disabled || !m.enabled} />
                        </div>
                    }
                }) }
            </fieldset>
            <fieldset>
                <legend>{"Thresholds"}</legend>
                { num_input("rep", "Minimum repetitions", p.min_repetitions as f64, "1", "A pair of accounts must co-act on at least this many distinct occasions") }
                { num_input("w", "Minimum edge weight", p.min_edge_weight, "0.1", "Combined, inverse-frequency weighted evidence needed to link two accounts") }
                { num_input("sim", "Text similarity (0–1)", p.similarity_threshold, "0.05", "Near-identical text threshold (Jaccard estimate)") }
                { num_input("res", "Community resolution", p.resolution, "0.1", "Higher splits networks into smaller clusters (1 = modularity)") }
                { num_input("minc", "Smallest cluster", p.min_cluster_size as f64, "1", "Clusters with fewer accounts are not reported") }
            </fieldset>
        </div>
    }
}
