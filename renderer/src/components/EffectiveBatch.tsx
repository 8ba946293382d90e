import { useEffect } from 'react';
import { devicesPerNode, effectiveBatchSize, type BatchSettings } from '../../../schemas/batch-size.ts';
import { useDevices } from '../store/devices.ts';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The training fields of a draft as numbers and names, or null while one of them is not a valid value. */
function batchSettingsOf(training: unknown): BatchSettings | null {
  const fields = (training ?? {}) as Record<string, unknown>;
  const whole = (value: unknown, fallback: number) => (value === undefined ? fallback : Number.isInteger(value) && (value as number) >= 1 ? (value as number) : null);
  const batch = whole(fields.batch_size, 32);
  const nodes = whole(fields.num_nodes, 1);
  const accumulate = whole(fields.accumulate_grad_batches, 1);
  const devices = fields.devices === undefined ? 'auto' : fields.devices;
  const accelerator = fields.accelerator === undefined ? 'auto' : fields.accelerator;
  if (batch === null || nodes === null || accumulate === null) return null;
  if (devices !== 'auto' && devices !== 'cpu' && whole(devices, 1) === null) return null;
  if (accelerator !== 'auto' && accelerator !== 'gpu' && accelerator !== 'cpu') return null;
  return { batch_size: batch, num_nodes: nodes, accumulate_grad_batches: accumulate, devices: devices as BatchSettings['devices'], accelerator };
}

/** Why a device count is what it is, for `devices: auto` and `cpu`. */
function devicesReason(settings: BatchSettings, gpus: number | null): string {
  if (typeof settings.devices === 'number') return settings.accelerator === 'cpu' ? ' (CPU processes)' : '';
  if (settings.devices === 'cpu' || settings.accelerator === 'cpu') return ' (the CPU)';
  if (gpus === null) return '';
  return gpus === 0 ? ' (auto: no GPU found, so the CPU)' : ` (auto: the GPUs found)`;
}

/**
 * The effective batch size of a draft's training settings, in plain words: rows per device, and in total per
 * optimizer step (batch_size × devices × num_nodes × accumulate_grad_batches). `devices: auto` counts the GPUs
 * the trainer found on this machine (one on the CPU).
 */
export function EffectiveBatch({ training }: { training: unknown }) {
  const devices = useDevices((state) => state.devices);
  const loading = useDevices((state) => state.loading);
  const failed = useDevices((state) => state.error !== null);
  const settings = batchSettingsOf(training);
  const needsGpuCount = settings !== null && devicesPerNode(settings, null) === null;
  useEffect(() => {
    if (needsGpuCount && !devices && !loading && !failed) void useDevices.getState().load();
  }, [needsGpuCount, devices, loading, failed]);
  if (!settings) return null;
  const gpus = devices ? devices.devices.filter((device) => device.kind === 'cuda').length : null;
  const perNode = devicesPerNode(settings, gpus);
  const total = effectiveBatchSize(settings, gpus);
  const nodes = settings.num_nodes ?? 1;
  const accumulate = settings.accumulate_grad_batches ?? 1;
  const factors = [
    `${settings.batch_size} rows per device`,
    perNode === null ? `the GPUs found${loading ? ' (checking this machine…)' : ''}` : `${plural(perNode, 'device')}${devicesReason(settings, gpus)}`,
    plural(nodes, 'node'),
    `${accumulate} accumulated batch${accumulate === 1 ? '' : 'es'}`,
  ];
  return (
    <p className="muted small" role="note" aria-label="Effective batch size">
      Effective batch size:{' '}
      <strong>{total === null ? `${settings.batch_size} per device × the GPUs found` : `${total} rows in total`}</strong> per optimizer step ({factors.join(' × ')}).
    </p>
  );
}
