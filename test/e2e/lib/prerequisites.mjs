// What the real-VS-Code suites need on this machine, checked up front so a missing piece is named
// (with the command that installs it) instead of surfacing as a timeout three minutes later.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { commandExists, isCodeServerInstalled } from '../../../scripts/vscode-host.mjs';

/** The Chromium to drive: LAYER_LENS_CHROMIUM when set (and only it), else Debian's or Ubuntu's. */
export function chromiumPath() {
  const chosen = process.env.LAYER_LENS_CHROMIUM;
  if (chosen) return existsSync(chosen) ? chosen : undefined;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

/** Returns a list of human-readable missing pieces (empty when everything is there). */
export function missingPrerequisites(repoRoot) {
  const missing = [];
  if (!chromiumPath()) {
    const chosen = process.env.LAYER_LENS_CHROMIUM;
    missing.push(
      chosen
        ? `Chromium (the browser the UI tests drive): LAYER_LENS_CHROMIUM=${chosen} does not exist; point it at a Chromium binary, or unset it and run \`apt-get install -y chromium\``
        : 'Chromium (the browser the UI tests drive): no /usr/bin/chromium; run `apt-get install -y chromium` (or set LAYER_LENS_CHROMIUM=/path/to/chromium)',
    );
  }
  const require = createRequire(join(repoRoot, 'package.json'));
  for (const pkg of ['playwright-core', 'esbuild', 'mocha', 'tsx']) {
    try {
      require.resolve(`${pkg}/package.json`);
    } catch {
      missing.push(`the npm package ${pkg}: run \`npm ci\``);
    }
  }
  if (!isCodeServerInstalled()) {
    // Needed only for the one-time code-server install (scripts/vscode-host.mjs checks the rest).
    if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) {
      missing.push('the Kerberos headers to build code-server\'s kerberos module: run `apt-get install -y libkrb5-dev`');
    }
    if (!commandExists('rg')) missing.push('ripgrep for code-server\'s offline install: run `apt-get install -y ripgrep`');
  }
  return missing;
}
