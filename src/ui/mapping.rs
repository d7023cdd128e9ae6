//! The column mapping of an unknown CSV, remembered per header name in localStorage. Only the
//! mapping (header name -> Chorus field) is stored, never any data.

use crate::core::ingest::ColumnMapping;
use std::collections::BTreeMap;

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
