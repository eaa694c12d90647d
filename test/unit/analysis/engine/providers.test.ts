import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../src/analysis/engine/engine';
import {
  chooseProvider,
  keepFullFloat32OnNvidia,
  normaliseOrder,
  probeProvider,
  sessionOptions,
  vulkanLoaderPresent,
} from '../../../../src/analysis/engine/providers';
import { describeEngine } from '../../../../src/analysis/engine/info';
import { REPO_ROOT } from '../../../paths';

test('cpu provider starts and runs the probe graph', async () => {
  assert.equal(await probeProvider('cpu', 1), undefined);
});

test('an unavailable provider is reported in tried with its error, and the next one is used', async () => {
  // "tensorrt" needs binaries that onnxruntime-node never bundles, so it cannot start here (nor on CI).
  const choice = await chooseProvider(['tensorrt', 'cpu'], 1);
  assert.equal(choice.provider, 'cpu');
  assert.equal(choice.tried.length, 2);
  assert.equal(choice.tried[0].provider, 'tensorrt');
  assert.ok(choice.tried[0].error && choice.tried[0].error.length > 0, 'the failure carries its message');
  assert.deepEqual(choice.tried[1], { provider: 'cpu' });
});

test('default order tries cuda and webgpu before cpu, each recorded', async () => {
  const engine = await getEngine({ threads: 1 });
  const names = engine.info.tried.map((t) => t.provider);
  assert.equal(names[names.length - 1], engine.info.provider);
  assert.deepEqual(names, ['cuda', 'webgpu', 'cpu'].slice(0, names.length));
  for (const t of engine.info.tried.slice(0, -1)) assert.ok(t.error, `${t.provider} failed with a reason`);
  assert.equal(engine.info.threads, 1);
  assert.match(describeEngine(engine.info), /thread/);
});

test('getEngine caches per options; a user order is honoured', async () => {
  const a = await getEngine({ providers: ['cpu'], threads: 1 });
  const b = await getEngine({ providers: ['CPU'], threads: 1 });
  assert.equal(a, b);
  assert.equal(a.info.provider, 'cpu');
  assert.deepEqual(a.info.tried, [{ provider: 'cpu' }]);
});

test('bad settings get specific errors', async () => {
  assert.throws(() => normaliseOrder(['cpu', 'tpu']), /unknown execution provider "tpu"/);
  await assert.rejects(chooseProvider(['tensorrt'], 1), /no execution provider could start \(tensorrt: /);
  assert.throws(() => getEngine({ threads: 0 }), /positive integer/);
  assert.throws(() => getEngine({ memoryBudgetMB: -1 }), /memoryBudgetMB/);
});

test('a missing GPU is quiet: at most one informative stderr line, no native errors or warnings', () => {
  const root = REPO_ROOT;
  const script = `
    const { getEngine } = require(${JSON.stringify(join(root, 'src/analysis/engine/engine.ts'))});
    getEngine({ threads: 1 }).then((e) => process.stdout.write(JSON.stringify(e.info)));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { provider: string; tried: { provider: string; error?: string }[] };
  const lines = r.stderr.split('\n').filter((l) => l.trim().length > 0);
  assert.ok(lines.length <= 1, `stderr has ${lines.length} lines:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\[E:onnxruntime|Couldn't load Vulkan|Failed to load library|Error/);
  const skipped = info.tried.filter((t) => t.error);
  if (skipped.length > 0) {
    // The one line names the provider in use and why each GPU provider was not.
    assert.match(lines[0], new RegExp(`^Layer Lens engine: computing on ${info.provider} with 1 thread `));
    for (const t of skipped) assert.ok(lines[0].includes(`${t.provider}: ${t.error}`), lines[0]);
  } else {
    assert.equal(lines.length, 0);
  }
});

test('the Vulkan loader check looks in LD_LIBRARY_PATH', () => {
  if (process.platform !== 'linux') {
    assert.equal(vulkanLoaderPresent(), undefined);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vulkan-check-'));
  const saved = process.env.LD_LIBRARY_PATH;
  try {
    writeFileSync(join(dir, 'libvulkan.so.1'), '');
    process.env.LD_LIBRARY_PATH = `/nonexistent:${dir}`;
    assert.equal(vulkanLoaderPresent(), true);
  } finally {
    if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
    else process.env.LD_LIBRARY_PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sessions on NVIDIA providers keep float32 products in float32 (TF32 off unless the user chose)', () => {
  const saved = process.env.NVIDIA_TF32_OVERRIDE;
  try {
    delete process.env.NVIDIA_TF32_OVERRIDE;
    sessionOptions('cpu', 1);
    assert.equal(process.env.NVIDIA_TF32_OVERRIDE, undefined, 'a CPU session leaves the environment alone');
    sessionOptions('cuda', 1);
    assert.equal(process.env.NVIDIA_TF32_OVERRIDE, '0');
    const env: NodeJS.ProcessEnv = { NVIDIA_TF32_OVERRIDE: '1' };
    keepFullFloat32OnNvidia(env);
    assert.equal(env.NVIDIA_TF32_OVERRIDE, '1', "the user's own setting wins");
    const empty: NodeJS.ProcessEnv = {};
    keepFullFloat32OnNvidia(empty);
    assert.equal(empty.NVIDIA_TF32_OVERRIDE, '0');
  } finally {
    if (saved === undefined) delete process.env.NVIDIA_TF32_OVERRIDE;
    else process.env.NVIDIA_TF32_OVERRIDE = saved;
  }
});
