import { AirlockError } from '../../../schemas/errors.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '../../../schemas/config.ts';
import type { SftDetection } from '../../../schemas/dataset.ts';
import type { DevicesEvent, PreviewRowsEvent, TokenLengthsEvent, TrainerEvent } from '../../../schemas/events.ts';
import { configToYaml } from '../config/yaml.ts';
import { runTrainerProcess } from './process.ts';

/** Runs a one-shot trainer command and returns its events, throwing the trainer's error as an AirlockError. */
export async function callTrainer(args: string[], home: string, onEvent?: (event: TrainerEvent) => void, python?: string): Promise<TrainerEvent[]> {
  const events: TrainerEvent[] = [];
  const exit = await runTrainerProcess(args, {
    home,
    python,
    onEvent: (event) => {
      events.push(event);
      onEvent?.(event);
    },
  });
  const last = exit.lastEvent;
  if (last?.type === 'error') {
    throw new AirlockError(last.code, last.message, {
      hint: last.hint ?? undefined,
      field: last.field ?? undefined,
      details: last.details.length ? last.details : undefined,
    });
  }
  if (last?.type !== 'finished' || exit.exitCode !== 0) {
    throw new AirlockError('TRAINER_CRASHED', `The trainer stopped unexpectedly while running "${args[0]}".`, {
      hint: 'Run `npm run setup` to repair the Python environment.',
      details: exit.stderrTail.trim().split('\n').slice(-5),
    });
  }
  return events;
}

/** The compute devices the trainer sees (GPUs, or the CPU with the reason no GPU is used). */
export async function queryDevices(home: string, python?: string): Promise<DevicesEvent> {
  const events = await callTrainer(['devices'], home, undefined, python);
  const devices = events.find((event): event is DevicesEvent => event.type === 'devices');
  if (!devices) throw new AirlockError('TRAINER_CRASHED', 'The trainer did not report its devices.');
  return devices;
}

/** Token-length percentiles of a text column under a model's tokenizer (a sample of rows; fast). */
export async function measureTokenLengths(home: string, modelFolder: string, dataPath: string, column: string): Promise<TokenLengthsEvent> {
  const events = await callTrainer(['token-lengths', '--model', modelFolder, '--data', dataPath, '--column', column], home);
  const lengths = events.find((event): event is TokenLengthsEvent => event.type === 'token_lengths');
  if (!lengths) throw new AirlockError('TRAINER_CRASHED', 'The trainer did not report token lengths.');
  return lengths;
}

/** Token lengths of fine-tuning rows in the shape `sft` as training encodes them, with every measured length. */
export async function measureSftTokenLengths(home: string, modelFolder: string, dataPath: string, sft: SftDetection): Promise<TokenLengthsEvent> {
  const data = { format: sft.format, prompt_column: sft.promptColumn, input_column: sft.inputColumn, completion_column: sft.completionColumn, messages_column: sft.messagesColumn, text_column: sft.textColumn };
  const events = await callTrainer(['token-lengths', '--model', modelFolder, '--data', dataPath, '--sft', JSON.stringify(data)], home);
  const lengths = events.find((event): event is TokenLengthsEvent => event.type === 'token_lengths');
  if (!lengths?.lengths) throw new AirlockError('TRAINER_CRASHED', 'The trainer did not report token lengths.');
  return lengths;
}

/** The first training rows of a resolved config (absolute paths) before and after its data.preprocess. */
export async function previewRows(home: string, config: RunConfig, rows: number): Promise<PreviewRowsEvent['rows']> {
  const folder = mkdtempSync(join(tmpdir(), 'airlock-preview-'));
  try {
    const file = join(folder, 'config.yaml');
    writeFileSync(file, configToYaml(config));
    const events = await callTrainer(['preview-rows', '--config', file, '--rows', String(rows)], home);
    const preview = events.find((event): event is PreviewRowsEvent => event.type === 'preview_rows');
    if (!preview) throw new AirlockError('TRAINER_CRASHED', 'The trainer did not report the preview rows.');
    return preview.rows;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
