import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ARENA_IDLE_MS, BLOCK_ARENA_GRAPHS, SessionCache } from '../../../../src/analysis/engine/session';
import { GraphBuilder, float } from '../../../../src/analysis/engine/graph';

function scaleGraph(factor: number): Uint8Array {
  const g = new GraphBuilder('scale');
  const x = g.input('x', 'float32', ['n']);
  g.output(g.op('Mul', [x, g.scalar(factor, 'float32')]), 'float32', { as: 'y' });
  return g.toBytes();
}

test('sessions are built once per signature; the least recently used is evicted, but not while running', async () => {
  const cache = new SessionCache('cpu', 1, 2);
  let builds = 0;
  const feeds = { x: new ort.Tensor('float32', Float32Array.of(1, -2), [2]) };
  const run = (factor: number, fn = (s: ort.InferenceSession) => s.run(feeds)) => cache.use(`scale:${factor}`, () => (builds++, scaleGraph(factor)), fn);
  assert.deepEqual(Array.from((await run(2)).y.data as Float32Array), [2, -4]);
  await run(2);
  await run(3);
  await run(2); // 2 is now the most recent, so 3 is evicted next
  await run(4);
  assert.equal(cache.size, 2);
  assert.equal(builds, 3);
  await run(3);
  assert.equal(builds, 4, 'the evicted signature was rebuilt');
  // Evict a session while a run on it is in progress: the run must still complete.
  const during = run(5, async (s) => {
    await run(6);
    await run(7); // evicts 5 (capacity 2) while this run holds it
    return s.run(feeds);
  });
  assert.deepEqual(Array.from((await during).y.data as Float32Array), [5, -10]);
  await cache.clear();
  assert.equal(cache.size, 0);
});

test("a graph that does not compile rejects with ORT's reason and is not kept", async () => {
  const cache = new SessionCache('cpu', 1);
  const bad = () => {
    const g = new GraphBuilder('bad');
    g.output(g.op('NoSuchOp', [g.input('x', 'float32', [1])]), 'float32', { as: 'y' });
    return g.toBytes();
  };
  await assert.rejects(cache.get('bad', bad), /NoSuchOp/);
  await new Promise((r) => setImmediate(r));
  assert.equal(cache.size, 0);
});

test('graph builder: float attributes must be marked, names are unique, opset 26 means IR 13', () => {
  const g = new GraphBuilder('attrs');
  const x = g.input('x', 'float32', [2]);
  assert.throws(() => g.op('LeakyRelu', [x], { alpha: 0.1 }), /wrap float attributes with float\(\)/);
  assert.ok(g.op('LeakyRelu', [x], { alpha: float(0.1) }));
  assert.throws(() => g.input('x', 'float32', [2]), /already used/);
  assert.equal(g.int64s([0, 1]), g.int64s([0, 1]));
  assert.equal(new GraphBuilder('n', { opset: 26 }).irVersion, 13);
});

test('a block-arena graph (DOCS cosine block) is released once idle and rebuilt on its next run; other sessions stay', async () => {
  const cache = new SessionCache('cpu', 1);
  const arenaSignature = [...BLOCK_ARENA_GRAPHS][0];
  let builds = 0;
  const feeds = { x: new ort.Tensor('float32', Float32Array.of(1, -2), [2]) };
  const run = (signature: string) =>
    cache.use(
      signature,
      () => (builds++, scaleGraph(3)),
      (s) => s.run(feeds),
    );
  await run(arenaSignature);
  await run('scale:plain');
  // Runs closer together than the idle time keep the session.
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, ARENA_IDLE_MS / 4));
    await run(arenaSignature);
  }
  assert.equal(builds, 2);
  assert.equal(cache.size, 2);
  await new Promise((r) => setTimeout(r, ARENA_IDLE_MS + 200));
  assert.equal(cache.size, 1, 'the idle arena session was released');
  assert.deepEqual(Array.from((await run(arenaSignature)).y.data as Float32Array), [3, -6]);
  assert.equal(builds, 3, 'and rebuilt when needed again');
  await run('scale:plain');
  assert.equal(builds, 3, 'the plain session was kept');
  await cache.clear();
});
