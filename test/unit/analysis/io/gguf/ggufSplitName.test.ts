// Split GGUF file names as llama.cpp's gguf-split writes them (`llama_split_path`:
// "%s-%05d-of-%05d.gguf", 1-based part number), and which folder listings are one split model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ggufSplitPartName, parseGgufSplitName, singleGgufSplitSet } from '../../../../../src/analysis/io/gguf/ggufSplitName';

test('part names parse into prefix, 1-based part and count, and are rebuilt the same', () => {
  assert.deepEqual(parseGgufSplitName('Qwen3-235B-A22B-Q4_K_M-00002-of-00005.gguf'), { prefix: 'Qwen3-235B-A22B-Q4_K_M', part: 2, count: 5, ext: '.gguf' });
  assert.equal(ggufSplitPartName('Qwen3-235B-A22B-Q4_K_M', 2, 5), 'Qwen3-235B-A22B-Q4_K_M-00002-of-00005.gguf');
  assert.equal(ggufSplitPartName('m', 12, 123, '.GGUF'), 'm-00012-of-00123.GGUF');
  assert.deepEqual(parseGgufSplitName('m-00001-of-00001.GGUF'), { prefix: 'm', part: 1, count: 1, ext: '.GGUF' });
  for (const bad of [
    'model.gguf',
    'm-0001-of-0003.gguf',
    'm-00000-of-00003.gguf',
    'm-00004-of-00003.gguf',
    '-00001-of-00002.gguf',
    'm-00001-of-00002.safetensors',
  ])
    assert.equal(parseGgufSplitName(bad), null, bad);
});

test('a folder listing that is the parts of one split model gives its first part; anything else gives null', () => {
  const parts = ['m-00001-of-00003.gguf', 'm-00002-of-00003.gguf', 'm-00003-of-00003.gguf'];
  assert.equal(singleGgufSplitSet(parts), 'm-00001-of-00003.gguf');
  // A part missing: still the one model (opening its first part names the missing one).
  assert.equal(singleGgufSplitSet(parts.slice(1)), 'm-00001-of-00003.gguf');
  assert.equal(singleGgufSplitSet(['a.gguf', 'b.gguf']), null);
  assert.equal(singleGgufSplitSet([...parts, 'other.gguf']), null);
  assert.equal(singleGgufSplitSet([...parts, 'n-00001-of-00002.gguf']), null);
  assert.equal(singleGgufSplitSet(['m-00001-of-00002.gguf', 'm-00001-of-00003.gguf']), null);
  assert.equal(singleGgufSplitSet([]), null);
});
