//! The column mapping of an unknown CSV: the form both tabs show ([`MappingForm`]), and the
//! choices remembered per header name in localStorage. Only the mapping (header name -> Chorus
//! field) is stored, never any data.

use crate::core::ingest::sniff::Sniffed;
use crate::core::ingest::ColumnMapping;
use crate::protocol::FilePreview;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The Chorus fields a column can be mapped to: (key, label, required).
pub const FIELDS: [(&str, &str, bool); 11] = [
    ("account", "Account id", true),
    ("screen_name", "Screen name", false),
    ("time", "Time", true),
    ("post_id", "Post id", false),
    ("repost_of", "Repost of (post id)", false),
    ("reply_to", "Reply to (post id)", false),
    ("quoted", "Quoted (post id)", false),
    ("text", "Text", false),
    ("urls", "URLs", false),
    ("hashtags", "Hashtags", false),
    ("mentions", "Mentions", false),
];

const STORAGE_KEY: &str = "chorus.column-mapping.v1";

pub fn get(m: &ColumnMapping, field: &str) -> Option<String> {
    match field {
        "account" => m.account.clone(),
        "screen_name" => m.screen_name.clone(),
        "time" => m.time.clone(),
        "post_id" => m.post_id.clone(),
        "repost_of" => m.repost_of.clone(),
        "reply_to" => m.reply_to.clone(),
        "quoted" => m.quoted.clone(),
        "text" => m.text.clone(),
        "urls" => m.urls.clone(),
        "hashtags" => m.hashtags.clone(),
        "mentions" => m.mentions.clone(),
        _ => None,
    }
}

pub fn set(m: &mut ColumnMapping, field: &str, header: Option<String>) {
    let slot = match field {
        "account" => &mut m.account,
        "screen_name" => &mut m.screen_name,
        "time" => &mut m.time,
        "post_id" => &mut m.post_id,
        "repost_of" => &mut m.repost_of,
        "reply_to" => &mut m.reply_to,
        "quoted" => &mut m.quoted,
        "text" => &mut m.text,
        "urls" => &mut m.urls,
        "hashtags" => &mut m.hashtags,
        "mentions" => &mut m.mentions,
        _ => return,
    };
    *slot = header;
}

/// Apply remembered choices (header -> field) to a guess, for headers present in this file.
pub fn apply_remembered(
    mut guess: ColumnMapping,
    headers: &[String],
    remembered: &BTreeMap<String, String>,
) -> ColumnMapping {
    for h in headers {
        if let Some(field) = remembered.get(h) {
            if field.is_empty() {
                continue;
            }
            set(&mut guess, field, Some(h.clone()));
        }
    }
    guess
}

/// The header -> field pairs of a mapping.
pub fn to_pairs(m: &ColumnMapping) -> BTreeMap<String, String> {
    FIELDS.iter().filter_map(|(f, _, _)| get(m, f).map(|h| (h, f.to_string()))).collect()
}

/// Missing required fields, by label.
pub fn missing_required(m: &ColumnMapping) -> Vec<&'static str> {
    FIELDS.iter().filter(|(f, _, req)| *req && get(m, f).is_none()).map(|(_, l, _)| *l).collect()
}

#[cfg(target_arch = "wasm32")]
pub fn load() -> BTreeMap<String, String> {
    use gloo::storage::{LocalStorage, Storage};
    LocalStorage::get(STORAGE_KEY).unwrap_or_default()
}

#[cfg(target_arch = "wasm32")]
pub fn remember(m: &ColumnMapping) {
    use gloo::storage::{LocalStorage, Storage};
    let mut all = load();
    all.extend(to_pairs(m));
    let _ = LocalStorage::set(STORAGE_KEY, all);
}

/// The first file of `previews` that needs a mapping: a CSV whose header names no known format.
pub fn unknown_csv(previews: &[FilePreview]) -> Option<&FilePreview> {
    previews.iter().find(|p| matches!(p.sniffed, Sniffed::Csv { format: None, .. }) && p.csv.is_some())
}

/// The mapping the form starts from when one of `previews` needs one: the guess from its header
/// with the choices remembered in this browser applied; `None` when every file is a known format.
pub fn initial(previews: &[FilePreview]) -> Option<ColumnMapping> {
    let p = unknown_csv(previews)?;
    let headers = p.csv.as_ref().map(|c| c.headers.clone()).unwrap_or_default();
    Some(apply_remembered(p.guess.clone().unwrap_or_default(), &headers, &load()))
}

#[derive(Properties, PartialEq)]
pub struct MappingFormProps {
    /// What the worker said the chosen files are (the form maps the first unknown CSV's header).
    pub previews: Rc<Vec<FilePreview>>,
    pub mapping: ColumnMapping,
    /// The mapping after each choice.
    pub on_change: Callback<ColumnMapping>,
    /// "Read with this mapping" (only enabled once the required fields are mapped; the mapping is
    /// remembered before this is emitted).
    pub on_confirm: Callback<ColumnMapping>,
    pub on_cancel: Callback<()>,
    /// Said after the file name in the title (e.g. the dataset it is for).
    #[prop_or_default]
    pub context: Option<AttrValue>,
}

/// The column-mapping form of an unknown CSV: a select per Chorus field, the file's first rows,
/// what is still required; shared by the workspace and the link tab.
#[function_component(MappingForm)]
pub fn mapping_form(props: &MappingFormProps) -> Html {
    let Some(p) = unknown_csv(&props.previews) else { return html! {} };
    let Some(csv) = &p.csv else { return html! {} };
    let mapping = &props.mapping;
    let missing = missing_required(mapping);
    let onconfirm = {
        let (m, cb) = (mapping.clone(), props.on_confirm.clone());
        Callback::from(move |_: MouseEvent| {
            if missing_required(&m).is_empty() {
                remember(&m);
                cb.emit(m.clone());
            }
        })
    };
    let oncancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <section class="panel mapping" data-testid="column-mapping">
            <h2>{"Map the columns of "}<span class="mono">{&p.name}</span>{ props.context.as_ref().map(|c| format!(" {c}")).unwrap_or_default() }</h2>
            <p class="hint">{"This CSV's header does not match a known format. Tell Chorus which column holds what; the choice is remembered in this browser for files with the same column names (only the mapping is stored, never data)."}</p>
            <div class="mapping-grid">
                { for FIELDS.iter().map(|(field, label, required)| {
                    let field: &'static str = field;
                    let current = get(mapping, field);
                    let (m, cb) = (mapping.clone(), props.on_change.clone());
                    let onchange = Callback::from(move |e: Event| {
                        let Some(sel) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
                        let v = sel.value();
                        let mut m = m.clone();
                        set(&mut m, field, (!v.is_empty()).then_some(v));
                        cb.emit(m);
                    });
                    html! {
                        <label class="map-field">
                            <span>{*label}{ if *required { " *" } else { "" } }</span>
                            <select {onchange}>
                                <option value="" selected={current.is_none()}>{"— not in this file —"}</option>
                                { for csv.headers.iter().map(|h| html! {
                                    <option value={h.clone()} selected={current.as_deref() == Some(h.as_str())}>{h}</option>
                                }) }
                            </select>
                        </label>
                    }
                }) }
            </div>
            <div class="table-wrap">
                <table class="table preview">
                    <thead><tr>{ for csv.headers.iter().map(|h| html!{ <th>{h}</th> }) }</tr></thead>
                    <tbody>
                        { for csv.rows.iter().map(|r| html!{ <tr>{ for r.iter().map(|c| html!{ <td>{super::truncate(c, 80)}</td> }) }</tr> }) }
                    </tbody>
                </table>
            </div>
            if !missing.is_empty() {
                <p class="warning">{format!("Required: {}", missing.join(", "))}</p>
            }
            <div class="actions">
                <button class="button" data-testid="mapping-confirm" disabled={!missing.is_empty()} onclick={onconfirm}>{"Read with this mapping"}</button>
                <button class="button secondary" data-testid="mapping-cancel" onclick={oncancel}>{"Cancel"}</button>
            </div>
        </section>
    }
}
