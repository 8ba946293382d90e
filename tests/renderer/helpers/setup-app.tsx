import { join } from 'node:path';
import { setBridge } from '../../../renderer/src/services/bridge.ts';
import { connectNotices } from '../../../renderer/src/services/notices.ts';
import { datasetsInitialState, useDatasets } from '../../../renderer/src/store/datasets.ts';
import { devicesInitialState, useDevices } from '../../../renderer/src/store/devices.ts';
import { liveRunsInitialState, useLiveRuns } from '../../../renderer/src/store/live-run.ts';
import { modelsInitialState, useModels } from '../../../renderer/src/store/models.ts';
import { runsInitialState, useRuns } from '../../../renderer/src/store/runs.ts';
import { newRunInitialState, useNewRun } from '../../../renderer/src/store/new-run.ts';
import { createTestBridge, type TestBridge } from './real-bridge.ts';

/** Every store back to its initial state, as after a page load. */
export function resetStores(): void {
  useDatasets.setState(datasetsInitialState);
  useDevices.setState(devicesInitialState);
  useLiveRuns.setState(liveRunsInitialState);
  useModels.setState(modelsInitialState);
  useRuns.setState(runsInitialState);
  useNewRun.setState(newRunInitialState);
}

/** What main.tsx does at start-up, over a real bridge: install it, route its notices, fresh stores. */
export async function startApp(): Promise<TestBridge & { stop(): void }> {
  const bridge = await createTestBridge();
  setBridge(bridge);
  resetStores();
  const disconnect = connectNotices();
  return Object.assign(bridge, {
    stop() {
      disconnect();
      bridge.close();
    },
  });
}

/** Where the test datasets live. */
export const FIXTURES = join(process.cwd(), 'tests', 'fixtures', 'datasets');

/** Imports tests/fixtures/datasets/<name> through the API (as a user would have earlier) and returns its id. */
export async function importFixture(bridge: TestBridge, name: string): Promise<string> {
  const imported = await bridge.call('datasets.import', { path: join(FIXTURES, name) });
  if (!imported.ok) throw new Error(imported.error.message);
  return imported.data.dataset.id;
}
