import { useEffect } from 'react';
import { href } from '../router.ts';
import { useRuntime } from '../store/runtime.ts';

/** One line for Home: the runtime the trainer uses, and the way to install a newer pack. */
export function RuntimeLine() {
  const state = useRuntime((store) => store.state);
  useEffect(() => {
    void useRuntime.getState().load();
  }, []);
  if (!state) return null;
  const installed = state.installed;
  const what =
    state.source === 'installed' && installed
      ? `${installed.runtime.version} ${installed.runtime.variant}`
      : state.source === 'development'
        ? 'a development environment (.venv)'
        : state.source === 'environment-variable'
          ? 'the Python named by AIRLOCK_PYTHON'
          : 'none installed';
  return (
    <p className="small">
      Runtime: {what} — <a href={href('/runtime')}>{state.source === 'none' ? 'Install it from removable media' : 'Install a newer pack'}</a>
    </p>
  );
}
