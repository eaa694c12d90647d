// The seeds' finding on our own run: the bundled sample model was trained from the trainer's random
// initialisation (scripts/train-sample.ts: initParams with its seed) for 1500 steps; on a timeline
// of the initialisation (step 0) and the trained weights (step 1500), the spectra of the start read
// as random (singular vectors pass the KS test, α large: no heavy tail) and the end's do not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { runTimeline } from '../../../../../src/analysis/methods/timeline/timeline';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { initParams, SAMPLE_CONFIG } from '../../../../../scripts/sample-model/model';
import { mulberry32 } from '../../../../../scripts/sample-model/rng';
import { writeSafetensorsF32 } from '../../../../../scripts/sample-model/safetensorsWrite';
import { REPO_ROOT } from '../../../../paths';

const SAMPLE = join(REPO_ROOT, 'media', 'sample-model');
let run = '';
before(() => {
  run = mkdtempSync(join(tmpdir(), 'll-timeline-random-'));
  const start = join(run, 'checkpoint-0');
  mkdirSync(start);
  writeSafetensorsF32(join(start, 'model.safetensors'), initParams(mulberry32(1234)));
  writeFileSync(join(start, 'config.json'), JSON.stringify(SAMPLE_CONFIG));
  const end = join(run, 'checkpoint-1500');
  mkdirSync(end);
  for (const f of ['model.safetensors', 'config.json']) copyFileSync(join(SAMPLE, f), join(end, f));
});
after(() => rmSync(run, { recursive: true, force: true }));

test('initialisation reads random, the trained model does not: for every kind α and stable rank fall, λmax grows', async () => {
  const engine = await getEngine({ providers: ['cpu'] });
  const checkpoints = [
    { path: join(run, 'checkpoint-0'), step: 0 },
    { path: join(run, 'checkpoint-1500'), step: 1500 },
  ];
  const metrics = ['alpha', 'stable_rank', 'log_spectral_norm', 'ks_mean_p'] as const;
  const r = await runTimeline(await openModel(checkpoints[0].path), { checkpoints, metrics: [...metrics] }, { engine });
  const mean = (step: number, metric: string, kind: string) => {
    const vs = r.checkpoints.find((c) => c.step === step)!.values.filter((v) => v.metric === metric && v.kind === kind && Number.isFinite(v.value as number));
    assert.ok(vs.length > 0, `${metric} of ${kind} at step ${step}`);
    return vs.reduce((s, v) => s + (v.value as number), 0) / vs.length;
  };
  for (const kind of ['q', 'k', 'v', 'o', 'gate', 'up', 'down']) {
    assert.ok(mean(0, 'alpha', kind) > 4, `${kind}: α at initialisation ${mean(0, 'alpha', kind)}`);
    assert.ok(mean(1500, 'alpha', kind) < mean(0, 'alpha', kind) - 1, `${kind}: α ${mean(0, 'alpha', kind)} → ${mean(1500, 'alpha', kind)}`);
    assert.ok(mean(1500, 'stable_rank', kind) < 0.8 * mean(0, 'stable_rank', kind), `${kind}: stable rank falls`);
    assert.ok(mean(1500, 'log_spectral_norm', kind) > mean(0, 'log_spectral_norm', kind), `${kind}: λmax grows`);
    const p0 = mean(0, 'ks_mean_p', kind);
    assert.ok(p0 > 0.4 && p0 < 0.65, `${kind}: mean KS p of a random matrix ≈ 0.5, got ${p0}`);
  }
});
