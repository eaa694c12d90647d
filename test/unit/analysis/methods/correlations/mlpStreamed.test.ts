// The streamed MLP measures (mlp.ts): with blocks of a few rows forced, every M7/M8 value equals the
// one-block run and an explicit float64 recomputation (reference.ts: formed products, pinv from the
// normal equations) to 1e-9, including a rank-deficient up (its pinv known in closed form), a wide
// up and an MLP without a gate; a NaN in gate or down nulls exactly the measures that need it; and
// a row block read from a model file equals the same rows of the whole matrix for every storage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { PearsonSums, pearson, pearsonTransposed } from '../../../../../src/analysis/engine/kernels/pearson';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { mlpMeasures } from '../../../../../src/analysis/methods/correlations/mlp';
import { matrixRows, modelRows } from '../../../../../src/analysis/methods/correlations/rowSource';
import { weightFlag } from '../../../../../src/analysis/methods/common/nonFinite';
import { M7_MEASURES, M8_MEASURES } from '../../../../../src/analysis/methods/correlations/names';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { matrixRef, matrixRowReader, readMatrix } from '../../../../../src/analysis/model/readRole';
import type { MatrixKind, RoleMatrixRef } from '../../../../../src/analysis/model/types';
import { writeFixtureModel } from '../../../../fixtures/makeModel';
import { MOE_ARCHS, writeMoeFixture } from '../../../../fixtures/moeLayouts';
import { writeSparseLlama70BSlice } from '../../../../fixtures/sparseLlama70B';
import { randomMatrix } from '../../engine/random';
import { refCcIdentity, refMul, refPearson, refPinvTall, refT, type RefMat } from './reference';

/** A small FP8 Llama slice: hidden 384 (3 blocks of 128), MLP 256 (2 blocks). */
const FP8_DIMS = { hidden: 384, intermediate: 256, heads: 6, kvHeads: 1, vocab: 1000 };

let engine: Engine;
let root = '';
before(async () => {
  engine = await getEngine({ providers: ['cpu'], threads: 1 });
  root = await mkdtemp(join(tmpdir(), 'll-corr-mlp-'));
});
after(() => rm(root, { recursive: true, force: true }));

const f64 = (m: Matrix): RefMat => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) });

/** M7/M8 from explicit float64 products, given pinv(Wu) (d×ff). */
function reference(up: Matrix, down: Matrix, gate: Matrix | undefined, p: RefMat): Record<string, number> {
  const dT = refT(f64(down)).data;
  return {
    gate_up: gate ? refPearson(gate.data, up.data) : NaN,
    gate_downT: gate ? refPearson(gate.data, dT) : NaN,
    up_downT: refPearson(up.data, dT),
    pinvUp_down: refPearson(p.data, down.data),
    down_gate: gate ? refCcIdentity(refMul(f64(down), f64(gate))) : NaN,
    down_up: refCcIdentity(refMul(f64(down), f64(up))),
    down_pinvUpT: refCcIdentity(refMul(f64(down), refT(p))),
  };
}

function assertClose(got: Record<string, number | null>, want: Record<string, number>, tol: number, what: string): void {
  const problems: string[] = [];
  for (const [k, w] of Object.entries(want)) {
    const v = got[k];
    if (Number.isNaN(w) ? !Number.isNaN(v) : !(v !== null && Math.abs(v - w) <= tol * Math.max(1, Math.abs(w)))) problems.push(`${k}: ${v} vs ${w}`);
  }
  assert.deepEqual(problems, [], `${what}:\n${problems.join('\n')}`);
}

async function run(up: Matrix, down: Matrix, gate: Matrix | undefined, blockRows?: number, rcond?: number) {
  const r = await mlpMeasures({ up: matrixRows(up), down: matrixRows(down), gate: gate && matrixRows(gate) }, { engine, blockRows, rcond });
  return { ...r.m7, ...r.m8 };
}

test('block-wise Pearson sums equal the two-pass correlation, plain and transposed, with means far from zero', () => {
  const a = randomMatrix(37, 11, 1),
    b = randomMatrix(11, 37, 2);
  const shifted = Float32Array.from(a.data, (x) => x + 300);
  for (const rows of [1, 5, 37]) {
    const plain = new PearsonSums(),
      transposed = new PearsonSums();
    for (let r0 = 0; r0 < 37; r0 += rows) {
      const r1 = Math.min(37, r0 + rows);
      plain.add(shifted.subarray(r0 * 11, r1 * 11), a.data.subarray(r0 * 11, r1 * 11));
      transposed.addTransposed(shifted.subarray(r0 * 11, r1 * 11), b.data, r0, r1 - r0, 11, 37);
    }
    assert.ok(Math.abs(plain.value() - pearson(shifted, a.data)) < 1e-12, `${rows}-row blocks: ${plain.value()} vs ${pearson(shifted, a.data)}`);
    assert.ok(Math.abs(transposed.value() - pearsonTransposed(shifted, b.data, 37, 11)) < 1e-12);
    assert.ok(Math.abs(transposed.value() - refPearson(shifted, refT(f64(b)).data)) < 1e-12);
  }
});

test('streamed MLP measures: blocks of 1, 3 and 7 rows equal one block and the float64 reference to 1e-9 (tall up, with and without gate)', async () => {
  const ff = 40,
    d = 12;
  const up = randomMatrix(ff, d, 31),
    gate = randomMatrix(ff, d, 32);
  // down correlated with pinv(Wu) and with gate, so that no measure is near 0 by chance.
  const p = refPinvTall(f64(up));
  const noise = randomMatrix(d, ff, 33);
  const down: Matrix = {
    rows: d,
    cols: ff,
    data: Float32Array.from(noise.data, (x, i) => 0.3 * x + 20 * p.data[i] + 0.2 * gate.data[(i % ff) * d + Math.floor(i / ff)]),
  };
  const want = reference(up, down, gate, p);
  const whole = await run(up, down, gate);
  assertClose(whole, want, 1e-9, 'one block vs reference');
  for (const rows of [1, 3, 7]) assertClose(await run(up, down, gate, rows), whole as Record<string, number>, 1e-12, `${rows}-row blocks vs one block`);
  for (const k of Object.keys(want))
    assert.ok(Math.abs(whole[k as keyof typeof whole]!) > 0.01, `${k} is ${whole[k as keyof typeof whole]}: too small to test`);
  // Without a gate: the gate measures are NaN (not applicable), the others unchanged.
  const noGate = await run(up, down, undefined, 5);
  assertClose(noGate, reference(up, down, undefined, p), 1e-9, 'no gate');
});

test('rank-deficient up (duplicated columns): the cutoff drops the zero eigenvalues and pinv([A A]) = [A⁺; A⁺]/2 gives the measures to 1e-9', async () => {
  const ff = 30,
    h = 5,
    d = 2 * h;
  const A = randomMatrix(ff, h, 41);
  const up: Matrix = { rows: ff, cols: d, data: new Float32Array(ff * d) };
  for (let i = 0; i < ff; i++) for (let j = 0; j < d; j++) up.data[i * d + j] = A.data[i * h + (j % h)];
  const aPlus = refPinvTall(f64(A)); // h×ff
  const p: RefMat = { rows: d, cols: ff, data: new Float64Array(d * ff) };
  for (let j = 0; j < d; j++) for (let i = 0; i < ff; i++) (p.data as Float64Array)[j * ff + i] = aPlus.data[(j % h) * ff + i] / 2;
  const gate = randomMatrix(ff, d, 42);
  const down: Matrix = { rows: d, cols: ff, data: Float32Array.from(randomMatrix(d, ff, 43).data, (x, i) => 0.5 * x + 10 * p.data[i]) };
  const want = reference(up, down, gate, p);
  for (const rows of [undefined, 4]) assertClose(await run(up, down, gate, rows, 1e-5), want, 1e-9, `rcond 1e-5, ${rows ?? 'one'}-row blocks`);
  // A zero up: pinv is 0, so its measures are undefined (NaN), the others are not.
  const zero = await run({ rows: ff, cols: d, data: new Float32Array(ff * d) }, down, gate, 4);
  assert.ok(Number.isNaN(zero.pinvUp_down) && Number.isNaN(zero.down_pinvUpT) && Number.isNaN(zero.up_downT));
  assert.ok(Math.abs(zero.gate_downT! - want.gate_downT) < 1e-9);
});

for (const [ff, d] of [
  [8, 14],
  [10, 10],
])
  test(`${ff < d ? 'wide' : 'square'} up (${ff}×${d}, as some experts): pinv(Wu)ᵀ whole, the same measures to 1e-9 in any block size`, async () => {
    const up = randomMatrix(ff, d, 51),
      gate = randomMatrix(ff, d, 52);
    // pinv of a wide W is (pinv(Wᵀ))ᵀ, Wᵀ tall.
    const p = refT(refPinvTall(refT(f64(up))));
    const down: Matrix = { rows: d, cols: ff, data: Float32Array.from(randomMatrix(d, ff, 53).data, (x, i) => 0.5 * x + 3 * p.data[i]) };
    const want = reference(up, down, gate, p);
    for (const rows of [undefined, 3]) assertClose(await run(up, down, gate, rows), want, 1e-9, `${rows ?? 'one'}-row blocks`);
  });

test('non-finite gate or down: flagged once, the measures that need it null, the others unchanged', async () => {
  const ff = 24,
    d = 8;
  const up = randomMatrix(ff, d, 61),
    down = randomMatrix(d, ff, 62),
    gate = randomMatrix(ff, d, 63);
  const clean = await run(up, down, gate, 5);
  const flagged = (m: Matrix, role: string) => matrixRows(m, (v) => weightFlag({ layer: 0, role, tensor: role }, v));
  const badGate: Matrix = { ...gate, data: gate.data.slice() };
  badGate.data[17 * d + 3] = NaN; // in the fourth 5-row block
  const g = await mlpMeasures({ up: flagged(up, 'up'), down: flagged(down, 'down'), gate: flagged(badGate, 'gate') }, { engine, blockRows: 5 });
  assert.deepEqual(
    g.flags.map((f) => [f.role, f.nan]),
    [['gate', 1]],
  );
  for (const k of M7_MEASURES) assert.equal(g.m7[k], k.startsWith('gate') ? null : clean[k], `M7 ${k}`);
  for (const k of M8_MEASURES) assert.equal(g.m8[k], k === 'down_gate' ? null : clean[k], `M8 ${k}`);
  const badDown: Matrix = { ...down, data: down.data.slice() };
  badDown.data[5] = Infinity;
  const dn = await mlpMeasures({ up: flagged(up, 'up'), down: flagged(badDown, 'down'), gate: flagged(gate, 'gate') }, { engine, blockRows: 5 });
  assert.deepEqual(
    dn.flags.map((f) => [f.role, f.posInf]),
    [['down', 1]],
  );
  assert.equal(dn.m7.gate_up, clean.gate_up);
  for (const k of ['gate_downT', 'up_downT', 'pinvUp_down'] as const) assert.equal(dn.m7[k], null);
  for (const k of M8_MEASURES) assert.equal(dn.m8[k], null);
});

test('row blocks read from model files equal the rows of the whole matrix (plain, fused gate_up, Conv1D, expert slices, MXFP4, FP8)', async () => {
  const refs: { what: string; model: Awaited<ReturnType<typeof openModel>>; ref: RoleMatrixRef<MatrixKind> }[] = [];
  for (const arch of ['llama', 'phi3', 'gpt2'] as const) {
    const dir = join(root, arch);
    await writeFixtureModel(dir, { arch, layers: 1, dtype: 'BF16' });
    const model = await openModel(dir);
    for (const role of ['up', 'gate', 'down'] as const)
      if (model.layers[0].roles[role]) refs.push({ what: `${arch} ${role}`, model, ref: matrixRef(model, 0, role) });
  }
  for (const arch of MOE_ARCHS) {
    const fx = await writeMoeFixture(join(root, arch), { arch });
    const model = await openModel(fx.dir);
    for (const info of model.layers) {
      if (!info.moe) continue;
      const experts = [0, info.moe.experts.length - 1, ...(info.moe.shared ? ['shared' as const] : [])];
      for (const e of experts)
        for (const role of ['up', 'gate', 'down'] as const) {
          const m = e === 'shared' ? info.moe.shared : info.moe.experts[e];
          if (m?.[role]) refs.push({ what: `${arch} layer ${info.index} expert ${e} ${role}`, model, ref: matrixRef(model, info.index, role, e) });
        }
      break;
    }
  }
  // Dense FP8 with 128×128 block scales (hidden 384, MLP 256: blocks end inside the row blocks read below).
  const fp8 = await openModel((await writeSparseLlama70BSlice(join(root, 'fp8'), 1, 3, { fp8: true, dims: FP8_DIMS })).dir);
  for (const role of ['up', 'gate', 'down'] as const) refs.push({ what: `FP8 block-scaled ${role}`, model: fp8, ref: matrixRef(fp8, 0, role) });
  let rowReads = 0;
  for (const { what, model, ref } of refs) {
    const whole = await readMatrix(model, ref);
    const src = modelRows(model, ref, () => null);
    if (matrixRowReader(model, ref)) rowReads++;
    const n = whole.rows;
    for (const [r0, r1] of [
      [0, 1],
      [1, Math.min(n, 4)],
      [Math.min(n, 127), Math.min(n, 130)],
      [Math.floor(n / 2), n],
    ]) {
      const got = await src.read(r0, r1);
      assert.deepEqual(Array.from(got), Array.from(whole.data.subarray(r0 * whole.cols, r1 * whole.cols)), `${what} rows ${r0}..${r1}`);
    }
    src.release();
  }
  // Both kinds of storage were exercised: direct row reads and the whole-matrix fallback.
  assert.ok(rowReads > 10 && rowReads < refs.length, `${rowReads} of ${refs.length} matrices read by rows`);
});
