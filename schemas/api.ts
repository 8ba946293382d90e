import { z } from 'zod';
import { AirlockErrorShape } from './errors.ts';
import { NAME_LIMITS, RunConfig, SftFormat } from './config.ts';
import { Dataset, DatasetWarning } from './dataset.ts';
import { CachedModel, ModelInfo } from './model.ts';
import { DevicesEvent, TrainerEvent } from './events.ts';
import { GenerationRound, MetricPoint, Run } from './run.ts';
import { AppCalls } from './api-app.ts';
import { RegistryCalls } from './api-registry.ts';
import { PredictCalls } from './api-predict.ts';
import { SyncCalls } from './api-sync.ts';
import { RuntimeCalls } from './api-runtime.ts';
import { ClusterCalls } from './api-cluster.ts';

const NoInput = z.object({}).strict();
const Id = z.string().min(1).max(200);

/** The headless core's calls: datasets, models, devices, configs and runs. */
const CoreCalls = {
  'datasets.import': {
    input: z
      .object({
        path: z.string().min(1).describe('Local file, or image or audio folder, to import.'),
        name: z.string().min(1).max(NAME_LIMITS.dataset).optional(),
        skipUnreadable: z.boolean().default(false).describe('Image and audio folders: import the usable files when some cannot be opened.'),
        format: SftFormat.optional().describe(
          'Read the table as fine-tuning data for a causal language model in this shape (prompt_completion, chat, or text for continued pre-training) instead of the detected one.',
        ),
      })
      .strict(),
    output: z.object({ dataset: Dataset, existing: z.boolean().describe('True when the same content was already stored.') }),
  },
  'datasets.list': { input: NoInput, output: z.object({ datasets: z.array(Dataset) }) },
  'datasets.file': {
    input: z.object({ path: z.string().min(1).max(4096).describe('A picture or clip stored inside a dataset (as a run record names it).') }).strict(),
    output: z.object({ mime: z.string(), dataUrl: z.string().describe('The file as a data: URL, for an <img> or <audio>.') }),
  },
  'datasets.get': { input: z.object({ id: Id }).strict(), output: z.object({ dataset: Dataset }) },
  'models.list': { input: NoInput, output: z.object({ models: z.array(CachedModel) }) },
  'models.import': {
    input: z.object({ path: z.string().min(1), name: z.string().min(1).max(200).optional(), allowPickle: z.boolean().default(false) }).strict(),
    output: z.object({ model: CachedModel }),
  },
  'models.inspect': {
    input: z.object({ target: z.string().min(1).describe('A cache id or a model folder.') }).strict(),
    output: z.object({ model: z.object({ id: z.string().nullable(), path: z.string(), info: ModelInfo }) }),
  },
  'devices.list': { input: NoInput, output: z.object({ devices: DevicesEvent }) },
  'config.suggest': {
    input: z.object({ dataset: z.string().min(1).describe('A dataset id or a file to import.'), model: Id.optional() }).strict(),
    output: z.object({
      config: RunConfig,
      reasons: z.record(z.string(), z.string()),
      yaml: z.string(),
      warnings: z.array(DatasetWarning).default([]).describe('What the config cannot fix, for example fine-tuning rows longer than max_length that will be cut.'),
    }),
  },
  'config.preview': {
    input: z.object({ config: z.unknown(), rows: z.number().int().min(1).max(100).default(5) }).strict(),
    output: z.object({ rows: z.array(z.object({ text: z.string(), preprocessed: z.string(), label: z.unknown() })) }),
  },
  'runs.start': { input: z.object({ config: z.unknown() }).strict(), output: z.object({ runId: z.string() }) },
  'runs.resume': { input: z.object({ runId: Id }).strict(), output: z.object({ runId: z.string() }) },
  'runs.cancel': { input: z.object({ runId: Id }).strict(), output: z.object({ cancelled: z.boolean() }) },
  'runs.list': { input: NoInput, output: z.object({ runs: z.array(Run) }) },
  'runs.import': {
    input: z.object({ path: z.string().min(1).max(4096).describe('The out/ folder of a cluster job (or a copy of it), with its MANIFEST.sha256.') }).strict(),
    output: z.object({ run: Run }),
  },
  'runs.get': {
    input: z.object({ runId: Id }).strict(),
    output: z.object({
      run: Run,
      curves: z.array(MetricPoint),
      generations: z.array(GenerationRound).describe('causal_lm: the sample generations of every epoch, oldest first (the latest attempt\'s, where a resume repeated an epoch).'),
    }),
  },
} as const;

/** Every call between a front end and the services: `domain.verb`, with its input and output shapes. */
export const ApiCalls = { ...CoreCalls, ...AppCalls, ...RegistryCalls, ...PredictCalls, ...SyncCalls, ...RuntimeCalls, ...ClusterCalls } as const;

export type ApiName = keyof typeof ApiCalls;
export type ApiInput<N extends ApiName> = z.input<(typeof ApiCalls)[N]['input']>;
export type ApiOutput<N extends ApiName> = z.infer<(typeof ApiCalls)[N]['output']>;

/** What every call returns across a process boundary. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: AirlockErrorShape };

/** Pushed to subscribers: every trainer event of a run, the run's record when it ends, import progress, and progress of other long work (export, predict, sync). */
export const Notice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), runId: z.string(), event: TrainerEvent }),
  z.object({ kind: z.literal('finished'), runId: z.string(), run: Run }),
  z.object({ kind: z.literal('import'), path: z.string(), fraction: z.number().min(0).max(1) }),
  z.object({
    kind: z.literal('generate'),
    id: z.string().describe('The requestId of the predict.generate call.'),
    text: z.string().describe('The next piece of the answer, in order (join them for the answer so far).'),
  }),
  z.object({
    kind: z.literal('progress'),
    task: z.string().describe('What is progressing, e.g. "export" or "sync".'),
    id: z.string().describe('Which one: an export target, a sync pass, ...'),
    fraction: z.number().min(0).max(1).nullable(),
    message: z.string().optional(),
    stage: z.string().optional().describe('The step of a job made of named steps (a runtime install: verify, python, environment, …).'),
  }),
]);
export type Notice = z.infer<typeof Notice>;
