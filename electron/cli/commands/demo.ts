import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import { suggestConfig } from '../../services/config/build.ts';
import { resolveConfig } from '../../services/config/resolve.ts';
import { configToYaml } from '../../services/config/yaml.ts';
import { queryDevices } from '../../services/trainer/commands.ts';
import { APP_ROOT } from '../../services/trainer/python.ts';
import { describeDataset } from './datasets.ts';
import { followRun } from './runs.ts';
import { stringOption, type Command } from './types.ts';

const SAMPLE = join(APP_ROOT, 'resources', 'sample', 'wordnet-topics.csv');
const SAMPLE_TEST = join(APP_ROOT, 'resources', 'sample', 'wordnet-topics-test.csv');

export const demoCommand: Command = {
  usage: 'demo [--epochs N] [--json]',
  summary: 'Import the bundled sample dataset, write a config and fine-tune the default model on it.',
  options: { epochs: { type: 'string' } },
  async run(context) {
    const { services, output } = context;
    if (!existsSync(SAMPLE)) throw new AirlockError('FILE_NOT_FOUND', `The sample dataset is missing (${SAMPLE}).`);
    output.info('1/3  Importing the sample dataset (WordNet definitions labelled by topic)…');
    const { dataset } = await services.datasets.import(SAMPLE, { name: 'wordnet-topics' });
    const { dataset: testSet } = await services.datasets.import(SAMPLE_TEST, { name: 'wordnet-topics-test' });
    output.info(describeDataset(dataset));

    output.info('2/3  Writing a config from what was detected…');
    const devices = await queryDevices(services.paths.root).catch(() => null);
    const { config } = suggestConfig(dataset, services.models.list().find((model) => model.id === 'all-minilm-l6-v2'), devices);
    config.training.max_epochs = Number(stringOption(context, 'epochs') ?? 2);
    config.training.learning_rate = 1e-4;
    config.data.test_path = testSet.id;
    config.experiment = { name: 'demo', tags: { source: 'airlock demo' } };
    const configPath = join(services.paths.root, 'demo.yaml');
    writeFileSync(configPath, configToYaml(config, 'Written by `airlock demo`. Train it again with: airlock train <this file>'));
    output.info(`     ${configPath}`);

    output.info(`3/3  Fine-tuning ${config.model.name} for ${config.training.max_epochs} epochs…`);
    const resolved = await resolveConfig(config, services.datasets, services.models);
    const started = services.supervisor.start(resolved.config, { datasetId: resolved.datasetId, modelId: resolved.modelId });
    const code = await followRun(context, started);
    if (code === 0) output.info(`\nDone. See the run with: npm run airlock -- runs show ${started.runId}`);
    return code;
  },
};
