import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { REPO_ROOT } from '../../../../paths';

// The real trained stories260K checkpoint, opened from disk and streamed layer by layer, against
// the independent numpy forward (test/oracles/llama_forward.py); then `layer-lens forward` as a
// user runs it (the built dist/cli.js), on stories260K and on the bundled sample model.
const repoRoot = REPO_ROOT;
const stories = path.resolve(repoRoot, 'test', 'fixtures', 'models', 'stories260K');
const sample = path.join(repoRoot, 'media', 'sample-model');
const oracle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/oracles/llama_forward.json'), 'utf8')).stories260K;
const cli = path.join(repoRoot, 'dist', 'cli.js');

before(() => {
  if (!existsSync(cli)) {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('stories260K: logits at every position within 1e-4 of the numpy oracle, hidden norms match', async () => {
  const model = await openModel(stories);
  const ex = executorFor(model);
  try {
    const r = await ex.run([oracle.ids], { logits: 'all', hiddenStates: true, postAttentionNorm: true });
    const T = oracle.ids.length,
      V = 512,
      d = 64;
    let maxDiff = 0;
    for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(r.logits![t * V + v] - oracle.logits[t][v]));
    assert.ok(maxDiff < 1e-4, `max |Δlogit| = ${maxDiff}`);
    r.hiddenStates!.forEach((h, l) => {
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += h[t * d + j] ** 2;
        assert.ok(Math.abs(Math.sqrt(s) - oracle.boundaryNorms[l][t]) < 1e-4 * oracle.boundaryNorms[l][t], `boundary ${l}, position ${t}`);
      }
    });
  } finally {
    await ex.release();
  }
});

function cliJson(...args: string[]): any {
  const r = spawnSync(process.execPath, [cli, ...args, '--providers', 'cpu', '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('layer-lens forward --tokens: top tokens and per-layer norms as the oracle computes them', () => {
  const o = cliJson('forward', stories, '--tokens', oracle.ids.join(','), '--top', '5');
  const last: number[] = oracle.logits[oracle.ids.length - 1];
  const order = last
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 5)
    .map((x) => x[1]);
  assert.deepEqual(
    o.top.map((t: { id: number }) => t.id),
    order,
  );
  o.top.forEach((t: { id: number; logit: number }) => assert.ok(Math.abs(t.logit - last[t.id]) < 1e-4));
  const lse = Math.log(last.reduce((s, v) => s + Math.exp(v - Math.max(...last)), 0)) + Math.max(...last);
  assert.ok(Math.abs(o.top[0].probability - Math.exp(last[order[0]] - lse)) < 1e-5);
  assert.equal(o.hiddenNorms.length, 6);
  o.hiddenNorms.forEach((n: number, l: number) => assert.ok(Math.abs(n - oracle.boundaryNorms[l][oracle.ids.length - 1]) < 1e-4 * n));
  assert.ok(Math.abs(o.finalNormNorm - oracle.finalNormNorms[oracle.ids.length - 1]) < 1e-4 * o.finalNormNorm);
});

test('layer-lens forward --text on the sample model: <s> + UTF-8 bytes, and it continues the story', () => {
  const o = cliJson('forward', sample, '--text', 'Once upon a time, there was a');
  assert.deepEqual(
    o.tokens.map((t: { id: number }) => t.id),
    [256, ...Buffer.from('Once upon a time, there was a')],
  );
  // The corpus always continues "there was a" with a space and an adjective: the model learned the space.
  assert.equal(o.top[0].text, ' ');
  assert.ok(o.top[0].probability > 0.9, `p(" ") = ${o.top[0].probability}`);
  const bad = spawnSync(process.execPath, [cli, 'forward', stories, '--text', 'hello'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no tokenizer\.json: give token ids instead/);
  const usage = spawnSync(process.execPath, [cli, 'forward', stories], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /exactly one of --tokens and --text/);
});
