// What the extension host bundle (dist/extension.js) must never contain: the engine and the
// packages only the analysis worker needs. The host validates options and writes CSVs; every
// computation runs in the worker, so an import chain that drags these in only costs activation
// time and memory. build.mjs fails the build when one appears and names the chain that brings it.

/** Inputs (esbuild metafile paths) that mark the engine or a worker-only package. */
export const EXTENSION_FORBIDDEN = [
  /(^|\/)node_modules\/onnxruntime[^/]*\//,
  /(^|\/)node_modules\/onnx-proto\//,
  /(^|\/)node_modules\/protobufjs\//,
  /(^|\/)node_modules\/@huggingface\/tokenizers\//,
  /(^|\/)node_modules\/@agnai\/sentencepiece-js\//,
  /^src\/analysis\/engine\/(?!info\.ts$)/,
  /^src\/analysis\/linalg\//,
];

/**
 * Every forbidden input of an esbuild metafile with the shortest import chain from `entry` to it,
 * e.g. ['src/extension/main.ts', 'src/extension/commands/index.ts', …, 'node_modules/onnx-proto/dist/onnx.js'].
 */
export function forbiddenChains(metafile, entry) {
  const inputs = metafile.inputs;
  const previous = new Map([[entry, null]]);
  const queue = [entry];
  while (queue.length) {
    const at = queue.shift();
    for (const imp of inputs[at]?.imports ?? []) {
      if (imp.external || previous.has(imp.path)) continue;
      previous.set(imp.path, at);
      queue.push(imp.path);
    }
  }
  return Object.keys(inputs)
    .filter((path) => EXTENSION_FORBIDDEN.some((re) => re.test(path)))
    .map((path) => {
      const chain = [];
      for (let at = path; at !== null && at !== undefined; at = previous.get(at)) chain.unshift(at);
      return chain;
    });
}
