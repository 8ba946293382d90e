import type { SyncItem, SyncReport, SyncStatus } from '../../../schemas/sync.ts';
import { fractionProgress } from '../progress.ts';
import { table } from '../output.ts';
import { call, type Command } from './types.ts';

function describeReport(report: SyncReport): string {
  const lines = [`Synced ${report.synced.length} item(s), ${report.failed.length} failed, ${report.pending} pending; ${report.metricPointsSent} metric points sent in ${report.durationS.toFixed(1)} s.`];
  for (const failure of report.failed) lines.push(`  ${failure.id}: [${failure.error.code}] ${failure.error.message}`);
  return lines.join('\n');
}

function progressOf(item: SyncItem): string {
  if (item.kind !== 'run') return item.state === 'synced' ? 'done' : '-';
  return `${item.metricsConfirmed}/${item.metricsTotal} points`;
}

function describeStatus(status: SyncStatus): string {
  const lines = [
    `MLflow: ${status.trackingUri ?? 'not configured (set MLFLOW_TRACKING_URI)'}${status.syncing ? ' (syncing now)' : ''}`,
    `Pending ${status.counts.pending}, synced ${status.counts.synced}, failed ${status.counts.failed}.`,
  ];
  if (status.lastPass) lines.push(`Last sync ${status.lastPass.finishedAt}: ${status.lastPass.ok ? 'ok' : `[${status.lastPass.error?.code}] ${status.lastPass.error?.message}`}`);
  if (status.items.length) {
    lines.push(
      '',
      table(
        ['ITEM', 'STATE', 'PROGRESS', 'MLFLOW', 'LAST ERROR'],
        status.items.map((item) => [item.id, item.state, progressOf(item), item.remoteUrl ?? item.remoteId ?? '-', item.lastError ? `[${item.lastError.code}] ${item.lastError.message}` : '']),
      ),
    );
  }
  return lines.join('\n');
}

export const syncCommand: Command = {
  usage: 'sync [status] [--json]',
  summary: 'Send finished runs to MLflow (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME/PASSWORD or _TOKEN), exactly once; `status` lists pending, synced and failed items.',
  async run(context) {
    if (context.positionals[0] === 'status') {
      const { status } = await call(context, 'sync.status', {});
      context.output.result({ status }, () => describeStatus(status));
      return;
    }
    const draw = fractionProgress('Syncing');
    const unsubscribe = context.api.subscribe((notice) => {
      if (notice.kind === 'progress' && notice.task === 'sync' && notice.fraction !== null) draw(notice.fraction);
    });
    try {
      const { report } = await call(context, 'sync.now', {});
      context.output.result({ report }, () => describeReport(report));
      return report.failed.length ? 1 : 0;
    } finally {
      unsubscribe();
    }
  },
};
