#!/usr/bin/env python3
"""Golden values for the audit tests (NormalQuantileTest, AuditReferenceTest), independent of xent.

    python3 scripts/reference/audit_reference.py [OUTPUT_DIRECTORY]

writes into udfs/src/test/resources/reference/ (or OUTPUT_DIRECTORY):

normal_quantile.tsv  level (C99 hex) and z = Phi^-1((1 + level)/2) = sqrt(2)·erfinv(level) to 30
                     significant digits (mpmath at 60 digits).
audit_rows.tsv       seeded random data sets: case, loss, weight (hex), rank (0 = correct),
                     confidence (hex).
audit_sigmoid_rows.tsv, audit_sigmoid_expected.tsv
                     the same for sigmoid rows, each with 1 to 5 elements (probability, target in
                     [0, 1]) weighted by their row's weight; no accuracy, calibration by element.
audit_expected.tsv   per case the audit numbers from exact rational arithmetic (fractions.Fraction;
                     float(Fraction) rounds once, to nearest even): every quantity the kernel
                     rounds once is written as the correctly rounded double (hex); the interval
                     ends, which the kernel gets through a few more roundings, as 30-digit decimals
                     from mpmath.

Formulas (the definitions, not the kernel's algebra): W = Σω, Q = Σω², S1 = Σωl, S2 = Σωl²;
mean = S1/W; n_eff = W²/Q (Kish); v = (W·S2 − S1²)/W²; s² = v·n_eff/(n_eff − 1); the mean's
interval mean ± z·sqrt(s²/n_eff); accuracy p = Σω[rank = 0]/W and the Wilson score interval
(p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²))/(1 + z²/n) with n = n_eff; top-k Σω[rank < k]/W;
calibration bin max(0, ceil(c·B) − 1) of the exact c·B, per bin its weight, Σωc/W_b and
Σω[correct]/W_b; ECE = Σ_b (W_b/W)·|acc_b − conf_b|; MCE = max_b |acc_b − conf_b|.
Deterministic (random.Random with fixed seeds).
"""
import math
import os
import random
import sys
from fractions import Fraction

from mpmath import mp, mpf, sqrt, erfinv

mp.dps = 60
DEFAULT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "udfs", "src",
                           "test", "resources", "reference")


def hexd(x):
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if math.isnan(x):
        return "NaN"
    return float.hex(x)


def digits(x):
    return mp.nstr(x, 30, min_fixed=-1000, max_fixed=1000) if x != 0 else "0.0"


def z_of(level):
    return sqrt(2) * erfinv(mpf(level))


def quantile_levels():
    levels = [0.5, 0.6827, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999, 1e-10, 1e-300,
              0.25, 0.1, 1 - 2.0**-53, 1 - 1e-12, 1 - 1e-6]
    for x in (0.85, 0.95, 0.99):
        levels += [math.nextafter(x, 0), math.nextafter(x, 1)]
    # 1 − level = 2·e^−25: the AS 241 tail switches from r ≤ 5 to r > 5 here.
    edge = 1 - 2 * math.exp(-25)
    levels += [edge, math.nextafter(edge, 0), math.nextafter(edge, 1)]
    rnd = random.Random(20261203)
    levels += [rnd.random() for _ in range(300)]
    levels += [1 - 10.0 ** (-16 * rnd.random()) for _ in range(300)]
    return sorted(set(x for x in levels if 0 < x < 1))


def cases():
    """(name, weighted, level, bins, ks, rows) with rows (loss, weight, rank, confidence)."""
    out = []
    rnd = random.Random(20261204)
    sizes = [2, 3, 10, 100, 1000, 4000]
    for weighted in (False, True):
        for n in sizes:
            for level in (0.95, 0.9, 0.99):
                rows = []
                for _ in range(n):
                    loss = abs(rnd.gauss(0, 2))
                    if rnd.random() < 0.05:
                        loss = 0.0
                    weight = 1.0
                    if weighted:
                        u = rnd.random()
                        weight = 0.0 if u < 0.1 else rnd.uniform(0, 3)
                        if weight == 0.0 and rnd.random() < 0.5:
                            loss = math.inf  # ω = 0 with +∞ loss: contributes nothing
                    rank = 0 if rnd.random() < 0.6 else rnd.randrange(1, 12)
                    confidence = rnd.uniform(0.05, 1.0)
                    if rnd.random() < 0.1:
                        confidence = rnd.randrange(1, 11) / 10  # on a bin edge for B = 10
                    rows.append((loss, weight, rank, confidence))
                out.append(("%s-%d-%s" % ("w" if weighted else "u", n, level), weighted, level, 10,
                            [1, 3, 5], rows))
    # Weighted, one weight dominating: n_eff just above 1, a wide interval for the mean.
    rows = [(0.5, 1000.0, 0, 0.9), (1.5, 1.0, 1, 0.4), (2.5, 0.5, 0, 0.7)]
    out.append(("w-dominant", True, 0.95, 4, [1, 2], rows))
    return out


def expected(name, weighted, level, bins, ks, rows):
    f = Fraction
    live = [(f(l) if not math.isinf(l) else None, f(w), r, f(c)) for l, w, r, c in rows if w != 0]
    W = sum((w for _, w, _, _ in live), f(0))
    Q = sum((w * w for _, w, _, _ in live), f(0))
    S1 = sum((w * l for l, w, _, _ in live), f(0))
    S2 = sum((w * l * l for l, w, _, _ in live), f(0))
    C = sum((w for _, w, r, _ in live if r == 0), f(0))
    z = z_of(level)
    mean = S1 / W
    neff = W * W / Q
    acc = C / W
    rec = {"case": name, "weightSum": hexd(float(W)), "weightSquareSum": hexd(float(Q)),
           "effectiveSampleSize": hexd(float(neff)), "meanLoss": hexd(float(mean)),
           "accuracy": hexd(float(acc))}
    rec["topK"] = ",".join("%d:%s" % (k, hexd(float(sum((w for _, w, r, _ in live if r < k), f(0)) / W)))
                           for k in ks)
    if len(rows) >= 2 and neff > 1:
        v = (W * S2 - S1 * S1) / (W * W)
        s2 = v * neff / (neff - 1)
        se2 = s2 / neff
        half = z * sqrt(mpf(se2.numerator) / se2.denominator)
        m = mpf(mean.numerator) / mean.denominator
        rec["meanLossSe2"] = hexd(float(se2))
        rec["meanLossCi"] = digits(m - half) + "," + digits(m + half)
    else:
        rec["meanLossSe2"] = "null"
        rec["meanLossCi"] = "null"
    p = mpf(acc.numerator) / acc.denominator
    n = mpf(neff.numerator) / neff.denominator
    centre = p + z * z / (2 * n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    d = 1 + z * z / n
    lo, hi = (centre - half) / d, (centre + half) / d
    rec["accuracyCi"] = digits(max(lo, mpf(0))) + "," + digits(min(hi, mpf(1)))
    bw = [f(0)] * bins
    bp = [f(0)] * bins
    bo = [f(0)] * bins
    bc = [0] * bins
    for l, w, r, c in [(l, f(w), r, f(c)) for l, w, r, c in rows]:
        b = min(bins - 1, max(0, math.ceil(c * bins) - 1))
        bc[b] += 1
        bw[b] += w
        bp[b] += w * c
        bo[b] += w if r == 0 else 0
    total = sum(bw, f(0))
    ece = f(0)
    mce = None
    cells = []
    for b in range(bins):
        if bw[b] == 0:
            cells.append("%d:%s:NaN:NaN" % (bc[b], hexd(0.0)))
            continue
        conf = bp[b] / bw[b]
        accb = bo[b] / bw[b]
        gap = abs(accb - conf)
        ece += bw[b] / total * gap
        mce = gap if mce is None else max(mce, gap)
        cells.append("%d:%s:%s:%s" % (bc[b], hexd(float(bw[b])), hexd(float(conf)), hexd(float(accb))))
    rec["bins"] = ";".join(cells)
    rec["ece"] = hexd(float(ece))
    rec["mce"] = hexd(float(mce))
    return rec


def sigmoid_cases():
    """(name, weighted, level, bins, rows) with rows (loss, weight, [(probability, target)])."""
    out = []
    rnd = random.Random(20261205)
    for weighted in (False, True):
        for n in (3, 50, 800):
            rows = []
            for _ in range(n):
                loss = abs(rnd.gauss(0, 3))
                weight = 1.0 if not weighted else (0.0 if rnd.random() < 0.1 else rnd.uniform(0, 4))
                elements = []
                for _ in range(rnd.randrange(1, 6)):
                    u = rnd.random()
                    p = rnd.randrange(0, 8) / 7 if u < 0.15 else (0.0 if u < 0.2 else rnd.random())
                    t = rnd.choice([0.0, 1.0]) if rnd.random() < 0.6 else rnd.random()
                    elements.append((p, t))
                rows.append((loss, weight, elements))
            out.append(("s%s-%d" % ("w" if weighted else "u", n), weighted, 0.95, 7, rows))
    return out


def sigmoid_expected(name, weighted, level, bins, rows):
    f = Fraction
    live = [(f(l), f(w)) for l, w, _ in rows if w != 0]
    W = sum((w for _, w in live), f(0))
    Q = sum((w * w for _, w in live), f(0))
    S1 = sum((w * l for l, w in live), f(0))
    S2 = sum((w * l * l for l, w in live), f(0))
    z = z_of(level)
    mean = S1 / W
    neff = W * W / Q
    rec = [hexd(float(W)), hexd(float(Q)), hexd(float(neff)), hexd(float(mean))]
    if len(rows) >= 2 and neff > 1:
        v = (W * S2 - S1 * S1) / (W * W)
        se2 = v * neff / (neff - 1) / neff
        half = z * sqrt(mpf(se2.numerator) / se2.denominator)
        m = mpf(mean.numerator) / mean.denominator
        rec.append(digits(m - half) + "," + digits(m + half))
    else:
        rec.append("null")
    bw = [f(0)] * bins
    bp = [f(0)] * bins
    bo = [f(0)] * bins
    bc = [0] * bins
    for _, w, elements in rows:
        for p, t in elements:
            b = min(bins - 1, max(0, math.ceil(f(p) * bins) - 1))
            bc[b] += 1
            bw[b] += f(w)
            bp[b] += f(w) * f(p)
            bo[b] += f(w) * f(t)
    total = sum(bw, f(0))
    ece = f(0)
    mce = None
    cells = []
    for b in range(bins):
        if bw[b] == 0:
            cells.append("%d:%s:NaN:NaN" % (bc[b], hexd(0.0)))
            continue
        gap = abs(bo[b] / bw[b] - bp[b] / bw[b])
        ece += bw[b] / total * gap
        mce = gap if mce is None else max(mce, gap)
        cells.append("%d:%s:%s:%s" % (bc[b], hexd(float(bw[b])), hexd(float(bp[b] / bw[b])),
                                      hexd(float(bo[b] / bw[b]))))
    rec += [hexd(float(ece)), hexd(float(mce)), ";".join(cells)]
    return rec


FIELDS = ["case", "weighted", "level", "bins", "ks", "weightSum", "weightSquareSum",
          "effectiveSampleSize", "meanLoss", "accuracy", "topK", "meanLossSe2", "meanLossCi",
          "accuracyCi", "ece", "mce", "bins"]


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DIR
    header = "# Generated by scripts/reference/audit_reference.py; do not edit.\n"
    with open(os.path.join(directory, "normal_quantile.tsv"), "w") as out:
        out.write(header)
        out.write("# level (hex)\tz = sqrt(2)*erfinv(level), 30 significant digits\n")
        for level in quantile_levels():
            out.write("%s\t%s\n" % (float.hex(level), digits(z_of(level))))
    all_cases = cases()
    with open(os.path.join(directory, "audit_rows.tsv"), "w") as out:
        out.write(header)
        out.write("# case\tloss (hex)\tweight (hex)\trank\tconfidence (hex)\n")
        for name, _, _, _, _, rows in all_cases:
            for l, w, r, c in rows:
                out.write("%s\t%s\t%s\t%d\t%s\n" % (name, hexd(l), hexd(w), r, hexd(c)))
    with open(os.path.join(directory, "audit_expected.tsv"), "w") as out:
        out.write(header)
        out.write("# " + "\t".join(FIELDS[:-1]) + "\tbins (count:weight:meanConfidence:accuracy;...)\n")
        for name, weighted, level, bins, ks, rows in all_cases:
            rec = expected(name, weighted, level, bins, ks, rows)
            values = [name, "1" if weighted else "0", float.hex(level), str(bins),
                      ",".join(map(str, ks))] + [rec[k] for k in FIELDS[5:]]
            out.write("\t".join(values) + "\n")

    sig = sigmoid_cases()
    with open(os.path.join(directory, "audit_sigmoid_rows.tsv"), "w") as out:
        out.write(header)
        out.write("# case\trow\tloss (hex)\tweight (hex)  |  case\telement\tprobability (hex)\t"
                  "target (hex)\n")
        for name, _, _, _, rows in sig:
            for l, w, elements in rows:
                out.write("%s\trow\t%s\t%s\n" % (name, hexd(l), hexd(w)))
                for p, t in elements:
                    out.write("%s\telement\t%s\t%s\n" % (name, hexd(p), hexd(t)))
    with open(os.path.join(directory, "audit_sigmoid_expected.tsv"), "w") as out:
        out.write(header)
        out.write("# case\tweighted\tlevel\tbins\tweightSum\tweightSquareSum\t"
                  "effectiveSampleSize\tmeanLoss\tmeanLossCi\tece\tmce\tbins\n")
        for name, weighted, level, bins, rows in sig:
            values = [name, "1" if weighted else "0", float.hex(level), str(bins)]
            out.write("\t".join(values + sigmoid_expected(name, weighted, level, bins, rows)) + "\n")

if __name__ == "__main__":
    main()
