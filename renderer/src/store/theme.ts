import { create } from 'zustand';

export type Theme = 'light' | 'dark';
const KEY = 'airlock.theme';

function initialTheme(): Theme {
  try {
    const saved = window.localStorage.getItem(KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // storage unavailable (private mode): fall through to the system preference
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

interface ThemeState {
  theme: Theme;
  toggle(): void;
}

/** Light or dark, persisted in localStorage and applied as `data-theme` on <html>. */
export const useTheme = create<ThemeState>((set, get) => ({
  theme: initialTheme(),
  toggle() {
    const theme: Theme = get().theme === 'dark' ? 'light' : 'dark';
    try {
      window.localStorage.setItem(KEY, theme);
    } catch {
      // not persisted, still applied
    }
    set({ theme });
  },
}));
