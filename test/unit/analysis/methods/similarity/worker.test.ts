// 'similarity/run' through the real worker process (fork + IPC + JSON-RPC) and `layer-lens
// similarity` as a user runs it, both on the trained stories260K model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { layerSimilarity } from '../../../../../src/analysis/methods/similarity/layerSimilarity';
import type { SimilarityJobResult, SimilarityPartial } from '../../../../../src/analysis/methods/similarity/job';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { WorkerRequestError, type WorkerConnection } from '../../../../../src/extension/worker/workerConnection';
import { repoRoot, startWorker, stories260K as stories, tempDir } from '../../worker/workerHarness';

describe('layer similarity through the worker process and the CLI', () => {
  let worker: WorkerConnection;
  const cache = tempDir();
  before(() => {
    worker = startWorker();
  });
  after(() => {
    worker.dispose();
    cache.cleanup();
  });

  test("'similarity/run' streams the plan and each pair, equals the in-process result, then serves its cache", async () => {
    const partials: SimilarityPartial[] = [];
    const params = { path: stories, kind: 'up' as const, indices: ['docs' as const, 'cka' as const], cacheDir: cache.dir };
    const r = await worker.request('similarity/run', params, { onPartial: (d) => partials.push(d as SimilarityPartial) });
    assert.equal(r.cached, false);
    assert.equal(partials[0].type, 'plan');
    assert.equal(partials.filter((p) => p.type === 'pair').length, 10);
    const direct = await layerSimilarity(await getEngine({ providers: ['cpu'] }), await openModel(stories), { kind: 'up', indices: ['docs', 'cka'] });
    for (const p of direct.pairs) {
      const q = r.pairs.find((x) => x.a === p.a && x.b === p.b)!;
      assert.ok(Math.abs((q.values.docs as number) - (p.values.docs as number)) < 1e-9 && Math.abs((q.values.cka as number) - (p.values.cka as number)) < 1e-9);
    }
    assert.equal(readdirSync(path.join(cache.dir, 'similarity')).filter((f) => f.endsWith('.json')).length, 1, 'stored on disk');
    const again = await worker.request('similarity/run', params);
    assert.equal(again.cached, 'memory');
    const bad = await worker.request('similarity/run', { path: stories, kind: 'mlp' as 'up' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(bad instanceof WorkerRequestError && bad.code === 'bad-input', String(bad));
    assert.match((bad as Error).message, /'kind' must be one of/);
    const layer = await worker.request('similarity/run', { path: stories, kind: 'up', layers: [0, 7] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(layer instanceof WorkerRequestError && layer.code === 'bad-input');
    assert.match((layer as Error).message, /Layer 7 has no 'up' matrix/);
  });

  test('layer-lens similarity: --json prints the result, the table shows the matrix and clusters, bad options exit 2', () => {
    const cli = path.join(repoRoot, 'src', 'analysis', 'cli', 'main.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, 'similarity', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    const json = run(stories, '--kind', 'down', '--index', 'docs', '--pairs', 'adjacent', '--json');
    assert.equal(json.status, 0, json.stderr);
    const r = JSON.parse(json.stdout) as SimilarityJobResult;
    assert.equal(r.kind, 'down');
    assert.equal(r.compared, 'columns');
    assert.deepEqual(
      r.pairs.map((p) => [p.layerA, p.layerB]),
      [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 4],
      ],
    );
    const table = run(stories, '--kind', 'q', '--layers', '0,2,4');
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /\n\s+L0\s+L2\s+L4\n/);
    assert.match(table.stdout, /Clusters: /);
    assert.match(table.stdout, /Adjacent layers: L0–L2 \d\.\d{3}, L2–L4 \d\.\d{3}/);
    const bad = run(stories, '--kind', 'up', '--index', 'cca2');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Unknown similarity index 'cca2'/);
    assert.equal(run(stories).status, 2);
  });
});
