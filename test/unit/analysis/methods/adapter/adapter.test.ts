// The LoRA adapter analysis (methods/adapter/) against test/oracles/lora.py: per module the rank,
// scaling, ‖ΔW‖_F, ‖ΔW‖_2, stable rank and singular values (numpy's full SVD of the dense ΔW; ours
// come from the factors' QRs), and with the base ‖ΔW‖_F/‖W‖_F, cos(ΔW, W) and DOCS(ΔW, W) (numpy +
// scipy's Gumbel fit); the base found from adapter_config.json; the CSVs and the command line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysisCommand } from '../../../../../src/analysis/cli/analysisCommand';
import type { CliContext } from '../../../../../src/analysis/cli/types';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { adapter } from '../../../../../src/analysis/methods/adapter/index';
import { runAdapter } from '../../../../../src/analysis/methods/adapter/adapter';
import { adapterCli, formatAdapter } from '../../../../../src/analysis/methods/adapter/cli';
import { adapterCsv, adapterTidyRows } from '../../../../../src/analysis/methods/adapter/csv';
import { householderR, jacobiSingularValues, loraSingularValues } from '../../../../../src/analysis/methods/adapter/lowRank';
import { parseAdapterOptions } from '../../../../../src/analysis/methods/adapter/options';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { ORACLE, writeAdapter, writeBase } from '../../model/adapter/loraFixture';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });
let root = '';
let base = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-adapter-'));
  base = await writeBase(join(root, 'tiny-llama-base'));
});
after(() => rm(root, { recursive: true, force: true }));

function close(actual: number | null | undefined, expected: number, rel: number, what: string): void {
  assert.ok(typeof actual === 'number', `${what}: ${actual}`);
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-12, `${what}: ${actual} vs ${expected}`);
}

for (const c of ['plain', 'rslora'] as const) {
  test(`${c}: every module's norms, stable rank, singular values and comparison with the base equal the oracle`, async () => {
    const dir = await writeAdapter(join(root, `adapter-${c}`), ORACLE.cases[c].config);
    const r = await runAdapter(await openModel(dir), { base }, { engine: await cpu() });
    assert.deepEqual(r.base, { path: base, how: 'given' });
    assert.deepEqual(r.layers, [0, 1]);
    assert.deepEqual(r.kinds, ['self_attn.q_proj', 'self_attn.v_proj', 'mlp.down_proj']);
    assert.equal(r.modules.length, ORACLE.cases[c].modules.length);
    for (const o of ORACLE.cases[c].modules) {
      const m = r.modules.find((x) => x.module === o.module)!;
      assert.equal(m.layer, o.layer);
      assert.equal(m.rank, o.rank);
      close(m.scaling, o.scaling, 1e-12, `${o.module} scaling`);
      // The factors are float32 values; ΔW here is exact in float64, numpy's too.
      close(m.fro, o.fro, 1e-9, `${o.module} fro`);
      close(m.spectral, o.spectral, 1e-9, `${o.module} spectral`);
      close(m.stableRank, o.stableRank, 1e-9, `${o.module} stable rank`);
      assert.equal(m.singularValues.length, o.rank);
      o.singularValues.forEach((s, i) => close(m.singularValues[i], s, 1e-8, `${o.module} σ${i + 1}`));
      // ΔW is read back as float32 for the comparison with W.
      close(m.relativeFro, o.relativeFro, 1e-9, `${o.module} ‖ΔW‖/‖W‖`);
      close(m.cosine, o.cosine, 2e-5, `${o.module} cos`);
      close(m.docs, o.docs, 2e-4, `${o.module} DOCS`);
    }
  });
}

test('the base named by adapter_config.json is found beside the adapter; without one only the update is measured', async () => {
  const dir = await writeAdapter(join(root, 'adapter-found'), ORACLE.cases.plain.config);
  const found = await runAdapter(await openModel(dir), {}, { engine: await cpu() });
  assert.deepEqual(found.base, { path: base, how: 'folder' });
  assert.equal(typeof found.modules[0].docs, 'number');
  const alone = await runAdapter(await openModel(dir), { findBase: false }, { engine: await cpu() });
  assert.equal(alone.base, null);
  assert.equal(alone.modules[0].docs, undefined);
  const lost = await writeAdapter(join(root, 'adapter-lost'), { ...ORACLE.cases.plain.config, base_model_name_or_path: 'acme/NotHere' });
  const r = await runAdapter(await openModel(lost), {}, { engine: await cpu() });
  assert.equal(r.base, null);
  assert.equal(r.baseNotFound, 'acme/NotHere');
  assert.match(formatAdapter(r), /'acme\/NotHere' \(adapter_config.json\) was not found here/);
});

test('singular values from the factors: a closed form and the QR/Jacobi pieces', () => {
  // B = [e1·3, e2·2] (p = 4), A = [e1ᵀ, e2ᵀ] (q = 5): B·A has singular values 3, 2; scaling −0.5 → 1.5, 1.
  const b = [3, 0, 0, 2, 0, 0, 0, 0];
  const a = [1, 0, 0, 0, 0, 0, 1, 0, 0, 0];
  assert.deepEqual([...loraSingularValues(b, 4, a, 2, 5, -0.5)], [1.5, 1]);
  // R of a QR keeps the column norms: |R[0,0]| = ‖x_0‖.
  const r = householderR([3, 1, 4, 1, 0, 2], 3, 2);
  assert.ok(Math.abs(Math.abs(r[0]) - 5) < 1e-12);
  // [[2, 0], [0, −3]] → 3, 2; a rank-one matrix → its norm and 0.
  assert.deepEqual([...jacobiSingularValues([2, 0, 0, -3], 2, 2)], [3, 2]);
  const sv = jacobiSingularValues([1, 2, 2, 4, 3, 6], 3, 2);
  assert.ok(Math.abs(sv[0] - Math.sqrt(70)) < 1e-12 && Math.abs(sv[1]) < 1e-12);
});

test('CSV, tidy rows, command-line options and the table', async () => {
  const dir = await writeAdapter(join(root, 'adapter-csv'), ORACLE.cases.plain.config);
  const r = await runAdapter(await openModel(dir), { base }, { engine: await cpu() });
  const csv = adapterCsv(r).trim().split('\n');
  assert.equal(csv[0], 'module,layer,kind,out,in,rank,alpha,scaling,fro_norm,spectral_norm,stable_rank,relative_fro,cosine,docs,singular_values,reason');
  assert.equal(csv.length, 1 + r.modules.length);
  const rows = adapterTidyRows(r);
  const v1 = rows.filter((x) => x.module === 'model.layers.1.self_attn.v_proj');
  assert.deepEqual(
    v1.map((x) => x.metric),
    ['rank', 'alpha', 'scaling', 'fro_norm', 'spectral_norm', 'stable_rank', 'relative_fro', 'cosine', 'docs', 'sv1', 'sv2'],
  );
  assert.deepEqual(adapterCli.toOptions({ base: '/m' }), [{ base: '/m' }]);
  assert.deepEqual(adapterCli.toOptions({ 'no-base': true }), [{ findBase: false }]);
  assert.throws(() => adapterCli.toOptions({ base: '/m', 'no-base': true }), /exclude each other/);
  assert.throws(() => parseAdapterOptions({ base: 3 }), /adapter option 'base' must be the path of the base model/);
  const table = formatAdapter(r);
  assert.match(table, /model\.layers\.0\.self_attn\.q_proj +4 +2\.000/);
  assert.match(table, /DOCS/);
});

test('an adapter folder without LoRA factors is refused', async () => {
  await assert.rejects(runAdapter(await openModel(base), {}, { engine: await cpu() }), /holds no LoRA factors/);
});

test('layer-lens adapter <adapter> --base <model> --csv: the derived subcommand prints the oracle values as tidy rows', async () => {
  const dir = await writeAdapter(join(root, 'adapter-cli'), ORACLE.cases.rslora.config);
  let printed = '';
  const ctx = {
    signal: new AbortController().signal,
    onProgress: () => {},
    out: (t: string) => (printed += t),
    err: () => {},
    model: (p: string) => openModel(p),
    engine: cpu,
  } as CliContext;
  await analysisCommand(adapter).run({ positionals: [dir], values: { base, csv: true } }, ctx);
  const lines = printed.trim().split('\n');
  assert.equal(lines[0], 'module,layer,kind,metric,value');
  const o = ORACLE.cases.rslora.modules.find((m) => m.layer === 1 && m.kind === 'v')!;
  const cell = (metric: string) => Number(lines.find((l) => l.startsWith(`${o.module},1,self_attn.v_proj,${metric},`))!.split(',')[4]);
  close(cell('scaling'), o.scaling, 1e-12, 'scaling');
  close(cell('stable_rank'), o.stableRank, 1e-9, 'stable rank');
  close(cell('sv2'), o.singularValues[1], 1e-8, 'σ2');
  close(cell('docs'), o.docs, 2e-4, 'DOCS');
});
