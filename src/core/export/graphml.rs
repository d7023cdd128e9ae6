//! `network.graphml`: GraphML of the coordination network (networkx, igraph, Gephi, yEd).
//!
//! Same nodes and edges as `network.gexf`; every attribute declared with a `<key>`. Node id =
//! account id (made XML-safe, see `node_ids`). A node outside any cluster has no `cluster`
//! value (GraphML's "missing"), not a made-up number.

use super::*;

/// (key id, for, attr.name, attr.type) of every attribute.
const KEYS: [(&str, &str, &str, &str); 13] = [
    ("chorus_version", "graph", "chorus_version", "string"),
    ("detect_params", "graph", "detect_params", "string"),
    ("inputs", "graph", "inputs", "string"),
    ("label", "node", "label", "string"),
    ("account_id", "node", "account_id", "string"),
    ("screen_name", "node", "screen_name", "string"),
    ("role", "node", "role", "string"),
    ("cluster", "node", "cluster", "int"),
    ("score", "node", "score", "double"),
    ("posts", "node", "posts", "int"),
    ("weight", "edge", "weight", "double"),
    ("n_objects", "edge", "n_objects", "int"),
    ("methods", "edge", "methods", "string"),
];

/// Write `network.graphml`. Graph-level data carry the provenance: `chorus_version`,
/// `detect_params` and `inputs` (JSON strings; networkx puts them in `G.graph`).
pub fn graphml(ds: &Dataset, an: &Analysis, run: &RunInfo, w: &mut impl Write) -> io::Result<()> {
    let GraphNodes { nodes, ids, pos, posts } = GraphNodes::new(ds, an);
    let mut b = String::with_capacity(1 << 16);
    b.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" ",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ",
        "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns ",
        "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
        "  <!-- Chorus "
    ));
    b.push_str(env!("CARGO_PKG_VERSION"));
    b.push_str(": coordination network, flagged accounts and co-action edges -->\n");
    for (id, target, name, ty) in KEYS {
        b.push_str(&format!("  <key id=\"{id}\" for=\"{target}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>\n"));
    }
    b.push_str("  <graph id=\"chorus\" edgedefault=\"undirected\">\n");
    let (version, params, inputs) = provenance(an, run);
    for (key, value) in [("chorus_version", &version), ("detect_params", &params), ("inputs", &inputs)] {
        b.push_str("  ");
        data(&mut b, key, value);
    }
    for (&i, id) in nodes.iter().zip(&ids) {
        let iu = i as usize;
        let account_id = ds.accounts.ids.resolve(i);
        let screen = ds.accounts.screen_name.get(iu).map_or("", |s| s);
        b.push_str("    <node id=\"");
        xml_attr(&mut b, id);
        b.push_str("\">\n");
        data(&mut b, "label", if screen.is_empty() { account_id } else { screen });
        data(&mut b, "account_id", account_id);
        data(&mut b, "screen_name", screen);
        data(&mut b, "role", role_of(an, iu).as_str());
        if let Some(c) = cluster_of(an, iu) {
            data(&mut b, "cluster", &c.to_string());
        }
        let score = num32(verdict(an, iu).map_or(0.0, |v| v.score));
        if !score.is_empty() {
            data(&mut b, "score", &score);
        }
        data(&mut b, "posts", &posts[iu].to_string());
        b.push_str("    </node>\n");
        if b.len() > 1 << 16 {
            flush(w, &mut b)?;
        }
    }
    for e in valid_edges(ds, an) {
        let (sa, sb) = (pos[e.lo as usize], pos[e.hi as usize]);
        let e = e.edge;
        b.push_str("    <edge source=\"");
        xml_attr(&mut b, &ids[sa as usize]);
        b.push_str("\" target=\"");
        xml_attr(&mut b, &ids[sb as usize]);
        b.push_str("\">\n");
        let weight = num32(e.weight);
        if !weight.is_empty() {
            data(&mut b, "weight", &weight);
        }
        data(&mut b, "n_objects", &e.n_objects.to_string());
        data(&mut b, "methods", &method_names(e.methods));
        b.push_str("    </edge>\n");
        if b.len() > 1 << 16 {
            flush(w, &mut b)?;
        }
    }
    b.push_str("  </graph>\n</graphml>\n");
    flush(w, &mut b)
}

fn data(b: &mut String, key: &str, value: &str) {
    b.push_str("      <data key=\"");
    b.push_str(key);
    b.push_str("\">");
    xml_text(b, value);
    b.push_str("</data>\n");
}
