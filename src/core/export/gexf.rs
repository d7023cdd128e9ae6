//! `network.gexf`: GEXF 1.3 (Gephi's native format) of the coordination network.
//!
//! Nodes are the flagged accounts and every account in an edge; node id = account id (made
//! XML-safe, see `node_ids`), label = screen name (or id). Node attributes: `account_id`,
//! `screen_name`, `role`, `cluster` (absent when none), `score`, `posts`. Edges are undirected
//! and weighted, with `n_objects` and `methods`. Nodes are coloured by role (`viz:color`) so the
//! file reads at a glance in Gephi.

use super::*;

/// Write `network.gexf`. The `<meta>` description carries the provenance (version, detection
/// parameters, input fingerprints).
pub fn gexf(ds: &Dataset, an: &Analysis, run: &RunInfo, w: &mut impl Write) -> io::Result<()> {
    let GraphNodes { nodes, ids, pos, posts } = GraphNodes::new(ds, an);
    let mut b = String::with_capacity(1 << 16);
    b.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<gexf xmlns=\"http://gexf.net/1.3\" xmlns:viz=\"http://gexf.net/1.3/viz\" ",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ",
        "xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" version=\"1.3\">\n",
        "  <meta>\n    <creator>Chorus "
    ));
    b.push_str(env!("CARGO_PKG_VERSION"));
    let (_, params, inputs) = provenance(an, run);
    b.push_str("</creator>\n    <keywords>coordination network, Chorus</keywords>\n");
    b.push_str("    <description>Coordination network: flagged accounts and co-action edges. params=");
    xml_text(&mut b, &params);
    b.push_str(" inputs=");
    xml_text(&mut b, &inputs);
    b.push_str("</description>\n");
    b.push_str(concat!(
        "  </meta>\n",
        "  <graph defaultedgetype=\"undirected\" mode=\"static\">\n",
        "    <attributes class=\"node\" mode=\"static\">\n",
        "      <attribute id=\"account_id\" title=\"account_id\" type=\"string\"/>\n",
        "      <attribute id=\"screen_name\" title=\"screen_name\" type=\"string\"/>\n",
        "      <attribute id=\"role\" title=\"role\" type=\"string\"/>\n",
        "      <attribute id=\"cluster\" title=\"cluster\" type=\"integer\"/>\n",
        "      <attribute id=\"score\" title=\"score\" type=\"float\"/>\n",
        "      <attribute id=\"posts\" title=\"posts\" type=\"integer\"/>\n",
        "    </attributes>\n",
        "    <attributes class=\"edge\" mode=\"static\">\n",
        "      <attribute id=\"n_objects\" title=\"n_objects\" type=\"integer\"/>\n",
        "      <attribute id=\"methods\" title=\"methods\" type=\"string\"/>\n",
        "    </attributes>\n",
        "    <nodes>\n"
    ));
    for (&i, id) in nodes.iter().zip(&ids) {
        let iu = i as usize;
        let account_id = ds.accounts.ids.resolve(i);
        let screen = ds.accounts.screen_name.get(iu).map_or("", |s| s);
        let label = if screen.is_empty() { account_id } else { screen };
        b.push_str("      <node id=\"");
        xml_attr(&mut b, id);
        b.push_str("\" label=\"");
        xml_attr(&mut b, label);
        b.push_str("\">\n        <attvalues>\n");
        attvalue(&mut b, "account_id", account_id);
        attvalue(&mut b, "screen_name", screen);
        attvalue(&mut b, "role", role_of(an, iu).as_str());
        if let Some(c) = cluster_of(an, iu) {
            attvalue(&mut b, "cluster", &c.to_string());
        }
        let score = verdict(an, iu).map_or(0.0, |v| v.score);
        let score = num32(score);
        if !score.is_empty() {
            attvalue(&mut b, "score", &score);
        }
        attvalue(&mut b, "posts", &posts[iu].to_string());
        b.push_str("        </attvalues>\n");
        let (r, g, bl) = role_color(role_of(an, iu));
        b.push_str(&format!("        <viz:color r=\"{r}\" g=\"{g}\" b=\"{bl}\"/>\n      </node>\n"));
        if b.len() > 1 << 16 {
            flush(w, &mut b)?;
        }
    }
    b.push_str("    </nodes>\n    <edges>\n");
    for (k, e) in valid_edges(ds, an).into_iter().enumerate() {
        let (sa, sb) = (pos[e.lo as usize], pos[e.hi as usize]);
        let e = e.edge;
        b.push_str(&format!("      <edge id=\"{k}\" source=\""));
        xml_attr(&mut b, &ids[sa as usize]);
        b.push_str("\" target=\"");
        xml_attr(&mut b, &ids[sb as usize]);
        b.push('"');
        let weight = num32(e.weight);
        if !weight.is_empty() {
            b.push_str(&format!(" weight=\"{weight}\""));
        }
        b.push_str(">\n        <attvalues>\n");
        attvalue(&mut b, "n_objects", &e.n_objects.to_string());
        attvalue(&mut b, "methods", &method_names(e.methods));
        b.push_str("        </attvalues>\n      </edge>\n");
        if b.len() > 1 << 16 {
            flush(w, &mut b)?;
        }
    }
    b.push_str("    </edges>\n  </graph>\n</gexf>\n");
    flush(w, &mut b)
}

/// Node colour in Gephi by role: core red, amplifiers orange, unflagged grey.
fn role_color(role: Role) -> (u8, u8, u8) {
    match role {
        Role::Core => (214, 39, 40),
        Role::Amplifier => (255, 127, 14),
        Role::Unflagged => (160, 160, 160),
    }
}

fn attvalue(b: &mut String, key: &str, value: &str) {
    b.push_str("          <attvalue for=\"");
    b.push_str(key);
    b.push_str("\" value=\"");
    xml_attr(b, value);
    b.push_str("\"/>\n");
}
