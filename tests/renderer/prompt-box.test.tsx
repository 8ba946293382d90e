// @vitest-environment happy-dom
// The Registry of a causal language model, over the real services and model workers: a prompt box whose answer
// streams in piece by piece, errors in plain words, and export of a LoRA version as the adapter alone or merged.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { RegistryScreen } from '../../renderer/src/screens/RegistryScreen.tsx';
import { RunScreen } from '../../renderer/src/screens/RunScreen.tsx';
import { generateInitialState, useGenerate } from '../../renderer/src/store/generate.ts';
import { exportInitialState, useExport } from '../../renderer/src/store/export.ts';
import { registryInitialState, useRegistry } from '../../renderer/src/store/registry.ts';
import { tempDir } from '../helpers/home.ts';
import { addLmRun } from '../helpers/lm-run.ts';
import { tinyModelPath } from '../helpers/tiny-model.ts';
import { startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
let dir: ReturnType<typeof tempDir>;
let adapterDir: string;
const PROMPT = 'Translate to French: cat';

async function register(runId: string, name: string): Promise<void> {
  const registered = await app.call('registry.register', { runId, name });
  if (!registered.ok) throw new Error(registered.error.message);
}

/** What a page load of the Registry screen on `name` does. */
async function openRegistry(name: string): Promise<void> {
  cleanup();
  useRegistry.setState(registryInitialState);
  useGenerate.setState(generateInitialState);
  useExport.setState(exportInitialState);
  render(<RegistryScreen params={{ name }} />);
  await screen.findByRole('heading', { level: 2, name: `Versions of ${name}` });
}

const promptForm = () => screen.getByRole('form', { name: 'Prompt the model' });
const generateButton = () => within(promptForm()).getByRole('button', { name: /Generate/ });

/** Types a prompt and presses Generate; returns every text the answer showed while it streamed, and the last. */
async function ask(prompt: string, settings: { maxNewTokens?: string; temperature?: string } = {}): Promise<{ seen: string[]; final: string }> {
  fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: prompt } });
  if (settings.maxNewTokens) fireEvent.change(screen.getByLabelText('Max new tokens'), { target: { value: settings.maxNewTokens } });
  if (settings.temperature) fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: settings.temperature } });
  const seen: string[] = [];
  // Every text the screen showed as the answer while the call was still running.
  const observer = new MutationObserver(() => {
    const shown = screen.queryByRole('status', { name: 'Answer' })?.textContent ?? '';
    if (useGenerate.getState().requestId !== null && shown !== '') seen.push(shown);
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  fireEvent.click(generateButton());
  try {
    await screen.findByLabelText('Answer length', {}, { timeout: 120_000 });
  } finally {
    observer.disconnect();
  }
  return { seen, final: screen.getByRole('status', { name: 'Answer' }).textContent! };
}

beforeAll(async () => {
  app = await startApp();
  dir = tempDir('airlock-prompt-box-');
  const model = await app.call('models.import', { path: tinyModelPath('llama'), name: 'tiny-llama' });
  if (!model.ok) throw new Error(model.error.message);
  adapterDir = addLmRun(app.home, { runId: 'run-lora', baseId: 'tiny-llama', basePath: tinyModelPath('llama'), method: 'lora' });
  await register('run-lora', 'assistant');
  addLmRun(app.home, { runId: 'run-full', baseId: 'tiny-llama', basePath: tinyModelPath('llama'), method: 'full' });
  await register('run-full', 'whole');
  // An adapter whose base model is not in this cache (trained where another base model was cached).
  const orphanDir = addLmRun(app.home, { runId: 'run-orphan', baseId: 'tiny-llama', basePath: tinyModelPath('llama'), method: 'lora' });
  const baseFile = join(orphanDir, 'airlock_base.json');
  writeFileSync(baseFile, JSON.stringify({ ...JSON.parse(readFileSync(baseFile, 'utf8')), base_model: 'absent-llama', base_model_dir_name: 'absent-llama', base_sha256: 'f'.repeat(64) }));
  await register('run-orphan', 'orphan');
}, 120_000);
afterAll(async () => {
  cleanup();
  await app.services.predictions.close();
  app.stop();
  dir.cleanup();
});
afterEach(cleanup);

describe('the prompt box of a causal language model', () => {
  it('replaces the classifier’s Try it, and streams the answer in piece by piece; temperature 0 gives the same answer again', async () => {
    await openRegistry('assistant');
    expect(screen.queryByLabelText('Text to classify')).toBeNull();
    expect(screen.queryByRole('region', { name: 'Label a file' })).toBeNull(); // the classifier's whole-file labelling
    expect((screen.getByLabelText('Max new tokens') as HTMLInputElement).value).toBe('64');
    expect((screen.getByLabelText('Temperature') as HTMLInputElement).value).toBe('0');
    expect(screen.getByText(/0: the most likely token each time, so the same answer every time/)).toBeTruthy();
    expect((generateButton() as HTMLButtonElement).disabled).toBe(true); // nothing typed yet

    const first = await ask(PROMPT, { maxNewTokens: '6' });
    const direct = await app.call('predict.generate', { target: { model: 'assistant@1' }, prompt: PROMPT, maxNewTokens: 6, temperature: 0, requestId: 'direct' });
    if (!direct.ok) throw new Error(direct.error.message);
    expect(first.final).toBe(direct.data.answer.text);
    expect(first.final.trim()).not.toBe('');
    // Shown growing while the call ran: more than one partial answer, each the start of the next.
    const partial = [...new Set(first.seen)];
    expect(partial.length).toBeGreaterThan(1);
    for (let i = 1; i < partial.length; i++) expect(partial[i].startsWith(partial[i - 1])).toBe(true);
    expect(first.final.startsWith(partial.at(-1)!)).toBe(true);
    expect(screen.getByLabelText('Answer length').textContent).toMatch(new RegExp(`^${direct.data.answer.tokens} tokens? in \\d+\\.\\d s\\.$`));

    const again = await ask(PROMPT);
    expect(again.final).toBe(first.final);
  }, 180_000);

  it('is on the Run screen of a completed run too, answering from the run’s own model', async () => {
    useGenerate.setState(generateInitialState);
    render(<RunScreen params={{ id: 'run-lora' }} />);
    await screen.findByRole('heading', { level: 2, name: "Try this run's model" });
    expect(screen.queryByLabelText('Text to classify')).toBeNull();
    const { final } = await ask(PROMPT, { maxNewTokens: '5' });
    const direct = await app.call('predict.generate', { target: { runId: 'run-lora' }, prompt: PROMPT, maxNewTokens: 5, temperature: 0, requestId: 'direct-run' });
    if (!direct.ok) throw new Error(direct.error.message);
    expect(final).toBe(direct.data.answer.text);
  }, 180_000);

  it('refuses settings out of range before asking, and names the missing base model of an adapter', async () => {
    await openRegistry('assistant');
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: PROMPT } });
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '9' } });
    expect(within(promptForm()).getByText('Between 0 and 5.')).toBeTruthy();
    expect(screen.getByLabelText('Temperature').getAttribute('aria-invalid')).toBe('true');
    expect((generateButton() as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '0' } });
    fireEvent.change(screen.getByLabelText('Max new tokens'), { target: { value: '2.5' } });
    expect(within(promptForm()).getByText('Type a whole number.')).toBeTruthy();
    expect((generateButton() as HTMLButtonElement).disabled).toBe(true);

    await openRegistry('orphan');
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: PROMPT } });
    fireEvent.click(generateButton());
    const alert = await screen.findByRole('alert', {}, { timeout: 120_000 });
    expect(alert.textContent).toContain("trained on the base model 'absent-llama'");
    expect(alert.textContent).toContain('Error code: BASE_MODEL_MISSING');
    expect(screen.queryByRole('status', { name: 'Answer' })).toBeNull();
    expect((generateButton() as HTMLButtonElement).disabled).toBe(false); // the user can try again once the base is imported
  }, 180_000);

  it('exports a LoRA version as the adapter alone or merged, and says what each needs', async () => {
    const usb = join(dir.path, 'usb');
    mkdirSync(usb);
    await openRegistry('assistant');
    const panel = within(screen.getByRole('region', { name: 'Export to removable media' }));
    const adapterChoice = panel.getByLabelText('Adapter only (small; needs the base model tiny-llama where it is used)') as HTMLInputElement;
    expect(adapterChoice.checked).toBe(true);
    fireEvent.change(panel.getByLabelText('Export folder'), { target: { value: usb } });
    fireEvent.click(panel.getByRole('button', { name: 'Export assistant@1 adapter' }));
    const base = JSON.parse(readFileSync(join(adapterDir, 'airlock_base.json'), 'utf8'));
    await waitFor(() => expect(panel.getByRole('status', { name: 'Verification result' }).textContent).toContain('every size and SHA-256 as listed'), { timeout: 120_000 });
    const adapterResult = panel.getByRole('status', { name: 'Verification result' }).textContent!;
    expect(adapterResult).toContain(join(usb, 'assistant-v1'));
    expect(adapterResult).toContain(`it needs the base model tiny-llama where it is used (weights SHA-256 ${base.base_sha256})`);

    fireEvent.click(panel.getByLabelText('Merged model (stands alone)'));
    expect(panel.getByText(/Writes assistant-v1-merged\//)).toBeTruthy();
    fireEvent.click(panel.getByRole('button', { name: 'Export assistant@1 merged' }));
    await waitFor(() => expect(panel.getByRole('status', { name: 'Verification result' }).textContent).toContain(join(usb, 'assistant-v1-merged')), { timeout: 120_000 });
    expect(panel.getByRole('status', { name: 'Verification result' }).textContent).toContain('A whole model (the adapter merged into tiny-llama): it stands alone.');
    expect(JSON.parse(readFileSync(join(usb, 'assistant-v1-merged', 'manifest.json'), 'utf8')).kind).toBe('merged');

    // A full fine-tuning is a whole model already: nothing to choose.
    await openRegistry('whole');
    const whole = within(screen.getByRole('region', { name: 'Export to removable media' }));
    expect(whole.queryByRole('group', { name: 'What to export' })).toBeNull();
    expect(whole.getByRole('button', { name: 'Export whole@1' })).toBeTruthy();
    expect(screen.getByRole('form', { name: 'Prompt the model' })).toBeTruthy();
  }, 300_000);
});
