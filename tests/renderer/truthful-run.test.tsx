// @vitest-environment happy-dom
// The Run screen tells the truth about a real run (tiny model, real trainer): per-epoch charts against the epoch on
// a 0–1 axis, one forward progress bar naming the user's file, split sizes that survive a reload, a warning when
// scores come from a few dozen rows, and the run's registration state.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { join } from 'node:path';
import type { TrainerEvent } from '../../schemas/events.ts';
import { RunScreen } from '../../renderer/src/screens/RunScreen.tsx';
import { RegistryScreen } from '../../renderer/src/screens/RegistryScreen.tsx';
import { liveRunsInitialState, useLiveRuns } from '../../renderer/src/store/live-run.ts';
import { newRunInitialState, useNewRun } from '../../renderer/src/store/new-run.ts';
import { registryInitialState, useRegistry } from '../../renderer/src/store/registry.ts';
import { advance, type RunProgress } from '../../renderer/src/lib/run-progress.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../helpers/tiny-model.ts';
import { startApp } from './helpers/setup-app.tsx';
import { fakeChartLayout } from './helpers/chart-layout.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
let dir: ReturnType<typeof tempDir>;
let datasetId: string;
const events = new Map<string, TrainerEvent[]>();

let restoreLayout: () => void;
beforeAll(async () => {
  restoreLayout = fakeChartLayout();
  app = await startApp();
  dir = tempDir('airlock-truthful-');
  app.subscribe((notice) => {
    if (notice.kind === 'event') events.set(notice.runId, [...(events.get(notice.runId) ?? []), notice.event]);
  });
  const model = await app.call('models.import', { path: tinyModelPath(), name: 'tiny' });
  if (!model.ok) throw new Error(model.error.message);
  // 300 rows, 10% held out: 30 validation rows, the "few dozen" of the issue.
  const imported = await app.call('datasets.import', { path: writeSentimentCsv(join(dir.path, 'support-tickets.csv'), 150) });
  if (!imported.ok) throw new Error(imported.error.message);
  datasetId = imported.data.dataset.id;
});
afterAll(() => {
  restoreLayout();
  app.stop();
  dir.cleanup();
});
afterEach(cleanup);

async function train(epochs: number, experiment: string, stage = 'staging'): Promise<string> {
  const config = {
    model: { name: 'tiny' },
    data: { train_path: datasetId, text_column: 'review', label_column: 'sentiment', max_length: 32, val_split: 0.1 },
    training: { max_epochs: epochs, batch_size: 16, learning_rate: 5e-3, precision: '32-true' },
    experiment: { name: experiment },
    deployment: { stage },
  };
  const started = await app.call('runs.start', { config });
  if (!started.ok) throw new Error(started.error.message);
  const run = await new Promise<{ status: string }>((resolve) => {
    const stop = app.subscribe((notice) => {
      if (notice.kind === 'finished' && notice.runId === started.data.runId) {
        stop();
        resolve(notice.run);
      }
    });
  });
  expect(run.status).toBe('completed');
  return started.data.runId;
}

/** What a page load does: fresh stores, then the screen. */
function reload(): void {
  cleanup();
  useLiveRuns.setState(liveRunsInitialState);
  useRegistry.setState(registryInitialState);
}

const figure = (title: string) => screen.getByRole('figure', { name: title });
const yTicks = (element: HTMLElement) => [...element.querySelectorAll('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')].map((tick) => Number(tick.textContent));
const xTicks = (element: HTMLElement) => [...element.querySelectorAll('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')].map((tick) => Number(tick.textContent));

let oneEpoch: string;

describe('the Run screen of a real run', () => {
  it('moves one bar forward through the stages, naming the dataset, never the data folder’s copy', async () => {
    oneEpoch = await train(1, 'tickets');
    const seen = events.get(oneEpoch)!;
    const messages = seen.flatMap((event) => (event.type === 'progress' ? [event.message] : []));
    expect(messages).toContain('Reading support-tickets');
    expect(messages.join('\n')).not.toMatch(/original\./);
    let progress: RunProgress | null = null;
    const positions: number[] = [];
    for (const event of seen) {
      progress = advance(progress, event);
      if (progress) positions.push(progress.overall);
    }
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(progress!.phase).toBe('saving');
  });

  it('plots a 1-epoch run’s scores at epoch 1 on a 0–1 axis, with points counted per line', async () => {
    render(<RunScreen params={{ id: oneEpoch }} />);
    await screen.findByRole('table', { name: 'Final metrics' });
    const scores = figure('Validation scores per epoch');
    expect(scores.querySelector('figcaption')?.textContent).toMatch(/^val\/accuracy: 1 point, latest [\d.]+ at epoch 1; val\/f1_macro: 1 point, latest [\d.]+ at epoch 1\.$/);
    await waitFor(() => expect(yTicks(scores)).toEqual([0, 0.25, 0.5, 0.75, 1]));
    expect(xTicks(scores)).toEqual([1]);
    expect(figure('Loss per epoch').querySelector('figcaption')?.textContent).toMatch(/^training \(epoch mean\): 1 point, .* at epoch 1; validation: 1 point/);
  });

  it('keeps the split sizes after a reload and says when scores come from a few dozen rows', async () => {
    reload();
    render(<RunScreen params={{ id: oneEpoch }} />);
    expect((await screen.findByLabelText('Data counts')).textContent).toBe('270 training, 30 validation rows; 17 steps');
    const note = screen.getByRole('note', { name: 'Small evaluation set' });
    expect(note.textContent).toContain('The validation scores come from only 30 rows: one row more or less right moves accuracy by 1/30 ≈ 3.3 percentage points');
    fireEvent.click(within(note).getByRole('button', { name: /train again holding out 35% for validation/ }));
    const state = useNewRun.getState();
    expect(state.step).toBe('settings');
    expect(state.draft).toMatchObject({ data: { train_path: datasetId, val_split: 0.35 }, model: { name: 'tiny' } });
    useNewRun.setState(newRunInitialState);
  });

  it('registers in the config’s stage by default, confirms production, and shows the registration after a reload', async () => {
    reload();
    render(<RunScreen params={{ id: oneEpoch }} />);
    const form = await screen.findByRole('form', { name: "Register this run's model" });
    const stage = within(form).getByLabelText('Stage of the new version') as HTMLSelectElement;
    expect(stage.value).toBe('staging'); // deployment.stage of the run's config
    fireEvent.change(stage, { target: { value: 'production' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Keep staging' }));
    expect(stage.value).toBe('staging');
    fireEvent.change(stage, { target: { value: 'production' } });
    expect(within(form).getByRole('alertdialog', { name: 'Confirm production' }).textContent).toContain("Make this run's model the production model?");
    fireEvent.click(within(form).getByRole('button', { name: 'Make production' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Register' }));
    expect((await screen.findByRole('status', { name: 'Registration' })).textContent).toBe('Registered as tickets v1 (production).');

    reload();
    render(<RunScreen params={{ id: oneEpoch }} />);
    expect((await screen.findByRole('status', { name: 'Registration' })).textContent).toBe('Registered as tickets v1 (production).');
    expect(screen.queryByRole('form', { name: "Register this run's model" })).toBeNull();
  });

  it('asks before the Registry screen makes a version production', async () => {
    reload();
    const registered = await app.call('registry.register', { runId: oneEpoch, name: 'tickets-b' });
    if (!registered.ok) throw new Error(registered.error.message);
    render(<RegistryScreen params={{ name: 'tickets-b' }} />);
    const select = (await screen.findByLabelText('Stage of v1')) as HTMLSelectElement;
    fireEvent.change(select, { target: { value: 'production' } });
    const dialog = screen.getByRole('alertdialog', { name: 'Confirm production' });
    expect(dialog.textContent).toContain('Make tickets-b v1 the production model?');
    expect(app.services.registry.resolve('tickets-b@1').stage).toBe('none');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Make production' }));
    await waitFor(() => expect(app.services.registry.resolve('tickets-b@1').stage).toBe('production'));
  });

  it('plots a 3-epoch run against epochs 1 to 3', async () => {
    const runId = await train(3, 'tickets-3');
    reload();
    render(<RunScreen params={{ id: runId }} />);
    await screen.findByRole('table', { name: 'Final metrics' });
    const scores = figure('Validation scores per epoch');
    expect(scores.querySelector('figcaption')?.textContent).toMatch(/^val\/accuracy: 3 points, latest [\d.]+ at epoch 3;/);
    await waitFor(() => expect(xTicks(scores)).toEqual([1, 2, 3]));
    expect(yTicks(scores)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(figure('Training loss').querySelector('figcaption')?.textContent).toMatch(/^\d+ points, latest [\d.]+ at step 51\.$/);
  });
});
