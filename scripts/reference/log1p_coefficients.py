#!/usr/bin/env python3
"""Derives and checks the polynomial and constants of Log1p.of (udfs/src/main/java/dev/xent/kernel).

log(1 + f) = 2 atanh(s) = 2s + s*R(z) with s = f/(2 + f), z = s^2, for f in [sqrt(1/2) - 1,
sqrt(2) - 1], so 0 <= z <= (3 - 2 sqrt 2)^2. R(z) = z*P(z); P interpolates R(z)/z = sum_j 2 z^j /
(2j + 3) at the DEGREE + 1 Chebyshev nodes of that interval (near-minimax). Prints P's coefficients
and ln 2's two-part split as Java hex literals, and the largest relative error of P with the
rounded coefficients over 20,001 points (mpmath, 50 digits). Needs mpmath; deterministic.
"""
import mpmath as mp

import chebyshev

mp.mp.dps = 50
Z_MAX = (3 - 2 * mp.sqrt(2)) ** 2
DEGREE = 6


def p_true(z):
    # R(z)/z = (2 atanh(s) - 2s) / (s z), or its series near 0 where that cancels.
    if z < mp.mpf("1e-12"):
        return sum(2 * z**j / (2 * j + 3) for j in range(8))
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) - 2 * s) / (s * z)


def ln2_split():
    """ln 2 as HI + LO, HI with 32 significant bits so that k*HI is exact for |k| < 2^21."""
    ln2 = mp.log(2)
    hi = float(mp.floor(ln2 * 2**32) / 2**32)
    lo = float(ln2 - mp.mpf(hi))
    return hi, lo


def main():
    exact = chebyshev.interpolate(p_true, mp.mpf(0), Z_MAX, DEGREE)
    rounded = [float(c) for c in exact]
    worst = mp.mpf(0)
    points = 20000
    for k in range(points + 1):
        z = Z_MAX * k / points
        p = sum(mp.mpf(c) * z**j for j, c in enumerate(rounded))
        worst = max(worst, abs(p / p_true(z) - 1))
    for j, c in enumerate(rounded):
        print(f"  static final double P{j} = {c.hex()};  // {mp.nstr(exact[j], 20)}")
    hi, lo = ln2_split()
    print(f"  static final double LN2_HI = {hi.hex()};")
    print(f"  static final double LN2_LO = {lo.hex()};")
    print("largest relative error of P with these coefficients:", mp.nstr(worst, 3))


if __name__ == "__main__":
    main()
