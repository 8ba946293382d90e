import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { suggestConfig } from '../../services/config/build.ts';
import { configToYaml } from '../../services/config/yaml.ts';
import { queryDevices } from '../../services/trainer/commands.ts';
import { positional, stringOption, type Command } from './types.ts';

export const configCommand: Command = {
  usage: 'config <dataset-id|file> [--model <id>] [--out run.yaml] [--json]',
  summary: 'Write a complete training config from what was detected in the data and the devices found.',
  options: { model: { type: 'string' }, out: { type: 'string' } },
  async run(context) {
    const { services, output } = context;
    const dataset = await services.datasets.resolve(positional(context, 0, 'a dataset id or file', this.usage));
    const modelId = stringOption(context, 'model');
    const model = modelId ? services.models.get(modelId) : services.models.list().find((candidate) => candidate.id === 'all-minilm-l6-v2');
    const devices = await queryDevices(services.paths.root).catch(() => null);
    const { config, reasons } = suggestConfig(dataset, model, devices);
    const header = [
      `Airlock training config for dataset "${dataset.name}" (${dataset.id}), ${dataset.rows} rows.`,
      ...Object.entries(reasons).map(([field, reason]) => `${field}: ${reason}`),
      'Train it with: airlock train <this file>',
    ].join('\n');
    const yaml = configToYaml(config, header);
    const out = stringOption(context, 'out');
    if (out) writeFileSync(out, yaml);
    output.result({ config, reasons, path: out ? resolve(out) : null }, () => (out ? `Wrote ${resolve(out)}` : yaml.trimEnd()));
  },
};
