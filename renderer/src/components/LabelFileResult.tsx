import { useId, useState } from 'react';
import type { LabelFileResult as Result, LabelledFileFormat, RowPrediction } from '../../../schemas/predict.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { LabelChart } from './LabelChart.tsx';
import { formatCount, formatMetric, formatPercent } from '../lib/format.ts';
import { bridge } from '../services/bridge.ts';
import { usePredict } from '../store/predict.ts';

/** Rows with their predicted label, probability and runner-up; unclear rows flagged. */
function RowsTable({ rows, label }: { rows: RowPrediction[]; label: string }) {
  const regression = rows.some((row) => row.value !== undefined);
  return (
    <div className="table-scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            <th className="num">Row</th>
            <th>Text</th>
            {regression ? (
              <th className="num">predicted_value</th>
            ) : (
              <>
                <th>predicted_label</th>
                <th className="num">Probability</th>
                <th>Runner-up</th>
                <th>Confidence</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.row} className={row.lowConfidence ? 'flagged' : undefined}>
              <td className="num">{row.row}</td>
              <td className="wrap">{row.text}</td>
              {regression ? (
                <td className="num">{formatMetric(row.value)}</td>
              ) : (
                <>
                  <td className="wrap">{row.labels ? row.labels.join(', ') || '—' : row.label}</td>
                  <td className="num">{formatPercent(row.probability)}</td>
                  <td className="wrap">{row.runnerUp ? `${row.runnerUp.label} (${formatPercent(row.runnerUp.probability)})` : '—'}</td>
                  <td>{row.lowConfidence ? 'low — check it' : 'clear'}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SavePanel({ result }: { result: Result }) {
  const [folder, setFolder] = useState('');
  const [format, setFormat] = useState<LabelledFileFormat>('csv');
  const saving = usePredict((state) => state.saving);
  const saved = usePredict((state) => state.saved);
  const error = usePredict((state) => state.saveError);
  const folderId = useId();
  const browse = async () => {
    const chosen = await bridge().choosePath('export-target');
    if (chosen) setFolder(chosen);
  };
  return (
    <form
      aria-label="Save the labelled file"
      onSubmit={(event) => {
        event.preventDefault();
        void usePredict.getState().save(folder.trim(), format);
      }}
    >
      <h3>Save</h3>
      <div className="field">
        <label htmlFor={folderId}>Save to folder</label>
        <div className="row">
          <input id={folderId} type="text" value={folder} onChange={(event) => setFolder(event.target.value)} placeholder="/media/usb/results" spellCheck={false} />
          {bridge().host === 'electron' && (
            <button type="button" onClick={() => void browse()}>
              Browse…
            </button>
          )}
        </div>
        <div className="help">A full path; the file is named after {result.fileName} and never replaces an existing one.</div>
      </div>
      <fieldset className="row">
        <legend>Format</legend>
        {(['csv', 'jsonl'] as const).map((choice) => (
          <label key={choice} className="field checkbox">
            <input type="radio" name="format" checked={format === choice} onChange={() => setFormat(choice)} /> {choice === 'csv' ? 'CSV (spreadsheets)' : 'JSON Lines (exact values)'}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={saving || !folder.trim()}>
        {saving ? 'Saving…' : `Save ${formatCount(result.rows)} rows`}
      </button>
      {error && <ErrorBox error={error} title="Not saved" />}
      {saved && (
        <p role="status" aria-label="Saved file">
          Saved {formatCount(saved.rows)} rows to <span className="mono wrap">{saved.path}</span>
        </p>
      )}
      <p className="small muted">
        In CSV, a cell a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return, other than a plain number) and a cell
        starting with ' are written with one ' in front: remove one leading ' to get the original. JSON Lines keeps every value exactly.
      </p>
    </form>
  );
}

/** What labelling found: a preview with runner-ups, the label distribution, unclear rows, and Save. */
export function LabelFileResult({ result }: { result: Result }) {
  const counts = Object.entries(result.labelCounts)
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count);
  return (
    <div className="stack">
      <p role="status" aria-label="Labelling result">
        {result.status === 'cancelled' ? 'Cancelled: ' : ''}Labelled {formatCount(result.rows)} of {formatCount(result.totalRows)} rows of{' '}
        <span className="wrap">{result.fileName}</span> (text column "{result.column}") in {result.durationS.toFixed(1)} s.{' '}
        {result.task !== 'regression' && `${formatCount(result.lowConfidenceRows)} low-confidence.`}
      </p>
      <h3>First rows</h3>
      <RowsTable rows={result.preview} label="Labelled rows" />
      {counts.length > 0 && (
        <>
          <h3>Predicted labels</h3>
          <LabelChart labels={counts} />
        </>
      )}
      {result.lowConfidenceRows > 0 && (
        <details>
          <summary>
            {formatCount(result.lowConfidenceRows)} low-confidence row{result.lowConfidenceRows === 1 ? '' : 's'} (top label less than 10 points ahead of the runner-up, or close to a
            random guess)
          </summary>
          <RowsTable rows={result.lowConfidenceExamples} label="Low-confidence rows" />
        </details>
      )}
      <SavePanel result={result} />
    </div>
  );
}
