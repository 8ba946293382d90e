import { useId, type ReactNode } from 'react';
import { useDatasets } from '../store/datasets.ts';
import { Name } from './Name.tsx';
import { useNewRun } from '../store/new-run.ts';

/** A wizard's Next button; while disabled, the reason is shown beside it and read with it. */
export function NextButton({ label, why, onClick, children }: { label: string; why: string | null; onClick(): void; children?: ReactNode }) {
  const reasonId = useId();
  return (
    <div className="row">
      {children}
      <button type="button" className="primary" disabled={why !== null} aria-describedby={why ? reasonId : undefined} onClick={onClick}>
        {label}
      </button>
      {why && (
        <span id={reasonId} className="muted small" role="note">
          {why}
        </span>
      )}
    </div>
  );
}

/** Which dataset the later steps are for, so nobody trains on the wrong one by accident. */
export function ChosenDataset() {
  const datasetId = useNewRun((state) => state.datasetId);
  const dataset = useDatasets((state) => state.datasets.find((candidate) => candidate.id === datasetId));
  if (!datasetId) return null;
  return (
    <p className="chosen-dataset" aria-label="Chosen dataset">
      Dataset: <strong>
        <Name text={dataset?.name ?? datasetId} />
      </strong>
      {dataset && <span className="muted small"> · {dataset.rows.toLocaleString('en-US')} rows</span>}{' '}
      <button type="button" className="link" onClick={() => useNewRun.getState().goTo('dataset')}>
        change
      </button>
    </p>
  );
}
