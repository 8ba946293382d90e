import { useEffect, useId, useState } from 'react';
import type { CachedModel } from '../../../schemas/model.ts';
import type { ScreenProps } from './index.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { formatBytes, formatCount, formatDate } from '../lib/format.ts';
import { href, navigate } from '../router.ts';
import { bridge } from '../services/bridge.ts';
import { modelTask, useModels } from '../store/models.ts';

/** How training pads this model's batches, in plain words. */
function paddingText(info: CachedModel['info']): string {
  if (info.padding === 'pad_token') return `its own padding token ${info.padToken}`;
  if (info.padding === 'eos_token') return `none of its own; training pads with the end-of-text token ${info.padToken}`;
  if (info.padding === 'none') return 'no padding or end-of-text token: cannot be trained in batches';
  return '—';
}

function ImportModel() {
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [allowPickle, setAllowPickle] = useState(false);
  const importing = useModels((state) => state.importing);
  const error = useModels((state) => state.importError);
  const ids = { path: useId(), name: useId(), pickle: useId() };
  const host = bridge().host;
  const browse = async () => {
    const chosen = await bridge().choosePath('model-folder');
    if (chosen) setPath(chosen);
  };
  return (
    <section className="card" aria-labelledby="import-model">
      <h2 id="import-model">Import a model folder</h2>
      <p className="muted small">A Hugging Face model folder (config.json, safetensors weights, tokenizer), for example from removable media. It is copied into the offline cache.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void useModels
            .getState()
            .importFolder(path, { name, allowPickle })
            .then((model) => {
              if (model) navigate(`/models/${model.id}`);
            });
        }}
      >
        <div className="field">
          <label htmlFor={ids.path}>Model folder path</label>
          <div className="row">
            <input id={ids.path} type="text" value={path} onChange={(event) => setPath(event.target.value)} placeholder="/media/usb/models/bert-base-uncased" spellCheck={false} />
            {host === 'electron' && (
              <button type="button" onClick={() => void browse()}>
                Browse…
              </button>
            )}
          </div>
        </div>
        <div className="field">
          <label htmlFor={ids.name}>Name in the cache (optional)</label>
          <input id={ids.name} type="text" value={name} onChange={(event) => setName(event.target.value)} placeholder="the folder's name" />
        </div>
        <div className="field checkbox">
          <label htmlFor={ids.pickle}>
            <input id={ids.pickle} type="checkbox" checked={allowPickle} onChange={(event) => setAllowPickle(event.target.checked)} />
            Allow pickle (*.bin) weights
          </label>
          <div className="help">Pickle files can run code when loaded: only allow them for models you trust.</div>
        </div>
        <button type="submit" className="primary" disabled={importing || !path.trim()}>
          {importing ? 'Importing…' : 'Import model'}
        </button>
      </form>
      {error && <ErrorBox error={error} title="Import failed" />}
    </section>
  );
}

function ModelDetails({ model }: { model: CachedModel }) {
  const inspected = useModels((state) => state.inspected[model.id]);
  const inspectError = useModels((state) => state.inspectError);
  useEffect(() => {
    void useModels.getState().inspect(model.id);
  }, [model.id]);
  const info = inspected?.info ?? model.info;
  return (
    <section className="card" aria-labelledby="model-details">
      <h2 id="model-details">{model.name}</h2>
      {inspectError && <ErrorBox error={inspectError} />}
      <dl className="kv" aria-label="Model details">
        <dt>Id</dt>
        <dd className="mono">{model.id}</dd>
        <dt>Architecture</dt>
        <dd>{info.architecture ?? '—'} ({info.modelType ?? 'unknown type'})</dd>
        <dt>Modality</dt>
        <dd>{info.modality}</dd>
        <dt>Task</dt>
        <dd>{modelTask(info)}</dd>
        <dt>Parameters</dt>
        <dd>{formatCount(info.parameters)}</dd>
        <dt>Weights</dt>
        <dd>
          {info.weightsFormat}, {formatBytes(info.weightsBytes)}
          {info.weightsFormat === 'pickle' ? ' (allowed for this model)' : ''}
        </dd>
        <dt>Tokenizer</dt>
        <dd>{info.hasTokenizer ? 'yes' : 'no'}{info.hasProcessor ? ', with a processor' : ''}</dd>
        <dt>Longest input</dt>
        <dd>{info.maxInputTokens ? `${info.maxInputTokens} tokens` : '—'}</dd>
        <dt>Padding</dt>
        <dd>{paddingText(info)}</dd>
        {info.causalLm && (
          <>
            <dt>Generates text</dt>
            <dd>yes: a causal language model, fine-tuned with LoRA by default</dd>
            <dt>Chat template</dt>
            <dd>{info.chatTemplate ? 'yes: chat data is formatted with it' : "none: chat data is formatted with ChatML's markers (<|im_start|>role … <|im_end|>)"}</dd>
          </>
        )}
        <dt>Hidden size</dt>
        <dd>{info.hiddenSize ?? '—'}</dd>
        {info.labels.length > 0 && (
          <>
            <dt>Existing labels</dt>
            <dd>{info.labels.join(', ')}</dd>
          </>
        )}
        <dt>Folder</dt>
        <dd className="mono small">{inspected?.path ?? model.path}</dd>
        <dt>Imported from</dt>
        <dd className="mono small">{model.sourcePath}</dd>
        <dt>Added</dt>
        <dd>{formatDate(model.createdAt)}</dd>
      </dl>
    </section>
  );
}

/** Models: the offline cache (modality, size, task), importing a folder, and one model's details. */
export function ModelsScreen({ params }: ScreenProps) {
  const models = useModels((state) => state.models);
  const loaded = useModels((state) => state.loaded);
  const error = useModels((state) => state.error);
  useEffect(() => {
    void useModels.getState().load();
  }, []);
  const selected = models.find((model) => model.id === params.id) ?? null;
  return (
    <>
      <h1>Models</h1>
      {error && <ErrorBox error={error} />}
      <section className="card" aria-labelledby="model-cache">
        <h2 id="model-cache">Offline model cache</h2>
        {loaded && models.length === 0 ? (
          <EmptyState title="The cache is empty.">
            <p>Import a model folder below; run the set-up step to add the bundled default model.</p>
          </EmptyState>
        ) : (
          <table aria-label="Cached models">
            <thead>
              <tr>
                <th>Model</th>
                <th>Modality</th>
                <th>Task</th>
                <th className="num">Parameters</th>
                <th className="num">Size</th>
              </tr>
            </thead>
            <tbody>
              {models.map((model) => (
                <tr key={model.id} className={model.id === selected?.id ? 'selected' : undefined}>
                  <td>
                    <a href={href(`/models/${model.id}`)} aria-current={model.id === selected?.id ? 'true' : undefined}>
                      {model.name}
                    </a>{' '}
                    <span className="muted small mono">{model.id}</span>
                  </td>
                  <td>{model.info.modality}</td>
                  <td>{modelTask(model.info)}</td>
                  <td className="num">{formatCount(model.info.parameters)}</td>
                  <td className="num">{formatBytes(model.info.weightsBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {selected && <ModelDetails model={selected} />}
      <ImportModel />
    </>
  );
}
