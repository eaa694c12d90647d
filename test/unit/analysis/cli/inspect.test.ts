// `layer-lens inspect` as a user runs it: the built CLI (dist/cli.js) on the trained stories260K
// model, checked against counts taken straight from the safetensors header and config.json.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../paths';

const repoRoot = REPO_ROOT;
const cli = path.join(repoRoot, 'dist', 'cli.js');
const model = path.resolve(repoRoot, 'test', 'fixtures', 'models', 'stories260K');

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The header of a safetensors file, read independently of src/analysis/io. */
function header(file: string): Record<string, { dtype: string; shape: number[] }> {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const h = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  delete h.__metadata__;
  return h;
}

before(() => {
  // `npm test` builds first; a targeted run builds here if needed.
  if (!existsSync(cli)) {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('inspect --json reports what the header and config.json say', () => {
  const r = run('inspect', model, '--json');
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  const h = header(path.join(model, 'model.safetensors'));
  const config = JSON.parse(readFileSync(path.join(model, 'config.json'), 'utf8'));
  const params = Object.values(h).reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  assert.equal(o.totalParams, params);
  assert.equal(o.totalBytes, params * 4);
  assert.equal(o.tensorCount, Object.keys(h).length);
  assert.equal(o.layerCount, config.num_hidden_layers);
  assert.equal(o.architecture, 'llama');
  assert.equal(o.label, 'LlamaForCausalLM');
  assert.deepEqual(o.byDtype, [{ label: 'F32', params, bytes: params * 4 }]);
  const role = Object.fromEntries(o.byRole.map((x: { label: string; params: number }) => [x.label, x.params]));
  const d = config.hidden_size;
  const kv = (d / config.num_attention_heads) * config.num_key_value_heads;
  assert.equal(role.q, config.num_hidden_layers * d * d);
  assert.equal(role.k, config.num_hidden_layers * kv * d);
  assert.equal(role.v, config.num_hidden_layers * kv * d);
  assert.equal(role.down, config.num_hidden_layers * d * config.intermediate_size);
  assert.equal(role.embed, config.vocab_size * d);
  const layer3 = o.groups.find((g: { title: string }) => g.title === 'Layer 3');
  assert.equal(layer3.tensors.length, Object.keys(h).filter((k) => k.startsWith('model.layers.3.')).length);
  assert.ok(o.config.some(([k, v]: [string, string]) => k === 'num_key_value_heads' && v === '4'));
});

test('inspect prints the same overview as text', () => {
  const r = run('inspect', model);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^llama \(LlamaForCausalLM\) · /m);
  for (const section of ['Configuration', 'Parameters by dtype', 'Parameters by role', 'Layers']) assert.ok(r.stdout.includes(`\n${section}\n`), section);
  assert.match(r.stdout, /Layer 4\s+9\s/);
  assert.match(r.stdout, /attention\s+8 heads × 8, 4 KV heads \(GQA 2:1\)/);
});

test('wrong arguments and missing models give clear errors and exit codes', () => {
  const none = run('inspect');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /expected one model path/);
  assert.match(none.stderr, /Usage: layer-lens inspect/);
  const unknown = run('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const missing = run('inspect', path.join(model, 'nope'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope/);
  const help = run('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /inspect\s+Architecture, config/);
});
