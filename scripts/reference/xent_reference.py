#!/usr/bin/env python3
"""Golden values for ReferenceAccuracyTest, computed with mpmath and independent of xent.

    python3 scripts/reference/xent_reference.py [OUTPUT]

writes udfs/src/test/resources/reference/kernels.tsv (or OUTPUT). The output is deterministic:
every case is listed below, and the random rows come from one seeded random.Random, of which only
random() is used (its sequence is stable across Python versions, unlike gauss() or randrange()).

Inputs are exact binary values. A float64 logit is written as Python's repr (the shortest decimal
that rounds back to it); a float32 logit as the shortest decimal whose nearest binary32 value is it
(checked here with exact rational arithmetic, so Java's Float.parseFloat gives that value). Wide
rows are defined by a formula that Java evaluates with the same exact double operations.

Expected values are the exact mathematical results for those binary inputs:
  * every difference m - z_j and every product such as p_j*(m - z_j) is formed exactly (Fraction);
  * log-sum-exp is m + log1p(rest), rest = sum_{i != first max} exp(z_i - m), at 80 digits, each
    exp evaluated with extra bits for the size of its argument, so even a loss of 1e-300 (which is
    log(1 + 1e-300)) keeps every digit;
  * every result is cross-checked against the textbook formula log(sum exp(z_i)) - z_y (softmax)
    and -[t log s + (1 - t) log(1 - s)], s = 1/(1 + e^-z) (sigmoid) at 4000 bits;
  * each value is written with 25 significant digits, and the script asserts that the decimal
    parses (correctly rounded, as Java's Double.parseDouble does) to the correctly rounded double
    of the 80-digit value.
"""

import os
import random
import struct
import sys
from collections import Counter
from fractions import Fraction

import mpmath
from mpmath import mp, mpf

mp.dps = 80
NAIVE_PREC = 4000
DIGITS = 25
SEED = 20251124
INF = float("inf")
FLT_MAX = Fraction(struct.unpack("<f", bytes.fromhex("ffff7f7f"))[0])
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "udfs", "src",
                           "test", "resources", "reference", "kernels.tsv")


# ---------------------------------------------------------------------------------------------
# Exact binary values and their text.

def f32(x):
    """The binary32 value nearest the double x (one rounding), as a double."""
    if x != x or abs(x) == INF:
        return x
    return struct.unpack("<f", struct.pack("<f", x))[0]


def round_f32(fr):
    """The binary32 value nearest the rational fr (ties to even), as a double."""
    if fr == 0:
        return 0.0
    sign = -1 if fr < 0 else 1
    a = abs(fr)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    e = max(e, -126)
    n = round(a / Fraction(2) ** (e - 23))
    v = n * Fraction(2) ** (e - 23)
    if v > FLT_MAX:
        return sign * INF
    return sign * float(v)


def text_f64(v):
    if v == INF:
        return "Infinity"
    if v == -INF:
        return "-Infinity"
    return repr(float(v))


def text_f32(v):
    if abs(v) == INF:
        return text_f64(v)
    assert f32(v) == v, v
    for digits in range(1, 10):
        s = repr(float("%.*g" % (digits, v)))  # 40.0 rather than 4e+01
        if round_f32(Fraction(s)) == v:
            return s
    raise AssertionError(v)


def text_value(v, precision):
    return text_f32(v) if precision == "f32" else text_f64(v)


def to_mpf(fr):
    """A rational with a power-of-two denominator, rounded once to the working precision."""
    return mpf(fr.numerator) / fr.denominator


def exp_of(fr):
    # exp(x) for |x| ~ 2^k needs x to k extra bits; without them exp(-6.8e38) would be garbage.
    bits = max(0, abs(fr).numerator.bit_length() - fr.denominator.bit_length() + 1)
    with mp.workprec(mp.prec + bits + 32):
        return mpmath.exp(to_mpf(fr))


def nearest_double(x):
    """The correctly rounded double of an mpf (Python's int true division rounds correctly)."""
    if mpmath.isinf(x):
        return INF if x > 0 else -INF
    if x == 0:
        return 0.0
    sign, man, exp, _ = x._mpf_
    top = exp + man.bit_length()
    if top > 1100:
        return -INF if sign else INF
    if top < -1100:
        return -0.0 if sign else 0.0
    value = Fraction(man * 2 ** exp) if exp >= 0 else Fraction(man, 2 ** -exp)
    try:
        result = float(value)
    except OverflowError:
        result = INF
    return -result if sign else result


def text_expected(x):
    """25 significant digits; '0' only for an exact zero; Infinity for +inf."""
    if (isinstance(x, float) and abs(x) == INF) or (isinstance(x, mpf) and mpmath.isinf(x)):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    for digits in range(DIGITS, 61):
        s = mpmath.nstr(x, digits, strip_zeros=False, min_fixed=-3, max_fixed=7)
        if float(s) == nearest_double(x):
            return s
    # Within 1e-60 of a tie between two doubles (e.g. 3/4 of 1e30 plus e^-1e30): no decimal of
    # sensible length rounds the right way, and either neighbour is within the tests' tolerance.
    stats["near_tie"] += 1
    return mpmath.nstr(x, DIGITS, strip_zeros=False, min_fixed=-3, max_fixed=7)


# ---------------------------------------------------------------------------------------------
# The reference.

class Row:
    """One row of logits in one precision, with its exact softmax decomposition."""

    def __init__(self, z, precision, text=None):
        self.z = z
        self.precision = precision
        self.text = text if text is not None else ",".join(text_value(v, precision) for v in z)
        self.groups = Counter(v for v in z if v != -INF)
        self.m = max(self.groups)
        self.max_abs = max(abs(v) for v in self.groups)
        assert abs(self.m) != INF
        rest = mpf(0)
        for v, c in self.groups.items():
            # The first maximum is left out rather than added and subtracted.
            c = c - 1 if v == self.m else c
            if c:
                rest += c * exp_of(Fraction(v) - Fraction(self.m))
        self.log1p_rest = mpmath.log1p(rest)
        self._naive_lse = None

    def gap(self, zj):
        """m - z_j (exact) rounded to an mpf."""
        return to_mpf(Fraction(self.m) - Fraction(zj))

    def sparse(self, y):
        if self.z[y] == -INF:
            return INF
        return self.gap(self.z[y]) + self.log1p_rest

    def lse(self):
        return to_mpf(Fraction(self.m)) + self.log1p_rest

    def log_softmax(self, j):
        if self.z[j] == -INF:
            return -INF
        return -(self.gap(self.z[j]) + self.log1p_rest)

    def dense(self, p):
        total = mpf(0)
        for (zj, pj), c in Counter(zip(self.z, p)).items():
            if pj == 0:
                continue
            if zj == -INF:
                return INF
            weight = c * Fraction(pj)
            total += (to_mpf(weight * (Fraction(self.m) - Fraction(zj)))
                      + to_mpf(weight) * self.log1p_rest)
        return total

    def sigmoid(self, t):
        total = mpf(0)
        for (zj, tj), c in Counter(zip(self.z, t)).items():
            element = sigmoid_element(zj, tj)
            if element == INF:
                return INF
            total += c * element
        return total

    # The textbook formulas at 4000 bits, to cross-check the decomposition above.

    def naive_lse(self):
        if self._naive_lse is None:
            with mp.workprec(NAIVE_PREC):
                self._naive_lse = mpmath.log(
                    mpmath.fsum(c * mpmath.exp(mpf(v)) for v, c in self.groups.items()))
        return self._naive_lse

    def naive(self, kind, arg):
        with mp.workprec(NAIVE_PREC):
            lse = self.naive_lse()
            if kind == "sparse":
                return INF if self.z[arg] == -INF else lse - mpf(self.z[arg])
            if kind == "lse":
                return lse
            if kind == "log_softmax":
                return -INF if self.z[arg] == -INF else mpf(self.z[arg]) - lse
            if kind == "dense":
                total = mpf(0)
                for (zj, pj), c in Counter(zip(self.z, arg)).items():
                    if pj != 0:
                        if zj == -INF:
                            return INF
                        total += c * mpf(pj) * (lse - mpf(zj))
                return total
            if kind == "sigmoid":
                total = mpf(0)
                for (zj, tj), c in Counter(zip(self.z, arg)).items():
                    element = naive_sigmoid_element(zj, tj)
                    if element is None:
                        return None
                    total += c * element
                return total
        raise ValueError(kind)


def sigmoid_element(z, t):
    """max(z,0) - z t + log(1 + e^-|z|), split so that both parts are non-negative."""
    if z == -INF:
        return mpf(0) if t == 0 else INF
    fz, ft = Fraction(z), Fraction(t)
    if z > 0:
        return to_mpf(fz * (1 - ft)) + mpmath.log1p(exp_of(-fz))
    return to_mpf(-fz * ft) + mpmath.log1p(exp_of(fz))


def naive_sigmoid_element(z, t):
    if z == -INF:
        return mpf(0) if t == 0 else INF
    s = 1 / (1 + mpmath.exp(-mpf(z)))
    if (s == 1 and t != 1) or (s == 0 and t != 0):
        return None  # 4000 bits cannot resolve 1 - s here; the decomposition stands alone
    loss = mpf(0)
    if t != 0:
        loss -= mpf(t) * mpmath.log(s)
    if t != 1:
        loss -= (1 - mpf(t)) * mpmath.log(1 - s)
    return loss


stats = Counter()


def cross_check(name, stable, naive, scale):
    if naive is None:
        stats["naive_skipped"] += 1
        return
    if stable == INF or naive == INF or stable == -INF or naive == -INF:
        assert stable == naive, (name, stable, naive)
        return
    with mp.workprec(NAIVE_PREC):
        diff = abs(mpf(stable) - naive)
        bound = mpf(10) ** -60 * abs(mpf(stable)) + mpf(2) ** -(NAIVE_PREC - 64) * scale
    assert diff <= bound, (name, mpmath.nstr(stable, 30), mpmath.nstr(naive, 30))
    stats["naive_checked"] += 1


# ---------------------------------------------------------------------------------------------
# Cases.

lines = []
names = set()


def emit(name, kind, precision, logits_text, target_text, expected_text):
    assert name not in names, name
    assert not logits_text.startswith("same:") or logits_text[5:] in names, name
    assert "\t" not in target_text and "\t" not in expected_text
    names.add(name)
    lines.append("\t".join([name, kind, precision, logits_text, target_text, expected_text]))


def text_doubles(values):
    """A list of doubles, as at:i=v,... (zero elsewhere) when that is shorter."""
    full = ",".join(text_f64(v) for v in values)
    sparse = "at:" + ",".join(f"{i}={text_f64(v)}" for i, v in enumerate(values) if v != 0)
    return sparse if len(sparse) < len(full) else full


def convert(z, precision):
    return [f32(v) for v in z] if precision == "f32" else [float(v) for v in z]


def softmax_cases(base, z, precisions=("f64", "f32"), labels=(), dense=(), log_softmax="all",
                  sigmoid=(), text=None):
    """Emits the cases of one logit row, in each precision.

    labels: sparse labels ("max" for the first maximum, "min" for the first minimum);
    dense, sigmoid: (tag, values[, text]) rows of probabilities / targets;
    log_softmax: "all", None, or a list of indices; text: the formula of a wide row.
    """
    for precision in precisions:
        row = Row(convert(z, precision), precision, text)
        prefix = f"{base}/{precision}"
        scale = max(1, row.max_abs) * len(row.z)
        first = []

        def add(name, kind, target_text, expected_text):
            # The logits in full on the row's first case only: a 1000-class row is ~9 KB.
            emit(name, kind, precision, "same:" + first[0] if first else row.text, target_text,
                 expected_text)
            first.append(name)

        resolved = [row.z.index(row.m) if y == "max" else row.z.index(min(row.z)) if y == "min"
                    else y for y in labels]
        for label in dict.fromkeys(resolved):  # a random label may repeat the maximum
            value = row.sparse(label)
            cross_check(prefix, value, row.naive("sparse", label), scale)
            add(f"{prefix}/sparse[y={label}]", "sparse", str(label), text_expected(value))
        for tag, p, *p_text in dense:
            p = [float(v) for v in p]
            value = row.dense(p)
            cross_check(prefix, value, row.naive("dense", p), scale)
            add(f"{prefix}/dense[{tag}]", "dense", p_text[0] if p_text else text_doubles(p),
                text_expected(value))
        if log_softmax is not None:
            indices = (range(len(row.z)) if log_softmax == "all"
                       else list(dict.fromkeys(log_softmax)))
            values = []
            for j in indices:
                value = row.log_softmax(j)
                cross_check(prefix, value, row.naive("log_softmax", j), scale)
                values.append(text_expected(value))
            which = "all" if log_softmax == "all" else "idx:" + ",".join(map(str, indices))
            add(f"{prefix}/log_softmax", "log_softmax", which, ",".join(values))
        value = row.lse()
        cross_check(prefix, value, row.naive("lse", None), scale)
        add(f"{prefix}/lse", "lse", "-", text_expected(value))
        for tag, t, *t_text in sigmoid:
            t = [float(v) for v in t]
            value = row.sigmoid(t)
            cross_check(prefix, value, row.naive("sigmoid", t), scale)
            add(f"{prefix}/sigmoid[{tag}]", "sigmoid", t_text[0] if t_text else text_doubles(t),
                text_expected(value))


class Random:
    """Only random() of the Mersenne Twister, whose sequence every Python 3 reproduces."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.rng.random()

    def below(self, n):
        return int(self.rng.random() * n)

    def normal(self):
        # Irwin-Hall rather than Box-Muller: no libm call, so no platform can differ in an ulp.
        return sum(self.rng.random() for _ in range(12)) - 6.0

    def choice(self, items):
        return items[self.below(len(items))]


def short(x):
    """A short decimal (6 significant digits) and so a short line; its double is the input."""
    return float("%.6g" % x)


def grains(rng, width, units=1024, zero=()):
    """A probability row of multiples of 1/units summing to exactly 1 (units a power of two)."""
    counts = [0] * width
    allowed = [j for j in range(width) if j not in zero]
    for _ in range(units):
        counts[rng.choice(allowed)] += 1
    return [c / units for c in counts]


def mod_row(n, a, m, scale, offset, spikes=()):
    """z_i = ((i*a) mod m)*scale + offset, then z[i] = v for each spike; Java repeats this."""
    assert Fraction(scale).numerator == 1 or Fraction(scale).denominator == 1
    assert bin(Fraction(scale).numerator * Fraction(scale).denominator).count("1") == 1
    z = []
    for i in range(n):
        r = (i * a) % m
        v = r * scale + offset
        assert Fraction(v) == Fraction(r) * Fraction(scale) + Fraction(offset)  # exact in double
        assert f32(v) == v  # and in float
        z.append(v)
    for i, v in spikes:
        assert f32(v) == v
        z[i] = v
    text = f"mod:{n}:{a}:{m}:{text_f64(scale)}:{text_f64(offset)}"
    text += "".join(f"@{i}={text_f64(v)}" for i, v in spikes)
    return z, text


def generate():
    rng = Random(SEED)
    ln10 = float(mpmath.log(10))

    # Tiny losses: the correct class dominates by d = k*ln 10, so the loss is about 10^-k. The
    # last three are subnormal (1e-310, 1e-320) or below the double range (e^-800).
    for k, d in ((20, 20 * ln10), (30, 30 * ln10), (100, 100 * ln10), (300, 300 * ln10),
                 (310, 310 * ln10), (320, 320 * ln10), ("e800", 800.0)):
        softmax_cases(f"tiny_1e-{k}" if k != "e800" else "tiny_e-800", [0.0, -d],
                      labels=(0, 1), dense=(("onehot", [1.0, 0.0]), ("3:1", [0.75, 0.25])),
                      sigmoid=(("1,0", [1.0, 0.0]),))
    for k in (20, 30, 100, 300):
        d = k * ln10
        softmax_cases(f"tiny3_1e-{k}", [10.0, 10.0 - d, 10.0 - d - 1.5], labels=(0, 2),
                      dense=(("onehot", [1.0, 0.0, 0.0]),), log_softmax=None)
        # Two equal runners-up: the loss is 2e-k, and a tie must not be mistaken for the maximum.
        softmax_cases(f"tiny_tied_runners_1e-{k}", [-d, 0.0, -d], labels=(1,), log_softmax=None)

    # Huge magnitudes.
    softmax_cases("pm1e30", [1e30, -1e30, 0.0], labels=(0, 1, 2),
                  dense=(("2:1:1", [0.5, 0.25, 0.25]), ("onehot", [1.0, 0.0, 0.0])),
                  sigmoid=(("1,0,.5", [1.0, 0.0, 0.5]), ("0,1,1", [0.0, 1.0, 1.0])))
    softmax_cases("near1e30", [1e30, 1e30 - 1e24, -1e30], labels=(0, 1),
                  dense=(("1:1:0", [0.5, 0.5, 0.0]),))
    softmax_cases("mixed_signs", [1e30, -1e30, 1.0, -1.0, 0.0, 1e-30, -1e-30], labels=(0, 2, 5, 6),
                  dense=(("spread", [0.125, 0.125, 0.25, 0.125, 0.125, 0.125, 0.125]),),
                  sigmoid=(("mixed", [1.0, 0.0, 0.75, 0.25, 0.5, 1.0, 0.0]),))
    fmax = float(FLT_MAX)
    softmax_cases("float_max", [fmax, -fmax, 3e38, 0.0], labels=(0, 1, 2, 3),
                  dense=(("quarters", [0.25, 0.25, 0.25, 0.25]),),
                  sigmoid=(("1,0,1,.5", [1.0, 0.0, 1.0, 0.5]),
                           ("0,1,.25,0", [0.0, 1.0, 0.25, 0.0])))
    softmax_cases("float_max_tie", [fmax, fmax], labels=(0, 1), dense=(("halves", [0.5, 0.5]),))
    softmax_cases("near_float_max_close", [3.4e38, 3.3999998e38, 3.3999996e38], labels=(0, 1, 2))
    softmax_cases("neg_float_max", [-3e38, -3e38, -fmax], labels=(0, 2),
                  sigmoid=(("1,0,1", [1.0, 0.0, 1.0]),))
    # Beyond float: m - z_y = 3.6e308 overflows, and its correctly rounded double is +inf.
    dmax = 1.7976931348623157e308
    softmax_cases("double_max", [dmax, -dmax, 0.0], precisions=("f64",), labels=(0, 1, 2),
                  dense=(("onehot_max", [1.0, 0.0, 0.0]), ("no_min", [0.5, 0.0, 0.5])),
                  sigmoid=(("0,1,.5", [0.0, 1.0, 0.5]), ("1,0,.5", [1.0, 0.0, 0.5])))
    softmax_cases("double_8e307", [8e307, -8e307], precisions=("f64",), labels=(0, 1))
    for tag, width in (("a", 100), ("b", 40)):
        z = [short(rng.uniform(-5000, 5000)) for _ in range(width)]
        softmax_cases(f"spread5000_{tag}", z, labels=("max", "min", rng.below(width),
                                                       rng.below(width)),
                      dense=(("grains", grains(rng, width)),),
                      sigmoid=(("mixed", [rng.choice([0.0, 1.0, 0.25, 0.5, 0.875])
                                          for _ in range(width)]),))
    softmax_cases("linear5000", [-5000.0 + 1000 * i for i in range(11)], labels=(10, 9, 0, 5),
                  dense=(("top2", [0.0] * 9 + [0.5, 0.5]),))
    softmax_cases("blog_1000_5000", [1000.0, 2000.0, 3000.0, 4000.0, 5000.0], labels=(4, 3, 0))
    softmax_cases("offset_1e6", [1e6, 999999.5, 999998.75, 999990.0], labels=(0, 1, 2, 3),
                  dense=(("1:1:1:1", [0.25] * 4),))
    softmax_cases("neg_1e30_close", [-1e30, -1e30, -1.0000000000000001e30], labels=(0, 2))

    # One class (loss exactly 0), two classes, ties.
    for tag, v in (("5", 5.0), ("-3.25", -3.25), ("0", 0.0), ("-1e30", -1e30), ("fmax", fmax),
                   ("-7.5", -7.5)):
        softmax_cases(f"single[{tag}]", [v], labels=(0,), dense=(("one", [1.0]),),
                      sigmoid=(("1", [1.0]), ("0.5", [0.5])))
    softmax_cases("two_0.2_0.8", [0.2, 0.8], labels=(0, 1), dense=(("1:3", [0.25, 0.75]),),
                  sigmoid=(("0,1", [0.0, 1.0]),))
    softmax_cases("two_-40_40", [-40.0, 40.0], labels=(0, 1), dense=(("1:1", [0.5, 0.5]),))
    softmax_cases("two_tie", [0.0, 0.0], labels=(0, 1), dense=(("1:0", [1.0, 0.0]),))
    softmax_cases("tie4", [1.0, 1.0, 1.0, 1.0], labels=(0, 2), dense=(("1:1:1:1", [0.25] * 4),))
    softmax_cases("tie_split", [3.0, -2.0, 3.0], labels=(0, 1, 2), dense=(("0:1:1", [0, .5, .5]),))
    softmax_cases("tie_neg", [-7.5, -7.5, -7.5], labels=(1,))
    softmax_cases("tie_1e30", [1e30, 1e30, 0.0], labels=(1, 2))
    # ln 2 rounded: lse(-ln2, -ln2) is 0 up to the rounding of ln 2, a cancellation to ~1e-17.
    ln2 = float(mpmath.log(2))
    softmax_cases("lse_cancels", [-ln2, -ln2], labels=(0,))

    # Random rows.
    for width, rows in ((10, 4), (100, 3), (1000, 2)):
        for r in range(rows):
            sigma = (3.0, 30.0, 0.5, 300.0)[r]
            shift = (0.0, -20.0, 5.0, 1000.0)[r]
            z = [short(shift + sigma * rng.normal()) for _ in range(width)]
            labels = ("max", rng.below(width), rng.below(width))
            targets = ([rng.choice([0.0, 1.0]) for _ in range(width)] if r % 2 == 0 else
                       [rng.choice([0.0, 1.0, 0.1, 0.3, 0.5, 0.9]) for _ in range(width)])
            # log_softmax of every entry only up to 100 classes: 1000 entries would be 30 KB.
            lsm = "all" if width <= 100 else [0, 1, 2, 499, 998, 999]
            softmax_cases(f"random{width}_{r}", z, labels=labels,
                          dense=(("grains", grains(rng, width, 1024 if width <= 100 else 128)),),
                          log_softmax=lsm,
                          sigmoid=(("targets", targets),))

    # Dense rows with exact probabilities, masked classes.
    z = [2.0, -INF, 0.5, -INF, -1.0]
    softmax_cases("masked", z, labels=(0, 1, 2),
                  dense=(("zero_at_masked", [0.5, 0.0, 0.375, 0.0, 0.125]),
                         ("mass_at_masked", [0.5, 0.125, 0.25, 0.0, 0.125])),
                  sigmoid=(("0_at_masked", [1.0, 0.0, 0.5, 0.0, 0.25]),
                           ("mass_at_masked", [1.0, 0.5, 0.5, 0.0, 0.25])))
    softmax_cases("masked_all_but_one", [-INF] * 5 + [-3.5], labels=(5, 0),
                  dense=(("one", [0.0] * 5 + [1.0]),))
    softmax_cases("masked_huge", [-INF, 1e30, -1e30, -INF], labels=(1, 2, 3),
                  dense=(("zero_at_masked", [0.0, 0.75, 0.25, 0.0]),))
    # Decimal probabilities that do not sum to exactly 1 in binary: used as given.
    softmax_cases("dense_decimal", [0.5, 1.5, 0.1], labels=(1,),
                  dense=(("0.1,0.2,0.7", [0.1, 0.2, 0.7]),), log_softmax=None)
    softmax_cases("dense_1_1024", [short(rng.normal()) for _ in range(16)], labels=(),
                  dense=(("1/1024", grains(rng, 16, 1024, zero=(3, 7))),
                         ("tiny_mass", [1023 / 1024] + [0.0] * 14 + [1 / 1024])),
                  log_softmax=None)

    # Wide rows (LLM vocabularies), defined by formula.
    z, text = mod_row(250_000, 7919, 1000, 2.0 ** -6, -8.0)
    top = z.index(max(z))
    p = [0.0] * len(z)
    for i, v in ((top, 0.5), (17, 0.25), (123_456, 0.125), (249_999, 0.125)):
        p[i] = v
    softmax_cases("wide250000", z, text=text, labels=(top, 17, "min", 249_999),
                  dense=(("at4", p),),
                  log_softmax=[0, 17, top, z.index(min(z)), 249_999],
                  sigmoid=(("cycle5", [(0.0, 1.0, 0.25, 0.5, 1.0)[i % 5] for i in range(len(z))],
                            "cycle:0.0,1.0,0.25,0.5,1.0"),))
    # A confident prediction over 250,000 classes: loss ~ 3e-19.
    z, text = mod_row(250_000, 7919, 1000, 2.0 ** -6, -8.0, spikes=((123, 60.0),))
    softmax_cases("wide250000_spike", z, text=text, labels=(123, 0),
                  log_softmax=[123], sigmoid=())
    z, text = mod_row(131_072, 40503, 4096, 2.0 ** -8, -8.0)
    top = z.index(max(z))
    softmax_cases("wide131072", z, text=text, labels=(top, 17, "min", 131_071),
                  dense=(("uniform", [2.0 ** -17] * len(z), "cycle:" + text_f64(2.0 ** -17)),
                         ("even", [(2.0 ** -16, 0.0)[i % 2] for i in range(len(z))],
                          f"cycle:{text_f64(2.0 ** -16)},0.0")),
                  log_softmax=[0, 1, top, 131_071],
                  sigmoid=(("cycle3", [(1.0, 0.0, 0.5)[i % 3] for i in range(len(z))],
                            "cycle:1.0,0.0,0.5"),))
    # Spread -4096...4094 over 131,072 classes: most of the mass underflows.
    z, text = mod_row(131_072, 40503, 4096, 2.0, -4096.0)
    top = z.index(max(z))
    softmax_cases("wide131072_spread", z, text=text, labels=(top, 5, "min"),
                  dense=(("uniform", [2.0 ** -17] * len(z), "cycle:" + text_f64(2.0 ** -17)),),
                  log_softmax=[0, top])

    # Sigmoid elements: saturation, tiny losses (down to subnormal and below), huge logits.
    for z, t in ((40.0, 1.0), (40.0, 0.0), (-40.0, 0.0), (-40.0, 1.0), (40.0, 0.5),
                 (1e-10, 1.0), (1e-10, 0.0), (1e-10, 0.5), (-1e-10, 0.25), (-1e-10, 1.0),
                 (700.0, 1.0), (700.0, 0.0), (700.0, 0.75), (-700.0, 0.0), (-700.0, 1.0),
                 (0.0, 0.5), (0.0, 1.0), (0.0, 0.0), (50.0, 1.0), (-50.0, 0.0), (36.7, 1.0),
                 (740.0, 1.0), (745.0, 1.0), (800.0, 1.0), (-800.0, 0.0), (2.0, 0.3),
                 (-3.5, 0.1), (1e30, 0.5), (-1e30, 1.0), (1e30, 1.0), (3e38, 0.25),
                 (-INF, 0.0), (-INF, 1.0), (-INF, 0.5)):
        precisions = ("f64", "f32") if f32(z) != INF else ("f64",)
        for precision in precisions:
            name = f"sigmoid[z={text_f64(z)},t={text_f64(t)}]/{precision}"
            zp = convert([z], precision)[0]
            value = sigmoid_element(zp, t)
            with mp.workprec(NAIVE_PREC):
                naive = naive_sigmoid_element(zp, t)
            cross_check(name, value, naive, 1 + (abs(zp) if zp != -INF else 0))
            emit(name, "sigmoid", precision, text_value(zp, precision), text_f64(t),
                 text_expected(value))
    softmax_cases("sigmoid_tiny_row", [50.0, -50.0, 40.0, -40.0, 745.0], labels=(),
                  log_softmax=None,
                  sigmoid=(("1,0,1,0,1", [1.0, 0.0, 1.0, 0.0, 1.0]),))
    softmax_cases("sigmoid_blog", [0.2, 0.2, 0.2, 0.2, 0.2], labels=(3,),
                  sigmoid=(("one_hot", [0.0, 0.0, 0.0, 1.0, 0.0]),))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    generate()
    header = [
        "# Generated by scripts/reference/xent_reference.py (mpmath, 80 digits); do not edit.",
        "# name<TAB>kind<TAB>precision<TAB>logits<TAB>target<TAB>expected",
        "# kind: sparse | dense | log_softmax | lse | sigmoid (row loss = sum over elements).",
        "# precision: f64 | f32 (logits only; labels and targets are always doubles).",
        "# logits: comma-separated decimals that parse exactly (Double.parseDouble for f64,",
        "#   Float.parseFloat for f32), Infinity/-Infinity allowed; or same:NAME, the logits of",
        "#   the earlier case NAME; or",
        "#   mod:N:A:M:S:O[@i=v...]: z_i = ((i*A) mod M)*S + O in double for i < N, then z_i = v",
        "#   for each @i=v; S is a power of two, so every z_i is exact (also as a float).",
        "# target: sparse: the label; dense/sigmoid: comma-separated doubles, or at:i=v,... (zero",
        "#   elsewhere), or cycle:a,b,... (entry i is the (i mod len)-th); log_softmax: all or",
        "#   idx:i,j,... (the entries checked); lse: -.",
        "# expected: the exact value for those binary inputs to 25 significant digits (its",
        "#   correctly rounded double is the correctly rounded result), 0 for an exact zero,",
        "#   Infinity/-Infinity; log_softmax: comma-separated, one per checked entry.",
    ]
    with open(out, "w", newline="\n") as f:
        for line in header + lines:
            f.write(line + "\n")
        f.write(f"# end: {len(lines)} cases\n")
    print(f"{len(lines)} cases written to {os.path.normpath(out)} "
          f"({stats['naive_checked']} values cross-checked at {NAIVE_PREC} bits, "
          f"{stats['naive_skipped']} not resolvable there, {stats['near_tie']} within 1e-60 of a "
          f"rounding tie)")


if __name__ == "__main__":
    main()
