// `npm run package`: a production build, then a platform VSIX for this machine (or --target T).
// The bundles carry every JavaScript dependency except onnxruntime-node, a native addon that
// cannot be bundled: the VSIX ships it (JS + this platform's binaries) and onnxruntime-common.
// vsce's `--no-dependencies` would drop node_modules entirely, so vsce runs with npm dependency
// detection and the ignore file below keeps only those two packages.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = process.argv.indexOf('--target');
const target = arg > 0 ? process.argv[arg + 1] : `${process.platform}-${process.arch}`;
const [os, arch] = target.split('-');
const binDir = `node_modules/onnxruntime-node/bin/napi-v6/${os === 'alpine' ? 'linux' : os}/${arch}`;
if (!existsSync(join(root, binDir))) {
  console.error(`No onnxruntime-node binaries for ${target} (${binDir} is missing).`);
  process.exit(1);
}

function run(cmd, args) {
  console.log(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Start from the checked-in rules and add this target's native binaries.
const ignoreFile = join(root, '.cache', `vscodeignore-${target}`);
mkdirSync(dirname(ignoreFile), { recursive: true });
const { readFileSync } = await import('node:fs');
writeFileSync(ignoreFile, `${readFileSync(join(root, '.vscodeignore'), 'utf8').replace(/^!node_modules\/onnxruntime-node\/bin\/.*$/m, `!${binDir}/**`)}\n`);

run('node', ['scripts/build.mjs', '--production']);
const out = `layer-lens-${target}.vsix`;
run(join(root, 'node_modules', '.bin', 'vsce'), ['package', '--target', target, '--ignoreFile', ignoreFile, '--out', out]);
console.log(`packaged ${out}`);
