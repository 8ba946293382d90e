import { useEffect, useId, useState } from 'react';
import { ErrorBox } from './ErrorBox.tsx';
import { formatBytes } from '../lib/format.ts';
import { bridge } from '../services/bridge.ts';
import { useCluster } from '../store/cluster.ts';

/** A whole number typed in a field, or NaN (the call's schema then names the field). */
const wholeNumber = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);

/** The job folder written, and the commands that start it on the cluster. */
function ExportedJob() {
  const exported = useCluster((state) => state.exported);
  if (!exported) return null;
  return (
    <div role="status" aria-label="Job folder written" style={{ marginTop: 12 }}>
      <dl className="kv">
        <dt>Job folder</dt>
        <dd className="mono">{exported.folder}</dd>
        <dt>Size</dt>
        <dd>
          {formatBytes(exported.bytes)} in {exported.files} file{exported.files === 1 ? '' : 's'}
        </dd>
        <dt>Config hash</dt>
        <dd className="mono small" aria-label="Config SHA-256">
          {exported.configSha256}
        </dd>
      </dl>
      <p className="small">Copy the folder to the cluster, then start it on every node with torchrun:</p>
      <pre className="command" aria-label="torchrun command" tabIndex={0}>{exported.commands.torchrun}</pre>
      <p className="small">or submit it to SLURM:</p>
      <pre className="command" aria-label="SLURM command" tabIndex={0}>{exported.commands.slurm}</pre>
      <p className="muted small">
        The results come back from the job folder&apos;s <span className="mono">out</span> folder: History → Import a cluster run.
      </p>
    </div>
  );
}

/**
 * "Run on a cluster": asks how many machines and GPUs, where to write the job folder (and, optionally, where the
 * data and model already are on the cluster), then writes it with cluster.export from this config.
 */
export function ClusterExportDialog({ config, defaults, onClose }: { config: unknown; defaults: { nodes: number; gpusPerNode: number }; onClose(): void }) {
  const [nodes, setNodes] = useState(String(defaults.nodes));
  const [gpus, setGpus] = useState(String(defaults.gpusPerNode));
  const [to, setTo] = useState('');
  const [shared, setShared] = useState('');
  const exporting = useCluster((state) => state.exporting);
  const error = useCluster((state) => state.exportError);
  const ids = { title: useId(), nodes: useId(), gpus: useId(), to: useId(), shared: useId() };
  // A job folder written earlier (before Back, or for another config) is not this dialog's.
  useEffect(() => () => useCluster.getState().clearExport(), []);
  const world = wholeNumber(nodes) * wholeNumber(gpus);
  const browse = async () => {
    const chosen = await bridge().choosePath('export-target');
    if (chosen) setTo(chosen);
  };
  return (
    <section className="card" role="dialog" aria-labelledby={ids.title}>
      <h3 id={ids.title}>Run on a cluster</h3>
      <p className="muted small">
        Writes a self-contained job folder (this config, the dataset&apos;s table, the base model, the trainer, and launchers for torchrun and SLURM) to copy to the cluster.
        Airlock does not schedule the job: your cluster does.
      </p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const sharedPath = shared.trim();
          void useCluster.getState().exportJob({ config, nodes: wholeNumber(nodes), gpusPerNode: wholeNumber(gpus), to: to.trim(), ...(sharedPath ? { sharedPath } : {}) });
        }}
      >
        <div className="row">
          <div className="field">
            <label htmlFor={ids.nodes}>Nodes (machines)</label>
            <input id={ids.nodes} type="number" min={1} max={1024} step={1} value={nodes} onChange={(event) => setNodes(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.gpus}>GPUs per node</label>
            <input id={ids.gpus} type="number" min={1} max={64} step={1} value={gpus} onChange={(event) => setGpus(event.target.value)} />
          </div>
        </div>
        {Number.isFinite(world) && world > 0 && <p className="small">{world} processes in all, one per GPU.</p>}
        <div className="field">
          <label htmlFor={ids.to}>Job folder to write</label>
          <div className="row">
            <input id={ids.to} type="text" value={to} onChange={(event) => setTo(event.target.value)} placeholder="/media/usb/jobs/tickets-4x8" spellCheck={false} />
            {bridge().host === 'electron' && (
              <button type="button" onClick={() => void browse()}>
                Browse…
              </button>
            )}
          </div>
          <div className="help">A new folder on this machine, for example on removable media.</div>
        </div>
        <div className="field">
          <label htmlFor={ids.shared}>Shared path on the cluster (optional)</label>
          <input id={ids.shared} type="text" value={shared} onChange={(event) => setShared(event.target.value)} placeholder="/shared/airlock" spellCheck={false} />
          <div className="help">Where the data and model already are on the cluster&apos;s shared file system: the job then names them (checked by hash at start) instead of copying them.</div>
        </div>
        {error && <ErrorBox error={error} title="The job folder could not be written" />}
        <div className="row">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="primary" disabled={exporting || !to.trim()}>
            {exporting ? 'Writing the job folder…' : 'Write the job folder'}
          </button>
        </div>
      </form>
      <ExportedJob />
    </section>
  );
}
