// The committed WASM (and its base64 copy) must be exactly what the AssemblyScript source compiles to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINALG_WASM_BASE64 } from '../../../../src/analysis/linalg/wasm/linalgWasmBytes';
import { REPO_ROOT } from '../../../paths';

const root = REPO_ROOT;
const committedDir = join(root, 'src', 'analysis', 'linalg', 'wasm');

test('rebuilding the AssemblyScript kernels reproduces the committed linalg.wasm byte for byte', () => {
  const out = mkdtempSync(join(tmpdir(), 'linalg-wasm-check-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), '--out', out, '--only', 'linalg'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `build-wasm failed: ${r.stderr}`);
    const rebuilt = readFileSync(join(out, 'linalg.wasm'));
    const committed = readFileSync(join(committedDir, 'linalg.wasm'));
    assert.ok(rebuilt.toString('base64') === committed.toString('base64'), 'linalg.wasm is stale: run `node scripts/build-wasm.mjs` and commit the result');
    assert.equal(readFileSync(join(out, 'linalgWasmBytes.ts'), 'utf8'), readFileSync(join(committedDir, 'linalgWasmBytes.ts'), 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the embedded base64 is the committed module and it validates with SIMD', () => {
  assert.equal(LINALG_WASM_BASE64, readFileSync(join(committedDir, 'linalg.wasm')).toString('base64'));
  assert.ok(WebAssembly.validate(new Uint8Array(Buffer.from(LINALG_WASM_BASE64, 'base64'))));
});
