/**
 * The dense decoder families beyond the first five (Llama, Phi-3, GPT-2, GPT-NeoX, OPT), one file
 * each, in the order the name-based fallback of index.ts tries them. Falcon comes before BLOOM: both
 * fuse `self_attention.query_key_value`, and Falcon's key/value-group split equals BLOOM's per-head
 * interleave whenever there are as many key/value heads as heads.
 */
import { baichuan } from './baichuan';
import { bloom } from './bloom';
import { chatglm } from './chatglm';
import { cohere } from './cohere';
import { falcon } from './falcon';
import { gptj } from './gptj';
import { glm4 } from './glm4';
import { gptNeo } from './gptNeo';
import { granite } from './granite';
import { internlm2 } from './internlm2';
import { mpt } from './mpt';
import { olmo } from './olmo';
import { olmo2 } from './olmo2';
import { phi } from './phi';
import { qwen2Vl } from './qwen2Vl';
import { qwen35 } from './qwen3Hybrid';
import { starcoder2 } from './starcoder2';
import type { Family } from './types';

export const DENSE_FAMILIES: readonly Family[] = [
  qwen2Vl,
  qwen35,
  granite,
  cohere,
  olmo,
  olmo2,
  glm4,
  phi,
  gptNeo,
  gptj,
  starcoder2,
  falcon,
  bloom,
  chatglm,
  internlm2,
  baichuan,
  mpt,
];
