import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
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

  it('says what is already in the folder, and replaces only an Airlock bundle, only when asked', async () => {
    const other = join(dir.path, 'other');
    mkdirSync(join(other, 'big-v1'), { recursive: true });
    writeFileSync(join(other, 'big-v1', 'notes.txt'), 'mine');
    const exporter = exporterOn('ext4', 1);
    expect(exporter.target('big@1', other)).toEqual({ path: join(other, 'big-v1'), exists: true, replaceable: false });
    expect(exporter.target('big@2', other)).toEqual({ path: join(other, 'big-v2'), exists: false, replaceable: false });
    const notOurs = exporter.export('big@1', other, undefined, { replace: true });
    await expect(notOurs).rejects.toMatchObject({ code: 'EXPORT_TARGET_EXISTS', message: expect.stringContaining('is not an Airlock bundle') });
    expect(readdirSync(join(other, 'big-v1'))).toEqual(['notes.txt']);

    const manifest = { format: 'airlock-bundle', formatVersion: 1, model: { name: 'big', version: 2, runId: 'run-fits', stage: 'none' }, createdAt: '2025-01-01T00:00:00Z', files: [] };
    mkdirSync(join(other, 'big-v2'));
    writeFileSync(join(other, 'big-v2', 'manifest.json'), JSON.stringify(manifest));
    expect(exporter.target('big@2', other)).toMatchObject({ exists: true, replaceable: true });
    await expect(exporter.export('big@2', other)).rejects.toMatchObject({ code: 'EXPORT_TARGET_EXISTS', hint: 'Verify the copy that is there, or replace it with a new export.' });
    // With replace it goes on to the usual checks (here: no space), and the old copy stays until a new one is complete.
    await expect(exporter.export('big@2', other, undefined, { replace: true })).rejects.toMatchObject({ code: 'EXPORT_NO_SPACE' });
    expect(readdirSync(join(other, 'big-v2'))).toEqual(['manifest.json']);
  });

  it('puts an earlier export back at the next start when a replacing export died before the new one took its place', () => {
    const folder = join(dir.path, 'died');
    const table = new ExportTable(services.db);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid is free
    const exportedBy = (name: string, final: string) => {
      const temp = join(folder, `.airlock-export-${dead}-${name}`);
      mkdirSync(`${temp}-previous`, { recursive: true });
      writeFileSync(join(`${temp}-previous`, 'manifest.json'), name);
      table.started(temp, final, dead, new Date().toISOString());
    };
    exportedBy('aaaa', join(folder, 'big-v1')); // died between setting the old copy aside and renaming the new one in
    mkdirSync(join(folder, 'big-v2'), { recursive: true });
    exportedBy('bbbb', join(folder, 'big-v2')); // died while re-reading the new copy, already in place
    new BundleExporter(services.paths, services.registry, table).cleanStale();
    expect(readdirSync(folder).sort()).toEqual(['big-v1', 'big-v2']);
    expect(readFileSync(join(folder, 'big-v1', 'manifest.json'), 'utf8')).toBe('aaaa');
    expect(readdirSync(join(folder, 'big-v2'))).toEqual([]);
    expect(table.unfinished()).toEqual([]);
  });

  it('refuses a target that is not a folder, and a version that does not exist', async () => {
    await expect(exporterOn('ext4', 1e12).export('big@1', join(target, 'missing'))).rejects.toMatchObject({ code: 'EXPORT_TARGET_INVALID' });
    await expect(exporterOn('ext4', 1e12).export('big@9', target)).rejects.toMatchObject({ code: 'REGISTRY_MODEL_NOT_FOUND' });
  });
});
