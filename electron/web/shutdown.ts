import type { Run } from '../../schemas/run.ts';
import type { Services } from '../services/index.ts';

/**
 * Cancels every run this process is training and waits (up to `timeoutMs`) for each trainer to save its
 * checkpoint and exit, so the runs end `cancelled` and resumable rather than `interrupted`.
 */
export async function stopRunningRuns(services: Services, timeoutMs = 30_000): Promise<void> {
  const running = services.runs.list().filter((run) => services.supervisor.isRunning(run.id));
  if (running.length === 0) return;
  const pending = new Set(running.map((run) => run.id));
  let onFinished: (run: Run) => void = () => {};
  const allFinished = new Promise<void>((resolve) => {
    onFinished = (run) => {
      pending.delete(run.id);
      if (pending.size === 0) resolve();
    };
  });
  services.supervisor.on('finished', onFinished);
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const run of running) if (!services.supervisor.cancel(run.id)) pending.delete(run.id);
    if (pending.size === 0) return;
    await Promise.race([allFinished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    services.supervisor.off('finished', onFinished);
  }
}
