import { bridge } from './bridge.ts';
import { useLiveRuns } from '../store/live-run.ts';
import { useRuns } from '../store/runs.ts';
import { useDatasets } from '../store/datasets.ts';

/** Routes every pushed notice to the store it concerns; returns the unsubscribe function. */
export function connectNotices(): () => void {
  return bridge().subscribe((notice) => {
    switch (notice.kind) {
      case 'event':
        useLiveRuns.getState().ingest(notice.runId, notice.event);
        break;
      case 'finished':
        useLiveRuns.getState().finished(notice.run);
        useRuns.getState().upsert(notice.run);
        break;
      case 'import':
        useDatasets.getState().importProgress(notice.path, notice.fraction);
        break;
      default:
        break;
    }
  });
}
