// Matrix kinds keep one colour in every panel and never share one within a plot: the fixed colour
// of each kind is distinct from every other kind a model of each family has (standard attention,
// MLA, MoE with shared experts), in both colour schemes; the colour-blind palette is Okabe & Ito's
// published colours (Color Universal Design, 2008) and the theme's kind palette is Tableau 10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OKABE_ITO, schemeColours, TABLEAU_10 } from '../../../../webview/common/colorScheme';
import { kindColor, kindColors } from '../../../../webview/common/kindColor';

const env = { light: false, foreground: '#cccccc', themeCategorical: ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'] };
const schemes = { theme: schemeColours('theme', env), colorblind: schemeColours('colorblind', env) };
const FAMILIES = {
  standard: ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'router'],
  mla: ['q_a', 'q_b', 'kv_a', 'kv_b', 'o', 'gate', 'up', 'down', 'router'],
  deepseekLite: ['q', 'kv_a', 'kv_b', 'o', 'gate', 'up', 'down', 'router', 'shared'],
};

test('each kind has a fixed colour, distinct from every other kind of its model family, in both schemes', () => {
  for (const [scheme, theme] of Object.entries(schemes)) {
    assert.equal(new Set(theme.kindPalette).size, 10, `${scheme}: ten distinct kind colours`);
    for (const [family, kinds] of Object.entries(FAMILIES)) {
      const colours = kinds.map((k) => kindColor(k, theme));
      assert.ok(
        colours.every((c) => typeof c === 'string'),
        `${scheme}/${family}: every kind has a colour`,
      );
      assert.equal(new Set(colours).size, kinds.length, `${scheme}/${family}: ${colours.join(' ')}`);
    }
    assert.equal(kindColor('k', theme) === kindColor('up', theme), false, `${scheme}: k and up differ`);
    assert.equal(kindColor('e3 up', theme), kindColor('up', theme), 'an expert’s matrix has its kind’s colour');
    assert.equal(kindColor('layer norm', theme), undefined);
  }
});

test('within one plot no two series share a colour, and plain kinds keep theirs', () => {
  const theme = schemes.colorblind;
  const names = ['gate shared', 'q', 'k', 'v', 'o', 'gate', 'up', 'down', 'up shared', 'norm'];
  const colours = kindColors(names, theme);
  assert.equal(new Set(colours).size, names.length, colours.join(' '));
  assert.equal(colours[names.indexOf('gate')], kindColor('gate', theme), 'gate keeps its colour though "gate shared" comes first');
  assert.equal(colours[names.indexOf('q')], kindColor('q', theme));
});

test('the colour-blind palette is Okabe–Ito as published; the theme kind palette is Tableau 10', () => {
  assert.deepEqual([...OKABE_ITO], ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7']);
  const cb = schemes.colorblind;
  for (const c of OKABE_ITO.slice(1)) {
    assert.ok(cb.categorical.includes(c), `categorical holds ${c}`);
    assert.ok(cb.kindPalette.includes(c), `kind palette holds ${c}`);
  }
  assert.ok(cb.categorical.includes(env.foreground), 'black is drawn in the editor foreground');
  assert.deepEqual(
    [...TABLEAU_10].map((c) => c.slice(1)).join(''),
    '4e79a7f28e2ce1575976b7b259a14fedc949af7aa1ff9da79c755fbab0ab',
    'd3-scale-chromatic schemeTableau10',
  );
  assert.deepEqual(schemes.theme.kindPalette, [...TABLEAU_10]);
  assert.deepEqual([cb.sequentialScheme, cb.divergingScheme], ['cividis', 'puor']);
  assert.deepEqual([schemes.theme.sequentialScheme, schemes.theme.divergingScheme], ['viridis', 'rdbu']);
  assert.equal(schemeColours('theme', { ...env, light: true }).sequentialScheme, 'blues');
  assert.deepEqual(schemes.theme.categorical, env.themeCategorical, 'the theme scheme keeps the theme chart colours');
});
