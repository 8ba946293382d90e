// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { App } from '../../renderer/src/App.tsx';
import { screens } from '../../renderer/src/screens/index.ts';
import { useTheme } from '../../renderer/src/store/theme.ts';
import { startApp } from './helpers/setup-app.tsx';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.stop());
afterEach(cleanup);

async function go(path: string) {
  await act(async () => {
    window.location.hash = `#${path}`;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
}

describe('app shell', () => {
  it('links every main screen from the sidebar, each with its own heading, and marks the current one', async () => {
    render(<App />);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = within(nav).getAllByRole('link').map((link) => link.textContent);
    expect(links).toEqual(['Home', 'Datasets', 'Models', 'New run', 'History', 'Registry', 'Sync']);
    for (const entry of screens.filter((candidate) => candidate.nav)) {
      await go(entry.path);
      expect(await screen.findByRole('heading', { level: 1, name: entry.label })).toBeTruthy();
      expect(within(nav).getByRole('link', { name: entry.label }).getAttribute('aria-current')).toBe('page');
      expect(document.title).toBe(`${entry.label} — Airlock`);
    }
    await go('/nowhere');
    expect(screen.getByRole('heading', { level: 1, name: 'Page not found' })).toBeTruthy();
  });

  it('Home says what to do first on an empty data folder, and shows the devices and MLflow status', async () => {
    await go('/');
    render(<App />);
    expect(await screen.findByRole('link', { name: 'Import a dataset' })).toBeTruthy();
    expect(screen.getByText(/Not configured/)).toBeTruthy();
    expect(await screen.findByText('No runs yet.')).toBeTruthy();
    // This build machine's torch is a CPU build: Home says so, with the reason.
    const devices = screen.getByRole('region', { name: 'Devices' });
    await within(devices).findByText(/CPU only|GPU/, {}, { timeout: 60_000 });
  });

  it('switches between light and dark themes and remembers the choice', async () => {
    render(<App />);
    const before = useTheme.getState().theme;
    const other = before === 'dark' ? 'light' : 'dark';
    fireEvent.click(screen.getByRole('button', { name: `Switch to ${other} theme` }));
    expect(document.documentElement.dataset.theme).toBe(other);
    expect(window.localStorage.getItem('airlock.theme')).toBe(other);
    expect(screen.getByRole('button', { name: `Switch to ${before} theme` })).toBeTruthy();
  });
});
