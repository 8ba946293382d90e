import { AirlockError } from '../../../schemas/errors.ts';
import type { Notice } from '../../../schemas/api.ts';
import type { Prediction } from '../../../schemas/registry.ts';
import type { GeneratedAnswer } from '../../../schemas/predict.ts';
import { fractionProgress } from '../progress.ts';
import { table } from '../output.ts';
import { userPath } from '../paths.ts';
import { SAFE_CELLS_NOTE } from '../../services/util/csv-cells.ts';
import { mediaKind } from '../../services/datasets/media/layout.ts';
import { call, positional, stringOption, type Command, type CommandContext } from './types.ts';

/** Draws `task` progress notices on stderr while `work` runs. */
export async function withProgress<T>(context: CommandContext, task: string, label: string, work: () => Promise<T>): Promise<T> {
  const draw = fractionProgress(label);
  const unsubscribe = context.api.subscribe((notice: Notice) => {
    if (notice.kind === 'progress' && notice.task === task && notice.fraction !== null) draw(notice.fraction);
  });
  try {
    return await work();
  } finally {
    unsubscribe();
  }
}

function describePrediction(prediction: Prediction): string {
  if (prediction.value !== undefined) return prediction.value.toFixed(4);
  const labels = prediction.labels ? `  [${prediction.labels.join(', ')}]` : '';
  const runnerUp = prediction.ranked?.[1] ? `, then ${prediction.ranked[1].label} (${(prediction.ranked[1].probability * 100).toFixed(1)}%)` : '';
  const unsure = prediction.lowConfidence ? '  (not a clear answer)' : '';
  return `${prediction.label} (${((prediction.probability ?? 0) * 100).toFixed(1)}%)${runnerUp}${labels}${unsure}`;
}

/** A number option as typed, or undefined; the API's schema checks its range. */
function numberOption(context: CommandContext, name: string): number | undefined {
  const value = stringOption(context, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new AirlockError('INVALID_INPUT', `--${name} must be a number, not "${value}".`, { field: name });
  return number;
}

/** Answers each prompt with a language model, streaming each answer to stdout as it is decoded (JSON at the end with --json). */
async function answerPrompts(context: CommandContext, model: string, prompts: string[]): Promise<void> {
  const answers: GeneratedAnswer[] = [];
  const options = { maxNewTokens: numberOption(context, 'max-new-tokens'), temperature: numberOption(context, 'temperature') };
  for (const [index, prompt] of prompts.entries()) {
    const requestId = `cli-${process.pid}-${index}`;
    if (!context.output.json && prompts.length > 1) process.stdout.write(`${index ? '\n' : ''}--- ${prompt}\n`);
    const unsubscribe = context.api.subscribe((notice: Notice) => {
      if (!context.output.json && notice.kind === 'generate' && notice.id === requestId) process.stdout.write(notice.text);
    });
    try {
      const { answer } = await call(context, 'predict.generate', { target: { model }, prompt, requestId, ...definedOnly(options) });
      answers.push(answer);
    } finally {
      unsubscribe();
    }
    if (!context.output.json) process.stdout.write('\n');
  }
  if (context.output.json) context.output.result({ answers }, () => '');
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export const predictCommand: Command = {
  usage:
    'predict <name[@version|stage]> (--text "..." [--text ...] | --prompt "..." [--prompt ...] [--max-new-tokens N] [--temperature T] | --file <csv|tsv|jsonl|parquet> --out <file.csv|.tsv|.jsonl> [--column C] | --file <image|audio> [--file ...] | --folder <folder> --out <file.csv>) [--json]',
  summary:
    'Check a registered model: label and probability for texts or image/audio files, or for every row of a file or every file of a folder (written to --out); a language model answers --prompt, streaming the answer (temperature 0, the default, gives the same answer every time).',
  options: {
    text: { type: 'string', multiple: true },
    prompt: { type: 'string', multiple: true },
    'max-new-tokens': { type: 'string' },
    temperature: { type: 'string' },
    file: { type: 'string', multiple: true },
    folder: { type: 'string' },
    out: { type: 'string' },
    column: { type: 'string' },
  },
  async run(context) {
    const model = positional(context, 0, 'the model (name@version)', this.usage);
    const prompts = (context.values.prompt as string[] | undefined) ?? [];
    if (prompts.length > 0) return answerPrompts(context, model, prompts);
    const files = ((context.values.file as string[] | undefined) ?? []).map(userPath);
    const folder = stringOption(context, 'folder');
    if (folder) {
      const out = stringOption(context, 'out');
      if (!out) throw new AirlockError('INVALID_INPUT', 'Missing --out for --folder.', { hint: `Usage: airlock ${this.usage}` });
      const result = await withProgress(context, 'predict', 'Predicting', () => call(context, 'predict.folder', { target: { model }, path: userPath(folder), out: userPath(out) }));
      context.output.result(result, () =>
        [
          `Predicted ${result.files} files into ${result.out}`,
          ...Object.entries(result.labelCounts).map(([label, count]) => `  ${label}: ${count}`),
          `${result.lowConfidenceFiles} files are low-confidence; ${result.failed} could not be read (see the error column).`,
          SAFE_CELLS_NOTE,
        ].join('\n'),
      );
      return;
    }
    if (files.length > 0 && files.every((path) => mediaKind(path))) {
      const { predictions } = await call(context, 'predict.files', { target: { model }, files });
      context.output.result({ predictions }, () =>
        table(['PREDICTION', 'FILE'], predictions.map((entry) => [entry.prediction ? describePrediction({ ...entry.prediction, text: entry.file }) : `cannot read: ${entry.error?.message}`, entry.file])),
      );
      return predictions.some((entry) => entry.error) ? 1 : 0; // a script can tell that a file was not predicted
    }
    if (files.length > 1) throw new AirlockError('INVALID_INPUT', 'Give one table file to label (--file may repeat only for image or audio files).', { hint: `Usage: airlock ${this.usage}` });
    const file = files[0];
    if (file) {
      const out = stringOption(context, 'out');
      if (!out) throw new AirlockError('INVALID_INPUT', 'Missing --out for --file.', { hint: `Usage: airlock ${this.usage}` });
      const result = await withProgress(context, 'predict', 'Predicting', () => call(context, 'predict.file', { target: { model }, path: file, out: userPath(out), column: stringOption(context, 'column') }));
      context.output.result(result, () =>
        [
          `Predicted ${result.rows} rows (text column "${result.column}") into ${result.out}`,
          ...Object.entries(result.labelCounts).map(([label, count]) => `  ${label}: ${count}`),
          `${result.lowConfidenceRows} rows are low-confidence (low_confidence column).`,
          ...(/\.(csv|tsv)$/i.test(result.out) ? [SAFE_CELLS_NOTE] : []),
        ].join('\n'),
      );
      return;
    }
    const texts = (context.values.text as string[] | undefined) ?? [];
    if (texts.length === 0) throw new AirlockError('INVALID_INPUT', 'Give --text or --file.', { hint: `Usage: airlock ${this.usage}` });
    const { predictions } = await call(context, 'predict.text', { target: { model }, texts });
    context.output.result({ predictions }, () => table(['PREDICTION', 'TEXT'], predictions.map((prediction) => [describePrediction(prediction), prediction.text.slice(0, 80)])));
  },
};
