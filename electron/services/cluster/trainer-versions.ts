import { spawnSync } from 'node:child_process';
import { pythonExecutable } from '../trainer/python.ts';

/** The runtime a job was exported with, for job.json: the cluster needs the same packages (null when unknown). */
export interface TrainerVersions {
  python: string | null;
  torch: string | null;
  lightning: string | null;
  transformers: string | null;
}

// Package metadata only: importing torch would take seconds.
const SCRIPT = `import json, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
print(json.dumps({"python": "%d.%d" % sys.version_info[:2], "torch": version("torch"), "lightning": version("lightning"), "transformers": version("transformers")}))`;

/** The versions of the trainer's runtime on this workstation; every field null when it cannot be asked. */
export function trainerVersions(home: string): TrainerVersions {
  const unknown: TrainerVersions = { python: null, torch: null, lightning: null, transformers: null };
  let python: string;
  try {
    python = pythonExecutable(process.env, home);
  } catch {
    return unknown;
  }
  const result = spawnSync(python, ['-c', SCRIPT], { encoding: 'utf8', timeout: 30_000, shell: false });
  if (result.status !== 0) return unknown;
  try {
    return { ...unknown, ...(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Partial<TrainerVersions>) };
  } catch {
    return unknown;
  }
}
