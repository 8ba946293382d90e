import { SftFormat } from '../../../schemas/config.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import type { Dataset, MediaProfile, SftDetection } from '../../../schemas/dataset.ts';
import { formatBytes, table } from '../output.ts';
import { fractionProgress } from '../progress.ts';
import { userPath } from '../paths.ts';
import { call, positional, stringOption, type Command, type CommandContext } from './types.ts';

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
      : detection.sft
        ? `  Detected: ${detection.modality} ${detection.task}, format ${detection.sft.format}; ${sftColumns(detection.sft)}`
        : `  Detected: ${detection.modality} ${detection.task}; text column "${detection.textColumn}", label column "${detection.labelColumn}"`,
    detection.sft?.chatRoles ? `  Turns: ${Object.entries(detection.sft.chatRoles).map(([role, count]) => `${role} ${count}`).join(', ')}` : `  Labels: ${labels || 'none'}`,
  ];
  if (dataset.media) lines.push(...describeMedia(dataset.media));
  for (const warning of detection.warnings) lines.push(`  Warning: ${warning.message}`);
  return lines.join('\n');
}

/** The columns a fine-tuning shape reads, as `role "column"` pairs. */
function sftColumns(sft: SftDetection): string {
  const named: [string, string | null][] = [
    ['prompt', sft.promptColumn],
    ['input', sft.inputColumn],
    ['completion', sft.completionColumn],
    ['messages', sft.messagesColumn],
    ['text', sft.textColumn],
  ];
  return named.filter(([, column]) => column !== null).map(([role, column]) => `${role} column "${column}"`).join(', ');
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
  usage: 'import <file|folder|archive> [--name N] [--skip-unreadable] [--format prompt_completion|chat|text] [--json]',
  summary: 'Import a CSV, TSV, JSONL or Parquet file, or a folder (or .zip/.tar.gz) of images or audio in class subfolders, and detect its columns, modality and task. --format reads a table as fine-tuning data for a causal language model: prompt/completion pairs, chat messages, or text for continued pre-training.',
  options: { name: { type: 'string' }, 'skip-unreadable': { type: 'boolean' }, format: { type: 'string' } },
  async run(context) {
    const file = userPath(positional(context, 0, 'the file or folder to import', this.usage));
    const progress = fractionProgress('Reading');
    const unsubscribe = context.api.subscribe((notice) => notice.kind === 'import' && progress(notice.fraction));
    const { dataset, existing } = await call(context, 'datasets.import', { path: file, name: stringOption(context, 'name'), skipUnreadable: Boolean(context.values['skip-unreadable']), format: formatOption(context) }).finally(unsubscribe);
    context.output.result({ dataset, existing }, () => (existing ? 'Already imported (same content):\n' : 'Imported:\n') + describeDataset(dataset));
  },
};

/** --format, checked here so a typo gets the code and the formats Airlock knows. */
function formatOption(context: CommandContext): SftFormat | undefined {
  const value = stringOption(context, 'format');
  if (value === undefined) return undefined;
  const parsed = SftFormat.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AirlockError('SFT_FORMAT_UNKNOWN', `--format ${value} is not a format Airlock knows.`, { hint: `Use one of: ${SftFormat.options.join(', ')}.`, field: 'format' });
}

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
