#!/usr/bin/env python3
"""Load a `synack sweep` output directory for analysis: runs.csv, cdf.csv and the traces.

Usage:  python3 examples/analysis/load.py SWEEP_DIR

Needs only the standard library (csv, gzip, json). When pandas is installed, `load_frames` also
gives DataFrames. Printed: how to reproduce the sweep, then per grid point the number of runs,
the teardown study (clean-close rate, median teardown time, TIME_WAIT) and the goodput study
(mean goodput, median transfer time), then what the kept traces hold.

Columns are described in packages/cli/README.md ("runs.csv", "cdf.csv"). Empty cells mean "this
run has no such value" (no teardown, no data): they load as None here, NaN in pandas.
"""
import csv
import gzip
import json
import os
import statistics
import sys
from collections import defaultdict


def number(text):
    """A CSV cell as int/float, None when empty, the text itself otherwise."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def read_csv(path):
    """Rows of a synack CSV as dicts, numbers converted."""
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: number(v) for k, v in row.items()} for row in csv.DictReader(f)]


def load_runs(sweep_dir):
    """runs.csv: one dict per run (point, seed, settings, metrics, repro)."""
    return read_csv(os.path.join(sweep_dir, "runs.csv"))


def load_cdf(sweep_dir):
    """cdf.csv as {(point, metric): [(value, cdf), ...]} (a step function, values ascending)."""
    steps = defaultdict(list)
    for row in read_csv(os.path.join(sweep_dir, "cdf.csv")):
        steps[(row["point"], row["metric"])].append((row["value"], row["cdf"]))
    return dict(steps)


def load_traces(sweep_dir):
    """{(point, seed): [event, ...]} from traces/point-P-seed-S.jsonl.gz (sweep --traces)."""
    traces = {}
    folder = os.path.join(sweep_dir, "traces")
    if not os.path.isdir(folder):
        return traces
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".jsonl.gz"):
            continue
        # point-P-seed-S.jsonl.gz
        parts = name[: -len(".jsonl.gz")].split("-")
        point, seed = int(parts[1]), int(parts[3])
        with gzip.open(os.path.join(folder, name), "rt", encoding="utf-8") as f:
            traces[(point, seed)] = [json.loads(line) for line in f if line.strip()]
    return traces


def load_frames(sweep_dir):
    """runs.csv and cdf.csv as pandas DataFrames (None, None without pandas)."""
    try:
        import pandas as pd
    except ImportError:
        return None, None
    return pd.read_csv(os.path.join(sweep_dir, "runs.csv")), pd.read_csv(os.path.join(sweep_dir, "cdf.csv"))


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def mean_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def fmt(x, digits=0):
    return "-" if x is None else f"{x:.{digits}f}"


def main(sweep_dir):
    with open(os.path.join(sweep_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    print(f"reproduce with: {config['command']}")
    runs = load_runs(sweep_dir)
    by_point = defaultdict(list)
    for run in runs:
        by_point[run["point"]].append(run)
    print("point  profile  loss  runs  clean  teardown_ms(median)  time_wait_ms(median)  goodput_Bps(mean)  transfer_ms(median)")
    for point, rows in sorted(by_point.items()):
        clean = sum(1 for r in rows if r["clean"] == 1) / len(rows)
        print(
            f"{point:<6} {rows[0]['profile']:<8} {rows[0]['loss']:<5} {len(rows):<5} {clean:6.1%}  "
            f"{fmt(median_or_none(r['teardown_ms'] for r in rows)):>19}  "
            f"{fmt(median_or_none(r['time_wait_ms'] for r in rows)):>20}  "
            f"{fmt(mean_or_none(r['goodput_Bps'] for r in rows)):>17}  "
            f"{fmt(median_or_none(r['transfer_ms'] for r in rows)):>19}"
        )
    cdf = load_cdf(sweep_dir)
    metrics = sorted({metric for _, metric in cdf})
    print(f"cdf.csv: {len(cdf)} step functions over {', '.join(metrics)}")
    traces = load_traces(sweep_dir)
    events = sum(len(t) for t in traces.values())
    print(f"traces: {len(traces)} runs, {events} events")
    for (point, seed), trace in list(traces.items())[:1]:
        kinds = sorted({e["kind"] for e in trace})
        print(f"  point {point} seed {seed}: {len(trace)} events of kinds {', '.join(kinds)}")
    runs_frame, _ = load_frames(sweep_dir)
    if runs_frame is not None:
        print(f"pandas: runs {runs_frame.shape}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: load.py SWEEP_DIR")
    main(sys.argv[1])
