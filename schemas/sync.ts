import { z } from 'zod';
import { AirlockErrorShape } from './errors.ts';
import { ErrorEvent } from './events.ts';

/** Non-secret sync settings, stored in Airlock's SQLite. Credentials never live here (see SecretStore). */
export const SyncSettings = z.object({
  trackingUri: z
    .string()
    .url()
    .nullable()
    .describe('The MLflow tracking server, e.g. https://mlflow.example.org. MLFLOW_TRACKING_URI overrides it for the CLI.'),
  caBundlePath: z.string().min(1).nullable().describe('A PEM file of CA certificates for an internal TLS server; null uses the system store.'),
  experimentName: z
    .string()
    .min(1)
    .max(500)
    .describe('MLflow experiment for each run: fixed text, with {experiment}, {dataset} and {model} replaced by the run\'s config experiment name, dataset id and base model id.'),
  autoSync: z.boolean().describe('Probe the tracking server at an interval (with backoff) and sync when it answers.'),
  probeIntervalS: z.number().int().min(5).max(86_400).describe('Seconds between probes while the server does not answer (doubling up to 32x).'),
  httpMaxRetries: z.number().int().min(0).max(10).describe("Retries of one MLflow request on 429, 5xx or a lost connection (MLflow's client, exponential backoff)."),
  httpBackoffFactor: z.number().int().min(0).max(120).describe('Backoff factor of those retries, in seconds.'),
  httpTimeoutS: z.number().int().min(1).max(3600).describe('Timeout of one MLflow request.'),
  passRetries: z.number().int().min(0).max(10).describe('Whole sync passes retried (with doubling delays) after the server was unreachable or answered 5xx.'),
});
export type SyncSettings = z.infer<typeof SyncSettings>;

/** Defaults: off until a tracking URI is set; the config's experiment name. */
export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  trackingUri: null,
  caBundlePath: null,
  experimentName: '{experiment}',
  autoSync: false,
  probeIntervalS: 60,
  httpMaxRetries: 3,
  httpBackoffFactor: 2,
  httpTimeoutS: 60,
  passRetries: 2,
};

/** Credentials for the tracking server: basic (user and password) or a bearer token. Held by a SecretStore, never in files. */
export const SyncCredentials = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }),
  z.object({ kind: z.literal('token'), token: z.string().min(1) }),
]);
export type SyncCredentials = z.infer<typeof SyncCredentials>;

/** What the app may show about settings: credentials only as their kind and where they come from. */
export const SyncSettingsView = SyncSettings.extend({
  credentials: z.enum(['none', 'basic', 'token']),
  credentialsSource: z.enum(['none', 'environment', 'secret-store']),
  trackingUriSource: z.enum(['none', 'environment', 'settings']),
});
export type SyncSettingsView = z.infer<typeof SyncSettingsView>;

export const SyncItemKind = z.enum(['run', 'model_version']);
export const SyncItemState = z.enum(['pending', 'synced', 'failed']);
export type SyncItemState = z.infer<typeof SyncItemState>;

/** One entry of the outbox: a local run (or model version) and how far it has reached MLflow. */
export const SyncItem = z.object({
  id: z.string().describe('"run:<run id>" or "model_version:<id>".'),
  kind: SyncItemKind,
  localId: z.string(),
  state: SyncItemState,
  remoteId: z.string().nullable().describe('The MLflow run id (or "name/version") once known.'),
  remoteUrl: z.string().nullable().describe('Link to the run in the MLflow UI, when known.'),
  metricsConfirmed: z.number().int().describe('Metric points MLflow has confirmed.'),
  metricsTotal: z.number().int().describe('Metric points the local run holds.'),
  paramsDone: z.boolean(),
  artifactsDone: z.boolean(),
  attempts: z.number().int(),
  lastError: AirlockErrorShape.nullable(),
  updatedAt: z.string(),
  syncedAt: z.string().nullable(),
});
export type SyncItem = z.infer<typeof SyncItem>;

/** Whether the tracking server answered the last probe. */
export const Reachability = z.object({
  state: z.enum(['not-configured', 'unknown', 'reachable', 'unreachable']),
  checkedAt: z.string().nullable(),
  message: z.string().nullable(),
});
export type Reachability = z.infer<typeof Reachability>;

/** The outbox at a glance. */
export const SyncStatus = z.object({
  trackingUri: z.string().nullable(),
  syncing: z.boolean(),
  reachability: Reachability,
  counts: z.object({ pending: z.number().int(), synced: z.number().int(), failed: z.number().int() }),
  items: z.array(SyncItem),
  lastPass: z
    .object({ finishedAt: z.string(), ok: z.boolean(), error: AirlockErrorShape.nullable() })
    .nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** What one sync pass did. */
export const SyncReport = z.object({
  synced: z.array(z.string()).describe('Outbox item ids that are now synced.'),
  failed: z.array(z.object({ id: z.string(), error: AirlockErrorShape })),
  pending: z.number().int().describe('Items still waiting after this pass.'),
  metricPointsSent: z.number().int(),
  passes: z.number().int().describe('Attempts, counting retries after a transient failure.'),
  durationS: z.number(),
});
export type SyncReport = z.infer<typeof SyncReport>;

const SyncEnvelope = {
  v: z.literal(1),
  run_id: z.null(),
  seq: z.number().int().min(0),
  ts: z.string(),
  item: z.string().describe('The outbox item this event is about.'),
};

/** Each confirmed step of `python -m airlock_trainer sync`; the outbox records it before the next one is sent. */
export const SyncStepEvent = z.discriminatedUnion('type', [
  z.object({ ...SyncEnvelope, type: z.literal('sync_remote'), remote_id: z.string(), experiment_id: z.string().nullable(), created: z.boolean() }),
  z.object({ ...SyncEnvelope, type: z.literal('sync_params'), params: z.number().int(), tags: z.number().int(), truncated: z.array(z.string()) }),
  z.object({ ...SyncEnvelope, type: z.literal('sync_metrics'), upto: z.number().int().describe('Sequence number (metrics rowid) of the batch\'s last point.'), count: z.number().int(), sent: z.number().int() }),
  z.object({ ...SyncEnvelope, type: z.literal('sync_artifacts'), count: z.number().int() }),
  z.object({ ...SyncEnvelope, type: z.literal('sync_done'), remote_id: z.string() }),
  z.object({
    ...SyncEnvelope,
    type: z.literal('sync_item_failed'),
    ...ErrorEvent.pick({ code: true, message: true, hint: true, field: true, details: true }).shape,
  }),
]);
export type SyncStepEvent = z.infer<typeof SyncStepEvent>;
