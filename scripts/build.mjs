// Bundles the extension host, the worker, the CLI and one browser bundle per webview panel.
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forbiddenChains } from './lib/extension-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeTargets = [
  // metafile: the build checks that no engine module reaches the extension host (lib/extension-bundle.mjs).
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode', 'onnxruntime-node'], metafile: true },
  { entryPoints: ['src/analysis/worker/main.ts'], outfile: 'dist/worker.js', external: ['onnxruntime-node'] },
  {
    entryPoints: ['src/analysis/cli/main.ts'],
    outfile: 'dist/cli.js',
    external: ['onnxruntime-node'],
    banner: { js: '#!/usr/bin/env node' },
  },
].filter((t) => existsSync(join(root, t.entryPoints[0])));

// Every folder under webview/ (except common/) with a main.ts is one panel bundle.
const panels = readdirSync(join(root, 'webview'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'common' && existsSync(join(root, 'webview', d.name, 'main.ts')))
  .map((d) => d.name);

const builds = [
  ...nodeTargets.map((t) => ({ ...common, ...t, platform: 'node', target: 'node20', format: 'cjs' })),
  ...panels.map((name) => ({
    ...common,
    entryPoints: [`webview/${name}/main.ts`],
    outfile: `media/dist/${name}.js`,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  })),
];

mkdirSync(join(root, 'media', 'dist'), { recursive: true });
// The toolkit's codicons font is not needed; its web components are bundled into each panel.
if (watch) {
  // One "started"/"finished" line per rebuild round: the lines .vscode/tasks.json's background
  // problem matcher waits for before F5 launches the extension.
  let running = 0;
  const announce = {
    name: 'announce',
    setup(build) {
      build.onStart(() => {
        if (running++ === 0) console.log('[watch] build started');
      });
      build.onEnd(() => {
        if (--running === 0) console.log('[watch] build finished');
      });
    },
  };
  for (const b of builds) (await esbuild.context({ ...b, plugins: [...(b.plugins ?? []), announce] })).watch();
  console.log(`watching ${builds.length} bundles`);
} else {
  const t0 = Date.now();
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  const extension = results[builds.findIndex((b) => b.outfile === 'dist/extension.js')];
  const chains = extension?.metafile ? forbiddenChains(extension.metafile, 'src/extension/main.ts') : [];
  if (chains.length) {
    console.error(
      `dist/extension.js must not contain the engine or worker-only packages; found ${chains.length} module(s), e.g.:\n  ${chains[0].join('\n    -> ')}`,
    );
    process.exit(1);
  }
  console.log(`built ${builds.length} bundles in ${Date.now() - t0} ms`);
}
