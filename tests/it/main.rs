//! The one native integration-test binary (see STYLE.md): one module per feature, data in data/.

mod ingest_json;
mod ingest_stream;
