// A real VS Code for `npm start` and the end-to-end tests: code-server (the release for this Node.js
// major, scripts/lib/code-server-release.mjs) installed into .cache/code-server/ on first use, started
// on 127.0.0.1 with scratch user-data/extensions/XDG dirs, Layer Lens loaded as the development
// extension through the workbench URL payload (code-server does not accept --extensionDevelopmentPath).
//
// CLI:  node scripts/vscode-host.mjs install          install (or verify) code-server, then exit
//       node scripts/vscode-host.mjs [folder]         start it and print the workbench URL
// Library: ensureCodeServer(), startHost(), workbenchUrl(), commandExists().
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { arch, platform } from 'node:os';
import { codeServerRelease } from './lib/code-server-release.mjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Resolved lazily: an unsupported Node major fails when code-server is needed, not on import. */
const release = () => codeServerRelease();
export const codeServerVersion = () => release().version;
const cacheDir = join(repoRoot, '.cache');
const installDir = join(cacheDir, 'code-server');
const installedMarker = () => join(installDir, `.installed-${codeServerVersion()}`);
const packageDir = join(installDir, 'node_modules', 'code-server');
const entryPoint = join(packageDir, 'out', 'node', 'entry.js');

// The native modules code-server's postinstall builds or fetches. npm 11 gates dependency install
// scripts behind an allow-list; listing them keeps the install working under --strict-allow-scripts.
const outerScripts = () => ({ [`code-server@${codeServerVersion()}`]: true, argon2: true });
const VSCODE_SCRIPTS = [
  '@parcel/watcher',
  '@vscode/deviceid',
  '@vscode/ripgrep',
  '@vscode/spdlog',
  '@vscode/windows-process-tree',
  '@vscode/windows-registry',
  'kerberos',
  'native-watchdog',
  'node-pty',
];

export function commandExists(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function fail(message) {
  const err = new Error(message);
  err.userFacing = true;
  throw err;
}

function ripgrepTarget() {
  if (platform() !== 'linux') return null;
  if (arch() === 'x64') return 'x86_64-unknown-linux-musl';
  if (arch() === 'arm64') return 'aarch64-unknown-linux-musl';
  return null;
}

/** Why the install cannot work offline here, or null. Checked before npm starts (it takes minutes). */
function missingInstallPrerequisites() {
  const missing = [];
  // kerberos 2.1.1 has no prebuilt binary for this Node here, so node-gyp compiles it against krb5's headers.
  const krbHeader = ['/usr/include/gssapi/gssapi.h', '/usr/include/krb5.h'].some((p) => existsSync(p));
  if (platform() === 'linux' && !krbHeader) {
    missing.push('the Kerberos headers (kerberos builds from source): run `apt-get install -y libkrb5-dev`');
  }
  if (ripgrepTarget() && !commandExists('rg')) {
    missing.push('ripgrep (`rg`, seeds @vscode/ripgrep so it does not download from GitHub): run `apt-get install -y ripgrep`');
  }
  if (!commandExists('npm')) missing.push('npm');
  const headers = join(resolve(dirname(process.execPath), '..'), 'include', 'node', 'node.h');
  if (!process.env.npm_config_nodedir && !existsSync(headers)) {
    missing.push(
      `Node.js's C headers (${headers}; node-gyp would download them from nodejs.org): install Node with its headers (Debian: \`apt-get install -y nodejs\`) or set npm_config_nodedir`,
    );
  }
  if (!commandExists('make') || !(commandExists('g++') || commandExists('c++'))) {
    missing.push('a C++ toolchain for node-gyp: run `apt-get install -y build-essential python3`');
  }
  return missing;
}

/**
 * Puts Debian's `rg` where each @vscode/ripgrep version the release may install looks for its
 * download cache ($TMPDIR/vscode-ripgrep-cache-<package version>/ripgrep-<asset>-<target>.tar.gz),
 * so its postinstall never goes to GitHub.
 */
function seedRipgrepCache(tmpDir) {
  const target = ripgrepTarget();
  if (!target) return;
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  for (const { pkg, asset: assetVersion } of release().ripgrep) {
    const seedDir = join(tmpDir, `vscode-ripgrep-cache-${pkg}`);
    const asset = join(seedDir, `ripgrep-${assetVersion}-${target}.tar.gz`);
    if (existsSync(asset)) continue;
    mkdirSync(seedDir, { recursive: true });
    const r = spawnSync('tar', ['czf', asset, '-C', dirname(rg), 'rg']);
    if (r.status !== 0) fail(`could not pack ${rg} into ${asset}: ${r.stderr}`);
  }
}

function runNpm(args, cwd, env, log) {
  log(`  $ npm ${args.join(' ')}   (in ${cwd})`);
  const r = spawnSync('npm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-60).join('\n');
    fail(`npm ${args.join(' ')} failed (exit ${r.status ?? r.signal}) in ${cwd}:\n${tail}`);
  }
  return r;
}

export function isCodeServerInstalled() {
  return existsSync(installedMarker()) && existsSync(entryPoint);
}

/**
 * Installs code-server into .cache/code-server/ unless it is already there. Two phases so that the
 * nested installs code-server's postinstall runs (lib/vscode, lib/vscode/extensions) find an
 * allow-list for their native modules before they start: first unpack everything with
 * --ignore-scripts, then `npm rebuild` runs argon2's and code-server's install scripts.
 */
export function ensureCodeServer({ log = (m) => console.log(m) } = {}) {
  if (isCodeServerInstalled()) return entryPoint;
  const missing = missingInstallPrerequisites();
  if (missing.length) {
    fail(`cannot install code-server ${codeServerVersion()} (needed to run VS Code here); missing:\n  - ${missing.join('\n  - ')}`);
  }
  const t0 = Date.now();
  log(`Installing code-server ${codeServerVersion()} into ${installDir} (first run only, about 1-3 minutes)...`);
  rmSync(installDir, { recursive: true, force: true });
  const tmpDir = join(cacheDir, 'tmp');
  mkdirSync(installDir, { recursive: true });
  mkdirSync(tmpDir, { recursive: true });
  seedRipgrepCache(tmpDir);
  writeFileSync(
    join(installDir, 'package.json'),
    JSON.stringify(
      {
        name: 'layer-lens-code-server',
        private: true,
        description: 'code-server for Layer Lens `npm start` and e2e tests (scripts/vscode-host.mjs)',
        dependencies: { 'code-server': codeServerVersion() },
        allowScripts: outerScripts(),
      },
      null,
      2,
    ),
  );

  const env = {
    ...process.env,
    // npm exports the project's .npmrc to the scripts it runs (npm test/start); code-server's own
    // install must run its native modules' install scripts.
    npm_config_ignore_scripts: 'false',
    TMPDIR: tmpDir, // where @vscode/ripgrep looks for its seeded download
    npm_config_yes: 'true', // node-pty's install runs `npx node-gyp`, which must not prompt
    npm_config_unsafe_perm: 'true', // code-server's postinstall.sh refuses to run as root without it
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    FORCE_NODE_VERSION: '', // postinstall.sh reads it under `set -u`
  };
  // node-gyp downloads Node's headers (from nodejs.org, not the npm registry) unless told where
  // they are. Debian's nodejs has them in /usr/include/node, official builds (nvm, tarballs) in
  // <prefix>/include/node beside bin/node: either way <prefix> of the running node.
  const nodePrefix = resolve(dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && existsSync(join(nodePrefix, 'include', 'node', 'node.h'))) {
    env.npm_config_nodedir = nodePrefix;
  }
  runNpm(['install', '--ignore-scripts', '--no-package-lock', '--omit=dev'], installDir, env, log);
  const allow = `allow-scripts=${VSCODE_SCRIPTS.join(',')}\n`;
  writeFileSync(join(packageDir, 'lib', 'vscode', '.npmrc'), allow);
  writeFileSync(join(packageDir, 'lib', 'vscode', 'extensions', '.npmrc'), 'allow-scripts=@parcel/watcher,esbuild\n');
  runNpm(['rebuild', '--foreground-scripts'], installDir, env, log);

  const problems = verifyInstall();
  if (problems.length) fail(`code-server installed but incomplete:\n  - ${problems.join('\n  - ')}`);
  writeFileSync(installedMarker(), `${new Date().toISOString()}\n`);
  log(`code-server ${codeServerVersion()} installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return entryPoint;
}

/** The pieces whose absence only shows up later as a blank workbench or a dead terminal/search. */
function verifyInstall() {
  const vs = join(packageDir, 'lib', 'vscode');
  const need = {
    'code-server entry': entryPoint,
    'VS Code server dependencies': join(vs, 'node_modules', 'vscode-textmate'),
    'ripgrep binary': join(vs, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
    'node-pty native module': join(vs, 'node_modules', 'node-pty', 'build', 'Release'),
    'spdlog native module': join(vs, 'node_modules', '@vscode', 'spdlog', 'build', 'Release'),
    'node_modules.asar link': join(vs, 'node_modules.asar'),
    'built-in extensions dependencies': join(vs, 'extensions', 'node_modules', 'typescript'),
  };
  return Object.entries(need)
    .filter(([, p]) => !existsSync(p))
    .map(([what, p]) => `${what} (${p})`);
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function waitForHealthz(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

const DEFAULT_SETTINGS = {
  // A quiet, deterministic workbench: nothing opens by itself, nothing phones home.
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'files.exclude': { '**/.git': true },
};

/**
 * Starts code-server. `profileDir` holds the user-data, extensions and XDG dirs (fresh when
 * `fresh`); `folder` is the workspace opened by default. Resolves once /healthz answers.
 * Returns { port, origin, url (workbench with Layer Lens loaded), workbenchUrl(opts), stop() }.
 */
export async function startHost({
  folder,
  profileDir = join(cacheDir, 'vscode-host', 'default'),
  fresh = false,
  settings = {},
  extensionDevelopmentPath = repoRoot,
  log = (m) => console.log(m),
  logFile,
  startTimeoutMs = 60_000,
} = {}) {
  const entry = ensureCodeServer({ log });
  if (fresh) rmSync(profileDir, { recursive: true, force: true });
  const dirs = {
    userData: join(profileDir, 'user-data'),
    extensions: join(profileDir, 'extensions'),
    xdgData: join(profileDir, 'xdg-data'),
    xdgConfig: join(profileDir, 'xdg-config'),
    xdgCache: join(profileDir, 'xdg-cache'),
    tmp: join(profileDir, 'tmp'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const settingsDir = join(dirs.userData, 'User');
  mkdirSync(settingsDir, { recursive: true });
  const settingsFile = join(settingsDir, 'settings.json');
  let existing = {};
  if (existsSync(settingsFile)) {
    try {
      existing = JSON.parse(readFileSync(settingsFile, 'utf8'));
    } catch {
      existing = {}; // a hand-edited file with comments: ours replaces it
    }
  }
  writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...existing, ...settings }, null, 2));

  const port = await freePort();
  const args = [
    entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (folder) args.push(folder);
  const env = {
    ...process.env,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_CACHE_HOME: dirs.xdgCache,
    TMPDIR: dirs.tmp,
    // A terminal or git prompt must never wait for input nobody will type.
    GIT_TERMINAL_PROMPT: '0',
  };
  delete env.VSCODE_IPC_HOOK_CLI; // running inside another VS Code's terminal must not redirect us
  // detached: its own process group, so stop() ends code-server and every extension host it spawned.
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const onData = (chunk) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 400) output.splice(0, output.length - 400);
    if (logFile) writeFileSync(logFile, text, { flag: 'a' });
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killNow);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
    // Extension hosts and the analysis worker may outlive the parent by a moment.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // group already empty
    }
  };
  // A crash of the caller must not leave a server behind.
  function killNow() {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.on('exit', killNow);

  const up = await waitForHealthz(port, child, startTimeoutMs);
  if (!up) {
    await stop();
    fail(`code-server did not start on 127.0.0.1:${port} within ${startTimeoutMs / 1000} s. Its output:\n${output.join('').split('\n').slice(-40).join('\n')}`);
  }
  const origin = `http://127.0.0.1:${port}`;
  const workbenchUrlFor = (opts = {}) => workbenchUrl({ origin, folder, extensionDevelopmentPath, ...opts });
  return { port, origin, child, dirs, url: workbenchUrlFor(), workbenchUrl: workbenchUrlFor, output: () => output.join(''), stop };
}

/**
 * The workbench URL that opens `folder` with the extension at `extensionDevelopmentPath` loaded in
 * development mode; with `extensionTestsPath` runs that module's `run()` in the extension host; with
 * `openFile` opens that file once the workbench is up.
 */
export function workbenchUrl({ origin, folder, extensionDevelopmentPath = repoRoot, extensionTestsPath, openFile }) {
  const authority = new URL(origin).host;
  const remote = (p) => `vscode-remote://${authority}${resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  if (openFile) payload.push(['openFile', remote(openFile)]);
  const query = [];
  if (folder) query.push(`folder=${encodeURIComponent(resolve(folder))}`);
  if (payload.length) query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${origin}/${query.length ? `?${query.join('&')}` : ''}`;
}

/**
 * Keeps a started host until Ctrl-C or SIGTERM (then stops it and everything it started); if
 * code-server dies on its own, prints its last output and exits with its code.
 */
export function keepRunning(host) {
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await host.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  host.child.on('exit', (code) => {
    if (stopping) return;
    console.error(`code-server exited (${code}); its last output:\n${host.output().split('\n').slice(-20).join('\n')}`);
    process.exit(code || 1);
  });
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'install') {
    ensureCodeServer();
    console.log(`code-server ${codeServerVersion()} ready: ${entryPoint}`);
    return;
  }
  const folder = cmd ? resolve(cmd) : repoRoot;
  if (!existsSync(folder) || !statSync(folder).isDirectory()) fail(`not a folder: ${folder}`);
  const host = await startHost({ folder, profileDir: join(cacheDir, 'vscode-host', 'cli') });
  console.log(`\nVS Code (code-server ${codeServerVersion()}) with Layer Lens loaded:\n\n  ${host.url}\n\nCtrl-C stops it.`);
  keepRunning(host);
  void rest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err.userFacing ? `\n${err.message}\n` : err);
    process.exit(1);
  });
}
