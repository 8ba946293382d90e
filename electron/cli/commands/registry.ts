import { AirlockError } from '../../../schemas/errors.ts';
import { Stage, type ModelVersion } from '../../../schemas/registry.ts';
import { table } from '../output.ts';
import { call, positional, stringOption, type Command } from './types.ts';

function stageOption(value: string | undefined): Stage | undefined {
  if (value === undefined) return undefined;
  const parsed = Stage.safeParse(value);
  if (!parsed.success) throw new AirlockError('INVALID_INPUT', `"${value}" is not a stage.`, { hint: `Use one of: ${Stage.options.join(', ')}.` });
  return parsed.data;
}

/** The headline metrics of a version: validation/test accuracy, F1, R², or a causal LM's perplexity. */
export function headlineMetrics(version: ModelVersion): string {
  const keys = Object.keys(version.lineage.metrics).filter((key) => /^(val|test)\/(accuracy|f1_macro|r2|mae|perplexity)$/.test(key)).sort();
  return keys.map((key) => `${key} ${version.lineage.metrics[key].toFixed(4)}`).join('  ') || '-';
}

/** A version in a few lines: lineage, metrics, stage history. */
export function describeVersion(version: ModelVersion): string {
  const lineage = version.lineage;
  return [
    `${version.name} v${version.version} [${version.stage}]${version.description ? `: ${version.description}` : ''}`,
    `  Run ${lineage.runId} (${lineage.experiment}), ${lineage.task} fine-tuned from ${lineage.baseModel}`,
    `  Data: ${lineage.datasetName ?? lineage.config.data.train_path}${lineage.datasetSha256 ? ` sha256 ${lineage.datasetSha256}` : ''}`,
    ...(lineage.task === 'causal_lm' ? [] : [`  Labels: ${lineage.labels.join(', ') || '-'}`]),
    `  Metrics: ${headlineMetrics(version)}`,
    `  Stages: ${version.stageHistory.map((change) => `${change.stage} ${change.at}`).join(' → ')}`,
  ].join('\n');
}

export const registerCommand: Command = {
  usage: 'register <run-id> --name N [--stage none|staging|production|archived] [--description D] [--json]',
  summary: "Register a completed run's model as the next version of a named model (the same run twice returns its version).",
  options: { name: { type: 'string' }, stage: { type: 'string' }, description: { type: 'string' } },
  async run(context) {
    const runId = positional(context, 0, 'the run id', this.usage);
    const name = stringOption(context, 'name');
    if (!name) throw new AirlockError('INVALID_INPUT', 'Missing --name.', { hint: `Usage: airlock ${this.usage}` });
    const result = await call(context, 'registry.register', { runId, name, stage: stageOption(stringOption(context, 'stage')), description: stringOption(context, 'description') });
    context.output.result(result, () => `${result.existing ? 'Already registered' : 'Registered'}: ${describeVersion(result.version)}`);
  },
};

export const registryCommand: Command = {
  usage: 'registry [show <name[@version|stage]> | stage <name@version> <stage>] [--json]',
  summary: 'List registered models and their versions, show one version, or change its stage.',
  async run(context) {
    const [action] = context.positionals;
    if (action === 'show') {
      const { version } = await call(context, 'registry.get', { model: positional(context, 1, 'the model', this.usage) });
      context.output.result({ version }, () => describeVersion(version));
      return;
    }
    if (action === 'stage') {
      const model = positional(context, 1, 'the model', this.usage);
      const stage = stageOption(positional(context, 2, 'the stage', this.usage))!;
      const { version } = await call(context, 'registry.setStage', { model, stage });
      context.output.result({ version }, () => describeVersion(version));
      return;
    }
    const { models } = await call(context, 'registry.list', {});
    context.output.result({ models }, () =>
      models.length === 0
        ? 'No registered models yet. Register a completed run with `airlock register <run-id> --name N`.'
        : table(
            ['MODEL', 'VERSION', 'STAGE', 'RUN', 'METRICS', 'REGISTERED'],
            models.flatMap((model) => model.versions.map((version) => [model.name, String(version.version), version.stage, version.runId, headlineMetrics(version), version.createdAt])),
          ),
    );
  },
};
