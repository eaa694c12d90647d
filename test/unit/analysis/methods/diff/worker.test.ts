// 'diff/run' through the real worker process (fork + IPC + JSON-RPC) and `layer-lens diff` as a user
// runs it, on a fixture model and a copy with one planted rank-2 update in layer 1's v.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type { DiffResult } from '../../../../../src/analysis/methods/diff/diff';
import { WorkerRequestError, type WorkerConnection } from '../../../../../src/extension/worker/workerConnection';
import { writeFixtureModel } from '../../../../fixtures/makeModel';
import { repoRoot, startWorker, tempDir } from '../../worker/workerHarness';
import { copyModel, lowRank } from './helpers';

describe('checkpoint diff through the worker process and the CLI', () => {
  let worker: WorkerConnection;
  let dir: string;
  let a: string;
  let b: string;
  before(async () => {
    dir = tempDir().dir;
    const fixture = await writeFixtureModel(path.join(dir, 'a'), { arch: 'qwen2', layers: 2, hidden: 16, heads: 4, kvHeads: 2, intermediate: 24, seed: 9 });
    const upd = lowRank(8, 16, [0.4, 0.2], 3);
    a = fixture.dir;
    b = await copyModel(fixture, path.join(dir, 'b'), {
      dtype: 'BF16',
      edit: (name, v) => (name === 'model.layers.1.self_attn.v_proj.weight' ? v.map((x, i) => x + upd[i]) : undefined),
    });
    worker = startWorker();
  });
  after(() => {
    worker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("'diff/run' streams a partial per matrix pair, returns plain data, and reports bad input", async () => {
    const partials: unknown[] = [];
    const r = await worker.request('diff/run', { pathA: a, pathB: b, kinds: ['v', 'o'] }, { onPartial: (d) => partials.push(d) });
    assert.equal(partials.length, 4);
    assert.deepEqual(
      r.entries.map((e) => [e.layer, e.kind]),
      [
        [0, 'v'],
        [0, 'o'],
        [1, 'v'],
        [1, 'o'],
      ],
    );
    const v1 = r.entries[2];
    // BF16 rounding (≤ 2^-8 relative) sits on top of the rank-2 update, so σ3.. are small, not zero.
    assert.ok(Math.abs(v1.delta.singularValues[0] - 0.4) < 0.01 && Math.abs(v1.delta.singularValues[1] - 0.2) < 0.01, `σ of Δ: ${v1.delta.singularValues}`);
    assert.ok(v1.relChange > 10 * r.entries[0].relChange, 'the planted update dwarfs the rounding of the cast');
    assert.equal(r.largest?.kind, 'v');
    const bad = await worker.request('diff/run', { pathA: a, pathB: b, topTokens: -1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(bad instanceof WorkerRequestError && bad.code === 'bad-input', String(bad));
    assert.match((bad as Error).message, /'topTokens' must be an integer/);
    const missing = await worker.request('diff/run', { pathA: a, pathB: path.join(dir, 'nowhere') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(missing instanceof WorkerRequestError, String(missing));
    assert.match((missing as Error).message, /nowhere/);
  });

  test("'diff/run' with a cache folder answers a repeat from the cache and recomputes when B is rewritten", async () => {
    const cacheDir = path.join(dir, 'cache');
    const params = { pathA: a, pathB: b, kinds: ['v' as const], docs: false, spectra: false, embeddings: false, cacheDir };
    const first = await worker.request('diff/run', params);
    const partials: unknown[] = [];
    const again = await worker.request('diff/run', params, { onPartial: (d) => partials.push(d) });
    assert.equal(partials.length, 0, 'a cached diff computes nothing');
    assert.deepEqual(again.entries, first.entries);
    assert.equal(again.seconds, first.seconds, 'the stored result, not a new run');
    // "Run again" (force) computes anew although the result is cached.
    const forced = await worker.request('diff/run', { ...params, force: true }, { onPartial: (d) => partials.push(d) });
    assert.equal(partials.length, 2, 'the forced run computed both v pairs again');
    assert.deepEqual(
      forced.entries.map((e) => e.relChange),
      first.entries.map((e) => e.relChange),
    );
    partials.length = 0;
    // Rewrite B with a different update: its file identity changes, so the diff is computed again.
    const fixture = await writeFixtureModel(path.join(dir, 'a2'), { arch: 'qwen2', layers: 2, hidden: 16, heads: 4, kvHeads: 2, intermediate: 24, seed: 9 });
    await copyModel(fixture, b, { dtype: 'BF16' });
    const fresh = await worker.request('diff/run', params, { onPartial: (d) => partials.push(d) });
    assert.equal(partials.length, 2, 'both v pairs computed again');
    assert.ok(fresh.entries[1].relChange < first.entries[1].relChange / 10, 'the new B has no planted update');
  });

  test('layer-lens diff prints the table and --json the result; a wrong call is a usage error (exit 2)', () => {
    const cli = path.join(repoRoot, 'src', 'analysis', 'cli', 'main.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, 'diff', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    const json = run(a, b, '--layer', '1', '--kind', 'v', '--no-spectra', '--json');
    assert.equal(json.status, 0, json.stderr);
    const r = JSON.parse(json.stdout) as DiffResult;
    assert.deepEqual(
      r.entries.map((e) => [e.layer, e.kind, e.dtypeA, e.dtypeB]),
      [[1, 'v', 'F32', 'BF16']],
    );
    assert.equal(r.entries[0].change, null);
    const text = run(a, b, '--kind', 'v');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /largest change: layer 1 v/);
    assert.match(text.stdout, /L1 v +8×16/);
    assert.match(text.stdout, /note: the dtypes differ \(F32 in A, BF16 in B\)/);
    const usage = run(a);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /give two model paths/);
  });
});
