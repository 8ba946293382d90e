import { formatBytes } from '../output.ts';
import { call, type Command } from './types.ts';

export const devicesCommand: Command = {
  usage: 'devices [--json]',
  summary: 'Show the GPUs the trainer can use, or why it will use the CPU.',
  async run(context) {
    const { devices } = await call(context, 'devices.list', {});
    context.output.result({ devices }, () => {
      const lines = devices.devices.map((device) =>
        device.kind === 'cuda'
          ? `GPU ${device.index}: ${device.name}, ${formatBytes(device.memory_bytes ?? 0)}, compute ${device.compute_capability}, bf16 ${device.bf16 ? 'yes' : 'no'}`
          : `CPU: ${device.name}`,
      );
      if (!devices.cuda_available) lines.push(`CPU only: ${devices.cpu_only_reason ?? 'no CUDA device found'}`);
      lines.push(`PyTorch ${devices.torch_version}, ${devices.cpu_threads} CPU threads`);
      return lines.join('\n');
    });
  },
};
