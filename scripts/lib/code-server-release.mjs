// Which code-server release gives this Node.js a real VS Code for `npm start` and the end-to-end
// tests. code-server pins one Node major per release (package.json `engines.node`), and its npm
// install fails minutes in, as npm output, under any other; so the major is checked first.
//
// Per release: the @vscode/ripgrep versions its nested install may pick
// with the asset each downloads from GitHub (lib/postinstall.js `VERSION`), so the download cache can
// be seeded with Debian's `rg` and the install stays offline. Read from the packages on npm:
//   code-server 4.100.3  engines.node 20  lib/vscode: "@vscode/ripgrep": "^1.15.11" → asset v13.0.0-10
//   code-server 4.117.0  engines.node 22  lib/vscode: "@vscode/ripgrep": "^1.17.1"  → asset v15.0.1
//                                         (1.18.0, also in range, ships no download step)
// code-server 4.133 and later need Node 24 and take ripgrep from @vscode/ripgrep-universal, whose
// offline install has not been worked out: Node 24 is not offered yet.
export const CODE_SERVER_RELEASES = {
  20: { version: '4.100.3', ripgrep: [{ pkg: '1.15.11', asset: 'v13.0.0-10' }] },
  22: {
    version: '4.117.0',
    ripgrep: [
      { pkg: '1.17.0', asset: 'v15.0.0' },
      { pkg: '1.17.1', asset: 'v15.0.1' },
    ],
  },
};

export const SUPPORTED_NODE_MAJORS = Object.keys(CODE_SERVER_RELEASES).map(Number);

/** The release for this Node.js, or an error naming the majors that work. */
export function codeServerRelease(nodeVersion = process.versions.node) {
  const major = Number(nodeVersion.split('.')[0]);
  const release = CODE_SERVER_RELEASES[major];
  if (release) return release;
  const err = new Error(
    `Node.js ${nodeVersion} is not supported for \`npm start\` and the end-to-end tests: they run VS Code through ` +
      `code-server, which is published per Node major. Use Node.js ${SUPPORTED_NODE_MAJORS.join(' or ')} ` +
      `(${SUPPORTED_NODE_MAJORS.map((m) => `${m} → code-server ${CODE_SERVER_RELEASES[m].version}`).join(', ')}); ` +
      'with nvm: `nvm use` (the repository has an .nvmrc).',
  );
  err.userFacing = true;
  throw err;
}
