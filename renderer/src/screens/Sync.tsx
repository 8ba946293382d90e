import { useEffect, useId, useState } from 'react';
import type { ScreenProps } from './index.ts';
import type { SyncItem } from '../../../schemas/sync.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { SyncIndicator } from '../components/SyncIndicator.tsx';
import { formatDate } from '../lib/format.ts';
import { href } from '../router.ts';
import { useSync } from '../store/sync.ts';

function itemLink(item: SyncItem) {
  if (item.kind === 'run') return <a href={href(`/runs/${item.localId}`)} className="mono">{item.localId}</a>;
  return <a href={href(`/registry/${item.localId.split('@')[0]}`)}>{item.localId}</a>;
}

function progressOf(item: SyncItem): string {
  if (item.kind !== 'run') return item.state === 'synced' ? 'done' : '—';
  return `${item.metricsConfirmed} / ${item.metricsTotal} points${item.paramsDone ? ', params' : ''}${item.artifactsDone ? ', artifacts' : ''}`;
}

function ItemsTable({ items, label }: { items: SyncItem[]; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th>{label === 'Synced items' ? 'Item' : 'Waiting'}</th>
          <th>Kind</th>
          <th>Progress</th>
          <th>In MLflow</th>
          <th>{label === 'Synced items' ? 'Synced' : 'Last error'}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id}>
            <td>{itemLink(item)}</td>
            <td>{item.kind === 'run' ? 'run' : 'model version'}</td>
            <td>{progressOf(item)}</td>
            <td>{item.remoteUrl ? <a href={item.remoteUrl} target="_blank" rel="noreferrer">open</a> : (item.remoteId ?? '—')}</td>
            <td>{label === 'Synced items' ? formatDate(item.syncedAt) : item.lastError ? `[${item.lastError.code}] ${item.lastError.message}` : 'not tried yet'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SettingsForm() {
  const settings = useSync((state) => state.settings);
  const saving = useSync((state) => state.saving);
  const error = useSync((state) => state.settingsError);
  const [uri, setUri] = useState(settings?.trackingUriSource === 'settings' ? (settings.trackingUri ?? '') : '');
  const [autoSync, setAutoSync] = useState(settings?.autoSync ?? false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const ids = { uri: useId(), auto: useId(), user: useId(), password: useId() };
  if (!settings) return null;
  const fromEnvironment = settings.trackingUriSource === 'environment';
  const save = () =>
    void useSync.getState().saveSettings(
      { trackingUri: uri.trim() || null, autoSync },
      username && password ? { kind: 'basic', username, password } : undefined,
    ).then((saved) => saved && setPassword(''));
  return (
    <section className="card" aria-labelledby="sync-settings">
      <h2 id="sync-settings">Tracking server</h2>
      {fromEnvironment && <p className="hint">MLFLOW_TRACKING_URI is set in the environment and wins over this setting.</p>}
      <div className="field">
        <label htmlFor={ids.uri}>Tracking URI</label>
        <input id={ids.uri} type="url" placeholder="https://mlflow.example.org" value={uri} onChange={(event) => setUri(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.user}>User name</label>
        <input id={ids.user} autoComplete="username" value={username} onChange={(event) => setUsername(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.password}>Password</label>
        <input id={ids.password} type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} />
        <p className="hint small">
          Credentials: {settings.credentials === 'none' ? 'none' : `${settings.credentials} (${settings.credentialsSource === 'environment' ? 'from the environment' : 'kept by the OS keyring'})`}. They are never written to a file.
        </p>
      </div>
      <div className="field checkbox">
        <label>
          <input id={ids.auto} type="checkbox" checked={autoSync} onChange={(event) => setAutoSync(event.target.checked)} /> Sync automatically when the server answers
        </label>
      </div>
      <button type="button" onClick={save} disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </button>
      {error && <ErrorBox error={error} title="Settings not saved" />}
    </section>
  );
}

/** MLflow sync: what is pending, what failed and why, what is synced (with its MLflow link), and "Sync now". */
export function SyncScreen(_props: ScreenProps) {
  const status = useSync((state) => state.status);
  const error = useSync((state) => state.error);
  const syncing = useSync((state) => state.syncing);
  const progress = useSync((state) => state.progress);
  const report = useSync((state) => state.report);
  const syncError = useSync((state) => state.syncError);
  useEffect(() => {
    void useSync.getState().load();
  }, []);

  const waiting = status?.items.filter((item) => item.state !== 'synced') ?? [];
  const synced = status?.items.filter((item) => item.state === 'synced') ?? [];
  return (
    <>
      <h1>Sync</h1>
      <p>
        <SyncIndicator />
      </p>
      {error && <ErrorBox error={error} />}
      <section className="card" aria-labelledby="sync-now">
        <h2 id="sync-now">Send to MLflow</h2>
        <p>
          {status?.trackingUri ? <>Server: <span className="mono">{status.trackingUri}</span></> : 'No tracking server is configured yet.'}
          {status && ` Pending ${status.counts.pending}, synced ${status.counts.synced}, failed ${status.counts.failed}.`}
        </p>
        <button type="button" className="primary" onClick={() => void useSync.getState().syncNow()} disabled={syncing || !status?.trackingUri}>
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>{' '}
        <button type="button" onClick={() => void useSync.getState().probe()} disabled={syncing || !status?.trackingUri}>
          Check connection
        </button>
        {progress && <ProgressBar label={progress.message || 'Syncing'} fraction={progress.fraction} />}
        {report && (
          <p role="status">
            {report.synced.length} synced, {report.failed.length} failed, {report.pending} pending; {report.metricPointsSent} metric points sent in {report.durationS.toFixed(1)} s.
          </p>
        )}
        {syncError && <ErrorBox error={syncError} title="Sync stopped" />}
      </section>
      <section className="card" aria-labelledby="sync-waiting">
        <h2 id="sync-waiting">Pending and failed</h2>
        {waiting.length ? <ItemsTable items={waiting} label="Pending and failed items" /> : <EmptyState title="Nothing waiting." />}
      </section>
      <section className="card" aria-labelledby="sync-done">
        <h2 id="sync-done">Synced</h2>
        {synced.length ? <ItemsTable items={synced} label="Synced items" /> : <EmptyState title="Nothing synced yet." />}
      </section>
      <SettingsForm key={status ? 'loaded' : 'loading'} />
    </>
  );
}
