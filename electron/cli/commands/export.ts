import { AirlockError } from '../../../schemas/errors.ts';
import { formatBytes, table } from '../output.ts';
import { userPath } from '../paths.ts';
import { withProgress } from './predict.ts';
import { describeBundle } from './verify.ts';
import { call, positional, stringOption, type Command } from './types.ts';

export const exportCommand: Command = {
  usage: 'export <name@version|stage> --to <folder> [--merged] [--replace] | export --volumes [--json]',
  summary:
    'Write a verified bundle (MLflow model, safetensors, model card, manifest) into a folder, e.g. a USB drive; --replace swaps out an earlier export of the same version; --volumes lists removable drives. A LoRA language model exports its adapter alone (it needs its base model), or with --merged the model with the adapter merged in.',
  options: { to: { type: 'string' }, volumes: { type: 'boolean' }, replace: { type: 'boolean' }, merged: { type: 'boolean' } },
  async run(context) {
    if (context.values.volumes) {
      const { volumes } = await call(context, 'export.volumes', {});
      context.output.result({ volumes }, () =>
        volumes.length === 0
          ? 'No removable drive is mounted. Plug one in (and mount it if your desktop does not), or give any folder with --to.'
          : table(['PATH', 'DEVICE', 'TYPE', 'FREE', 'SIZE'], volumes.map((volume) => [volume.path, volume.device, volume.fsType, formatBytes(volume.freeBytes), formatBytes(volume.totalBytes)])),
      );
      return;
    }
    const model = positional(context, 0, 'the model (name@version)', this.usage);
    const option = stringOption(context, 'to');
    if (!option) throw new AirlockError('INVALID_INPUT', 'Missing --to.', { hint: `Usage: airlock ${this.usage}` });
    const to = userPath(option);
    const replace = context.values.replace === true;
    const merged = context.values.merged === true;
    try {
      const { bundle } = await withProgress(context, 'export', 'Exporting', () => call(context, 'export.bundle', { model, to, replace, merged }));
      context.output.result({ bundle }, () => describeBundle(bundle));
    } catch (error) {
      // The service's hint speaks of the app's Verify and Replace buttons; here they are commands.
      if (error instanceof AirlockError && error.code === 'EXPORT_TARGET_EXISTS' && !replace) {
        const target = await call(context, 'export.target', { model, to, merged });
        if (target.replaceable) {
          throw new AirlockError(error.code, error.message, { field: target.path, hint: `Check it with \`airlock verify "${target.path}"\`, or export again with --replace.` });
        }
      }
      throw error;
    }
  },
};
