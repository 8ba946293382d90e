import { describe, expect, it } from 'vitest';
import { mlflowRest, type MlflowServer } from '../helpers/mlflow-server.ts';
import { insertRun, remoteRunOf, series, useSyncFixture } from './helpers.ts';

interface RemoteVersion {
  version: string;
  run_id: string;
  source: string;
  tags?: { key: string; value: string }[];
}

async function remoteVersions(server: MlflowServer, name: string): Promise<RemoteVersion[]> {
  const found = await mlflowRest(server, 'GET', 'model-versions/search', { filter: `name='${name}'`, max_results: 100 });
  return (found.model_versions ?? []).sort((a: RemoteVersion, b: RemoteVersion) => Number(a.version) - Number(b.version));
}

async function aliases(server: MlflowServer, name: string): Promise<Record<string, string>> {
  const model = (await mlflowRest(server, 'GET', 'registered-models/get', { name })).registered_model;
  return Object.fromEntries((model.aliases ?? []).map((entry: { alias: string; version: string }) => [entry.alias, entry.version]));
}

const tag = (version: RemoteVersion, key: string) => version.tags?.find((entry) => entry.key === key)?.value;

describe('sync of registered model versions: found by tag before created, stage as alias', () => {
  const fixture = useSyncFixture('airlock-sync-registry-');

  it('sends each version once, after its run, with its stage as an alias; syncing again adds nothing', async () => {
    const { server, services } = fixture;
    const first = insertRun(services, { experiment: 'registry', points: series('train/loss', 20), withModel: true });
    const second = insertRun(services, { experiment: 'registry', points: series('train/loss', 30), withModel: true });
    services.registry.register(first.id, 'sentiment', { stage: 'staging', description: 'first try' });
    services.registry.register(second.id, 'sentiment', { stage: 'production' });

    const report = await services.sync.syncNow();
    expect(report.failed).toEqual([]);
    expect(report.synced.sort()).toEqual([`model_version:sentiment@1`, `model_version:sentiment@2`, `run:${first.id}`, `run:${second.id}`].sort());

    const versions = await remoteVersions(server, 'sentiment');
    expect(versions).toHaveLength(2);
    const firstRemote = await remoteRunOf(server, 'registry', first.id);
    const secondRemote = await remoteRunOf(server, 'registry', second.id);
    const byLocal = Object.fromEntries(versions.map((version) => [tag(version, 'airlock.model_version'), version]));
    expect(byLocal['sentiment@1'].run_id).toBe(firstRemote.info.run_id);
    expect(byLocal['sentiment@2'].run_id).toBe(secondRemote.info.run_id);
    expect(byLocal['sentiment@1'].source).toMatch(/\/artifacts\/model$/);
    expect(tag(byLocal['sentiment@1'], 'airlock.stage')).toBe('staging');
    expect(await aliases(server, 'sentiment')).toEqual({ staging: byLocal['sentiment@1'].version, production: byLocal['sentiment@2'].version });
    const item = services.sync.status().items.find((entry) => entry.id === 'model_version:sentiment@1')!;
    expect(item).toMatchObject({ state: 'synced', remoteId: `sentiment/${byLocal['sentiment@1'].version}` });

    const again = await services.sync.syncNow();
    expect(again.synced).toEqual([]);
    expect(await remoteVersions(server, 'sentiment')).toHaveLength(2);
  });

  it('a stage change moves the aliases idempotently, without a new version', async () => {
    const { server, services } = fixture;
    services.registry.setStage('sentiment@1', 'production');
    services.registry.setStage('sentiment@2', 'archived');
    const report = await services.sync.syncNow();
    expect(report.synced.sort()).toEqual(['model_version:sentiment@1', 'model_version:sentiment@2']);
    const versions = await remoteVersions(server, 'sentiment');
    expect(versions).toHaveLength(2);
    const byLocal = Object.fromEntries(versions.map((version) => [tag(version, 'airlock.model_version'), version]));
    expect(await aliases(server, 'sentiment')).toEqual({ production: byLocal['sentiment@1'].version });
    expect(tag(byLocal['sentiment@2'], 'airlock.stage')).toBe('archived');
  });

  it('a version whose outbox lost its state (remote id unknown) is found by its tag, not created twice', async () => {
    const { server, services } = fixture;
    services.db.prepare("UPDATE sync_items SET state = 'pending', remote_id = NULL WHERE kind = 'model_version'").run();
    const report = await services.sync.syncNow();
    expect(report.synced.sort()).toEqual(['model_version:sentiment@1', 'model_version:sentiment@2']);
    expect(await remoteVersions(server, 'sentiment')).toHaveLength(2);
  });
});
