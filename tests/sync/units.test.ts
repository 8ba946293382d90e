import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../electron/services/store/database.ts';
import { configParams, experimentNameFor } from '../../electron/services/sync/run-job.ts';
import { redactor, resolveConnection } from '../../electron/services/sync/connection.ts';
import { EncryptedSecretStore, MemorySecretStore, type StringCipher } from '../../electron/services/sync/secrets.ts';
import { nextProbeDelayMs } from '../../electron/services/sync/probe.ts';
import { DEFAULT_SYNC_SETTINGS } from '../../schemas/sync.ts';
import { parseConfig } from '../../electron/services/config/yaml.ts';
import { tempDir } from '../helpers/home.ts';

describe('sync building blocks', () => {
  const dir = tempDir('airlock-sync-units-');
  afterAll(() => dir.cleanup());

  it('flattens the resolved config into params with dotted keys, lists and nulls as JSON', () => {
    const params = configParams(parseConfig({ data: { train_path: 'ds-1', text_column: 'review', label_column: 'sentiment' }, experiment: { name: 'e', tags: { team: 'a' } } }));
    expect(params).toMatchObject({ 'model.name': 'all-minilm-l6-v2', 'data.text_column': 'review', 'data.val_path': 'null', 'training.learning_rate': '0.00005', 'experiment.name': 'e' });
    expect(Object.keys(params).every((key) => !key.includes('[object'))).toBe(true);
    // The config's tags are the run's tags, not params as well.
    expect(Object.keys(params).filter((key) => key.startsWith('experiment.tags'))).toEqual([]);
  });

  it('names experiments by the rule', () => {
    const run = { experiment: 'wordnet', datasetId: 'ds-1', modelId: 'minilm' } as never;
    expect(experimentNameFor('{experiment}', run)).toBe('wordnet');
    expect(experimentNameFor('airlock/{model}/{dataset}', run)).toBe('airlock/minilm/ds-1');
  });

  it('probe delays double per failure, capped at 32x the interval', () => {
    expect([0, 1, 2, 5, 9].map((failures) => nextProbeDelayMs(60, failures))).toEqual([60_000, 120_000, 240_000, 1_920_000, 1_920_000]);
  });

  it('the environment wins over stored settings; secrets are redacted from every message', () => {
    const secrets = new MemorySecretStore();
    secrets.set({ kind: 'token', token: 'tok-123456' });
    const fromStore = resolveConnection({ ...DEFAULT_SYNC_SETTINGS, trackingUri: 'https://mlflow.internal' }, secrets, {});
    expect(fromStore.view).toMatchObject({ trackingUri: 'https://mlflow.internal', trackingUriSource: 'settings', credentials: 'token', credentialsSource: 'secret-store' });
    expect(JSON.stringify(fromStore.view)).not.toContain('tok-123456');
    const fromEnv = resolveConnection(DEFAULT_SYNC_SETTINGS, secrets, { MLFLOW_TRACKING_URI: 'http://env:5000', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'pw-987' });
    expect(fromEnv.view).toMatchObject({ trackingUri: 'http://env:5000', trackingUriSource: 'environment', credentials: 'basic', credentialsSource: 'environment' });
    const redact = redactor(fromEnv.connection);
    expect(redact('failed for https://u:pw-987@host/x with pw-987')).toBe('failed for https://***@host/x with ***');
  });

  it('EncryptedSecretStore keeps only ciphertext in SQLite', () => {
    const db = openDatabase(join(dir.path, 'airlock.db'));
    const cipher: StringCipher = {
      isEncryptionAvailable: () => true,
      encryptString: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((byte) => byte ^ 0x5a)),
      decryptString: (encrypted) => Buffer.from(encrypted.map((byte) => byte ^ 0x5a)).toString('utf8'),
    };
    const store = new EncryptedSecretStore(db, cipher);
    store.set({ kind: 'basic', username: 'analyst', password: 's3cret-pass' });
    const raw = (db.prepare('SELECT group_concat(value) AS text FROM sync_meta').get() as { text: string }).text;
    expect(raw).not.toContain('s3cret-pass');
    expect(new EncryptedSecretStore(db, cipher).get()).toEqual({ kind: 'basic', username: 'analyst', password: 's3cret-pass' });
    store.set(null);
    expect(store.get()).toBeNull();
    db.close();
  });
});
