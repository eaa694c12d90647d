// 'correlations/run' and 'correlations/values' through the real worker process (fork + IPC +
// JSON-RPC), and `layer-lens correlations` as a user runs it, on the trained stories260K model
// against the numpy oracle (test/oracles/correlations.json).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CorrelationsResult } from '../../../../../src/analysis/methods/correlations/correlations';
import { WorkerRequestError, type WorkerConnection } from '../../../../../src/extension/worker/workerConnection';
import { repoRoot, startWorker, stories260K as stories } from '../../worker/workerHarness';

const oracle = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'oracles', 'correlations.json'), 'utf8')).stories260K as {
  layers: { heads: { M1: number; M5: number }[]; m8: Record<string, number> }[];
  m6: { r: number };
};

describe('correlations through the worker process and the CLI', () => {
  let worker: WorkerConnection;
  before(() => {
    worker = startWorker();
  });
  after(() => worker.dispose());

  test("'correlations/run' streams a partial per layer and returns numpy's values; 'correlations/values' gives a head's entries; bad input is reported", async () => {
    const partials: unknown[] = [];
    const r = await worker.request('correlations/run', { path: stories, layers: [1, 4] }, { onPartial: (d) => partials.push(d) });
    assert.equal(partials.length, 2);
    assert.deepEqual(
      r.entries.map((e) => e.layer),
      [1, 4],
    );
    assert.ok(Math.abs(r.entries[1].heads[5].M1! - oracle.layers[4].heads[5].M1) < 2e-6);
    assert.ok(Math.abs(r.entries[0].m8.down_up! - oracle.layers[1].m8.down_up) < 2e-6);
    const v = await worker.request('correlations/values', { path: stories, layer: 4, head: 5, measure: 'M1' });
    assert.equal(v.kvHead, 2);
    assert.equal(v.total, 8 * 64);
    assert.equal(v.x.length, 8 * 64);
    assert.ok(Math.abs(v.cc! - oracle.layers[4].heads[5].M1) < 2e-6);
    const bad = await worker.request('correlations/run', { path: stories, layers: [9] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(bad instanceof WorkerRequestError);
    assert.equal(bad.code, 'bad-input');
    assert.match(bad.message, /layer 9 does not exist/);
    const badRcond = await worker.request('correlations/run', { path: stories, rcond: -1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(badRcond instanceof WorkerRequestError && badRcond.code === 'bad-input', String(badRcond));
    const missing = await worker.request('correlations/values', { path: stories, layer: 12, head: 0, measure: 'M2' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(missing instanceof WorkerRequestError && missing.code === 'not-found', String(missing));
  });

  test('layer-lens correlations --json prints the result; a bad option is a usage error (exit 2)', () => {
    const cli = path.join(repoRoot, 'src', 'analysis', 'cli', 'main.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, 'correlations', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    const ok = run(stories, '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const r = JSON.parse(ok.stdout) as CorrelationsResult;
    assert.deepEqual(r.layers, [0, 1, 2, 3, 4]);
    assert.equal(r.entries[0].heads.length, 8);
    assert.ok(Math.abs(r.m6!.r - oracle.m6.r) < 1e-5);
    const bad = run(stories, '--rcond', 'tiny');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--rcond must be a number in \[0, 1\)/);
  });
});
