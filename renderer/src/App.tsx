import { useEffect, useRef } from 'react';
import { currentPath, href, matchPath, navigate, usePath } from './router.ts';
import { screens } from './screens/index.ts';
import { useTheme } from './store/theme.ts';
import { EmptyState } from './components/EmptyState.tsx';
import { SyncIndicator } from './components/SyncIndicator.tsx';
import { useSync } from './store/sync.ts';
import { useRuntime } from './store/runtime.ts';

/** How often the sidebar refreshes the sync state (reading the local outbox; the server is probed only by auto-sync). */
const SYNC_STATUS_REFRESH_MS = 30_000;

function ThemeToggle() {
  const theme = useTheme((state) => state.theme);
  const toggle = useTheme((state) => state.toggle);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" onClick={toggle} aria-label={`Switch to ${next} theme`} title={`Switch to ${next} theme`}>
      {theme === 'dark' ? '☀ Light theme' : '☾ Dark theme'}
    </button>
  );
}

/** The window: sidebar navigation and the screen the hash route names. */
export function App() {
  const path = usePath();
  const theme = useTheme((state) => state.theme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    void useSync.getState().load();
    const timer = setInterval(() => void useSync.getState().load(), SYNC_STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    // First start on a workstation with no trainer runtime at all: the install screen instead of Home. Only from
    // Home, so a link to another screen still opens it.
    void useRuntime
      .getState()
      .load()
      .then(() => {
        if (useRuntime.getState().state?.source === 'none' && currentPath() === '/') navigate('/runtime');
      });
  }, []);
  useEffect(() => {
    // A file dropped outside a drop zone must not replace the app with the file.
    const ignore = (event: DragEvent) => event.preventDefault();
    window.addEventListener('dragover', ignore);
    window.addEventListener('drop', ignore);
    return () => {
      window.removeEventListener('dragover', ignore);
      window.removeEventListener('drop', ignore);
    };
  }, []);

  let params: Record<string, string> | null = null;
  const screen = screens.find((entry) => (params = matchPath(entry.path, path)) !== null);
  const firstPath = useRef(path);
  useEffect(() => {
    document.title = `${screen?.label ?? 'Page not found'} — Airlock`;
    // After moving to another screen, keyboard and screen-reader users start at its content, not the old link.
    if (path !== firstPath.current) document.getElementById('main')?.focus();
  }, [path, screen]);
  const Screen = screen?.component;
  const section = (entry: (typeof screens)[number]) => entry.path === '/' ? path === '/' : path.startsWith(entry.path.split('/:')[0]);

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          Airlock<small>offline fine-tuning</small>
        </div>
        <nav className="nav" aria-label="Main">
          {screens
            .filter((entry) => entry.nav)
            .map((entry) => (
              <a key={entry.path} href={href(entry.path)} aria-current={section(entry) ? 'page' : undefined}>
                {entry.label}
              </a>
            ))}
        </nav>
        <div className="sidebar-footer">
          <SyncIndicator />
          <ThemeToggle />
        </div>
      </aside>
      <main id="main" tabIndex={-1}>
        {Screen ? (
          <Screen key={path} params={params ?? {}} />
        ) : (
          <>
            <h1>Page not found</h1>
            <EmptyState title={`Nothing lives at ${path}.`}>
              <a href={href('/')}>Go to Home</a>
            </EmptyState>
          </>
        )}
      </main>
    </div>
  );
}
