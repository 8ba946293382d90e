import { BaseModelRecord, LmBundleKind, type ModelVersion } from '../../../schemas/registry.ts';
import { configToYaml } from '../config/yaml.ts';
import { codeLineage } from '../../../schemas/extensions.ts';
import { codeBlock, markdownParagraphs, markdownText as text } from './markdown.ts';

/**
 * README.md of a bundle: what the model is, where it came from, how well it did, and how to load it. Every value
 * that came from a user (names, labels, descriptions, paths, metric names, the config) is escaped, since the card
 * is read in Markdown viewers outside the app.
 */
/** What a causal language model bundle holds, as the trainer's bundle command reported it. */
export interface LmBundle {
  kind: LmBundleKind;
  base: BaseModelRecord | null;
}

/** The language model facts of the bundle command's finished details; null for other models. */
export function lmBundleOf(details: Record<string, unknown>): LmBundle | null {
  const kind = LmBundleKind.safeParse(details.kind);
  if (!kind.success) return null;
  const base = details.base as { base_model?: unknown; base_sha256?: unknown } | null | undefined;
  const record = BaseModelRecord.safeParse(base ? { name: base.base_model, sha256: base.base_sha256 } : null);
  return { kind: kind.data, base: record.success ? record.data : null };
}

export function modelCard(version: ModelVersion, exportedAt: string, modality = 'text', lm: LmBundle | null = null): string {
  const lineage = version.lineage;
  const metrics = Object.keys(lineage.metrics).sort();
  return [
    `# ${text(version.name)} v${version.version}`,
    '',
    version.description?.trim() ? markdownParagraphs(version.description) : `A ${text(lineage.task)} model fine-tuned offline with Airlock.`,
    '',
    `- Stage: ${text(version.stage)}`,
    `- Exported: ${text(exportedAt)}`,
    `- Registered: ${text(version.createdAt)}`,
    '',
    '## Lineage',
    '',
    `- Run: ${text(lineage.runId)} (experiment "${text(lineage.experiment)}")`,
    `- Base model: ${text(lineage.baseModel)}`,
    ...(lm?.base ? [`- Base model weights SHA-256: ${text(lm.base.sha256)} (over its *.safetensors files; see manifest.json \`base\`)`] : []),
    `- Task: ${text(lineage.task)}`,
    `- Training data: ${text(lineage.datasetName ?? lineage.config.data.train_path)}${lineage.datasetId ? ` (${text(lineage.datasetId)})` : ''}`,
    `- Training data SHA-256: ${lineage.datasetSha256 ? text(lineage.datasetSha256) : 'not recorded (a file outside the dataset store)'}`,
    `- Trained on: ${text(lineage.device ?? 'unknown device')}, finished ${text(lineage.trainedAt ?? 'unknown')}`,
    '',
    ...userCodeSection(lineage.config),
    '## Labels',
    '',
    ...(lineage.labels.length ? lineage.labels.map((label) => `- ${text(label)}`) : ['- (none recorded)']),
    '',
    '## Metrics',
    '',
    '| metric | value |',
    '|---|---|',
    ...metrics.map((key) => `| ${text(key)} | ${Number(lineage.metrics[key].toFixed(6))} |`),
    '',
    '## Training config',
    '',
    codeBlock(configToYaml(lineage.config), 'yaml'),
    '',
    '## Use',
    '',
    ...(lm ? lmUseSection(lm) : useSection(modality)),
    '',
    '`manifest.json` lists every file with its size and SHA-256. Check the folder before use with `airlock verify <this folder>`.',
    '',
  ].join('\n');
}

/** How to load a language model bundle: the adapter needs its base model's folder; the merged model stands alone. */
function lmUseSection(lm: LmBundle): string[] {
  if (lm.kind === 'merged') {
    return [
      'This folder is an MLflow model (`transformers` text-generation pipeline and `python_function` flavors) with safetensors weights' +
        (lm.base ? ', the LoRA adapter merged into its base model' : '') + '. Prompts are written as in training (`metadata.prompt_template` in `MLmodel`); answers are greedy unless `params` say otherwise:',
      '',
      '```python',
      'import mlflow',
      'model = mlflow.pyfunc.load_model("<this folder>")',
      'model.predict(["your prompt"], params={"max_new_tokens": 64})  # the answers',
      '```',
    ];
  }
  return [
    `This folder holds a LoRA adapter only (\`artifacts/adapter\`, safetensors). It needs its base model${lm.base ? ` "${text(lm.base.name)}" (weights SHA-256 ${text(lm.base.sha256)})` : ''} as a local folder. It is an MLflow \`python_function\` model defined by the code in \`pyfunc_lm_adapter.py\` (no pickle):`,
    '',
    '```python',
    'import mlflow',
    'model = mlflow.pyfunc.load_model("<this folder>", model_config={"base_model_dir": "/path/to/base-model"})',
    'model.predict(["your prompt"])  # the answers',
    '```',
    '',
    '`airlock models import <this folder>` brings it into an Airlock whose model cache holds the base model.',
  ];
}

/** How to load and call the bundle, for the kind of input its model reads. */
function useSection(modality: string): string[] {
  if (modality === 'audio') {
    return [
      'This folder is an MLflow `python_function` model defined by the code in `pyfunc_audio_model.py` (no pickle), with the safetensors weights in `artifacts/model`. It reads WAV, FLAC, OGG or MP3 files with `soundfile`, mixes them to mono and resamples them with `soxr` exactly as training did (no ffmpeg needed):',
      '',
      '```python',
      'import mlflow',
      'model = mlflow.pyfunc.load_model("<this folder>")',
      'model.predict(["/path/to/clip.wav"])  # a table with file, label and score',
      '```',
    ];
  }
  if (modality === 'image') {
    return [
      'This folder is an MLflow model (`transformers` image-classification pipeline and `python_function` flavors) with safetensors weights:',
      '',
      '```python',
      'import mlflow',
      'model = mlflow.pyfunc.load_model("<this folder>")',
      'model.predict(["/path/to/picture.png"])  # each file\'s labels with their scores',
      '```',
    ];
  }
  return [
    'This folder is an MLflow model (`transformers` and `python_function` flavors) with safetensors weights:',
    '',
    '```python',
    'import mlflow',
    'model = mlflow.pyfunc.load_model("<this folder>")',
    'model.predict(["some text"])  # a table with label and score',
    '```',
  ];
}

/** The card's list of the team's own code that ran in training (loss, metrics, callbacks, preprocessing), with each file's SHA-256. */
function userCodeSection(config: unknown): string[] {
  const code = codeLineage(config);
  if (code.length === 0) return [];
  return [
    '## Custom code',
    '',
    'This model was trained with the team\'s own Python (copies are kept in the run folder\'s `extensions/`):',
    '',
    '| field | code | SHA-256 | copied from |',
    '|---|---|---|---|',
    ...code.map((entry) => `| ${text(entry.field)} | ${text(entry.path)} | ${text(entry.sha256 ?? 'not recorded')} | ${text(entry.source ?? '-')} |`),
    '',
  ];
}
