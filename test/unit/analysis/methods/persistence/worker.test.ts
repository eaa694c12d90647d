// 'persistence/run' and 'persistence/prune' through the real worker process, and
// `layer-lens persistence` as a user runs it, on media/sample-model. The numbers are checked
// against the in-process analysis (persistenceModel.test.ts checks those against references).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkerRequestError, type WorkerConnection } from '../../../../../src/extension/worker/workerConnection';
import { repoRoot, startWorker } from '../../worker/workerHarness';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { runPersistenceJob } from '../../../../../src/analysis/methods/persistence/job';

const sample = path.join(repoRoot, 'media', 'sample-model');

describe('persistence through the worker process and the CLI', () => {
  let worker: WorkerConnection;
  before(() => {
    worker = startWorker();
  });
  after(() => worker.dispose());

  test("'persistence/run' returns the same barcode as the in-process job; bad input is reported", async () => {
    const params = { prompts: [{ kind: 'builtin' as const, perDomain: 10 }], k: 4, maxDim: 2, maxTokens: 32 };
    const progress: number[] = [];
    const r = await worker.request('persistence/run', { path: sample, ...params }, { onProgress: (p) => progress.push(p.done) });
    const local = await runPersistenceJob(await openModel(sample), params, { engine: await getEngine({ providers: ['cpu'], threads: 1 }) });
    assert.equal(r.prompts, 40);
    assert.deepEqual(r.bars, local.bars);
    assert.deepEqual(r.betti, local.betti);
    assert.ok(progress.length > 0);
    assert.equal(r.cached, false);
    // The same request again is served by the worker's cache of finished runs.
    const again = await worker.request('persistence/run', { path: sample, ...params });
    assert.equal(again.cached, 'memory');
    assert.deepEqual(again.bars, r.bars);
    const badDir = await worker.request('persistence/run', { path: sample, ...params, cacheDir: 42 as never }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(badDir instanceof WorkerRequestError && badDir.code === 'bad-input' && /cacheDir/.test(badDir.message), String(badDir));
    const bad = await worker.request('persistence/run', { path: sample, prompts: [], k: 4 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(bad instanceof WorkerRequestError && bad.code === 'bad-input', String(bad));
    const badK = await worker.request('persistence/run', { path: sample, prompts: [{ kind: 'builtin', perDomain: 2 }], k: 10 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(badK instanceof WorkerRequestError && /too few for k = 10/.test(badK.message), String(badK));
  });

  test("'persistence/prune' writes the copy and compares perplexities", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'll-prune-worker-'));
    try {
      const r = await worker.request('persistence/prune', {
        path: sample,
        layers: [2],
        outDir: path.join(dir, 'p'),
        heldOut: { kind: 'text', text: 'Tom saw a big dog. The dog ran to the park.' },
      });
      assert.equal(r.prune.keptLayers, 3);
      assert.ok(r.original.perplexity > 1 && r.pruned.perplexity > 1);
      assert.equal(JSON.parse(await readFile(path.join(dir, 'p', 'config.json'), 'utf8')).num_hidden_layers, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('layer-lens persistence --json, text output, and usage errors', () => {
    const cli = path.join(repoRoot, 'src', 'analysis', 'cli', 'main.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, 'persistence', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    const ok = run(sample, '--per-domain', '8', '--k', '3', '--dim', '2', '--max-tokens', '24', '--keep', 'last', '--max-pruned-share', '0.25', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const r = JSON.parse(ok.stdout) as {
      prompts: number;
      betti: number[][];
      suggestions: Array<{ p: number; layers: number[] }>;
      truncation: { keep: string; limit: number; truncated: unknown[] };
      maxPrunedLayers: number;
    };
    assert.equal(r.prompts, 32);
    assert.equal(r.truncation.keep, 'last');
    assert.equal(r.truncation.limit, 24);
    assert.ok(r.truncation.truncated.length > 0);
    assert.equal(r.maxPrunedLayers, 1);
    assert.ok(r.suggestions.every((s) => s.layers.length <= 1));
    assert.equal(r.betti.length, 2);
    assert.deepEqual(
      r.suggestions.map((s) => s.p),
      [0.9, 0.8],
    );
    const text = run(sample, '--per-domain', '8', '--k', '3', '--max-tokens', '24');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /prune at p = 0\.9: S̄1/);
    assert.match(text.stdout, /^tokens: \d+ of 32 prompts longer than 24 tokens keep their first 24 \(the longest had \d+\)$/m);
    assert.match(text.stdout, /clique dim 4/);
    assert.equal(run(sample, '--keep', 'middle').status, 2);
    assert.equal(run(sample, '--max-pruned-share', '1').status, 2);
    assert.equal(run(sample, '--prune-ratio', '0.5').status, 2);
    assert.equal(run(sample, '--k', 'x').status, 2);
  });

  test('layer-lens persistence --prune-out writes the copy and prints both perplexities', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'll-prune-cli-'));
    try {
      const cli = path.join(repoRoot, 'src', 'analysis', 'cli', 'main.ts');
      const out = path.join(dir, 'copy');
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          cli,
          'persistence',
          sample,
          '--per-domain',
          '6',
          '--k',
          '3',
          '--max-tokens',
          '16',
          '--prune-out',
          out,
          '--prune-layers',
          '0',
          '--json',
        ],
        { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout) as {
        prune: { prune: { removedLayers: number[]; outDir: string }; original: { perplexity: number }; pruned: { perplexity: number } };
      };
      assert.deepEqual(j.prune.prune.removedLayers, [0]);
      assert.equal(j.prune.prune.outDir, out);
      assert.ok(j.prune.original.perplexity > 1 && j.prune.pruned.perplexity > 1);
      assert.equal(JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8')).num_hidden_layers, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
