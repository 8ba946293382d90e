import { useId, useState } from 'react';
import { ErrorBox } from './ErrorBox.tsx';
import { navigate } from '../router.ts';
import { bridge } from '../services/bridge.ts';
import { useCluster } from '../store/cluster.ts';

/** "Import a cluster run": a job folder's out/ folder (or a copy on removable media) into the history, then its Run screen. */
export function ImportClusterRun() {
  const [path, setPath] = useState('');
  const importing = useCluster((state) => state.importing);
  const error = useCluster((state) => state.importError);
  const pathId = useId();
  const browse = async () => {
    const chosen = await bridge().choosePath('cluster-run');
    if (chosen) setPath(chosen);
  };
  return (
    <details className="card" open={error ? true : undefined}>
      <summary>Import a cluster run</summary>
      <p className="muted small">
        A run trained on a cluster from a job folder (New run → Run on a cluster) comes back from that folder&apos;s <span className="mono">out</span> folder: its config, every metric,
        the trained model and how long each node took, checked against the folder&apos;s hashes.
      </p>
      <form
        className="field"
        onSubmit={(event) => {
          event.preventDefault();
          void useCluster
            .getState()
            .importRun(path)
            .then((run) => {
              if (run) navigate(`/runs/${run.id}`);
            });
        }}
      >
        <label htmlFor={pathId}>The job&apos;s out folder</label>
        <div className="row">
          <input id={pathId} type="text" value={path} onChange={(event) => setPath(event.target.value)} placeholder="/media/usb/jobs/tickets-4x8/out" spellCheck={false} />
          <button type="submit" className="primary" disabled={importing || !path.trim()}>
            {importing ? 'Importing…' : 'Import run'}
          </button>
          {bridge().host === 'electron' && (
            <button type="button" onClick={() => void browse()} disabled={importing}>
              Browse…
            </button>
          )}
        </div>
      </form>
      {error && <ErrorBox error={error} title="The run could not be imported" />}
    </details>
  );
}
