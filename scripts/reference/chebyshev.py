"""The near-minimax fit shared by exp_coefficients.py and log1p_coefficients.py.

interpolate(function, low, high, degree) returns, at the working precision of mpmath, the
coefficients c_0 ... c_degree of the polynomial that equals function at the degree + 1 Chebyshev
nodes of [low, high].
"""
import mpmath as mp


def interpolate(function, low, high, degree):
    n = degree + 1
    middle = (low + high) / 2
    half = (high - low) / 2
    nodes = [middle + half * mp.cos(mp.pi * (2 * i + 1) / (2 * n)) for i in range(n)]
    matrix = mp.matrix(n, n)
    rhs = mp.matrix(n, 1)
    for i, x in enumerate(nodes):
        for j in range(n):
            matrix[i, j] = x**j
        rhs[i] = function(x)
    exact = mp.lu_solve(matrix, rhs)
    return [exact[j] for j in range(n)]
