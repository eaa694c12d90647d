// The diff's two-array path: a handed-over pair is worked on in its own two arrays (DOCS normalises
// in them, each decomposition forms its Gram matrix in the spare one, Δ is written over B), and a
// matrix a phase needs back is read again into one of them. Checked against what the same matrices
// give when read whole (diffMatrices, readMatrix), against the float32 DOCS kernel on the oriented
// matrices (docsSimilarity), and by counting the reads and where they land.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { runDiff } from '../../../../../src/analysis/methods/diff/diff';
import { diffMatrices, diffMatrixPair } from '../../../../../src/analysis/methods/diff/matrix';
import { matrixReader, type ReadInto } from '../../../../../src/analysis/methods/diff/reread';
import { docsSimilarity, orientForDocs, resolveOrientation } from '../../../../../src/analysis/methods/similarity/docs';
import { matrixRef, readMatrix } from '../../../../../src/analysis/model/readRole';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { writeFixtureModel, type FixtureArch } from '../../../../fixtures/makeModel';
import { randomMatrix } from '../../engine/random';
import { copyModel, lowRank } from './helpers';
import { writeSparseLlama70BSlice } from '../../../../fixtures/sparseLlama70B';

const ALL = { docs: true, spectra: true, keepSingular: 6, bins: 9 };
// A budget far below the two matrices, so that every kernel runs on the floor the budget leaves.
const engineOf = () => getEngine({ providers: ['cpu'], threads: 1, memoryBudgetMB: 1 });

describe('the diff reads matrices again from the model files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'layer-lens-diff-reread-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('FP8 with 128×128 block scales: each reader, a block of rows at a time, equals readMatrix', async () => {
    const dims = { hidden: 384, intermediate: 256, heads: 6, kvHeads: 1, vocab: 1000 };
    const model = await openModel((await writeSparseLlama70BSlice(path.join(dir, 'fp8'), 1, 3, { fp8: true, dims })).dir);
    for (const role of ['q', 'k', 'o', 'up', 'down'] as const) {
      const ref = matrixRef(model, 0, role);
      assert.ok(ref.source.blockScale, `${role} is block-scaled`);
      const want = (await readMatrix(model, ref)).data;
      const into = new Float32Array(want.length).fill(NaN);
      await matrixReader(model, ref)(into);
      assert.deepEqual(into, want, role);
    }
  });

  // llama BF16: plain tensors decoded straight into the arrays; phi3: fused qkv/gate_up, a row block
  // of one tensor; gpt2: Conv1D stored [in, out], read by readMatrix and copied.
  for (const [arch, dtype] of [
    ['llama', 'BF16'],
    ['phi3', 'F32'],
    ['gpt2', 'F16'],
  ] as [FixtureArch, 'BF16' | 'F32' | 'F16'][]) {
    test(`${arch} ${dtype}: every matrix's diff equals diffMatrices of the two matrices read whole; the readers equal readMatrix`, async () => {
      const fixture = await writeFixtureModel(path.join(dir, `${arch}-a`), {
        arch,
        dtype,
        layers: 2,
        hidden: 32,
        heads: 4,
        kvHeads: 2,
        intermediate: 48,
        seed: 3,
      });
      let k = 0;
      // B: every layer matrix moved by its own small rank-2 update (norms and embeddings unchanged).
      const tuned = await copyModel(fixture, path.join(dir, `${arch}-b`), {
        dtype: 'F32',
        edit: (name, values, shape) =>
          shape.length === 2 && /(^|\.)(layers|h)\.\d+\./.test(name)
            ? Float32Array.from(lowRank(shape[0], shape[1], [0.3, 0.1], 40 + k++), (u, i) => values[i] + u)
            : undefined,
      });
      const [a, b] = [await openModel(fixture.dir), await openModel(tuned)];
      const engine = await engineOf();
      const r = await runDiff(a, b, { embeddings: false }, { engine });
      assert.ok(r.entries.length >= 12, `${r.entries.length} matrices compared`);
      assert.equal(r.changedMatrices, r.entries.length);
      for (const e of r.entries) {
        const read = (m: ModelHandle) => readMatrix(m, matrixRef(m, e.layer, e.kind));
        const [A, B] = [await read(a), await read(b)];
        const whole = await diffMatrices(A, B, { layer: e.layer, kind: e.kind, dtypeA: e.dtypeA, dtypeB: e.dtypeB }, r.options, { engine });
        assert.deepEqual(e, whole, `layer ${e.layer} ${e.kind}`);
        for (const [m, M] of [
          [a, A],
          [b, B],
        ] as const) {
          const into = new Float32Array(M.data.length).fill(NaN);
          await matrixReader(m, matrixRef(m, e.layer, e.kind))(into);
          assert.deepEqual(into, M.data, `the reader of layer ${e.layer} ${e.kind}`);
        }
      }
    });
  }
});

/** Rereads from held copies that record where each read lands. */
function counted(A: Matrix, B: Matrix) {
  const reads: { side: 'A' | 'B'; into: Float32Array }[] = [];
  const reader =
    (side: 'A' | 'B', M: Matrix): ReadInto =>
    async (into) => {
      reads.push({ side, into });
      into.set(M.data);
    };
  return { reads, reread: { A: reader('A', A), B: reader('B', B) } };
}

for (const kind of ['up', 'down'] as const) {
  test(`${kind}: the pair works in its two arrays; reads land there, as many as the phases need; DOCS equals the float32 kernel's`, async () => {
    const engine = await engineOf();
    const [rows, cols] = kind === 'up' ? [96, 40] : [40, 96];
    const A = randomMatrix(rows, cols, 5);
    const B = { rows, cols, data: Float32Array.from(A.data, (x, i) => x + 0.2 * lowRank(rows, cols, [1, 0.5, 0.25], 9)[i]) };
    const info = { layer: 0, kind, dtypeA: 'F32', dtypeB: 'F32' };
    const expected = await diffMatrices(A, B, info, ALL, { engine });
    for (const [options, reads] of [
      // DOCS leaves both arrays normalised: A, B for the spectra, A again beside B for Δ.
      [ALL, ['A', 'B', 'A']],
      // The spectrum of A forms its Gram matrix over B.
      [{ ...ALL, docs: false }, ['B', 'A']],
      [{ ...ALL, spectra: false }, ['B', 'A']],
      // Δ straight from the arrays as first read.
      [{ ...ALL, docs: false, spectra: false }, []],
    ] as const) {
      const pair = { A: { ...A, data: A.data.slice() }, B: { ...B, data: B.data.slice() } };
      const arrays: ArrayBufferLike[] = [pair.A.data.buffer, pair.B.data.buffer];
      const c = counted(A, B);
      const got = await diffMatrixPair({ ...pair, reread: c.reread }, info, options, { engine });
      assert.deepEqual(
        c.reads.map((x) => x.side),
        reads,
        `docs ${options.docs}, spectra ${options.spectra}`,
      );
      for (const x of c.reads) assert.ok(arrays.includes(x.into.buffer), 'a read lands in one of the pair’s arrays');
      const same = { ...expected };
      if (!options.docs) same.docs = null;
      if (!options.spectra) Object.assign(same, { a: null, b: null, change: null });
      assert.deepEqual(got, same);
    }
    // An unchanged matrix reads nothing again: DOCS is 1, B's spectrum is A's, Δ is zero.
    const c = counted(A, A);
    const same = await diffMatrixPair({ A: { ...A, data: A.data.slice() }, B: { ...A, data: A.data.slice() }, reread: c.reread }, info, ALL, { engine });
    assert.equal(c.reads.length, 0);
    assert.equal(same.docs, 1);
    assert.deepEqual(same.b, same.a);
    assert.deepEqual(same.delta.singularValues, [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(same.delta.histogram, [{ x0: 0, x1: 0, count: rows * cols }]);
    // The vectors DOCS compares are rows of an up projection and columns of a down projection.
    const side = resolveOrientation(kind);
    const kernel = await docsSimilarity(engine, orientForDocs(A, side), orientForDocs(B, side));
    assert.ok(Math.abs(expected.docs! - kernel.docs) < 1e-6, `DOCS ${expected.docs} vs the float32 kernel's ${kernel.docs}`);
  });
}
