/**
 * Plain float64 reference for the correlation tests, sharing no code with the implementation:
 * Pearson of flattened arrays, explicit products, cc with the identity computed over the formed
 * matrix, Gauss–Jordan inverse for the pseudo-inverse of a full-column-rank matrix
 * ((WᵀW)⁻¹Wᵀ, fine for the well-conditioned random fixtures used here), and M1–M8 from `[out, in]`
 * source matrices with explicit kv-head indexing.
 */
export interface RefMat {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

export function refPearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

export function refT(m: RefMat): RefMat {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j];
  return { rows: m.cols, cols: m.rows, data: out };
}

export function refMul(a: RefMat, b: RefMat): RefMat {
  if (a.cols !== b.rows) throw new Error('refMul: shapes');
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let p = 0; p < a.cols; p++) {
      const x = a.data[i * a.cols + p];
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += x * b.data[p * b.cols + j];
    }
  return { rows: a.rows, cols: b.cols, data: out };
}

export function refCcIdentity(m: RefMat): number {
  const eye = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) eye[i * m.cols + i] = 1;
  return refPearson(m.data, eye);
}

function refInverse(m: RefMat): RefMat {
  const n = m.rows,
    a = Float64Array.from(m.data),
    inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    for (let j = 0; j < n; j++) {
      [a[c * n + j], a[p * n + j]] = [a[p * n + j], a[c * n + j]];
      [inv[c * n + j], inv[p * n + j]] = [inv[p * n + j], inv[c * n + j]];
    }
    const d = a[c * n + c];
    for (let j = 0; j < n; j++) {
      a[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = a[r * n + c];
        for (let j = 0; j < n; j++) {
          a[r * n + j] -= f * a[c * n + j];
          inv[r * n + j] -= f * inv[c * n + j];
        }
      }
  }
  return { rows: n, cols: n, data: inv };
}

/** (WᵀW)⁻¹Wᵀ for a tall W of full column rank. */
export function refPinvTall(w: RefMat): RefMat {
  const wt = refT(w);
  return refMul(refInverse(refMul(wt, w)), wt);
}

function rowBlock(m: RefMat, r0: number, r1: number): RefMat {
  return { rows: r1 - r0, cols: m.cols, data: Array.prototype.slice.call(m.data, r0 * m.cols, r1 * m.cols) as number[] };
}

export interface RefLayer {
  heads: { M1: number; M2: number; M3: number; M4: number; M5: number; kvHead: number }[];
  m7: Record<string, number>;
  m8: Record<string, number>;
}

/** Every measure of one layer from `[out, in]` matrices (gate optional). */
export function refLayer(m: Record<string, RefMat | undefined>, heads: number, kvHeads: number, hd: number): RefLayer {
  const q = m.q!,
    k = m.k!,
    v = m.v!,
    o = m.o!,
    up = m.up!,
    down = m.down!,
    gate = m.gate;
  const oT = refT(o); // [heads·hd, d]: rows of head h are o's columns of head h
  const out: RefLayer = { heads: [], m7: {}, m8: {} };
  for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / (heads / kvHeads));
    const wq = rowBlock(q, h * hd, (h + 1) * hd),
      wk = rowBlock(k, g * hd, (g + 1) * hd),
      wv = rowBlock(v, g * hd, (g + 1) * hd);
    const wo = rowBlock(oT, h * hd, (h + 1) * hd);
    out.heads.push({
      kvHead: g,
      M1: refPearson(wq.data, wk.data),
      M2: refPearson(wq.data, wv.data),
      M3: refPearson(wk.data, wv.data),
      M4: refCcIdentity(refMul(refT(wq), wk)),
      M5: refPearson(wo.data, wv.data),
    });
  }
  const p = refPinvTall(up),
    dT = refT(down);
  out.m7 = {
    gate_up: gate ? refPearson(gate.data, up.data) : NaN,
    gate_downT: gate ? refPearson(gate.data, dT.data) : NaN,
    up_downT: refPearson(up.data, dT.data),
    pinvUp_down: refPearson(p.data, down.data),
  };
  out.m8 = {
    down_gate: gate ? refCcIdentity(refMul(down, gate)) : NaN,
    down_up: refCcIdentity(refMul(down, up)),
    down_pinvUpT: refCcIdentity(refMul(down, refT(p))),
  };
  return out;
}
