#!/usr/bin/env node
// `npm run gpu-check`: the CUDA path end to end on one machine, in about 10 minutes on one GPU.
//   1. `airlock devices`;  2. the demo trained on the GPU with precision auto;
//   3. the bench (--device cuda) on a BERT-base-sized model with random weights: samples/s, real
//      tokens/s, peak CUDA memory and MFU for Airlock and each baseline;
//   4. an absurd batch must end in CUDA_OUT_OF_MEMORY with its hint;  5. local DDP when >1 GPU.
// Without a usable CUDA GPU it says why in one line and exits 1. Everything goes to tmp/gpu-check/<stamp>/.
// AIRLOCK_PEAK_TFLOPS sets the GPU's dense bf16 peak for MFU when its name is not in PEAK_TFLOPS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.AIRLOCK_PYTHON ?? join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = join(root, 'tmp', 'gpu-check', new Date().toISOString().replace(/[:.]/g, '-'));
const env = { ...process.env, AIRLOCK_HOME: join(work, 'airlock-home'), PYTHONPATH: join(root, 'trainer'), HF_HUB_OFFLINE: '1' };
// Dense (no sparsity) bf16 TFLOP/s of common training GPUs, by a part of their CUDA name (SXM parts).
const PEAK_TFLOPS = [['H200', 989], ['H100', 989], ['A100', 312], ['L40S', 362], ['L4', 121], ['A10', 125]];

function run(command, args, { timeout = 600, quiet = false } = {}) {
  const done = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', timeout: timeout * 1000, maxBuffer: 1 << 28, stdio: quiet ? 'pipe' : ['ignore', 'pipe', 'inherit'] });
  if (!quiet && done.stdout) process.stdout.write(done.stdout);
  return { code: done.error ? `${done.error.code ?? done.error.message}` : done.status, stdout: done.stdout ?? '', stderr: done.stderr ?? '' };
}

function events(stdout) {
  return stdout.split('\n').flatMap((line) => {
    try {
      const value = JSON.parse(line);
      return value && typeof value === 'object' ? [value] : [];
    } catch {
      return [];
    }
  });
}

function importTable(file) {
  const done = run(npm, ['run', '--silent', 'airlock', '--', 'import', file, '--json'], { quiet: true });
  if (done.code !== 0) throw new Error(`airlock import ${file} failed: ${done.stderr.slice(-500)}`);
  return dirname(JSON.parse(done.stdout).dataset.dataPath);
}

function train(name, config, timeout) {
  const path = join(work, `${name}.json`); // JSON is YAML
  writeFileSync(path, JSON.stringify(config, null, 2));
  const done = run(python, ['-m', 'airlock_trainer', 'train', '--config', path, '--run-dir', join(work, name), '--run-id', name], { quiet: true, timeout });
  return events(done.stdout).at(-1) ?? { type: 'none', message: done.stderr.slice(-800) };
}

if (!existsSync(python)) {
  console.error(`gpu-check: no Python at ${python}; run npm run setup first.`);
  process.exit(1);
}
const probe = run(python, ['-m', 'airlock_trainer', 'devices'], { quiet: true });
const devices = events(probe.stdout).find((event) => event.type === 'devices');
if (!devices) {
  console.error(`gpu-check: the trainer could not list the devices: ${probe.stderr.trim().split('\n').at(-1) ?? ''}`);
  process.exit(1);
}
if (!devices.cuda_available) {
  console.error(`gpu-check: no CUDA GPU to check here (${devices.cpu_only_reason ?? 'none found'}).`);
  process.exit(1);
}
mkdirSync(work, { recursive: true });
const gpus = devices.devices.filter((device) => device.kind === 'cuda');
const results = [];
const record = (step, ok, detail) => {
  results.push({ step, ok, detail });
  console.log(`\n[gpu-check] ${ok ? 'ok  ' : 'FAIL'} ${step}: ${detail}\n`);
};

console.log('[gpu-check] 1/5 airlock devices');
const shown = run(npm, ['run', '--silent', 'airlock', '--', 'devices']);
record('devices', shown.code === 0, `${gpus.length} GPU(s): ${gpus.map((gpu) => gpu.name).join(', ')}`);

console.log('[gpu-check] 2/5 the demo on the GPU, precision auto');
const demo = run(npm, ['run', '--silent', 'airlock', '--', 'demo', '--epochs', '1'], { timeout: 240 });
record('demo', demo.code === 0, demo.code === 0 ? 'trained and saved' : `exit ${demo.code}`);

console.log('[gpu-check] 3/5 the bench on a BERT-base-sized model');
const model = join(work, 'bert-base');
const made = run(python, [join(root, 'build', 'make-bench-model.py'), model], { timeout: 120 });
const peak = Number(process.env.AIRLOCK_PEAK_TFLOPS) || PEAK_TFLOPS.find(([part]) => gpus[0].name.includes(part))?.[1];
const benchArgs = ['--device', 'cuda', '--model', model, '--out', join(work, 'bench'), '--timeout', '240', ...(peak ? ['--peak-tflops', String(peak)] : [])];
const bench = made.code === 0 ? run(process.execPath, [join(root, 'build', 'bench.mjs'), ...benchArgs], { timeout: 480 }) : made;
record('bench', bench.code === 0, bench.code === 0 ? `table above; results in ${join(work, 'bench')}` : `exit ${bench.code}`);

console.log('[gpu-check] 4/5 an absurd batch must be reported as CUDA_OUT_OF_MEMORY');
const words = 'the quick brown fox jumps over a lazy dog while seven wizards quietly box'.split(' ');
const rows = Array.from({ length: 4096 }, (_, row) => `"${Array.from({ length: 600 }, (_, index) => words[(row + index) % words.length]).join(' ')}",${row % 2 ? 'odd' : 'even'}`);
const longFile = join(work, 'long-texts.csv');
writeFileSync(longFile, `text,label\n${rows.join('\n')}\n`);
try {
  const table = importTable(longFile);
  const oom = train('oom', {
    model: { name: model, task: 'classification' },
    data: { train_path: table, text_column: 'text', label_column: 'label', max_length: 512, val_split: 0.1 },
    training: { max_epochs: 1, max_steps: 1, batch_size: 4096, precision: 'auto', devices: 1 },
    experiment: { name: 'gpu-check' },
  }, 180);
  const ok = oom.type === 'error' && oom.code === 'CUDA_OUT_OF_MEMORY' && Boolean(oom.hint);
  record('out of memory', ok, `${oom.type} ${oom.code ?? ''}: ${oom.message ?? ''} ${oom.hint ? `(hint: ${oom.hint})` : '(no hint)'}`);
} catch (error) {
  record('out of memory', false, error.message);
}

console.log('[gpu-check] 5/5 local DDP');
if (gpus.length < 2) {
  record('ddp', true, 'skipped: one GPU visible');
} else {
  try {
    const sample = importTable(join(root, 'resources', 'sample', 'wordnet-topics.csv'));
    const ddp = train('ddp', {
      model: { name: model, task: 'classification' },
      data: { train_path: sample, text_column: 'definition', label_column: 'topic', max_length: 128 },
      training: { max_epochs: 1, batch_size: 32, precision: 'auto', devices: gpus.length },
      experiment: { name: 'gpu-check' },
    }, 300);
    record('ddp', ddp.type === 'finished' && ddp.status === 'completed', `${gpus.length} GPUs: ${ddp.type} ${ddp.code ?? ddp.status ?? ''} ${ddp.message ?? ''}`);
  } catch (error) {
    record('ddp', false, error.message);
  }
}

writeFileSync(join(work, 'gpu-check.json'), JSON.stringify({ devices, results }, null, 2));
console.log(results.map((result) => `${result.ok ? 'ok  ' : 'FAIL'} ${result.step}: ${result.detail}`).join('\n'));
process.exit(results.every((result) => result.ok) ? 0 : 1);
