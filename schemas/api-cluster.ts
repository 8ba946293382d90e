import { z } from 'zod';

/** Past one machine: a self-contained job folder for torchrun or SLURM. Spread into `ApiCalls` in api.ts. */
export const ClusterCalls = {
  'cluster.export': {
    input: z
      .object({
        config: z.unknown().describe('The run config, as runs.start takes it.'),
        nodes: z.number().int().min(1).max(1024).describe('Machines the job spans.'),
        gpusPerNode: z.number().int().min(1).max(64).describe('Processes (GPUs) on each machine.'),
        to: z.string().min(1).describe('The job folder to create.'),
        sharedPath: z.string().min(1).optional().describe("Where the data and model already are on the cluster's shared file system, instead of copies in the job folder."),
      })
      .strict(),
    output: z.object({
      folder: z.string(),
      configSha256: z.string(),
      files: z.number().int(),
      bytes: z.number().int(),
      commands: z.object({ torchrun: z.string(), slurm: z.string() }),
    }),
  },
} as const;
