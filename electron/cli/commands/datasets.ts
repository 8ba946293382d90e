import type { Dataset, MediaProfile } from '../../../schemas/dataset.ts';
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
    dataset.media
      ? `  Detected: ${detection.modality} ${detection.task}; label from each file's class folder`
      : `  Detected: ${detection.modality} ${detection.task}; text column "${detection.textColumn}", label column "${detection.labelColumn}"`,
    `  Labels: ${labels || 'none'}`,
  ];
  if (dataset.media) lines.push(...describeMedia(dataset.media));
  for (const warning of detection.warnings) lines.push(`  Warning: ${warning.message}`);
  return lines.join('\n');
}

function describeMedia(media: MediaProfile): string[] {
  const counts = (record: Record<string, number>, unit = '') => Object.entries(record).map(([key, n]) => `${key}${unit} ×${n}`).join(', ');
  const lines = [`  ${media.files} ${media.kind === 'image' ? 'images' : 'clips'}${media.splits.length ? `; split folders: ${media.splits.join(', ')}` : ''}`];
  if (media.image) {
    const { width, height } = media.image;
    lines.push(`  Size: width ${width.min}–${width.max} px (median ${width.p50}), height ${height.min}–${height.max} px (median ${height.p50}); modes ${counts(media.image.modes)}; formats ${counts(media.image.formats)}`);
  }
  if (media.audio) {
    const { seconds } = media.audio;
    lines.push(`  Duration: ${seconds.min}–${seconds.max} s (median ${seconds.p50}); sample rates ${counts(media.audio.sampleRates, ' Hz')}; channels ${counts(media.audio.channels)}`);
  }
  return lines;
}

export const importCommand: Command = {
  usage: 'import <file|folder|archive> [--name N] [--skip-unreadable] [--json]',
  summary: 'Import a CSV, TSV, JSONL or Parquet file, or a folder (or .zip/.tar.gz) of images or audio in class subfolders, and detect its columns, modality and task.',
  options: { name: { type: 'string' }, 'skip-unreadable': { type: 'boolean' } },
  async run(context) {
    const file = userPath(positional(context, 0, 'the file or folder to import', this.usage));
    const progress = fractionProgress('Reading');
    const unsubscribe = context.api.subscribe((notice) => notice.kind === 'import' && progress(notice.fraction));
    const { dataset, existing } = await call(context, 'datasets.import', { path: file, name: stringOption(context, 'name'), skipUnreadable: Boolean(context.values['skip-unreadable']) }).finally(unsubscribe);
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
