// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run } from '../../schemas/run.ts';
import { RegistryScreen } from '../../renderer/src/screens/RegistryScreen.tsx';
import { RegisterRun } from '../../renderer/src/components/RegisterRun.tsx';
import { registryInitialState, useRegistry } from '../../renderer/src/store/registry.ts';
import { exportInitialState, useExport } from '../../renderer/src/store/export.ts';
import { startApp } from '../renderer/helpers/setup-app.tsx';
import { tinyModelPath, tinyRunConfig, writeSentimentCsv } from '../helpers/tiny-model.ts';

let app: Awaited<ReturnType<typeof startApp>>;
let run: Run;
const work = mkdtempSync(join(tmpdir(), 'airlock-registry-screen-'));
const usb = join(work, 'usb');

beforeAll(async () => {
  app = await startApp();
  useRegistry.setState(registryInitialState);
  useExport.setState(exportInitialState);
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

  it('predicts a typed text with every label ranked, clearing the previous answer while the next is computed', async () => {
    render(<RegistryScreen params={{ name: 'screen-reviews' }} />);
    fireEvent.change(await screen.findByLabelText('Text to classify'), { target: { value: 'this product is amazing' } });
    fireEvent.click(screen.getByRole('button', { name: 'Predict' }));
    const prediction = await screen.findByRole('status', { name: 'Prediction' }, { timeout: 60_000 });
    expect(prediction.textContent).toMatch(/^(negative|positive) — \d+(\.\d)?%$/);
    const ranking = screen.getByRole('table', { name: "Every label's probability" });
    const rows = within(ranking).getAllByRole('row').slice(1).map((row) => row.textContent ?? '');
    expect(rows).toHaveLength(2);
    const percents = rows.map((row) => Number(row.match(/([\d.]+)%/)![1]));
    expect(percents[0]).toBeGreaterThanOrEqual(percents[1]);
    expect(percents[0] + percents[1]).toBeCloseTo(100, 0);
    expect(rows[0]).toContain(prediction.textContent!.split(' — ')[0]);
    // Unclear answers say so in words; clear ones do not.
    const margin = percents[0] - percents[1];
    expect(screen.queryByRole('note', { name: 'Confidence' }) !== null).toBe(margin < 10 || percents[0] < 60);
    fireEvent.change(screen.getByLabelText('Text to classify'), { target: { value: 'the package arrived broken' } });
    fireEvent.click(screen.getByRole('button', { name: 'Predict' }));
    expect(screen.queryByRole('status', { name: 'Prediction' })).toBeNull();
    expect(await screen.findByRole('status', { name: 'Prediction' }, { timeout: 60_000 })).toBeTruthy();
  });

  it('labels a whole file: confirm the column, watch progress, preview with runner-up, save as CSV', async () => {
    const input = join(work, 'new-reviews.csv');
    writeFileSync(input, 'id,comment,score\n' + Array.from({ length: 90 }, (_, index) => `${index},"${['i loved it', 'awful, broken', '=1+1 meh'][index % 3]} ${index}",-${index}.5`).join('\n') + '\n');
    render(<RegistryScreen params={{ name: 'screen-reviews' }} />);
    fireEvent.change(await screen.findByLabelText('File to label'), { target: { value: input } });
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    const column = (await screen.findByLabelText('Text column', {}, { timeout: 30_000 })) as HTMLSelectElement;
    expect(column.value).toBe('comment');
    expect(screen.getByRole('table', { name: 'File preview' }).textContent).toContain('i loved it 0');
    fireEvent.click(screen.getByRole('button', { name: 'Label 90 rows' }));
    const summary = await screen.findByRole('status', { name: 'Labelling result' }, { timeout: 60_000 });
    expect(summary.textContent).toMatch(/Labelled 90 of 90 rows of new-reviews.csv \(text column "comment"\)/);
    const preview = within(screen.getByRole('table', { name: 'Labelled rows' }));
    expect(preview.getAllByRole('row')).toHaveLength(21);
    expect(preview.getAllByRole('row')[1].textContent).toMatch(/^1i loved it 0(negative|positive)\d+\.\d%(negative|positive) \(\d+\.\d%\)(clear|low — check it)$/);
    expect(screen.getByRole('figure', { name: 'Label distribution' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Save to folder'), { target: { value: usb } });
    fireEvent.click(screen.getByRole('button', { name: 'Save 90 rows' }));
    const saved = await screen.findByRole('status', { name: 'Saved file' }, { timeout: 30_000 });
    const path = join(usb, 'new-reviews-predictions.csv');
    expect(saved.textContent).toBe(`Saved 90 rows to ${path}`);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('id,comment,score,predicted_label,probability,runner_up_label,runner_up_probability,low_confidence');
    expect(lines).toHaveLength(91);
    expect(lines[3]).toMatch(/^2,'=1\+1 meh 2,-2\.5,(negative|positive),/);
    rmSync(path);
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
  });

  it('offers Verify and Replace, not an error, when the version is already in the folder', async () => {
    const bundle = join(usb, 'screen-reviews-v1');
    const firstManifest = readFileSync(join(bundle, 'manifest.json'), 'utf8');
    render(<RegistryScreen params={{ name: 'screen-reviews' }} />);
    fireEvent.change(await screen.findByLabelText('Export folder'), { target: { value: usb } });
    fireEvent.click(screen.getByRole('button', { name: 'Export screen-reviews@1' }));
    const choice = await screen.findByRole('group', { name: 'Already exported' }, { timeout: 30_000 });
    expect(choice.textContent).toContain(`${bundle} already holds an export of screen-reviews v1`);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(document.body.textContent).not.toMatch(/airlock verify|--replace/); // no command to type

    fireEvent.click(within(choice).getByRole('button', { name: 'Verify' }));
    const verified = await screen.findByRole('status', { name: 'Verification result' }, { timeout: 30_000 });
    expect(verified.textContent).toContain(bundle);
    expect(readFileSync(join(bundle, 'manifest.json'), 'utf8')).toBe(firstManifest); // only read

    fireEvent.click(screen.getByRole('button', { name: 'Export screen-reviews@1' }));
    fireEvent.click(within(await screen.findByRole('group', { name: 'Already exported' }, { timeout: 30_000 })).getByRole('button', { name: 'Replace' }));
    expect(await screen.findByRole('progressbar')).toBeTruthy();
    const replaced = await screen.findByRole('status', { name: 'Verification result' }, { timeout: 90_000 });
    expect(replaced.textContent).toContain(bundle);
    expect(readdirSync(usb)).toEqual(['screen-reviews-v1']);
    expect(readFileSync(join(bundle, 'manifest.json'), 'utf8')).not.toBe(firstManifest);
  });

  it('refuses a relative export folder with a message saying what to type', async () => {
    render(<RegistryScreen params={{ name: 'screen-reviews' }} />);
    fireEvent.change(await screen.findByLabelText('Export folder'), { target: { value: 'resources' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export screen-reviews@1' }));
    const alert = await screen.findByRole('alert', {}, { timeout: 30_000 });
    expect(alert.textContent).toContain('The export folder "resources" is not a full path.');
    expect(alert.textContent).toContain('Type a full path such as /media/usb');
    expect(existsSync(join('resources', 'screen-reviews-v1'))).toBe(false);
  });
});
