import { useEffect, useState } from 'react';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { SftFormat } from '../../../schemas/config.ts';
import type { ScreenProps } from './index.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { Name } from '../components/Name.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { LabelFacts, SftFacts } from '../components/DetectionFacts.tsx';
import { FileImport } from '../components/FileImport.tsx';
import { LabelChart } from '../components/LabelChart.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { formatBytes, formatDate } from '../lib/format.ts';
import { href, navigate } from '../router.ts';
import { useDatasets } from '../store/datasets.ts';
import { useNewRun } from '../store/new-run.ts';

/** How a table may be read besides detection's own choice (labels, or fine-tuning data it recognises). */
const READ_AS: { value: '' | SftFormat; label: string }[] = [
  { value: '', label: 'Detect (labels to predict, or prompts and answers)' },
  { value: 'prompt_completion', label: 'Prompts and answers (prompt / completion, instruction / output)' },
  { value: 'chat', label: 'Chat conversations (a messages column of {role, content} turns)' },
  { value: 'text', label: 'Plain text to continue (domain text, one column)' },
];

function ImportPanel() {
  const [skipUnreadable, setSkipUnreadable] = useState(false);
  const [readAs, setReadAs] = useState<'' | SftFormat>('');
  const importing = useDatasets((state) => state.importing);
  const importError = useDatasets((state) => state.importError);
  const lastImport = useDatasets((state) => state.lastImport);
  const { importPath, importFile } = useDatasets.getState();
  const done = (dataset: Dataset | null) => {
    if (dataset) navigate(`/datasets/${dataset.id}`);
  };
  return (
    <section className="card" aria-labelledby="import-dataset">
      <h2 id="import-dataset">Import a dataset</h2>
      <p className="muted small">
        CSV, TSV, JSON Lines or Parquet, with a column of text and a column of labels, or prompts and answers (or chats) to teach a language model to write; or a folder of images or sound clips with one subfolder per class (optionally inside train/, validation/ and test/ folders), as a path or as a .zip or .tar.gz. It is read once,
        checked and copied into Airlock; an import that fails leaves nothing behind.
      </p>
      <label className="small">
        Read a table as{' '}
        <select aria-label="Read a table as" value={readAs} onChange={(event) => setReadAs(event.target.value as '' | SftFormat)}>
          {READ_AS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <label className="checkbox small">
        <input type="checkbox" checked={skipUnreadable} onChange={(event) => setSkipUnreadable(event.target.checked)} /> For a folder: import the files that can be read even if some cannot (they are listed)
      </label>
      <FileImport
        purpose="dataset"
        pathLabel="Dataset file or folder path"
        accept=".csv,.tsv,.txt,.jsonl,.json,.parquet,.zip,.tar,.gz,.tgz"
        busy={importing !== null}
        onPath={(path) => void importPath(path, undefined, { skipUnreadable, ...(readAs ? { format: readAs } : {}) }).then(done)}
        onFile={(file) => void importFile(file, readAs ? { format: readAs } : {}).then(done)}
      />
      {importing && <ProgressBar label={`${importing.stage === 'upload' ? 'Uploading' : 'Reading'} ${importing.name}`} fraction={importing.fraction} />}
      {importError && <ErrorBox error={importError} title="Import failed" />}
      {lastImport?.existing && <p role="status">This file was already imported; showing the stored dataset.</p>}
    </section>
  );
}

function ColumnChooser({ dataset }: { dataset: Dataset }) {
  const { detection } = dataset;
  const [text, setText] = useState(detection.textColumn ?? '');
  const [label, setLabel] = useState(detection.labelColumn ?? '');
  const saving = useDatasets((state) => state.savingColumns);
  const error = useDatasets((state) => state.columnsError);
  const changed = text !== (detection.textColumn ?? '') || label !== (detection.labelColumn ?? '');
  const names = dataset.columns.map((column) => column.name);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void useDatasets.getState().setColumns(dataset.id, text, label);
      }}
    >
      <div className="grid-2">
        <div className="field">
          <label htmlFor="text-column">Text column</label>
          <select id="text-column" value={text} onChange={(event) => setText(event.target.value)}>
            {names.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
          <div className="help">What the model reads.</div>
        </div>
        <div className="field">
          <label htmlFor="label-column">Label column</label>
          <select id="label-column" value={label} onChange={(event) => setLabel(event.target.value)}>
            {names.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
          <div className="help">What the model learns to predict.</div>
        </div>
      </div>
      <div className="row">
        <button type="submit" disabled={!changed || saving}>
          {saving ? 'Checking…' : 'Apply columns'}
        </button>
        {changed && <span className="muted small">Detection runs again with these columns.</span>}
      </div>
      {error && <ErrorBox error={error} title="These columns cannot be used" />}
    </form>
  );
}

function DatasetDetails({ dataset }: { dataset: Dataset }) {
  const { detection } = dataset;
  return (
    <div className="stack">
      <section className="card" aria-labelledby="dataset-title">
        <div className="spread">
          <h2 id="dataset-title">
            <Name text={dataset.name} lines={3} />
          </h2>
          <button
            type="button"
            className="primary"
            onClick={() => {
              useNewRun.getState().chooseDataset(dataset.id);
              useNewRun.getState().goTo('model');
              navigate('/new');
            }}
          >
            Train a model on this dataset
          </button>
        </div>
        <dl className="kv">
          <dt>Rows</dt>
          <dd>{dataset.rows.toLocaleString('en-US')}</dd>
          <dt>Format</dt>
          <dd>
            {dataset.media ? `${dataset.media.kind === 'image' ? 'Image' : 'Audio'} folder, ${formatBytes(dataset.bytes)}` : `${dataset.format.toUpperCase()}, ${formatBytes(dataset.bytes)}, ${dataset.encoding}`}
            {dataset.delimiter && dataset.delimiter !== ',' ? `, delimiter ${JSON.stringify(dataset.delimiter)}` : ''}
          </dd>
          <dt>Imported from</dt>
          <dd className="mono small">{dataset.sourcePath}</dd>
          <dt>Imported</dt>
          <dd>{formatDate(dataset.createdAt)}</dd>
          <dt>Id</dt>
          <dd className="mono small">{dataset.id} (SHA-256 {dataset.sha256.slice(0, 16)}…)</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="detection">
        <h2 id="detection">Detection</h2>
        <dl className="kv" aria-label="Detection result">
          <dt>Task</dt>
          <dd>{detection.task === 'causal_lm' ? 'text generation (a causal language model learns to write)' : detection.task.replace('_', '-')}</dd>
          <dt>Modality</dt>
          <dd>{detection.modality}</dd>
          {detection.sft ? <SftFacts sft={detection.sft} /> : <LabelFacts dataset={dataset} />}
        </dl>
        {!dataset.media && !detection.sft && (
          <>
            <h3 style={{ marginTop: 16 }}>Change the columns</h3>
            <ColumnChooser key={`${detection.textColumn}/${detection.labelColumn}`} dataset={dataset} />
          </>
        )}
      </section>
      {dataset.media && <MediaFacts media={dataset.media} />}
      <section className="card" aria-labelledby="warnings">
        <h2 id="warnings">Warnings</h2>
        {detection.warnings.length === 0 ? (
          <p className="muted">No problems found.</p>
        ) : (
          detection.warnings.map((warning) => (
            <div key={warning.code} className="alert warning">
              {warning.message} <span className="code">{warning.code}</span>
            </div>
          ))
        )}
      </section>
      {detection.labels.length > 0 && (
        <section className="card" aria-labelledby="label-distribution">
          <h2 id="label-distribution">Label distribution</h2>
          <LabelChart labels={detection.labels} />
        </section>
      )}
      <section className="card" aria-labelledby="column-profile">
        <h2 id="column-profile">Columns</h2>
        <div className="table-scroll">
          <table aria-label="Column profile">
            <thead>
              <tr>
                <th>Column</th>
                <th>Type</th>
                <th className="num">Distinct</th>
                <th className="num">Missing</th>
                <th className="num">Length p50 / p95 / max</th>
                <th>Examples</th>
              </tr>
            </thead>
            <tbody>
              {dataset.columns.map((column) => (
                <tr key={column.name}>
                  <td>{column.name}</td>
                  <td>{column.type}</td>
                  <td className="num">
                    {column.distinct.toLocaleString('en-US')}
                    {column.distinctCapped ? '+' : ''}
                  </td>
                  <td className="num">{column.missing.toLocaleString('en-US')}</td>
                  <td className="num">{column.textLength ? `${Math.round(column.textLength.p50)} / ${Math.round(column.textLength.p95)} / ${column.textLength.max}` : '—'}</td>
                  <td className="small">{column.samples.slice(0, 3).map((sample) => (sample.length > 60 ? `${sample.slice(0, 60)}…` : sample)).join(' · ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="preview">
        <h2 id="preview">Preview</h2>
        <p className="muted small">The first {dataset.preview.length} rows.</p>
        <div className="table-scroll">
          <table aria-label="Preview">
            <thead>
              <tr>
                {dataset.columns.map((column) => (
                  <th key={column.name}>{column.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {dataset.preview.map((row, index) => (
                <tr key={index}>
                  {dataset.columns.map((column) => (
                    <td key={column.name}>{row[column.name]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function counts(record: Record<string, number>, unit = ''): string {
  return Object.entries(record)
    .map(([key, count]) => `${key}${unit}: ${count.toLocaleString('en-US')}`)
    .join(' · ');
}

/** What the files of an image or audio folder hold, and the files left out. */
function MediaFacts({ media }: { media: NonNullable<Dataset['media']> }) {
  return (
    <section className="card" aria-labelledby="media-files">
      <h2 id="media-files">{media.kind === 'image' ? 'Pictures' : 'Sound clips'}</h2>
      <dl className="kv" aria-label="What the files hold">
        <dt>Files</dt>
        <dd>{media.files.toLocaleString('en-US')}</dd>
        <dt>Split folders</dt>
        <dd>{media.splits.length ? media.splits.join(', ') : 'none (validation rows are held out of the training files)'}</dd>
        {media.image && (
          <>
            <dt>Width (px)</dt>
            <dd>{media.image.width.min}–{media.image.width.max}, median {media.image.width.p50}</dd>
            <dt>Height (px)</dt>
            <dd>{media.image.height.min}–{media.image.height.max}, median {media.image.height.p50}</dd>
            <dt>Colour modes</dt>
            <dd>{counts(media.image.modes)}</dd>
            <dt>Formats</dt>
            <dd>{counts(media.image.formats)}</dd>
          </>
        )}
        {media.audio && (
          <>
            <dt>Duration (s)</dt>
            <dd>{media.audio.seconds.min}–{media.audio.seconds.max}, median {media.audio.seconds.p50}</dd>
            <dt>Sample rates</dt>
            <dd>{counts(media.audio.sampleRates, ' Hz')}</dd>
            <dt>Channels</dt>
            <dd>{counts(media.audio.channels)}</dd>
          </>
        )}
      </dl>
      {media.unusable.length > 0 && (
        <>
          <h3>Left out: {media.unusable.length} file(s) that cannot be read</h3>
          <ul className="small">
            {media.unusable.map((entry) => (
              <li key={entry.file}>
                <span className="mono">{entry.file}</span>: {entry.reason} <span className="code">{entry.code}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** Datasets: import (picker, drop, typed path), and for the chosen one its preview, profile, detection and warnings. */
export function DatasetsScreen({ params }: ScreenProps) {
  const datasets = useDatasets((state) => state.datasets);
  const loaded = useDatasets((state) => state.loaded);
  const error = useDatasets((state) => state.error);
  useEffect(() => {
    void useDatasets.getState().load();
  }, []);
  const selected = datasets.find((dataset) => dataset.id === params.id) ?? (params.id ? null : datasets[0] ?? null);

  return (
    <>
      <h1>Datasets</h1>
      <ImportPanel />
      {error && <ErrorBox error={error} />}
      {loaded && datasets.length === 0 ? (
        <EmptyState title="No datasets yet.">
          <p>Import a file above to see its preview, columns and detected labels.</p>
        </EmptyState>
      ) : (
        <div style={{ display: 'grid', gridTemplateColumns: 'minmax(180px, 240px) minmax(0, 1fr)', gap: 16 }}>
          <nav aria-label="Stored datasets">
            <h2>Stored</h2>
            <ul className="list-select">
              {datasets.map((dataset) => (
                <li key={dataset.id}>
                  <a className="button" style={{ width: '100%' }} href={href(`/datasets/${dataset.id}`)} aria-current={selected?.id === dataset.id ? 'true' : undefined}>
                    <Name text={dataset.name} />
                    <span className="muted small"> · {dataset.rows.toLocaleString('en-US')} rows</span>
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div>{selected ? <DatasetDetails dataset={selected} /> : loaded && params.id && <ErrorBox error={{ code: 'DATASET_NOT_FOUND', message: `No dataset "${params.id}" is stored.`, hint: 'Pick one from the list.' }} />}</div>
        </div>
      )}
    </>
  );
}
