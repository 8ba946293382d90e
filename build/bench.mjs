// `npm run bench [-- --quick | --device cuda | --steps N | --out DIR ...]` (or `npm run bench:image`, or
// `npm run bench -- --sft` for supervised fine-tuning of a causal LM): runs the Python
// training benchmark (tests/bench/run_bench.py) with the project's venv and passes its
// arguments and exit code through. The table is printed by the Python side.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.AIRLOCK_PYTHON ?? join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');

if (!existsSync(python)) {
  console.error(`bench: no Python at ${python}; create the venv (npm run setup) or set AIRLOCK_PYTHON.`);
  process.exit(1);
}
// The baselines need packages the trainer does not (HF Trainer wants accelerate). They go into a
// separate folder so that Airlock's trainer is measured in the environment it ships with.
const benchSite = join(root, 'tmp', 'bench-site');
if (!existsSync(join(benchSite, 'accelerate'))) {
  console.error('bench: installing the baselines\' extra packages into tmp/bench-site…');
  const install = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', benchSite, '-r', join(root, 'tests', 'bench', 'requirements.txt')], { cwd: root, stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
// `--image` (npm run bench:image) runs the image benchmark instead of the text one; `--sft` the generative
// fine-tuning one (causal LM, LoRA).
const chosen = process.argv.includes('--image') ? 'image_bench.py' : process.argv.includes('--sft') ? 'sft_bench.py' : 'run_bench.py';
const script = join(root, 'tests', 'bench', chosen);
const result = spawnSync(python, [script, ...process.argv.slice(2).filter((arg) => arg !== '--image' && arg !== '--sft')], {
  cwd: root,
  stdio: 'inherit',
  shell: false,
});
if (result.error) {
  console.error(`bench: could not start ${python}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
