import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import { ApiCalls, type ApiInput, type ApiName, type ApiOutput, type ApiResult, type Notice } from '../../../schemas/api.ts';
import { AirlockError, toErrorShape } from '../../../schemas/errors.ts';
import { DEFAULT_MODEL_ID } from '../../../schemas/config.ts';
import { checkModality, defaultModelFor } from '../config/modality.ts';
import { storedMediaFile } from '../datasets/media/stored-file.ts';
import type { DevicesEvent, TrainerEvent } from '../../../schemas/events.ts';
import type { Run } from '../../../schemas/run.ts';
import type { Services } from '../index.ts';
import { suggestConfig } from '../config/build.ts';
import { checkCausalLm, defaultCausalLm, suggestSftConfig } from '../config/sft-build.ts';
import type { Dataset, DatasetWarning } from '../../../schemas/dataset.ts';
import { resolveConfig } from '../config/resolve.ts';
import { configToYaml, parseConfig } from '../config/yaml.ts';
import { measureSftTokenLengths, measureTokenLengths, previewRows, queryDevices } from '../trainer/commands.ts';
import { requireFullPath } from '../util/paths.ts';
import { importClusterRun } from '../runs/import-run.ts';
import { registerIfConfigured } from '../registry/auto-register.ts';

import { registerAppHandlers } from './app-handlers.ts';
import { registerRegistryHandlers } from './registry-handlers.ts';
import { registerPredictHandlers } from './predict-handlers.ts';
import { registerSyncHandlers } from './sync-handlers.ts';
import { registerRuntimeHandlers } from './runtime-handlers.ts';
import { registerClusterHandlers } from './cluster-handlers.ts';

export type Implementation<N extends ApiName> = (input: z.output<(typeof ApiCalls)[N]['input']>) => Promise<ApiOutput<N>> | ApiOutput<N>;
/** Registers the implementation of one call; its input is validated before `implementation` runs. */
export type Handle = <N extends ApiName>(name: N, implementation: Implementation<N>) => void;
/** What the per-domain handler files get: the registrar, the services, and a way to push a notice. */
export interface HandlerContext {
  handle: Handle;
  services: Services;
  notify(notice: Notice): void;
}

/** The one table every front end (Electron IPC, web host, CLI) calls through. */
export interface Api {
  call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<ApiOutput<N>>>;
  /** Run events and results as they happen; returns the unsubscribe function. */
  subscribe(listener: (notice: Notice) => void): () => void;
}

/** The comment a suggested config starts with: where it came from, why each default, what to watch. */
function configHeader(dataset: Dataset, reasons: Record<string, string>, warnings: DatasetWarning[]): string {
  return [
    `Airlock training config for dataset "${dataset.name}" (${dataset.id}), ${dataset.rows} rows.`,
    ...Object.entries(reasons).map(([field, reason]) => `${field}: ${reason}`),
    ...warnings.map((warning) => `Warning: ${warning.message}`),
    'Train it with: airlock train <this file>',
  ].join('\n');
}

/** The GPUs the trainer found, for `devices: auto`; null when the device list is unknown. */
function gpusIn(devices: DevicesEvent | null): number | null {
  return devices ? devices.devices.filter((device) => device.kind === 'cuda').length : null;
}

function runNotFound(runId: string): AirlockError {
  return new AirlockError('RUN_NOT_FOUND', `There is no run "${runId}".`, { hint: 'Run `airlock runs` to list runs.' });
}

/** Builds the API over the services: each call's input is validated by its schema before a service sees it. */
export function createApi(services: Services): Api {
  const table = new Map<ApiName, (input: unknown) => Promise<unknown>>();
  const notices = new EventEmitter();
  // Starting Python and torch to list devices takes seconds: configs reuse the last answer.
  let devices: Promise<DevicesEvent> | null = null;
  /** The causal LM a causal_lm config trains: the one named, else the first in the cache; checked to write text. */
  const causalLmFor = (dataset: Dataset, id: string | undefined) => {
    const models = services.models.list();
    const model = id ? services.models.get(id) : defaultCausalLm(models);
    if (!model) {
      throw new AirlockError('MODEL_NOT_FOUND', `Dataset "${dataset.name}" holds fine-tuning data for a causal language model, and the model cache has none.`, {
        hint: 'Import one (GPT-2, Llama, Qwen, Mistral, Phi or Gemma; a folder with safetensors) with `airlock models import <folder>`, then pass --model <id>.',
        field: 'model.name',
      });
    }
    checkCausalLm('causal_lm', dataset, { folder: model.path, info: model.info }, models);
    return model;
  };
  const listDevices = (refresh: boolean) => {
    if (refresh || !devices) devices = queryDevices(services.paths.root).catch((error) => {
      devices = null;
      throw error;
    });
    return devices;
  };
  function handle<N extends ApiName>(name: N, implementation: Implementation<N>): void {
    table.set(name, async (input) => {
      const parsed = ApiCalls[name].input.safeParse(input ?? {});
      if (!parsed.success) {
        const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
        throw new AirlockError('INVALID_INPUT', `Invalid input for ${name}: ${details.join('; ')}`, { details });
      }
      return implementation(parsed.data as never);
    });
  }

  handle('datasets.import', (input) =>
    services.datasets.import(requireFullPath(input.path, { field: 'path', what: 'file', exampleName: 'tickets.csv' }), { name: input.name, skipUnreadable: input.skipUnreadable, format: input.format, onProgress: (fraction) => notices.emit('notice', { kind: 'import', path: input.path, fraction }) }),
  );
  handle('datasets.list', () => ({ datasets: services.datasets.list() }));
  handle('datasets.get', (input) => ({ dataset: services.datasets.get(input.id) }));
  handle('datasets.file', (input) => storedMediaFile(services.paths, input.path));
  handle('models.list', () => ({ models: services.models.list() }));
  handle('models.import', async (input) => ({ model: await services.models.import(requireFullPath(input.path, { field: 'path', what: 'model folder', exampleName: 'my-model' }), { name: input.name, allowPickle: input.allowPickle }) }));
  handle('models.inspect', (input) => ({ model: services.models.inspect(input.target) }));
  handle('devices.list', async () => ({ devices: await listDevices(true) }));
  handle('config.suggest', async (input) => {
    const dataset = await services.datasets.resolve(input.dataset);
    if (dataset.detection.task === 'causal_lm') {
      const model = causalLmFor(dataset, input.model);
      const [devices, measured] = await Promise.all([
        listDevices(false).catch(() => null),
        measureSftTokenLengths(services.paths.root, model.path, dataset.dataPath, dataset.detection.sft!).catch(() => null),
      ]);
      const { config, reasons, warnings } = suggestSftConfig(dataset, model, devices, measured);
      return { config, reasons, warnings, yaml: configToYaml(config, configHeader(dataset, reasons, warnings), gpusIn(devices)) };
    }
    const model = input.model ? services.models.get(input.model) : defaultModelFor(dataset, services.models.list()) ?? services.models.get(DEFAULT_MODEL_ID);
    checkModality(dataset, { folder: model.path, info: model.info }, services.models.list());
    // Both are advisory: without them the config falls back to CPU settings and a length estimate.
    const [devices, measured] = await Promise.all([
      listDevices(false).catch(() => null),
      dataset.detection.textColumn && !dataset.media
        ? measureTokenLengths(services.paths.root, model.path, dataset.dataPath, dataset.detection.textColumn).catch(() => null)
        : null,
    ]);
    const { config, reasons } = suggestConfig(dataset, model, devices, measured);
    return { config, reasons, warnings: [], yaml: configToYaml(config, configHeader(dataset, reasons, []), gpusIn(devices)) };
  });
  handle('config.preview', async (input) => {
    const resolved = await resolveConfig(parseConfig(input.config), services.datasets, services.models);
    return { rows: await previewRows(services.paths.root, resolved.config, input.rows) };
  });
  handle('runs.start', async (input) => {
    const resolved = await resolveConfig(parseConfig(input.config), services.datasets, services.models);
    const { datasetId, modelId, fileNames } = resolved;
    return { runId: services.supervisor.start(resolved.config, { datasetId, modelId, fileNames }).runId };
  });
  handle('runs.resume', (input) => ({ runId: services.supervisor.resume(input.runId).runId }));
  handle('runs.cancel', (input) => {
    if (!services.runs.get(input.runId)) throw runNotFound(input.runId);
    return { cancelled: services.supervisor.cancel(input.runId) };
  });
  handle('runs.list', () => ({ runs: services.runs.list() }));
  handle('runs.import', (input) => {
    const path = requireFullPath(input.path, { field: 'path', what: 'out folder', exampleName: 'job/out' });
    const run = importClusterRun(path, { paths: services.paths, runs: services.runs, datasets: () => services.datasets.list(), models: () => services.models.list() });
    registerIfConfigured(services.registry, run); // as when a run finishes here
    return { run: services.runs.get(run.id)! };
  });
  handle('runs.get', (input) => {
    const run = services.runs.get(input.runId);
    if (!run) throw runNotFound(input.runId);
    return { run, curves: services.runs.metrics(input.runId), generations: services.runs.generations(input.runId) };
  });

  const context: HandlerContext = { handle, services, notify: (notice) => notices.emit('notice', notice) };
  registerAppHandlers(context);
  registerRegistryHandlers(context);
  registerPredictHandlers(context);
  registerSyncHandlers(context);
  registerRuntimeHandlers(context);
  registerClusterHandlers(context);

  return {
    async call(name, input) {
      const implementation = table.get(name);
      if (!implementation) return { ok: false, error: { code: 'INVALID_INPUT', message: `Unknown call ${String(name)}.` } };
      try {
        return { ok: true, data: (await implementation(input)) as never };
      } catch (error) {
        return { ok: false, error: toErrorShape(error) };
      }
    },
    subscribe(listener) {
      const onEvent = (runId: string, event: TrainerEvent) => listener({ kind: 'event', runId, event });
      const onFinished = (run: Run) => listener({ kind: 'finished', runId: run.id, run });
      services.supervisor.on('event', onEvent);
      services.supervisor.on('finished', onFinished);
      notices.on('notice', listener);
      return () => {
        services.supervisor.off('event', onEvent);
        services.supervisor.off('finished', onFinished);
        notices.off('notice', listener);
      };
    },
  };
}
