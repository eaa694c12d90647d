// End-to-end tests of Layer Lens in a real VS Code: code-server (the release for this Node.js major)
// driven through Chromium (the system's, or the one bundled in @sparticuz/chromium) with playwright-core. `npm test` runs this after the unit tests.
//   1. sets up its prerequisites (test/e2e/lib/prerequisites.mjs) or names what is missing;
//   2. installs (first run) and starts code-server with Layer Lens as the development extension;
//   3. runs the extension-host mocha suite (test/e2e/extension-host/) through extensionTestsPath,
//      its exit code coming back through window.codeAutomationExit;
//   4. runs every UI case in test/e2e/ui/ (one file each) in a fresh page and workspace, with
//      screenshots under test-results/e2e/<case>/;
//   5. stops everything and ends with `e2e: N passed, M failed` (exit 1 when M > 0).
// Usage: node test/e2e/run-e2e.mjs [name-filter...] [--ui-only] [--host-only]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

// UI cases are TypeScript; run under tsx's loader (re-executing this script once if needed).
if (!process.execArgv.some((a) => a.includes('tsx'))) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}

async function main() {
  const t0 = Date.now();
  const args = process.argv.slice(2);
  const filters = args.filter((a) => !a.startsWith('--'));
  const runHost = !args.includes('--ui-only');
  const runUi = !args.includes('--host-only');
  const results = { passed: 0, failed: 0, flaky: [] };
  const finish = (extra = '') => {
    const flaky = results.flaky.length ? ` (passed only on a retry: ${results.flaky.join(', ')})` : '';
    console.log(`\ne2e: ${results.passed} passed, ${results.failed} failed${flaky}${extra}`);
    process.exit(results.failed > 0 ? 1 : 0);
  };

  const { prepareEndToEnd } = await import('./lib/prerequisites.mjs');
  let chromiumPath;
  try {
    const ready = await prepareEndToEnd(repoRoot);
    chromiumPath = ready.chromium;
    console.log(`Chromium: ${chromiumPath} (${ready.chromiumSource})`);
  } catch (err) {
    const bar = '!'.repeat(78);
    console.error(`\n${bar}\n!! The end-to-end tests cannot run on this machine:\n!! ${err.message.split('\n').join('\n!! ')}\n${bar}`);
    results.failed += 1;
    finish(' (prerequisites missing)');
    return;
  }

  if (!buildIfStale()) {
    console.error('\nThe extension does not build (node scripts/build.mjs failed above); nothing to test.');
    results.failed += 1;
    finish(' (build failed)');
    return;
  }
  const { ensureCodeServer, startHost } = await import('../../scripts/vscode-host.mjs');
  const { buildExtensionHostSuite, prepareExtensionHostWorkspace } = await import('./lib/buildExtensionHostSuite.mjs');
  const { chromium } = await import('playwright-core');
  const { Workbench } = await import('./lib/workbench.ts');
  const { CaseWorkspace } = await import('./lib/uiCase.ts');

  const cacheRoot = join(repoRoot, '.cache', 'e2e');
  // One run at a time per checkout: runs share the workspaces, profile and test-results folders.
  await acquireRunLock(join(repoRoot, '.cache', 'e2e.lock'));
  const workspacesRoot = join(cacheRoot, 'workspaces');
  const resultsRoot = join(repoRoot, 'test-results', 'e2e');
  // Only this run's cases are cleared (below, per case): a filtered run keeps the others' results.
  mkdirSync(workspacesRoot, { recursive: true });
  mkdirSync(resultsRoot, { recursive: true });

  try {
    ensureCodeServer();
  } catch (err) {
    console.error(`\n${err.message}`);
    results.failed += 1;
    finish(' (code-server could not be installed)');
    return;
  }
  const suite = runHost ? await buildExtensionHostSuite(repoRoot) : undefined;

  const memory = startMemorySampler();
  const host = await startHost({
    folder: workspacesRoot,
    profileDir: join(cacheRoot, 'profile'),
    fresh: true,
    logFile: resetFile(join(resultsRoot, 'code-server.log')),
    log: (m) => console.log(m),
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      // Halves the workbench renderer's heap (600 → 240 MB with a streaming heatmap open).
      '--js-flags=--optimize-for-size',
    ],
  });
  // One browser context for the whole run, a fresh page per case: the workbench's scripts (11 MB,
  // cacheable for a year) then come from the HTTP cache with V8's compiled code instead of being
  // fetched, parsed and compiled again for every case. Each case still gets its own workspace
  // folder, and VS Code keeps its UI state per workspace.
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  let interrupted = false;
  const cleanup = async () => {
    await browser.close().catch(() => undefined);
    await host.stop();
    memory.stop();
  };
  process.on('SIGINT', () => {
    interrupted = true;
    cleanup().finally(() => process.exit(130));
  });
  console.log(`code-server on ${host.origin} (started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  try {
    if (suite && (filters.length === 0 || filters.some((f) => 'extension-host'.includes(f)))) {
      const folder = prepareExtensionHostWorkspace(repoRoot, join(workspacesRoot, 'extension-host'));
      const r = await runExtensionHostSuite({ context, host, suite, folder, resultsRoot });
      results.passed += r.passed;
      results.failed += r.failed;
    }
    if (runUi) {
      const uiDir = join(here, 'ui');
      const files = readdirSync(uiDir)
        .filter((f) => /\.e2e\.(ts|mjs)$/.test(f))
        .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
        .sort();
      // A UI case that fails gets one more attempt in a fresh page and workspace (E2E_RETRIES, default
      // 1): a real defect fails both, while a one-off timing hiccup of the browser on a loaded machine
      // does not sink the whole CI run. Every pass on a retry is listed at the end, so flakiness
      // stays visible rather than hidden.
      const retries = Math.max(0, Number(process.env.E2E_RETRIES ?? 1) || 0);
      for (const file of files) {
        if (interrupted) break;
        let ok = await runUiCase({ file: join(uiDir, file), context, host, Workbench, CaseWorkspace, workspacesRoot, resultsRoot });
        for (let attempt = 1; !ok && attempt <= retries && !interrupted; attempt++) {
          console.log(`  retrying ${file} (attempt ${attempt + 1} of ${retries + 1}); the failure above is kept in the log`);
          ok = await runUiCase({ file: join(uiDir, file), context, host, Workbench, CaseWorkspace, workspacesRoot, resultsRoot, attempt });
          if (ok) results.flaky.push(file.replace(/\.e2e\.(ts|mjs)$/, ''));
        }
        if (ok) results.passed += 1;
        else results.failed += 1;
      }
    }
  } finally {
    await cleanup();
  }
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  finish(` (${seconds} s, ${memory.summary()}; screenshots in ${relative(repoRoot, resultsRoot)}/)`);
}

function resetFile(path) {
  rmSync(path, { force: true });
  return path;
}

/** Waits (up to 10 min) while another live run holds the lock, then takes it until this process exits. */
async function acquireRunLock(lockFile) {
  mkdirSync(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  let told = false;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      process.on('exit', () => {
        try {
          if (readFileSync(lockFile, 'utf8') === String(process.pid)) unlinkSync(lockFile);
        } catch {
          // already gone
        }
      });
      return;
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(lockFile, 'utf8'));
        process.kill(holder, 0);
      } catch {
        rmSync(lockFile, { force: true }); // a run that died without cleaning up
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another e2e run (pid ${holder}) has held ${lockFile} for 10 minutes`);
      if (!told) console.log(`waiting for the e2e run of pid ${holder} to finish...`);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Rebuilds dist/ and media/dist/ when a source file is newer than the extension bundle. */
function buildIfStale() {
  const bundle = join(repoRoot, 'dist', 'extension.js');
  const builtAt = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  const newer = (dir) => existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => statSync(join(dir, f)).mtimeMs > builtAt);
  if (builtAt && !newer(join(repoRoot, 'src')) && !newer(join(repoRoot, 'webview'))) return true;
  console.log('building the extension (node scripts/build.mjs)');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  return r.status === 0;
}

/** Console lines worth showing when something fails: errors from the page and the extension host. */
function collectConsole(page) {
  const lines = [];
  page.on('console', (m) => {
    const text = m
      .text()
      .replace(/%c/g, '')
      .replace(/color: [^ ]+ ?/g, '')
      .trim();
    if (m.type() === 'error' || /\[Extension Host\]/.test(text)) lines.push(`[${m.type()}] ${text.slice(0, 600)}`);
  });
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
  return lines;
}

async function runExtensionHostSuite({ context, host, suite, folder, resultsRoot }) {
  console.log("\n--- extension-host suite (mocha in code-server's extension host)");
  const t0 = Date.now();
  const page = await context.newPage();
  const consoleLines = collectConsole(page);
  let exitCode;
  await page.exposeFunction('codeAutomationExit', (code) => {
    exitCode = code;
  });
  await page.goto(host.workbenchUrl({ folder, extensionTestsPath: suite.index }));
  const deadline = Date.now() + 120_000;
  while (exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await page.screenshot({ path: join(resultsRoot, 'extension-host-suite.png') }).catch(() => undefined);
  await page.close();

  const resultsFile = join(suite.outDir, 'results.json');
  const report = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
  if (!report) {
    console.log(`  ✗ the suite did not report (exit code ${exitCode ?? 'none: timed out after 120 s'})`);
    for (const l of consoleLines.slice(-30)) console.log(`    ${l}`);
    return { passed: 0, failed: 1 };
  }
  for (const t of report.passed) console.log(`  ✓ ${t}`);
  for (const f of report.failures) console.log(`  ✗ ${f.title}\n      ${f.error.split('\n').slice(0, 6).join('\n      ')}`);
  // The workbench's exit code must agree with mocha's own count: a mismatch means a lost report.
  const expectedExit = report.failures.length > 0 ? 1 : 0;
  let extraFailure = 0;
  if (exitCode !== expectedExit) {
    console.log(`  ✗ workbench exit code ${exitCode ?? 'none (timed out)'} but mocha reported ${report.failures.length} failure(s)`);
    extraFailure = 1;
  }
  console.log(`  (${report.passed.length + report.failures.length} tests in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return { passed: report.passed.length, failed: report.failures.length + extraFailure };
}

async function runUiCase({ file, context, host, Workbench, CaseWorkspace, workspacesRoot, resultsRoot, attempt = 0 }) {
  const base = file
    .split('/')
    .pop()
    .replace(/\.e2e\.(ts|mjs)$/, '');
  // A retry keeps the first attempt's screenshots: it writes beside them.
  const name = attempt ? `${base}-retry${attempt}` : base;
  const t0 = Date.now();
  const mod = await import(pathToFileURL(file).href);
  const testCase = mod.default?.default ?? mod.default;
  if (!testCase || typeof testCase.run !== 'function') {
    console.log(`\n✗ ${name}: the file does not \`export default uiCase({...})\``);
    return false;
  }
  console.log(`\n--- ${name}: ${testCase.title}`);
  const shotsDir = join(resultsRoot, name);
  rmSync(shotsDir, { recursive: true, force: true });
  rmSync(join(workspacesRoot, name), { recursive: true, force: true });
  const workspace = new CaseWorkspace(join(workspacesRoot, name));
  const page = await context.newPage();
  const consoleLines = collectConsole(page);
  const wb = new Workbench(page, { shotsDir, workspace: workspace.dir });
  // Generous: under CPU load from other processes a case can take several times its idle time.
  const timeoutMs = testCase.timeoutMs ?? 120_000;
  let openSeconds = 0;
  let timer;
  try {
    await testCase.setup?.(workspace);
    await Promise.race([
      (async () => {
        const opening = Date.now();
        await wb.open(host.workbenchUrl({ folder: workspace.dir, openFile: testCase.openFile ? workspace.path(testCase.openFile) : undefined }));
        openSeconds = (Date.now() - opening) / 1000;
        await testCase.run(wb, workspace);
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`case exceeded its ${timeoutMs / 1000} s limit`)), timeoutMs);
      }),
    ]);
    await wb.screenshot('final').catch(() => undefined);
    console.log(`✓ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s, of which ${openSeconds.toFixed(1)} s loading the workbench)`);
    return true;
  } catch (err) {
    const shot = await wb.screenshot('failure').catch(() => undefined);
    console.log(`✗ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${err?.message ?? err}`);
    if (err?.stack) console.log(err.stack.split('\n').slice(1, 5).join('\n'));
    const notes = await wb.notificationTexts().catch(() => []);
    if (notes.length) console.log(`    notifications: ${notes.join(' | ')}`);
    const views = await wb.webviewTexts().catch(() => []);
    views.forEach((t, i) => console.log(`    webview ${i}: ${t.replace(/\s+/g, ' ').slice(0, 300)}`));
    for (const l of consoleLines.slice(-15)) console.log(`    ${l}`);
    if (shot) console.log(`    screenshot: ${relative(repoRoot, shot)}`);
    return false;
  } finally {
    clearTimeout(timer);
    await page.close().catch(() => undefined);
  }
}

/**
 * Peak memory of everything this run started (code-server, extension hosts, the worker, Chromium),
 * as proportional set size: Chromium's processes share most of their pages, which RSS would count
 * once per process. Sampled every 500 ms; the breakdown is the one at the peak.
 */
function startMemorySampler() {
  let peak = 0;
  let peakParts = {};
  const kindOf = (pid) => {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return 'other';
    }
    if (cmd.includes('dist/worker.js')) return 'worker';
    if (/chrom/i.test(cmd.split('\0')[0])) return 'chromium';
    if (cmd.includes('extensionHost')) return 'extension host';
    if (cmd.includes('code-server')) return 'code-server';
    return cmd.split('\0')[0].split('/').pop() || 'other';
  };
  const pss = (pid) => {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  };
  const sample = () => {
    const children = new Map();
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ppid = Number(fields[1]);
        const rssPages = Number(fields[21]);
        if (!children.has(ppid)) children.set(ppid, []);
        children.get(ppid).push({ pid: Number(pid), rss: rssPages * 4096 });
      } catch {
        // process ended while we looked
      }
    }
    const parts = { 'test runner': pss(process.pid) ?? process.memoryUsage().rss };
    let total = parts['test runner'];
    const stack = [process.pid];
    while (stack.length) {
      for (const c of children.get(stack.pop()) ?? []) {
        const bytes = pss(c.pid) ?? c.rss;
        const kind = kindOf(c.pid);
        total += bytes;
        parts[kind] = (parts[kind] ?? 0) + bytes;
        stack.push(c.pid);
      }
    }
    if (total > peak) {
      peak = total;
      peakParts = parts;
    }
  };
  const timer = setInterval(sample, 500);
  timer.unref();
  const gib = (b) => (b / 2 ** 30).toFixed(2);
  return {
    stop: () => clearInterval(timer),
    summary: () =>
      `peak memory ${gib(peak)} GiB: ${Object.entries(peakParts)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${gib(v)}`)
        .join(', ')}`,
  };
}
