import { writeFileSync } from 'node:fs';
import { userPath, userPathOrId } from '../paths.ts';
import { call, positional, stringOption, type Command } from './types.ts';

export const configCommand: Command = {
  usage: 'config <dataset-id|file> [--model <id>] [--out run.yaml] [--json]',
  summary: 'Write a complete training config from what was detected in the data and the devices found.',
  options: { model: { type: 'string' }, out: { type: 'string' } },
  async run(context) {
    const dataset = userPathOrId(positional(context, 0, 'a dataset id or file', this.usage));
    const { config, reasons, yaml } = await call(context, 'config.suggest', { dataset, model: stringOption(context, 'model') });
    const option = stringOption(context, 'out');
    const out = option ? userPath(option) : null;
    if (out) writeFileSync(out, yaml);
    context.output.result({ config, reasons, path: out }, () => (out ? `Wrote ${out}` : yaml.trimEnd()));
  },
};
