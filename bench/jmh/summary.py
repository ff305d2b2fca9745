#!/usr/bin/env python3
"""Prints JMH JSON results (bench/jmh/run.sh) as one Markdown table: time and allocation per operation."""
import json
import sys


def fmt(x, digits=1):
    x = float(x)  # JMH writes "NaN" (a string) when it cannot compute an error
    return f"{x:,.{digits}f}" if x == x else "—"


def main(paths):
    print("| benchmark | params | time / op | ± (99.9 %) | alloc / op |")
    print("|---|---|---|---|---|")
    for path in paths:
        with open(path) as f:
            results = json.load(f)
        for r in results:
            name = ".".join(r["benchmark"].split(".")[-2:])
            params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
            pm = r["primaryMetric"]
            alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm") or r.get("secondaryMetrics", {}).get("·gc.alloc.rate.norm")
            alloc_text = f"{fmt(alloc['score'], 0)} B" if alloc else "—"
            print(f"| {name} | {params} | {fmt(pm['score'])} {pm['scoreUnit']} | {fmt(pm['scoreError'])} | {alloc_text} |")


if __name__ == "__main__":
    main(sys.argv[1:])
