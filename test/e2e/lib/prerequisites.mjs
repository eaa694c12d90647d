// What the real-VS-Code stages need on this machine, set up before the first of them starts so a
// missing piece is installed (as root) or named with its command (otherwise) instead of surfacing
// as a timeout minutes later:
//   - a Node.js major that a code-server release supports (scripts/lib/code-server-release.mjs);
//   - the Debian packages code-server's one-time install builds with (scripts/lib/system-packages.mjs);
//   - a Chromium for playwright-core: LAYER_LENS_CHROMIUM when set (and only it), else the system's
//     (/usr/bin/chromium, /usr/bin/chromium-browser), else the headless Chromium shipped inside the
//     optional npm dependency @sparticuz/chromium (MIT; brotli-packed in node_modules, unpacked once
//     into .cache/chromium/, ~200 MB; links the system's libnss3, libnspr4 and libexpat).
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isCodeServerInstalled } from '../../../scripts/vscode-host.mjs';
import { codeServerRelease } from '../../../scripts/lib/code-server-release.mjs';
import { ensureDebianPackages } from '../../../scripts/lib/system-packages.mjs';

const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function systemChromium() {
  return SYSTEM_CHROMIUMS.find((p) => existsSync(p));
}

function bundledChromiumModule(repoRoot) {
  try {
    return createRequire(join(repoRoot, 'package.json')).resolve('@sparticuz/chromium');
  } catch {
    return undefined;
  }
}

/** Unpacks (first call) and returns the npm-bundled Chromium, kept under .cache/chromium/. */
async function bundledChromium(repoRoot, entry) {
  const dir = join(repoRoot, '.cache', 'chromium');
  mkdirSync(dir, { recursive: true });
  // The package unpacks into os.tmpdir() (read at call time); point it at the project's cache.
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    const { default: Chromium } = await import(pathToFileURL(entry).href);
    return await Chromium.executablePath();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/**
 * Makes the machine ready for the real-VS-Code stages. Resolves to `{ chromium, chromiumSource }`;
 * rejects with an Error whose message names what is missing and the command that installs it.
 */
export async function prepareEndToEnd(repoRoot, { log = (m) => console.log(m) } = {}) {
  codeServerRelease(); // an unsupported Node major stops here, naming the ones that work
  const chosen = process.env.LAYER_LENS_CHROMIUM;
  const system = chosen ? undefined : systemChromium();
  const bundledEntry = chosen || system ? undefined : bundledChromiumModule(repoRoot);
  const groups = [];
  if (!isCodeServerInstalled()) groups.push('code-server');
  if (bundledEntry) groups.push('chromium-libs');
  if (groups.length) ensureDebianPackages(groups, { log, why: 'the real-VS-Code tests' });

  const require = createRequire(join(repoRoot, 'package.json'));
  const missingNpm = ['playwright-core', 'esbuild', 'mocha', 'tsx'].filter((pkg) => {
    try {
      require.resolve(`${pkg}/package.json`);
      return false;
    } catch {
      return true;
    }
  });
  if (missingNpm.length) throw new Error(`npm packages ${missingNpm.join(', ')} are missing: run \`npm ci\``);

  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`LAYER_LENS_CHROMIUM=${chosen} does not exist; point it at a Chromium binary, or unset it`);
    return { chromium: chosen, chromiumSource: 'LAYER_LENS_CHROMIUM' };
  }
  if (system) return { chromium: system, chromiumSource: 'system' };
  if (!bundledEntry) {
    throw new Error(
      'no Chromium for the UI tests: neither /usr/bin/chromium nor the optional npm dependency @sparticuz/chromium ' +
        '(run `npm ci` without --omit=optional, or `apt-get install -y chromium`, or set LAYER_LENS_CHROMIUM=/path/to/chromium)',
    );
  }
  const t0 = Date.now();
  const chromium = await bundledChromium(repoRoot, bundledEntry);
  const took = Date.now() - t0;
  if (took > 500) log(`unpacked the npm-bundled Chromium into .cache/chromium/ (${(took / 1000).toFixed(1)} s)`);
  return { chromium, chromiumSource: '@sparticuz/chromium' };
}
