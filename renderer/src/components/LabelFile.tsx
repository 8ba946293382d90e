import { useEffect, useId } from 'react';
import type { PredictTarget } from '../../../schemas/predict.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { FileImport } from './FileImport.tsx';
import { LabelFileResult } from './LabelFileResult.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { formatCount } from '../lib/format.ts';
import { usePredict } from '../store/predict.ts';

/** The file's first rows, as read, so the user can see which column holds the text. */
function FilePreview() {
  const file = usePredict((state) => state.file);
  if (!file) return null;
  return (
    <div className="table-scroll">
      <table aria-label="File preview">
        <thead>
          <tr>
            {file.columns.map((column) => (
              <th key={column} className="wrap">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {file.preview.map((row, index) => (
            <tr key={index}>
              {file.columns.map((column) => (
                <td key={column} className="wrap">
                  {row[column]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Step two: confirm the text column, then label every row. */
function ConfirmColumn({ target }: { target: PredictTarget }) {
  const file = usePredict((state) => state.file);
  const column = usePredict((state) => state.column);
  const columnId = useId();
  if (!file) return null;
  return (
    <form
      aria-label="Confirm the text column"
      onSubmit={(event) => {
        event.preventDefault();
        void usePredict.getState().label(target);
      }}
    >
      <p>
        <span className="wrap">{file.fileName}</span>: {formatCount(file.rows)} rows, {file.columns.length} columns.{' '}
        {file.textColumn ? `The text seems to be in "${file.textColumn}".` : 'No column looks like text: pick the one to label.'}
      </p>
      <FilePreview />
      <div className="field" style={{ marginTop: 12 }}>
        <label htmlFor={columnId}>Text column</label>
        <select id={columnId} value={column} onChange={(event) => usePredict.getState().setColumn(event.target.value)}>
          {file.columns.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <div className="help">The model reads this column of every row; the other columns are copied to the output unchanged.</div>
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={!column}>
          Label {formatCount(file.rows)} rows
        </button>
        <button type="button" onClick={() => usePredict.getState().restart()}>
          Choose another file
        </button>
      </div>
    </form>
  );
}

/** "Label a file": choose a CSV/TSV/JSONL/Parquet file, confirm its text column, watch the progress, preview, save. */
export function LabelFile({ target, title = 'Label a file' }: { target: PredictTarget; title?: string }) {
  const phase = usePredict((state) => state.phase);
  const fraction = usePredict((state) => state.fraction);
  const message = usePredict((state) => state.message);
  const result = usePredict((state) => state.result);
  const error = usePredict((state) => state.labelError);
  const headingId = useId();
  useEffect(() => usePredict.getState().selectTarget(target), [target]);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <p className="small muted">Adds predicted_label, its probability and the runner-up to every row of a file. Large files are read a batch at a time.</p>
      {error && <ErrorBox error={error} />}
      {(phase === 'choose' || phase === 'reading') && (
        <FileImport
          purpose="predict-input"
          pathLabel="File to label"
          submitLabel="Open"
          accept=".csv,.tsv,.txt,.jsonl,.parquet"
          busy={phase === 'reading'}
          onPath={(path) => void usePredict.getState().open(path.trim())}
          onFile={(file) => void usePredict.getState().open(file)}
        />
      )}
      {phase === 'reading' && <ProgressBar label={message} fraction={fraction} />}
      {phase === 'confirm' && <ConfirmColumn target={target} />}
      {phase === 'labelling' && (
        <div className="row">
          <div style={{ flex: 1 }}>
            <ProgressBar label={message} fraction={fraction} />
          </div>
          <button type="button" onClick={() => void usePredict.getState().cancel()}>
            Cancel
          </button>
        </div>
      )}
      {phase === 'done' && result && (
        <>
          <LabelFileResult result={result} />
          <button type="button" onClick={() => usePredict.getState().restart()}>
            Label another file
          </button>
        </>
      )}
    </section>
  );
}
