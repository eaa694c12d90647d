/**
 * `layer-lens forward` on a mixture-of-experts model folder (the Qwen2-MoE case of
 * test/oracles/moe_forward.py): the top tokens and their logits are the oracle's last-position
 * logits, the experts the last token was routed to are the oracle's, and the cost of computing every
 * expert is stated.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { forward } from '../../../../../src/analysis/cli/forward';
import type { ForwardReport } from '../../../../../src/analysis/model/executor/forwardReport';
import { MOE_ORACLE, writeOracleModel } from './moeOracleModel';

const root = mkdtempSync(join(tmpdir(), 'layer-lens-moe-forward-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('forward on a MoE model: top tokens, routed experts and the cost note', async () => {
  const c = MOE_ORACLE.cases.qwen2_moe_shared;
  const dir = await writeOracleModel(join(root, 'qwen2moe'), c);
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  let out = '';
  const ctx = {
    signal: new AbortController().signal,
    onProgress: () => {},
    out: (t: string) => void (out += t),
    err: () => {},
    model: (p: string) => openModel(p),
    engine: async () => engine,
  };
  await forward.run({ positionals: [dir], values: { tokens: MOE_ORACLE.ids.join(','), top: '3', json: true } }, ctx);
  const r = JSON.parse(out) as ForwardReport;
  const last = c.logits[c.logits.length - 1];
  const order = last.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  assert.deepEqual(
    r.top.map((t) => t.id),
    order.slice(0, 3).map(([, i]) => i),
  );
  r.top.forEach((t, i) => assert.ok(Math.abs(t.logit - order[i][0]) < 1e-4));
  assert.deepEqual(
    r.moe!.lastTokenExperts,
    c.routes.map((route) => (route ? route[route.length - 1] : null)),
  );
  assert.match(r.moe!.cost, /all 4 experts run on every token.*2\.0×/);
  out = '';
  await forward.run({ positionals: [dir], values: { tokens: MOE_ORACLE.ids.join(','), top: '3' } }, ctx);
  assert.match(out, /Top next tokens/);
  // The text output names the cost and, per MoE layer, the experts the last token went to.
  assert.match(out, /Mixture of experts: all 4 experts run on every token/);
  r.moe!.lastTokenExperts.forEach((e, l) => {
    if (e) assert.ok(out.includes(`layer ${l}: last token routed to experts ${e.join(', ')}`), `layer ${l}`);
  });
});
