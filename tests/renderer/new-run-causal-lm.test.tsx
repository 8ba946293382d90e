// @vitest-environment happy-dom
// The settings form of a generative (causal_lm) run: the data format and only the columns it reads, the fine-tuning
// method with LoRA's settings when LoRA is used, and none of the classification fields; YAML export and import keep it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NewRunScreen } from '../../renderer/src/screens/NewRunScreen.tsx';
import { useDatasets } from '../../renderer/src/store/datasets.ts';
import { useNewRun } from '../../renderer/src/store/new-run.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';
import { importFixture, startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
let dir: ReturnType<typeof tempDir>;
let sftId: string;
let reviewsId: string;

/** Alpaca-style rows: an instruction, an optional input, and the output to learn. */
function writeAlpaca(path: string): string {
  const rows = Array.from({ length: 40 }, (_, i) => ({
    instruction: `Add ${i} and ${i + 1}.`,
    input: ['', 'Answer with digits only.', 'Show your working.'][i % 3],
    output: `${2 * i + 1}`,
  }));
  writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  return path;
}

beforeAll(async () => {
  app = await startApp();
  dir = tempDir('airlock-sft-form-');
  const imported = await app.call('datasets.import', { path: writeAlpaca(join(dir.path, 'sums.jsonl')) });
  if (!imported.ok) throw new Error(imported.error.message);
  expect(imported.data.dataset.detection.task).toBe('causal_lm');
  sftId = imported.data.dataset.id;
  const essays = Array.from({ length: 20 }, (_, i) => JSON.stringify({ prompt: `Write essay ${i}.`, completion: `word${i} `.repeat(i < 2 ? 900 : 5) }));
  writeFileSync(join(dir.path, 'essays.jsonl'), essays.join('\n') + '\n');
  const long = await app.call('datasets.import', { path: join(dir.path, 'essays.jsonl') });
  if (!long.ok) throw new Error(long.error.message);
  reviewsId = await importFixture(app, 'reviews.csv');
  const model = await app.call('models.import', { path: tinyModelPath('gpt2'), name: 'tiny-gpt2' });
  if (!model.ok) throw new Error(model.error.message);
});
afterAll(() => {
  app.stop();
  dir.cleanup();
});
afterEach(cleanup);

const select = (label: string) => screen.getByLabelText(label) as HTMLSelectElement;
const shown = (label: string) => screen.queryByLabelText(label) !== null;

async function openSettings(datasetName: RegExp, onDatasetStep?: () => void, model = /minilm/i): Promise<void> {
  useNewRun.getState().reset();
  await useDatasets.getState().load();
  render(<NewRunScreen />);
  fireEvent.click(await screen.findByRole('radio', { name: datasetName }));
  onDatasetStep?.();
  fireEvent.click(screen.getByRole('button', { name: 'Next: model' }));
  await waitFor(() => expect(useNewRun.getState().modelId).not.toBeNull());
  fireEvent.click(await screen.findByRole('radio', { name: model }));
  fireEvent.click(screen.getByRole('button', { name: 'Next: settings' }));
  await screen.findByLabelText('Max length', {}, { timeout: 60_000 });
}

describe('New run settings for a causal_lm run', () => {
  it('offers the models that write text first for fine-tuning data, and says why an encoder does not fit', async () => {
    useNewRun.getState().reset();
    await useDatasets.getState().load();
    render(<NewRunScreen />);
    fireEvent.click(await screen.findByRole('radio', { name: /sums/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Next: model' }));
    const gpt2 = (await screen.findByRole('radio', { name: /tiny-gpt2/ })) as HTMLInputElement;
    await waitFor(() => expect(gpt2.checked).toBe(true));
    const radios = screen.getAllByRole('radio');
    expect(radios[0]).toBe(gpt2);
    const encoder = screen.getByRole('radio', { name: /minilm/i }).closest('label')!;
    expect(within(encoder).getByRole('note').textContent).toContain('Does not fit: it cannot write text');
    expect(within(gpt2.closest('label')!).queryByRole('note')).toBeNull();
  }, 60_000);

  it('starts from the detected format and columns, shows only the fields the format reads, and no classification fields', async () => {
    await openSettings(/sums/, () => {
      const line = screen.getByRole('radio', { name: /sums/ }).closest('label')!.textContent;
      expect(line).toContain('causal_lm · prompts and answers · prompt “instruction”, input “input”, answer “output”');
    }, /tiny-gpt2/);
    expect(useNewRun.getState().modelId).toBe('tiny-gpt2');
    expect(useNewRun.getState().draft).toMatchObject({ model: { name: 'tiny-gpt2' }, data: { train_path: sftId } });
    expect(select('Task').value).toBe('causal_lm');
    expect(select('Data format').value).toBe('prompt_completion');
    expect(select('Prompt column').value).toBe('instruction');
    expect(select('Input column (optional)').value).toBe('input');
    expect(select('Completion column').value).toBe('output');
    // The dataset's columns are offered, with (none) for the optional input.
    expect([...select('Prompt column').options].map((option) => option.value)).toEqual(['', 'instruction', 'input', 'output']);
    for (const hidden of ['Label column', 'Text column', 'Conversation column', 'Label names', 'Augment', 'Max seconds']) expect(shown(hidden), hidden).toBe(false);

    // LoRA is the default for a causal LM (auto), explained in plain words, with its settings.
    expect(select('Fine-tuning method').value).toBe('auto');
    const lora = screen.getByRole('group', { name: 'LoRA adapter' });
    expect(lora.textContent).toContain('LoRA trains small adapter matrices beside the frozen model');
    expect((within(lora).getByLabelText('LoRA rank (r)') as HTMLInputElement).value).toBe('8');
    expect((within(lora).getByLabelText('LoRA alpha') as HTMLInputElement).value).toBe('16');
    expect((within(lora).getByLabelText('LoRA target layers') as HTMLInputElement).value).toBe('');
    expect(screen.getByText(/auto: LoRA adapters on the frozen causal language model/)).toBeTruthy();
    expect((screen.getByLabelText('Sample generations') as HTMLInputElement).value).toBe('3');
    expect((screen.getByLabelText('Gradient accumulation (batches)') as HTMLInputElement).value).toBe('1');
    expect((screen.getByLabelText('Gradient checkpointing') as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText('Longest sample answer (tokens)') as HTMLInputElement).value).toBe('64');
    expect(screen.queryAllByRole('alert')).toEqual([]);
  }, 90_000);

  it('shows the columns of the chosen format, LoRA settings only for lora and qlora, and writes them to the YAML', async () => {
    await openSettings(/sums/, undefined, /tiny-gpt2/);
    fireEvent.change(select('Data format'), { target: { value: 'chat' } });
    expect(shown('Prompt column') || shown('Completion column') || shown('Input column (optional)')).toBe(false);
    // A chat needs its conversation column: named inline, and the review waits for it.
    expect(select('Conversation column').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Conversation column (data.messages_column) is required for format chat.')).toBeTruthy();
    fireEvent.change(select('Data format'), { target: { value: 'text' } });
    expect(shown('Conversation column')).toBe(false);
    expect(shown('Text column')).toBe(true);
    fireEvent.change(select('Data format'), { target: { value: 'prompt_completion' } });
    expect(select('Prompt column').value).toBe('instruction');

    fireEvent.change(select('Fine-tuning method'), { target: { value: 'full' } });
    expect(screen.queryByRole('group', { name: 'LoRA adapter' })).toBeNull();
    fireEvent.change(select('Fine-tuning method'), { target: { value: 'qlora' } });
    const lora = screen.getByRole('group', { name: 'LoRA adapter' });
    fireEvent.change(within(lora).getByLabelText('LoRA rank (r)'), { target: { value: '16' } });
    fireEvent.change(within(lora).getByLabelText('LoRA target layers'), { target: { value: 'q_proj, v_proj' } });
    fireEvent.change(screen.getByLabelText('Gradient accumulation (batches)'), { target: { value: '4' } });
    fireEvent.click(screen.getByLabelText('Gradient checkpointing'));
    fireEvent.change(screen.getByLabelText('Sample generations'), { target: { value: '2' } });

    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    const yaml = (await screen.findByLabelText('Config YAML')).textContent!;
    for (const line of [
      'task: causal_lm',
      'format: prompt_completion',
      'prompt_column: instruction',
      'input_column: input',
      'completion_column: output',
      'finetuning: qlora',
      'accumulate_grad_batches: 4',
      'gradient_checkpointing: true',
      'sample_generations: 2',
      'r: 16',
    ]) {
      expect(yaml).toContain(line);
    }
    expect(yaml).toMatch(/target_modules:\s*\n\s*- q_proj\s*\n\s*- v_proj/);
    expect(yaml).toMatch(/label_column: null/);

    // The exported YAML loads back into the same form.
    fireEvent.click(screen.getByRole('button', { name: 'Export YAML' }));
    await screen.findByText('Config exported.');
    const exported = app.saved.at(-1)!.text;
    cleanup();
    useNewRun.getState().reset();
    render(<NewRunScreen />);
    fireEvent.click(await screen.findByText('Or start from a YAML config'));
    fireEvent.change(screen.getByLabelText('Or paste the YAML'), { target: { value: exported } });
    fireEvent.click(screen.getByRole('button', { name: 'Load pasted config' }));
    expect((await screen.findByLabelText('Data format') as HTMLSelectElement).value).toBe('prompt_completion');
    expect(select('Completion column').value).toBe('output');
    expect(select('Fine-tuning method').value).toBe('qlora');
    expect((screen.getByLabelText('LoRA target layers') as HTMLInputElement).value).toBe('q_proj, v_proj');
    expect(shown('Label column')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    expect((await screen.findByLabelText('Config YAML')).textContent).toBe(exported);
  }, 90_000);

  it('says before training when rows are longer than the suggested max_length and will be cut', async () => {
    await openSettings(/essays/, undefined, /tiny-gpt2/);
    const note = screen.getByRole('note', { name: 'About your data' });
    expect(note.textContent).toMatch(/2 of \d+ rows are longer than data.max_length \d+ tokens and will be cut/);
    cleanup();
    await openSettings(/sums/, undefined, /tiny-gpt2/);
    expect(screen.queryByRole('note', { name: 'About your data' })).toBeNull();
  }, 90_000);

  it('keeps a classification form free of the causal_lm fields, and asks for a format when the task is switched', async () => {
    await openSettings(/reviews/);
    expect(select('Task').value).toBe('classification');
    expect(select('Label column').value).toBe('label');
    for (const hidden of ['Data format', 'Prompt column', 'Completion column', 'Conversation column', 'Sample generations', 'Longest sample answer (tokens)']) {
      expect(shown(hidden), hidden).toBe(false);
    }
    // auto means full fine-tuning for classification: no LoRA settings.
    expect(screen.queryByRole('group', { name: 'LoRA adapter' })).toBeNull();

    fireEvent.change(select('Task'), { target: { value: 'causal_lm' } });
    expect(shown('Label column')).toBe(false);
    expect(select('Data format').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Data format (data.format) is required for causal_lm: prompt_completion, chat or text.')).toBeTruthy();
    expect(screen.getByRole('group', { name: 'LoRA adapter' })).toBeTruthy();
    fireEvent.change(select('Data format'), { target: { value: 'text' } });
    expect(select('Text column').value).toBe('text');
    expect(useNewRun.getState().draft).toMatchObject({ data: { train_path: reviewsId, format: 'text', text_column: 'text' } });
  }, 90_000);
});
