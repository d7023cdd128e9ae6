#!/usr/bin/env python3
"""Validate a `chorus analyze --out DIR` directory with the readers researchers use.

Loads network.gexf and network.graphml with networkx, every CSV with pandas, report.json with
json, and checks columns, dtypes and consistency between the files:
  - accounts.csv has the contract columns first and exactly one row per account
    (report.json counts.accounts), unique ids, valid roles/clusters/scores;
  - clusters.csv / edges.csv have their columns, numeric dtypes, and the row counts of report.json;
  - the graphs hold the flagged accounts plus every account in an edge, and the edges of edges.csv;
    network.graphml carries the same version, parameters and input fingerprints as report.json;
  - no CSV text cell can start a spreadsheet formula; no control characters but tab/CR/LF.
Exits 1 with one line per failure, 0 when all checks pass.
Usage: python scripts/validate-exports.py DIR [--min-flagged N]
"""
import csv
import json
import math
import re
import sys
from pathlib import Path

import networkx as nx
import pandas as pd

ACCOUNT_COLUMNS = ["account_id", "screen_name", "role", "cluster", "score", "reasons"]
EDGE_COLUMNS = ["source", "target", "weight", "n_objects", "methods"]
CLUSTER_NUMERIC = {
    "cluster": "int", "size": "int", "n_core": "int", "n_amplifiers": "int", "n_posts": "int",
    "strength": "float", "density": "float", "median_boost_delay_s": "float", "echo_share": "float",
    "implied_utc_offset": "float",
}
ROLES = {"core", "amplifier", "unflagged"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BAD_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FILES = ["accounts.csv", "clusters.csv", "edges.csv", "network.gexf", "network.graphml", "report.json"]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def neutralised(s):
    """What the CSV writer makes of a text value: control chars as U+FFFD, formula prefix."""
    s = BAD_CONTROL.sub("\ufffd", s)
    return "'" + s if s.startswith(FORMULA_START) else s


def read_text_csv(path):
    """Rows as lists of raw strings (the stdlib reader, RFC 4180 quoting)."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def numeric_columns(df, name, spec):
    for col, kind in spec.items():
        if not check(col in df.columns, f"{name}: missing column {col}"):
            continue
        s = df[col]
        if kind == "int":
            check(pd.api.types.is_integer_dtype(s), f"{name}.{col}: dtype {s.dtype}, expected integers")
        else:
            check(pd.api.types.is_numeric_dtype(s), f"{name}.{col}: dtype {s.dtype}, expected numbers")


def check_no_formulas(name, rows, numeric):
    header, body = rows[0], rows[1:]
    for r, row in enumerate(body, start=2):
        if not check(len(row) == len(header), f"{name} row {r}: {len(row)} fields, header has {len(header)}"):
            continue
        for col, cell in zip(header, row):
            if BAD_CONTROL.search(cell):
                check(False, f"{name} row {r} {col}: control character in {cell!r}")
            if cell.startswith(FORMULA_START):
                is_number = col in numeric and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", cell)
                check(bool(is_number), f"{name} row {r} {col}: cell starts a formula: {cell!r}")


def main(out, min_flagged=0):
    out = Path(out)
    for f in FILES:
        check((out / f).is_file(), f"missing {f}")
    if failures:
        return

    # report.json
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for key in ["chorus_version", "params", "inputs", "ingest", "counts", "methods", "warnings"]:
        check(key in report, f"report.json: missing {key}")
    params = report.get("params", {})
    for key in ["methods", "min_repetitions", "min_edge_weight", "max_pairs", "similarity_threshold",
                "resolution", "min_cluster_size", "seed"]:
        check(key in params, f"report.json: params.{key} missing")
    for inp in report.get("inputs", []):
        check(re.fullmatch(r"[0-9a-f]{64}", inp.get("sha256", "")) is not None,
              f"report.json: input {inp.get('path')} has no SHA-256")
        check(isinstance(inp.get("bytes"), int), f"report.json: input {inp.get('path')} has no byte size")
    counts = report.get("counts", {})

    # accounts.csv
    accounts = pd.read_csv(out / "accounts.csv", dtype={"account_id": str, "screen_name": str, "reasons": str},
                           keep_default_na=False, na_values={"cluster": [""], "score": [""]})
    check(list(accounts.columns[:6]) == ACCOUNT_COLUMNS,
          f"accounts.csv: columns {list(accounts.columns[:6])}, expected {ACCOUNT_COLUMNS}")
    check(len(accounts) == counts.get("accounts"),
          f"accounts.csv: {len(accounts)} rows, report.json counts {counts.get('accounts')} accounts")
    check(accounts["account_id"].is_unique, "accounts.csv: account ids are not unique")
    check(set(accounts["role"]) <= ROLES, f"accounts.csv: roles {set(accounts['role']) - ROLES}")
    check(pd.api.types.is_numeric_dtype(accounts["score"]), f"accounts.csv: score dtype {accounts['score'].dtype}")
    check(accounts["score"].between(0, 1).all(), "accounts.csv: score outside 0..1")
    cl = accounts["cluster"].dropna()
    check(pd.api.types.is_numeric_dtype(accounts["cluster"]) and (cl == cl.round()).all(),
          f"accounts.csv: cluster is not an integer column ({accounts['cluster'].dtype})")
    flagged = accounts[accounts["role"] != "unflagged"]
    check(len(flagged) >= min_flagged,
          f"accounts.csv: {len(flagged)} flagged accounts, expected at least {min_flagged} "
          "(without them the cluster and graph checks prove little)")
    check(flagged["cluster"].notna().all(), "accounts.csv: a flagged account has no cluster")
    for role, key in [("core", "core"), ("amplifier", "amplifiers"), ("unflagged", "unflagged")]:
        n = int((accounts["role"] == role).sum())
        check(n == counts.get(key), f"accounts.csv: {n} {role}, report.json says {counts.get(key)}")
    for col in ["posts", "retweets"]:
        if col in accounts.columns:
            check(pd.api.types.is_integer_dtype(accounts[col]), f"accounts.csv.{col}: dtype {accounts[col].dtype}")

    # clusters.csv
    clusters = pd.read_csv(out / "clusters.csv", keep_default_na=False,
                           na_values={c: [""] for c in CLUSTER_NUMERIC})
    check(len(clusters) == counts.get("clusters"),
          f"clusters.csv: {len(clusters)} rows, report.json counts {counts.get('clusters')}")
    if len(clusters):
        numeric_columns(clusters, "clusters.csv", CLUSTER_NUMERIC)
        check(clusters["cluster"].is_unique, "clusters.csv: cluster ids are not unique")
        unknown = set(cl.astype(int)) - set(clusters["cluster"].astype(int))
        check(not unknown, f"accounts.csv: clusters {sorted(unknown)} not in clusters.csv")
    else:
        check(cl.empty, "accounts.csv: clusters given but clusters.csv is empty")

    # edges.csv
    edges = pd.read_csv(out / "edges.csv", dtype={"source": str, "target": str, "methods": str},
                        keep_default_na=False)
    check(list(edges.columns) == EDGE_COLUMNS, f"edges.csv: columns {list(edges.columns)}, expected {EDGE_COLUMNS}")
    check(len(edges) == counts.get("edges"), f"edges.csv: {len(edges)} rows, report.json counts {counts.get('edges')}")
    if len(edges):
        check(pd.api.types.is_numeric_dtype(edges["weight"]), f"edges.csv: weight dtype {edges['weight'].dtype}")
        check(pd.api.types.is_integer_dtype(edges["n_objects"]), f"edges.csv: n_objects dtype {edges['n_objects'].dtype}")
    ids = set(accounts["account_id"])
    ends = set(edges["source"]) | set(edges["target"])
    check(ends <= ids, f"edges.csv: {len(ends - ids)} endpoints are not in accounts.csv")

    # CSV text cells
    check_no_formulas("accounts.csv", read_text_csv(out / "accounts.csv"),
                      {"cluster", "score", "posts", "retweets", "followers", "following"})
    check_no_formulas("clusters.csv", read_text_csv(out / "clusters.csv"), set(CLUSTER_NUMERIC))
    check_no_formulas("edges.csv", read_text_csv(out / "edges.csv"), {"weight", "n_objects"})

    # graphs: flagged accounts + every account in an edge
    expected_nodes = set(flagged["account_id"]) | ends
    edge_weights = {frozenset((s, t)): w for s, t, w in zip(edges["source"], edges["target"], edges["weight"])}
    for name, reader in [("network.gexf", nx.read_gexf), ("network.graphml", nx.read_graphml)]:
        try:
            g = reader(out / name)
        except Exception as e:  # any reader error is a failure of our file
            check(False, f"{name}: {type(e).__name__}: {e}")
            continue
        check(not g.is_directed(), f"{name}: graph is directed")
        if name == "network.graphml":
            check(g.graph.get("chorus_version") == report.get("chorus_version"),
                  f"{name}: chorus_version {g.graph.get('chorus_version')!r} differs from report.json")
            try:
                check(json.loads(g.graph.get("detect_params", "null")) == report.get("params"),
                      f"{name}: detect_params differ from report.json params")
                check(json.loads(g.graph.get("inputs", "null")) == report.get("inputs"),
                      f"{name}: inputs differ from report.json inputs")
            except ValueError as e:
                check(False, f"{name}: graph provenance is not JSON: {e}")
        check(g.number_of_nodes() == len(expected_nodes),
              f"{name}: {g.number_of_nodes()} nodes, expected {len(expected_nodes)}")
        check(g.number_of_edges() == len(edges), f"{name}: {g.number_of_edges()} edges, edges.csv has {len(edges)}")
        node_account = {}
        for n, a in g.nodes(data=True):
            check(a.get("role") in ROLES, f"{name}: node {n!r} role {a.get('role')!r}")
            if "cluster" in a:
                check(isinstance(a["cluster"], int), f"{name}: node {n!r} cluster {a['cluster']!r} is not an integer")
            check(isinstance(a.get("posts"), int), f"{name}: node {n!r} posts {a.get('posts')!r}")
            node_account[n] = neutralised(str(a.get("account_id", n)))
        check(set(node_account.values()) == expected_nodes,
              f"{name}: node accounts differ from accounts.csv/edges.csv "
              f"({len(set(node_account.values()) ^ expected_nodes)} differ)")
        for s, t, a in g.edges(data=True):
            w = a.get("weight")
            check(isinstance(w, float) and math.isfinite(w), f"{name}: edge {s!r}-{t!r} weight {w!r}")
            key = frozenset((node_account.get(s), node_account.get(t)))
            if check(key in edge_weights, f"{name}: edge {s!r}-{t!r} not in edges.csv"):
                check(abs(edge_weights[key] - w) <= 1e-6 * max(1.0, abs(w)),
                      f"{name}: edge {s!r}-{t!r} weight {w} but {edge_weights[key]} in edges.csv")


if __name__ == "__main__":
    args = sys.argv[1:]
    min_flagged = 0
    if len(args) == 3 and args[1] == "--min-flagged" and args[2].isdigit():
        min_flagged = int(args[2])
        args = args[:1]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    main(args[0], min_flagged)
    if failures:
        for f in failures:
            print(f"validate-exports: {sys.argv[1]}: {f}", file=sys.stderr)
        sys.exit(1)
    print(f"validate-exports: {sys.argv[1]}: all checks passed")
