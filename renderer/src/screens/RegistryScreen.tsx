import { useEffect, useId, useState } from 'react';
import type { ScreenProps } from './index.ts';
import type { ModelVersion, RegisteredModel } from '../../../schemas/registry.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { Name } from '../components/Name.tsx';
import { StageSelect } from '../components/StageSelect.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { ExportPanel } from '../components/ExportPanel.tsx';
import { TryModel } from '../components/TryModel.tsx';
import { formatDate, formatMetric } from '../lib/format.ts';
import { href } from '../router.ts';
import { useRegistry, versionRef } from '../store/registry.ts';

const HEADLINE = /^(val|test)\/(accuracy|f1_macro|r2|mae|perplexity)$/;

function VersionDetails({ version }: { version: ModelVersion }) {
  const lineage = version.lineage;
  const metrics = Object.keys(lineage.metrics).sort();
  return (
    <section className="card" aria-labelledby="version-details">
      <h2 id="version-details">
        <Name text={version.name} /> v{version.version}
      </h2>
      {version.description && <p>{version.description}</p>}
      <dl className="kv" aria-label="Lineage">
        <dt>Run</dt>
        <dd>
          <a href={href(`/runs/${lineage.runId}`)} className="mono">
            {lineage.runId}
          </a>{' '}
          (<Name text={lineage.experiment} lines={1} />)
        </dd>
        <dt>Base model</dt>
        <dd>{lineage.baseModel}</dd>
        <dt>Task</dt>
        <dd>{lineage.task}</dd>
        <dt>Training data</dt>
        <dd>
          <Name text={lineage.datasetName ?? lineage.config.data.train_path} />
        </dd>
        <dt>Data SHA-256</dt>
        <dd className="mono small">{lineage.datasetSha256 ?? 'not recorded'}</dd>
        <dt>Labels</dt>
        <dd>{lineage.labels.join(', ') || '—'}</dd>
        <dt>Trained</dt>
        <dd>
          {formatDate(lineage.trainedAt)} on {lineage.device ?? 'an unknown device'}
        </dd>
      </dl>
      <h3>Metrics</h3>
      <table aria-label="Version metrics">
        <tbody>
          {metrics.map((key) => (
            <tr key={key}>
              <td>{key}</td>
              <td className="num">{formatMetric(lineage.metrics[key])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Stage history</h3>
      <ol aria-label="Stage history">
        {version.stageHistory.map((change) => (
          <li key={change.at + change.stage}>
            {change.stage} — {formatDate(change.at)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function ModelVersions({ model }: { model: RegisteredModel }) {
  const [selected, setSelected] = useState<number>(model.versions[0]?.version ?? 1);
  const stageError = useRegistry((state) => state.stageError);
  const version = model.versions.find((candidate) => candidate.version === selected) ?? model.versions[0];
  return (
    <>
      <section className="card" aria-labelledby="versions">
        <h2 id="versions">
          Versions of <Name text={model.name} />
        </h2>
        {stageError && <ErrorBox error={stageError} />}
        <table aria-label="Versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Run</th>
              <th>Metrics</th>
              <th>Registered</th>
            </tr>
          </thead>
          <tbody>
            {model.versions.map((entry) => (
              <tr key={entry.version} className={entry.version === version?.version ? 'selected' : undefined}>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(entry.version)} aria-pressed={entry.version === version?.version}>
                    v{entry.version}
                  </button>
                </td>
                <td>
                  <StageSelect label={`Stage of v${entry.version}`} value={entry.stage} what={`${entry.name} v${entry.version}`} onChange={(stage) => void useRegistry.getState().setStage(versionRef(entry), stage)} />
                </td>
                <td className="mono small">{entry.runId}</td>
                <td className="small">
                  {Object.entries(entry.lineage.metrics)
                    .filter(([key]) => HEADLINE.test(key))
                    .map(([key, value]) => `${key} ${formatMetric(value)}`)
                    .join(' · ') || '—'}
                </td>
                <td>{formatDate(entry.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {version && (
        <>
          <VersionDetails version={version} />
          <TryModel target={{ model: versionRef(version) }} datasetId={version.lineage.datasetId} task={version.lineage.task} />
          <ExportPanel version={version} />
        </>
      )}
    </>
  );
}

/** Registry: named models, their versions, stages and lineage; try it, label a file; export to removable media. */
export function RegistryScreen({ params }: ScreenProps) {
  const models = useRegistry((state) => state.models);
  const loaded = useRegistry((state) => state.loaded);
  const error = useRegistry((state) => state.error);
  useEffect(() => {
    void useRegistry.getState().load();
  }, []);
  const selected = models.find((model) => model.name === params.name) ?? (models.length === 1 ? models[0] : null);
  return (
    <>
      <h1>Registry</h1>
      {error && <ErrorBox error={error} />}
      <section className="card" aria-labelledby="registered-models">
        <h2 id="registered-models">Registered models</h2>
        {loaded && models.length === 0 ? (
          <EmptyState title="No registered models yet.">
            <p>Open a completed run and press Register, or set deployment.register_model: true in its config.</p>
          </EmptyState>
        ) : (
          <table aria-label="Registered models">
            <thead>
              <tr>
                <th>Model</th>
                <th className="num">Versions</th>
                <th>Newest</th>
              </tr>
            </thead>
            <tbody>
              {models.map((model) => (
                <tr key={model.name} className={model.name === selected?.name ? 'selected' : undefined}>
                  <td>
                    <a href={href(`/registry/${encodeURIComponent(model.name)}`)}>
                      <Name text={model.name} />
                    </a>
                  </td>
                  <td className="num">{model.versions.length}</td>
                  <td>
                    v{model.versions[0]?.version} ({model.versions[0]?.stage})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {selected && <ModelVersions key={selected.name} model={selected} />}
    </>
  );
}
