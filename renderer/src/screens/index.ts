import type { ComponentType } from 'react';
import { HomeScreen } from './HomeScreen.tsx';
import { DatasetsScreen } from './DatasetsScreen.tsx';
import { ModelsScreen } from './ModelsScreen.tsx';
import { NewRunScreen } from './NewRunScreen.tsx';
import { RunScreen } from './RunScreen.tsx';
import { HistoryScreen } from './HistoryScreen.tsx';
import { RegistryScreen } from './RegistryScreen.tsx';
import { SyncScreen } from './Sync.tsx';
import { RuntimeScreen } from './RuntimeScreen.tsx';

/** Props every screen gets: the `:name` parts of its route. */
export interface ScreenProps {
  params: Record<string, string>;
}

/** One screen: its route pattern (`/runs/:id`), its name, and whether the sidebar links to it. */
export interface ScreenEntry {
  path: string;
  label: string;
  nav: boolean;
  component: ComponentType<ScreenProps>;
}

/**
 * Every screen of the app, in sidebar order. A new screen (Registry, Sync, ...) is one more entry here;
 * routes are matched in this order, first match wins.
 */
export const screens: ScreenEntry[] = [
  { path: '/', label: 'Home', nav: true, component: HomeScreen },
  { path: '/datasets', label: 'Datasets', nav: true, component: DatasetsScreen },
  { path: '/datasets/:id', label: 'Dataset', nav: false, component: DatasetsScreen },
  { path: '/models', label: 'Models', nav: true, component: ModelsScreen },
  { path: '/models/:id', label: 'Model', nav: false, component: ModelsScreen },
  { path: '/new', label: 'New run', nav: true, component: NewRunScreen },
  { path: '/history', label: 'History', nav: true, component: HistoryScreen },
  { path: '/runs/:id', label: 'Run', nav: false, component: RunScreen },
  { path: '/registry', label: 'Registry', nav: true, component: RegistryScreen },
  { path: '/registry/:name', label: 'Registered model', nav: false, component: RegistryScreen },
  { path: '/sync', label: 'Sync', nav: true, component: SyncScreen },
  { path: '/runtime', label: 'Training runtime', nav: false, component: RuntimeScreen },
];
