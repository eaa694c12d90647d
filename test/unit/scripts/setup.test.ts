// The fresh-machine set-up of `npm test` and `npm start`: which code-server release each Node.js
// major gets (an unsupported one stops at once, naming those that work), and what happens when
// Debian packages are missing (nothing, install as root or through sudo, or one message with the
// exact command before any install starts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error plain ES modules of the build scripts, without type declarations
import { codeServerRelease, SUPPORTED_NODE_MAJORS } from '../../../scripts/lib/code-server-release.mjs';
// @ts-expect-error plain ES modules of the build scripts, without type declarations
import { installPlan } from '../../../scripts/lib/system-packages.mjs';

test('each supported Node major has its code-server release; others stop naming the ones that work', () => {
  assert.deepEqual(SUPPORTED_NODE_MAJORS, [20, 22]);
  assert.equal(codeServerRelease('20.20.2').version, '4.100.3');
  assert.equal(codeServerRelease('22.17.0').version, '4.117.0');
  for (const v of ['18.19.0', '24.1.0', '26.0.0']) {
    assert.throws(
      () => codeServerRelease(v),
      (e: Error & { userFacing?: boolean }) => {
        assert.match(e.message, new RegExp(`Node\\.js ${v.replace(/\./g, '\\.')} is not supported`));
        assert.match(e.message, /Use Node\.js 20 or 22 \(20 → code-server 4\.100\.3, 22 → code-server 4\.117\.0\)/);
        assert.equal(e.userFacing, true);
        return true;
      },
    );
  }
});

test('missing Debian packages: installed as root or with sudo, otherwise one message with the command', () => {
  assert.deepEqual(installPlan([], { root: false, sudo: false, why: 'x' }), { action: 'none' });
  const asRoot = installPlan(['libkrb5-dev', 'ripgrep'], { root: true, sudo: false, why: 'x' });
  assert.equal(asRoot.action, 'install');
  assert.deepEqual(asRoot.prefix, []);
  assert.deepEqual(installPlan(['ripgrep'], { root: false, sudo: true, why: 'x' }).prefix, ['sudo', '-n']);
  const stop = installPlan(['libkrb5-dev', 'ripgrep'], { root: false, sudo: false, why: 'the real-VS-Code tests' });
  assert.equal(stop.action, 'stop');
  assert.match(stop.message, /^the real-VS-Code tests need Debian packages this machine lacks: libkrb5-dev, ripgrep\./);
  assert.match(stop.message, /sudo sh -c 'apt-get update && apt-get install -y libkrb5-dev ripgrep'/);
});
