import { configCommand } from './config.ts';
import { datasetsCommand, importCommand } from './datasets.ts';
import { demoCommand } from './demo.ts';
import { devicesCommand } from './devices.ts';
import { modelsCommand } from './models.ts';
import { resumeCommand, runsCommand, trainCommand } from './runs.ts';
import { registerCommand, registryCommand } from './registry.ts';
import { predictCommand } from './predict.ts';
import { exportCommand } from './export.ts';
import { verifyCommand } from './verify.ts';
import { webCommand } from './web.ts';
import { runtimeCommand } from './runtime.ts';
import type { Command } from './types.ts';
import { syncCommand } from './sync.ts';
import { clusterCommand } from './cluster.ts';

export type { CommandContext } from './types.ts';

/** Every CLI command by name. */
export const COMMANDS: Record<string, Command> = {
  import: importCommand,
  datasets: datasetsCommand,
  models: modelsCommand,
  devices: devicesCommand,
  config: configCommand,
  train: trainCommand,
  resume: resumeCommand,
  runs: runsCommand,
  demo: demoCommand,
  web: webCommand,
  register: registerCommand,
  registry: registryCommand,
  predict: predictCommand,
  export: exportCommand,
  verify: verifyCommand,
  sync: syncCommand,
  runtime: runtimeCommand,
  cluster: clusterCommand,
};

/** The help text. */
export function usage(): string {
  const lines = Object.values(COMMANDS).map((command) => `  airlock ${command.usage}\n      ${command.summary}`);
  return ['Airlock: fine-tune models offline and keep every run.', '', 'Commands:', ...lines, '', 'The data folder is $AIRLOCK_HOME (default: the app data folder).'].join('\n');
}
