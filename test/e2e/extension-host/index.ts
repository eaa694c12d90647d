// Mocha inside the VS Code extension host: code-server (or @vscode/test-electron) loads this bundle
// through `extensionTestsPath` and calls run(); a rejected promise makes the workbench exit with 1.
// Every suite file beside this one is bundled next to it as <name>.test.js (test/e2e/lib/
// buildExtensionHostSuite.mjs). Results also go to results.json beside the bundle, because the
// extension host's console is only visible through the browser's console.
import * as fs from 'fs';
import * as path from 'path';

interface FailureRecord {
  title: string;
  error: string;
}

export async function run(): Promise<void> {
  // mocha 12 is an ES module whose CommonJS core is lib/mocha.cjs; the extension host loads CJS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const MochaClass = require('mocha/lib/mocha.cjs') as typeof import('mocha');
  const mocha = new MochaClass({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  const grep = process.env.LAYER_LENS_E2E_GREP;
  if (grep) mocha.grep(grep);

  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  // What mocha.loadFiles() does, without its path handling: expose describe/it, then load each file.
  for (const file of files) {
    const full = path.join(__dirname, file);
    mocha.suite.emit('pre-require', globalThis, full, mocha);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(full);
    mocha.suite.emit('post-require', globalThis, full, mocha);
  }

  const failures: FailureRecord[] = [];
  const passed: string[] = [];
  const resultsFile = path.join(__dirname, 'results.json');
  fs.rmSync(resultsFile, { force: true });
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failed) => {
      fs.writeFileSync(resultsFile, JSON.stringify({ files, passed, failures }, null, 2));
      if (failed > 0) reject(new Error(`${failed} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (test) => passed.push(test.fullTitle()));
    runner.on('fail', (test, err: Error) => failures.push({ title: test.fullTitle(), error: err?.stack ?? String(err) }));
  });
}
