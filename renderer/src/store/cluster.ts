import { create } from 'zustand';
import type { ApiOutput } from '../../../schemas/api.ts';
import type { AirlockErrorShape } from '../../../schemas/errors.ts';
import type { Run } from '../../../schemas/run.ts';
import { call, errorShapeOf } from '../services/bridge.ts';
import { useRuns } from './runs.ts';

/** What the "Run on a cluster" dialog asks. */
export interface ClusterExportRequest {
  config: unknown;
  nodes: number;
  gpusPerNode: number;
  to: string;
  sharedPath?: string;
}

export interface ClusterState {
  exporting: boolean;
  /** The job folder written last, with the commands that start it. */
  exported: ApiOutput<'cluster.export'> | null;
  exportError: AirlockErrorShape | null;
  importing: boolean;
  importError: AirlockErrorShape | null;
}

export const clusterInitialState: ClusterState = { exporting: false, exported: null, exportError: null, importing: false, importError: null };

interface ClusterActions {
  /** Writes a job folder for torchrun and SLURM from a config; resolves to true when it was written. */
  exportJob(request: ClusterExportRequest): Promise<boolean>;
  /** Brings a cluster job's out/ folder into the history; resolves to the new run, or null (see importError). */
  importRun(path: string): Promise<Run | null>;
  /** Forgets the last job folder and error (the dialog was closed). */
  clearExport(): void;
}

/** Past one machine: job folders written for a cluster, and cluster runs brought back. */
export const useCluster = create<ClusterState & ClusterActions>((set) => ({
  ...clusterInitialState,
  async exportJob(request) {
    set({ exporting: true, exported: null, exportError: null });
    try {
      const exported = await call('cluster.export', request);
      set({ exporting: false, exported });
      return true;
    } catch (error) {
      set({ exporting: false, exportError: errorShapeOf(error) });
      return false;
    }
  },
  async importRun(path) {
    set({ importing: true, importError: null });
    try {
      const { run } = await call('runs.import', { path: path.trim() });
      useRuns.getState().upsert(run);
      set({ importing: false });
      return run;
    } catch (error) {
      set({ importing: false, importError: errorShapeOf(error) });
      return null;
    }
  },
  clearExport() {
    set({ exported: null, exportError: null });
  },
}));
