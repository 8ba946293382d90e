// @vitest-environment happy-dom
// What the New run form refuses and explains, over the real services: the same column as text and label, why Next
// is disabled, the only dataset chosen for the user, and which dataset the later steps are for.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { NewRunScreen } from '../../renderer/src/screens/NewRunScreen.tsx';
import { useDatasets } from '../../renderer/src/store/datasets.ts';
import { newRunInitialState, useNewRun } from '../../renderer/src/store/new-run.ts';
import { importFixture, startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.stop());
afterEach(() => {
  cleanup();
  useNewRun.setState(newRunInitialState);
});

const next = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('New run: inputs the form refuses and explains', () => {
  it('says why Next is disabled when there is nothing to choose', async () => {
    render(<NewRunScreen />);
    await screen.findByText('No datasets yet.');
    expect(next('Next: model').disabled).toBe(true);
    const reason = document.getElementById(next('Next: model').getAttribute('aria-describedby')!);
    expect(reason?.textContent).toBe('Import a dataset first (or load a YAML config below).');
  });

  it('chooses the only dataset, names it on the later steps, and refuses its text column as the label', async () => {
    await importFixture(app, 'reviews.csv');
    render(<NewRunScreen />);
    const radio = (await screen.findByRole('radio', { name: /reviews/ })) as HTMLInputElement;
    await waitFor(() => expect(radio.checked).toBe(true));
    expect(next('Next: model').disabled).toBe(false);
    expect(next('Next: model').getAttribute('aria-describedby')).toBeNull();
    fireEvent.click(next('Next: model'));

    expect(screen.getByLabelText('Chosen dataset').textContent).toMatch(/^Dataset: reviews · \d+ rows/);
    await waitFor(() => expect(next('Next: settings').disabled).toBe(false));
    fireEvent.click(next('Next: settings'));
    const label = (await screen.findByLabelText('Label column', {}, { timeout: 60_000 })) as HTMLSelectElement;
    expect(screen.getByLabelText('Chosen dataset').textContent).toContain('reviews');
    // Column pickers say what they take; "Allowed: text" read as "the column named text".
    expect(document.getElementById('field-data.text_column-help')?.textContent).toContain("Allowed: one of the dataset's columns.");
    expect(document.getElementById('field-training.max_steps-help')?.textContent).toContain('a whole number, 1 or more, or empty');

    fireEvent.change(label, { target: { value: 'text' } });
    const error = await screen.findByText(/^Label column \(data\.label_column\) must be a different column/);
    expect(error.getAttribute('role')).toBe('alert');
    fireEvent.click(screen.getByRole('button', { name: 'Next: review' }));
    expect(await screen.findByText(/Fix the 1 field marked above: data.label_column/)).toBeTruthy();
    expect(useNewRun.getState().step).toBe('settings');
    // The services refuse it too (the CLI and any other front end go through them).
    const started = await app.call('runs.start', { config: useNewRun.getState().draft });
    expect(started.ok).toBe(false);
    if (!started.ok) expect(started.error).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('leaves the choice to the user when there are two datasets', async () => {
    await importFixture(app, 'regression.csv');
    await useDatasets.getState().load();
    render(<NewRunScreen />);
    const radios = (await screen.findAllByRole('radio')) as HTMLInputElement[];
    expect(radios).toHaveLength(2);
    expect(radios.some((radio) => radio.checked)).toBe(false);
    expect(next('Next: model').disabled).toBe(true);
    expect(within(screen.getByRole('region', { name: 'Choose the data to train on' })).getByRole('note').textContent).toBe('Choose a dataset above to continue.');
  });
});
