import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import { installRuntime } from '../../services/runtime/install.ts';
import { installedPython, installedRuntime, runtimeRoot } from '../../services/runtime/layout.ts';
import { describeDevices } from '../../services/runtime/self-check.ts';
import { queryDevices } from '../../services/trainer/commands.ts';
import { pythonExecutable } from '../../services/trainer/python.ts';
import { userPath } from '../paths.ts';
import { positional, type Command } from './types.ts';

const USAGE = 'runtime install <pack.tar> | runtime status [--json]';

/** `airlock runtime install <pack>` and `airlock runtime status`: the training runtime in the data folder. */
export const runtimeCommand: Command = {
  usage: USAGE,
  summary: 'Install the training runtime from a runtime pack (verified, offline, self-checked), or show the one in use and the GPUs it sees.',
  async run(context) {
    const action = positional(context, 0, 'install or status', USAGE);
    const home = context.services.paths.root;
    if (action === 'install') {
      const archive = userPath(positional(context, 1, 'the runtime pack (.tar)', USAGE));
      const record = await installRuntime(home, archive, context.services.models, (stage, message) => context.output.info(`[${stage}] ${message}`));
      context.output.result({ runtime: record }, () =>
        [`Installed runtime ${record.runtime.version} (${record.runtime.variant}, torch ${record.runtime.torch})`, `  self-check: ${record.selfCheck.devices}; ${record.selfCheck.steps} training steps in ${record.selfCheck.seconds.toFixed(1)} s`, `  manifest.json SHA-256 ${record.manifestSha256}`].join('\n'),
      );
      return;
    }
    if (action !== 'status') throw new AirlockError('INVALID_INPUT', `Unknown runtime action "${action}".`, { hint: `Usage: airlock ${USAGE}` });
    const record = installedRuntime(home);
    const python = installedPython(home);
    if (!record || !python) {
      throw new AirlockError('RUNTIME_NOT_INSTALLED', `No training runtime is installed in ${home}${record ? ' (its environment folder is gone)' : ''}; trainer commands use ${pythonExecutable(process.env, home)}.`, {
        hint: 'Install one from its pack: airlock runtime install <airlock-runtime-….tar>',
      });
    }
    const devices = await queryDevices(home, python);
    context.output.result({ runtime: record, python, devices }, () =>
      [
        `Runtime ${record.runtime.version}, variant ${record.runtime.variant}, Python ${record.runtime.python}, installed ${record.installedAt}`,
        `  folder: ${join(runtimeRoot(home), record.folder)}`,
        `  torch ${devices.torch_version}, CUDA build ${devices.cuda_version ?? 'none (CPU build)'}`,
        `  sees: ${describeDevices(devices)}`,
        `  manifest.json SHA-256 ${record.manifestSha256}`,
      ].join('\n'),
    );
  },
};
