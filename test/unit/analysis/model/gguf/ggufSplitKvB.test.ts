// The kv_b matrix of DeepSeek-V3 GGUF files whose converter split kv_b_proj into attn_k_b
// (transposed per head) and attn_v_b (test/fixtures/ggufDeepseek.ts writes them the way
// convert_hf_to_gguf.py DeepseekV2Model.modify_tensors does), read through the role map:
// - F32: bit-exact the kv_b_proj of the Hugging Face weights, of the safetensors original read back,
//   and of an older-layout file (attn_kv_b); Q8_0: exactly the fixture's dequantized k_b / v_b put
//   back together (its own Q8_0 decoder), and not the F32 values;
// - layer similarity of kind kv_b gives the same DOCS on both layouts, and a float64 DOCS of the
//   Hugging Face matrices (test/e2e/lib/docsOracle.ts);
// - the parameter breakdown counts attn_k_b and attn_v_b as kv_b, each with its own size, and the
//   moments of the rebuilt matrix are those of kv_b_proj;
// - `layer-lens matrix` shows the rebuilt kv_b (both tensors named) with the statistics of kv_b_proj;
// - a misshapen attn_k_b is refused when read, naming it; a lone attn_k_b gives no kv_b and a note.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { matrixRef, readMatrixKind } from '../../../../../src/analysis/model/readRole';
import { modelOverview } from '../../../../../src/analysis/model/overview';
import { matrixMoments } from '../../../../../src/analysis/model/depthStats';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { layerSimilarity } from '../../../../../src/analysis/methods/similarity/layerSimilarity';
import { matrix as matrixCommand } from '../../../../../src/analysis/cli/matrix';
import type { CliContext } from '../../../../../src/analysis/cli/types';
import { docs as docsOracle, vectorsOf } from '../../../../e2e/lib/docsOracle';
import { decodedWeights, writeGgufDeepseek, type DeepseekGgufOptions } from '../../../../fixtures/ggufDeepseek';
import { oracleCase, q8Case, writeSafetensorsDeepseek, type DeepseekCase } from './ggufDeepseekModels';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-kvb-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const gguf = (name: string, c: DeepseekCase, opts: DeepseekGgufOptions = {}) => writeGgufDeepseek(join(dir, `${name}.gguf`), c.config, c.weights, opts);
const kvName = (l: number) => `model.layers.${l}.self_attn.kv_b_proj.weight`;

/** Indices where two arrays differ bit for bit (NaN-safe, -0 ≠ 0), at most a few. */
function bitDiffs(a: Float32Array, b: Float32Array): number[] {
  assert.equal(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length),
    ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < a.length && out.length < 5; i++) if (ua[i] !== ub[i]) out.push(i);
  return out;
}

test('F32 split-layout GGUF: kv_b through the role map is bit-exact kv_b_proj of the original, the safetensors model and an attn_kv_b file', async () => {
  const c = oracleCase('deepseek_v3');
  const { num_attention_heads: H, qk_nope_head_dim: nope, v_head_dim: v, kv_lora_rank: r, num_hidden_layers: L } = c.config;
  const split = await openModel(gguf('split', c, { layout: 'split' }));
  const older = await openModel(gguf('kv_b', c, { layout: 'kv_b' }));
  const st = await openModel(await writeSafetensorsDeepseek(join(dir, 'st'), c.config, c.weights));
  assert.ok(
    (split.notes ?? []).every((n) => n.startsWith('Multi-head latent attention')),
    (split.notes ?? []).join('\n'),
  );
  for (let l = 0; l < L; l++) {
    const ref = matrixRef(split, l, 'kv_b');
    assert.deepEqual(ref.shape, [H * (nope + v), r]);
    assert.deepEqual(ref.source, {
      tensor: `blk.${l}.attn_k_b.weight`,
      transpose: false,
      mlaKvB: { vb: `blk.${l}.attn_v_b.weight`, heads: H, nope, v, rank: r },
    });
    const info = split.layers[l];
    assert.equal(info.tensorRoles![`blk.${l}.attn_k_b.weight`], 'kv_b');
    assert.equal(info.tensorRoles![`blk.${l}.attn_v_b.weight`], 'kv_b');
    const got = await readMatrixKind(split, l, 'kv_b');
    assert.deepEqual([got.rows, got.cols], [H * (nope + v), r]);
    assert.deepEqual(bitDiffs(got.data, c.weights.get(kvName(l))!.data), [], `layer ${l}: vs the Hugging Face kv_b_proj`);
    assert.deepEqual(bitDiffs(got.data, (await readMatrixKind(st, l, 'kv_b')).data), [], `layer ${l}: vs the safetensors model`);
    assert.deepEqual(bitDiffs(got.data, (await readMatrixKind(older, l, 'kv_b')).data), [], `layer ${l}: vs attn_kv_b`);
    // The moments are those of the whole rebuilt matrix, not of attn_k_b alone.
    const mom = await matrixMoments(split, ref);
    const want = await matrixMoments(older, matrixRef(older, l, 'kv_b'));
    assert.equal(mom.count, H * (nope + v) * r);
    assert.ok(Math.abs(mom.mean - want.mean) < 1e-12 && Math.abs(mom.sumSquares - want.sumSquares) < 1e-9, `layer ${l} moments`);
  }
  // The parameter breakdown: kv_b as in the older file, attn_k_b and attn_v_b each their own share.
  const byRole = (m: typeof split) => Object.fromEntries(modelOverview(m).byRole.map((x) => [x.label, x.params]));
  const a = byRole(split),
    b = byRole(older);
  assert.equal(a.kv_b, L * H * (nope + v) * r);
  assert.deepEqual(a, b);
  const rows = new Map(
    modelOverview(split)
      .groups.flatMap((g) => g.tensors)
      .map((t) => [t.name, t]),
  );
  assert.equal(rows.get('blk.1.attn_k_b.weight')!.role, 'kv_b');
  assert.equal(rows.get('blk.1.attn_v_b.weight')!.role, 'kv_b');

  // `layer-lens matrix --layer 1 --kind kv_b`: the rebuilt matrix, both tensors named.
  const out: string[] = [];
  const ctx = { signal: new AbortController().signal, onProgress: () => {}, out: (t: string) => out.push(t), err: () => {}, model: async () => split };
  await matrixCommand.run({ positionals: [split.path], values: { layer: '1', kind: 'kv_b', json: true } }, ctx as unknown as CliContext);
  const report = JSON.parse(out.join(''));
  assert.deepEqual(report.shape, [H * (nope + v), r]);
  assert.equal(report.source.tensor, 'blk.1.attn_k_b.weight');
  assert.equal(report.source.mlaKvB.vb, 'blk.1.attn_v_b.weight');
  const kv1 = c.weights.get(kvName(1))!.data;
  assert.ok(Math.abs(report.stats.min - Math.min(...kv1)) < 1e-7 && Math.abs(report.stats.max - Math.max(...kv1)) < 1e-7, 'min/max of kv_b_proj');
  out.length = 0;
  await matrixCommand.run({ positionals: [split.path], values: { layer: '1', kind: 'kv_b' } }, ctx as unknown as CliContext);
  assert.match(out.join(''), /from {7}blk\.1\.attn_k_b\.weight F32\[4, 5, 3\] — with blk\.1\.attn_v_b\.weight: kv_b_proj rebuilt per head/);
});

test('Q8_0 split-layout GGUF: kv_b equals the dequantized attn_k_b / attn_v_b put back together', async () => {
  const c = q8Case(7);
  const path = gguf('split-q8', c, { layout: 'split', q8: true });
  const model = await openModel(path);
  const want = decodedWeights(c.config, c.weights, { layout: 'split', q8: true });
  for (const l of [0, 1, 2]) {
    assert.equal(model.tensors.get(`blk.${l}.attn_k_b.weight`)!.quant?.label, 'Q8_0');
    assert.equal(model.tensors.get(`blk.${l}.attn_v_b.weight`)!.quant?.label, 'Q8_0');
    const got = await readMatrixKind(model, l, 'kv_b');
    assert.deepEqual(bitDiffs(got.data, want.get(kvName(l))!.data), [], `layer ${l}`);
    // Really rounded: not the F32 kv_b_proj.
    assert.ok(bitDiffs(got.data, c.weights.get(kvName(l))!.data).length > 0, `layer ${l} is quantized`);
  }
});

test('layer similarity of kind kv_b: the same DOCS on the split and the attn_kv_b layouts, and a float64 DOCS of kv_b_proj', async () => {
  const c = q8Case(11);
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const run = async (layout: 'split' | 'kv_b') =>
    layerSimilarity(engine, await openModel(gguf(`sim-${layout}`, c, { layout })), { kind: 'kv_b', indices: ['docs'] });
  const split = await run('split');
  const older = await run('kv_b');
  assert.deepEqual(split.layers, [0, 1, 2]);
  assert.equal(split.pairs.length, older.pairs.length);
  assert.ok(split.pairs.length >= 2);
  for (const [i, p] of split.pairs.entries()) {
    const q = older.pairs[i];
    assert.deepEqual([p.layerA, p.layerB], [q.layerA, q.layerB]);
    assert.equal(p.values.docs, q.values.docs, `L${p.layerA}×L${p.layerB}`);
    const [wa, wb] = [c.weights.get(kvName(p.layerA))!, c.weights.get(kvName(p.layerB))!];
    const rows = split.compared === 'rows';
    const want = docsOracle(vectorsOf(wa.data, wa.shape[0], wa.shape[1], rows), vectorsOf(wb.data, wb.shape[0], wb.shape[1], rows));
    assert.ok(Math.abs((p.values.docs as number) - want) < 1e-4, `L${p.layerA}×L${p.layerB}: ${p.values.docs} vs ${want}`);
  }
});

test('a misshapen attn_k_b is refused when kv_b is read, naming it; a lone attn_k_b gives no kv_b and a note', async () => {
  const c = oracleCase('deepseek_v3');
  const { num_attention_heads: H, qk_nope_head_dim: nope, kv_lora_rank: r } = c.config;
  const name = 'blk.1.attn_k_b.weight';
  // Stored untransposed, [H, nope, r] like kv_b_proj's key rows (ggml ne reversed).
  const bad = await openModel(
    gguf('bad-kb', c, { edit: (t) => (t.name === name ? { name, type: 0, ne: [r, nope, H], values: new Float32Array(H * nope * r) } : t) }),
  );
  const refused = (e: Error) =>
    e instanceof ModelFileError &&
    e.message.includes(`tensor "${name}" (the keys' up-projection (kv_b_proj's key rows, transposed per head)) has shape [${H}, ${nope}, ${r}]`) &&
    e.message.includes(`but the file's metadata implies [${H}, ${r}, ${nope}]`);
  await assert.rejects(readMatrixKind(bad, 1, 'kv_b'), refused);
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  await assert.rejects(layerSimilarity(engine, bad, { kind: 'kv_b', indices: ['docs'] }), /blk\.1\.attn_k_b\.weight/);
  // The other layers still read.
  assert.equal((await readMatrixKind(bad, 0, 'kv_b')).rows, matrixRef(bad, 0, 'kv_b').shape[0]);

  const lone = await openModel(gguf('lone-kb', c, { edit: (t) => (t.name === 'blk.2.attn_v_b.weight' ? null : t) }));
  assert.throws(() => matrixRef(lone, 2, 'kv_b'), /layer 2 of .* has no 'kv_b' matrix/);
  assert.ok(
    (lone.notes ?? []).includes("Layer 2 has 'blk.2.attn_k_b.weight' but no 'blk.2.attn_v_b.weight', so its kv_b_proj cannot be rebuilt."),
    (lone.notes ?? []).join('\n'),
  );
});
