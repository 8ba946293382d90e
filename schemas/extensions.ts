import { z } from 'zod';

/**
 * The parts of a run config that name the team's own Python (loss, metrics, callbacks, preprocessing) or a built-in
 * alternative to the task's loss. Only the trainer process ever imports such code, and only with allow_custom_code.
 */

/** `file.py:Name`: a Python file (relative paths start at the config file's folder) and a name defined in it. */
export const CODE_PATH_PATTERN = /^.+\.py:[A-Za-z_][A-Za-z0-9_]*$/;
const CODE_PATH_HELP = 'A Python file and a name in it, as file.py:Name; a relative path starts at the config file\'s folder.';

/** A reference to user code as written out in full. `sha256` and `source` are filled in when a run starts. */
export const CodeReferenceObject = z
  .object({
    path: z.string().min(1).max(4096).regex(CODE_PATH_PATTERN, 'must be file.py:Name, a Python file and a name defined in it').describe(CODE_PATH_HELP),
    args: z.record(z.string(), z.unknown()).default({}).describe('Keyword arguments passed to the function or class.'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
      .optional()
      .describe('SHA-256 of the file. Set by Airlock when a run starts (the trainer refuses a file that no longer matches); you may pin it yourself.'),
    source: z.string().max(4096).optional().describe('Where the file was copied from when the run started (set by Airlock).'),
  })
  .strict();
export type CodeReferenceObject = z.infer<typeof CodeReferenceObject>;

/** A bare `file.py:Name`; `problem` is what a value that does not fit is told. */
function codePath(problem = 'must be file.py:Name, a Python file and a name defined in it') {
  return z.string().regex(CODE_PATH_PATTERN, problem).describe(CODE_PATH_HELP);
}

/** `{path, args}`, or a bare `file.py:Name` string, short for `args: {}`. */
export const CodeReference = z.union([codePath(), CodeReferenceObject]);
export type CodeReference = z.infer<typeof CodeReference>;

export const BUILT_IN_LOSSES = ['cross_entropy', 'weighted_cross_entropy', 'focal'] as const;

/** training.loss: a built-in by name (with its options in the object form) or the user's own function. */
export const LossSetting = z.union([
  z.enum(BUILT_IN_LOSSES),
  z
    .object({
      name: z.literal('weighted_cross_entropy'),
      weights: z
        .record(z.string(), z.number().gt(0))
        .nullable()
        .default(null)
        .describe('Weight of each label (every label named). Empty: each label weighs rows / (labels × its training rows).'),
    })
    .strict(),
  z
    .object({
      name: z.literal('focal'),
      gamma: z.number().min(0).max(10).default(2).describe('How much the loss discounts rows the model already gets right (0: plain cross-entropy).'),
    })
    .strict(),
  // A mistyped built-in ("focall") is told the built-ins as well as the file.py:Name form.
  codePath(`must be ${BUILT_IN_LOSSES.join(', ')}, {name: focal, gamma: 2}, {name: weighted_cross_entropy, weights: {...}} or your own code as file.py:Name`),
  CodeReferenceObject,
]);
export type LossSetting = z.infer<typeof LossSetting>;

/** One extra metric: a torchmetrics class by name, or the user's own function. */
export const MetricSetting = z.union([
  z
    .object({
      torchmetrics: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'must be a torchmetrics class name such as MulticlassAUROC').describe('A torchmetrics class name, e.g. MulticlassAUROC.'),
      args: z.record(z.string(), z.unknown()).default({}).describe('Keyword arguments of the class; num_classes / num_labels are filled in.'),
      name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lowercase letters, digits and _').optional().describe('The metric\'s name in charts (default: the class name in snake_case).'),
    })
    .strict(),
  CodeReference,
]);
export type MetricSetting = z.infer<typeof MetricSetting>;

/** The config fields that can name user code, as [section, field] pairs. */
export const CODE_FIELDS = [
  ['training', 'loss'],
  ['training', 'callbacks'],
  ['evaluation', 'metrics'],
  ['data', 'preprocess'],
] as const;

/** True when a setting refers to a Python file (not a built-in or torchmetrics name). */
export function isCodeReference(value: unknown): value is CodeReference {
  if (typeof value === 'string') return CODE_PATH_PATTERN.test(value);
  return value !== null && typeof value === 'object' && 'path' in value;
}

/** One reference to user code found in a config, with the field that names it (e.g. `evaluation.metrics[1]`). */
export interface NamedCode {
  field: string;
  reference: CodeReferenceObject;
}

/** Every reference to user code in a config (any shape that has the four fields), in field order. */
export function codeReferences(config: unknown): NamedCode[] {
  const found: NamedCode[] = [];
  const sections = (config ?? {}) as Record<string, Record<string, unknown> | undefined>;
  for (const [section, field] of CODE_FIELDS) {
    const value = sections[section]?.[field];
    const values = Array.isArray(value) ? value : [value];
    values.forEach((item, index) => {
      if (!isCodeReference(item)) return;
      const reference: CodeReferenceObject = typeof item === 'string' ? { path: item, args: {} } : { ...item, args: item.args ?? {} };
      found.push({ field: Array.isArray(value) ? `${section}.${field}[${index}]` : `${section}.${field}`, reference });
    });
  }
  return found;
}

/** The file part of `file.py:Name`. */
export function codeFile(path: string): string {
  return path.slice(0, path.lastIndexOf(':'));
}

/** The name part of `file.py:Name`. */
export function codeName(path: string): string {
  return path.slice(path.lastIndexOf(':') + 1);
}

/** The message for custom code named without allow_custom_code; the trainer says the same (extensions_config.py). */
export function customCodeNotAllowed(reference: CodeReferenceObject): string {
  return `names your own code (${reference.path}), which runs only with allow_custom_code: true at the top of the config`;
}

/** Which tasks a built-in loss fits, and why not the others. */
const LOSS_TASKS: Record<string, { tasks: readonly string[]; why: string }> = {
  weighted_cross_entropy: { tasks: ['classification', 'multi_label'], why: 'it weighs labels, and a regression model predicts a number' },
  focal: { tasks: ['classification', 'multi_label'], why: 'it discounts rows whose label the model already predicts well, and a regression model predicts a number' },
};

/** The torchmetrics class-name prefixes that fit one task only. */
const METRIC_PREFIX_TASKS: [prefix: string, task: string, words: string][] = [
  ['Multiclass', 'classification', 'one label per row'],
  ['Binary', 'classification', 'one of two labels per row'],
  ['Multilabel', 'multi_label', 'several labels per row'],
];

/** A problem the schema's shapes cannot see: custom code without allow_custom_code, or a setting that does not fit model.task. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

/** Every such problem of a parsed config; the trainer checks the same (extensions_config.py). */
export function extensionProblems(config: {
  allow_custom_code: boolean;
  model: { task: string };
  training: { loss: LossSetting };
  evaluation: { metrics: MetricSetting[] };
}): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!config.allow_custom_code) {
    for (const { field, reference } of codeReferences(config)) {
      problems.push({ path: fieldPathParts(field), message: customCodeNotAllowed(reference) });
    }
  }
  const task = config.model.task;
  const loss = config.training.loss;
  const lossName = typeof loss === 'string' ? loss : 'name' in loss ? loss.name : null;
  const fit = lossName ? LOSS_TASKS[lossName] : undefined;
  if (fit && !fit.tasks.includes(task)) {
    problems.push({ path: ['training', 'loss'], message: `${lossName} does not fit model.task ${task}: ${fit.why}` });
  }
  config.evaluation.metrics.forEach((metric, index) => {
    if (typeof metric === 'string' || !('torchmetrics' in metric)) return;
    for (const [prefix, wanted, words] of METRIC_PREFIX_TASKS) {
      if (metric.torchmetrics.startsWith(prefix) && task !== wanted) {
        problems.push({
          path: ['evaluation', 'metrics', index, 'torchmetrics'],
          message: `${metric.torchmetrics} scores ${words} (model.task ${wanted}), and this config's model.task is ${task}`,
        });
      }
    }
  });
  return problems;
}

function fieldPathParts(field: string): (string | number)[] {
  return field.split(/[.[\]]/).filter(Boolean).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** One file of user code a run ran: the field naming it, `file.py:Name` as the run's config holds it, its SHA-256 and origin. */
export interface CodeLineage {
  field: string;
  path: string;
  sha256: string | null;
  source: string | null;
}

/** The user code a (recorded) config names, with the hashes Airlock recorded when the run started. */
export function codeLineage(config: unknown): CodeLineage[] {
  return codeReferences(config).map(({ field, reference }) => ({
    field,
    path: reference.path,
    sha256: reference.sha256 ?? null,
    source: reference.source ?? null,
  }));
}

/** MLflow tags naming a run's user code: `airlock.code.training.loss` = `losses.py:focal_loss sha256:…`. */
export function codeTags(config: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const code of codeLineage(config)) {
    const key = `airlock.code.${code.field.replace(/\[(\d+)\]/g, '.$1')}`;
    const file = (code.source ?? codeFile(code.path)).split(/[\\/]/).pop();
    tags[key] = `${file}:${codeName(code.path)}${code.sha256 ? ` sha256:${code.sha256}` : ''}`;
  }
  return tags;
}

/**
 * A recorded run's config as a new run's starting point: each copy of user code pointed back at the file it was
 * copied from (its current content runs, and is copied and hashed again), so "copy this run" works.
 */
export function codeFromSources<T>(config: T): T {
  const back = (value: unknown): unknown => {
    if (!value || typeof value !== 'object' || !('path' in value)) return value;
    const { path, args, source } = value as CodeReferenceObject;
    return source ? { path: `${source}:${codeName(path)}`, args } : { path, args };
  };
  const sections = config as Record<string, Record<string, unknown> | undefined>;
  const copy: Record<string, unknown> = { ...sections };
  for (const [section, field] of CODE_FIELDS) {
    const holder = sections[section];
    if (!holder || !(field in holder)) continue;
    const value = holder[field];
    copy[section] = { ...(copy[section] as Record<string, unknown>), [field]: Array.isArray(value) ? value.map(back) : back(value) };
  }
  return copy as T;
}
