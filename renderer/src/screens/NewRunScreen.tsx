import { useEffect, useId, useMemo, useState } from 'react';
import { ConfigFieldInput } from '../components/ConfigFieldInput.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Name } from '../components/Name.tsx';
import { ChosenDataset, NextButton } from '../components/WizardParts.tsx';
import { ReviewStep } from './NewRunReview.tsx';
import { CODE_SETTING_FIELDS, CONFIG_FIELDS, STEP_FIELDS, fieldApplies, getField, isBasicField, validateConfig, type ConfigField } from '../lib/config-form.ts';
import { CustomCodePanel } from '../components/CustomCodePanel.tsx';
import { EffectiveBatch } from '../components/EffectiveBatch.tsx';
import { formatBytes, formatCount } from '../lib/format.ts';
import { href } from '../router.ts';
import { useDatasets } from '../store/datasets.ts';
import { modelTask, useModels } from '../store/models.ts';
import { WIZARD_STEPS, useNewRun, type WizardStep } from '../store/new-run.ts';
import type { Dataset, SftDetection } from '../../../schemas/dataset.ts';
import type { ModelInfo } from '../../../schemas/model.ts';

const STEP_NAMES: Record<WizardStep, string> = { dataset: '1. Dataset', model: '2. Model', settings: '3. Settings', review: '4. Review' };

function Stepper({ step }: { step: WizardStep }) {
  const at = WIZARD_STEPS.indexOf(step);
  return (
    <ol className="steps" aria-label="Steps">
      {WIZARD_STEPS.map((name, index) => (
        <li key={name} aria-current={name === step ? 'step' : undefined} className={index < at ? 'done' : undefined}>
          {STEP_NAMES[name]}
        </li>
      ))}
    </ol>
  );
}

function YamlImport() {
  const [text, setText] = useState('');
  const error = useNewRun((state) => state.importError);
  const ids = { file: useId(), paste: useId() };
  const load = (yaml: string) => void useNewRun.getState().importYaml(yaml);
  return (
    <details className="card">
      <summary>Or start from a YAML config</summary>
      <div className="field">
        <label htmlFor={ids.file}>YAML config file</label>
        <input
          id={ids.file}
          type="file"
          accept=".yaml,.yml,text/yaml"
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void file.text().then(load);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.paste}>Or paste the YAML</label>
        <textarea id={ids.paste} value={text} onChange={(event) => setText(event.target.value)} spellCheck={false} />
      </div>
      <button type="button" onClick={() => load(text)} disabled={!text.trim()}>
        Load pasted config
      </button>
      {error && <ErrorBox error={error} title="This config cannot be loaded" />}
    </details>
  );
}

const SFT_FORMATS: Record<SftDetection['format'], string> = { prompt_completion: 'prompts and answers', chat: 'conversations', text: 'plain text' };

/** What a dataset's rows hold, in a few words: its labels and columns, or its fine-tuning data shape. */
function describeColumns(detection: Dataset['detection']): string {
  const sft = detection.sft;
  if (detection.task === 'causal_lm' && sft) {
    const named = (what: string, column: string | null) => (column ? [`${what} “${column}”`] : []);
    const columns = [...named('prompt', sft.promptColumn), ...named('input', sft.inputColumn), ...named('answer', sft.completionColumn), ...named('conversation', sft.messagesColumn), ...named('text', sft.textColumn)];
    return `${SFT_FORMATS[sft.format]} · ${columns.join(', ')}`;
  }
  return `${detection.labels.length || 'numeric'} labels · text “${detection.textColumn}”, label “${detection.labelColumn}”`;
}

function DatasetStep() {
  const datasets = useDatasets((state) => state.datasets);
  const loaded = useDatasets((state) => state.loaded);
  const datasetId = useNewRun((state) => state.datasetId);
  const { chooseDataset, goTo } = useNewRun.getState();
  useEffect(() => {
    // With a single dataset there is nothing to choose.
    if (!datasetId && datasets.length === 1) chooseDataset(datasets[0].id);
  }, [datasetId, datasets, chooseDataset]);
  const whyDisabled = datasetId ? null : loaded && datasets.length === 0 ? 'Import a dataset first (or load a YAML config below).' : 'Choose a dataset above to continue.';
  return (
    <section aria-labelledby="step-dataset">
      <h2 id="step-dataset">Choose the data to train on</h2>
      {loaded && datasets.length === 0 ? (
        <EmptyState title="No datasets yet.">
          <p>
            <a href={href('/datasets')}>Import a dataset</a> first, or load a YAML config below.
          </p>
        </EmptyState>
      ) : (
        <fieldset className="card">
          <legend>Dataset</legend>
          {datasets.map((dataset) => (
            <div key={dataset.id} className="field checkbox">
              <label>
                <input type="radio" name="dataset" value={dataset.id} checked={datasetId === dataset.id} onChange={() => chooseDataset(dataset.id)} />
                <Name text={dataset.name} />
                <span className="muted small" style={{ fontWeight: 400 }}>
                  {dataset.rows.toLocaleString('en-US')} rows · {dataset.detection.task} · {describeColumns(dataset.detection)}
                </span>
              </label>
            </div>
          ))}
        </fieldset>
      )}
      {datasetId && !datasets.some((dataset) => dataset.id === datasetId) && <p className="muted">From the loaded config: {datasetId}</p>}
      <NextButton label="Next: model" why={whyDisabled} onClick={() => goTo('model')} />
      <YamlImport />
    </section>
  );
}

const READS: Record<string, string> = { text: 'text', image: 'pictures', audio: 'sound', unknown: 'an input Airlock cannot tell' };

function ModelStep() {
  const allModels = useModels((state) => state.models);
  const loaded = useModels((state) => state.loaded);
  const modelId = useNewRun((state) => state.modelId);
  const datasetId = useNewRun((state) => state.datasetId);
  const dataset = useDatasets((state) => state.datasets.find((candidate) => candidate.id === datasetId));
  const needed = dataset?.detection.modality === 'image' || dataset?.detection.modality === 'audio' ? dataset.detection.modality : 'text';
  // Fine-tuning data (prompts and answers, chats) needs a model that writes text.
  const generative = dataset?.detection.task === 'causal_lm';
  const fits = (info: ModelInfo) => info.modality === needed && (!generative || info.causalLm);
  // Models that read what the dataset holds come first; the others say why they do not fit.
  const models = [...allModels].sort((a, b) => Number(fits(b.info)) - Number(fits(a.info)));
  const { chooseModel, goTo } = useNewRun.getState();
  useEffect(() => {
    const chosen = allModels.find((model) => model.id === modelId);
    const fitting = models.find((model) => fits(model.info));
    if ((!chosen || !fits(chosen.info)) && fitting) chooseModel(fitting.id);
    else if (!modelId && models.length > 0) chooseModel(models[0].id);
  }, [modelId, allModels, needed, generative]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <section aria-labelledby="step-model">
      <h2 id="step-model">Choose the base model</h2>
      <ChosenDataset />
      {loaded && models.length === 0 ? (
        <EmptyState title="The model cache is empty.">
          <p>
            <a href={href('/models')}>Import a model folder</a> first.
          </p>
        </EmptyState>
      ) : (
        <fieldset className="card">
          <legend>Model</legend>
          {models.map((model) => (
            <div key={model.id} className="field checkbox">
              <label>
                <input type="radio" name="model" value={model.id} checked={modelId === model.id} onChange={() => chooseModel(model.id)} />
                <Name text={model.name} />
                <span className="muted small" style={{ fontWeight: 400 }}>
                  {model.info.modality} · {modelTask(model.info)} · {formatCount(model.info.parameters)} parameters · {formatBytes(model.info.weightsBytes)}
                </span>
                {model.info.modality !== needed && model.info.modality !== 'unknown' && (
                  <span className="small" role="note">
                    {' '}
                    Does not fit: it reads {READS[model.info.modality]}, and this dataset holds {READS[needed]}.
                  </span>
                )}
                {model.info.modality === needed && generative && !model.info.causalLm && (
                  <span className="small" role="note">
                    {' '}
                    Does not fit: it cannot write text (it is not a causal language model such as GPT-2, Llama or Qwen), and this dataset holds answers to learn to write.
                  </span>
                )}
              </label>
            </div>
          ))}
        </fieldset>
      )}
      <NextButton label="Next: settings" why={modelId ? null : loaded && models.length === 0 ? 'Import a model first.' : 'Choose a model above to continue.'} onClick={() => goTo('settings')}>
        <button type="button" onClick={() => goTo('dataset')}>
          Back
        </button>
      </NextButton>
    </section>
  );
}

function SettingsStep() {
  const draft = useNewRun((state) => state.draft);
  const reasons = useNewRun((state) => state.reasons);
  const warnings = useNewRun((state) => state.warnings);
  const suggesting = useNewRun((state) => state.suggesting);
  const suggestError = useNewRun((state) => state.suggestError);
  const yamlError = useNewRun((state) => state.yamlError);
  const datasetId = useNewRun((state) => state.datasetId);
  const dataset = useDatasets((state) => state.datasets.find((candidate) => candidate.id === datasetId));
  const { edit, goTo, review } = useNewRun.getState();
  useEffect(() => {
    if (!useNewRun.getState().draft && !useNewRun.getState().suggesting) void useNewRun.getState().suggest();
  }, []);
  const { errors } = useMemo(() => validateConfig(draft), [draft]);
  const [tried, setTried] = useState(false);
  if (suggestError) {
    return (
      <>
        <ErrorBox error={suggestError} title="Airlock could not suggest settings" />
        <div className="row">
          <button type="button" onClick={() => goTo('model')}>
            Back
          </button>
          <button type="button" onClick={() => void useNewRun.getState().suggest()}>
            Try again
          </button>
        </div>
      </>
    );
  }
  if (!draft) return <p role="status">{suggesting ? 'Measuring your texts and choosing defaults…' : 'Preparing settings…'}</p>;

  const columns = dataset?.columns.map((column) => column.name);
  const fieldInput = (field: ConfigField) => (
    <ConfigFieldInput key={field.path} field={field} value={getField(draft, field.path)} reason={reasons[field.path]} error={errors[field.path]} columns={columns} onChange={(value) => edit(field.path, value)} />
  );
  // A field the task does not read is hidden, unless it holds a mistake to fix (e.g. from an imported YAML).
  const editable = CONFIG_FIELDS.filter(
    (field) => !STEP_FIELDS.has(field.path) && !CODE_SETTING_FIELDS.has(field.path) && (fieldApplies(field.path, draft) || errors[field.path]),
  );
  const lora = editable.filter((field) => field.section === 'lora');
  const advanced = editable.filter((field) => field.section !== 'lora' && !isBasicField(field.path, draft));
  const invalid = Object.keys(errors).length;
  const advancedInvalid = advanced.some((field) => errors[field.path]);
  return (
    <section aria-labelledby="step-settings">
      <h2 id="step-settings">Settings</h2>
      <ChosenDataset />
      <p className="muted">Defaults come from your data and this machine; the green notes say why.</p>
      {warnings.length > 0 && (
        <div className="alert warning" role="note" aria-label="About your data">
          {warnings.map((warning) => (
            <p key={warning.code} style={{ margin: 0 }}>
              {warning.message}
            </p>
          ))}
        </div>
      )}
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setTried(true);
          void review();
        }}
      >
        <div className="card">
          {editable.filter((field) => field.section !== 'lora' && isBasicField(field.path, draft)).map(fieldInput)}
          <EffectiveBatch training={draft.training} />
        </div>
        {lora.length > 0 && (
          <fieldset className="card">
            <legend>LoRA adapter</legend>
            <p className="muted">
              LoRA trains small adapter matrices beside the frozen model instead of changing every weight: far less memory, and the result is a small file.
              QLoRA does the same on a copy of the model squeezed to 4 bits, for even less memory (NVIDIA GPUs only).
            </p>
            {lora.map(fieldInput)}
          </fieldset>
        )}
        <CustomCodePanel draft={draft} errors={errors} onAllow={(allowed) => edit('allow_custom_code', allowed)} />
        <details className="card" open={advancedInvalid || undefined}>
          <summary>Advanced settings</summary>
          {advanced.map(fieldInput)}
        </details>
        {tried && invalid > 0 && (
          <p className="field-error" role="alert" style={{ color: 'var(--error)' }}>
            Fix the {invalid} field{invalid === 1 ? '' : 's'} marked above: {Object.keys(errors).join(', ')}.
          </p>
        )}
        {yamlError && <ErrorBox error={yamlError} />}
        <div className="row">
          <button type="button" onClick={() => goTo('model')}>
            Back
          </button>
          <button type="submit" className="primary">
            Next: review
          </button>
        </div>
      </form>
    </section>
  );
}

/** New run: dataset → model → settings (from the schema, with detected defaults explained) → review (YAML) → start. */
export function NewRunScreen() {
  const step = useNewRun((state) => state.step);
  useEffect(() => {
    void useDatasets.getState().load();
    void useModels.getState().load();
  }, []);
  return (
    <>
      <h1>New run</h1>
      <Stepper step={step} />
      {step === 'dataset' && <DatasetStep />}
      {step === 'model' && <ModelStep />}
      {step === 'settings' && <SettingsStep />}
      {step === 'review' && <ReviewStep />}
    </>
  );
}
