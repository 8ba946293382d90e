import { useEffect, useId, useState } from 'react';
import type { ModelVersion, VerifiedBundle } from '../../../schemas/registry.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { formatBytes } from '../lib/format.ts';
import { bridge } from '../services/bridge.ts';
import { useExport } from '../store/export.ts';
import { versionRef } from '../store/registry.ts';

/** What a language model bundle holds, and what it needs where it is used. */
function BundleKind({ bundle }: { bundle: VerifiedBundle }) {
  if (bundle.kind === 'adapter') {
    return (
      <div className="small">
        The LoRA adapter alone: it needs the base model {bundle.base ? <strong>{bundle.base.name}</strong> : 'it was trained on'} where it is used
        {bundle.base && <span className="mono"> (weights SHA-256 {bundle.base.sha256})</span>}.
      </div>
    );
  }
  if (bundle.kind === 'merged') {
    return <div className="small">A whole model{bundle.base ? <> (the adapter merged into {bundle.base.name})</> : null}: it stands alone.</div>;
  }
  return null;
}

function Verified({ bundle }: { bundle: VerifiedBundle }) {
  return (
    <div role="status" aria-label="Verification result">
      <strong>Verified:</strong> <span className="mono">{bundle.path}</span> — {bundle.files} files, {formatBytes(bundle.bytes)}, every size and SHA-256 as listed.
      <BundleKind bundle={bundle} />
      <div className="small mono">manifest.json SHA-256 {bundle.manifestSha256}</div>
    </div>
  );
}

/** Whether a version's model is a LoRA adapter on a language model (auto means LoRA for causal_lm), which can go out alone or merged. */
function isLoraAdapter(version: ModelVersion): boolean {
  return version.lineage.task === 'causal_lm' && version.lineage.config.training.finetuning !== 'full';
}

/** Export of one version to a removable drive: the drives found, a folder, progress, and Verify or Replace when it is there already. */
export function ExportPanel({ version }: { version: ModelVersion }) {
  const volumes = useExport((state) => state.volumes);
  const volumesError = useExport((state) => state.volumesError);
  const current = useExport((state) => state.export);
  const [to, setTo] = useState('');
  const [merged, setMerged] = useState(false);
  const folderId = useId();
  const adapter = isLoraAdapter(version);
  useEffect(() => {
    void useExport.getState().loadVolumes();
  }, []);
  const browse = async () => {
    const chosen = await bridge().choosePath('export-target');
    if (chosen) setTo(chosen);
  };
  const ref = versionRef(version);
  const mine = current?.ref === ref ? current : null;
  const running = mine !== null && !mine.result && !mine.error && !mine.existing;
  const start = (replace: boolean) =>
    void useExport.getState().exportBundle(ref, mine?.existing && replace ? mine.to : to.trim(), { replace, merged: mine?.existing && replace ? mine.merged : adapter && merged });
  const folderName = `${version.name}-v${version.version}${adapter && merged ? '-merged' : ''}`;
  return (
    <section className="card" aria-labelledby="export">
      <h2 id="export">Export to removable media</h2>
      <p className="muted small">
        Writes {folderName}/ (MLflow model, safetensors weights, model card, manifest) into the folder, then re-reads and verifies every file.
      </p>
      {volumesError && <ErrorBox error={volumesError} />}
      <fieldset>
        <legend>Removable drives</legend>
        {volumes.length === 0 ? (
          <p className="small muted">No removable drive found. Plug one in, or type a folder below.</p>
        ) : (
          volumes.map((volume) => (
            <label key={volume.path} className="field checkbox">
              <input type="radio" name="volume" checked={to === volume.path} onChange={() => setTo(volume.path)} />
              <span className="mono">{volume.path}</span> ({volume.fsType}, {formatBytes(volume.freeBytes)} free of {formatBytes(volume.totalBytes)})
            </label>
          ))
        )}
        <button type="button" onClick={() => void useExport.getState().loadVolumes()}>
          Refresh drives
        </button>
      </fieldset>
      {adapter && (
        <fieldset>
          <legend>What to export</legend>
          <label className="field checkbox">
            <input type="radio" name="bundle-kind" checked={!merged} onChange={() => setMerged(false)} disabled={running} />
            Adapter only (small; needs the base model {version.lineage.baseModel} where it is used)
          </label>
          <label className="field checkbox">
            <input type="radio" name="bundle-kind" checked={merged} onChange={() => setMerged(true)} disabled={running} />
            Merged model (stands alone)
          </label>
        </fieldset>
      )}
      <div className="field">
        <label htmlFor={folderId}>Export folder</label>
        <div className="row">
          <input id={folderId} type="text" value={to} onChange={(event) => setTo(event.target.value)} placeholder="/media/usb" spellCheck={false} />
          {bridge().host === 'electron' && (
            <button type="button" onClick={() => void browse()}>
              Browse…
            </button>
          )}
        </div>
        <div className="help">A full path, such as /media/usb.</div>
      </div>
      <button type="button" className="primary" disabled={running || mine?.verifying || !to.trim()} onClick={() => start(false)}>
        {running ? 'Exporting…' : `Export ${ref}${adapter ? (merged ? ' merged' : ' adapter') : ''}`}
      </button>
      {running && <ProgressBar label={mine.message} fraction={mine.fraction} />}
      {mine?.existing && !mine.result && (
        <div role="group" aria-label="Already exported" className="alert">
          <p>
            <span className="mono">{mine.existing.path}</span> already holds an export of {version.name} v{version.version}. Verify checks every file of it
            against its manifest; Replace writes a new export and removes the old one once the new one is complete.
          </p>
          <div className="row">
            <button type="button" disabled={mine.verifying} onClick={() => void useExport.getState().verifyExisting()}>
              {mine.verifying ? 'Verifying…' : 'Verify'}
            </button>
            <button type="button" disabled={mine.verifying} onClick={() => start(true)}>
              Replace
            </button>
          </div>
        </div>
      )}
      {mine?.error && <ErrorBox error={mine.error} title={mine.existing ? 'The export there does not verify' : 'Export failed'} />}
      {mine?.result && <Verified bundle={mine.result} />}
    </section>
  );
}
