// Bundles test/e2e/extension-host/ for the extension host: index.js (the mocha runner VS Code calls
// through extensionTestsPath) plus one <name>.test.js per suite file. `vscode` comes from the host;
// mocha is required from the repo's node_modules at run time.
import * as esbuild from 'esbuild';
import { closeSync, cpSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export async function buildExtensionHostSuite(repoRoot) {
  const srcDir = join(repoRoot, 'test', 'e2e', 'extension-host');
  const outDir = join(repoRoot, 'out', 'e2e', 'extension-host');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const entries = readdirSync(srcDir).filter((f) => f === 'index.ts' || f.endsWith('.test.ts'));
  await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: entries.map((f) => join(srcDir, f)),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'mocha/*', 'onnxruntime-node'],
    logLevel: 'warning',
  });
  return { outDir, index: join(outDir, 'index.js') };
}

/**
 * The folder the extension-host suite opens: a copy of stories260K, a malformed .safetensors file,
 * and big/model.safetensors, one 16384 × 16384 BF16 tensor "big" (512 MiB of zeros in a sparse
 * file: no disk used, but statistics over it take seconds, long enough to cancel mid-way). The
 * suite finds them through vscode.workspace.workspaceFolders[0].
 */
export function prepareExtensionHostWorkspace(repoRoot, dir) {
  const stories = join(repoRoot, 'test', 'fixtures', 'models', 'stories260K');
  if (!existsSync(join(stories, 'model.safetensors'))) throw new Error(`the stories260K model is missing at ${stories}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'broken'), { recursive: true });
  cpSync(stories, join(dir, 'stories260K'), { recursive: true });
  writeFileSync(join(dir, 'broken', 'model.safetensors'), 'this is not a safetensors file');
  writeSparseBf16(join(dir, 'big', 'model.safetensors'), 'big', 16384, 16384);
  return dir;
}

/** A safetensors file holding one BF16 tensor of zeros whose data region is a hole in the file. */
function writeSparseBf16(file, name, rows, cols) {
  mkdirSync(join(file, '..'), { recursive: true });
  const dataBytes = rows * cols * 2;
  const json = Buffer.from(JSON.stringify({ [name]: { dtype: 'BF16', shape: [rows, cols], data_offsets: [0, dataBytes] } }));
  const head = Buffer.alloc(8 + json.length);
  head.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(head, 8);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    ftruncateSync(fd, head.length + dataBytes);
  } finally {
    closeSync(fd);
  }
}
