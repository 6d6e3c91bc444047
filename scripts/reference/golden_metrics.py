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

from fractions import Fraction

from mpmath import mp, mpf, exp, log, sqrt, erfinv

mp.dps = 60
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "job", "src", "test", "resources", "golden")
INF = float("inf")
NAN = float("nan")
REASONS = ["null_input", "empty_logits", "nan_logit", "posinf_logit", "all_masked",
           "length_mismatch", "nan_label", "label_not_integer", "label_out_of_range",
           "negative_probability", "not_a_distribution", "target_out_of_range", "bad_weight"]
LEVEL = 0.95
BINS = 15


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
    if x is None:
        return None
    if x == INF or x == mpf("inf"):
        return "Infinity"
    return float(x)


def confidence(z):
    """The softmax probability of the first argmax: exp(z_k - lse)."""
    return exp(mpf(z[argmax(z)]) - lse(z))


def rank(z, y):
    return sum(1 for c, v in enumerate(z) if v > z[y] or (v == z[y] and c < y))


def calibration_bin(p, bins):
    """max(0, ceil(p·B) − 1) of the double nearest p, with exact rational arithmetic."""
    exact = Fraction(float(p)) * bins
    ceil = -((-exact.numerator) // exact.denominator)
    return min(bins - 1, max(0, ceil - 1))


def z_value(level):
    return sqrt(2) * erfinv(mpf(level))


def scored_row(loss, weight=1, correct=False, rank_=None, conf=None, label=None, predicted=None,
               elements=None):
    """One scored row; elements: [(sigmoid probability, target, weight)] for sigmoid rows."""
    return {"loss": loss, "w": mpf(weight), "correct": correct, "rank": rank_, "conf": conf,
            "label": label, "predicted": predicted, "elements": elements}


def audit_fields(scored, softmax, top_k=(), bins=BINS, level=LEVEL):
    """Every metric of the audit over the scored rows, from their exact values (mpmath)."""
    doc = {}
    w_sum = sum((r["w"] for r in scored), mpf(0))
    w_sq = sum((r["w"] ** 2 for r in scored), mpf(0))
    doc["weight_sum"] = float(w_sum)
    n_eff = w_sum ** 2 / w_sq if w_sq > 0 else mpf(0)
    doc["effective_sample_size"] = float(n_eff) if w_sq > 0 else None
    contributing = [r for r in scored if r["w"] > 0]
    infinite = any(r["loss"] == INF for r in contributing)
    if w_sum == 0:
        mean = None
    elif infinite:
        mean = INF
    else:
        mean = sum(r["w"] * r["loss"] for r in contributing) / w_sum
    doc["mean_loss"] = number(mean)
    z = z_value(level)
    if mean is None or mean == INF or len(scored) < 2 or n_eff <= 1:
        doc["mean_loss_ci"] = None
        doc["mean_loss_se"] = None
    else:
        v = sum(r["w"] * (r["loss"] - mean) ** 2 for r in contributing) / w_sum
        s2 = v * n_eff / (n_eff - 1)
        se = sqrt(s2 / n_eff)
        doc["mean_loss_se"] = float(se)
        doc["mean_loss_ci"] = [float(mean - z * se), float(mean + z * se)]
    if softmax:
        acc = None if w_sum == 0 else sum(r["w"] for r in scored if r["correct"]) / w_sum
        doc["accuracy"] = number(acc)
        if acc is None:
            doc["accuracy_ci"] = None
        else:
            n = n_eff
            centre = (acc + z ** 2 / (2 * n)) / (1 + z ** 2 / n)
            half = z / (1 + z ** 2 / n) * sqrt(acc * (1 - acc) / n + z ** 2 / (4 * n ** 2))
            doc["accuracy_ci"] = [float(centre - half), float(centre + half)]
        if top_k:
            doc["top_k_accuracy"] = {
                str(k): number(None if w_sum == 0 else
                               sum(r["w"] for r in scored if r["rank"] < k) / w_sum)
                for k in top_k}
    doc["confidence_level"] = level
    doc["perplexity"] = number(None if mean is None else INF if mean == INF else exp(mean))
    finite = [r["loss"] for r in scored if r["loss"] != INF]
    doc["log_mean_true_prob"] = (float(log(sum(exp(-l) for l in finite) / len(scored)))
                                 if scored else None)
    # Calibration: (probability, outcome, weight) triples.
    points = []
    for r in scored:
        if softmax:
            points.append((r["conf"], 1 if r["correct"] else 0, r["w"]))
        else:
            points.extend(r["elements"])
    table = [{"count": 0, "w": mpf(0), "wp": mpf(0), "wo": mpf(0)} for _ in range(bins)]
    for p, outcome, w in points:
        b = table[calibration_bin(p, bins)]
        b["count"] += 1
        b["w"] += w
        b["wp"] += w * p
        b["wo"] += w * outcome
    total = sum((b["w"] for b in table), mpf(0))
    ece, mce, any_bin = mpf(0), mpf(0), False
    calibration = []
    for i, b in enumerate(table):
        conf = b["wp"] / b["w"] if b["w"] > 0 else None
        acc_b = b["wo"] / b["w"] if b["w"] > 0 else None
        if conf is not None:
            gap = abs(acc_b - conf)
            ece += b["w"] / total * gap
            mce = max(mce, gap)
            any_bin = True
        calibration.append({"bin": i, "lower": float(Fraction(i, bins)),
                            "upper": float(Fraction(i + 1, bins)), "count": b["count"],
                            "weight": float(b["w"]), "mean_confidence": number(conf),
                            "accuracy": number(acc_b)})
    doc["ece"] = float(ece) if any_bin else None
    doc["mce"] = float(mce) if any_bin else None
    doc["calibration"] = calibration
    return doc


# Loss histogram edges: 0, then every power of two from 2^-40 to 2^10, then +inf (the last bin
# is closed: it holds +inf).
LOSS_EDGES = [Fraction(0)] + [Fraction(2) ** e for e in range(-40, 11)]


def loss_histogram(scored, weighted):
    """Rows per bin [lower, upper) of the double nearest each loss, found by exact comparison with
    the edges (not from exponent bits); empty bins before the first and after the last filled bin
    are left out. With weights, each bin's weight sum too."""
    table = [{"count": 0, "w": mpf(0)} for _ in LOSS_EDGES]
    for r in scored:
        loss = float(r["loss"])
        if loss == INF:
            b = len(LOSS_EDGES) - 1
        else:
            exact = Fraction(loss)
            b = max(i for i, edge in enumerate(LOSS_EDGES) if edge <= exact)
        table[b]["count"] += 1
        table[b]["w"] += r["w"]
    filled = [i for i, b in enumerate(table) if b["count"] > 0]
    out = []
    if not filled:
        return out
    for i in range(filled[0], filled[-1] + 1):
        upper = "Infinity" if i == len(LOSS_EDGES) - 1 else float(LOSS_EDGES[i + 1])
        entry = {"lower": float(LOSS_EDGES[i]), "upper": upper, "count": table[i]["count"]}
        if weighted:
            entry["weight"] = float(table[i]["w"])
        out.append(entry)
    return out


def metrics(name, scored, invalid, softmax, extra, ignored=0, top_k=(), options=None):
    rows = len(scored) + sum(invalid.values()) + ignored
    infinite = sum(1 for r in scored if r["loss"] == INF)
    doc = {
        "rows": rows,
        "rows_scored": len(scored),
        "rows_invalid": sum(invalid.values()),
        "rows_ignored": ignored,
        "invalid_by_reason": {r: invalid.get(r, 0) for r in REASONS},
        "rows_infinite_loss": infinite,
    }
    audit = audit_fields(scored, softmax, top_k)
    order = ["weight_sum", "effective_sample_size", "mean_loss", "mean_loss_ci", "accuracy",
             "accuracy_ci", "top_k_accuracy", "confidence_level", "perplexity",
             "log_mean_true_prob", "ece", "mce", "calibration"]
    for key in order:
        if key in audit:
            doc[key] = audit[key]
    doc["loss_histogram"] = loss_histogram(scored, (options or {}).get("weight") is not None)
    doc.update(extra)
    opts = {"weight": None, "class_weights": None, "ignore_index": None, "label_smoothing": 0.0,
            "top_k": list(top_k), "per_class": False, "calibration_bins": BINS, "group_by": [],
            "min_slice_rows": 30, "filter": None}
    opts.update(options or {})
    doc.update(opts)
    doc.update({"reader": "<any>", "reader_reason": "<any>", "master": "<any>",
                "elapsed_seconds": "<any>", "spark_version": "4.1.0",
                "xent_version": "<any>", "input": "<any>", "quarantine": "<any>",
                # The run manifest (times, host, files) is checked by RunManifestTest.
                "run": "<any>"})
    with open(os.path.join(OUT, name + ".metrics.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def softmax_scored(z, y, weight=1):
    k = argmax(z)
    return scored_row(sparse(z, y), weight, k == y, rank(z, y), confidence(z), y, k)


def softmax_case(name, rows, fmt="parquet", invalid=None):
    metrics(name, [softmax_scored(z, y) for z, y in rows], invalid or {}, True,
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
metrics("dense-soft-labels",
        [scored_row(dense(z, p), 1, argmax(z) == argmax(p), rank(z, argmax(p)), confidence(z))
         for z, p in DENSE], {}, True,
        {"loss": "softmax", "format": "parquet", "logits": "logits", "labels": "labels"})

SIGMOID = [([f32(0.2)] * 5, [0, 0, 0, 1, 0]),
           ([f32(v) for v in [0.3, 0.3, 0.2, 0.1, 0.1]], [1, 0, 0, 0, 0])]
def sigma(v):
    return 1 / (1 + exp(-mpf(v)))


metrics("sigmoid-seed",
        [scored_row(sigmoid_row(z, t), elements=[(sigma(v), tv, mpf(1)) for v, tv in zip(z, t)])
         for z, t in SIGMOID], {}, False,
        {"loss": "sigmoid", "format": "parquet", "logits": "logits", "labels": "labels"})


# ---------------------------------------------------------------------------------------------
# The audit options: weights, class weights, ignore index, label smoothing, top-k, per class and
# slices, from PyTorch's definitions written out here, not from xent's per-row formulas.

def torch_row(z, y, w, cw, eps):
    """PyTorch cross_entropy(weight=cw, label_smoothing=eps) terms of one row, times the row weight:
    (numerator, denominator) with numerator = (1-E)·cw_y·(lse-z_y) + (E/C)·Σ_c cw_c·(lse-z_c)."""
    classes = len(z)
    cw = cw or [1] * classes
    nll = mpf(cw[y]) * sparse(z, y)
    smooth = mpf(0)
    for c in range(classes):
        if cw[c] != 0:
            smooth += INF if z[c] == -INF else mpf(cw[c]) * (lse(z) - mpf(z[c]))
    numerator = (1 - mpf(eps)) * nll + mpf(eps) / classes * smooth
    return mpf(w) * numerator, mpf(w) * cw[y]


def audit_case(name, rows, cw=None, eps=0.0, ignore=None, top_k=(), per_class=False,
               group_by=None, min_slice_rows=30):
    """rows: (z, y, w, g) with None for NULL; z float64 values."""
    invalid, ignored, scored, by_slice = {}, 0, [], {}
    for z, y, w, g in rows:
        slice_rows = by_slice.setdefault(g, {"invalid": 0, "ignored": 0, "scored": []})
        if y is not None and ignore is not None and y == ignore:
            ignored += 1
            slice_rows["ignored"] += 1
            continue
        reason = None
        if z is None or y is None:
            reason = "null_input"
        elif not 0 <= y < len(z):
            reason = "label_out_of_range"
        elif w is None or w != w or w < 0 or w == INF:
            reason = "bad_weight"
        if reason:
            invalid[reason] = invalid.get(reason, 0) + 1
            slice_rows["invalid"] += 1
            continue
        # The row's loss is PyTorch's per-row term over its class weight; its weight w·cw_y.
        numerator, denominator = torch_row(z, y, 1, cw, eps)
        loss = numerator / denominator
        denominator *= mpf(w)
        k = argmax(z)
        row = scored_row(loss, denominator, k == y, rank(z, y), confidence(z), y, k)
        scored.append(row)
        slice_rows["scored"].append(row)
    options = {"weight": "w", "class_weights": [float(c) for c in cw] if cw else None,
               "ignore_index": ignore, "label_smoothing": eps, "per_class": per_class,
               "group_by": [group_by] if group_by else [], "min_slice_rows": min_slice_rows}
    extra = {"loss": "softmax", "format": "parquet", "logits": "logits", "label": "label"}
    overall = audit_fields(scored, True, top_k)
    if per_class:
        extra.update(per_class_fields(scored))
    if group_by:
        extra.update(slice_fields(by_slice, overall, top_k, min_slice_rows, group_by, name))
    metrics(name, scored, invalid, True, extra, ignored, top_k, options)
    # metrics() puts extra before the options; per-class and slice fields belong after the audit.


def per_class_fields(scored):
    classes = max(max(r["label"], r["predicted"]) for r in scored) + 1
    table = []
    for c in range(classes):
        support = [r for r in scored if r["label"] == c]
        predicted = [r for r in scored if r["predicted"] == c]
        s = sum((r["w"] for r in support), mpf(0))
        p = sum((r["w"] for r in predicted), mpf(0))
        t = sum((r["w"] for r in support if r["predicted"] == c), mpf(0))
        loss = sum((r["w"] * r["loss"] for r in support if r["w"] > 0), mpf(0))
        table.append({"class": c, "support": len(support), "weight_sum": float(s),
                      "predicted": len(predicted),
                      "mean_loss": float(loss / s) if s > 0 else None,
                      "recall": float(t / s) if s > 0 else None,
                      "precision": float(t / p) if p > 0 else None,
                      "f1": float(2 * t / (s + p)) if s + p > 0 else None})
    recalls = [mpf(e["recall"]) for e in table if e["recall"] is not None]
    f1s = [mpf(e["f1"]) for e in table if e["f1"] is not None]
    with_support = [e for e in table if e["support"] > 0]
    worst = sorted(with_support, key=lambda e: (-e["mean_loss"], e["class"]))[:20]
    PER_CLASS[0] = table
    return {"classes": classes,
            "macro_recall": float(sum(recalls) / len(recalls)),
            "macro_f1": float(sum(f1s) / len(f1s)),
            "worst_classes": [{"class": e["class"], "mean_loss": e["mean_loss"],
                               "support": e["support"]} for e in worst]}


PER_CLASS = [None]


def slice_fields(by_slice, overall, top_k, min_rows, column, name):
    out, candidates = [], []
    z = z_value(LEVEL)
    for value, rows in by_slice.items():
        fields = audit_fields(rows["scored"], True, top_k)
        n = len(rows["scored"])
        entry = {column: value, "rows": n + rows["invalid"] + rows["ignored"], "rows_scored": n,
                 "rows_invalid": rows["invalid"], "rows_ignored": rows["ignored"],
                 "weight_sum": fields["weight_sum"], "mean_loss": fields["mean_loss"],
                 "mean_loss_ci": fields["mean_loss_ci"], "mean_loss_se": fields["mean_loss_se"],
                 "accuracy": fields["accuracy"],
                 "accuracy_ci": fields["accuracy_ci"], "ece": fields["ece"], "mce": fields["mce"]}
        for k in top_k:
            entry["top_%d_accuracy" % k] = fields["top_k_accuracy"][str(k)]
        out.append(entry)
        if n >= min_rows and fields["mean_loss_se"] is not None:
            se = mpf(fields["mean_loss_se"])
            if se > 0:
                candidates.append((-(mpf(fields["mean_loss"]) - mpf(overall["mean_loss"])) / se,
                                   value, entry))
    candidates.sort(key=lambda c: (c[0], c[1] is not None, c[1] or ""))
    with open(os.path.join(OUT, name + ".slices.json"), "w") as f:
        json.dump(sorted(out, key=lambda e: (e[column] is not None, e[column] or "")), f, indent=2)
        f.write("\n")
    return {"slices": len(out),
            "outlier_slices": [{"slice": {column: v}, "rows_scored": e["rows_scored"],
                                "mean_loss": e["mean_loss"], "mean_loss_ci": e["mean_loss_ci"],
                                "z": float(-score)} for score, v, e in candidates[:10]]}


# Ties (rank by index), a masked class, an ignored label, bad weights of every kind, a weight of
# zero, three slices (one NULL, one holding markup).
AUDIT_ROWS = [
    ([2.0, 1.0, 0.5, -1.0], 0, 1.0, "a"),
    ([0.25, 0.25, 3.0, 0.25], 1, 2.0, "a"),       # label 1 ties with 0 and 3: rank 2
    ([1.0, 1.0, 1.0, 1.0], 3, 0.5, "b"),          # all tied: rank 3
    ([-1.5, 4.0, 0.0, -30.0], 1, 1.5, "b"),       # a class far below
    ([0.5, -0.5, 2.5, 1.0], 2, 0.0, "a"),         # weight 0
    ([3.0, 2.0, 1.0, 0.0], -100, 1.0, "a"),       # ignored
    ([1.0, 2.0, 3.0, 4.0], -100, None, None),     # ignored (whatever the weight)
    ([1.0, 2.0, 3.0, 4.0], 3, -1.0, "b"),         # bad weight
    ([1.0, 2.0, 3.0, 4.0], 0, None, None),        # bad weight (NULL)
    ([0.1, 0.2, 0.3, 0.4], 7, 1.0, "b"),          # out of range
    ([0.75, -2.0, 1.25, 0.5], 2, 3.0, None),
    ([5.0, 1.0, -3.0, 2.0], 3, 1.0, "<script>alert(1)</script>"),
    ([0.0, 0.5, 1.0, 1.5], 1, 0.25, None),
    ([2.5, 2.5, 0.0, -1.0], 1, 1.0, "a"),         # tie at the maximum: predicted 0, rank 1
]
AUDIT_CW = [1.0, 2.0, 0.5, 1.5]

audit_case("audit-weighted", AUDIT_ROWS, cw=AUDIT_CW, eps=0.1, ignore=-100, top_k=(1, 2),
           per_class=True, group_by="g", min_slice_rows=2)
with open(os.path.join(OUT, "audit-weighted.per_class.json"), "w") as f:
    json.dump(PER_CLASS[0], f, indent=2)
    f.write("\n")
