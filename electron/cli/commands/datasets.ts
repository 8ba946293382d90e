import type { Dataset } from '../../../schemas/dataset.ts';
import { formatBytes, table } from '../output.ts';
import { fractionProgress } from '../progress.ts';
import { userPath } from '../paths.ts';
import { call, positional, stringOption, type Command } from './types.ts';

/** Readable summary of one dataset and what detection found. */
export function describeDataset(dataset: Dataset): string {
  const detection = dataset.detection;
  const labels = detection.labels.map((label) => `${label.label} (${label.count})`).join(', ');
  const lines = [
    `Dataset ${dataset.id}  "${dataset.name}"`,
    `  ${dataset.format.toUpperCase()}, ${dataset.rows} rows, ${formatBytes(dataset.bytes)}, sha256 ${dataset.sha256.slice(0, 16)}…`,
    `  Columns: ${dataset.columns.map((column) => `${column.name} (${column.type})`).join(', ')}`,
    `  Detected: ${detection.modality} ${detection.task}; text column "${detection.textColumn}", label column "${detection.labelColumn}"`,
    `  Labels: ${labels || 'none'}`,
  ];
  for (const warning of detection.warnings) lines.push(`  Warning: ${warning.message}`);
  return lines.join('\n');
}

export const importCommand: Command = {
  usage: 'import <file> [--name N] [--json]',
  summary: 'Import a CSV, TSV, JSONL or Parquet file into the data folder and detect its columns and task.',
  options: { name: { type: 'string' } },
  async run(context) {
    const file = userPath(positional(context, 0, 'the file to import', this.usage));
    const progress = fractionProgress('Reading');
    const unsubscribe = context.api.subscribe((notice) => notice.kind === 'import' && progress(notice.fraction));
    const { dataset, existing } = await call(context, 'datasets.import', { path: file, name: stringOption(context, 'name') }).finally(unsubscribe);
    context.output.result({ dataset, existing }, () => (existing ? 'Already imported (same content):\n' : 'Imported:\n') + describeDataset(dataset));
  },
};

export const datasetsCommand: Command = {
  usage: 'datasets [show <id>] [--json]',
  summary: 'List the imported datasets, or show one.',
  async run(context) {
    if (context.positionals[0] === 'show') {
      const { dataset } = await call(context, 'datasets.get', { id: positional(context, 1, 'the dataset id', this.usage) });
      context.output.result({ dataset }, () => describeDataset(dataset));
      return;
    }
    const { datasets } = await call(context, 'datasets.list', {});
    context.output.result({ datasets }, () =>
      datasets.length === 0
        ? 'No datasets yet. Import one with `airlock import <file>`.'
        : table(
            ['ID', 'NAME', 'FORMAT', 'ROWS', 'TASK', 'TEXT', 'LABEL', 'LABELS'],
            datasets.map((dataset) => [
              dataset.id,
              dataset.name,
              dataset.format,
              String(dataset.rows),
              dataset.detection.task,
              dataset.detection.textColumn ?? '-',
              dataset.detection.labelColumn ?? '-',
              String(dataset.detection.labels.length),
            ]),
          ),
    );
  },
};
