/** The mixture-of-experts families, in the order FAMILIES (index.ts) tries them by tensor names. */
import { deepseek } from './deepseek';
import { gptOss } from './gptOss';
import { graniteMoe } from './graniteMoe';
import { llama4 } from './llama4';
import { mixtral } from './mixtral';
import { olmoe } from './olmoe';
import { phimoe } from './phimoe';
import { qwen2Moe } from './qwen2Moe';
import { qwen3Moe } from './qwen3Moe';
import type { Family } from './types';

export const MOE_FAMILIES: readonly Family[] = [mixtral, phimoe, qwen2Moe, qwen3Moe, olmoe, graniteMoe, deepseek, gptOss, llama4];
