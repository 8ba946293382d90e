import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { toErrorShape } from '../../../schemas/errors.ts';
import type { Run } from '../../../schemas/run.ts';
import type { RunSupervisor } from '../runs/supervisor.ts';
import { slugify } from '../util/files.ts';
import type { ModelRegistry } from './registry.ts';

const REGISTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The registered model name for a run's experiment: the name itself where it is a valid one. */
export function registryNameFor(experiment: string): string {
  return REGISTRY_NAME.test(experiment) && experiment.length <= 200 ? experiment : slugify(experiment);
}

/** `deployment.register_model: true`: a completed run's model becomes the next version of its experiment's name. */
export function registerIfConfigured(registry: ModelRegistry, run: Run): void {
  if (run.status !== 'completed' || !run.config.deployment.register_model) return;
  try {
    registry.register(run.id, registryNameFor(run.experiment), { stage: run.config.deployment.stage, description: `Registered automatically when run ${run.id} completed.` });
  } catch (error) {
    // The run itself succeeded; say why it is not registered where its other logs are.
    const shape = toErrorShape(error);
    appendFileSync(join(run.runDir, 'stderr.log'), `[airlock] automatic registration failed: ${shape.code}: ${shape.message}\n`);
  }
}

/** Registers each run the supervisor finishes, as its config asks ({@link registerIfConfigured}). */
export function registerOnCompletion(supervisor: RunSupervisor, registry: ModelRegistry): void {
  supervisor.on('finished', (run: Run) => registerIfConfigured(registry, run));
}
