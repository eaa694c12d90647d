// The Debian/Ubuntu packages the real-VS-Code stages need, found missing up front and installed
// non-interactively when this process may (root, or passwordless sudo); otherwise one message with
// the exact command, before any multi-minute step starts. Nothing here runs on macOS or without
// apt-get: there the caller's own checks name what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function commandExists(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function debianPackageInstalled(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** A shared library the dynamic loader knows (`ldconfig -p`). */
function sharedLibraryExists(soname) {
  const r = spawnSync('sh', ['-c', `ldconfig -p 2>/dev/null | grep -q '${soname}'`]);
  return r.status === 0;
}

/**
 * What to look for and which package provides it. `code-server` covers its one-time build
 * (kerberos compiles against libkrb5-dev's headers, @vscode/ripgrep is seeded from Debian's rg,
 * node-gyp needs make, g++ and python3); `chromium-libs` the libraries the npm-bundled Chromium
 * links (libnss3, libnspr4, libexpat), needed only when no system Chromium is used.
 */
const NEEDS = {
  'code-server': [
    {
      pkg: 'libkrb5-dev',
      present: () => existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/krb5.h') || debianPackageInstalled('libkrb5-dev'),
    },
    { pkg: 'ripgrep', present: () => commandExists('rg') },
    { pkg: 'build-essential', present: () => commandExists('make') && (commandExists('g++') || commandExists('c++')) },
    { pkg: 'python3', present: () => commandExists('python3') },
  ],
  'chromium-libs': [
    { pkg: 'libnss3', present: () => sharedLibraryExists('libnss3.so') },
    { pkg: 'libnspr4', present: () => sharedLibraryExists('libnspr4.so') },
    { pkg: 'libexpat1', present: () => sharedLibraryExists('libexpat.so.1') },
  ],
};

export function missingDebianPackages(groups) {
  return [...new Set(groups.flatMap((g) => NEEDS[g].filter((n) => !n.present()).map((n) => n.pkg)))];
}

/**
 * What to do about `missing` packages: nothing, install them (as root, or through passwordless
 * sudo), or stop with the exact command to run. Pure, so its messages are tested.
 */
export function installPlan(missing, { root, sudo, why }) {
  if (!missing.length) return { action: 'none' };
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (root || sudo) return { action: 'install', prefix: root ? [] : ['sudo', '-n'], command };
  return {
    action: 'stop',
    message: `${why} need Debian packages this machine lacks: ${missing.join(', ')}.\nInstall them once, then run again:\n\n  sudo sh -c '${command}'\n`,
  };
}

function userFacing(message) {
  const err = new Error(message);
  err.userFacing = true;
  return err;
}

/**
 * Installs what `groups` need and is missing. Returns nothing when all is there or was installed;
 * throws an Error with `userFacing` (the exact command to run) when it may not install.
 */
export function ensureDebianPackages(groups, { log = (m) => console.log(m), why = 'the real-VS-Code tests' } = {}) {
  if (process.platform !== 'linux' || !commandExists('apt-get') || !commandExists('dpkg-query')) return;
  const missing = missingDebianPackages(groups);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !root && missing.length > 0 && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  const plan = installPlan(missing, { root, sudo, why });
  if (plan.action === 'none') return;
  if (plan.action === 'stop') throw userFacing(plan.message);
  log(`Installing Debian packages for ${why}: ${missing.join(' ')} (apt-get, non-interactive)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const [cmd, ...rest] = [...plan.prefix, ...args];
    const r = spawnSync(cmd, rest, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw userFacing(`\`${[cmd, ...rest].join(' ')}\` failed (exit ${r.status ?? r.signal}); install by hand: ${plan.command}`);
  }
  const still = missingDebianPackages(groups);
  if (still.length) throw userFacing(`apt-get finished but these are still missing: ${still.join(', ')}`);
}
