// 'forward/run' and 'activation/run' through the real worker process (fork + IPC + JSON-RPC):
// results against the numpy oracle, streamed partial results, cancellation and input errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WorkerRequestError, type WorkerConnection } from '../../../../src/extension/worker/workerConnection';
import { repoRoot, startWorker, stories260K } from './workerHarness';
import { REPO_ROOT } from '../../../paths';

const sample = path.join(repoRoot, 'media', 'sample-model');
const oracle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/oracles/llama_forward.json'), 'utf8')).stories260K;

async function failure(p: Promise<unknown>): Promise<WorkerRequestError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkerRequestError, String(err));
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('executor requests in the worker', () => {
  let worker: WorkerConnection;
  before(() => {
    worker = startWorker();
  });
  after(() => worker.dispose());

  test('forward/run: top tokens and norms of stories260K equal the oracle', async () => {
    const r = await worker.request('forward/run', { path: stories260K, tokens: oracle.ids, top: 3 });
    const last: number[] = oracle.logits[oracle.ids.length - 1];
    const best = last.indexOf(Math.max(...last));
    assert.equal(r.top[0].id, best);
    assert.ok(Math.abs(r.top[0].logit - last[best]) < 1e-4);
    assert.ok(Math.abs(r.hiddenNorms[5] - oracle.boundaryNorms[5][oracle.ids.length - 1]) < 1e-3);
  });

  test('forward/run: bad input is reported as such', async () => {
    const both = await failure(worker.request('forward/run', { path: stories260K, tokens: [1], text: 'x' }));
    assert.equal(both.code, 'bad-input');
    const range = await failure(worker.request('forward/run', { path: stories260K, tokens: [1, 9999] }));
    assert.equal(range.code, 'bad-input');
    assert.match(range.message, /token id 9999 is outside the vocabulary \(0\.\.511\)/);
  });

  test('activation/run: partial results after each prompt, then the whole result', async () => {
    const partials: Array<{ promptsDone: number }> = [];
    const progress: number[] = [];
    const r = await worker.request(
      'activation/run',
      {
        path: sample,
        prompts: [
          { kind: 'builtin', domains: ['prose', 'code'], perDomain: 2 },
          { kind: 'text', text: 'x = 1 + 2' },
        ],
        threshold: { kind: 'relative', factor: 1 },
        maxTokens: 32,
      },
      { onPartial: (d) => partials.push(d as { promptsDone: number }), onProgress: (p) => progress.push(p.done) },
    );
    assert.equal(r.promptsDone, 5);
    assert.deepEqual(
      partials.map((p) => p.promptsDone),
      [1, 2, 3, 4],
    );
    assert.equal(progress[progress.length - 1], 5);
    assert.equal(r.layerFraction.length, 4);
    // Sources keep their order: the built-in prompts first, then the text.
    assert.deepEqual(
      r.prompts.map((p) => p.domain),
      ['prose', 'prose', 'code', 'code', 'selection'],
    );
    assert.equal(r.pairs.length, 10);
    const mean = r.pruneRatios.reduce((a, b) => a + b, 0) / 4;
    assert.ok(Math.abs(mean - 0.5) < 1e-9);
  });

  test('activation/run: cancelling stops the job', async () => {
    const abort = new AbortController();
    const job = worker.request(
      'activation/run',
      { path: sample, prompts: [{ kind: 'builtin', perDomain: 40 }] },
      {
        signal: abort.signal,
        onProgress: () => abort.abort(),
      },
    );
    const err = await failure(job);
    assert.equal(err.code, 'cancelled');
  });

  test('activation/run: malformed prompt sources are refused', async () => {
    const err = await failure(worker.request('activation/run', { path: sample, prompts: [{ kind: 'url', href: 'http://x' }] } as never));
    assert.equal(err.code, 'bad-input');
    assert.match(err.message, /prompt source/);
  });
});
