import { href } from '../router.ts';
import { syncIndication, useSync, type SyncIndication } from '../store/sync.ts';

const WORDS: Record<SyncIndication, string> = {
  'not-configured': 'MLflow: not configured',
  offline: 'MLflow: offline',
  reachable: 'MLflow: reachable',
  syncing: 'MLflow: syncing…',
  errors: 'MLflow: sync errors',
  unknown: 'MLflow: not checked',
};

/**
 * MLflow sync at a glance (offline, reachable, syncing, errors), with pending items; links to the Sync screen.
 * Every finished run is queued for sync, so for someone who never set up MLflow the count would only grow: it is
 * shown once a tracking server is configured.
 */
export function SyncIndicator() {
  const indication = useSync((state) => syncIndication(state));
  const pending = useSync((state) => (state.status?.reachability.state === 'not-configured' ? 0 : (state.status?.counts.pending ?? 0)));
  return (
    <a className={`sync-indicator ${indication}`} href={href('/sync')} aria-label={`${WORDS[indication]}${pending ? `, ${pending} pending` : ''}`}>
      <span aria-hidden="true">{indication === 'reachable' ? '●' : indication === 'syncing' ? '◐' : indication === 'errors' ? '▲' : '○'}</span> {WORDS[indication]}
      {pending > 0 && <span className="small"> ({pending} pending)</span>}
    </a>
  );
}
