// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { join } from 'node:path';
import { ModelsScreen } from '../../renderer/src/screens/ModelsScreen.tsx';
import { NewRunScreen } from '../../renderer/src/screens/NewRunScreen.tsx';
import { RunScreen } from '../../renderer/src/screens/RunScreen.tsx';
import { HistoryScreen } from '../../renderer/src/screens/HistoryScreen.tsx';
import { useLiveRuns } from '../../renderer/src/store/live-run.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';
import { importFixture, startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
  await importFixture(app, 'reviews.csv');
});
afterAll(() => app.stop());
afterEach(cleanup);

const currentRunId = () => window.location.hash.match(/^#\/runs\/(.+)$/)?.[1] ?? null;

describe('from a model folder to a finished run, over the real services and trainer', () => {
  it('imports a model folder by typed path and shows its details', async () => {
    render(<ModelsScreen params={{}} />);
    expect(await screen.findByRole('table', { name: 'Cached models' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Model folder path'), { target: { value: join(process.cwd(), 'does-not-exist') } });
    fireEvent.click(screen.getByRole('button', { name: 'Import model' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Error code: [A-Z_]+/);

    fireEvent.change(screen.getByLabelText('Model folder path'), { target: { value: tinyModelPath() } });
    fireEvent.change(screen.getByLabelText('Name in the cache (optional)'), { target: { value: 'tiny-bert' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import model' }));
    await waitFor(() => expect(window.location.hash).toMatch(/^#\/models\//), { timeout: 30_000 });
    cleanup();
    render(<ModelsScreen params={{ id: window.location.hash.split('/')[2] }} />);
    const details = within(await screen.findByLabelText('Model details'));
    expect(details.getByText('text')).toBeTruthy();
    expect(details.getByText(/^BertModel|^Bert/)).toBeTruthy();
  });

  it('starts a short run from the form, charts its steps live, and shows the results when it completes', async () => {
    render(<NewRunScreen />);
    fireEvent.click(await screen.findByRole('radio', { name: /reviews/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Next: model' }));
    fireEvent.click(await screen.findByRole('radio', { name: /tiny-bert/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Next: settings' }));
    await screen.findByLabelText('Max length', {}, { timeout: 60_000 });
    fireEvent.change(screen.getByLabelText('Max epochs'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Batch size'), { target: { value: '8' } });
    fireEvent.change(screen.getByLabelText('Experiment name'), { target: { value: 'ui-run' } });
    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    await screen.findByLabelText('Config YAML');
    fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(currentRunId()).not.toBeNull(), { timeout: 30_000 });
    const runId = currentRunId()!;
    cleanup();

    render(<RunScreen params={{ id: runId }} />);
    expect(await screen.findByRole('heading', { level: 1, name: /Run ui-run/ })).toBeTruthy();
    await screen.findByText('completed', {}, { timeout: 120_000 });
    const live = useLiveRuns.getState().runs[runId];
    expect(live.series['train/loss'].length).toBeGreaterThan(0);
    expect(live.series['val/f1_macro']?.length).toBe(2);
    const lossCaption = screen.getByRole('figure', { name: 'Training loss' }).textContent!;
    expect(lossCaption).toMatch(/\d+ points?, latest/);
    expect(screen.getByRole('table', { name: 'Final metrics' }).textContent).toContain('val/f1_macro');
    const confusion = screen.getByRole('table', { name: 'Confusion matrix' });
    expect(within(confusion).getAllByRole('row').length).toBe(4); // header + negative, neutral, positive
    expect(within(screen.getByRole('table', { name: 'Per-class precision, recall and F1' })).getByText('positive')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });

  it('lists runs in History, filters them, and compares two: overlaid curves and the config fields that differ', async () => {
    const first = (await app.call('runs.list', {})) as { ok: true; data: { runs: { config: Record<string, unknown> }[] } };
    const config = structuredClone(first.data.runs[0].config) as { training: { learning_rate: number }; experiment: { name: string } };
    config.training.learning_rate = 0.001;
    config.experiment.name = 'ui-run-fast';
    const started = await app.call('runs.start', { config });
    if (!started.ok) throw new Error(started.error.message);
    await new Promise<void>((resolve) => {
      const stop = app.subscribe((notice) => {
        if (notice.kind === 'finished' && notice.runId === started.data.runId) {
          stop();
          resolve();
        }
      });
    });

    render(<HistoryScreen />);
    const table = await screen.findByRole('table', { name: 'Runs' });
    await waitFor(() => expect(within(table).getAllByRole('checkbox')).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Filter runs'), { target: { value: 'fast' } });
    expect(within(table).getAllByRole('checkbox')).toHaveLength(1);
    fireEvent.change(screen.getByLabelText('Filter runs'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: /Best metric/ }));
    expect(screen.getByRole('columnheader', { name: /Best metric/ }).getAttribute('aria-sort')).toBe('descending');

    for (const box of within(table).getAllByRole('checkbox')) fireEvent.click(box);
    const diff = await screen.findByRole('table', { name: 'Config differences' });
    const fields = within(diff).getAllByRole('row').slice(1).map((row) => row.querySelector('td')?.textContent);
    expect(fields.sort()).toEqual(['experiment.name', 'training.learning_rate']);
    await waitFor(() => expect(screen.getByRole('figure', { name: 'Training loss (overlay)' }).textContent).not.toContain('No points yet'));
  });

  it('shows a failed run in plain words: its error, the hint, and the log tail', async () => {
    const runs = (await app.call('runs.list', {})) as { ok: true; data: { runs: { config: Record<string, unknown> }[] } };
    // A regression task on a column of words: the trainer refuses it naming data.label_column.
    const config = structuredClone(runs.data.runs[0].config) as { model: { task: string }; experiment: { name: string } };
    config.model.task = 'regression';
    config.experiment.name = 'ui-run-bad';
    const started = await app.call('runs.start', { config });
    if (!started.ok) throw new Error(started.error.message);
    render(<RunScreen params={{ id: started.data.runId }} />);
    const failure = await screen.findByRole('region', { name: 'What went wrong' }, { timeout: 120_000 });
    const alert = within(failure).getByRole('alert');
    expect(alert.textContent).toContain('Error code: CONFIG_INVALID');
    expect(alert.textContent).toContain('label');
    expect(within(failure).getByLabelText('Log tail').textContent!.length).toBeGreaterThan(0);
    expect(screen.getByText('failed')).toBeTruthy();
    // It stopped before its first checkpoint: resuming says so instead of failing silently.
    fireEvent.click(screen.getByRole('button', { name: 'Resume run' }));
    expect((await screen.findByText(/no checkpoint to resume from/)).textContent).toBeTruthy();
  });

  it('cancels a running run from its screen, then resumes it from the checkpoint', async () => {
    const runs = (await app.call('runs.list', {})) as { ok: true; data: { runs: { config: Record<string, unknown> }[] } };
    const config = structuredClone(runs.data.runs[runs.data.runs.length - 1].config) as { training: { max_epochs: number; batch_size: number; max_steps: number | null }; experiment: { name: string } };
    Object.assign(config.training, { max_epochs: 200, batch_size: 2, max_steps: null });
    config.experiment.name = 'ui-run-long';
    const started = await app.call('runs.start', { config });
    if (!started.ok) throw new Error(started.error.message);
    const runId = started.data.runId;
    render(<RunScreen params={{ id: runId }} />);
    await screen.findByText(/^Step \d+ of \d+/, {}, { timeout: 120_000 });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    await screen.findByText(/Cancelled: the last checkpoint was kept/, {}, { timeout: 120_000 });
    const stepsBefore = useLiveRuns.getState().runs[runId].series['train/loss'].length;

    fireEvent.click(screen.getByRole('button', { name: 'Resume run' }));
    await screen.findByRole('button', { name: 'Cancel run' }, { timeout: 30_000 });
    await waitFor(() => expect(useLiveRuns.getState().runs[runId].run?.attempts).toBe(2), { timeout: 30_000 });
    await waitFor(() => expect(useLiveRuns.getState().runs[runId].series['train/loss'].length).toBeGreaterThan(stepsBefore), { timeout: 120_000 });
    const steps = useLiveRuns.getState().runs[runId].series['train/loss'].map((point) => point.step);
    expect(new Set(steps).size).toBe(steps.length); // resumed from the checkpoint: no step charted twice
    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    await screen.findByText(/Cancelled: the last checkpoint was kept/, {}, { timeout: 120_000 });
  });
});
