// `npm test`: typecheck, build, unit tests (node's test runner), then the real-VS-Code suites.
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
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return findTests(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

// Name a missing prerequisite of the end-to-end stage now, not only after minutes of unit tests.
if (!unitOnly && existsSync(join(root, 'test', 'e2e', 'lib', 'prerequisites.mjs'))) {
  const { missingPrerequisites } = await import('../test/e2e/lib/prerequisites.mjs');
  const missing = missingPrerequisites(root);
  if (missing.length) {
    const bar = '!'.repeat(78);
    console.error(`${bar}\n!! The end-to-end stage at the end of this run will FAIL: this machine is missing\n${missing.map((m) => `!!   - ${m}`).join('\n')}\n${bar}`);
  }
}

run('typecheck', 'npx', ['tsc', '-p', '.', '--noEmit']);
run('build', 'node', ['scripts/build.mjs']);
let tests = findTests(join(root, 'test', 'unit')).map((p) => relative(root, p)).sort();
if (filter.length) tests = tests.filter((t) => filter.some((f) => t.includes(f)));
run('unit tests', 'node', ['--import', 'tsx', '--test', '--test-concurrency=1', ...tests]);
if (unitOnly) process.exit(0);
for (const suite of ['test/e2e/run-e2e.mjs']) {
  if (existsSync(join(root, suite))) run('end-to-end', 'node', [suite]);
}
