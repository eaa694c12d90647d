// `layer-lens matrix`: the .npy header byte for byte as numpy writes it (test/oracles/npy_headers.py);
// the built CLI on stories260K, a BF16 GPT-2 fixture (fused, transposed c_attn), one shard of a
// sharded fixture and mixture-of-experts fixtures (test/fixtures/moeLayouts.ts: experts one tensor
// each, stacked and interleaved, shared experts, routers), its files read back by an independent .npy parser (and by numpy itself when
// python3 has it) and compared with the source matrices the fixtures wrote and with readRoleMatrix;
// its statistics against values computed here; its usage errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npyHeader } from '../../../../src/analysis/cli/npy';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readRoleMatrix } from '../../../../src/analysis/model/readRole';
import type { MatrixRole } from '../../../../src/analysis/model/types';
import { writeFixtureModel, type FixtureModel } from '../../../fixtures/makeModel';
import { writeMoeFixture, type MoeArch } from '../../../fixtures/moeLayouts';
import { ensureBuilt, ok, run, stories } from './cliHarness';
import { REPO_ROOT } from '../../../paths';

/** An .npy v1.0 `<f4` C-order file parsed from its bytes as the format specifies, without numpy. */
function readNpy(file: string): { shape: number[]; data: Float32Array; headerBytes: number } {
  const buf = readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 8)], [0x93, ...Buffer.from('NUMPY'), 1, 0], 'magic and version 1.0');
  const hlen = buf.readUInt16LE(8);
  assert.equal((10 + hlen) % 64, 0, 'data aligned to 64 bytes');
  const header = buf.subarray(10, 10 + hlen).toString('latin1');
  assert.ok(header.endsWith('\n'));
  assert.match(header, /'descr': '<f4'/);
  assert.match(header, /'fortran_order': False/);
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = buf.subarray(10 + hlen);
  assert.equal(body.length, shape.reduce((a, b) => a * b, 1) * 4, 'exactly the values follow the header');
  const data = new Float32Array(body.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = body.readFloatLE(4 * i);
  return { shape, data, headerBytes: 10 + hlen };
}

/** A tensor's float32 values read straight from a safetensors file (independent of src/analysis/io). */
function storedF32(file: string, name: string): { shape: number[]; data: Float32Array } {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const t = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'))[name];
  assert.equal(t.dtype, 'F32');
  const bytes = buf.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
  const data = new Float32Array(bytes.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(4 * i);
  return { shape: t.shape, data };
}

const numpyAvailable = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/** numpy.load's view of the file: dtype, C-contiguity, shape and values. */
function numpyLoad(file: string): { dtype: string; c: boolean; shape: number[]; values: number[] } {
  const py =
    'import json,sys,numpy; a=numpy.load(sys.argv[1]); print(json.dumps([a.dtype.str, bool(a.flags.c_contiguous), list(a.shape), a.ravel().tolist()]))';
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const [dtype, c, shape, values] = JSON.parse(r.stdout);
  return { dtype, c, shape, values };
}

let tmp: string;
let gpt2: FixtureModel, sharded: FixtureModel;
before(async () => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'll-matrix-'));
  gpt2 = await writeFixtureModel(join(tmp, 'gpt2'), { arch: 'gpt2', dtype: 'BF16', layers: 2, hidden: 16, heads: 4, intermediate: 40, seed: 7 });
  sharded = await writeFixtureModel(join(tmp, 'llama'), { arch: 'llama', layers: 4, hidden: 16, heads: 4, kvHeads: 2, shards: 3, seed: 11 });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the .npy header equals numpy.save’s for every shape of the oracle', () => {
  const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/npy_headers.json'), 'utf8'));
  assert.ok(oracle.headers.length >= 5);
  for (const { shape, header } of oracle.headers) assert.deepEqual([...npyHeader(shape)], [...Buffer.from(header, 'latin1')], `shape ${shape}`);
});

test('stories260K q, k and down of layer 2: the .npy holds the stored matrix and readRoleMatrix’s, bit for bit', async () => {
  const model = await openModel(stories);
  for (const [role, tensor] of [
    ['q', 'self_attn.q_proj.weight'],
    ['k', 'self_attn.k_proj.weight'],
    ['down', 'mlp.down_proj.weight'],
  ] as const) {
    const out = join(tmp, `stories-${role}.npy`);
    const report = JSON.parse(ok('matrix', stories, '--layer', '2', '--kind', role, '--out', out, '--json'));
    const npy = readNpy(out);
    const src = storedF32(join(stories, 'model.safetensors'), `model.layers.2.${tensor}`);
    assert.deepEqual(npy.shape, src.shape, role);
    assert.deepEqual(report.shape, src.shape);
    assert.equal(report.source.tensor, `model.layers.2.${tensor}`);
    assert.deepEqual(npy.data, src.data, `${role}: the stored values`);
    assert.deepEqual(npy.data, (await readRoleMatrix(model, 2, role)).data, `${role}: readRoleMatrix`);
    // The statistics describe these values.
    const v = [...src.data];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    assert.equal(report.stats.count, v.length);
    assert.equal(report.stats.min, Math.min(...v));
    assert.equal(report.stats.max, Math.max(...v));
    assert.ok(Math.abs(report.stats.mean - mean) < 1e-12);
    assert.ok(Math.abs(report.stats.std - Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length)) < 1e-9);
  }
});

test(
  'numpy.load reads the file as float32, C order, [out, in], with the same values',
  { skip: numpyAvailable ? false : 'python3 with numpy is not installed' },
  () => {
    const out = join(tmp, 'stories-v.npy');
    ok('matrix', stories, '--layer', '2', '--kind', 'v', '--out', out);
    const src = storedF32(join(stories, 'model.safetensors'), 'model.layers.2.self_attn.v_proj.weight');
    const np = numpyLoad(out);
    assert.equal(np.dtype, '<f4');
    assert.equal(np.c, true);
    assert.deepEqual(np.shape, [32, 64]);
    assert.deepEqual(Float32Array.from(np.values), src.data);
  },
);

test('GPT-2 (BF16, Conv1D [in, out], fused c_attn): every role of layer 1 equals the fixture’s [out, in] source matrix', async () => {
  const roles: MatrixRole[] = ['q', 'k', 'v', 'o', 'up', 'down'];
  for (const [path, label] of [
    [gpt2.dir, 'folder'],
    [join(gpt2.dir, 'model.safetensors'), 'file'],
  ]) {
    for (const role of roles) {
      const out = join(tmp, `gpt2-${label}-${role}.npy`);
      const report = JSON.parse(ok('matrix', path, '--layer', '1', '--kind', role, '--out', out, '--json'));
      const src = gpt2.source[1][role]!;
      const npy = readNpy(out);
      assert.deepEqual(npy.shape, [src.rows, src.cols], `${label} ${role}`);
      assert.deepEqual(npy.data, src.data, `${label} ${role}`);
      assert.equal(report.source.dtype, 'BF16');
      assert.equal(report.source.transpose, true, `${role} is stored [in, out]`);
    }
  }
  // q, k and v are different column blocks of one tensor: a wrong split would repeat one of them.
  assert.notDeepEqual(gpt2.source[1].q!.data, gpt2.source[1].k!.data);
});

test('one shard of a sharded model gives the whole model’s matrices (layers in other shards included)', () => {
  const shard = sharded.files[1];
  for (const layer of [0, 3]) {
    const out = join(tmp, `shard-${layer}.npy`);
    ok('matrix', shard, '--layer', String(layer), '--kind', 'k', '--out', out);
    const src = sharded.source[layer].k!;
    assert.deepEqual(readNpy(out).data, src.data, `layer ${layer}`);
  }
});

// Mixtral: one tensor per expert; Qwen2-MoE: a shared expert; gpt-oss: gate/up interleaved in one
// [E, d, 2F] tensor stored for `x @ W`; Llama 4: stacked [E, d, 2F] gate|up, also transposed;
// DeepSeek-V3 FP8: block-scaled float8 experts and MLA factor matrices.
for (const arch of ['mixtral', 'qwen2_moe', 'gpt_oss', 'llama4', 'deepseek_v3_fp8'] as MoeArch[]) {
  test(`${arch}: --expert, --shared-expert and --kind router give the fixture's matrices`, async () => {
    const fx = await writeMoeFixture(join(tmp, arch), { arch, seed: 5 });
    const l = fx.layers.findIndex((t) => t.experts !== undefined);
    assert.ok(l >= 0, 'the fixture has a mixture-of-experts layer');
    const truth = fx.layers[l];
    const read = (args: string[]) => {
      const out = join(tmp, `${arch}-${args.join('')}.npy`);
      ok('matrix', fx.dir, '--layer', String(l), ...args, '--out', out);
      return readNpy(out);
    };
    const E = truth.experts!.length;
    for (const e of [0, E - 1]) {
      for (const role of ['gate', 'up', 'down'] as const) {
        const want = truth.experts![e][role];
        const got = read(['--kind', role, '--expert', String(e)]);
        assert.deepEqual(got.shape, [want.rows, want.cols], `expert ${e} ${role}`);
        assert.deepEqual(got.data, want.data, `expert ${e} ${role}`);
      }
    }
    assert.notDeepEqual(truth.experts![0].up.data, truth.experts![E - 1].up.data, 'experts differ, so a swapped expert is caught');
    const router = read(['--kind', 'router']);
    assert.deepEqual(router.shape, [E, fx.config.hidden_size ?? (fx.config.text_config as Record<string, number>).hidden_size]);
    assert.deepEqual(router.data, truth.extra.router!.data, 'router');
    if (truth.shared) {
      const shared = read(['--kind', 'down', '--shared-expert']);
      assert.deepEqual(shared.data, truth.shared.down.data, 'shared expert down');
    } else {
      const r = run('matrix', fx.dir, '--layer', String(l), '--kind', 'down', '--shared-expert');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /has no shared expert/);
    }
    for (const kind of ['q_a', 'q_b', 'kv_a', 'kv_b'] as const) {
      const want = truth.extra[kind];
      if (want) assert.deepEqual(read(['--kind', kind]).data, want.data, kind);
    }
    const r = run('matrix', fx.dir, '--layer', String(l), '--kind', 'up', '--expert', String(E));
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`has no expert ${E} \\(experts 0…${E - 1}\\)`));
  });
}

test('without --out: shape, source and statistics as text', () => {
  const text = ok('matrix', stories, '--layer', '0', '--kind', 'o');
  assert.match(text, /^layer 0 o of .*stories260K\n/);
  assert.match(text, /shape +\[64, 64\] +\(out, in\), float32/);
  assert.match(text, /from +model\.layers\.0\.self_attn\.o_proj\.weight F32\[64, 64\]/);
  assert.match(text, /min \/ max +-?\d/);
  assert.doesNotMatch(text, /wrote/);
});

test('usage errors name the flag; model errors name the layer or matrix', () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['--kind', 'q'], 2, /--layer is required/],
    [['--layer', '1'], 2, /--kind is required/],
    [['--layer', 'x', '--kind', 'q'], 2, /--layer must be a non-negative integer/],
    [['--layer', '1', '--kind', 'qq'], 2, /--kind: 'qq' is not one of q, k, v, o, gate, up, down/],
    [['--layer', '1', '--kind', 'up', '--expert', '0', '--shared-expert'], 2, /--expert or --shared-expert, not both/],
    [['--layer', '9', '--kind', 'q'], 1, /has no layer 9/],
    [['--layer', '1', '--kind', 'router'], 1, /has no 'router' matrix/],
    [['--layer', '1', '--kind', 'up', '--expert', '0'], 1, /not a mixture-of-experts layer/],
  ];
  for (const [args, code, re] of cases) {
    const r = run('matrix', stories, ...args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('--help lists every option with its line', () => {
  const help = ok('matrix', '--help');
  for (const flag of ['--layer L', '--kind KIND', '--expert E', '--shared-expert', '--out FILE.npy', '--json']) assert.ok(help.includes(flag), flag);
});
