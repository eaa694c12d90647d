// Runs inside the extension host: the worker as the extension starts it (forked from the extension
// host, onnxruntime-node loaded there), reached through the API activate() returns. Expected
// values come from the file itself, read by test/e2e/lib/safetensorsPeek.ts.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { LayerLensContext } from '../../../src/extension/context';
import { readHeader, readF32, summarizeValues } from '../lib/safetensorsPeek';

async function api(): Promise<LayerLensContext> {
  const ext = vscode.extensions.getExtension<LayerLensContext>('layer-lens.layer-lens');
  assert.ok(ext, 'Layer Lens is not loaded');
  const ctx = await ext.activate();
  assert.ok(ctx?.worker, 'activate() did not return the extension context with its worker');
  return ctx;
}

function fixture(...segments: string[]): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace folder is not open');
  return vscode.Uri.joinPath(folder.uri, ...segments).fsPath;
}

function near(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null, `${what} is null`);
  assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.abs(expected) + 1e-7, `${what}: worker ${actual}, file ${expected}`);
}

describe('the analysis worker (as the extension runs it)', () => {
  it('summarises stories260K from its header: 5 layers, every tensor placed', async () => {
    const ctx = await api();
    const file = fixture('stories260K', 'model.safetensors');
    const summary = await ctx.worker.request('model/open', { path: file });
    assert.equal(summary.layers.length, 5);
    const { entries } = readHeader(file);
    const inLayers = summary.layers.flatMap((l) => l.tensors.map((t) => t.name));
    const layerTensors = Object.keys(entries).filter((n) => n.startsWith('model.layers.'));
    assert.deepEqual([...inLayers].sort(), layerTensors.sort());
    for (const l of summary.layers) {
      assert.deepEqual(l.roles.map((r) => r.role).sort(), ['down', 'gate', 'k', 'o', 'q', 'up', 'v'], `layer ${l.index} roles`);
    }
  });

  it('computes tensor statistics equal to the values in the file', async () => {
    const ctx = await api();
    const file = fixture('stories260K', 'model.safetensors');
    const name = 'model.layers.1.mlp.down_proj.weight';
    const stats = await ctx.worker.request('tensor/stats', { path: file, tensor: name, bins: 32 });
    const values = readF32(file, name);
    const expected = summarizeValues(values);
    assert.equal(stats.count, values.length);
    near(stats.min, expected.min, 'min');
    near(stats.max, expected.max, 'max');
    near(stats.mean, expected.mean, 'mean');
    near(stats.std, expected.std, 'std');
    assert.equal(stats.histogram.counts.length, 32);
    assert.equal(stats.histogram.edges.length, 33);
    assert.equal(
      stats.histogram.counts.reduce((a, b) => a + b, 0),
      values.length,
    );
    // The first bin holds exactly the values below the second edge.
    const below = values.filter((v) => v < stats.histogram.edges[1]).length;
    assert.equal(stats.histogram.counts[0], below);
  });

  it('rejects a malformed file as bad input and keeps serving afterwards', async () => {
    const ctx = await api();
    await assert.rejects(ctx.worker.request('model/open', { path: fixture('broken', 'model.safetensors') }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'bad-input', `error code ${err.code}: ${err.message}`);
      assert.match(err.message, /header|safetensors/i);
      return true;
    });
    const summary = await ctx.worker.request('model/open', { path: fixture('stories260K', 'model.safetensors') });
    assert.equal(summary.layers.length, 5);
  });

  it('cancels a job whose signal is aborted right after the call, before it reaches the worker', async () => {
    const ctx = await api();
    const abort = new AbortController();
    const file = fixture('stories260K', 'model.safetensors');
    const job = ctx.worker.request('tensor/stats', { path: file, tensor: 'model.embed_tokens.weight' }, { signal: abort.signal });
    abort.abort();
    await assert.rejects(job, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'cancelled', `error code ${err.code}: ${err.message}`);
      return true;
    });
    // The worker is still there for the next request.
    const stats = await ctx.worker.request('tensor/stats', { path: file, tensor: 'model.norm.weight' });
    assert.equal(stats.count, 64);
  });

  it('stops a running job within a second of its abort, and the same worker process serves on', async () => {
    const ctx = await api();
    const abort = new AbortController();
    let progressed: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (progressed = resolve));
    // 16384 × 16384 BF16 (sparse file): seconds of work, so the abort lands mid-job.
    const job = ctx.worker.request(
      'tensor/stats',
      { path: fixture('big', 'model.safetensors'), tensor: 'big' },
      { signal: abort.signal, onProgress: () => progressed() },
    );
    let settled = false;
    void job.then(
      () => (settled = true),
      () => (settled = true),
    );
    await running;
    assert.equal(settled, false, 'the job finished before it could be cancelled');
    const pid = ctx.worker.connection.pid;
    assert.ok(pid, 'no worker process while a job runs');
    const abortedAt = Date.now();
    abort.abort();
    await assert.rejects(job, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'cancelled', `error code ${err.code}: ${err.message}`);
      return true;
    });
    const latency = Date.now() - abortedAt;
    assert.ok(latency < 1000, `the job ended ${latency} ms after its abort`);
    // The worker stopped the job itself: it was not killed as unresponsive and restarted.
    assert.equal(ctx.worker.connection.pid, pid, 'the worker process was replaced');
    const stats = await ctx.worker.request('tensor/stats', { path: fixture('stories260K', 'model.safetensors'), tensor: 'model.norm.weight' });
    assert.equal(stats.count, 64);
    assert.equal(ctx.worker.connection.pid, pid);
  });
});
