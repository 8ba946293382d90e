import { AirlockError } from '../../../schemas/errors.ts';
import { formatBytes, table } from '../output.ts';
import { withProgress } from './predict.ts';
import { describeBundle } from './verify.ts';
import { call, positional, stringOption, type Command } from './types.ts';

export const exportCommand: Command = {
  usage: 'export <name@version|stage> --to <folder> | export --volumes [--json]',
  summary: 'Write a verified bundle (MLflow model, safetensors, model card, manifest) into a folder, e.g. a USB drive; --volumes lists removable drives.',
  options: { to: { type: 'string' }, volumes: { type: 'boolean' } },
  async run(context) {
    if (context.values.volumes) {
      const { volumes } = await call(context, 'export.volumes', {});
      context.output.result({ volumes }, () =>
        volumes.length === 0
          ? 'No removable volumes are mounted (looked under /media, /run/media and /mnt).'
          : table(['PATH', 'DEVICE', 'TYPE', 'FREE', 'SIZE'], volumes.map((volume) => [volume.path, volume.device, volume.fsType, formatBytes(volume.freeBytes), formatBytes(volume.totalBytes)])),
      );
      return;
    }
    const model = positional(context, 0, 'the model (name@version)', this.usage);
    const to = stringOption(context, 'to');
    if (!to) throw new AirlockError('INVALID_INPUT', 'Missing --to.', { hint: `Usage: airlock ${this.usage}` });
    const { bundle } = await withProgress(context, 'export', 'Exporting', () => call(context, 'export.bundle', { model, to }));
    context.output.result({ bundle }, () => describeBundle(bundle));
  },
};
