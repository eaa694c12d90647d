/** The mixture-of-experts families, in the order FAMILIES (index.ts) tries them by tensor names. */
import { deepseek } from './deepseek';
import { ernie45Moe } from './ernie45Moe';
import { glm4Moe } from './glm4Moe';
import { gptOss } from './gptOss';
import { graniteMoe } from './graniteMoe';
import { hunyuanMoe } from './hunyuanMoe';
import { llama4 } from './llama4';
import { minimaxM2 } from './minimaxM2';
import { mixtral } from './mixtral';
import { olmoe } from './olmoe';
import { phimoe } from './phimoe';
import { qwen2Moe } from './qwen2Moe';
import { qwen35Moe, qwen3Next } from './qwen3Hybrid';
import { qwen3Moe } from './qwen3Moe';
import { qwen3VlMoe } from './qwen3VlMoe';
import type { Family } from './types';

export const MOE_FAMILIES: readonly Family[] = [
  mixtral,
  phimoe,
  qwen2Moe,
  qwen3Moe,
  olmoe,
  graniteMoe,
  deepseek,
  glm4Moe,
  minimaxM2,
  ernie45Moe,
  hunyuanMoe,
  qwen3VlMoe,
  qwen3Next,
  qwen35Moe,
  gptOss,
  llama4,
];
