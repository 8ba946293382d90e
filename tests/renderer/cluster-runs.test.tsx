// @vitest-environment happy-dom
// Cluster runs in the history, over the real services: the Run screen says how the work was split and, for a run
// brought back from a cluster, its nodes, devices, origin and attempts; the runs list marks it; "Import a cluster run"
// calls runs.import with the typed path and opens the run, or shows the refusal with its code.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../electron/services/config/yaml.ts';
import { newRunId } from '../../electron/services/runs/supervisor.ts';
import { HistoryScreen } from '../../renderer/src/screens/HistoryScreen.tsx';
import { RunScreen } from '../../renderer/src/screens/RunScreen.tsx';
import { clusterInitialState, useCluster } from '../../renderer/src/store/cluster.ts';
import { liveRunsInitialState, useLiveRuns } from '../../renderer/src/store/live-run.ts';
import { runsInitialState, useRuns } from '../../renderer/src/store/runs.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, tinyRunConfig, writeSentimentCsv } from '../helpers/tiny-model.ts';
import { attemptLog, seal, trainAttempt, writeJobFolder } from '../helpers/cluster-out.ts';
import { startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
let dir: ReturnType<typeof tempDir>;
let model: { id: string; name: string; path: string };

beforeAll(async () => {
  app = await startApp();
  dir = tempDir('airlock-cluster-runs-');
  const imported = await app.call('models.import', { path: tinyModelPath(), name: 'tiny' });
  if (!imported.ok) throw new Error(imported.error.message);
  model = { id: imported.data.model.id, name: 'tiny', path: imported.data.model.path };
});
afterAll(() => {
  app.stop();
  dir.cleanup();
});
afterEach(cleanup);

/** What a page load does: fresh stores. */
function reload(): void {
  cleanup();
  useLiveRuns.setState(liveRunsInitialState);
  useRuns.setState(runsInitialState);
  useCluster.setState(clusterInitialState);
}

/** A finished run in the real store, with the details a cluster import and a multi-process trainer leave. */
function recordRun(details: Record<string, unknown>): string {
  const id = newRunId();
  const config = parseConfig({ model: { name: 'tiny' }, data: { train_path: 'ds-1', text_column: 'review', label_column: 'sentiment' }, experiment: { name: 'tickets' } });
  app.services.runs.create({ id, experiment: 'tickets', datasetId: null, modelId: 'tiny', config, runDir: join(dir.path, id), createdAt: new Date().toISOString() });
  app.services.runs.finish(id, { status: 'completed', details, metrics: { 'val/f1_macro': 0.8 } }, new Date().toISOString());
  return id;
}

describe('cluster runs in the history', () => {
  it('the Run screen says how the work was split, the cluster, where the run came from and every attempt of every node', async () => {
    const id = recordRun({
      data: { train_rows: 40, val_rows: 10, test_rows: 0, total_steps: 6, world_size: 4, num_nodes: 2, strategy: 'ddp', effective_batch_size: 32 },
      cluster: {
        nodes: 2,
        gpus_per_node: 2,
        world_size: 4,
        imported_from: '/media/usb/jobs/tickets/out',
        job_created_at: '2026-11-30T10:00:00.000Z',
        resume_refused: null,
        attempts: [
          {
            attempt: 1,
            started_at: '2026-11-30T10:00:00.000Z',
            ended_at: '2026-11-30T10:05:00.000Z',
            duration_s: 300,
            status: 'failed',
            nodes: [
              { node_rank: 0, host: 'gpu-a', exit_code: 1 },
              { node_rank: 1, host: 'gpu-b', exit_code: 137 },
            ],
          },
          {
            attempt: 2,
            started_at: '2026-11-30T11:00:00.000Z',
            ended_at: '2026-11-30T11:20:00.000Z',
            duration_s: 1200,
            status: 'completed',
            nodes: [
              { node_rank: 0, host: 'gpu-a', exit_code: 0 },
              { node_rank: 1, host: 'gpu-b', exit_code: 0 },
            ],
          },
        ],
      },
    });
    reload();
    render(<RunScreen params={{ id }} />);
    const facts = await screen.findByLabelText('Cluster');
    expect(facts.textContent).toBe('2 nodes × 2 devices (world 4), imported from /media/usb/jobs/tickets/out');
    expect(screen.getByLabelText('Processes').textContent).toBe('world 4 (2 nodes × 2 processes) · strategy ddp · effective batch size 32');
    const rows = within(screen.getByRole('table', { name: 'Attempts on the cluster' })).getAllByRole('row').slice(1);
    expect(rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)).map(([attempt, status, , duration, nodes]) => [attempt, status, duration, nodes])).toEqual([
      ['1', 'failed', '5 min 0 s', 'node 0 (gpu-a) exit 1, node 1 (gpu-b) exit 137'],
      ['2', 'completed', '20 min 0 s', 'node 0 (gpu-a) exit 0, node 1 (gpu-b) exit 0'],
    ]);
    expect(screen.queryByLabelText('Resumed here')).toBeNull();

    // Continued on this workstation: the Run screen says how the world changed.
    app.services.runs.mergeDetails(id, { resumed_here: 'Trained on 2 nodes × 2 (effective batch 32); continues here on 1 process (effective batch 8).' });
    reload();
    render(<RunScreen params={{ id }} />);
    expect((await screen.findByLabelText('Resumed here')).textContent).toBe(
      'Resumed on this workstation. Trained on 2 nodes × 2 (effective batch 32); continues here on 1 process (effective batch 8).',
    );

    // The runs list marks it; a run of this machine is not marked.
    const local = recordRun({ data: { train_rows: 40, val_rows: 10, test_rows: 0, total_steps: 6 } });
    reload();
    render(<HistoryScreen />);
    const table = await screen.findByRole('table', { name: 'Runs' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    const rowOf = (runId: string) => within(table).getByText(runId).closest('tr')!;
    expect(within(rowOf(id)).getByLabelText('Cluster run: 2 nodes × 2 devices (world 4)').textContent).toContain('cluster');
    expect(within(rowOf(local)).queryByText('cluster')).toBeNull();
    fireEvent.change(screen.getByLabelText('Filter runs'), { target: { value: 'cluster' } });
    expect(within(table).getAllByRole('row')).toHaveLength(2);
  });

  it('a run on two CPU processes keeps how the work was split, and its Run screen shows it after a reload', async () => {
    const imported = await app.call('datasets.import', { path: writeSentimentCsv(join(dir.path, 'two-processes.csv'), 20) });
    if (!imported.ok) throw new Error(imported.error.message);
    const config = tinyRunConfig(imported.data.dataset.id, { training: { max_epochs: 1, devices: 2, accelerator: 'cpu', accumulate_grad_batches: 2 }, experiment: 'two-processes' });
    const started = await app.call('runs.start', { config });
    if (!started.ok) throw new Error(started.error.message);
    const finished = await new Promise<{ status: string; stderrTail: string | null }>((resolve) => {
      const stop = app.subscribe((notice) => {
        if (notice.kind === 'finished' && notice.runId === started.data.runId) {
          stop();
          resolve(notice.run);
        }
      });
    });
    expect(finished.status, finished.stderrTail ?? '').toBe('completed');
    reload();
    render(<RunScreen params={{ id: started.data.runId }} />);
    // batch_size 8 × 2 processes × 1 node × 2 accumulated batches
    expect((await screen.findByLabelText('Processes')).textContent).toBe('world 2 (1 node × 2 processes) · strategy ddp · effective batch size 32');
    expect(screen.queryByLabelText('Cluster')).toBeNull();
  });

  it('"Import a cluster run" refuses a folder that is not a job\'s out folder, naming the problem and its code', async () => {
    reload();
    render(<HistoryScreen />);
    fireEvent.click(await screen.findByText('Import a cluster run'));
    const empty = join(dir.path, 'not-an-out-folder');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'nothing here\n');
    fireEvent.change(screen.getByLabelText("The job's out folder"), { target: { value: empty } });
    fireEvent.click(screen.getByRole('button', { name: 'Import run' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The run could not be imported');
    expect(alert.textContent).toContain('Error code: RUN_IMPORT_INVALID');
    expect(useRuns.getState().runs.some((run) => run.runDir.includes('not-an-out-folder'))).toBe(false);
  });

  it('"Import a cluster run" brings a job\'s out folder into the history and opens the run', async () => {
    const imported = await app.call('datasets.import', { path: writeSentimentCsv(join(dir.path, 'tickets.csv'), 20), name: 'tickets' });
    if (!imported.ok) throw new Error(imported.error.message);
    const dataset = { id: imported.data.dataset.id, name: 'tickets', dataPath: imported.data.dataset.dataPath };
    const jobRunId = newRunId();
    const job = writeJobFolder(join(dir.path, 'job'), jobRunId, { dataset, model }, tinyRunConfig('unused', { training: { max_epochs: 1 }, experiment: 'tickets-trained' }));
    expect(trainAttempt(job), attemptLog(job)).toBe(0);
    seal(job.out);
    const out = job.out;

    reload();
    window.location.hash = '#/history';
    render(<HistoryScreen />);
    fireEvent.click(await screen.findByText('Import a cluster run'));
    fireEvent.change(screen.getByLabelText("The job's out folder"), { target: { value: out } });
    fireEvent.click(screen.getByRole('button', { name: 'Import run' }));
    expect(useCluster.getState().importing).toBe(true);
    await waitFor(() => expect(useCluster.getState().importing).toBe(false), { timeout: 60_000 });
    expect(screen.queryByRole('alert')).toBeNull();
    expect(window.location.hash).toBe(`#/runs/${jobRunId}`);
    expect(useRuns.getState().runs.find((run) => run.id === jobRunId)?.status).toBe('completed');

    cleanup();
    render(<RunScreen params={{ id: jobRunId }} />);
    expect((await screen.findByLabelText('Cluster')).textContent).toBe(`1 node × 1 device (world 1), imported from ${out}`);
    const attempts = within(screen.getByRole('table', { name: 'Attempts on the cluster' })).getAllByRole('row');
    expect(attempts).toHaveLength(2);
    expect(attempts[1].textContent).toContain('completed');
  });
});
