// "Show as table" and a figure's CSV: the table read from a plot's marks holds exactly the values
// of their data (every row, every primitive column, marks sharing one array counted once), numbers
// show with 4 significant digits, at most 2,000 rows are kept with the rest counted, and the CSV
// (RFC 4180 quoting) gives the values back at full precision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as Plot from '@observablehq/plot';
import { formatTableValue, MAX_TABLE_ROWS, tableFromMarks, tableFromRows, tableToCsv } from '../../../../webview/common/figureTable';

test('the table of a plot is the data of its marks: same rows, same values', () => {
  const rows = [
    { series: 'q', x: 0, y: 0.123456789, experts: 2, detail: { nested: true } },
    { series: 'k', x: 1, y: -3.5e-7, experts: 0, detail: null },
  ];
  const cells = [{ x: 'L0', y: 'L1', value: 0.41 }];
  const marks = [
    Plot.ruleY([0]),
    Plot.line(rows, { x: 'x', y: 'y', stroke: 'series' }),
    Plot.dot(rows, { x: 'x', y: 'y' }),
    null,
    Plot.cell(cells, { x: 'x', y: 'y', fill: 'value' }),
    Plot.cell(cells.slice(0, 1), { x: 'x', y: 'y', stroke: 'white' }),
  ];
  const table = tableFromMarks(marks);
  assert.deepEqual(table.columns, ['series', 'x', 'y', 'experts', 'detail', 'value']);
  assert.equal(
    table.rows.length,
    rows.length + cells.length,
    'a row drawn by two marks (line and dot, cell and outline) is one row; a rule of plain numbers none',
  );
  assert.equal(table.omitted, 0);
  rows.forEach((r, i) => {
    assert.equal(table.rows[i]![table.columns.indexOf('y')], r.y);
    assert.equal(table.rows[i]![table.columns.indexOf('series')], r.series);
  });
  assert.equal(table.rows[0]![table.columns.indexOf('detail')], null, 'a nested object is no cell value');
  assert.equal(table.rows[2]![table.columns.indexOf('value')], 0.41);
  assert.equal(table.rows[2]![table.columns.indexOf('series')], null, 'a column the row lacks is empty');
});

test('numbers show with 4 significant digits; integers, text and non-finite values read as they are', () => {
  assert.equal(formatTableValue(0.123456789), '0.1235');
  assert.equal(formatTableValue(-3.5e-7), '-3.5e-7');
  assert.equal(formatTableValue(123456.7), '123500');
  assert.equal(formatTableValue(12345678.9), '1.235e+7');
  assert.equal(formatTableValue(42.00001), '42');
  assert.equal(formatTableValue(31), '31');
  assert.equal(formatTableValue(NaN), 'NaN');
  assert.equal(formatTableValue(-Infinity), '−∞');
  assert.equal(formatTableValue('gate'), 'gate');
  assert.equal(formatTableValue(null), '');
});

test('at most 2,000 rows are kept and the rest counted', () => {
  const rows = Array.from({ length: MAX_TABLE_ROWS + 17 }, (_, i) => ({ i }));
  const table = tableFromRows(rows);
  assert.equal(MAX_TABLE_ROWS, 2000);
  assert.equal(table.rows.length, 2000);
  assert.equal(table.omitted, 17);
  assert.deepEqual(table.rows.at(-1), [1999]);
});

test('the CSV holds the values at full precision, quoted where RFC 4180 needs it', () => {
  const csv = tableToCsv(
    tableFromRows([
      { name: 'a, "b"', v: 0.123456789 },
      { name: 'c', v: null },
    ]),
  );
  assert.equal(csv, 'name,v\n"a, ""b""",0.123456789\nc,\n');
});
