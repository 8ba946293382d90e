// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetsScreen } from '../../renderer/src/screens/DatasetsScreen.tsx';
import { useDatasets } from '../../renderer/src/store/datasets.ts';
import { FIXTURES, startApp } from './helpers/setup-app.tsx';

const SAMPLE = join(process.cwd(), 'resources', 'sample', 'wordnet-topics.csv');

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.stop());
afterEach(cleanup);

function typePathAndImport(path: string) {
  fireEvent.change(screen.getByLabelText('Dataset file or folder path'), { target: { value: path } });
  fireEvent.click(screen.getByRole('button', { name: 'Import' }));
}

describe('Datasets screen over the real services', () => {
  it('says what to do when there are no datasets', async () => {
    render(<DatasetsScreen params={{}} />);
    expect(await screen.findByText('No datasets yet.')).toBeTruthy();
  });

  it('imports the sample CSV by typed path and shows its detection, labels, columns and preview', async () => {
    render(<DatasetsScreen params={{}} />);
    typePathAndImport(SAMPLE);
    await waitFor(() => expect(window.location.hash).toMatch(/^#\/datasets\/ds-/), { timeout: 30_000 });
    cleanup();
    const id = window.location.hash.split('/')[2];
    render(<DatasetsScreen params={{ id }} />);
    const detection = within(await screen.findByLabelText('Detection result'));
    expect(detection.getByText('definition')).toBeTruthy();
    expect(detection.getByText('topic')).toBeTruthy();
    expect(detection.getByText('classification')).toBeTruthy();
    expect(detection.getByText('8')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Label distribution' })).toBeTruthy();
    expect(screen.getByRole('figure', { name: 'Label distribution' }).textContent).toContain('noun.animal');
    const columns = within(screen.getByRole('table', { name: 'Column profile' }));
    expect(columns.getByText('definition')).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Preview' }).querySelectorAll('tbody tr').length).toBeGreaterThan(5);
  });

  it('shows a bad file’s error with its code and hint, and stores nothing', async () => {
    const before = (await app.call('datasets.list', {})) as { ok: true; data: { datasets: unknown[] } };
    render(<DatasetsScreen params={{}} />);
    await screen.findByLabelText('Dataset file or folder path');
    const file = new File([readFileSync(join(FIXTURES, 'reviews.csv')).subarray(0, 0)], 'empty.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('Choose a file to upload'), { target: { files: [file] } });
    const alert = await screen.findByRole('alert', {}, { timeout: 30_000 });
    expect(alert.textContent).toContain('DATASET_EMPTY');
    expect(alert.textContent).toMatch(/header line/);
    const after = (await app.call('datasets.list', {})) as { ok: true; data: { datasets: unknown[] } };
    expect(after.data.datasets).toHaveLength(before.data.datasets.length);
  });

  it('uploads a picked file (web host) and lets the user change the label column, re-running detection', async () => {
    const lines = ['text,sentiment,topic'];
    for (let i = 0; i < 40; i++) lines.push(`"message number ${i} about ${i % 3 === 0 ? 'sport' : 'food'} and more words ${i * 7}",${i % 2 ? 'pos' : 'neg'},${['sport', 'food', 'travel'][i % 3]}`);
    render(<DatasetsScreen params={{}} />);
    await screen.findByLabelText('Dataset file or folder path');
    const file = new File([lines.join('\n') + '\n'], 'two-labels.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('Choose a file to upload'), { target: { files: [file] } });
    await waitFor(() => expect(useDatasets.getState().lastImport).not.toBeNull(), { timeout: 30_000 });
    const dataset = useDatasets.getState().datasets.find((candidate) => candidate.id === useDatasets.getState().lastImport!.id)!;
    expect(dataset.name).toBe('two-labels');
    const detected = dataset.detection.labelColumn!;
    const other = detected === 'topic' ? 'sentiment' : 'topic';
    cleanup();
    render(<DatasetsScreen params={{ id: dataset.id }} />);

    // Choosing the text column as the label is refused, naming why.
    fireEvent.change(await screen.findByLabelText('Label column'), { target: { value: 'text' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply columns' }));
    expect((await screen.findByRole('alert')).textContent).toContain('cannot be both the text and the label column');

    fireEvent.change(screen.getByLabelText('Label column'), { target: { value: other } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply columns' }));
    const detection = screen.getByLabelText('Detection result');
    await waitFor(() => expect(within(detection).getByText(other)).toBeTruthy(), { timeout: 30_000 });
    expect(within(detection).getByText(other === 'topic' ? '3' : '2')).toBeTruthy();
    // Stored: a fresh read and the suggested config use the user's column.
    const stored = await app.call('datasets.get', { id: dataset.id });
    expect(stored.ok && stored.data.dataset.detection.labelColumn).toBe(other);
  });

  it('says in plain words which label spellings were merged and which labels look like "no value"', async () => {
    const rows = ['1', '1.0', '01', '2', '2.00', 'None', 'NA', '2', '1', 'None'].map((label, i) => `ticket number ${i} about something,${label}`);
    const file = join(app.home, 'spellings.csv');
    writeFileSync(file, `text,label\n${rows.join('\n')}\n`);
    window.location.hash = '';
    render(<DatasetsScreen params={{}} />);
    typePathAndImport(file);
    await waitFor(() => expect(window.location.hash).toMatch(/^#\/datasets\/ds-/), { timeout: 30_000 });
    cleanup();
    render(<DatasetsScreen params={{ id: window.location.hash.split('/')[2] }} />);
    const warnings = within(await screen.findByRole('region', { name: 'Warnings' }));
    expect(warnings.getByText(/"1", "1.0" and "01" are all 1/)).toBeTruthy();
    expect(warnings.getByText(/"2" and "2.00" are all 2/)).toBeTruthy();
    expect(warnings.getByText(/"None" \(2 rows\) and "NA" \(1 row\) look like "no value" but are kept as labels/)).toBeTruthy();
  });
  it('reads a table of notes as text to continue when asked, and shows fine-tuning data by its shape', async () => {
    const notes = join(mkdtempSync(join(tmpdir(), 'airlock-notes-')), 'notes.csv');
    writeFileSync(notes, 'note\nPump 4 vibrates above 3000 rpm.\nValve 2 leaks after the night shift.\nCompressor 1 restarted twice.\n');
    window.location.hash = '';
    render(<DatasetsScreen params={{}} />);
    fireEvent.change(screen.getByLabelText('Read a table as'), { target: { value: 'text' } });
    typePathAndImport(notes);
    await waitFor(() => expect(window.location.hash).toMatch(/^#\/datasets\/ds-/), { timeout: 30_000 });
    cleanup();
    render(<DatasetsScreen params={{ id: window.location.hash.split('/')[2] }} />);
    const detection = within(await screen.findByLabelText('Detection result'));
    expect(detection.getByText(/text generation/)).toBeTruthy();
    expect(detection.getByText('plain text: the model learns to continue it')).toBeTruthy();
    expect(detection.getByText('note')).toBeTruthy();
    expect(screen.queryByText('Change the columns')).toBeNull(); // label columns mean nothing here
  });
});
