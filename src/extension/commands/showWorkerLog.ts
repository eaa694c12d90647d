import type { CommandSpec } from './types';

export const showWorkerLog: CommandSpec = {
  id: 'layerLens.showWorkerLog',
  run: (ctx) => ctx.log.show(true),
};
