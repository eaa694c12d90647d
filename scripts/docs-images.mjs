// `npm run docs:images`: runs the UI cases whose screenshots README.md and docs/ show, with
// LAYER_LENS_DOCS_IMAGES set so that those shots are copied into docs/images/ (Workbench.screenshot's
// `docsImage`). The pictures are then real panels from real runs on the bundled models.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './vscode-host.mjs';

const cases = ['01-open-model', '02-layer-similarity', '06-correlations', '10-diff', 'spectra-sample-model'];
const r = spawnSync(process.execPath, [join(repoRoot, 'test', 'e2e', 'run-e2e.mjs'), '--ui-only', ...cases], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, LAYER_LENS_DOCS_IMAGES: '1' },
});
process.exit(r.status ?? 1);
