#!/usr/bin/env python3
"""Run coordination-network-toolkit 1.5.2 as a researcher would through its Python API.

Usage: run_toolkit.py INPUT.csv OUTDIR TYPE:WINDOW:MIN_WEIGHT[:SIMILARITY_THRESHOLD]...

Preprocesses INPUT.csv into OUTDIR/toolkit.db once, then for each TYPE:WINDOW:MIN_WEIGHT runs
the toolkit's compute function with the toolkit CLI's defaults (co_similar_tweet: similarity
threshold 0.8, minimum document size 1 token) and writes
OUTDIR/TYPE_WINDOW_MIN[_THRESHOLD].toolkit.csv with `output.output_gephi_csv` (its CLI's CSV export is
broken in 1.5.2). Prints `TYPE WINDOW MIN SECONDS` per network (preprocess as `preprocess`),
then `cpu - - SECONDS`: the CPU time of the whole process tree (this process, its reaped
children and the toolkit's worker processes still alive, read from /proc).
"""
import contextlib
import io
import os
import resource
import signal
import sys
import time

from coordination_network_toolkit import compute_networks as cn
from coordination_network_toolkit.output import output_gephi_csv
from coordination_network_toolkit.preprocess import preprocess_csv_files
from coordination_network_toolkit.similarity import get_similarity_fn_from_min_size


def compute(db, kind, window, min_weight, threads, threshold=0.8):
    if kind == "co_retweet":
        cn.compute_co_retweet_parallel(db, window, n_threads=threads, min_edge_weight=min_weight)
    elif kind == "co_tweet":
        cn.compute_co_tweet_network(db, window, min_edge_weight=min_weight, n_threads=threads)
    elif kind == "co_reply":
        cn.compute_co_reply_network(db, window, min_edge_weight=min_weight, n_threads=threads)
    elif kind == "co_link":
        cn.compute_co_link_network(db, window, n_threads=threads, min_edge_weight=min_weight)
    elif kind == "co_similar_tweet":
        cn.compute_co_similar_tweet(db, window, n_threads=threads, similarity_threshold=threshold,
                                    min_edge_weight=min_weight,
                                    similarity_function=get_similarity_fn_from_min_size(1))
    elif kind == "co_post":
        cn.compute_co_post_network(db, window, min_edge_weight=min_weight, n_threads=threads)
    else:
        raise SystemExit(f"unknown type {kind}")


def tree_cpu_seconds():
    """CPU seconds (user + system) of this process and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    pending = [os.getpid()]
    while pending:
        pid = pending.pop()
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                for kid in kids:
                    with open(f"/proc/{kid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    total += (int(fields[11]) + int(fields[12])) / tick
                    pending.append(kid)
        except OSError:
            pass
    return total


def main():
    src, outdir, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    threads = int(os.environ.get("TOOLKIT_THREADS", "2"))
    os.makedirs(outdir, exist_ok=True)
    db = os.path.join(outdir, "toolkit.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    quiet = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(quiet):
        preprocess_csv_files(db, [src])
    print(f"preprocess - - {time.perf_counter() - t:.3f}", flush=True)
    for spec in specs:
        kind, window, min_weight, *threshold = spec.split(":")
        t = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            compute(db, kind, int(window), int(min_weight), threads, *map(float, threshold))
        elapsed = time.perf_counter() - t
        name = "_".join([kind, window, min_weight, *threshold])
        output_gephi_csv(db, kind, os.path.join(outdir, f"{name}.toolkit.csv"))
        print(f"{kind} {window} {min_weight} {elapsed:.3f}", flush=True)
    print(f"cpu - - {tree_cpu_seconds():.3f}", flush=True)


def child_pids():
    kids = []
    try:
        for task in os.listdir(f"/proc/{os.getpid()}/task"):
            with open(f"/proc/{os.getpid()}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    # The toolkit never shuts down its process pools (one per compute), and the interpreter's
    # exit then complains about them on stderr. Everything is written: end the idle workers (they
    # would otherwise outlive us, holding our stdout open) and leave.
    for pid in child_pids():
        try:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        except OSError:
            pass
    os._exit(0)
