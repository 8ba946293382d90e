import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { createApi, type Api } from '../../../electron/services/api/handlers.ts';
import type { Notice } from '../../../schemas/api.ts';
import type { Run } from '../../../schemas/run.ts';
import { tempDir } from '../../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../../helpers/tiny-model.ts';

describe('run supervisor', () => {
  const dir = tempDir();
  let services: Services;
  let api: Api;
  let csv: string;
  beforeAll(async () => {
    services = await createServices(join(dir.path, 'home'));
    api = createApi(services);
    await services.models.import(tinyModelPath(), { name: 'tiny' });
    csv = writeSentimentCsv(join(dir.path, 'reviews.csv'), 40);
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  function startRun(maxEpochs: number): Promise<{ runId: string; notices: Notice[]; finished: Promise<Run> }> {
    const notices: Notice[] = [];
    let resolveFinished: (run: Run) => void = () => {};
    const finished = new Promise<Run>((resolve) => (resolveFinished = resolve));
    const unsubscribe = api.subscribe((notice) => {
      notices.push(notice);
      if (notice.kind === 'finished') {
        unsubscribe();
        resolveFinished(notice.run);
      }
    });
    const config = {
      model: { name: 'tiny' },
      data: { train_path: csv, text_column: 'review', label_column: 'sentiment', max_length: 32 },
      training: { max_epochs: maxEpochs, batch_size: 8, precision: '32-true' },
    };
    return api.call('runs.start', { config }).then((result) => {
      if (!result.ok) throw new Error(result.error.message);
      return { runId: result.data.runId, notices, finished };
    });
  }

  it('forwards every validated event to subscribers and stores metric curves', async () => {
    const { runId, notices, finished } = await startRun(1);
    const run = await finished;
    expect(run.status).toBe('completed');
    const types = notices.filter((notice) => notice.kind === 'event' && notice.runId === runId).map((notice) => notice.kind === 'event' && notice.event.type);
    expect(types).toContain('started');
    expect(types).toContain('step');
    expect(types.at(-1)).toBe('finished');
    const result = await api.call('runs.get', { runId });
    expect(result.ok && result.data.curves.some((point) => point.key === 'train/loss')).toBe(true);
    expect(result.ok && result.data.curves.some((point) => point.key === 'val/f1_macro')).toBe(true);
    // Each epoch's mean training loss has its own key: the per-step curve keeps one point per step.
    const curves = result.ok ? result.data.curves : [];
    const lossSteps = curves.filter((point) => point.key === 'train/loss').map((point) => point.step);
    expect(new Set(lossSteps).size).toBe(lossSteps.length);
    expect(curves.filter((point) => point.key === 'epoch/train/loss')).toHaveLength(1);
  });

  /** Resolves once the run has reported its first training step. */
  function firstStep(runId: string, notices: Notice[]): Promise<void> {
    return new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (notices.some((notice) => notice.kind === 'event' && notice.runId === runId && notice.event.type === 'step')) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
  }

  it('stopAll (quitting the app) cancels every running trainer and waits until each kept its checkpoint', async () => {
    const { runId, notices, finished } = await startRun(500);
    await firstStep(runId, notices);
    await services.supervisor.stopAll();
    expect(services.supervisor.isRunning(runId)).toBe(false);
    expect(services.runs.get(runId)?.status).toBe('cancelled');
    expect((await finished).status).toBe('cancelled');
    expect(existsSync(join(services.runs.get(runId)!.runDir, 'checkpoints', 'last.ckpt'))).toBe(true);
  });

  it('maps a trainer killed without a result to failed with TRAINER_CRASHED and keeps the stderr tail', async () => {
    const { runId, notices, finished } = await startRun(500);
    await firstStep(runId, notices);
    const pid = (services.db.prepare('SELECT pid FROM runs WHERE id = ?').get(runId) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL');
    const run = await finished;
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('TRAINER_CRASHED');
    expect(run.error?.hint).toContain('memory');
    expect(run.stderrTail).toBeTruthy();
  });
});
