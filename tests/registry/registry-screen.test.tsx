// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run } from '../../schemas/run.ts';
import { RegistryScreen } from '../../renderer/src/screens/RegistryScreen.tsx';
import { RegisterRun } from '../../renderer/src/components/RegisterRun.tsx';
import { registryInitialState, useRegistry } from '../../renderer/src/store/registry.ts';
import { startApp } from '../renderer/helpers/setup-app.tsx';
import { tinyModelPath, tinyRunConfig, writeSentimentCsv } from '../helpers/tiny-model.ts';

let app: Awaited<ReturnType<typeof startApp>>;
let run: Run;
const work = mkdtempSync(join(tmpdir(), 'airlock-registry-screen-'));
const usb = join(work, 'usb');

beforeAll(async () => {
  app = await startApp();
  useRegistry.setState(registryInitialState);
  expect((await app.call('models.import', { path: tinyModelPath(), name: 'tiny' })).ok).toBe(true);
  mkdirSync(usb);
  const csv = writeSentimentCsv(join(work, 'reviews.csv'), 30);
  const config = tinyRunConfig(csv, { training: { max_epochs: 2 }, experiment: 'screen reviews' });
  const started = await app.call('runs.start', { config });
  if (!started.ok) throw new Error(started.error.message);
  run = await new Promise<Run>((resolve) => {
    const stop = app.subscribe((notice) => {
      if (notice.kind === 'finished' && notice.runId === started.data.runId) {
        stop();
        resolve(notice.run);
      }
    });
  });
  expect(run.status).toBe('completed');
});
afterAll(() => {
  app.stop();
  rmSync(work, { recursive: true, force: true });
});
afterEach(cleanup);

describe('Registry screen and Register on a run, over the real services', () => {
  it('registers a completed run under a name made from its experiment', async () => {
    render(<RegisterRun run={run} />);
    expect(((await screen.findByLabelText('Model name')) as HTMLInputElement).value).toBe('screen-reviews');
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect((await screen.findByRole('status')).textContent).toBe('Registered as screen-reviews v1 (staging).'); // the config's deployment.stage
  });

  it('shows versions, lineage, metrics and stage history, and records a stage change', async () => {
    render(<RegistryScreen params={{ name: 'screen-reviews' }} />);
    const lineage = within(await screen.findByLabelText('Lineage'));
    expect(lineage.getByText(run.id)).toBeTruthy();
    expect(lineage.getByText('negative, positive')).toBeTruthy();
    expect(lineage.getByText(/^[0-9a-f]{64}$/)).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Version metrics' }).textContent).toContain('val/accuracy');
    fireEvent.change(screen.getByLabelText('Stage of v1'), { target: { value: 'production' } });
    fireEvent.click(screen.getByRole('button', { name: 'Make production' })); // production asks first
    await waitFor(() => expect(screen.getByLabelText('Stage history').querySelectorAll('li')).toHaveLength(2));
    expect(screen.getByLabelText('Stage history').textContent).toMatch(/staging .*production/s);
  });

  it('predicts a typed text with its label and probability', async () => {
    render(<RegistryScreen params={{ name: 'screen-reviews' }} />);
    fireEvent.change(await screen.findByLabelText('Text to classify'), { target: { value: 'this product is amazing' } });
    fireEvent.click(screen.getByRole('button', { name: 'Predict' }));
    const prediction = await screen.findByRole('status', { name: 'Prediction' }, { timeout: 60_000 });
    expect(prediction.textContent).toMatch(/^(negative|positive) — \d+(\.\d)?%$/);
  });

  it('exports to a folder with progress and shows the verification result', async () => {
    render(<RegistryScreen params={{ name: 'screen-reviews' }} />);
    expect(await screen.findByRole('group', { name: 'Removable drives' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Export folder'), { target: { value: usb } });
    fireEvent.click(screen.getByRole('button', { name: 'Export screen-reviews@1' }));
    expect(await screen.findByRole('progressbar')).toBeTruthy();
    const result = await screen.findByRole('status', { name: 'Verification result' }, { timeout: 90_000 });
    expect(result.textContent).toContain(join(usb, 'screen-reviews-v1'));
    expect(result.textContent).toMatch(/Verified: .* \d+ files/);
    expect(existsSync(join(usb, 'screen-reviews-v1', 'manifest.json'))).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Export screen-reviews@1' }));
    expect((await screen.findByRole('alert', {}, { timeout: 30_000 })).textContent).toContain('EXPORT_TARGET_EXISTS');
  });
});
