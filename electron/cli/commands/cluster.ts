import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import { loadConfigFile } from '../../services/config/yaml.ts';
import { codePathsFrom } from '../../services/runs/extensions.ts';
import { formatBytes } from '../output.ts';
import { userPath } from '../paths.ts';
import { withProgress } from './predict.ts';
import { pathsFromUser } from './runs.ts';
import { call, positional, stringOption, type Command, type CommandContext } from './types.ts';

const USAGE = 'cluster export <config.yaml|run-id> --nodes N --gpus-per-node G --to <folder> [--shared-path P] [--json]';

/** A whole number of 1 or more, as typed; the API's schema checks the upper bound. */
function countOption(context: CommandContext, name: string): number {
  const value = stringOption(context, name);
  if (value === undefined) throw new AirlockError('INVALID_INPUT', `Missing --${name}.`, { field: name, hint: `Usage: airlock ${USAGE}` });
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new AirlockError('INVALID_INPUT', `--${name} must be a whole number of 1 or more, not "${value}".`, { field: name, hint: `Usage: airlock ${USAGE}` });
  return Number(value);
}

/** The config to export: a YAML file (paths from the user's folder, code from the file's), or the one a recorded run ran with. */
async function configFrom(context: CommandContext, source: string): Promise<unknown> {
  const file = userPath(source);
  if (existsSync(file) && statSync(file).isFile()) return codePathsFrom(pathsFromUser(loadConfigFile(file)), dirname(file));
  if (/\.ya?ml$/i.test(source)) throw new AirlockError('CONFIG_NOT_FOUND', `The config file ${file} does not exist.`, { hint: 'Give a config file or a run id (`airlock runs`).' });
  const { run } = await call(context, 'runs.get', { runId: source });
  // A run's user code is named relative to its run folder, where its copies are.
  return codePathsFrom(run.config as Parameters<typeof codePathsFrom>[0], run.runDir);
}

/** The torchrun command once per node (NODE_RANK filled in) for a few nodes; the general form for many. */
function perNode(command: string, nodes: number): string[] {
  if (nodes > 8) return [`  ${command}`];
  return Array.from({ length: nodes }, (_, rank) => `  node ${rank}: ${command.replace(/NODE_RANK=<[^>]*>/, `NODE_RANK=${rank}`)}`);
}

export const clusterCommand: Command = {
  usage: USAGE,
  summary:
    'Write a self-contained job folder for torchrun or SLURM: the resolved config, the dataset\'s table and the base model (or, with --shared-path, references to copies on the cluster), the trainer, launchers and a README, all in MANIFEST.sha256. Bring the result back with `airlock runs import <folder>/out`.',
  options: { nodes: { type: 'string' }, 'gpus-per-node': { type: 'string' }, to: { type: 'string' }, 'shared-path': { type: 'string' } },
  async run(context) {
    if (context.positionals[0] !== 'export') throw new AirlockError('INVALID_INPUT', 'Unknown cluster command.', { hint: `Usage: airlock ${USAGE}` });
    const source = positional(context, 1, 'the config file or run id', USAGE);
    const nodes = countOption(context, 'nodes');
    const gpusPerNode = countOption(context, 'gpus-per-node');
    const to = stringOption(context, 'to');
    if (!to) throw new AirlockError('INVALID_INPUT', 'Missing --to.', { field: 'to', hint: `Usage: airlock ${USAGE}` });
    const sharedPath = stringOption(context, 'shared-path');
    const config = await configFrom(context, source);
    const result = await withProgress(context, 'cluster-export', 'Writing the job folder', () =>
      call(context, 'cluster.export', { config, nodes, gpusPerNode, to: userPath(to), ...(sharedPath === undefined ? {} : { sharedPath }) }),
    );
    context.output.result(result, () =>
      [
        `Job folder: ${result.folder}`,
        `  ${result.files} files, ${formatBytes(result.bytes)}, listed in MANIFEST.sha256`,
        `  config.yaml SHA-256 ${result.configSha256}`,
        '',
        `With torchrun, on each of the ${nodes} node(s) (NODE_RANK 0 on the master):`,
        ...perNode(result.commands.torchrun, nodes),
        'With SLURM, once on the login node:',
        `  ${result.commands.slurm}`,
        '',
        `Bring the results back with: airlock runs import ${result.folder}/out`,
      ].join('\n'),
    );
  },
};
