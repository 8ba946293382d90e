import { z } from 'zod';
import { ManifestFile } from './registry.ts';

/** What a runtime pack was built for: one Airlock version, platform, Python minor version and torch build. */
export const RuntimeInfo = z.object({
  version: z.string().describe('The Airlock version the pack was built from (package.json).'),
  platform: z.string().describe('Operating system and machine, e.g. linux-x86_64.'),
  python: z.string().regex(/^\d+\.\d+$/).describe('Python minor version the wheels are built for, e.g. 3.11.'),
  variant: z.enum(['cpu', 'cu128']).describe('cpu: the CPU build of torch; cu128: the CUDA 12.8 build.'),
  torch: z.string().describe('The torch version in the lock, with its local tag (2.13.0+cpu).'),
  lock: z.string().describe('The lock file inside the pack.'),
  wheels: z.string().describe('The wheel folder inside the pack.'),
  models: z.string().describe('The folder of bundled models inside the pack.'),
});
export type RuntimeInfo = z.infer<typeof RuntimeInfo>;

/** manifest.json of a runtime pack: what it must hold, byte for byte. Written last, like a bundle's. */
export const RuntimeManifest = z.object({
  format: z.literal('airlock-runtime'),
  formatVersion: z.literal(1),
  runtime: RuntimeInfo,
  createdAt: z.string(),
  files: z.array(ManifestFile),
});
export type RuntimeManifest = z.infer<typeof RuntimeManifest>;

/** The runtime a data folder trains with: written to runtime/current.json only after its self-check passed. */
export const InstalledRuntime = z.object({
  folder: z.string().describe('The folder under <data>/runtime/ that holds venv/.'),
  runtime: RuntimeInfo,
  manifestSha256: z.string(),
  installedAt: z.string(),
  pipArgs: z.array(z.string()).describe('The exact pip command line that built the environment.'),
  selfCheck: z.object({ devices: z.string(), steps: z.number().int(), seconds: z.number() }),
});
export type InstalledRuntime = z.infer<typeof InstalledRuntime>;

/**
 * Which Python the trainer would use in a data folder, in the order the launcher looks: AIRLOCK_PYTHON, the runtime
 * installed into the data folder, a source checkout's .venv; `none` when there is none (the app's first start).
 */
export const RuntimeState = z.object({
  source: z.enum(['environment-variable', 'installed', 'development', 'none']),
  python: z.string().nullable().describe('The interpreter trainer commands run; null when none is present.'),
  installed: InstalledRuntime.nullable().describe('The runtime installed from a pack, even when another source takes precedence.'),
  problem: z.string().nullable().describe('Why the installed runtime is not usable (its environment folder is gone), when it is not.'),
});
export type RuntimeState = z.infer<typeof RuntimeState>;
