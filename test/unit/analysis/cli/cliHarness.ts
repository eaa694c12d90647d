// Shared by the CLI tests: the built CLI (dist/cli.js, built here when missing), the two trained
// models they run on, a spawn helper, and an RFC 4180 CSV reader written independently of
// src/analysis/methods/common/csv.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../paths';

export const repoRoot = REPO_ROOT;
export const cli = path.join(repoRoot, 'dist', 'cli.js');
/** The trained stories260K model (no tokenizer). */
export const stories = path.join(repoRoot, 'test', 'fixtures', 'models', 'stories260K');
/** The committed sample model, with a byte-level tokenizer (needed by activation and persistence). */
export const sample = path.join(repoRoot, 'media', 'sample-model');

/** `npm test` builds first; a targeted run builds here if needed. */
export function ensureBuilt(): void {
  if (existsSync(cli)) return;
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

export function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** stdout of a run that must succeed. */
export function ok(...args: string[]): string {
  const r = run(...args);
  assert.equal(r.code, 0, `layer-lens ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Rows of cells of an RFC 4180 text (quoted cells may hold `,`, `"` doubled, CR and LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [],
    cell = '',
    quoted = false,
    i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i++;
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === '"') {
      assert.equal(cell, '', 'a quote inside an unquoted cell');
      quoted = true;
      i++;
      continue;
    }
    if (c === ',') {
      row.push(cell);
      cell = '';
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    cell += c;
    i++;
  }
  assert.ok(!quoted, 'an unterminated quoted cell');
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** A tidy CSV read back: its header, and its rows as objects by column. */
export function readTidy(text: string, columns: readonly string[]): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, [...columns], 'the documented columns, in order');
  assert.ok(rows.length > 0, 'at least one value');
  return rows.map((cells, n) => {
    assert.equal(cells.length, columns.length, `row ${n + 2} has ${cells.length} cells: ${cells.join(',')}`);
    const o = Object.fromEntries(columns.map((c, i) => [c, cells[i]!]));
    assert.ok(o.value === '' || Number.isFinite(Number(o.value)), `row ${n + 2}: value '${o.value}' is neither empty nor a finite number`);
    assert.ok(o.metric !== '', `row ${n + 2} names no metric`);
    return o;
  });
}

/**
 * The value of the one row whose keys equal `keys` (every other key column empty) and whose metric
 * is `metric`: a number, or null for an empty cell.
 */
export function tidyValue(rows: Record<string, string>[], keys: Record<string, string | number>, metric: string): number | null {
  const found = rows.filter(
    (r) => r.metric === metric && Object.keys(r).every((c) => c === 'metric' || c === 'value' || r[c] === (keys[c] === undefined ? '' : String(keys[c]))),
  );
  assert.equal(found.length, 1, `one row for ${JSON.stringify(keys)} ${metric}, found ${found.length}`);
  return found[0]!.value === '' ? null : Number(found[0]!.value);
}

/** A JSON value as the tidy CSV must hold it: finite numbers as they are, booleans 1/0, anything else empty. */
export function asCell(v: unknown): number | null {
  if (typeof v === 'boolean') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
