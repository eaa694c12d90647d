/**
 * The residual-stream baselines: ShortGPT's Block Influence and Gromov et al.'s
 * angular distance between hidden_states[ℓ] and hidden_states[ℓ + n], last token and all tokens.
 * Against test/oracles/residual_baselines.py (re-run: `python3 test/oracles/residual_baselines.py`,
 * which rewrites test/oracles/residual_baselines.json from the float64 numpy forward of
 * llama_forward.py on stories260K), and the published properties: BI = 0 and angular distance 0
 * for an identity block, angular distance in [0, 1] (θ/π), 1/2 for orthogonal states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { hiddenStateClouds } from '../../../../../src/analysis/methods/persistence/job';
import { ResidualStreamAccumulator, residualStreamBaselines, type BlockValues } from '../../../../../src/analysis/methods/persistence/baselines';
import { REPO_ROOT } from '../../../../paths';

const STORIES = join(REPO_ROOT, 'test/fixtures/models/stories260K');

interface Oracle {
  prompts: number[][];
  blocks: number[];
  states: number;
  tokens: number;
  blockInfluence: number[];
  angularLastToken: BlockValues[];
  angularAllTokens: BlockValues[];
}
const oracle: Oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/residual_baselines.json'), 'utf8'));

function close(got: number[], want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tol, `${what}[${i}]: ${v} vs ${want[i]}`));
}

test('stories260K: Block Influence and angular distances on the residual stream equal the numpy oracle', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(STORIES);
  for (const batchSize of [undefined, 1]) {
    const { residualStream: r } = await hiddenStateClouds(model, oracle.prompts, { engine, batchSize, angularBlocks: oracle.blocks });
    assert.equal(r.representation, 'residual stream');
    assert.equal(r.states, oracle.states);
    assert.equal(r.prompts, oracle.prompts.length);
    assert.equal(r.tokens, oracle.tokens);
    close(r.blockInfluence, oracle.blockInfluence, 2e-5, `BI (batch ${batchSize})`);
    for (const [k, want] of oracle.angularLastToken.entries()) {
      assert.equal(r.angularLastToken[k].n, want.n);
      close(r.angularLastToken[k].values, want.values, 2e-5, `angular last n=${want.n}`);
    }
    for (const [k, want] of oracle.angularAllTokens.entries()) {
      assert.equal(r.angularAllTokens[k].n, want.n);
      close(r.angularAllTokens[k].values, want.values, 2e-5, `angular all n=${want.n}`);
    }
  }
  // Default blocks: n = 1 … min(4, L).
  const { residualStream } = await hiddenStateClouds(model, oracle.prompts.slice(0, 2), { engine });
  assert.deepEqual(
    residualStream.angularLastToken.map((a) => a.n),
    [1, 2, 3, 4],
  );
});

test('stories260K with layer 2 made an identity (o_proj and down_proj zero): BI(2) = 0, angular distance 0 across it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'll-identity-'));
  try {
    const buf = readFileSync(join(STORIES, 'model.safetensors'));
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    for (const name of ['model.layers.2.self_attn.o_proj.weight', 'model.layers.2.mlp.down_proj.weight']) {
      const [a, b] = header[name].data_offsets as [number, number];
      buf.fill(0, 8 + n + a, 8 + n + b);
    }
    writeFileSync(join(dir, 'model.safetensors'), Uint8Array.from(buf));
    copyFileSync(join(STORIES, 'config.json'), join(dir, 'config.json'));
    const engine = await getEngine({ providers: ['cpu'], threads: 1 });
    const { residualStream: r } = await hiddenStateClouds(await openModel(dir), oracle.prompts, { engine });
    assert.ok(Math.abs(r.blockInfluence[2]) < 1e-6, `BI(2) = ${r.blockInfluence[2]}`);
    assert.ok(r.angularLastToken[0].values[2] < 1e-3 && r.angularAllTokens[0].values[2] < 1e-3);
    for (const l of [0, 1, 3, 4]) assert.ok(r.blockInfluence[l] > 0.01, `BI(${l}) = ${r.blockInfluence[l]}`);
    // Layers 2 and 3 together act as layer 3 alone.
    assert.ok(Math.abs(r.angularLastToken[1].values[2] - r.angularLastToken[0].values[3]) < 1e-4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('properties: identity, orthogonal and opposite states; rotated 2-D states; last token against all tokens', () => {
  // One prompt, 2 tokens, d = 2; states: h0, h0 (identity), rotation by 90°, then by 180° in total.
  const rot = (t: number, s = 1) => [s * Math.cos(t), s * Math.sin(t)];
  const state = (angle: number) => [...rot(0.1 + angle), ...rot(1.2 + angle, 3)];
  const r = residualStreamBaselines([[state(0), state(0), state(Math.PI / 2), state(Math.PI)]], 2, [1, 2, 3]);
  // arccos near cos = −1 turns a rounding error ε into √(2ε): 1e-7, not 1e-12.
  close(r.blockInfluence, [0, 1, 1], 1e-7, 'BI');
  close(r.angularLastToken[0].values, [0, 0.5, 0.5], 1e-7, 'angular n=1');
  close(r.angularLastToken[1].values, [0.5, 1], 1e-7, 'angular n=2');
  close(r.angularLastToken[2].values, [1], 1e-7, 'angular n=3');

  // Two prompts; prompt 1's tokens turn by 0.3 and 0.5 rad a layer, prompt 2's single token by 0.7.
  const p1 = (l: number) => [...rot(0.3 * l), ...rot(2 + 0.5 * l, 2)];
  const p2 = (l: number) => rot(1 + 0.7 * l, 5);
  const s = residualStreamBaselines(
    [
      [p1(0), p1(1), p1(2)],
      [p2(0), p2(1), p2(2)],
    ],
    2,
    [1, 2],
  );
  const bi = 1 - ((Math.cos(0.3) + Math.cos(0.5)) / 2 + Math.cos(0.7)) / 2;
  close(s.blockInfluence, [bi, bi], 1e-12, 'BI: mean over a prompt’s tokens, then over prompts');
  close(s.angularLastToken[0].values, [(0.5 + 0.7) / 2 / Math.PI, (0.5 + 0.7) / 2 / Math.PI], 1e-12, 'last token n=1');
  close(s.angularAllTokens[0].values, [((0.3 + 0.5) / 2 + 0.7) / 2 / Math.PI, ((0.3 + 0.5) / 2 + 0.7) / 2 / Math.PI], 1e-12, 'all tokens n=1');
  close(s.angularLastToken[1].values, [(1.0 + 1.4) / 2 / Math.PI], 1e-12, 'last token n=2');
  assert.equal(s.tokens, 3);

  // Random states: every angular distance in [0, 1], every BI in [0, 2].
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const acc = new ResidualStreamAccumulator(5, 8, [1, 2, 3, 4]);
  for (let b = 0; b < 3; b++)
    acc.add(
      Array.from({ length: 5 }, () => Float32Array.from({ length: 2 * 4 * 8 }, rand)),
      2,
      4,
    );
  const z = acc.result();
  assert.ok(z.blockInfluence.every((v) => v >= 0 && v <= 2));
  for (const a of [...z.angularLastToken, ...z.angularAllTokens]) assert.ok(a.values.length === 5 - a.n && a.values.every((v) => v >= 0 && v <= 1));

  // A zero state has no direction: cosine 0, angular distance 1/2.
  const zero = residualStreamBaselines(
    [
      [
        [0, 0],
        [1, 0],
      ],
    ],
    2,
    [1],
  );
  close(zero.blockInfluence, [1], 0, 'zero BI');
  close(zero.angularLastToken[0].values, [0.5], 0, 'zero angular');
  assert.throws(() => new ResidualStreamAccumulator(3, 2, [0]), /positive integer/);
  // Blocks longer than the model are dropped.
  assert.deepEqual(
    residualStreamBaselines(
      [
        [
          [1, 0],
          [1, 1],
          [0, 1],
        ],
      ],
      2,
      [1, 2, 3],
    ).angularAllTokens.map((a) => a.n),
    [1, 2],
  );
});
