import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunConfig } from '../../schemas/config.ts';
import { createServices, type Services } from '../../electron/services/index.ts';
import { BundleExporter } from '../../electron/services/export/exporter.ts';
import { ExportTable } from '../../electron/services/export/export-table.ts';
import { FAT32_MAX_FILE_BYTES } from '../../electron/services/export/space.ts';
import { parseMounts } from '../../electron/services/export/volumes.ts';
import { tempDir } from '../helpers/home.ts';

/** A completed run whose model folder holds a sparse weights file of `weightsBytes` (no disk space used). */
function completedRunWithWeights(services: Services, runId: string, weightsBytes: number): void {
  const runDir = join(services.paths.runs, runId);
  const modelDir = join(runDir, 'model');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'config.json'), '{}');
  writeFileSync(join(modelDir, 'model.safetensors'), '');
  truncateSync(join(modelDir, 'model.safetensors'), weightsBytes);
  const config = RunConfig.parse({ data: { train_path: '/data/train.csv', text_column: 'text', label_column: 'label' } });
  services.runs.create({ id: runId, experiment: 'big', datasetId: null, modelId: 'base', config, runDir, createdAt: new Date().toISOString() });
  services.runs.finish(runId, { status: 'completed', modelDir, metrics: { 'val/accuracy': 0.9 } }, new Date().toISOString());
}

describe('export safety checks through the exporter, with the mount table injected', () => {
  const dir = tempDir();
  const target = join(dir.path, 'stick');
  let services: Services;
  beforeAll(async () => {
    services = await createServices(join(dir.path, 'home'));
    mkdirSync(target);
    completedRunWithWeights(services, 'run-big', FAT32_MAX_FILE_BYTES + 1);
    completedRunWithWeights(services, 'run-fits', FAT32_MAX_FILE_BYTES);
    services.registry.register('run-big', 'big');
    services.registry.register('run-fits', 'big');
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  const exporterOn = (fsType: string, freeBytes: number) =>
    new BundleExporter(services.paths, services.registry, new ExportTable(services.db), {
      mounts: () => parseMounts(`/dev/sdz1 ${target} ${fsType} rw 0 0`),
      freeBytes: () => freeBytes,
    });

  it('refuses a weights file over 4 GiB on FAT32 (vfat) before writing anything', async () => {
    await expect(exporterOn('vfat', 64 * 1024 ** 3).export('big@1', target)).rejects.toMatchObject({ code: 'EXPORT_FILE_TOO_LARGE_FOR_FAT32' });
    expect(readdirSync(target)).toEqual([]);
  });

  it('lets the same file through on exFAT, where only the free space is checked', async () => {
    await expect(exporterOn('exfat', 1024 ** 3).export('big@1', target)).rejects.toMatchObject({ code: 'EXPORT_NO_SPACE' });
    expect(readdirSync(target)).toEqual([]);
  });

  it('accepts a file of exactly 4 GiB minus one byte on FAT32 as far as the size rule goes', async () => {
    await expect(exporterOn('vfat', 1024 ** 3).export('big@2', target)).rejects.toMatchObject({ code: 'EXPORT_NO_SPACE' });
  });

  it('refuses to register a run that did not complete', () => {
    const runDir = join(services.paths.runs, 'run-failed');
    const config = RunConfig.parse({ data: { train_path: '/data/train.csv', text_column: 'text', label_column: 'label' } });
    services.runs.create({ id: 'run-failed', experiment: 'big', datasetId: null, modelId: 'base', config, runDir, createdAt: new Date().toISOString() });
    services.runs.finish('run-failed', { status: 'failed' }, new Date().toISOString());
    expect(() => services.registry.register('run-failed', 'big')).toThrow(expect.objectContaining({ code: 'RUN_NOT_COMPLETED' }));
    expect(services.registry.list()[0].versions).toHaveLength(2);
  });

  it('refuses a target that is not a folder, and a version that does not exist', async () => {
    await expect(exporterOn('ext4', 1e12).export('big@1', join(target, 'missing'))).rejects.toMatchObject({ code: 'EXPORT_TARGET_INVALID' });
    await expect(exporterOn('ext4', 1e12).export('big@9', target)).rejects.toMatchObject({ code: 'REGISTRY_MODEL_NOT_FOUND' });
  });
});
