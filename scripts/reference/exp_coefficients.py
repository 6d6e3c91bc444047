#!/usr/bin/env python3
"""Derives and checks the polynomial of ExpBlocks.exp (udfs/src/main/java/dev/xent/kernel).

e^r = 1 + r + r^2 * Q(r) on |r| <= ln2/2, Q of degree 9: Q interpolates (e^r - 1 - r) / r^2 at the
10 Chebyshev nodes of the interval (near-minimax). Prints the coefficients as Java hex literals and
the largest relative error of the polynomial with those rounded coefficients, evaluated exactly
(mpmath, 50 digits) on 20,001 points. Needs mpmath; deterministic.
"""
import mpmath as mp

import chebyshev

mp.mp.dps = 50
A = mp.log(2) / 2
DEGREE = 9


def q_true(r):
    # The series 1/2 + r/6 + r^2/24 + ... avoids the cancellation of e^r - 1 - r near 0.
    if abs(r) < mp.mpf("1e-10"):
        return sum(r**j / mp.factorial(j + 2) for j in range(12))
    return (mp.exp(r) - 1 - r) / (r * r)


def main():
    exact = chebyshev.interpolate(q_true, -A, A, DEGREE)
    rounded = [float(c) for c in exact]
    worst = mp.mpf(0)
    points = 20000
    for k in range(points + 1):
        r = -A + 2 * A * k / points
        p = 1 + r + r * r * sum(mp.mpf(c) * r**j for j, c in enumerate(rounded))
        worst = max(worst, abs(p / mp.exp(r) - 1))
    for j, c in enumerate(rounded):
        print(f"  static final double C{j + 2} = {c.hex()};  // {mp.nstr(exact[j], 20)}")
    print("largest relative error with these coefficients:", mp.nstr(worst, 3))


if __name__ == "__main__":
    main()
