import type { LayerLensContext } from '../context';

/** One palette/menu command: its id (as in package.json) and its body as a function of the context. */
export interface CommandSpec {
  id: string;
  /** Arguments are whatever VS Code passes (e.g. the explorer's Uri): check them before use. */
  run(ctx: LayerLensContext, ...args: unknown[]): unknown;
}
