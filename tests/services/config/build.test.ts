import { describe, expect, it } from 'vitest';
import { suggestConfig, suggestHardware, suggestMaxLength } from '../../../electron/services/config/build.ts';
import type { Dataset } from '../../../schemas/dataset.ts';
import type { CachedModel } from '../../../schemas/model.ts';
import type { DevicesEvent } from '../../../schemas/events.ts';
import { inspectModelFolder } from '../../../electron/services/models/inspect.ts';
import { tinyModelPath, type TinyModelKind } from '../../helpers/tiny-model.ts';

const dataset = {
  id: 'ds-1',
  name: 'quotes',
  columns: [{ name: 'quote', type: 'text', distinct: 10, distinctCapped: false, missing: 0, textLength: { min: 5, p50: 80, p95: 400, max: 3000, mean: 100 }, samples: [] }],
  detection: { modality: 'text', task: 'classification', textColumn: 'quote', labelColumn: 'topic', labels: [{ label: 'a', count: 5 }, { label: 'b', count: 5 }], idColumns: [], balance: 1, warnings: [] },
} as unknown as Dataset;
const model = { id: 'm', info: { maxPositions: 258, maxInputTokens: 256 } } as unknown as CachedModel;

function devices(gpus: { memoryGiB: number; bf16: boolean }[]): DevicesEvent {
  return {
    v: 1, type: 'devices', run_id: null, seq: 0, ts: '', cuda_available: gpus.length > 0, cpu_only_reason: gpus.length ? null : 'no driver', torch_version: '2.13.0', cuda_version: gpus.length ? '12.8' : null, cpu_threads: 2,
    devices: gpus.map((gpu, index) => ({ index, kind: 'cuda', name: 'GPU', memory_bytes: gpu.memoryGiB * 2 ** 30, compute_capability: '8.0', bf16: gpu.bf16 })),
  };
}

describe('config suggestions', () => {
  it('takes max_length from the measured 95th percentile, rounded up to a multiple of 8', () => {
    expect(suggestMaxLength(dataset, model, { p95: 41, max: 90, count: 500 })).toMatchObject({ value: 48 });
    expect(suggestMaxLength(dataset, model, { p95: 41, max: 90, count: 500 }).reason).toContain('41 tokens');
  });

  it("caps max_length at the model's positions and says texts will be cut", () => {
    const capped = suggestMaxLength(dataset, model, { p95: 700, max: 900, count: 500 });
    expect(capped.value).toBe(256);
    expect(capped.reason).toContain('will be cut');
  });

  it.each([
    { kind: 'roberta', positions: undefined, limit: 512 }, // 514 listed, 2 reserved
    { kind: 'roberta', positions: 130, limit: 128 },
    { kind: 'gpt2', positions: 64, limit: 64 }, // n_positions
  ] as { kind: TinyModelKind; positions?: number; limit: number }[])("never suggests more than an inspected $kind folder can read ($limit)", ({ kind, positions, limit }) => {
    const inspected = { id: kind, info: inspectModelFolder(tinyModelPath(kind, positions)) } as CachedModel;
    const long = suggestMaxLength(dataset, inspected, { p95: 2000, max: 4000, count: 500 });
    expect(long.value).toBe(limit);
    expect(long.reason).toContain('the most this model can read');
    expect(suggestMaxLength(dataset, inspected, { p95: limit - 1, max: limit + 100, count: 500 }).value).toBeLessThanOrEqual(limit);
  });

  it("says when the suggestion stops at Airlock's ceiling below the model's own limit", () => {
    const long = { id: 'l', info: { maxPositions: 4096, maxInputTokens: 4096 } } as unknown as CachedModel;
    const suggested = suggestMaxLength(dataset, long, { p95: 2000, max: 4000, count: 500 });
    expect(suggested.value).toBe(512);
    expect(suggested.reason).toContain('up to 4096');
  });

  it('estimates from character lengths when no measurement is available', () => {
    expect(suggestMaxLength(dataset, model, null)).toMatchObject({ value: 104 }); // 400 chars / 4 + 2 = 102 → 104
  });

  it('picks batch size and precision from the GPUs found, CPU settings otherwise', () => {
    expect(suggestHardware(devices([]))).toMatchObject({ batchSize: 16, precision: '32-true' });
    expect(suggestHardware(devices([])).reason).toContain('no driver');
    expect(suggestHardware(devices([{ memoryGiB: 80, bf16: true }]))).toMatchObject({ batchSize: 64, precision: 'bf16-mixed' });
    expect(suggestHardware(devices([{ memoryGiB: 16, bf16: false }]))).toMatchObject({ batchSize: 32, precision: '16-mixed' });
    expect(suggestHardware(devices([{ memoryGiB: 8, bf16: true }, { memoryGiB: 24, bf16: true }]))).toMatchObject({ batchSize: 16 });
  });

  it('fills the detected columns and task into a complete config', () => {
    const { config, reasons } = suggestConfig(dataset, model, devices([]), { p95: 30, max: 60, count: 10 });
    expect(config.data).toMatchObject({ train_path: 'ds-1', text_column: 'quote', label_column: 'topic', max_length: 32 });
    expect(config.model).toMatchObject({ name: 'm', task: 'classification' });
    expect(reasons['data.max_length']).toBeTruthy();
  });
});
