import type { Handler } from './types';

/** Which execution provider the worker computes on (starts the engine on first call). */
export const engineInfo: Handler<'engine/info'> = async (_params, ctx) => (await ctx.engine()).info;
