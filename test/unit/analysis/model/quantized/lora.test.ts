// A PEFT LoRA adapter folder opened on its own (model/quantized/lora.ts, io/quant/lora.ts): each
// module's lora_A/lora_B pair is one weight named like the base's, whose values are ΔW = scaling·B·A
// as test/oracles/lora.py computes it (plain and rsLoRA scaling, a rank_pattern and an alpha_pattern
// module), read through readMatrixKind, element ranges and `layer-lens matrix`; fan_in_fan_out and
// embedding LoRA transpose it; malformed adapters give errors that name the module.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matrix as matrixCommand } from '../../../../../src/analysis/cli/matrix';
import type { CliContext } from '../../../../../src/analysis/cli/types';
import { readElementsF32 } from '../../../../../src/analysis/io/tensorReader';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import { adapterTensors, maxRelError, ORACLE, PREFIX, writeAdapter } from '../adapter/loraFixture';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-lora-'));
});
after(() => rm(root, { recursive: true, force: true }));

for (const c of ['plain', 'rslora'] as const) {
  test(`${c}: every adapted module reads as ΔW = scaling·B·A of the oracle, named like the base weight`, async () => {
    const dir = await writeAdapter(join(root, `adapter-${c}`), ORACLE.cases[c].config);
    const model = await openModel(dir);
    const deltas = [...model.tensors.values()].filter((t) => t.quant?.scheme === 'lora');
    assert.equal(deltas.length, ORACLE.cases[c].modules.length);
    assert.ok(![...model.tensors.keys()].some((n) => n.includes('lora_') || n.startsWith(PREFIX)), 'factors and the PEFT prefix are gone');
    for (const m of ORACLE.cases[c].modules) {
      const e = model.tensors.get(`${m.module}.weight`)!;
      assert.ok(e, m.module);
      assert.equal(e.quant!.label, `LoRA ΔW r${m.rank}`);
      assert.equal((e.quant!.params as { scaling: number }).scaling, m.scaling);
      const w = await readMatrixKind(model, m.layer, m.kind);
      assert.ok(maxRelError(w.data, m.delta, 1e-4) < 1e-5, `${m.module}: ${maxRelError(w.data, m.delta, 1e-4)}`);
      // An element range that starts and ends inside rows decodes the same values.
      const part = await readElementsF32(e, 5, 23);
      assert.deepEqual([...part], [...w.data.subarray(5, 28)]);
    }
    const note = model.notes!.find((n) => n.startsWith('LoRA adapter'))!;
    assert.match(note, /6 modules \(target modules q_proj, v_proj, down_proj\)/);
    assert.match(note, /ranks 2, 4/);
    const trainable = Object.values(ORACLE.factors).reduce((s, f) => s + f.A.values.length + f.B.values.length, 0);
    assert.equal(trainable, 720);
    assert.match(note, /; 720 trainable parameters in the adapter/);
    assert.match(note, /base model tiny-llama-base/);
    if (c === 'rslora') assert.match(note, /rsLoRA/);
  });
}

test('layer-lens matrix on an adapter writes ΔW', async () => {
  const dir = await writeAdapter(join(root, 'adapter-matrix'), ORACLE.cases.plain.config);
  const m = ORACLE.cases.plain.modules.find((x) => x.kind === 'down' && x.layer === 1)!;
  const out = join(root, 'down1.npy');
  let printed = '';
  const ctx = {
    signal: new AbortController().signal,
    onProgress: () => {},
    out: (t: string) => (printed += t),
    err: () => {},
    model: (p: string) => openModel(p),
    engine: () => Promise.reject(new Error('not needed')),
  } as CliContext;
  await matrixCommand.run({ positionals: [dir], values: { layer: '1', kind: 'down', out, json: true } }, ctx);
  const report = JSON.parse(printed) as { shape: number[]; source: { tensor: string } };
  assert.deepEqual(report.shape, [ORACLE.hidden, ORACLE.intermediate]);
  assert.equal(report.source.tensor, 'model.layers.1.mlp.down_proj.weight');
  const buf = await readFile(out);
  const hlen = buf.readUInt16LE(8);
  const body = buf.subarray(10 + hlen);
  const values = Array.from({ length: body.length / 4 }, (_, i) => body.readFloatLE(4 * i));
  assert.ok(maxRelError(values, m.delta, 1e-4) < 1e-5);
});

test('fan_in_fan_out (Conv1D base): ΔW is (B·A)ᵀ, laid out [in, out] like the base weight', async () => {
  const c = ORACLE.conv1d;
  const dir = await writeAdapter(join(root, 'adapter-conv'), { r: c.r, lora_alpha: c.alpha, fan_in_fan_out: true, target_modules: ['c_fc'] }, [
    { name: `${PREFIX}transformer.h.0.mlp.c_fc.lora_A.weight`, dtype: 'F32', shape: [c.r, c.in], values: c.A },
    { name: `${PREFIX}transformer.h.0.mlp.c_fc.lora_B.weight`, dtype: 'F32', shape: [c.out, c.r], values: c.B },
  ]);
  const model = await openModel(dir);
  const e = model.tensors.get('transformer.h.0.mlp.c_fc.weight')!;
  assert.deepEqual(e.shape, [c.in, c.out]);
  assert.ok(maxRelError(await readElementsF32(e, 0, c.in * c.out), c.delta, 1e-4) < 1e-5);
  assert.ok(model.notes!.some((n) => n.startsWith('fan_in_fan_out')));
});

test('embedding LoRA: lora_embedding_A/B give ΔW = (B·A)ᵀ·scaling, [num_embeddings, dim]', async () => {
  const c = ORACLE.embedding;
  const dir = await writeAdapter(join(root, 'adapter-emb'), { r: c.r, lora_alpha: c.alpha, target_modules: ['embed_tokens'] }, [
    { name: `${PREFIX}model.embed_tokens.lora_embedding_A`, dtype: 'F32', shape: [c.r, 32], values: c.A },
    { name: `${PREFIX}model.embed_tokens.lora_embedding_B`, dtype: 'F32', shape: [ORACLE.hidden, c.r], values: c.B },
  ]);
  const model = await openModel(dir);
  const e = model.tensors.get('model.embed_tokens.weight')!;
  assert.deepEqual(e.shape, [32, ORACLE.hidden]);
  assert.ok(maxRelError(await readElementsF32(e, 0, 32 * ORACLE.hidden), c.delta, 1e-4) < 1e-5);
});

test('DoRA: the magnitude vectors are listed in the notes and ΔW stays the LoRA part', async () => {
  const d = ORACLE.dora;
  const dir = await writeAdapter(join(root, 'adapter-dora'), { ...ORACLE.cases.plain.config, use_dora: true }, [
    ...adapterTensors(),
    { name: `${PREFIX}${d.module}.lora_magnitude_vector`, dtype: 'F32', shape: [d.magnitude.length], values: d.magnitude },
  ]);
  const model = await openModel(dir);
  assert.ok(model.notes!.some((n) => /^DoRA: 1 modules carry a magnitude vector.*LoRA part scaling·B·A only/.test(n)));
  assert.ok(!model.tensors.has(`${d.module}.lora_magnitude_vector`));
  const m = ORACLE.cases.plain.modules[0];
  assert.ok(maxRelError((await readMatrixKind(model, m.layer, m.kind)).data, m.delta, 1e-4) < 1e-5);
});

test('no adapter_config.json: ΔW = B·A with scaling 1, and the notes say so', async () => {
  const dir = await writeAdapter(join(root, 'adapter-noconfig'), null);
  const model = await openModel(dir);
  assert.ok(model.notes!.some((n) => n.startsWith('No adapter_config.json')));
  const m = ORACLE.cases.plain.modules[0];
  const w = await readMatrixKind(model, m.layer, m.kind);
  assert.ok(
    maxRelError(
      w.data,
      m.delta.map((v) => v / m.scaling),
      1e-4,
    ) < 1e-5,
  );
});

test('lora_A without lora_B: the module is named in the notes, its tensor listed as stored, the rest opens', async () => {
  const broken = 'model.layers.0.self_attn.v_proj';
  const tensors = adapterTensors().filter((t) => t.name !== `${PREFIX}${broken}.lora_B.weight`);
  const model = await openModel(await writeAdapter(join(root, 'adapter-lonely'), ORACLE.cases.plain.config, tensors));
  assert.ok(model.notes!.some((n) => n.includes(`'${broken}' has lora_A`) && n.includes('but no lora_B')));
  assert.ok(model.tensors.has(`${broken}.lora_A.weight`));
  assert.ok(!model.tensors.has(`${broken}.weight`));
  assert.equal([...model.tensors.values()].filter((t) => t.quant?.scheme === 'lora').length, 5);
});

test('rank of lora_A disagreeing with lora_B, or with adapter_config.json: reading that module fails naming it', async () => {
  const q0 = 'model.layers.0.self_attn.q_proj';
  const q1 = 'model.layers.1.self_attn.q_proj';
  const tensors = adapterTensors().map((t) => {
    if (t.name === `${PREFIX}${q0}.lora_B.weight`) return { ...t, shape: [ORACLE.hidden, 2], values: (t.values as number[]).slice(0, ORACLE.hidden * 2) };
    return t;
  });
  const dir = await writeAdapter(
    join(root, 'adapter-rank'),
    { ...ORACLE.cases.plain.config, rank_pattern: { [q1]: 8, 'layers.1.self_attn.v_proj': 2 } },
    tensors,
  );
  const model = await openModel(dir);
  await assert.rejects(
    readElementsF32(model.tensors.get(`${q0}.weight`)!, 0, 4),
    (e: Error) => e instanceof ModelFileError && e.message.includes(`'${q0}'`) && /lora_A has rank 4 .* lora_B has rank 2/.test(e.message),
  );
  await assert.rejects(
    readElementsF32(model.tensors.get(`${q1}.weight`)!, 0, 4),
    (e: Error) => e instanceof ModelFileError && e.message.includes(`'${q1}'`) && e.message.includes('adapter_config.json gives it r = 8'),
  );
  assert.ok(model.notes!.some((n) => n.includes(q0) && n.includes('reading its ΔW fails')));
  // The other modules still read.
  const ok = ORACLE.cases.plain.modules.find((m) => m.kind === 'down')!;
  assert.ok(maxRelError((await readMatrixKind(model, ok.layer, ok.kind)).data, ok.delta, 1e-4) < 1e-5);
});

test('a damaged adapter_config.json is a specific error', async () => {
  const dir = await writeAdapter(join(root, 'adapter-badcfg'), { r: 0, lora_alpha: 8 });
  await assert.rejects(openModel(dir), (e: Error) => e instanceof ModelFileError && /adapter_config.json: 'r' is 0, not a positive integer/.test(e.message));
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ r: 4, rank_pattern: { q_proj: 'x' } }));
  await assert.rejects(openModel(dir), /'rank_pattern' gives 'q_proj' the value "x"/);
});
