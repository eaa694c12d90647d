// 'spectra/run' through the real worker process (fork + IPC + JSON-RPC) and `layer-lens spectra`
// as a user runs it, both on the trained stories260K model against the scipy oracle.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { SpectraResult } from '../../../../../src/analysis/methods/spectra/spectra';
import { SPECTRA_TIDY_COLUMNS } from '../../../../../src/analysis/methods/spectra/csv';
import { WorkerRequestError, type WorkerConnection } from '../../../../../src/extension/worker/workerConnection';
import { repoRoot, startWorker, stories260K as stories } from '../../worker/workerHarness';
import { oracle, assertClose } from '../../stats/oracle';

describe('spectra through the worker process and the CLI', () => {
  let worker: WorkerConnection;
  before(() => {
    worker = startWorker();
  });
  after(() => worker.dispose());

  test("'spectra/run' streams a partial per matrix, returns plain data equal to scipy's, and reports bad input", async () => {
    const partials: unknown[] = [];
    const r = await worker.request('spectra/run', { path: stories, layers: [2], kinds: ['q', 'v'] }, { onPartial: (d) => partials.push(d) });
    assert.equal(partials.length, 2);
    assert.deepEqual(
      r.entries.map((e) => e.kind),
      ['q', 'v'],
    );
    assertClose(r.randomnessByDepth.q![0] as number, oracle.stories260K.randomnessByDepth.q[2]!, 1e-7, 0, 'q layer 2 via the worker');
    const bad = await worker.request('spectra/run', { path: stories, layers: [9] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(bad instanceof WorkerRequestError);
    assert.equal(bad.code, 'bad-input');
    assert.match(bad.message, /layer 9 does not exist/);
    const side = await worker.request('spectra/run', { path: stories, vectorSide: 'up' as 'left' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(side instanceof WorkerRequestError && side.code === 'bad-input', String(side));
  });

  test('layer-lens spectra --json prints the result; a bad option is a usage error (exit 2)', () => {
    const cli = path.join(repoRoot, 'src', 'analysis', 'cli', 'main.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, 'spectra', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    const ok = run(stories, '--layer', '1', '--kind', 'k', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const r = JSON.parse(ok.stdout) as SpectraResult;
    assert.deepEqual(r.layers, [1]);
    assert.equal(r.entries[0]?.heads?.length, 4);
    assertClose(r.randomnessByDepth.k![0] as number, oracle.stories260K.randomnessByDepth.k[1]!, 1e-7, 0, 'k layer 1 via the CLI');
    const bad = run(stories, '--side', 'up');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--side must be right or left/);
    // --csv: tidy rows (layer,kind,expert,head,metric,value), the matrix row and one per kv head, same p as scipy.
    const csv = run(stories, '--layer', '1', '--kind', 'k', '--csv');
    assert.equal(csv.status, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], SPECTRA_TIDY_COLUMNS.join(','));
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.deepEqual([...new Set(rows.map((r) => r.slice(0, 4).join(',')))], ['1,k,,', '1,k,,0', '1,k,,1', '1,k,,2', '1,k,,3']);
    const headP = rows.filter((r) => r[3] !== '' && r[4] === 'mean_ks_p').map((r) => Number(r[5]));
    assert.equal(headP.length, 4);
    const headMean = headP.reduce((a, p) => a + p, 0) / 4;
    assertClose(headMean, oracle.stories260K.randomnessByDepth.k[1]!, 1e-7, 0, 'k layer 1 head-averaged p from the CLI CSV');
    const both = run(stories, '--json', '--csv');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--json or --csv, not both/);
  });
});
