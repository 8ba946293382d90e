import type { ComponentType } from 'react';
import { HomeScreen } from './HomeScreen.tsx';
import { DatasetsScreen } from './DatasetsScreen.tsx';

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
];
