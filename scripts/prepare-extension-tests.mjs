// Builds the extension and the extension-host mocha suite (out/e2e/extension-host/index.js) and lays
// out the workspace it opens (.vscode-test/workspace/): what the "Extension Tests" launch
// configuration of desktop VS Code and `npm run test:electron` need before VS Code starts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './vscode-host.mjs';
import { buildExtensionHostSuite, prepareExtensionHostWorkspace } from '../test/e2e/lib/buildExtensionHostSuite.mjs';

export async function prepareExtensionTests() {
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status || 1);
  const suite = await buildExtensionHostSuite(repoRoot);
  const workspace = prepareExtensionHostWorkspace(repoRoot, join(repoRoot, '.vscode-test', 'workspace'));
  return { index: suite.index, workspace };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { index, workspace } = await prepareExtensionTests();
  console.log(`extension tests: ${index}\nworkspace:       ${workspace}`);
}
