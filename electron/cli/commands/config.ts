import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { call, positional, stringOption, type Command } from './types.ts';

export const configCommand: Command = {
  usage: 'config <dataset-id|file> [--model <id>] [--out run.yaml] [--json]',
  summary: 'Write a complete training config from what was detected in the data and the devices found.',
  options: { model: { type: 'string' }, out: { type: 'string' } },
  async run(context) {
    const dataset = positional(context, 0, 'a dataset id or file', this.usage);
    const { config, reasons, yaml } = await call(context, 'config.suggest', { dataset, model: stringOption(context, 'model') });
    const out = stringOption(context, 'out');
    if (out) writeFileSync(out, yaml);
    context.output.result({ config, reasons, path: out ? resolve(out) : null }, () => (out ? `Wrote ${resolve(out)}` : yaml.trimEnd()));
  },
};
