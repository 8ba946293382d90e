/** Electron main process: a thin shell that opens the services and hands the page a window and IPC. */
import { join } from 'node:path';
import { app, BrowserWindow, dialog, protocol, safeStorage } from 'electron';
import { toErrorShape } from '../../schemas/errors.ts';
import { createApi } from '../services/api/handlers.ts';
import { createServices, type Services } from '../services/index.ts';
import { EncryptedSecretStore } from '../services/sync/secrets.ts';
import { APP_ROOT } from '../services/trainer/python.ts';
import { APP_SCHEME, appResponse } from './app-scheme.ts';
import { hardenSession, hardenWebContents } from './hardening.ts';
import { registerIpc } from './ipc.ts';
import { createMainWindow } from './window.ts';

const RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');
const PRELOAD = join(APP_ROOT, 'dist', 'electron', 'preload.cjs');

// Before `ready`: the app's scheme gets a real, secure origin (fetch, CSP and storage work as on https).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.setName('Airlock');
app.setPath('userData', join(app.getPath('appData'), 'Airlock'));
app.enableSandbox();
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

let services: Services | null = null;
let window: BrowserWindow | null = null;
let stopped = false;
let stopAutoSync: (() => void) | null = null;

function showStartFailure(error: unknown): void {
  const shape = toErrorShape(error);
  const nativeMismatch = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(shape.message);
  const hint = nativeMismatch
    ? 'better-sqlite3 is built for Node.js, not for Electron: rebuild it for this Electron (npx @electron/rebuild -w better-sqlite3), or use `npm run airlock -- web` in a browser.'
    : shape.hint;
  dialog.showErrorBox('Airlock could not start', [shape.message, hint].filter(Boolean).join('\n\n'));
}

async function start(): Promise<void> {
  hardenSession();
  services = await createServices(process.env.AIRLOCK_HOME ?? app.getPath('userData'));
  // MLflow credentials are kept encrypted by the OS keyring; without one they live only in memory.
  if (safeStorage.isEncryptionAvailable()) services.sync.useSecretStore(new EncryptedSecretStore(services.db, safeStorage));
  stopAutoSync = services.sync.startAutoSync();
  const api = createApi(services);
  protocol.handle(APP_SCHEME, (request) => appResponse(RENDERER_DIR, request.url));
  registerIpc(api, () => window);
  window = createMainWindow(PRELOAD);
  window.on('closed', () => (window = null));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  // Runs are cancelled (keeping a checkpoint to resume from) and the store closed before the app exits.
  app.on('before-quit', (event) => {
    if (stopped || !services) return;
    event.preventDefault();
    const open = services;
    stopAutoSync?.();
    void open.supervisor.stopAll().finally(() => {
      open.close();
      stopped = true;
      app.quit();
    });
  });
  app.whenReady().then(start).catch((error: unknown) => {
    showStartFailure(error);
    app.exit(1);
  });
}
