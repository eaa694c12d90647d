/**
 * The version of layer-lens: read at run time from the package.json of the package the running
 * file belongs to (dist/cli.js → ../package.json; src/analysis/cli/*.ts under tsx → ../../../).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function cliVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'layer-lens' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of layer-lens above ${__dirname}`);
  }
}
