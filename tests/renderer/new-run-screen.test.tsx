// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { NewRunScreen } from '../../renderer/src/screens/NewRunScreen.tsx';
import { useNewRun } from '../../renderer/src/store/new-run.ts';
import { importFixture, startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
let datasetId: string;
beforeAll(async () => {
  app = await startApp();
  datasetId = await importFixture(app, 'reviews.csv');
});
afterAll(() => app.stop());
afterEach(cleanup);

describe('New run screen over the real services', () => {
  it('walks dataset → model → settings (defaults explained, inline validation) → review YAML → export', async () => {
    render(<NewRunScreen />);
    expect(screen.getByRole('heading', { level: 1, name: 'New run' })).toBeTruthy();
    fireEvent.click(await screen.findByRole('radio', { name: /reviews/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Next: model' }));
    const model = await screen.findByRole('radio', { name: /minilm/i });
    await waitFor(() => expect((model as HTMLInputElement).checked).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: 'Next: settings' }));

    // Defaults come from detection and are explained.
    const maxLength = (await screen.findByLabelText('Max length', {}, { timeout: 60_000 })) as HTMLInputElement;
    expect(Number(maxLength.value)).toBeGreaterThanOrEqual(16);
    expect(screen.getByText(/covers 95% of your texts/)).toBeTruthy();
    expect((screen.getByLabelText('Text column') as HTMLSelectElement).value).toBe('text');
    expect((screen.getByLabelText('Label column') as HTMLSelectElement).value).toBe('label');
    // Advanced options are folded away.
    expect(screen.getByText('Advanced settings').closest('details')?.open).toBe(false);

    // An invalid value is named inline with what is allowed, and blocks the review.
    fireEvent.change(screen.getByLabelText('Learning rate'), { target: { value: '7' } });
    expect((await screen.findAllByRole('alert'))[0].textContent).toBe('Learning rate (training.learning_rate) must be at most 1.');
    expect(screen.getByLabelText('Learning rate').getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    expect(await screen.findByText(/Fix the 1 field marked above: training.learning_rate/)).toBeTruthy();
    expect(useNewRun.getState().step).toBe('settings');

    fireEvent.change(screen.getByLabelText('Learning rate'), { target: { value: '0.0001' } });
    fireEvent.change(screen.getByLabelText('Max epochs'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    const yaml = await screen.findByLabelText('Config YAML');
    expect(yaml.textContent).toContain('learning_rate: 0.0001');
    expect(yaml.textContent).toContain('max_epochs: 2');
    expect(yaml.textContent).toContain(`train_path: ${datasetId}`);
    expect(yaml.textContent).toContain('# Passes over the training data.');

    fireEvent.click(screen.getByRole('button', { name: 'Export YAML' }));
    await screen.findByText('Config exported.');
    expect(app.saved.at(-1)?.name).toBe('reviews.yaml');
    expect(app.saved.at(-1)?.text).toBe(yaml.textContent);
  });

  it('imports a YAML config (pasted), naming the field when it is wrong, then fills the form from it', async () => {
    useNewRun.getState().reset();
    render(<NewRunScreen />);
    fireEvent.click(await screen.findByText('Or start from a YAML config'));
    const paste = screen.getByLabelText('Or paste the YAML');
    fireEvent.change(paste, { target: { value: `data:\n  train_path: ${datasetId}\n  text_column: text\n  label_column: label\ntraining:\n  batch_size: 0\n` } });
    fireEvent.click(screen.getByRole('button', { name: 'Load pasted config' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('training.batch_size');
    expect(alert.textContent).toContain('CONFIG_INVALID');

    fireEvent.change(paste, { target: { value: `data:\n  train_path: ${datasetId}\n  text_column: text\n  label_column: label\ntraining:\n  batch_size: 4\n  max_steps: 3\n` } });
    fireEvent.click(screen.getByRole('button', { name: 'Load pasted config' }));
    const batch = (await screen.findByLabelText('Batch size')) as HTMLInputElement;
    expect(batch.value).toBe('4');
    expect(within(screen.getByRole('list', { name: 'Steps' })).getByText('3. Settings').getAttribute('aria-current')).toBe('step');
    expect((screen.getByLabelText('Max steps') as HTMLInputElement).value).toBe('3');
  });
});
