// `npm run lint` (and the lint stage of `npm test`): eslint with the project's rules (eslint.config.mjs:
// no import cycles, settings read only in src/extension/config.ts, no `vscode` under src/analysis),
// then Prettier's check of the formatting. `--fix` lets both rewrite what they can.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './vscode-host.mjs';

const fix = process.argv.includes('--fix');
const bin = (name) => join(repoRoot, 'node_modules', '.bin', name);
const SOURCES = ['src/**/*.ts', 'webview/**/*.ts', 'test/**/*.{ts,mjs,cjs}', 'scripts/**/*.{mjs,ts}', 'bench/**/*.ts', '*.mjs'];
for (const [cmd, args] of [
  [bin('eslint'), ['--max-warnings', '0', ...(fix ? ['--fix'] : []), '.']],
  [bin('prettier'), [fix ? '--write' : '--check', '--log-level', 'warn', ...SOURCES]],
]) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
