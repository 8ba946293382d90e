import { z } from 'zod';

/** Past one machine: a self-contained job folder for torchrun or SLURM. Spread into `ApiCalls` in api.ts. */
export const ClusterCalls = {
  'cluster.export': {
    input: z
      .object({
        config: z.unknown().describe('The run config, as runs.start takes it (dataset and model by id or path).'),
        nodes: z.number().int().min(1).max(1024).describe('Machines the job runs on.'),
        gpusPerNode: z.number().int().min(1).max(64).describe('Processes on each machine: one per GPU (or per CPU process where a node has no GPU).'),
        to: z.string().min(1).max(4096).describe('The job folder to create, as a full path; it must not exist or be empty.'),
        sharedPath: z
          .string()
          .min(1)
          .max(4096)
          .optional()
          .describe('A folder on the cluster\'s shared file system that already holds data/ and model/ as the job folder would: nothing is copied, the manifest lists those absolute paths with the local files\' hashes.'),
      })
      .strict(),
    output: z.object({
      folder: z.string().describe('The job folder written.'),
      configSha256: z.string().describe('SHA-256 of the job\'s config.yaml bytes (also in job.json).'),
      files: z.number().int().describe('Files listed in MANIFEST.sha256.'),
      bytes: z.number().int().describe('Bytes of those files.'),
      commands: z.object({
        torchrun: z.string().describe('What to run on each node with torchrun.'),
        slurm: z.string().describe('What to run once on the SLURM login node.'),
      }),
    }),
  },
} as const;
