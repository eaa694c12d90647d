// `npm start`: build Layer Lens, prepare a workspace with a model in it, start a real VS Code
// (code-server, scripts/vscode-host.mjs) with the extension loaded, print the URL, run until Ctrl-C.
//   default                     .cache/sample-workspace/ with the trained sample model
//                               (media/sample-model/) and stories260K (test/fixtures/models/) beside it
//   LAYER_LENS_MODEL=<path>     open that model folder or .safetensors file instead (in place)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { commandExists, isCodeServerInstalled, keepRunning, repoRoot, startHost } from './vscode-host.mjs';
import { codeServerRelease } from './lib/code-server-release.mjs';
import { ensureDebianPackages } from './lib/system-packages.mjs';

const STORIES_260K = resolve(repoRoot, 'test', 'fixtures', 'models', 'stories260K');
const SAMPLE_MODEL = join(repoRoot, 'media', 'sample-model');
const SAMPLE_WORKSPACE = join(repoRoot, '.cache', 'sample-workspace');

function die(message) {
  console.error(`\nnpm start: ${message}\n`);
  process.exit(1);
}

/** Copies a model folder unless an identical copy (same model.safetensors size and time) is there. */
function syncModel(from, to) {
  const weights = (dir) => join(dir, 'model.safetensors');
  if (existsSync(weights(to))) {
    const a = statSync(weights(from));
    const b = statSync(weights(to));
    if (a.size === b.size && a.mtimeMs <= b.mtimeMs) return false;
  }
  rmSync(to, { recursive: true, force: true });
  // The training corpus is not part of the model; the workspace stays a plain model folder.
  cpSync(from, to, { recursive: true, filter: (src) => src !== join(from, 'corpus') });
  return true;
}

/** The .safetensors file to show first in a model folder: model.safetensors, else the first shard. */
function primaryWeights(folder) {
  if (existsSync(join(folder, 'model.safetensors'))) return join(folder, 'model.safetensors');
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.safetensors'))
    .sort();
  return files.length ? join(folder, files[0]) : undefined;
}

function sampleWorkspace() {
  mkdirSync(SAMPLE_WORKSPACE, { recursive: true });
  const models = [];
  if (existsSync(join(SAMPLE_MODEL, 'model.safetensors'))) {
    if (syncModel(SAMPLE_MODEL, join(SAMPLE_WORKSPACE, 'sample-model'))) console.log('copied media/sample-model/ into the sample workspace');
    models.push(join(SAMPLE_WORKSPACE, 'sample-model'));
  }
  if (existsSync(join(STORIES_260K, 'model.safetensors'))) {
    if (syncModel(STORIES_260K, join(SAMPLE_WORKSPACE, 'stories260K'))) console.log(`copied ${STORIES_260K} into the sample workspace`);
    models.push(join(SAMPLE_WORKSPACE, 'stories260K'));
  }
  if (!models.length) {
    die(`no model to open: neither ${SAMPLE_MODEL} (npm run train-sample) nor ${STORIES_260K} exists. Set LAYER_LENS_MODEL=<folder or .safetensors file>.`);
  }
  return { folder: SAMPLE_WORKSPACE, openFile: primaryWeights(models[0]) };
}

function requestedModel(path) {
  const target = resolve(path);
  if (!existsSync(target)) die(`LAYER_LENS_MODEL=${path}: no such file or folder`);
  if (statSync(target).isDirectory()) {
    const openFile = primaryWeights(target);
    if (!openFile) die(`LAYER_LENS_MODEL=${path}: the folder holds no .safetensors file`);
    return { folder: target, openFile };
  }
  if (!target.endsWith('.safetensors')) die(`LAYER_LENS_MODEL=${path}: expected a model folder or a .safetensors file`);
  return { folder: dirname(target), openFile: target };
}

// Before the build: an unsupported Node major or missing Debian packages stop here (as root the
// packages are installed), not minutes into code-server's install.
try {
  codeServerRelease();
  if (!isCodeServerInstalled()) ensureDebianPackages(['code-server'], { why: '`npm start` (code-server, a real VS Code)' });
} catch (err) {
  die(err.message);
}

const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) die('the build failed (see above)');

const { folder, openFile } = process.env.LAYER_LENS_MODEL ? requestedModel(process.env.LAYER_LENS_MODEL) : sampleWorkspace();
let host;
try {
  host = await startHost({
    folder,
    profileDir: join(repoRoot, '.cache', 'vscode-host', 'start'),
    // The file opened at startup is resolved before the extension's contributions are read; the
    // association makes it open in the model editor instead of VS Code's binary-file notice.
    settings: { 'workbench.editorAssociations': { '*.safetensors': 'layerLens.modelEditor' } },
  });
} catch (err) {
  die(err.message);
}
const url = host.workbenchUrl({ openFile });
console.log(`
Layer Lens is running in VS Code (code-server) with ${basename(openFile)} from ${folder}

  Open:  ${url}
`);
if (commandExists('code')) {
  console.log(`A desktop VS Code is installed too; to use it instead:\n\n  code --extensionDevelopmentPath=${repoRoot} ${folder}\n`);
}
console.log('Ctrl-C stops it.');

keepRunning(host);
