// Preloaded into a worker process (`--require`) by test/unit/extension/worker/faults.test.ts to inject real
// faults without any test hook in the product code. LAYER_LENS_FAULT picks one:
//   uncaught:<suffix>:<marker>  throw an uncaught exception 200 ms after the worker first opens a
//                           path ending in <suffix>, i.e. mid-job; once (the marker file records
//                           that it fired, so the restarted worker runs clean);
//   typeerror:<suffix>      make fs.promises.open throw a TypeError for paths ending in <suffix>,
//                           as a programming error inside a handler would.
'use strict';
const fs = require('node:fs');
const fault = process.env.LAYER_LENS_FAULT || '';
const [kind, a, b] = fault.split(':');
if (kind === 'uncaught' && !fs.existsSync(b)) {
  const fsp = require('node:fs/promises');
  const open = fsp.open;
  fsp.open = function (path, ...rest) {
    if (String(path).endsWith(a) && !fs.existsSync(b)) {
      fs.writeFileSync(b, String(process.pid));
      setTimeout(() => {
        throw new Error('injected fault: uncaught exception in the worker');
      }, 200);
    }
    return open.call(this, path, ...rest);
  };
  require('node:module').syncBuiltinESMExports();
}
if (kind === 'typeerror') {
  const fsp = require('node:fs/promises');
  const open = fsp.open;
  fsp.open = function (path, ...rest) {
    if (String(path).endsWith(a)) throw new TypeError('injected fault: a handler bug');
    return open.call(this, path, ...rest);
  };
  // ESM importers of node:fs/promises see the patched export too.
  require('node:module').syncBuiltinESMExports();
}
