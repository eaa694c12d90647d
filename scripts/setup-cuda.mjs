// `npm run setup:cuda`: installs onnxruntime-node's CUDA 12 execution-provider binaries.
//
// onnxruntime-node ships its CPU and WebGPU providers in the npm package, but the CUDA provider
// libraries (libonnxruntime_providers_cuda.so and friends, ~hundreds of MB) are downloaded from
// NuGet by the package's own install script. This project's .npmrc sets `ignore-scripts=true` so
// that `npm ci` works offline; this script runs that install script on purpose, with the flag it
// reads set to the CUDA flavour (ONNXRUNTIME_NODE_INSTALL=cuda12).
// Needs: Linux x64, network access to api.nuget.org, and a CUDA 12 + cuDNN 9 runtime to use it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { lookup } from 'node:dns/promises';

const require = createRequire(import.meta.url);

function fail(message) {
  console.error(`setup:cuda: ${message}`);
  process.exit(1);
}

if (`${process.platform}/${process.arch}` !== 'linux/x64') {
  fail(`onnxruntime-node publishes CUDA binaries for linux/x64 only (this is ${process.platform}/${process.arch}); the CPU provider is used here.`);
}

let packageDir;
try {
  packageDir = dirname(require.resolve('onnxruntime-node/package.json'));
} catch {
  fail('onnxruntime-node is not installed; run `npm ci` first.');
}
const installScript = join(packageDir, 'script', 'install.js');
if (!existsSync(installScript)) fail(`onnxruntime-node's install script is missing (${installScript}); reinstall with \`npm ci\`.`);

const binDir = join(packageDir, 'bin', 'napi-v6', 'linux', 'x64');
const cudaLib = join(binDir, 'libonnxruntime_providers_cuda.so');
if (existsSync(cudaLib)) {
  console.log(`setup:cuda: CUDA provider already installed (${cudaLib}).`);
  process.exit(0);
}

// The install script fails offline with a bare DNS error; say what is wrong before trying.
try {
  await lookup('api.nuget.org');
} catch (err) {
  fail(
    `cannot reach api.nuget.org (${err.code ?? err.message}). The CUDA binaries are downloaded from NuGet, ` +
      'so this needs a network connection. Without them Layer Lens skips CUDA and uses WebGPU or the CPU; ' +
      'nothing else is affected.',
  );
}

console.log('setup:cuda: downloading the CUDA 12 provider from NuGet (Microsoft.ML.OnnxRuntime.Gpu.Linux)…');
const result = spawnSync(process.execPath, [installScript], {
  cwd: packageDir,
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
});
if (result.status !== 0 || !existsSync(cudaLib)) {
  fail(
    `onnxruntime-node's install script failed (exit ${result.status ?? result.signal}). Check the network ` +
      '(proxies: GLOBAL_AGENT_HTTPS_PROXY) and rerun; Layer Lens keeps working on WebGPU or the CPU meanwhile.',
  );
}
console.log(`setup:cuda: installed ${cudaLib}.`);
console.log('CUDA is used when a CUDA 12 runtime and cuDNN 9 are on the library path; the engine reports which provider ran.');
