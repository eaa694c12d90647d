import { modelOverview } from '../model/overview';
import { JSON_OPTION } from './help';
import { overviewText } from './overviewText';
import { toJson, UsageError, type CliCommand } from './types';

/** `layer-lens inspect <model>`: the model editor's overview, header-only (reads no weights). */
export const inspect: CliCommand = {
  name: 'inspect',
  summary: 'Architecture, config, parameter counts by dtype and role, and the layer table of a model',
  usage: '<model.safetensors | model folder> [--tensors] [--json]',
  options: {
    json: JSON_OPTION,
    tensors: { type: 'boolean', help: 'list every tensor of every layer in the text output' },
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError(`expected one model path, got ${positionals.length}`);
    const overview = modelOverview(await ctx.model(positionals[0]!));
    ctx.out(values.json ? toJson(overview) : overviewText(overview, { tensors: values.tensors === true }));
  },
};
