import type { ModelVersion } from '../../../schemas/registry.ts';
import { configToYaml } from '../config/yaml.ts';
import { codeLineage } from '../../../schemas/extensions.ts';
import { codeBlock, markdownParagraphs, markdownText as text } from './markdown.ts';

/**
 * README.md of a bundle: what the model is, where it came from, how well it did, and how to load it. Every value
 * that came from a user (names, labels, descriptions, paths, metric names, the config) is escaped, since the card
 * is read in Markdown viewers outside the app.
 */
export function modelCard(version: ModelVersion, exportedAt: string, modality = 'text'): string {
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
    ...useSection(modality),
    '',
    '`manifest.json` lists every file with its size and SHA-256. Check the folder before use with `airlock verify <this folder>`.',
    '',
  ].join('\n');
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
