// @vitest-environment happy-dom
// The Run screen of a causal_lm run: what the model wrote for the validation prompts, epoch by epoch (live, and from
// the run history after a reload, and from a real tiny GPT-2 run), and loss and perplexity charts instead of scores.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { RunConfig } from '../../schemas/config.ts';
import { TrainerEvent } from '../../schemas/events.ts';
import { RunScreen } from '../../renderer/src/screens/RunScreen.tsx';
import { liveRunsInitialState, useLiveRuns } from '../../renderer/src/store/live-run.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';
import { startApp } from './helpers/setup-app.tsx';
import { fakeChartLayout } from './helpers/chart-layout.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
let dir: ReturnType<typeof tempDir>;
let seq = 0;

const PROMPTS = ['Add 2 and 3.', 'Add 10 and 7.'];
const REFERENCES = ['5', '17'];

/** A schema-valid `generations` event: the model's answers after `epoch` (0-based, as the trainer counts). */
function generations(runId: string, epoch: number, outputs: string[]): TrainerEvent {
  return TrainerEvent.parse({
    v: 1,
    run_id: runId,
    seq: seq++,
    ts: new Date(Date.UTC(2026, 0, 1, 0, epoch)).toISOString(),
    type: 'generations',
    epoch,
    step: (epoch + 1) * 10,
    samples: PROMPTS.map((prompt, i) => ({ prompt, reference: REFERENCES[i], output: outputs[i] })),
  });
}

/** A causal_lm run in the real run history, as runs.start records it before its trainer starts. */
function recordRun(id: string, edits: Partial<{ sample_generations: number }> = {}): string {
  const config = RunConfig.parse({
    model: { name: 'tiny-gpt2', task: 'causal_lm' },
    data: { train_path: 'sums', format: 'prompt_completion', prompt_column: 'prompt', completion_column: 'completion' },
    evaluation: { sample_generations: edits.sample_generations ?? 2 },
    experiment: { name: `sums ${id}` },
  });
  app.services.runs.create({ id, experiment: config.experiment.name, datasetId: null, modelId: 'tiny-gpt2', config, runDir: dir.path, createdAt: new Date().toISOString() });
  return id;
}

/** Stores events as the supervisor does: in the events table, under their attempt. */
function store(runId: string, attempt: number, events: TrainerEvent[]): void {
  app.services.runs.addEvents(runId, attempt, events.map((event) => ({ seq: event.seq, type: event.type, body: event })));
}

/** What a page load does: fresh live state, then the screen. */
async function reload(runId: string): Promise<void> {
  cleanup();
  useLiveRuns.setState(liveRunsInitialState);
  render(<RunScreen params={{ id: runId }} />);
  await screen.findByRole('heading', { level: 1, name: /sums/ });
}

const panel = () => screen.getByRole('region', { name: 'Sample generations' });
const epochPicker = () => within(panel()).getByLabelText('Answers after') as HTMLSelectElement;
/** The prompt, reference and answer of each sample shown, in order. */
const samplesShown = () =>
  within(panel())
    .getAllByRole('article')
    .map((article) => [...article.querySelectorAll('pre')].map((pre) => pre.textContent));

let restoreLayout: () => void;
beforeAll(async () => {
  restoreLayout = fakeChartLayout();
  app = await startApp();
  dir = tempDir('airlock-generations-');
});
afterAll(() => {
  restoreLayout();
  app.stop();
  dir.cleanup();
});
afterEach(cleanup);

describe('Sample generations on the Run screen', () => {
  it('shows each live epoch’s answers beside the prompt and reference, newest first, earlier epochs a choice away', async () => {
    const runId = recordRun('run-live');
    app.services.runs.markStarted(runId, process.pid, new Date().toISOString());
    await reload(runId);
    expect(within(panel()).getByText('No answers yet: they appear after the first epoch.')).toBeTruthy();
    expect(panel().textContent).toContain('the same 2 validation prompts');

    act(() => {
      useLiveRuns.getState().ingest(runId, generations(runId, 0, ['23', '107']));
      useLiveRuns.getState().flush();
    });
    // One epoch: nothing to choose between yet.
    expect(within(panel()).queryByLabelText('Answers after')).toBeNull();
    expect(within(panel()).getByRole('status').textContent).toBe('Epoch 1: 2 answers.');
    expect(samplesShown()).toEqual([
      ['Add 2 and 3.', '5', '23'],
      ['Add 10 and 7.', '17', '107'],
    ]);

    act(() => {
      useLiveRuns.getState().ingest(runId, generations(runId, 1, ['5', '16']));
      useLiveRuns.getState().flush();
    });
    expect([...epochPicker().options].map((option) => option.text)).toEqual(['Epoch 2 (newest)', 'Epoch 1']);
    expect(samplesShown().map((sample) => sample[2])).toEqual(['5', '16']);

    // The user looks back at epoch 1; a new epoch arriving meanwhile does not pull the view away.
    fireEvent.change(epochPicker(), { target: { value: '0' } });
    expect(samplesShown().map((sample) => sample[2])).toEqual(['23', '107']);
    act(() => {
      useLiveRuns.getState().ingest(runId, generations(runId, 2, ['5', '17']));
      useLiveRuns.getState().flush();
    });
    expect([...epochPicker().options].map((option) => option.text)).toEqual(['Epoch 3 (newest)', 'Epoch 2', 'Epoch 1']);
    expect(within(panel()).getByRole('status').textContent).toBe('Epoch 1: 2 answers.');
    fireEvent.change(epochPicker(), { target: { value: 'newest' } });
    expect(samplesShown().map((sample) => sample[2])).toEqual(['5', '17']);
  });

  it('keeps every epoch’s answers in the run history: after a reload they come from the record, the resumed attempt’s where it repeated an epoch', async () => {
    const runId = recordRun('run-history');
    app.services.runs.markStarted(runId, process.pid, new Date().toISOString());
    store(runId, 1, [generations(runId, 0, ['23', '107']), generations(runId, 1, ['6', '16'])]);
    // Resumed from a checkpoint inside epoch 2, which the second attempt validated again.
    app.services.runs.markStarted(runId, process.pid, new Date().toISOString());
    const last = generations(runId, 2, ['5', '17']);
    store(runId, 2, [generations(runId, 1, ['5', '16']), last]);
    const ts = new Date().toISOString();
    app.services.runs.addMetrics(runId, [
      ...[0, 1, 2].flatMap((epoch) => [
        { key: 'val/loss', step: (epoch + 1) * 10, value: 2 - epoch / 2, ts },
        { key: 'val/perplexity', step: (epoch + 1) * 10, value: Math.exp(2 - epoch / 2), ts },
        { key: 'epoch', step: (epoch + 1) * 10, value: epoch, ts },
      ]),
    ]);
    const samples = last.type === 'generations' ? last.samples : [];
    app.services.runs.finish(runId, { status: 'completed', metrics: { 'val/loss': 1, 'val/perplexity': Math.E }, details: { generations: samples }, modelDir: null, durationS: 12, stderrTail: null }, ts);

    await reload(runId);
    expect([...epochPicker().options].map((option) => option.text)).toEqual(['Epoch 3 (newest)', 'Epoch 2', 'Epoch 1']);
    expect(samplesShown()).toEqual([
      ['Add 2 and 3.', '5', '5'],
      ['Add 10 and 7.', '17', '17'],
    ]);
    fireEvent.change(epochPicker(), { target: { value: '1' } });
    expect(samplesShown().map((sample) => sample[2])).toEqual(['5', '16']);
    fireEvent.change(epochPicker(), { target: { value: '0' } });
    expect(samplesShown().map((sample) => sample[2])).toEqual(['23', '107']);

    // Loss and perplexity, not scores, for text the model writes.
    expect(screen.getByRole('figure', { name: 'Validation perplexity per epoch (lower is better)' }).textContent).toContain('3 points, latest 2.718 at epoch 3');
    expect(screen.getByRole('figure', { name: 'Loss per epoch' })).toBeTruthy();
    expect(screen.getByRole('figure', { name: 'Throughput (tokens per second)' })).toBeTruthy();
    for (const scores of ['Validation scores per epoch', 'Validation errors per epoch']) expect(screen.queryByRole('figure', { name: scores })).toBeNull();
    expect(screen.getByText(/Perplexity follows the validation loss/)).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'Final metrics' })).getByText('val/perplexity')).toBeTruthy();
  });

  it('shows the finished event’s last answers when a run has no epoch-by-epoch record, and says when samples are off', async () => {
    const runId = recordRun('run-details-only');
    app.services.runs.markStarted(runId, process.pid, new Date().toISOString());
    const samples = [{ prompt: 'Add 1 and 1.', reference: '2', output: '' }];
    app.services.runs.finish(runId, { status: 'completed', metrics: {}, details: { generations: samples }, modelDir: null, durationS: 1, stderrTail: null }, new Date().toISOString());
    await reload(runId);
    expect(within(panel()).getByRole('status').textContent).toBe('Last epoch: 1 answer.');
    expect(samplesShown()).toEqual([['Add 1 and 1.', '2', '(nothing)']]);

    const off = recordRun('run-samples-off', { sample_generations: 0 });
    app.services.runs.markStarted(off, process.pid, new Date().toISOString());
    app.services.runs.finish(off, { status: 'completed', metrics: {}, details: {}, modelDir: null, durationS: 1, stderrTail: null }, new Date().toISOString());
    await reload(off);
    expect(within(panel()).getByText('Off for this run (evaluation.sample_generations is 0).')).toBeTruthy();
  });

  it('shows the trainer’s pre-flight estimate, as a warning when the run would take hours', async () => {
    const runId = recordRun('run-preflight');
    app.services.runs.markStarted(runId, process.pid, new Date().toISOString());
    await reload(runId);
    expect(screen.queryByRole('note', { name: 'Memory and time estimate' })).toBeNull();
    const message = 'LoRA needs about 2.1 GiB of the 16 GiB here. On this CPU training would take about 9 hours.';
    const preflight = TrainerEvent.parse({
      v: 1, run_id: runId, seq: seq++, ts: new Date().toISOString(), type: 'preflight', method: 'lora',
      estimates: { full: 9e9, lora: 2_254_857_830, qlora: 1e9 }, device_memory_bytes: 16 * 2 ** 30, fits: true, estimated_hours: 9, warning: true, message,
    });
    act(() => {
      useLiveRuns.getState().ingest(runId, preflight);
      useLiveRuns.getState().flush();
    });
    const note = screen.getByRole('note', { name: 'Memory and time estimate' });
    expect(note.textContent).toBe(message);
    expect(note.className).toBe('alert warning');
  });

  it('shows what a real causal_lm run wrote after each of its epochs, from the history the supervisor kept', async () => {
    const model = await app.call('models.import', { path: tinyModelPath('gpt2'), name: 'tiny-gpt2' });
    if (!model.ok) throw new Error(model.error.message);
    const colours = ['red', 'blue', 'green'];
    const rows = Array.from({ length: 60 }, (_, i) => JSON.stringify({ prompt: `Echo ${colours[i % 3]} ${i}:`, completion: ` ${colours[i % 3]}` }));
    const data = join(dir.path, 'echo.jsonl');
    writeFileSync(data, rows.join('\n') + '\n');
    const config = {
      model: { name: 'tiny-gpt2', task: 'causal_lm' },
      data: { train_path: data, format: 'prompt_completion', prompt_column: 'prompt', completion_column: 'completion', max_length: 32 },
      training: { max_epochs: 2, batch_size: 8, learning_rate: 1e-3, precision: '32-true' },
      evaluation: { sample_generations: 2, max_new_tokens: 4 },
      experiment: { name: 'sums echo' },
    };
    const started = await app.call('runs.start', { config });
    if (!started.ok) throw new Error(started.error.message);
    const runId = started.data.runId;
    const finished = await new Promise<{ status: string }>((resolve) => {
      const stop = app.subscribe((notice) => {
        if (notice.kind === 'finished' && notice.runId === runId) {
          stop();
          resolve(notice.run);
        }
      });
    });
    expect(finished.status).toBe('completed');

    await reload(runId);
    expect([...epochPicker().options].map((option) => option.text)).toEqual(['Epoch 2 (newest)', 'Epoch 1']);
    const shownNow = samplesShown();
    expect(shownNow).toHaveLength(2);
    for (const [prompt, reference] of shownNow) {
      expect(prompt).toMatch(/^Echo (red|blue|green) \d+:$/);
      expect(reference).toBe(` ${prompt!.split(' ')[1]}`);
    }
    fireEvent.change(epochPicker(), { target: { value: '0' } });
    // The same fixed prompts every epoch.
    expect(samplesShown().map((sample) => sample[0])).toEqual(shownNow.map((sample) => sample[0]));
    expect(screen.getByRole('figure', { name: 'Validation perplexity per epoch (lower is better)' }).textContent).toContain('2 points');
  }, 180_000);
});
