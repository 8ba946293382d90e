// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { resolve } from 'node:path';
import { NewRunScreen } from '../../renderer/src/screens/NewRunScreen.tsx';
import { useNewRun } from '../../renderer/src/store/new-run.ts';
import { importFixture, startApp } from './helpers/setup-app.tsx';

const CLEAN = resolve('resources/examples/extensions/clean.py');

let app: Awaited<ReturnType<typeof startApp>>;
let datasetId: string;
beforeAll(async () => {
  app = await startApp();
  datasetId = await importFixture(app, 'reviews.csv');
});
afterAll(() => app.stop());
afterEach(cleanup);

describe('New run: a config naming the team\'s own code', () => {
  it('loads, shows the loss, metrics and file names, and asks once to allow the code before the review', async () => {
    useNewRun.getState().reset();
    render(<NewRunScreen />);
    fireEvent.click(await screen.findByText('Or start from a YAML config'));
    const yaml = [
      'data:',
      `  train_path: ${datasetId}`,
      '  text_column: text',
      '  label_column: label',
      `  preprocess: ${CLEAN}:mask_contacts`,
      'training:',
      '  loss: {name: focal, gamma: 3}',
      'evaluation:',
      '  metrics: [{torchmetrics: MulticlassAUROC, args: {average: macro}}]',
    ].join('\n');
    fireEvent.change(screen.getByLabelText('Or paste the YAML'), { target: { value: yaml } });
    fireEvent.click(screen.getByRole('button', { name: 'Load pasted config' }));

    const allow = (await screen.findByLabelText('Allow this code to run (allow_custom_code)')) as HTMLInputElement;
    expect(allow.checked).toBe(false);
    expect(screen.getByText(/Loss: focal \(gamma 3\)/)).toBeTruthy();
    expect(screen.getByText(/Extra metrics: torchmetrics MulticlassAUROC/)).toBeTruthy();
    expect(screen.getByText(/Preprocessing: clean.py:mask_contacts/)).toBeTruthy();
    expect(screen.getByText(new RegExp(`runs Python from ${CLEAN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))).toBeTruthy();
    expect(screen.getAllByRole('alert').map((alert) => alert.textContent).join(' ')).toContain('allow_custom_code: true');

    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    expect(useNewRun.getState().step).toBe('settings');
    fireEvent.click(allow);
    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    const review = await screen.findByLabelText('Config YAML');
    expect(review.textContent).toContain('allow_custom_code: true');
    expect(review.textContent).toContain(`preprocess: ${CLEAN}:mask_contacts`);
  });
});
