// scipy.optimize.fmin (Nelder–Mead) for one variable, step for step as scipy writes it
// (scipy/optimize/_optimize.py `_minimize_neldermead` with fmin's defaults: xatol = fatol = 1e-4,
// maxiter = maxfev = 200·N, rho = 1, chi = 2, psi = 0.5, sigma = 0.5, the initial simplex
// x0·(1 + 0.05) or 0.00025 when x0 = 0). WeightWatcher's σ_mp fit ends with it (optimize.brute's
// default `finish`), so following the same steps gives the same σ_mp, not merely a nearby minimum.

export interface Fmin1dResult {
  x: number;
  fun: number;
  iterations: number;
  evaluations: number;
  /** 0: converged; 1: the function-call limit; 2: the iteration limit (scipy's warnflag). */
  status: 0 | 1 | 2;
}

export interface Fmin1dOptions {
  xatol?: number;
  fatol?: number;
  /** Default 200 (scipy: 200 times the number of variables). */
  maxiter?: number;
  maxfev?: number;
}

/** Thrown by the counted function when the call limit is reached, as scipy's _MaxFuncCallError. */
class MaxCalls extends Error {}

export function fmin1d(f: (x: number) => number, x0: number, opts: Fmin1dOptions = {}): Fmin1dResult {
  const xatol = opts.xatol ?? 1e-4;
  const fatol = opts.fatol ?? 1e-4;
  const maxiter = opts.maxiter ?? 200;
  const maxfev = opts.maxfev ?? 200;
  const rho = 1;
  const chi = 2;
  const psi = 0.5;
  const sigma = 0.5;
  let calls = 0;
  const call = (x: number): number => {
    if (calls >= maxfev) throw new MaxCalls();
    calls++;
    return f(x);
  };
  // sim[0] is the best vertex after every sort; numpy's argsort of two values keeps ties in order.
  const sim = [x0, x0 !== 0 ? (1 + 0.05) * x0 : 0.00025];
  const fsim = [Infinity, Infinity];
  const sort = () => {
    if (fsim[1] < fsim[0] || (Number.isNaN(fsim[0]) && !Number.isNaN(fsim[1]))) {
      [sim[0], sim[1]] = [sim[1], sim[0]];
      [fsim[0], fsim[1]] = [fsim[1], fsim[0]];
    }
  };
  const guard = (step: () => void): void => {
    try {
      step();
    } catch (e) {
      if (!(e instanceof MaxCalls)) throw e;
    }
  };
  guard(() => {
    for (let k = 0; k < 2; k++) fsim[k] = call(sim[k]);
  });
  sort();
  let iterations = 1;
  while (calls < maxfev && iterations < maxiter) {
    if (Math.abs(sim[1] - sim[0]) <= xatol && Math.abs(fsim[0] - fsim[1]) <= fatol) break;
    guard(() => {
      // With one variable the centroid of all vertices but the worst is the best vertex.
      const xbar = sim[0];
      const xr = (1 + rho) * xbar - rho * sim[1];
      const fxr = call(xr);
      let shrink = false;
      if (fxr < fsim[0]) {
        const xe = (1 + rho * chi) * xbar - rho * chi * sim[1];
        const fxe = call(xe);
        if (fxe < fxr) {
          sim[1] = xe;
          fsim[1] = fxe;
        } else {
          sim[1] = xr;
          fsim[1] = fxr;
        }
      } else if (fxr < fsim[1]) {
        // (scipy first accepts xr when fxr < fsim[-2]; with two vertices that is fsim[0], already excluded.)
        const xc = (1 + psi * rho) * xbar - psi * rho * sim[1];
        const fxc = call(xc);
        if (fxc <= fxr) {
          sim[1] = xc;
          fsim[1] = fxc;
        } else shrink = true;
      } else {
        const xcc = (1 - psi) * xbar + psi * sim[1];
        const fxcc = call(xcc);
        if (fxcc < fsim[1]) {
          sim[1] = xcc;
          fsim[1] = fxcc;
        } else shrink = true;
      }
      if (shrink) {
        sim[1] = sim[0] + sigma * (sim[1] - sim[0]);
        fsim[1] = call(sim[1]);
      }
      iterations++;
    });
    sort();
  }
  const status = calls >= maxfev ? 1 : iterations >= maxiter ? 2 : 0;
  return { x: sim[0], fun: Math.min(fsim[0], fsim[1]), iterations, evaluations: calls, status };
}
