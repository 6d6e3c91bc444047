#!/usr/bin/env python3
"""Writes the golden metrics.json files of the job tests from an independent source: mpmath at
60 digits over the exact binary values of the test inputs (float32 inputs are rounded to float32
first, as Spark stores them). The Java tests build the same datasets and compare: counts and
strings exactly, numbers within 1e-13 relative.

    python3 scripts/reference/golden_metrics.py   # rewrites job/src/test/resources/golden/
"""
import json
import math
import os
import struct

from mpmath import mp, mpf, exp, log

mp.dps = 60
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "job", "src", "test", "resources", "golden")
INF = float("inf")
NAN = float("nan")
REASONS = ["null_input", "empty_logits", "nan_logit", "posinf_logit", "all_masked",
           "length_mismatch", "nan_label", "label_not_integer", "label_out_of_range",
           "negative_probability", "not_a_distribution", "target_out_of_range"]


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def lse(z):
    finite = [mpf(v) for v in z if v != -INF]
    m = max(finite)
    return m + log(sum(exp(v - m) for v in finite))


def argmax(z):
    return max(range(len(z)), key=lambda i: (z[i], -i))


def sparse(z, y):
    return INF if z[y] == -INF else lse(z) - mpf(z[y])


def dense(z, p):
    total = mpf(0)
    for zj, pj in zip(z, p):
        if pj != 0:
            total += INF if zj == -INF else mpf(pj) * (lse(z) - mpf(zj))
    return total


def sigmoid_row(z, t):
    # −[t·log σ(z) + (1−t)·log(1−σ(z))] with log σ(z) = −log(1+e^−z), log(1−σ(z)) = −log(1+e^z).
    return sum(mpf(tj) * log(1 + exp(-mpf(zj))) + (1 - mpf(tj)) * log(1 + exp(mpf(zj)))
               for zj, tj in zip(z, t))


def number(x):
    if x == INF or x == mpf("inf"):
        return "Infinity"
    return float(x)


def metrics(name, losses, correct, invalid, softmax, extra):
    scored = len(losses)
    rows = scored + sum(invalid.values())
    infinite = sum(1 for l in losses if l == INF)
    finite = [l for l in losses if l != INF]
    mean = INF if infinite else sum(finite) / scored
    doc = {
        "rows": rows,
        "rows_scored": scored,
        "rows_invalid": rows - scored,
        "invalid_by_reason": {r: invalid.get(r, 0) for r in REASONS},
        "rows_infinite_loss": infinite,
        "mean_loss": number(mean),
    }
    if softmax:
        doc["accuracy"] = float(mpf(sum(correct)) / scored)
    doc["perplexity"] = number(INF if infinite else exp(mean))
    doc["log_mean_true_prob"] = float(log(sum(exp(-l) for l in finite) / scored))
    doc.update(extra)
    doc.update({"reader": "<any>", "reader_reason": "<any>", "master": "<any>",
                "elapsed_seconds": "<any>", "spark_version": "4.1.0",
                "xent_version": "<any>", "input": "<any>"})
    with open(os.path.join(OUT, name + ".metrics.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def softmax_case(name, rows, fmt="parquet", invalid=None):
    losses, correct = [], []
    for z, y in rows:
        losses.append(sparse(z, y))
        correct.append(argmax(z) == y)
    metrics(name, losses, correct, invalid or {}, True,
            {"loss": "softmax", "format": fmt, "logits": "logits", "label": "label"})


SEED2 = [([0.5, 1.5, 0.1], 1), ([2.2, 1.3, 1.7], 2)]
softmax_case("seed-two-rows", SEED2)

SEED5 = [([f32(v) for v in z], y) for z, y in
         [([1, 2, 3], 2), ([1, 2, 3], 2), ([1, 2, 3], 2), ([7, 4, 5], 0), ([7, 88, 5], 0)]]
softmax_case("seed-five-rows", SEED5)

# Valid rows of the mixed dataset; the invalid ones are counted by reason.
softmax_case("mixed-reasons", [([1, 2, 3], 2), ([0, -INF], 1), ([3, 1, 0], 0)],
             invalid={"null_input": 2, "empty_logits": 1, "nan_logit": 1, "posinf_logit": 1,
                      "all_masked": 1, "label_out_of_range": 2})

softmax_case("json-non-numeric", SEED2 + [([-INF, 2.0, 1.0], 1), ([1.0, 2.0, 3.0], 2)],
             fmt="json", invalid={"nan_logit": 1})

DENSE = [([0.5, 1.5, 0.1], [0.25, 0.5, 0.25]), ([2.2, 1.3, 1.7], [0.0, 0.0, 1.0])]
metrics("dense-soft-labels", [dense(z, p) for z, p in DENSE],
        [argmax(z) == argmax(p) for z, p in DENSE], {}, True,
        {"loss": "softmax", "format": "parquet", "logits": "logits", "labels": "labels"})

SIGMOID = [([f32(0.2)] * 5, [0, 0, 0, 1, 0]),
           ([f32(v) for v in [0.3, 0.3, 0.2, 0.1, 0.1]], [1, 0, 0, 0, 0])]
metrics("sigmoid-seed", [sigmoid_row(z, t) for z, t in SIGMOID], [], {}, False,
        {"loss": "sigmoid", "format": "parquet", "logits": "logits", "labels": "labels"})
