import { spawnSync } from 'node:child_process';
import { AirlockError } from '../../../schemas/errors.ts';

/** A workstation Python that can create the runtime's environment. */
export interface SystemPython {
  command: string;
  version: string;
}

// Asks the interpreter itself: its version, and whether the venv module can bootstrap pip offline (Debian and
// Ubuntu split that into python3.X-venv, which is the usual thing missing on a fresh workstation).
const PROBE = 'import json, sys\ntry:\n import venv, ensurepip\n ok = True\nexcept ImportError:\n ok = False\nprint(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "venv": ok}))';

function probe(command: string): { version: string; venv: boolean } | null {
  const result = spawnSync(command, ['-c', PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) return null;
  try {
    return JSON.parse(result.stdout.trim());
  } catch {
    return null;
  }
}

/**
 * Finds the Python the pack needs (`want`: "3.11"): AIRLOCK_SYSTEM_PYTHON when set, else python<want>, python3, python
 * on PATH. Says plainly what is missing: no Python, the wrong version, or no venv module.
 */
export function findSystemPython(want: string, env: NodeJS.ProcessEnv = process.env): SystemPython {
  const candidates = env.AIRLOCK_SYSTEM_PYTHON ? [env.AIRLOCK_SYSTEM_PYTHON] : [`python${want}`, 'python3', 'python'];
  const found: string[] = [];
  for (const command of candidates) {
    const answer = probe(command);
    if (!answer) continue;
    const minor = answer.version.split('.').slice(0, 2).join('.');
    if (minor !== want) {
      found.push(`${command} is Python ${answer.version}`);
      continue;
    }
    if (!answer.venv) {
      throw new AirlockError('RUNTIME_PYTHON_MISSING', `${command} is Python ${answer.version}, but its venv module (with ensurepip) is missing, so it cannot create the runtime's environment.`, {
        hint: `Install it from the operating system's packages (Debian/Ubuntu: python${want}-venv; as root), then run the install again.`,
      });
    }
    return { command, version: answer.version };
  }
  if (found.length) {
    throw new AirlockError('RUNTIME_PYTHON_MISMATCH', `This runtime pack is built for Python ${want}, but here ${found.join('; ')}.`, {
      hint: `Install Python ${want} (Debian/Ubuntu: python${want} and python${want}-venv), or use the runtime pack built for your Python version. Set AIRLOCK_SYSTEM_PYTHON to its path if it is not on PATH.`,
    });
  }
  throw new AirlockError('RUNTIME_PYTHON_MISSING', `This runtime pack needs Python ${want}, and none was found (looked for ${candidates.join(', ')}).`, {
    hint: `Install Python ${want} with its venv module (Debian/Ubuntu: python${want} and python${want}-venv; as root), or set AIRLOCK_SYSTEM_PYTHON to its path.`,
  });
}
