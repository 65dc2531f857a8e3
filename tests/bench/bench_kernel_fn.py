#!/usr/bin/env python3
"""bench_kernel_fn.py -- dualact.kernel_fn (NNGP and NTK of data matrices,
depth 10, sw2 1.5, sb2 0.1) against the closed-form erf and ReLU network
kernels written in numpy: time, and the largest relative difference.
    PYTHONPATH=python/stage /usr/bin/python3 tests/bench/bench_kernel_fn.py [N]
Not a test (machines are noisy); figures in docs/benchmarks.md."""
import sys
import time

import numpy as np

import dualact


def net(X, L, sw2, sb2, kern, dkern):
    d = X.shape[1]
    K = sw2 * X @ X.T / d + sb2
    q = np.diag(K).copy()
    T = K.copy()
    for _ in range(L):
        Q1, Q2 = q[:, None], q[None, :]
        C = np.clip(K, -np.sqrt(Q1 * Q2), np.sqrt(Q1 * Q2))
        E, Ed = kern(Q1, Q2, C), dkern(Q1, Q2, C)
        K, T = sw2 * E + sb2, sw2 * E + sb2 + sw2 * Ed * T
        q = np.diag(K).copy()
    return K, T


def erf_k(q1, q2, c):
    return 2 / np.pi * np.arcsin(np.clip(2 * c / np.sqrt((1 + 2 * q1) * (1 + 2 * q2)), -1, 1))


def erf_dk(q1, q2, c):
    return 4 / np.pi / np.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c * c)


def relu_k(q1, q2, c):
    s = np.sqrt(q1 * q2)
    t = np.arccos(np.clip(c / s, -1, 1))
    return s * (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi)


def relu_dk(q1, q2, c):
    t = np.arccos(np.clip(c / np.sqrt(q1 * q2), -1, 1))
    return (np.pi - t) / (2 * np.pi)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    X = np.random.default_rng(1).normal(size=(n, 10))
    for act, k, dk in (("erf", erf_k, erf_dk), ("relu", relu_k, relu_dk)):
        t0 = time.time()
        got = dualact.kernel_fn(act, depth=10, sw2=1.5, sb2=0.1)(X)
        t1 = time.time()
        K, T = net(X, 10, 1.5, 0.1, k, dk)
        t2 = time.time()
        rk = np.max(np.abs(got.nngp - K) / np.abs(K))
        rt = np.max(np.abs(got.ntk - T) / np.abs(T))
        print("%-4s %d x %d, depth 10: dualact %.2f s (%.1f us per entry and layer), numpy %.3f s; "
              "max relative difference nngp %.1e, ntk %.1e"
              % (act, n, n, t1 - t0, (t1 - t0) / (n * n * 10) * 1e6, t2 - t1, rk, rt))


if __name__ == "__main__":
    main()
