#!/usr/bin/env python3
"""Oracle for the DOCS level of unrelated matrices (test/unit/analysis/methods/similarity/chanceLevel.test.ts).

Re-run:  python3 test/oracles/docs_chance.py   (writes test/oracles/docs_chance.json; numpy + scipy, ~1 min)

For two independent Gaussian n x m matrices X, Y, DOCS compares their m columns: s_X[j] = max_k
|cos(X_j, Y_k)|, a Gumbel (right) is fitted to the m values of s_X by maximum likelihood, the same
for s_Y, and S = (u_X + u_Y) / 2. Two references per shape:

* "analytic": the population value of that fit. For a fixed X_j the m cosines with independent
  uniform directions Y_k are independent, each |cos| with CDF F(t) = I_{t^2}(1/2, (n-1)/2) (the
  regularized incomplete beta, scipy.special.betainc), so s_X[j] has CDF F(t)^m. The Gumbel MLE
  fitted to a large sample from that law converges to the solution of
      beta = E[x] - E[x e^{-x/beta}] / E[e^{-x/beta}],   u = -beta ln E[e^{-x/beta}]
  with the expectations under F^m, computed here by adaptive quadrature (scipy.integrate.quad).
* "simulated": the mean and standard error of S over `trials` pairs of Gaussian matrices, each
  fitted with scipy.stats.gumbel_r.fit, as the paper's procedure does it.
The classical approximation Phi^{-1}(1 - 1/(2m)) / sqrt(n) is written beside them for comparison.
"""
import json, os
import numpy as np
from scipy import integrate, optimize, special, stats

HERE = os.path.dirname(os.path.abspath(__file__))


def analytic(n, m):
    a, b = 0.5, (n - 1) / 2
    logB = special.betaln(a, b)
    t0 = special.ndtri(1 - 1 / (2 * m)) / np.sqrt(n)  # about where the maximum lies

    def log_g(t):
        # log density of the maximum of m values of |cos|: m F^(m-1) f with F(t) = I_{t^2}(a, b)
        # and f(t) = 2 (1 - t^2)^(b-1) / B(a, b).
        F = special.betainc(a, b, t * t)
        return np.log(m) + (m - 1) * np.log(F) + np.log(2.0) + (b - 1) * np.log1p(-t * t) - logB if F > 0 else -np.inf

    lo, hi = max(0.0, t0 - 10 / np.sqrt(n)), min(1.0 - 1e-12, t0 + 12 / np.sqrt(n))
    pts = [t0 * f for f in (0.7, 0.85, 1.0, 1.15, 1.3) if lo < t0 * f < hi]

    def E(k, beta=None):
        # E[x^k e^{-(x - t0)/beta}] (no exponential when beta is None), in one exp for stability
        f = lambda t: t**k * np.exp(log_g(t) - (0.0 if beta is None else (t - t0) / beta))
        return integrate.quad(f, lo, hi, points=pts, limit=1000, epsabs=0, epsrel=1e-13)[0]

    mass = E(0)
    mean = E(1) / mass
    eq = lambda beta: beta - (mean - E(1, beta) / E(0, beta))
    beta = optimize.brentq(eq, 0.02 / np.sqrt(n), 2 / np.sqrt(n), xtol=1e-16, rtol=1e-14)
    u = t0 - beta * np.log(E(0, beta) / mass)
    return float(u), float(beta)


def docs(x, y):
    xn = x / np.linalg.norm(x, axis=0)
    yn = y / np.linalg.norm(y, axis=0)
    c = np.abs(xn.T @ yn)
    ux = stats.gumbel_r.fit(c.max(axis=1))[0]
    uy = stats.gumbel_r.fit(c.max(axis=0))[0]
    return (ux + uy) / 2


def simulated(n, m, trials, rng):
    s = np.array([docs(rng.standard_normal((n, m)), rng.standard_normal((n, m))) for _ in range(trials)])
    return float(s.mean()), float(s.std(ddof=1) / np.sqrt(trials))


def main():
    rng = np.random.default_rng(20261206)
    cases = []
    for n, m, trials in [(64, 64, 400), (64, 172, 300), (172, 64, 300), (128, 128, 200), (512, 512, 40), (1024, 1024, 12)]:
        u, beta = analytic(n, m)
        mean, se = simulated(n, m, trials, rng)
        cases.append({'n': n, 'm': m, 'analytic': u, 'beta': beta, 'simulated': mean, 'se': se, 'trials': trials,
                      'approximation': float(special.ndtri(1 - 1 / (2 * m)) / np.sqrt(n))})
        print(cases[-1])
    with open(os.path.join(HERE, 'docs_chance.json'), 'w') as f:
        json.dump({'cases': cases}, f, indent=1)


if __name__ == '__main__':
    main()
