import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { DEFAULT_CPU_MEM_ARENA, sessionOptions } from '../../../../src/analysis/engine/providers';
import { DecoderExecutor } from '../../../../src/analysis/model/executor/decoder';
import { syntheticModel } from '../../../fixtures/syntheticModel';
import { REPO_ROOT } from '../../../paths';

test('sessions leave the CPU memory arena off by default; the engine option turns it on', async () => {
  assert.equal(DEFAULT_CPU_MEM_ARENA, process.env.LAYER_LENS_ORT_ARENA === '1');
  assert.equal(sessionOptions('cpu', 1).enableCpuMemArena, DEFAULT_CPU_MEM_ARENA);
  assert.equal(sessionOptions('cpu', 1, false).enableCpuMemArena, false);
  assert.equal(sessionOptions('cpu', 1, true).enableCpuMemArena, true);
  const byDefault = await getEngine({ providers: ['cpu'], threads: 1 });
  assert.equal(
    await getEngine({ providers: ['cpu'], threads: 1, enableCpuMemArena: DEFAULT_CPU_MEM_ARENA }),
    byDefault,
    'the default is the same engine as the explicit setting',
  );
  const off = await getEngine({ providers: ['cpu'], threads: 1, enableCpuMemArena: false });
  const on = await getEngine({ providers: ['cpu'], threads: 1, enableCpuMemArena: true });
  assert.notEqual(on, off, 'engines differing only in the arena setting keep their own sessions');
});

/**
 * Resident memory of a process after one run of a graph whose intermediates are two
 * 256 MiB float32 tensors (a scalar expanded to 8192×8192, then exp), reduced to one number.
 * With the arena, the session keeps those buffers until it is released; without it they go back to
 * the system when the run ends.
 */
function rssAfterRunMiB(arena: { option?: boolean; env?: '0' | '1' }): number {
  const engineModule = JSON.stringify(join(REPO_ROOT, 'src/analysis/engine/engine.ts'));
  const graphModule = JSON.stringify(join(REPO_ROOT, 'src/analysis/engine/graph.ts'));
  const script = `
    const ort = require('onnxruntime-node');
    const { getEngine } = require(${engineModule});
    const { GraphBuilder } = require(${graphModule});
    (async () => {
      const engine = await getEngine({ providers: ['cpu'], threads: 1, enableCpuMemArena: ${arena.option} });
      const build = () => {
        const g = new GraphBuilder('arena_probe');
        const x = g.input('x', 'float32', [1]);
        const big = g.op('Exp', [g.op('Expand', [x, g.constant(BigInt64Array.of(8192n, 8192n), 'int64', [2])])]);
        g.output(g.op('ReduceSum', [big], { keepdims: 0 }), 'float32', { as: 'y' });
        return g.toBytes();
      };
      const feeds = { x: new ort.Tensor('float32', Float32Array.of(0), [1]) };
      const y = (await engine.run('arena_probe', build, feeds)).y.data[0];
      if (y !== 8192 * 8192) throw new Error('wrong sum ' + y);
      process.stdout.write(String(process.memoryUsage().rss / 2 ** 20));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const env = { ...process.env, LAYER_LENS_ORT_ARENA: arena.env ?? '0' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

test('the option reaches onnxruntime: with the arena a session keeps its largest buffers after a run, without it they are freed', () => {
  const off = rssAfterRunMiB({});
  const on = rssAfterRunMiB({ option: true });
  assert.ok(on - off > 400, `RSS after a run: arena on ${on.toFixed(0)} MiB, off ${off.toFixed(0)} MiB (the arena should keep ≈ 512 MiB)`);
});

test('LAYER_LENS_ORT_ARENA=1 turns the arena on by default; the engine option still wins', () => {
  const off = rssAfterRunMiB({ option: false, env: '1' });
  const byEnvironment = rssAfterRunMiB({ env: '1' });
  assert.ok(byEnvironment - off > 400, `RSS after a run: arena from the environment ${byEnvironment.toFixed(0)} MiB, option off ${off.toFixed(0)} MiB`);
});

test('forward and backward are bit-for-bit the same with and without the arena, and match the numpy oracle', async () => {
  const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/llama_forward.json'), 'utf8'));
  const c = oracle.synthetic.llama_default;
  const runWith = async (enableCpuMemArena: boolean) => {
    const { cfg, source } = syntheticModel(c.config);
    const engine = await getEngine({ providers: ['cpu'], threads: 1, enableCpuMemArena });
    const ex = new DecoderExecutor(cfg, source, { engine });
    try {
      const grads: Float32Array[] = [];
      const r = await ex.run(
        [c.ids],
        { logits: 'all' },
        { objective: 'max-logit', onLayer: (g) => void grads.push(...Object.values(g.grads).map((x) => Float32Array.from(x))) },
      );
      return { logits: r.logits!, inputGrad: r.inputGrad!, grads, V: cfg.vocabSize };
    } finally {
      await ex.release();
    }
  };
  const off = await runWith(false);
  const on = await runWith(true);
  assert.deepEqual(on.logits, off.logits);
  assert.deepEqual(on.inputGrad, off.inputGrad);
  assert.equal(on.grads.length, off.grads.length);
  on.grads.forEach((g, i) => assert.deepEqual(g, off.grads[i]));
  let maxDiff = 0;
  c.ids.forEach((_: number, t: number) => {
    for (let v = 0; v < off.V; v++) maxDiff = Math.max(maxDiff, Math.abs(off.logits[t * off.V + v] - c.logits[t][v]));
  });
  assert.ok(maxDiff < 1e-4, `max |Δlogit| against the oracle = ${maxDiff}`);
});
