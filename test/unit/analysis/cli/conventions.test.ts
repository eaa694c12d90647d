// CLI conventions, through the built CLI: --version prints package.json's version, every option of
// every command has a one-line description that `<command> --help` shows, and --json and --csv
// together are a usage error (exit 2) on every analysis.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { commands } from '../../../../src/analysis/cli/index';
import { GLOBAL_OPTIONS } from '../../../../src/analysis/cli/help';
import { cliVersion } from '../../../../src/analysis/cli/version';
import { ensureBuilt, repoRoot, run, stories } from './cliHarness';

const ANALYSES = ['spectra', 'similarity', 'correlations', 'activation', 'persistence', 'diff'];

before(ensureBuilt);

test('--version and -V print the version of package.json', () => {
  const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = run(flag);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
  }
  assert.equal(cliVersion(), version, 'from the sources too (tsx)');
  assert.match(run('--help').stdout, /-V, --version\s+print the version/);
});

test('every option of every command has a one-line description', () => {
  const missing: string[] = [];
  for (const [where, options] of [['global', GLOBAL_OPTIONS], ...commands.map((c) => [c.name, c.options] as const)] as const) {
    for (const [name, o] of Object.entries(options)) {
      if (typeof o.help !== 'string' || o.help.trim() === '' || /[\n\r]/.test(o.help)) missing.push(`${where} --${name}`);
    }
  }
  assert.deepEqual(missing, [], 'options without a one-line description');
  for (const name of ANALYSES) {
    const c = commands.find((x) => x.name === name);
    assert.ok(c, `${name} is a command`);
    assert.ok(c.options.json && c.options.csv, `${name} has --json and --csv`);
  }
});

test('<command> --help names every option of the command and the global ones, each with its description', () => {
  for (const c of commands) {
    const r = run(c.name, '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith(`Usage: layer-lens ${c.name} `), r.stdout);
    const lines = r.stdout.split('\n');
    for (const [name, o] of Object.entries({ ...c.options, ...GLOBAL_OPTIONS })) {
      const line = lines.find((l) => new RegExp(`^  (-\\w, )?--${name}( \\S+)?  `).test(l));
      assert.ok(line, `${c.name} --help lists --${name}:\n${r.stdout}`);
      assert.ok(line.trimEnd().endsWith(o.help), `${c.name} --help describes --${name}: ${line}`);
    }
  }
});

test('--json with --csv is a usage error on every analysis', () => {
  for (const name of ANALYSES) {
    const args = name === 'diff' ? [stories, stories] : name === 'similarity' ? [stories, '--kind', 'up'] : [stories];
    const r = run(name, ...args, '--json', '--csv');
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /give --json or --csv, not both/);
    assert.match(r.stderr, new RegExp(`Usage: layer-lens ${name} `));
    assert.equal(r.stdout, '');
  }
});
