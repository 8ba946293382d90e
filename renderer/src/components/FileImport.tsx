import { useId, useState, type DragEvent } from 'react';
import type { PathPurpose } from '../../../schemas/bridge.ts';
import { bridge } from '../services/bridge.ts';

/**
 * Three ways to name a file: the system dialog (Electron), a typed local path, or a file picked or
 * dropped in the page (uploaded first in the web host).
 */
export function FileImport({
  purpose,
  pathLabel,
  accept,
  busy,
  submitLabel = 'Import',
  placeholder = '/media/usb/data.csv',
  onPath,
  onFile,
}: {
  purpose: PathPurpose;
  pathLabel: string;
  accept?: string;
  busy: boolean;
  /** The typed path's button (default "Import"). */
  submitLabel?: string;
  /** An example path shown in the empty field. */
  placeholder?: string;
  onPath(path: string): void;
  onFile(file: File): void;
}) {
  const [path, setPath] = useState('');
  const [over, setOver] = useState(false);
  const pathId = useId();
  const fileId = useId();
  const host = bridge().host;

  const browse = async () => {
    const chosen = await bridge().choosePath(purpose);
    if (chosen) {
      setPath(chosen);
      onPath(chosen);
    }
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file && !busy) onFile(file);
  };

  return (
    <div className="stack">
      <form
        className="field"
        onSubmit={(event) => {
          event.preventDefault();
          if (path.trim()) onPath(path);
        }}
      >
        <label htmlFor={pathId}>{pathLabel}</label>
        <div className="row">
          <input id={pathId} type="text" value={path} onChange={(event) => setPath(event.target.value)} placeholder={placeholder} spellCheck={false} />
          <button type="submit" className="primary" disabled={busy || !path.trim()}>
            {submitLabel}
          </button>
          {host === 'electron' && (
            <button type="button" onClick={() => void browse()} disabled={busy}>
              Browse…
            </button>
          )}
        </div>
        <div className="help">A path on this machine, for example on removable media.</div>
      </form>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p>Drop a file here, or</p>
        <input
          id={fileId}
          className="visually-hidden file-input"
          type="file"
          accept={accept}
          disabled={busy}
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) onFile(file);
          }}
        />
        <label htmlFor={fileId} style={{ fontWeight: 400, display: 'inline' }}>
          <span className="button">Choose a file to upload</span>
        </label>
      </div>
    </div>
  );
}
