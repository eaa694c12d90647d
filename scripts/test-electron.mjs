// `npm run test:electron`: the extension-host suite (test/e2e/extension-host/) in a desktop VS Code
// that @vscode/test-electron downloads (needs network access to update.code.visualstudio.com, and a
// display or xvfb-run on Linux). Offline machines run the same suite inside code-server through
// `npm test` (test/e2e/run-e2e.mjs). VSCODE_VERSION picks the version (default: the one code-server
// 4.100.3 embeds, matching engines.vscode).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './vscode-host.mjs';
import { buildExtensionHostSuite, prepareExtensionHostWorkspace } from '../test/e2e/lib/buildExtensionHostSuite.mjs';

const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status || 1);
const suite = await buildExtensionHostSuite(repoRoot);
const workspace = prepareExtensionHostWorkspace(repoRoot, join(repoRoot, '.vscode-test', 'workspace'));
try {
  const code = await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: suite.index,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
  process.exit(code);
} catch (err) {
  console.error(`\ntest:electron failed: ${err?.message ?? err}\n(It downloads VS Code; offline, run \`npm test\`, which runs the same suite in code-server.)`);
  process.exit(1);
}
