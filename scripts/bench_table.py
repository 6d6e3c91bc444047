#!/usr/bin/env python3
"""Turns EndToEndBench's JSON lines (stdin) into the markdown table of scripts/bench.sh (with
xent-page's ratio to DuckDB's bare scan, and the per-row methods' to xent-page, when both ran) and checks that every method agrees on mean
loss (1e-6 relative) and accuracy (exactly)."""
import json
import sys


def scaling(small_file, large_file):
    """10M vs 1M rows: each method's time ratio, which must be near 10 if cost is linear."""
    def load(path):
        with open(path) as f:
            return {r["method"]: r for r in map(json.loads, filter(str.strip, f))}

    def quotient(a, b):
        return "-" if a is None or b is None else f"{a / b:.1f}"
    small, large = load(small_file), load(large_file)
    print("Scaling, 10M vs 1M rows (10.0 = linear):\n")
    print("| method | cold 10M ÷ 1M | warm 10M ÷ 1M |")
    print("|---|---|---|")
    for method, r in large.items():
        if method in small:
            print(f"| {method} | {quotient(r['cold_seconds'], small[method]['cold_seconds'])} | "
                  f"{quotient(r['warm_seconds'], small[method]['warm_seconds'])} |")
    sys.exit(0)


def scaling_interleaved(classes, machine):
    """Every method on every data set in one JVM: warm seconds per million rows, and each data
    set's per-row time against the largest one's (1.00 = linear; issue 15 asks within 15%)."""
    results = [json.loads(line) for line in sys.stdin if line.strip()]
    rows = {}
    for r in results:
        # The data sets are bench.sh's rows-N-classes-C directories.
        n = int(r["path"].rstrip("/").split("/")[-1].split("-")[1])
        rows.setdefault(r["method"], []).append((n, r["warm_seconds"]))
    print(f"Scaling, {classes} float32 classes, local[*] on {machine}, "
          "warm passes interleaved in one JVM:\n")
    print("| method | rows | warm s | s per million rows | × the largest's per-row time |")
    print("|---|---|---|---|---|")
    for method, sets in rows.items():
        largest_n, largest_s = max(sets)
        for n, warm in sorted(sets):
            per_row = warm / n
            print(f"| {method} | {n:,} | {warm:.2f} | {per_row * 1e6:.3f} | "
                  f"{per_row / (largest_s / largest_n):.2f} |")
    sys.exit(0)


if sys.argv[1] == "--scaling":
    scaling(sys.argv[2], sys.argv[3])
if sys.argv[1] == "--scaling-interleaved":
    scaling_interleaved(sys.argv[2], sys.argv[3])

rows, classes, machine = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
results = [json.loads(line) for line in sys.stdin if line.strip()]
# Soft-label runs (scripts/bench.sh --soft) have scan-soft, the scan of both list columns.
base = next((r for r in results if r["method"] in ("scan", "scan-soft")), None)
mfloats = rows * classes / 1e6


def ratio(r, key):
    return f"{r[key] / base[key]:.2f}" if base and r[key] is not None else "-"


def seconds(value):
    return "-" if value is None else f"{value:.2f}"


def number(value, digits):
    return "-" if value is None else f"{value:.{digits}f}"


print(f"{rows:,} rows × {classes} float32 classes, local[*] on {machine}\n")
print("| method | cold s | warm s | warm M floats/s | cold × scan | warm × scan | mean loss | accuracy |")
print("|---|---|---|---|---|---|---|---|")
for r in results:
    print(f"| {r['method']} | {seconds(r['cold_seconds'])} | {r['warm_seconds']:.2f} | "
          f"{mfloats / r['warm_seconds']:.0f} | {ratio(r, 'cold_seconds')} | "
          f"{ratio(r, 'warm_seconds')} | {number(r['mean_loss'], 12)} | {number(r['accuracy'], 6)} |")

# Issue 15's goal: xent's page reader within DuckDB's bare scan of the same files (≤ 1.00×).
duck = next((r for r in results if r["method"] == "duckdb-scan"), None)
page = next((r for r in results if r["method"] == "xent-page"), None)
if duck and page:
    def versus(key):
        return "-" if page[key] is None or duck[key] is None else f"{page[key] / duck[key]:.2f}"
    print()
    print(f"xent-page × duckdb-scan: cold {versus('cold_seconds')}, warm {versus('warm_seconds')}")

# Issue 15's goal 2: per-row output on the page reader within 1.25× plain xent-page.
for per_row in ("xent-per-row", "xent-per-row-spark"):
    rows = next((r for r in results if r["method"] == per_row), None)
    if rows and page:
        def over_page(key):
            return "-" if page[key] is None or rows[key] is None else f"{rows[key] / page[key]:.2f}"
        print()
        print(f"{per_row} × xent-page: cold {over_page('cold_seconds')}, "
              f"warm {over_page('warm_seconds')}")

scored = [r for r in results if r["mean_loss"] is not None]
problems = []
# Sigmoid methods compute another loss than the softmax ones: each agrees within its family.
family = {r["method"]: "sigmoid" in r["method"] for r in scored}
for r in scored:
    ref = next(s for s in scored if family[s["method"]] == family[r["method"]])
    if ref is r:
        continue
    if abs(r["mean_loss"] - ref["mean_loss"]) > 1e-6 * abs(ref["mean_loss"]):
        problems.append(f"{r['method']} mean loss {r['mean_loss']} vs {ref['method']} {ref['mean_loss']}")
    if r["accuracy"] != ref["accuracy"]:
        problems.append(f"{r['method']} accuracy {r['accuracy']} vs {ref['method']} {ref['accuracy']}")
print()
print("agreement: " + ("every method agrees on mean loss and accuracy" if not problems
                       else "; ".join(problems)))
sys.exit(1 if problems else 0)
