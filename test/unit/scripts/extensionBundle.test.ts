// The extension host bundle holds none of the engine: dist/extension.js is built in memory from
// src/extension/main.ts exactly as scripts/build.mjs builds it, and its metafile may name no
// onnxruntime, onnx-proto, protobufjs, tokenizer or linear-algebra module. The same check on a
// bundle that does import the engine must name the chain that brings it in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { join } from 'node:path';
// @ts-expect-error plain ES modules of the build scripts, without type declarations
import { forbiddenChains } from '../../../scripts/lib/extension-bundle.mjs';

const root = join(__dirname, '..', '..', '..');

async function metafileOf(entry: string): Promise<esbuild.Metafile> {
  const r = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'onnxruntime-node'],
    write: false,
    metafile: true,
    outfile: 'out/extension-bundle-check.js',
    logLevel: 'silent',
  });
  return r.metafile;
}

test('dist/extension.js contains no onnxruntime, onnx-proto, protobufjs, tokenizers or engine module', async () => {
  const meta = await metafileOf('src/extension/main.ts');
  const chains = forbiddenChains(meta, 'src/extension/main.ts') as string[][];
  assert.deepEqual(
    chains.map((c) => c.join(' -> ')),
    [],
  );
  const inputs = Object.keys(meta.inputs);
  for (const pkg of ['onnxruntime', 'onnx-proto', 'protobufjs', '@huggingface/tokenizers', 'sentencepiece']) {
    assert.equal(inputs.filter((i) => i.includes(pkg)).length, 0, `${pkg} is in the extension bundle`);
  }
  // The host still holds what it needs: the panel protocol and the option validators.
  assert.ok(inputs.includes('src/protocol/panel.ts'));
  assert.ok(inputs.includes('src/analysis/methods/persistence/options.ts'));
});

test('the check names the import chain of a bundle that does pull in the engine', async () => {
  const meta = await metafileOf('src/analysis/methods/persistence/persistence.ts');
  const chains = forbiddenChains(meta, 'src/analysis/methods/persistence/persistence.ts') as string[][];
  const proto = chains.find((c) => c.at(-1)!.includes('node_modules/onnx-proto/'));
  assert.ok(proto, 'onnx-proto is reported');
  assert.equal(proto[0], 'src/analysis/methods/persistence/persistence.ts');
  assert.ok(proto.includes('src/analysis/engine/graph.ts'), proto.join(' -> '));
});
