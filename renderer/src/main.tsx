import { createRoot } from 'react-dom/client';
import type { AirlockBridge } from '../../schemas/bridge.ts';
import { App } from './App.tsx';
import { setBridge } from './services/bridge.ts';
import { connectNotices } from './services/notices.ts';
import { useTheme } from './store/theme.ts';
import './styles.css';

declare global {
  interface Window {
    airlock?: AirlockBridge;
  }
}

/** The Electron preload's `window.airlock`, else the web host's client (loaded only where there is no preload). */
async function hostBridge(): Promise<AirlockBridge> {
  if (window.airlock) return window.airlock;
  return (await import('./web-bridge.ts')).createWebBridge();
}

async function start(): Promise<void> {
  // Before the first paint, so a dark-theme user never sees a light flash.
  document.documentElement.dataset.theme = useTheme.getState().theme;
  const root = createRoot(document.getElementById('root')!);
  try {
    setBridge(await hostBridge());
  } catch (error) {
    root.render(
      <main style={{ padding: 24 }}>
        <h1>Airlock cannot reach its services</h1>
        <p role="alert">{error instanceof Error ? error.message : String(error)}</p>
      </main>,
    );
    return;
  }
  connectNotices();
  root.render(<App />);
}

void start();
