import { describe, expect, it } from 'vitest';
import type { Services } from '../../electron/services/index.ts';
import type { Run } from '../../schemas/run.ts';
import { insertRun, outboxRow, remoteRunOf, series, useSyncFixture } from './helpers.ts';

function tagsOf(remote: { data: { tags?: { key: string; value: string }[] } }): Record<string, string> {
  return Object.fromEntries((remote.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}

/**
 * Gives a recorded run the tags a config could hold before MLflow's rules were checked up front: what
 * MLflow then refuses reaches the server only this way, so it is written straight into the store.
 */
function recordLegacyTags(services: Services, run: Run, tags: Record<string, string>): void {
  const config = { ...run.config, experiment: { ...run.config.experiment, tags } };
  services.db.prepare('UPDATE runs SET config = ? WHERE id = ?').run(JSON.stringify(config), run.id);
}

describe('sync: an item MLflow refuses for good is ended in MLflow, never left RUNNING', () => {
  const fixture = useSyncFixture('airlock-sync-refused-', { settings: { passRetries: 0 } });

  it('a run whose tag MLflow refuses (HTTP 400) fails alone: its MLflow run is FAILED with the reason; a too-long tag value is cut and named', async () => {
    const { server, services } = fixture;
    const refused = insertRun(services, { points: series('train/loss', 20) });
    recordLegacyTags(services, refused, { 'cost-center#': 'ops-41', team: 'analysts' });
    const long = insertRun(services, { points: series('train/loss', 20) });
    recordLegacyTags(services, long, { notes: 'n'.repeat(9000), team: 'analysts' });
    // The legacy runs still load (the run history must not break on them).
    expect(services.runs.get(refused.id)!.config.experiment.tags).toHaveProperty('cost-center#');

    const report = await services.sync.syncNow();
    expect(report.synced).toEqual([`run:${long.id}`]);
    expect(report.failed.map((failure) => failure.id)).toEqual([`run:${refused.id}`]);
    const error = report.failed[0].error;
    expect(error.code).toBe('MLFLOW_REJECTED');
    expect(error.message).toContain('cost-center#');
    expect(error.details!.join('\n')).toContain('INVALID_PARAMETER_VALUE'); // the server's answer, not a check of the client's

    const failedRemote = await remoteRunOf(server, 'sync-test', refused.id);
    expect(failedRemote.info.status).toBe('FAILED');
    expect(Number(failedRemote.info.end_time)).toBeGreaterThan(0);
    const reason = tagsOf(failedRemote)['airlock.sync_error'];
    expect(reason).toMatch(/^MLFLOW_REJECTED: /);
    expect(reason).toContain('cost-center#');
    expect(error.details).toContain(`The MLflow run ${failedRemote.info.run_id} was ended as FAILED, with the reason in its tag airlock.sync_error.`);
    expect(outboxRow(services, refused.id)).toMatchObject({ state: 'failed', remote_id: failedRemote.info.run_id });

    const longRemote = await remoteRunOf(server, 'sync-test', long.id);
    expect(longRemote.info.status).toBe('FINISHED');
    const tags = tagsOf(longRemote);
    expect(tags.notes).toBe('n'.repeat(8000));
    expect(tags['airlock.truncated_tags']).toBe('notes');
    expect(tags.team).toBe('analysts');
  });

  it('once the cause is gone, the next sync completes the same MLflow run and clears the failure tag', async () => {
    const { server, services } = fixture;
    const [refused] = services.runs.list().filter((run) => 'cost-center#' in run.config.experiment.tags);
    const remoteId = outboxRow(services, refused.id)!.remote_id;
    recordLegacyTags(services, refused, { 'cost-center': 'ops-41', team: 'analysts' });

    const report = await services.sync.syncNow({ retryFailed: true });
    expect(report.synced).toEqual([`run:${refused.id}`]);
    const remote = await remoteRunOf(server, 'sync-test', refused.id);
    expect(remote.info.run_id).toBe(remoteId);
    expect(remote.info.status).toBe('FINISHED');
    const tags = tagsOf(remote);
    expect(tags).not.toHaveProperty('airlock.sync_error');
    expect(tags['cost-center']).toBe('ops-41');
  });
});
