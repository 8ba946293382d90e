import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runTrainerProcess } from '../../../electron/services/trainer/process.ts';
import { TrainingProgress } from '../../../electron/cli/progress.ts';
import type { TrainerEvent } from '../../../schemas/events.ts';
import { tempDir } from '../../helpers/home.ts';

/** Llama-2-7B's sizes, config.json only: the trainer counts its parameters from them (no weights to read). */
const LLAMA_7B = { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false, torch_dtype: 'float16' };

// 1,800 training rows × 512 tokens × 3 epochs with LoRA: 7e16 FLOPs, more than 3 hours even at a measured 10 TFLOP/s.

/** A canonical table of `rows` short texts, as import writes it. */
function writeTextTable(folder: string, rows: number): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'table.jsonl'), Array.from({ length: rows }, (_, index) => JSON.stringify([`note ${index} about the plant`])).join('\n') + '\n');
  writeFileSync(join(folder, 'table.schema.json'), JSON.stringify({ format: 'airlock-table', version: 1, rows, source: 'notes.csv', columns: [{ name: 'text', type: 'text' }], labels: [] }));
}

describe('the preflight trainer event', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('passes the supervisor schema and is printed as a warning by the CLI', async () => {
    const model = join(dir.path, 'llama-7b');
    mkdirSync(model);
    writeFileSync(join(model, 'config.json'), JSON.stringify(LLAMA_7B));
    writeTextTable(join(dir.path, 'notes'), 2000);
    const config = join(dir.path, 'run.yaml');
    writeFileSync(config, stringify({ model: { name: model, task: 'causal_lm' }, data: { train_path: join(dir.path, 'notes'), format: 'text', text_column: 'text', max_length: 512 }, training: { batch_size: 2, max_epochs: 3, devices: 'cpu' } }));

    const events: TrainerEvent[] = [];
    const badLines: string[] = [];
    const exit = await runTrainerProcess(['preflight', config], { home: join(dir.path, 'home'), onEvent: (event) => events.push(event), onBadLine: (line, problem) => badLines.push(`${problem}: ${line}`) });
    expect(badLines).toEqual([]);
    expect(exit.lastEvent?.type, exit.stderrTail).toBe('finished');
    const preflight = events.find((event) => event.type === 'preflight');
    expect(preflight).toMatchObject({ method: 'lora', warning: true, fits: expect.any(Boolean) });
    if (preflight?.type !== 'preflight') throw new Error('no preflight event');
    expect(preflight.estimated_hours).toBeGreaterThan(3);
    expect(preflight.estimates.full).toBeGreaterThan(preflight.estimates.lora);
    expect(preflight.estimates.lora).toBeGreaterThan(preflight.estimates.qlora);

    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      new TrainingProgress().onEvent(preflight);
    } finally {
      process.stderr.write = write;
    }
    expect(written.join('')).toContain(`Warning: ${preflight.message}`);
    expect(preflight.message).toContain('on the CPU: about');
  });
});
