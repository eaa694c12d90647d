/**
 * 'persistence/pruneCurves' through the real worker process (points streamed as partial results,
 * the same numbers as the in-process job, bad options reported as bad input), and
 * `layer-lens prune-curves` as a user runs it (tidy CSV, a saved point that loads with the layers
 * it names removed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkerRequestError, type WorkerConnection } from '../../../../../src/extension/worker/workerConnection';
import { repoRoot, startWorker } from '../../worker/workerHarness';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { runPruneCurvesJob, type CurvePoint } from '../../../../../src/analysis/methods/persistence/evaluation/job';

const sample = path.join(repoRoot, 'media', 'sample-model');
const persistence = { prompts: [{ kind: 'builtin' as const, domains: ['prose', 'code'], perDomain: 4 }], k: 3, maxDim: 3 };
const heldOut = { kind: 'text' as const, text: 'Tom and Lily went to the park to play with a red ball.' };

describe('pruning curves through the worker process and the CLI', () => {
  let worker: WorkerConnection;
  before(() => {
    worker = startWorker();
  });
  after(() => worker.dispose());

  test("'persistence/pruneCurves' streams its points and equals the in-process job; bad options are bad input", async () => {
    const partials: unknown[] = [];
    const r = await worker.request('persistence/pruneCurves', { path: sample, persistence, heldOut, maxRemoved: 1 }, { onPartial: (d) => partials.push(d) });
    const local = await runPruneCurvesJob(
      await openModel(sample),
      { persistence, heldOut, maxRemoved: 1 },
      { engine: await getEngine({ providers: ['cpu'], threads: 1 }) },
    );
    assert.deepEqual(partials, r.points);
    assert.deepEqual(
      r.points.map((p: CurvePoint) => [p.method, p.n, p.removed]),
      local.points.map((p) => [p.method, p.n, p.removed]),
    );
    r.points.forEach((p: CurvePoint, i: number) =>
      assert.ok(Math.abs(p.perplexity.perplexity - local.points[i].perplexity.perplexity) < 1e-5 * local.points[i].perplexity.perplexity),
    );
    const bad = await worker.request('persistence/pruneCurves', { path: sample, persistence, methods: ['random'] } as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(bad instanceof WorkerRequestError && bad.code === 'bad-input', String(bad));
    assert.match((bad as Error).message, /pruning curves option 'methods'/);
  });

  test('layer-lens prune-curves --csv, and --save-pruned writes a loadable folder without the point’s layers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'll-curves-cli-'));
    try {
      const out = path.join(dir, 'pruned');
      const cli = path.join(repoRoot, 'src', 'analysis', 'cli', 'main.ts');
      const args = ['prune-curves', sample, '--domains', 'prose,code', '--per-domain', '4', '--k', '3', '--dim', '3', '--max-removed', '1', '--methods', 'bi'];
      const res = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args, '--csv', '--save-pruned', out, '--save-point', 'bi:1'], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(res.status, 0, res.stderr);
      const lines = res.stdout.trim().split('\n');
      assert.equal(lines[0], 'method,layers_removed,removed,metric,value');
      assert.equal(lines.length, 1 + 2 * 3, 'two points × perplexity, mean_nll, tokens');
      const removed = lines.find((l) => l.startsWith('bi,1,'))!.split(',')[2];
      const pruned = await openModel(out);
      assert.equal(pruned.layers.length, 3);
      assert.match(res.stderr, new RegExp(`without layers ${removed}`));
      const usage = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args, '--save-point', 'bi:1'], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.notEqual(usage.status, 0);
      assert.match(usage.stderr, /--save-pruned and --save-point go together/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
