import type { Db } from '../store/database.ts';
import { DEFAULT_SYNC_SETTINGS, SyncSettings, type SyncCredentials, type SyncSettingsView } from '../../../schemas/sync.ts';
import type { SecretStore } from './secrets.ts';

/** Everything needed to talk to the tracking server. */
export interface Connection {
  trackingUri: string;
  credentials: SyncCredentials | null;
  caBundlePath: string | null;
}

const SETTINGS_KEY = 'settings';

/** The non-secret sync settings, one JSON value in `sync_meta`. */
export class SyncSettingsTable {
  constructor(private readonly db: Db) {}

  get(): SyncSettings {
    const row = this.db.prepare('SELECT value FROM sync_meta WHERE key = ?').get(SETTINGS_KEY) as { value: string } | undefined;
    const stored = row ? SyncSettings.partial().safeParse(JSON.parse(row.value)) : null;
    return { ...DEFAULT_SYNC_SETTINGS, ...(stored?.success ? stored.data : {}) };
  }

  update(changes: Partial<SyncSettings>): SyncSettings {
    const next = SyncSettings.parse({ ...this.get(), ...changes });
    this.db
      .prepare('INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(SETTINGS_KEY, JSON.stringify(next));
    return next;
  }
}

/** Credentials from MLflow's own environment variables (the CLI's way), if any are set. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): SyncCredentials | null {
  if (env.MLFLOW_TRACKING_TOKEN) return { kind: 'token', token: env.MLFLOW_TRACKING_TOKEN };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    return { kind: 'basic', username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD };
  }
  return null;
}

/** Settings plus where the URI and credentials come from: the environment wins over stored values. */
export function resolveConnection(settings: SyncSettings, secrets: SecretStore, env: NodeJS.ProcessEnv): { connection: Connection | null; view: SyncSettingsView } {
  const envUri = env.MLFLOW_TRACKING_URI || null;
  const trackingUri = envUri ?? settings.trackingUri;
  const envCredentials = credentialsFromEnv(env);
  const credentials = envCredentials ?? secrets.get();
  const view: SyncSettingsView = {
    ...settings,
    trackingUri,
    trackingUriSource: envUri ? 'environment' : settings.trackingUri ? 'settings' : 'none',
    credentials: credentials?.kind ?? 'none',
    credentialsSource: envCredentials ? 'environment' : credentials ? 'secret-store' : 'none',
  };
  return { connection: trackingUri ? { trackingUri, credentials, caBundlePath: settings.caBundlePath } : null, view };
}

/** Replaces the connection's secrets, and any user:password@ in a URL, with ***: for every message that leaves the service. */
export function redactor(connection: Connection | null): (text: string) => string {
  const secrets = [connection?.credentials?.kind === 'basic' ? connection.credentials.password : null, connection?.credentials?.kind === 'token' ? connection.credentials.token : null].filter(
    (secret): secret is string => Boolean(secret),
  );
  return (text) => secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@'));
}
