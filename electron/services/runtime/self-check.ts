import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AirlockError } from '../../../schemas/errors.ts';
import type { DevicesEvent } from '../../../schemas/events.ts';
import { callTrainer, queryDevices } from '../trainer/commands.ts';

/** What the self-check saw: the devices line, the optimizer steps trained and how long it all took. */
export interface SelfCheck {
  devices: string;
  steps: number;
  seconds: number;
}

/** One line for people: torch's build and what it computes on. */
export function describeDevices(devices: DevicesEvent): string {
  const gpus = devices.devices.filter((device) => device.kind === 'cuda').map((device) => `GPU ${device.index}: ${device.name}`);
  const where = gpus.length ? gpus.join('; ') : `CPU only (${devices.cpu_only_reason ?? 'no CUDA device found'})`;
  return `torch ${devices.torch_version}; ${where}; ${devices.cpu_threads} CPU threads`;
}

const POSITIVE = ['good film, great acting', 'wonderful and friendly service', 'fresh tasty food', 'amazing product, works perfectly', 'happy with the quick delivery', 'excellent story'];
const NEGATIVE = ['bad film, boring plot', 'rude waiter and cold soup', 'the package arrived broken', 'awful product, money back', 'late train again', 'terrible screen, it cracked'];

/**
 * Proves a new environment trains before it replaces a working one: `devices`, then two optimizer steps of the
 * default model on a dozen sentences, through the same trainer commands the app uses, with `python`.
 */
export async function runSelfCheck(home: string, python: string, model: string, scratch: string): Promise<SelfCheck> {
  const started = Date.now();
  rmSync(scratch, { recursive: true, force: true });
  const data = join(scratch, 'data');
  mkdirSync(data, { recursive: true });
  const rows = POSITIVE.flatMap((text, index) => [[text, 'pos'], [NEGATIVE[index], 'neg']]);
  // A canonical table, as import writes it: the trainer reads nothing else.
  writeFileSync(join(data, 'table.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  writeFileSync(
    join(data, 'table.schema.json'),
    JSON.stringify({ format: 'airlock-table', version: 1, rows: rows.length, source: 'self-check.csv', columns: [{ name: 'text', type: 'text' }, { name: 'label', type: 'text' }], labels: [] }),
  );
  const config = join(scratch, 'config.yaml');
  writeFileSync(
    config,
    stringify({
      model: { name: model },
      data: { train_path: data, text_column: 'text', label_column: 'label', max_length: 16 },
      training: { max_epochs: 1, max_steps: 2, batch_size: 4, learning_rate: 1e-4, seed: 7 },
    }),
  );
  let devices = '';
  let steps = 0;
  try {
    devices = describeDevices(await queryDevices(home, python));
    const events = await callTrainer(['train', '--config', config, '--run-dir', join(scratch, 'run'), '--run-id', 'runtime-self-check'], home, undefined, python);
    for (const event of events) if (event.type === 'step') steps = Math.max(steps, event.step);
  } catch (error) {
    const cause = error instanceof AirlockError ? `${error.code}: ${error.message}` : String(error);
    const what = devices ? 'could not train two steps' : 'could not list the devices';
    throw new AirlockError('RUNTIME_SELF_CHECK_FAILED', `The new runtime ${what}: ${cause}`, {
      hint: 'The previous runtime (if any) stays in use. Keep the output above for whoever built the pack.',
      details: error instanceof AirlockError ? error.details : undefined,
    });
  }
  if (steps < 2) throw new AirlockError('RUNTIME_SELF_CHECK_FAILED', `The new runtime trained ${steps} steps, not 2.`, { hint: 'The previous runtime (if any) stays in use.' });
  rmSync(scratch, { recursive: true, force: true });
  return { devices, steps, seconds: (Date.now() - started) / 1000 };
}
