"""The max-min LP of Liang, Wu & Yu solved by scipy's HiGHS, for comparison with hopfield-memory.

    python maxmin_highs.py PATTERNS.txt full|rows [highs-ipm|highs-ds] [repeats]

PATTERNS.txt: one pattern per line, +-1 separated by spaces (learn_scale --dump-patterns).
`full`: the symmetric program, variables W_ij (i < j) and z, diagonal fixed at 1.
`rows`: the N row-decoupled programs; prints their minimum (the decoupled bound).
Prints one JSON line: best CPU and wall time over the repeats (each separately) and the
optimum.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog


def full(x, method):
    n, m = x.shape
    iu, ju = np.triu_indices(n, 1)
    npairs = len(iu)
    rows, cols, vals = [], [], []
    for u in range(m):
        xu = x[:, u]
        coef = -0.5 * xu[iu] * xu[ju]
        # constraint (i, u) has the pairs (i, j) and (j, i)
        rows.append(iu * m + u)
        cols.append(np.arange(npairs))
        vals.append(coef)
        rows.append(ju * m + u)
        cols.append(np.arange(npairs))
        vals.append(coef)
    rows = np.concatenate(rows + [np.arange(n * m)])
    cols = np.concatenate(cols + [np.full(n * m, npairs)])
    vals = np.concatenate(vals + [np.ones(n * m)])
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n * m, npairs + 1))
    c = np.zeros(npairs + 1)
    c[-1] = -1.0
    r = linprog(c, A_ub=a, b_ub=np.full(n * m, 0.5),
                bounds=[(-1, 1)] * npairs + [(None, None)], method=method)
    return -r.fun


def rows(x, method):
    n, m = x.shape
    best = np.inf
    for i in range(n):
        others = [j for j in range(n) if j != i]
        a = np.hstack([-0.5 * (x[i, :][:, None] * x[others, :].T), np.ones((m, 1))])
        c = np.zeros(n)
        c[-1] = -1.0
        r = linprog(c, A_ub=a, b_ub=np.full(m, 0.5),
                    bounds=[(-1, 1)] * (n - 1) + [(None, None)], method=method)
        best = min(best, -r.fun)
    return best


def main():
    x = np.loadtxt(sys.argv[1], ndmin=2).T  # N x M
    what = sys.argv[2]
    method = sys.argv[3] if len(sys.argv) > 3 else "highs-ipm"
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        value = full(x, method) if what == "full" else rows(x, method)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    print(json.dumps({"solver": f"scipy {method}", "program": what, "n": x.shape[0],
                      "m": x.shape[1], "cpu_s": min(cpus), "wall_s": min(walls),
                      "objective": value}))


if __name__ == "__main__":
    main()
