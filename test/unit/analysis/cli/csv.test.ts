// The one CSV cell writer (src/analysis/methods/common/csv.ts), the tidy writer, and the tidy rows' handling
// of non-finite values, on hand-made values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CorrelationsResult } from '../../../../src/analysis/methods/correlations/correlations';
import { CORRELATIONS_TIDY_COLUMNS, correlationsTidyRows } from '../../../../src/analysis/methods/correlations/csv';
import { csvCell, csvLine, csvQuote, tidyCsv } from '../../../../src/analysis/methods/common/csv';
import type { SpectraResult } from '../../../../src/analysis/methods/spectra/spectra';
import { SPECTRA_TIDY_COLUMNS, spectraTidyRows } from '../../../../src/analysis/methods/spectra/csv';
import { parseCsv } from './cliHarness';

test('cells: finite numbers as String(v), non-finite and missing empty, RFC 4180 quoting of ", comma, LF and CR', () => {
  assert.equal(csvCell(0.1), '0.1');
  assert.equal(csvCell(1e-7), '1e-7');
  assert.equal(csvCell(-0), '0');
  for (const v of [NaN, Infinity, -Infinity, null, undefined]) assert.equal(csvCell(v), '');
  assert.equal(csvCell(true), 'true');
  assert.equal(csvCell('plain text'), 'plain text');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
  assert.equal(csvQuote('final norm'), '"final norm"');
  assert.equal(csvLine([1, 'x,y', NaN, undefined, 'q"']), '1,"x,y",,,"q"""');
  assert.deepEqual(parseCsv(`${csvLine(['a,b', 'c"d', 'e\r\nf', 2.5])}\n`), [['a,b', 'c"d', 'e\r\nf', '2.5']]);
});

test('tidy: the header, one line per row in column order, absent keys and non-finite values empty, booleans 1/0', () => {
  const text = tidyCsv(
    ['layer', 'head', 'metric', 'value'],
    [
      { layer: 0, head: 1, metric: 'M1', value: 0.25 },
      { layer: 0, metric: 'M7_gate_up', value: NaN },
      { metric: 'M6_n', value: 16 },
      { layer: 2, metric: 'comparable', value: false },
      { layer: 'x,y', metric: 'odd, metric', value: null },
    ],
  );
  assert.equal(text, 'layer,head,metric,value\n0,1,M1,0.25\n0,,M7_gate_up,\n,,M6_n,16\n2,,comparable,0\n"x,y",,"odd, metric",\n');
});

test('non-finite policy: a flagged matrix keeps its rows with empty values; null and NaN measures keep theirs', () => {
  const flag = { layer: 2, role: 'q', tensor: 't', matrix: 'layer 2 q', message: '', summary: '', nan: 3, posInf: 1, negInf: 0 };
  const spectra = spectraTidyRows({
    entries: [],
    nonFinite: [{ ...flag, kind: 'q', shape: [8, 4], headFlags: [{ ...flag, head: 1, nan: 2, posInf: 0 }], heads: [] }],
  } as unknown as SpectraResult);
  const text = tidyCsv(SPECTRA_TIDY_COLUMNS, spectra);
  assert.match(text, /^2,q,,,rows,8$/m);
  assert.match(text, /^2,q,,,sigma,$/m);
  assert.match(text, /^2,q,,,non_finite,4$/m);
  assert.match(text, /^2,q,,1,mean_ks_p,$/m);
  assert.match(text, /^2,q,,1,non_finite,2$/m);
  const corr = correlationsTidyRows({
    entries: [
      {
        layer: 0,
        heads: [{ head: 0, kvHead: 0, M1: null, M2: 0.5, M3: NaN, M4: 1, M5: 0 }],
        m7: { gate_up: NaN, gate_downT: 1, up_downT: 1, pinvUp_down: 1 },
        m8: { down_gate: null, down_up: 1, down_pinvUpT: 1 },
      },
    ],
    m6: null,
  } as unknown as CorrelationsResult);
  const lines = tidyCsv(CORRELATIONS_TIDY_COLUMNS, corr).trimEnd().split('\n');
  assert.equal(lines.length, 1 + 5 + 4 + 3);
  assert.ok(
    lines.includes('0,0,M1,') &&
      lines.includes('0,0,M2,0.5') &&
      lines.includes('0,0,M3,') &&
      lines.includes('0,,M7_gate_up,') &&
      lines.includes('0,,M8_down_gate,'),
  );
});
