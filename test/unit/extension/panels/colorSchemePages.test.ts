// A change of layerLens.colorScheme reaches every open page once, with the message the webviews
// listen for (webview/common/colorScheme.ts), and a page that refuses it (a disposed webview:
// postMessage false, rejected or throwing) is forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColorSchemePages, type MessageTarget } from '../../../../src/extension/panels/colorSchemePages';
import { parseColorScheme } from '../../../../src/protocol/colorScheme';

function page(answer: () => Promise<boolean> | boolean): MessageTarget & { got: unknown[] } {
  const got: unknown[] = [];
  return {
    got,
    postMessage: (m) => {
      got.push(m);
      return answer();
    },
  };
}

test('every open page gets the new scheme once; pages that refuse it are forgotten', async () => {
  const pages = new ColorSchemePages();
  const open = page(() => Promise.resolve(true));
  const closed = page(() => Promise.resolve(false));
  const broken = page(() => Promise.reject(new Error('Webview is disposed')));
  const throwing = page(() => {
    throw new Error('Webview is disposed');
  });
  for (const p of [open, closed, broken, throwing, open]) pages.track(p);
  assert.equal(pages.size, 4, 'a page re-rendered is tracked once');
  await pages.broadcast('colorblind');
  assert.deepEqual(open.got, [{ type: 'layerLens.colorScheme', scheme: 'colorblind' }]);
  assert.equal(pages.size, 1);
  await pages.broadcast('theme');
  assert.deepEqual(open.got.at(-1), { type: 'layerLens.colorScheme', scheme: 'theme' });
  assert.equal(closed.got.length, 1, 'a forgotten page hears nothing more');
});

test('the setting reads "colorblind" or else "theme"', () => {
  assert.equal(parseColorScheme('colorblind'), 'colorblind');
  for (const v of ['theme', undefined, null, 'Colorblind', 3]) assert.equal(parseColorScheme(v), 'theme');
});
