"""The peer of bench.sh: raw Hermite coefficients of tanh with mpmath, one
mp.quad per coefficient (the line split at 0, where a user would split),
as a user of mpmath would write it.  Prints the elapsed seconds."""
import sys, time
from mpmath import mp, mpf, quad, tanh, exp, sqrt, pi, factorial, hermite, inf

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20
D = int(sys.argv[2]) if len(sys.argv) > 2 else 50
mp.dps = D + 10
t0 = time.time()
c = 1 / sqrt(2 * pi)
coeffs = []
for k in range(N + 1):
    # probabilists' He_k(x) = 2^(-k/2) H_k(x / sqrt 2)
    f = lambda x, k=k: tanh(x) * hermite(k, x / sqrt(2)) * 2 ** (-mpf(k) / 2) * exp(-x * x / 2) * c
    coeffs.append(quad(f, [-inf, 0, inf]) / sqrt(factorial(k)))
print("%.4f" % (time.time() - t0))
