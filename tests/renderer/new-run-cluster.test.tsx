// @vitest-environment happy-dom
// The New run screen past one machine, over the real services: the effective batch size in plain words (per device
// and in total, devices auto counted from the real devices call), the multi-process fields in the form, and
// "Run on a cluster" writing a real job folder through cluster.export.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiInput, ApiName } from '../../schemas/api.ts';
import { NewRunScreen } from '../../renderer/src/screens/NewRunScreen.tsx';
import { useNewRun } from '../../renderer/src/store/new-run.ts';
import { validateConfig } from '../../renderer/src/lib/config-form.ts';
import { clusterInitialState, useCluster } from '../../renderer/src/store/cluster.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, writeSentimentCsv } from '../helpers/tiny-model.ts';
import { startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
let dir: ReturnType<typeof tempDir>;
let datasetId: string;
/** Every call the screen made, as it made it (the calls still go to the real services). */
const calls: { name: ApiName; input: unknown }[] = [];

beforeAll(async () => {
  app = await startApp();
  dir = tempDir('airlock-new-run-cluster-');
  const call = app.call.bind(app);
  app.call = ((name: ApiName, input: ApiInput<ApiName>) => {
    calls.push({ name, input });
    return call(name, input);
  }) as typeof app.call;
  const model = await call('models.import', { path: tinyModelPath(), name: 'tiny' });
  if (!model.ok) throw new Error(model.error.message);
  const imported = await call('datasets.import', { path: writeSentimentCsv(join(dir.path, 'tickets.csv'), 20) });
  if (!imported.ok) throw new Error(imported.error.message);
  datasetId = imported.data.dataset.id;
});
afterAll(() => {
  app.stop();
  dir.cleanup();
});
afterEach(cleanup);

const batchNote = () => screen.getByRole('note', { name: 'Effective batch size' }).textContent ?? '';

describe('New run past one machine', () => {
  it('shows the effective batch size per device and in total, and the multi-process fields under Advanced', async () => {
    useNewRun.getState().reset();
    useCluster.setState(clusterInitialState);
    const yaml = [
      'model:',
      '  name: tiny',
      'data:',
      `  train_path: ${datasetId}`,
      '  text_column: review',
      '  label_column: sentiment',
      'training:',
      '  batch_size: 8',
      '  devices: 2',
      '  accelerator: cpu',
      '  accumulate_grad_batches: 4',
    ].join('\n');
    expect(await useNewRun.getState().importYaml(yaml)).toBe(true);
    render(<NewRunScreen />);

    await screen.findByLabelText('Batch size');
    expect(batchNote()).toBe('Effective batch size: 64 rows in total per optimizer step (8 rows per device × 2 devices (CPU processes) × 1 node × 4 accumulated batches).');
    // The fields of a multi-process run are in the form, folded under Advanced, with their current values.
    const advanced = screen.getByText('Advanced settings').closest('details')!;
    expect((within(advanced).getByLabelText('Accelerator') as HTMLSelectElement).value).toBe('cpu');
    expect((within(advanced).getByLabelText('Strategy') as HTMLSelectElement).value).toBe('auto');
    expect((within(advanced).getByLabelText('Wait for other processes (s)') as HTMLInputElement).value).toBe('600');
    fireEvent.change(within(advanced).getByLabelText('Machines (nodes)'), { target: { value: '3' } });
    expect(batchNote()).toContain('192 rows in total');
    expect(batchNote()).toContain('× 3 nodes ×');

    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    const config = await screen.findByLabelText('Config YAML');
    expect(batchNote()).toContain('192 rows in total');
    expect(config.textContent).toContain('# Effective batch size = batch_size × devices × num_nodes × accumulate_grad_batches = 8 × 2 × 3 × 4 = 192');
  });

  it('counts devices auto from the devices call (one process on the CPU)', async () => {
    useNewRun.getState().goTo('settings');
    render(<NewRunScreen />);
    const advanced = (await screen.findByText('Advanced settings')).closest('details')!;
    fireEvent.change(within(advanced).getByLabelText('Devices'), { target: { value: 'auto' } });
    fireEvent.change(within(advanced).getByLabelText('Accelerator'), { target: { value: 'auto' } });
    const listed = await app.call('devices.list', {});
    if (!listed.ok) throw new Error(listed.error.message);
    const gpus = listed.data.devices.devices.filter((device) => device.kind === 'cuda').length;
    const devices = gpus === 0 ? '1 device (auto: no GPU found, so the CPU)' : `${gpus} device${gpus === 1 ? '' : 's'} (auto: the GPUs found)`;
    await waitFor(() => expect(batchNote()).toContain(`(8 rows per device × ${devices} × 3 nodes × 4 accumulated batches)`), { timeout: 60_000 });
    expect(batchNote()).toContain(`${8 * Math.max(gpus, 1) * 3 * 4} rows in total`);
    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    // config.toYaml does not ask the trainer: the YAML says what auto will count.
    expect((await screen.findByLabelText('Config YAML')).textContent).toContain('= 8 × the GPUs found × 3 × 4');
  });

  it('"Run on a cluster" calls cluster.export with the form\'s config, shows the folder, size, hash and commands, and errors with their code', async () => {
    useNewRun.getState().goTo('settings');
    render(<NewRunScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Next: review' }));
    await screen.findByLabelText('Config YAML');
    fireEvent.click(screen.getByRole('button', { name: 'Run on a cluster' }));
    const dialog = screen.getByRole('dialog', { name: 'Run on a cluster' });
    // The config names 3 nodes: the dialog starts from them.
    expect((within(dialog).getByLabelText('Nodes (machines)') as HTMLInputElement).value).toBe('3');

    // A refused input is shown where the user acted, with its code.
    fireEvent.change(within(dialog).getByLabelText('Nodes (machines)'), { target: { value: '0' } });
    fireEvent.change(within(dialog).getByLabelText('GPUs per node'), { target: { value: '1' } });
    const folder = join(dir.path, 'job');
    fireEvent.change(within(dialog).getByLabelText('Job folder to write'), { target: { value: folder } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Write the job folder' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('The job folder could not be written');
    expect(alert.textContent).toContain('nodes');
    expect(alert.textContent).toContain('Error code: INVALID_INPUT');
    expect(existsSync(folder)).toBe(false);

    fireEvent.change(within(dialog).getByLabelText('Nodes (machines)'), { target: { value: '2' } });
    expect(within(dialog).getByText('2 processes in all, one per GPU.')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Write the job folder' }));
    const written = await within(dialog).findByRole('status', { name: 'Job folder written' }, { timeout: 60_000 });
    expect(within(dialog).queryByRole('alert')).toBeNull();

    const request = calls.filter((call) => call.name === 'cluster.export').at(-1)!.input as ApiInput<'cluster.export'>;
    expect(request).toMatchObject({ nodes: 2, gpusPerNode: 1, to: folder });
    expect(request.sharedPath).toBeUndefined();
    expect(request.config).toEqual(validateConfig(useNewRun.getState().draft).config);

    // What is shown is what was written.
    const job = JSON.parse(readFileSync(join(folder, 'job.json'), 'utf8')) as { nodes: number; gpus_per_node: number; config_sha256: string };
    expect(job).toMatchObject({ nodes: 2, gpus_per_node: 1 });
    const hash = createHash('sha256').update(readFileSync(join(folder, 'config.yaml'))).digest('hex');
    expect(job.config_sha256).toBe(hash);
    expect(within(written).getByLabelText('Config SHA-256').textContent).toBe(hash);
    expect(within(written).getByText(folder)).toBeTruthy();
    const exported = useCluster.getState().exported!;
    expect(within(written).getByText(new RegExp(`in ${exported.files} files`))).toBeTruthy();
    expect(within(written).getByLabelText('torchrun command').textContent).toBe(exported.commands.torchrun);
    expect(exported.commands.torchrun).toContain('launch_torchrun.sh');
    expect(within(written).getByLabelText('SLURM command').textContent).toBe(exported.commands.slurm);
    expect(exported.commands.slurm).toContain('sbatch');
  });
});
