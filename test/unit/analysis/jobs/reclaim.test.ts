// Dropped memory is collected when the caller says so: a dead object's finalizer runs after
// reclaimMemory with a large figure (a full collection ran), not after one below the threshold,
// and the scratch pool's release goes through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reclaimMemory, RECLAIM_MIN_BYTES } from '../../../../src/analysis/jobs/reclaim';
import { giveScratch, keptScratch, releaseScratch, takeScratch } from '../../../../src/analysis/linalg/scratchPool';

/** Whether an object dropped now is finalized after `collect` and two turns of the event loop. */
async function finalizedAfter(collect: () => void): Promise<boolean> {
  let finalized = false;
  const registry = new FinalizationRegistry<string>(() => {
    finalized = true;
  });
  (() => {
    // In a closure of its own, so no frame of this function keeps it.
    registry.register(new Float64Array(1024), 'dropped');
  })();
  collect();
  for (let i = 0; i < 2; i++) await new Promise((r) => setTimeout(r, 10));
  return finalized;
}

test('a figure below the threshold collects nothing', async () => {
  assert.equal(reclaimMemory(RECLAIM_MIN_BYTES - 1), false);
  assert.equal(reclaimMemory(Number.NaN), false);
  // V8 has no reason to collect a 8 KiB young object within 20 ms without an allocation burst.
  assert.equal(await finalizedAfter(() => reclaimMemory(0)), false);
});

test('a large figure runs a full collection: a dropped object is finalized', async () => {
  let ran = false;
  assert.equal(
    await finalizedAfter(() => {
      ran = reclaimMemory(RECLAIM_MIN_BYTES);
    }),
    true,
  );
  assert.equal(ran, true);
});

test('releasing the scratch pool collects what it held', async () => {
  const a = takeScratch((RECLAIM_MIN_BYTES / 8) * 2);
  giveScratch(a);
  assert.equal(keptScratch(), 1);
  assert.equal(await finalizedAfter(() => releaseScratch()), true);
  assert.equal(keptScratch(), 0);
});
