// `layer-lens <analysis> --csv` as a user runs it (the built CLI) on the trained stories260K model
// and the sample model: the tidy CSV parses, has the documented columns, a full row each, and the
// values --json prints for the same arguments, looked up by their keys.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { asCell, ensureBuilt, ok, readTidy, sample, stories, tidyValue } from './cliHarness';

// The documented layouts (src/analysis/methods/*Csv.ts), written out so a change has to be deliberate.
const SPECTRA = ['layer', 'kind', 'expert', 'head', 'metric', 'value'];
const SIMILARITY = ['kind', 'layer_a', 'layer_b', 'metric', 'value'];
const CORRELATIONS = ['layer', 'head', 'metric', 'value'];
const ACTIVATION = ['layer', 'kind', 'domain', 'prompt', 'metric', 'value'];
const PERSISTENCE = ['layer', 'layer_a', 'layer_b', 'dim', 'metric', 'value'];
const DIFF = ['layer', 'kind', 'tensor', 'metric', 'value'];

/** --json and --csv of the same arguments: the parsed JSON and the tidy rows. */
function both(columns: string[], ...args: string[]) {
  return { json: JSON.parse(ok(...args, '--json')), rows: readTidy(ok(...args, '--csv'), columns) };
}

let tmp: string;
before(() => {
  ensureBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), 'layer-lens-csv-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('spectra --csv: layer,kind,expert,head,metric,value, per matrix and head', () => {
  for (const model of [stories, sample]) {
    const { json, rows } = both(SPECTRA, 'spectra', model, '--layer', '1', '--kind', 'k');
    const e = json.entries[0];
    const key = { layer: 1, kind: 'k' };
    assert.equal(tidyValue(rows, key, 'rows'), e.shape[0]);
    assert.equal(tidyValue(rows, key, 'sigma'), e.spectrum.mp.sigma);
    assert.equal(tidyValue(rows, key, 'stable_rank'), e.spectrum.metrics.stableRank);
    assert.equal(tidyValue(rows, key, 'randomness'), e.meanP);
    assert.equal(tidyValue(rows, key, 'alpha_reliable'), Number(e.spectrum.metrics.alpha.reliable));
    // An unreliable power-law fit is never a number.
    assert.equal(tidyValue(rows, key, 'alpha'), e.spectrum.metrics.alpha.reliable ? e.spectrum.metrics.alpha.alpha : null);
    assert.ok(e.heads.length >= 2);
    for (const h of e.heads) {
      assert.equal(tidyValue(rows, { ...key, head: h.head }, 'mean_ks_p'), h.spectrum.vectors.meanP);
      assert.equal(tidyValue(rows, { ...key, head: h.head }, 'rand_distance'), asCell(h.spectrum.metrics.randDistance));
    }
    assert.equal(rows.filter((r) => r.metric === 'sigma').length, 1 + e.heads.length);
  }
});

test('similarity --csv: kind,layer_a,layer_b,metric,value over every kind, with the DOCS Gumbel fits', () => {
  const { json, rows } = both(SIMILARITY, 'similarity', stories, '--kind', 'q,up', '--index', 'docs,cka', '--pairs', 'adjacent');
  assert.equal(json.length, 2);
  for (const r of json) {
    assert.equal(r.pairs.length, 4);
    for (const p of r.pairs) {
      const key = { kind: r.kind, layer_a: p.layerA, layer_b: p.layerB };
      assert.equal(tidyValue(rows, key, 'comparable'), 1);
      assert.equal(tidyValue(rows, key, 'docs'), p.values.docs);
      assert.equal(tidyValue(rows, key, 'cka'), p.values.cka);
      assert.equal(tidyValue(rows, key, 'docs_u_rows'), p.docs.rows.loc);
      assert.equal(tidyValue(rows, key, 'docs_beta_cols'), p.docs.cols.scale);
    }
  }
  assert.equal(rows.length, 2 * 4 * 7);
});

test('correlations --csv: layer,head,metric,value with the layer-level M7/M8 and M6', () => {
  const { json, rows } = both(CORRELATIONS, 'correlations', stories, '--layer', '1,3');
  assert.deepEqual(json.layers, [1, 3]);
  for (const e of json.entries) {
    assert.equal(e.heads.length, 8);
    for (const h of e.heads) for (const m of ['M1', 'M2', 'M3', 'M4', 'M5']) assert.equal(tidyValue(rows, { layer: e.layer, head: h.head }, m), asCell(h[m]));
    assert.equal(tidyValue(rows, { layer: e.layer }, 'M7_gate_up'), asCell(e.m7.gate_up));
    assert.equal(tidyValue(rows, { layer: e.layer }, 'M8_down_pinvUpT'), asCell(e.m8.down_pinvUpT));
  }
  assert.equal(tidyValue(rows, {}, 'M6_slope'), json.m6.slope);
  assert.equal(tidyValue(rows, {}, 'M6_n'), 16);
  assert.equal(rows.length, 2 * (8 * 5 + 4 + 3) + 4);
});

test('activation --csv: layer,kind,domain,prompt,metric,value for the run, each prompt, layer and matrix', () => {
  const { json, rows } = both(ACTIVATION, 'activation', sample, '--domains', 'prose,code', '--per-domain', '2', '--max-tokens', '16');
  assert.equal(tidyValue(rows, {}, 'tau'), json.tau);
  assert.equal(tidyValue(rows, {}, 'prompts'), 4);
  json.prompts.forEach((p: { domain: string; tokens: number; maxLogit: number }, i: number) => {
    assert.equal(tidyValue(rows, { domain: p.domain, prompt: i }, 'tokens'), p.tokens);
    assert.equal(tidyValue(rows, { domain: p.domain, prompt: i }, 'max_logit'), p.maxLogit);
  });
  assert.equal(json.numLayers, 4);
  for (let l = 0; l < json.numLayers; l++) {
    assert.equal(tidyValue(rows, { layer: l }, 'activated_fraction'), json.layerFraction[l]);
    assert.equal(tidyValue(rows, { layer: l }, 'prune_ratio'), json.pruneRatios[l]);
    assert.equal(tidyValue(rows, { layer: l }, 'similarity_same_median'), asCell(json.similarityByDepth.same[l]?.median));
    assert.equal(tidyValue(rows, { layer: l }, 'similarity_cross_q3'), asCell(json.similarityByDepth.cross[l]?.q3));
    json.roles.forEach((kind: string, i: number) => {
      assert.equal(tidyValue(rows, { layer: l, kind }, 'activated_fraction'), json.roleFraction[l][i]);
      assert.equal(tidyValue(rows, { layer: l, kind }, 'activated_share'), json.activatedShare[l][i]);
    });
  }
});

test('persistence --csv: layer,layer_a,layer_b,dim,metric,value per cloud, pair of clouds and run', () => {
  const { json, rows } = both(PERSISTENCE, 'persistence', sample, '--per-domain', '4', '--max-tokens', '16');
  assert.equal(tidyValue(rows, {}, 'points'), json.points);
  const clouds = json.cloudNames.length;
  assert.equal(clouds, 5);
  for (let l = 0; l < clouds; l++) {
    for (const dim of json.homologyDims) {
      assert.equal(tidyValue(rows, { layer: l, dim }, 'betti'), json.betti[dim][l]);
      assert.equal(tidyValue(rows, { layer: l, dim }, 'avg_similarity'), json.averageSimilarity[dim][l]);
    }
    for (const s of json.suggestions) assert.equal(tidyValue(rows, { layer: l }, `suggested_p${s.p}`), Number(s.layers.includes(l)));
  }
  const rs = json.residualStream;
  assert.equal(tidyValue(rows, { layer: 2 }, 'residual_block_influence'), rs.blockInfluence[2]);
  assert.equal(rows.filter((r) => r.metric === 'residual_block_influence').length, clouds - 1);
  assert.equal(tidyValue(rows, { layer: 0 }, 'residual_angular_last_n1'), rs.angularLastToken[0].values[0]);
  assert.equal(tidyValue(rows, { layer: 0 }, 'residual_angular_all_n1'), rs.angularAllTokens[0].values[0]);
  assert.equal(tidyValue(rows, { layer_a: 1, layer_b: 3, dim: 1 }, 'similarity'), json.similarity[1][1][3]);
  assert.equal(tidyValue(rows, { dim: json.suggestionDim }, `suggestion_threshold_p${json.suggestions[0].p}`), json.suggestions[0].threshold);
});

test('diff --csv: layer,kind,tensor,metric,value per matrix, embedding and other tensor', () => {
  // B: stories260K with layer 1's q scaled by 1.5 and token 7's embedding row doubled.
  const b = path.join(tmp, 'changed');
  rmSync(b, { recursive: true, force: true });
  mkdirSync(b);
  copyFileSync(path.join(stories, 'config.json'), path.join(b, 'config.json'));
  const buf = readFileSync(path.join(stories, 'model.safetensors'));
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const scale = (name: string, from: number, to: number, f: number) => {
    const [start] = header[name].data_offsets as [number, number];
    for (let i = from; i < to; i++) buf.writeFloatLE(buf.readFloatLE(8 + n + start + 4 * i) * f, 8 + n + start + 4 * i);
  };
  scale('model.layers.1.self_attn.q_proj.weight', 0, 64 * 64, 1.5);
  scale('model.embed_tokens.weight', 7 * 64, 8 * 64, 2);
  writeFileSync(path.join(b, 'model.safetensors'), new Uint8Array(buf.buffer, buf.byteOffset, buf.length));

  const { json, rows } = both(DIFF, 'diff', stories, b, '--layer', '1', '--kind', 'q,k', '--top', '3');
  const q = json.entries.find((e: { kind: string }) => e.kind === 'q');
  const k = json.entries.find((e: { kind: string }) => e.kind === 'k');
  assert.equal(tidyValue(rows, { layer: 1, kind: 'q' }, 'rel_change'), q.relChange);
  assert.ok(Math.abs(q.relChange - 0.5) < 1e-6);
  assert.equal(tidyValue(rows, { layer: 1, kind: 'q' }, 'docs'), q.docs);
  assert.equal(tidyValue(rows, { layer: 1, kind: 'q' }, 'delta_sigma1'), q.delta.singularValues[0]);
  assert.equal(tidyValue(rows, { layer: 1, kind: 'q' }, 'stable_rank_b'), q.b.stableRank);
  assert.equal(tidyValue(rows, { layer: 1, kind: 'q' }, 'alpha_reliable_a'), Number(q.a.alphaReliable));
  assert.equal(tidyValue(rows, { layer: 1, kind: 'k' }, 'rel_change'), 0);
  assert.equal(tidyValue(rows, { layer: 1, kind: 'k' }, 'cosine'), k.cosine);
  const embed = json.embeddings.find((m: { role: string }) => m.role === 'embed');
  assert.equal(tidyValue(rows, { kind: 'embed', tensor: embed.tensorB }, 'changed_rows'), 1);
  assert.equal(tidyValue(rows, { kind: 'embed', tensor: embed.tensorB }, 'rel_change'), embed.relChange);
  assert.equal(tidyValue(rows, { kind: 'embed', tensor: embed.tensorB }, 'max_row_change'), embed.maxRowChange);
  const other = json.others[0];
  assert.equal(tidyValue(rows, { kind: 'other', tensor: other.name }, 'rel_change'), other.relChange);
});
