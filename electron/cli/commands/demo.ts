import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import { configToYaml, parseConfig } from '../../services/config/yaml.ts';
import { APP_ROOT } from '../../services/trainer/python.ts';
import { describeDataset } from './datasets.ts';
import { followRun } from './runs.ts';
import { call, stringOption, type Command } from './types.ts';

const SAMPLE = join(APP_ROOT, 'resources', 'sample', 'wordnet-topics.csv');
const SAMPLE_TEST = join(APP_ROOT, 'resources', 'sample', 'wordnet-topics-test.csv');

export const demoCommand: Command = {
  usage: 'demo [--epochs N] [--json]',
  summary: 'Import the bundled sample dataset, write a config and fine-tune the default model on it.',
  options: { epochs: { type: 'string' } },
  async run(context) {
    const { output } = context;
    if (!existsSync(SAMPLE)) throw new AirlockError('FILE_NOT_FOUND', `The sample dataset is missing (${SAMPLE}).`);
    output.info('1/3  Importing the sample dataset (WordNet definitions labelled by topic)…');
    const { dataset } = await call(context, 'datasets.import', { path: SAMPLE, name: 'wordnet-topics' });
    const { dataset: testSet } = await call(context, 'datasets.import', { path: SAMPLE_TEST, name: 'wordnet-topics-test' });
    output.info(describeDataset(dataset));

    output.info('2/3  Writing a config from what was detected…');
    const suggestion = await call(context, 'config.suggest', { dataset: dataset.id });
    const config = parseConfig({
      ...suggestion.config,
      data: { ...suggestion.config.data, test_path: testSet.id },
      training: { ...suggestion.config.training, max_epochs: Number(stringOption(context, 'epochs') ?? 2), learning_rate: 1e-4 },
      experiment: { name: 'demo', tags: { source: 'airlock demo' } },
    });
    const configPath = join(context.services.paths.root, 'demo.yaml');
    writeFileSync(configPath, configToYaml(config, 'Written by `airlock demo`. Train it again with: airlock train <this file>'));
    output.info(`     ${configPath}`);

    output.info(`3/3  Fine-tuning ${config.model.name} for ${config.training.max_epochs} epochs…`);
    const code = await followRun(context, () => call(context, 'runs.start', { config }));
    if (code === 0) output.info('\nDone. See the history with: npm run airlock -- runs');
    return code;
  },
};
