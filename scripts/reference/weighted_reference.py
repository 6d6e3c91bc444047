#!/usr/bin/env python3
"""Golden values for WeightedReferenceTest: class weights, label smoothing, top-label confidence
and label rank, computed with mpmath and independent of xent.

    python3 scripts/reference/weighted_reference.py [OUTPUT]

writes udfs/src/test/resources/reference/weighted.tsv (or OUTPUT). It reuses the exact binary
inputs, their text and the 80-digit softmax decomposition of xent_reference.py (see its docstring):
every difference m - z_c and every product with a weight or a probability is formed exactly
(Fraction) before it meets log1p(rest), and every value is cross-checked against the textbook
formula at 4000 bits. The formulas, for a row z with first maximum m, C classes,
lse = m + log1p(rest), class weights cw (all ones when '-'), smoothing E (a double, used exactly):

  class_sum         S = sum_c cw_c (lse - z_c); +inf if some z_c = -inf has cw_c > 0, and a class
                    with cw_c = 0 contributes 0
  dense_weighted    sum_c cw_c p_c (lse - z_c)
  sigmoid_weighted  sum_c cw_c l_c, l_c the sigmoid element of xent_reference.py
  smoothed_sparse   (1 - E)(lse - z_y) + (E/C) S   (the target (1 - E) onehot(y) + E/C)
  smoothed_dense    (1 - E) sum_c p_c (lse - z_c) + (E/C) S   (the target (1 - E) p + E/C)
  confidence        1/(1 + rest) = exp(-log1p(rest)), the probability of the first maximum
  rank              #{c : z_c > z_y} + #{c < y : z_c = z_y}, by exact comparison (an integer)
"""

import os
import sys
from collections import Counter
from fractions import Fraction

import mpmath
from mpmath import mp, mpf

import xent_reference as ref
from xent_reference import INF, Row, convert, text_doubles, text_expected, text_f64

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "udfs", "src",
                           "test", "resources", "reference", "weighted.tsv")

lines = []
names = set()


def emit(name, kind, precision, logits_text, target, weights, option, expected):
    assert name not in names, name
    for field in (target, weights, option, expected):
        assert "\t" not in field
    names.add(name)
    lines.append("\t".join([name, kind, precision, logits_text, target, weights, option,
                            expected]))


# ---------------------------------------------------------------------------------------------
# The reference formulas on top of xent_reference.Row.

def class_sum(row, w):
    total = mpf(0)
    weight_sum = Fraction(0)
    for (zc, wc), c in Counter(zip(row.z, w)).items():
        if wc == 0:
            continue
        if zc == -INF:
            return INF
        weight = c * Fraction(wc)
        weight_sum += weight
        total += ref.to_mpf(weight * (Fraction(row.m) - Fraction(zc)))
    return total + ref.to_mpf(weight_sum) * row.log1p_rest


def naive_class_sum(row, w):
    with mp.workprec(ref.NAIVE_PREC):
        lse = row.naive_lse()
        total = mpf(0)
        for (zc, wc), c in Counter(zip(row.z, w)).items():
            if wc != 0:
                if zc == -INF:
                    return INF
                total += c * mpf(wc) * (lse - mpf(zc))
        return total


def dense_weighted(row, p, w):
    total = mpf(0)
    for (zc, pc, wc), c in Counter(zip(row.z, p, w)).items():
        if pc == 0 or wc == 0:
            continue
        if zc == -INF:
            return INF
        weight = c * Fraction(pc) * Fraction(wc)
        total += (ref.to_mpf(weight * (Fraction(row.m) - Fraction(zc)))
                  + ref.to_mpf(weight) * row.log1p_rest)
    return total


def naive_dense_weighted(row, p, w):
    with mp.workprec(ref.NAIVE_PREC):
        lse = row.naive_lse()
        total = mpf(0)
        for (zc, pc, wc), c in Counter(zip(row.z, p, w)).items():
            if pc != 0 and wc != 0:
                if zc == -INF:
                    return INF
                total += c * mpf(pc) * mpf(wc) * (lse - mpf(zc))
        return total


def sigmoid_weighted(row, t, w, naive=False):
    total = mpf(0)
    with mp.workprec(ref.NAIVE_PREC if naive else mp.prec):
        for (zc, tc, wc), c in Counter(zip(row.z, t, w)).items():
            if wc == 0:
                continue
            element = (ref.naive_sigmoid_element(zc, tc) if naive
                       else ref.sigmoid_element(zc, tc))
            if element is None:
                return None
            if element == INF:
                return INF
            total += c * mpf(wc) * element
    return total


def combine(hard, spread, e, classes):
    """(1 - E) hard + (E/C) spread, with E's exact binary value."""
    if hard == INF or spread == INF:
        return INF
    fe = Fraction(e)
    return ref.to_mpf(1 - fe) * hard + ref.to_mpf(fe / classes) * spread


def naive_combine(hard, spread, e, classes):
    if hard is None or spread is None:
        return None
    if hard == INF or spread == INF:
        return INF
    with mp.workprec(ref.NAIVE_PREC):
        fe = Fraction(e)
        return (mpf((1 - fe).numerator) / (1 - fe).denominator * hard
                + mpf(fe.numerator) / (fe.denominator * classes) * spread)


def rank(z, y):
    return (sum(1 for c in range(len(z)) if z[c] > z[y])
            + sum(1 for c in range(y) if z[c] == z[y]))


def ones(n):
    return [1.0] * n


# ---------------------------------------------------------------------------------------------
# Cases of one row.

def cases(base, z, precisions=("f64", "f32"), text=None, weights=(), labels=(), smoothing=(),
          dense=(), sigmoid=(), null_class_sum=True, confidence=True, ranks=()):
    """weights: (tag, w[, text]); dense / sigmoid: (tag, p[, text]), each with every weight row and
    the null weights; smoothing: values of E for each label and each dense row; ranks: labels."""
    for precision in precisions:
        row = Row(convert(z, precision), precision, text)
        n = len(row.z)
        prefix = f"{base}/{precision}"
        scale = max(1, row.max_abs) * n
        first = []

        def add(name, kind, target, w_text, option, value, naive):
            ref.cross_check(name, value, naive, scale)
            emit(name, kind, precision, "same:" + first[0] if first else row.text, target,
                 w_text, option, text_expected(value))
            first.append(name)

        weight_rows = ([("null", ones(n), "-")] if null_class_sum else []) + [
            (tag, [float(v) for v in w], *rest) for tag, w, *rest in weights]
        for tag, w, *w_text in weight_rows:
            w_text = w_text[0] if w_text else text_doubles(w)
            add(f"{prefix}/class_sum[{tag}]", "class_sum", "-", w_text, "-",
                class_sum(row, w), naive_class_sum(row, w))
        spread = class_sum(row, ones(n))
        naive_spread = naive_class_sum(row, ones(n))
        resolved = [row.z.index(row.m) if y == "max" else row.z.index(min(row.z)) if y == "min"
                    else y for y in labels]
        for y in dict.fromkeys(resolved):
            for e in smoothing:
                add(f"{prefix}/smoothed_sparse[y={y},E={e!r}]", "smoothed_sparse", str(y), "-",
                    repr(float(e)), combine(row.sparse(y), spread, e, n),
                    naive_combine(row.naive("sparse", y), naive_spread, e, n))
        for tag, p, *p_text in dense:
            p = [float(v) for v in p]
            p_text = p_text[0] if p_text else text_doubles(p)
            for w_tag, w, *w_text in weight_rows:
                w_text = w_text[0] if w_text else text_doubles(w)
                add(f"{prefix}/dense_weighted[{tag},{w_tag}]", "dense_weighted", p_text, w_text,
                    "-", dense_weighted(row, p, w), naive_dense_weighted(row, p, w))
            for e in smoothing:
                add(f"{prefix}/smoothed_dense[{tag},E={e!r}]", "smoothed_dense", p_text, "-",
                    repr(float(e)), combine(row.dense(p), spread, e, n),
                    naive_combine(row.naive("dense", p), naive_spread, e, n))
        for tag, t, *t_text in sigmoid:
            t = [float(v) for v in t]
            t_text = t_text[0] if t_text else text_doubles(t)
            for w_tag, w, *w_text in weight_rows:
                w_text = w_text[0] if w_text else text_doubles(w)
                add(f"{prefix}/sigmoid_weighted[{tag},{w_tag}]", "sigmoid_weighted", t_text,
                    w_text, "-", sigmoid_weighted(row, t, w), sigmoid_weighted(row, t, w, True))
        if confidence:
            with mp.workprec(ref.NAIVE_PREC):
                naive = mpmath.exp(mpf(row.m) - row.naive_lse())
            add(f"{prefix}/confidence", "confidence", "-", "-", "-",
                mpmath.exp(-row.log1p_rest), naive)
        resolved = [row.z.index(row.m) if y == "max" else row.z.index(min(row.z)) if y == "min"
                    else y for y in ranks]
        for y in dict.fromkeys(resolved):
            emit(f"{prefix}/rank[y={y}]", "rank", precision,
                 "same:" + first[0] if first else row.text, str(y), "-", "-",
                 str(rank(row.z, y)))
            first.append(f"{prefix}/rank[y={y}]")


def generate():
    rng = ref.Random(20251203)
    ln10 = float(mpmath.log(10))
    fmax = float(ref.FLT_MAX)
    dmax = 1.7976931348623157e308

    # The seed's example row, every kind.
    cases("seed3", [0.5, 1.5, 0.1],
          weights=(("1:2:0.5", [1.0, 2.0, 0.5]), ("0:1:0", [0.0, 1.0, 0.0]),
                   ("ones", [1.0, 1.0, 1.0]), ("tiny", [1e-300, 5e-324, 1e300])),
          labels=(0, 1, 2), smoothing=(0.1, 0.5, 0.999, 5e-324),
          dense=(("0.1,0.2,0.7", [0.1, 0.2, 0.7]), ("onehot1", [0.0, 1.0, 0.0])),
          sigmoid=(("0,1,0", [0.0, 1.0, 0.0]), ("mixed", [0.25, 1.0, 0.5])),
          ranks=(0, 1, 2))
    # Tiny losses: the hard part is ~1e-k, the smoothing part ~E·d/2.
    for k, d in ((20, 20 * ln10), (300, 300 * ln10), (310, 310 * ln10), ("e800", 800.0)):
        cases(f"tiny_1e-{k}" if k != "e800" else "tiny_e-800", [0.0, -d],
              weights=(("3:1", [3.0, 1.0]), ("1:0", [1.0, 0.0])), labels=(0, 1),
              smoothing=(0.1, 1e-17), dense=(("onehot", [1.0, 0.0]), ("3:1", [0.75, 0.25])),
              ranks=(0, 1))
    # Huge and extreme magnitudes, subnormal gaps.
    cases("pm1e30", [1e30, -1e30, 0.0], weights=(("2:1:1", [2.0, 1.0, 1.0]),),
          labels=(0, 1, 2), smoothing=(0.1,), dense=(("2:1:1", [0.5, 0.25, 0.25]),),
          sigmoid=(("1,0,.5", [1.0, 0.0, 0.5]),), ranks=(0, 1, 2))
    cases("float_max", [fmax, -fmax, 3e38, 0.0], weights=(("w", [0.5, 0.25, 2.0, 1.0]),),
          labels=(0, 1), smoothing=(0.25,), dense=(("quarters", [0.25] * 4),), ranks=(0, 1, 2, 3))
    cases("double_max", [dmax, -dmax, 0.0], precisions=("f64",),
          weights=(("0:0:1", [0.0, 0.0, 1.0]),), labels=(0, 2), smoothing=(0.1,), ranks=(1,))
    cases("subnormal_gaps", [5e-324, 0.0, -5e-324, 1e-310], precisions=("f64",),
          weights=(("1:2:3:4", [1.0, 2.0, 3.0, 4.0]),), labels=(0, 3), smoothing=(0.1,),
          dense=(("quarters", [0.25] * 4),), ranks=(0, 1, 2, 3))
    cases("float_subnormal", [1.4e-45, 0.0, -1.4e-45], precisions=("f32",), labels=(0, 1),
          smoothing=(0.1,), ranks=(0, 1, 2))
    # One class: S = 0 and the loss 0 for every E; the confidence exactly 1.
    for tag, v in (("5", 5.0), ("-1e30", -1e30), ("fmax", fmax)):
        cases(f"single[{tag}]", [v], weights=(("2.5", [2.5]),), labels=(0,), smoothing=(0.1, 0.9),
              dense=(("one", [1.0]),), sigmoid=(("1", [1.0]),), ranks=(0,))
    # Ties, −0.0, masked classes.
    cases("tie4", [1.0, 1.0, 1.0, 1.0], weights=(("1:2:3:4", [1.0, 2.0, 3.0, 4.0]),),
          labels=(0, 3), smoothing=(0.1,), ranks=(0, 1, 2, 3))
    cases("signed_zeros", [-0.0, 0.0, -0.0], labels=(1,), smoothing=(0.3,), ranks=(0, 1, 2))
    cases("masked", [2.0, -INF, 0.5, -INF, -1.0],
          weights=(("zero_at_masked", [1.0, 0.0, 2.0, 0.0, 0.5]),
                   ("mass_at_masked", [1.0, 1e-300, 2.0, 0.0, 0.5])),
          labels=(0, 1, 2), smoothing=(0.1,),
          dense=(("zero_at_masked", [0.5, 0.0, 0.375, 0.0, 0.125]),),
          sigmoid=(("0_at_masked", [1.0, 0.0, 0.5, 0.0, 0.25]),
                   ("mass_at_masked", [1.0, 0.5, 0.5, 0.0, 0.25])),
          ranks=(0, 1, 2, 3, 4))
    cases("masked_all_but_one", [-INF, -INF, -3.5], weights=(("0:0:1", [0.0, 0.0, 1.0]),),
          labels=(2,), smoothing=(0.1,), ranks=(0, 1, 2))
    # Sigmoid weights: a zero weight removes an infinite element; saturation.
    cases("sigmoid_sat", [40.0, -40.0, 700.0, -INF, 1e-10],
          weights=(("w", [2.0, 0.5, 1.0, 0.0, 3.0]),), null_class_sum=False, confidence=False,
          sigmoid=(("t", [1.0, 0.0, 1.0, 1.0, 0.5]), ("t0", [1.0, 0.0, 1.0, 0.0, 0.5])))

    # Random rows with random weights (some zero) and random smoothing.
    for width, rows in ((10, 3), (100, 2), (1000, 1)):
        for r in range(rows):
            sigma = (3.0, 30.0, 0.5)[r]
            z = [ref.short(sigma * rng.normal()) for _ in range(width)]
            w = [0.0 if rng.below(5) == 0 else ref.short(rng.uniform(0, 3)) for _ in range(width)]
            p = ref.grains(rng, width, 1024 if width <= 100 else 128)
            t = [rng.choice([0.0, 1.0, 0.25, 0.5]) for _ in range(width)]
            e = ref.short(rng.uniform(0, 0.3))
            cases(f"random{width}_{r}", z, weights=(("w", w),),
                  labels=("max", rng.below(width), rng.below(width)), smoothing=(e,),
                  dense=(("grains", p),), sigmoid=(("t", t),),
                  ranks=("max", "min", rng.below(width), rng.below(width)))

    # Wide rows (LLM vocabularies), defined by formula as in xent_reference.py.
    z, text = ref.mod_row(250_000, 7919, 1000, 2.0 ** -6, -8.0)
    top = z.index(max(z))
    cases("wide250000", z, text=text,
          weights=(("cycle", [(0.5, 1.0, 0.0, 2.0)[i % 4] for i in range(len(z))],
                    "cycle:0.5,1.0,0.0,2.0"),),
          labels=(top, 17), smoothing=(0.1,),
          ranks=(top, 17, "min", 249_999, 124_999, 0))
    z, text = ref.mod_row(250_000, 7919, 1000, 2.0 ** -6, -8.0, spikes=((123, 60.0),))
    cases("wide250000_spike", z, text=text, labels=(123, 0), smoothing=(0.1, 1e-6),
          ranks=(123, 0, 249_999))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    generate()
    header = [
        "# Generated by scripts/reference/weighted_reference.py (mpmath, 80 digits); do not edit.",
        "# name<TAB>kind<TAB>precision<TAB>logits<TAB>target<TAB>weights<TAB>smoothing<TAB>expected",
        "# kind: class_sum | dense_weighted | sigmoid_weighted | smoothed_sparse | smoothed_dense",
        "#   | confidence | rank (formulas in the script's docstring).",
        "# precision, logits: as in kernels.tsv (same:NAME refers to a case of this file).",
        "# target: the label (smoothed_sparse, rank), a probability or target row (as in",
        "#   kernels.tsv), or -.",
        "# weights: class weights as a row (as targets), or - for null (all ones).",
        "# smoothing: E as a double, or -.",
        "# expected: as in kernels.tsv; rank: the exact integer.",
    ]
    with open(out, "w", newline="\n") as f:
        for line in header + lines:
            f.write(line + "\n")
        f.write(f"# end: {len(lines)} cases\n")
    print(f"{len(lines)} cases written to {os.path.normpath(out)} "
          f"({ref.stats['naive_checked']} values cross-checked at {ref.NAIVE_PREC} bits, "
          f"{ref.stats['naive_skipped']} not resolvable there, {ref.stats['near_tie']} within "
          f"1e-60 of a rounding tie)")


if __name__ == "__main__":
    main()
