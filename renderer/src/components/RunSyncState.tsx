import { href } from '../router.ts';
import { useSync } from '../store/sync.ts';

const WORDS = { pending: 'waiting to sync', synced: 'synced', failed: 'sync failed' } as const;

/** Where a run stands with MLflow: nothing until a tracking server is set up, then its outbox state and link. */
export function RunSyncState({ runId }: { runId: string }) {
  const item = useSync((state) => state.status?.items.find((candidate) => candidate.kind === 'run' && candidate.localId === runId));
  const configured = useSync((state) => state.status?.reachability.state !== 'not-configured');
  // "waiting to sync" would promise a sync that nobody set up; a run synced earlier keeps its state and link
  if (!item || (!configured && item.state === 'pending')) return null;
  return (
    <span aria-label="MLflow sync state">
      {' · '}MLflow: <a href={href('/sync')}>{WORDS[item.state]}</a>
      {item.remoteUrl && (
        <>
          {' '}
          (<a href={item.remoteUrl} target="_blank" rel="noreferrer">open in MLflow</a>)
        </>
      )}
    </span>
  );
}
