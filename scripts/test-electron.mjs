// `npm run test:electron`: the extension-host suite (test/e2e/extension-host/) in a desktop VS Code
// that @vscode/test-electron downloads (needs network access to update.code.visualstudio.com, and a
// display or xvfb-run on Linux). Offline machines run the same suite inside code-server through
// `npm test` (test/e2e/run-e2e.mjs). VSCODE_VERSION picks the version (default: 1.100.3, the oldest
// engines.vscode accepts).
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './vscode-host.mjs';
import { prepareExtensionTests } from './prepare-extension-tests.mjs';

const { index, workspace } = await prepareExtensionTests();
try {
  const code = await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: index,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
  process.exit(code);
} catch (err) {
  console.error(`\ntest:electron failed: ${err?.message ?? err}\n(It downloads VS Code; offline, run \`npm test\`, which runs the same suite in code-server.)`);
  process.exit(1);
}
