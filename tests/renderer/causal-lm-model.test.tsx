// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ModelsScreen } from '../../renderer/src/screens/ModelsScreen.tsx';
import { tinyModelPath } from '../helpers/tiny-model.ts';
import { startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.stop());
afterEach(cleanup);

/** Imports a model folder through the form and returns the details list of the imported model. */
async function importAndShow(folder: string, name: string) {
  render(<ModelsScreen params={{}} />);
  fireEvent.change(await screen.findByLabelText('Model folder path'), { target: { value: folder } });
  fireEvent.change(screen.getByLabelText('Name in the cache (optional)'), { target: { value: name } });
  fireEvent.click(screen.getByRole('button', { name: 'Import model' }));
  await waitFor(() => expect(window.location.hash).toBe(`#/models/${name}`), { timeout: 30_000 });
  cleanup();
  render(<ModelsScreen params={{ id: name }} />);
  return within(await screen.findByLabelText('Model details'));
}

describe('the Models screen shows what a causal language model is', () => {
  it('a Llama decoder: generates text, has a chat template and its own padding token', async () => {
    const details = await importAndShow(tinyModelPath('llama'), 'tiny-llama');
    expect(details.getByText('text generation (causal LM)')).toBeTruthy();
    expect(details.getByText(/^yes: a causal language model/)).toBeTruthy();
    expect(details.getByText('yes: chat data is formatted with it')).toBeTruthy();
    expect(details.getByText('its own padding token <pad>')).toBeTruthy();
  });

  it('a GPT-2 decoder: no chat template, padded with its end-of-text token', async () => {
    const details = await importAndShow(tinyModelPath('gpt2'), 'tiny-gpt2');
    expect(details.getByText("none: chat data is formatted with ChatML's markers (<|im_start|>role … <|im_end|>)")).toBeTruthy();
    expect(details.getByText(/end-of-text token <\|endoftext\|>/)).toBeTruthy();
    expect(details.getByText('64 tokens')).toBeTruthy();
  });
});
