// The checkpoint diff with a LoRA adapter folder as one side (model/adapter/diffSides.ts): `layer-lens
// diff <base> <adapter>` compares the base with base + ΔW, so exactly the adapted matrices change,
// each by ‖ΔW‖_F (test/oracles/lora.py) with ΔW's singular values as the delta's spectrum; with the
// adapter as A the merged model is side A.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliContext } from '../../../../../src/analysis/cli/types';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { diff } from '../../../../../src/analysis/methods/diff/cli';
import type { DiffResult } from '../../../../../src/analysis/methods/diff/diff';
import { openDiffSides } from '../../../../../src/analysis/model/adapter/diffSides';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import { maxRelError, ORACLE, writeAdapter, writeBase } from '../../model/adapter/loraFixture';

let root = '';
let base = '';
let adapter = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-adapter-diff-'));
  base = await writeBase(join(root, 'base'));
  adapter = await writeAdapter(join(root, 'adapter'), ORACLE.cases.plain.config);
});
after(() => rm(root, { recursive: true, force: true }));

test('layer-lens diff <base> <adapter>: the adapted matrices change by ΔW, the others not at all', async () => {
  let printed = '';
  const ctx = {
    signal: new AbortController().signal,
    onProgress: () => {},
    out: (t: string) => (printed += t),
    err: () => {},
    model: (p: string) => openModel(p),
    engine: () => getEngine({ providers: ['cpu'], threads: 1 }),
  } as CliContext;
  await diff.run({ positionals: [base, adapter], values: { json: true, 'no-embeddings': true } }, ctx);
  const r = JSON.parse(printed) as DiffResult;
  assert.equal(r.changedMatrices, ORACLE.cases.plain.modules.length);
  for (const e of r.entries) {
    const o = ORACLE.cases.plain.modules.find((m) => m.layer === e.layer && m.kind === e.kind);
    if (!o) {
      assert.equal(e.normDelta, 0, `layer ${e.layer} ${e.kind} is not adapted`);
      continue;
    }
    // W + ΔW is rounded to float32 once; the diff subtracts W again.
    assert.ok(Math.abs(e.normDelta - o.fro) < 1e-5 * o.fro, `${o.module}: ${e.normDelta} vs ${o.fro}`);
    assert.ok(Math.abs(e.relChange - o.relativeFro) < 1e-5 * o.relativeFro);
    o.singularValues.forEach((s, i) => assert.ok(Math.abs(e.delta.singularValues[i] - s) < 1e-4 * o.singularValues[0], `${o.module} σ${i + 1}`));
  }
});

test('openDiffSides: the adapter as A merges into B’s model; two plain models open as they are', async () => {
  const [a, b] = await openDiffSides(adapter, base, openModel);
  assert.equal(b.tensors.get('model.layers.0.self_attn.q_proj.weight')!.quant, undefined);
  const o = ORACLE.cases.plain.modules[0];
  assert.ok(maxRelError((await readMatrixKind(a, o.layer, o.kind)).data, o.merged, 1e-4) < 1e-5);
  const [x, y] = await openDiffSides(base, base, openModel);
  assert.equal(x.tensors.get('model.layers.0.self_attn.q_proj.weight')!.quant, undefined);
  assert.equal(y.tensors.get('model.layers.0.self_attn.q_proj.weight')!.quant, undefined);
});
