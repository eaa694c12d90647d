// `npm test`: typecheck, lint (eslint, prettier), build, unit tests (node's test runner), then the
// real-VS-Code suites.
// `--unit` stops after the unit tests. Every stage's failure fails the run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const unitOnly = process.argv.includes('--unit');
const filter = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function run(label, cmd, args, opts = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal}) after ${seconds} s`);
    process.exit(r.status || 1);
  }
  console.log(`=== ${label} done in ${seconds} s`);
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return findTests(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

// Set up what the real-VS-Code stage needs before anything else, so a machine that cannot run it
// (not root and missing Debian packages, an unsupported Node.js major) stops now with the one
// command to run, not after minutes of unit tests.
if (!unitOnly) {
  const t0 = Date.now();
  const { prepareEndToEnd } = await import('../test/e2e/lib/prerequisites.mjs');
  try {
    await prepareEndToEnd(root);
  } catch (err) {
    console.error(`\nnpm test: the end-to-end stage cannot run on this machine.\n${err.message}\n(\`npm run test:unit\` runs the unit tests alone.)`);
    process.exit(1);
  }
  console.log(`=== prerequisites ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

run('typecheck', 'npx', ['tsc', '-p', '.', '--noEmit']);
run('lint', 'node', ['scripts/lint.mjs']);
run('build', 'node', ['scripts/build.mjs']);
let tests = findTests(join(root, 'test', 'unit'))
  .map((p) => relative(root, p))
  .sort();
if (filter.length) tests = tests.filter((t) => filter.some((f) => t.includes(f)));
run('unit tests', 'node', ['--import', 'tsx', '--test', '--test-concurrency=1', ...tests]);
if (unitOnly) process.exit(0);
for (const suite of ['test/e2e/run-e2e.mjs']) {
  if (existsSync(join(root, suite))) run('end-to-end', 'node', [suite]);
}
