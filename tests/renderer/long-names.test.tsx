// @vitest-environment happy-dom
// Names are user data: a 246-character file name becomes a dataset name. Every place that shows one lets it wrap
// and clamps it with the full text on hover; the schemas refuse names past their limits with a clear error.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetsScreen } from '../../renderer/src/screens/DatasetsScreen.tsx';
import { LabelChart, labelLines } from '../../renderer/src/components/LabelChart.tsx';
import { tempDir } from '../helpers/home.ts';
import { FIXTURES, startApp } from './helpers/setup-app.tsx';

const LONG = `${'quarterly-support-ticket-export-'.repeat(8)}final`.slice(0, 246);
let app: Awaited<ReturnType<typeof startApp>>;
let dir: ReturnType<typeof tempDir>;
let datasetId: string;
beforeAll(async () => {
  app = await startApp();
  dir = tempDir('airlock-long-names-');
  const path = join(dir.path, `${LONG}.csv`);
  copyFileSync(join(FIXTURES, 'reviews.csv'), path);
  const imported = await app.call('datasets.import', { path });
  if (!imported.ok) throw new Error(imported.error.message);
  datasetId = imported.data.dataset.id;
});
afterAll(() => {
  app.stop();
  dir.cleanup();
});
afterEach(cleanup);

describe('long names', () => {
  it('keeps a 246-character file name as the dataset name, clamped with the whole name on hover', async () => {
    expect(LONG).toHaveLength(246);
    render(<DatasetsScreen params={{ id: datasetId }} />);
    const shown = await screen.findAllByTitle(LONG);
    expect(shown.length).toBe(2); // the list and the details heading
    for (const element of shown) {
      expect(element.className).toBe('name');
      expect(element.textContent).toBe(LONG);
    }
  });

  it('refuses an experiment name of 5,000 characters at the services with the limit', async () => {
    const started = await app.call('runs.start', {
      config: { data: { train_path: datasetId, text_column: 'text', label_column: 'label' }, experiment: { name: 'x'.repeat(5000) } },
    });
    expect(started.ok).toBe(false);
    if (!started.ok) {
      expect(started.error.code).toBe('CONFIG_INVALID');
      expect(JSON.stringify(started.error)).toContain('experiment.name');
    }
    const named = await app.call('datasets.import', { path: join(FIXTURES, 'reviews.tsv'), name: 'n'.repeat(256) });
    expect(named.ok).toBe(false);
  });

  it('wraps long labels in the label chart onto two lines, the whole label on hover', () => {
    expect(labelLines('billing', 20)).toEqual(['billing']);
    expect(labelLines('account access and password reset problems', 20)).toEqual(['account access and', 'password reset…']);
    expect(labelLines('x'.repeat(50), 20)).toEqual(['x'.repeat(20), `${'x'.repeat(19)}…`]);
    const label = 'account access and password reset problems after the migration';
    // happy-dom has no layout engine: the chart's container reports the size a browser gives it.
    const measure = HTMLElement.prototype.getBoundingClientRect;
    HTMLElement.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, right: 480, bottom: 160, width: 480, height: 160, toJSON: () => ({}) });
    onTestFinished(() => {
      HTMLElement.prototype.getBoundingClientRect = measure;
    });
    render(<LabelChart labels={[{ label, count: 12 }, { label: 'billing', count: 5 }]} />);
    const titles = [...document.querySelectorAll('figure text title')].map((title) => title.textContent);
    expect(titles).toContain(label);
  });
});
