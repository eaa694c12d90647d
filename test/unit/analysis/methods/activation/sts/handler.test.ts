// The worker's 'activation/sts' handler, called with a handler context: options are validated
// (a mistake is 'bad-input' naming the option), a run reports progress per sentence and returns the
// per-layer correlations, and an aborted signal cancels it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { activationSts } from '../../../../../../src/analysis/methods/activation/sts/handler';
import type { HandlerContext } from '../../../../../../src/analysis/worker/handlers/types';
import { WorkerError } from '../../../../../../src/analysis/worker/errors';
import { CancelledError, type Progress } from '../../../../../../src/analysis/jobs';
import { getEngine } from '../../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../../src/analysis/model/openModel';
import { REPO_ROOT } from '../../../../../paths';

const SAMPLE = join(REPO_ROOT, 'media/sample-model');

function context(signal = new AbortController().signal, progress: Progress[] = []): HandlerContext {
  return {
    signal,
    onProgress: (p) => progress.push(p),
    onPartial: () => undefined,
    model: (p) => openModel(p),
    engine: () => getEngine({ providers: ['cpu'], threads: 1 }),
  };
}

test('validates, runs with progress per sentence, cancels', async () => {
  const bad = [
    [{ path: SAMPLE, jobId: 'a', pairs: { kind: 'file' } }, /'pairs' must be/],
    [{ path: SAMPLE, jobId: 'a', pairs: { kind: 'sample' }, maxPairs: 2 }, /'maxPairs' must be an integer in \[3,/],
    [{ path: SAMPLE, jobId: 'a', pairs: { kind: 'sample' }, addBos: 'yes' }, /'addBos' must be true or false/],
  ] as const;
  for (const [params, re] of bad) {
    await assert.rejects(activationSts(params as never, context()), (e: unknown) => e instanceof WorkerError && e.code === 'bad-input' && re.test(e.message));
  }
  const progress: Progress[] = [];
  const r = await activationSts({ path: SAMPLE, jobId: 'a', pairs: { kind: 'sample' }, maxPairs: 3 }, context(undefined, progress));
  assert.equal(r.pairs.length, 3);
  assert.deepEqual(
    r.layers.map((c) => c.n),
    [3, 3, 3, 3],
  );
  const sentences = progress.filter((p) => /^sentence /.test(p.message ?? ''));
  assert.deepEqual(
    sentences.map((p) => `${p.done}/${p.total}`),
    ['1/6', '2/6', '3/6', '4/6', '5/6', '6/6'],
  );
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(
    activationSts({ path: SAMPLE, jobId: 'a', pairs: { kind: 'sample' } }, context(abort.signal)),
    (e: unknown) => e instanceof CancelledError,
  );
});
