#!/usr/bin/env python3
"""High-precision reference for the kernel accuracy tests (ReferenceAccuracyTest).

Every case's inputs are exact binary64 (or binary32) values; the expected results are the exact
mathematical values for those inputs, computed with mpmath at 400 digits and written with 30
significant digits. Nothing here runs xent.

    python3 scripts/reference/xent_reference.py   # rewrites udfs/src/test/resources/reference/kernels.tsv

Row format (tab separated):
    name  kind  precision  logits  target  expected
kind:       sparse | dense | sigmoid | lse | log_softmax
precision:  double | float (the logits are float32 values; targets are always doubles)
logits:     comma-separated C99 hex floats (or Infinity/-Infinity), or wide:N:A:M meaning
            z_i = ((i*A) mod M)/64 - 8 for i in [0, N) (exact in binary32 and binary64)
target:     sparse: the label; dense/sigmoid: comma-separated hex floats; lse/log_softmax: -
expected:   decimal (or Infinity); log_softmax: comma-separated decimals, one per logit
"""
import os
import random
import struct
from collections import Counter

from mpmath import mp, mpf, exp, log, log1p, nstr

# 400 digits: a loss of 1e-300 is log(1 + 1e-300), which needs over 300 digits to see.
mp.dps = 400
INF = float("inf")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "udfs", "src", "test", "resources",
                   "reference", "kernels.tsv")


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def hexs(values):
    return ",".join("Infinity" if v == INF else "-Infinity" if v == -INF else float.hex(float(v))
                    for v in values)


def dec(x):
    if x == INF or x == mpf("inf"):
        return "Infinity"
    return nstr(mpf(x), 30, min_fixed=0, max_fixed=0) if x != 0 else "0"


def wide(n, a, m):
    return [((i * a) % m) / 64.0 - 8.0 for i in range(n)]


def lse(z):
    # Group equal values: wide rows repeat a few hundred distinct logits.
    counts = Counter(v for v in z if v != -INF)
    top = max(counts)
    return mpf(top) + log(sum(c * exp(mpf(v) - top) for v, c in counts.items()))


def sparse(z, y):
    return INF if z[y] == -INF else lse(z) - mpf(z[y])


def dense(z, p):
    total, l = mpf(0), lse(z)
    for zj, pj in zip(z, p):
        if pj != 0:
            if zj == -INF:
                return INF
            total += mpf(pj) * (l - mpf(zj))
    return total


def sigmoid(z, t):
    total = mpf(0)
    for zj, tj in zip(z, t):
        zj, tj = mpf(zj), mpf(tj)
        # −[t·log σ(z) + (1−t)·log(1−σ(z))], log σ(z) = −log1p(e^−z), log(1−σ(z)) = −log1p(e^z).
        total += tj * log1p(exp(-zj)) + (1 - tj) * log1p(exp(zj))
    return total


rows = []


def case(name, kind, precision, z, target, logits_text=None):
    if precision == "float":
        z = [f32(v) if abs(v) != INF else v for v in z]
    if kind == "sparse":
        expected, target_text = dec(sparse(z, target)), str(target)
    elif kind == "dense":
        expected, target_text = dec(dense(z, target)), hexs(target)
    elif kind == "sigmoid":
        expected, target_text = dec(sigmoid(z, target)), hexs(target)
    elif kind == "lse":
        expected, target_text = dec(lse(z)), "-"
    else:
        l = lse(z)
        expected = ",".join("-Infinity" if v == -INF else dec(mpf(v) - l) for v in z)
        target_text = "-"
    rows.append("\t".join([name, kind, precision, logits_text or hexs(z), target_text, expected]))


rng = random.Random(20261124)

# Tiny losses: one dominant correct class, loss ≈ e^-d for a gap d.
for exponent in (20, 30, 100, 300):
    d = exponent * float(log(10))
    for precision in ("double", "float"):
        case(f"tiny_loss_1e-{exponent}_{precision}", "sparse", precision, [0.0, -d], 0)
        case(f"tiny_loss_3class_1e-{exponent}_{precision}", "sparse", precision,
             [2.5, 2.5 - d, 2.5 - d - 1.0], 0)
        case(f"tiny_log_softmax_1e-{exponent}_{precision}", "log_softmax", precision,
             [0.0, -d, -d - 3.0], None)
        case(f"tiny_dense_1e-{exponent}_{precision}", "dense", precision, [0.0, -d], [1.0, 0.0])
    case(f"tiny_loss_wrong_label_1e-{exponent}", "sparse", "double", [0.0, -d], 1)

# Huge magnitudes.
for precision in ("double", "float"):
    case(f"pm_1e30_label_max_{precision}", "sparse", precision, [1e30, -1e30, 0.0], 0)
    case(f"pm_1e30_label_min_{precision}", "sparse", precision, [1e30, -1e30, 0.0], 1)
    case(f"pm_1e30_label_zero_{precision}", "sparse", precision, [1e30, -1e30, 0.0], 2)
    case(f"near_float_max_tie_{precision}", "sparse", precision, [3e38, 3e38], 1)
    case(f"near_float_max_mixed_{precision}", "sparse", precision, [3e38, -3e38, 3.4e38], 0)
    case(f"near_float_max_lse_{precision}", "lse", precision, [3e38, 3e38, 1.0], None)
    case(f"pm_1e30_log_softmax_{precision}", "log_softmax", precision, [1e30, 1e30 - 1e24, -1e30], None)
    spread = [rng.uniform(-5000, 5000) for _ in range(100)]
    case(f"spread_5000_{precision}", "sparse", precision, spread, rng.randrange(100))
    case(f"spread_5000_log_softmax_{precision}", "log_softmax", precision, spread, None)
    case(f"spread_5000_lse_{precision}", "lse", precision, spread, None)
    close = [rng.uniform(-5000, 5000) for _ in range(50)] + [4999.5, 4999.25]
    case(f"spread_5000_close_top_{precision}", "sparse", precision, close, 51)

# One class, two classes, ties.
case("single_class", "sparse", "double", [5.0], 0)
case("single_class_float", "sparse", "float", [-3.25], 0)
case("single_class_lse", "lse", "double", [-7.5], None)
case("two_class", "sparse", "double", [0.2, 0.8], 1)
case("four_way_tie", "sparse", "double", [1.0, 1.0, 1.0, 1.0], 2)
case("tie_log_softmax", "log_softmax", "double", [1.0, 1.0, 1.0, 1.0], None)
case("seed_row_1", "sparse", "double", [0.5, 1.5, 0.1], 1)
case("seed_row_2", "sparse", "double", [2.2, 1.3, 1.7], 2)

# Random rows.
for width in (10, 100, 1000):
    for precision in ("double", "float"):
        for k in range(3):
            z = [rng.gauss(0, 3) for _ in range(width)]
            case(f"random_{width}_{precision}_{k}", "sparse", precision, z, rng.randrange(width))
            if width <= 100:
                case(f"random_{width}_{precision}_{k}_log_softmax", "log_softmax", precision, z, None)
            case(f"random_{width}_{precision}_{k}_lse", "lse", precision, z, None)
            weights = [rng.randrange(0, 9) for _ in range(width)]
            weights[0] += 1
            total = sum(weights)
            # Probabilities that sum to exactly 1 in binary: multiples of 1/2^k by construction.
            scale = 1 << (total - 1).bit_length()
            p = [w / scale for w in weights]
            p[0] += (scale - total) / scale
            case(f"random_{width}_{precision}_{k}_dense", "dense", precision, z, p)

# Masked classes.
case("masked_label", "sparse", "double", [1.0, -INF, 0.5], 1)
case("masked_other", "sparse", "double", [1.0, -INF, 0.5], 2)
case("masked_log_softmax", "log_softmax", "double", [1.0, -INF, 0.5], None)
case("masked_dense_zero_weight", "dense", "double", [1.0, -INF, 0.5], [0.75, 0.0, 0.25])
case("masked_dense_positive_weight", "dense", "double", [1.0, -INF, 0.5], [0.75, 0.125, 0.125])

# Wide rows (LLM vocabularies), defined by formula.
for n, a, m in ((250_000, 7919, 1000), (131_072, 104729, 997)):
    z = wide(n, a, m)
    text = f"wide:{n}:{a}:{m}"
    top = max(range(n), key=lambda i: (z[i], -i))
    for precision in ("double", "float"):
        case(f"wide_{n}_label_top_{precision}", "sparse", precision, z, top, text)
        case(f"wide_{n}_label_17_{precision}", "sparse", precision, z, 17, text)
        case(f"wide_{n}_lse_{precision}", "lse", precision, z, None, text)

# Sigmoid.
for z, t in (([40.0], [1.0]), ([-40.0], [0.0]), ([40.0], [0.0]), ([50.0], [1.0]),
             ([1e-10], [1.0]), ([-1e-10], [0.25]), ([700.0], [0.75]), ([-700.0], [1.0]),
             ([0.0], [0.5]), ([2.0], [0.3]), ([-745.0], [0.0])):
    case(f"sigmoid_z{z[0]}_t{t[0]}", "sigmoid", "double", z, t)
case("sigmoid_seed_row_1", "sigmoid", "float", [0.2] * 5, [0.0, 0.0, 0.0, 1.0, 0.0])
case("sigmoid_seed_row_2", "sigmoid", "float", [0.3, 0.3, 0.2, 0.1, 0.1], [1.0, 0.0, 0.0, 0.0, 0.0])
for width in (10, 1000):
    z = [rng.gauss(0, 5) for _ in range(width)]
    t = [rng.choice([0.0, 1.0, 0.25, 0.5]) for _ in range(width)]
    case(f"sigmoid_random_{width}", "sigmoid", "double", z, t)

with open(OUT, "w") as out:
    out.write("# Generated by scripts/reference/xent_reference.py (mpmath, 400 digits); do not edit.\n")
    out.write("# name\tkind\tprecision\tlogits\ttarget\texpected\n")
    for row in rows:
        out.write(row + "\n")
print(f"{len(rows)} cases written to {os.path.normpath(OUT)}")
