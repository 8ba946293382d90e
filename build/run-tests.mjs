#!/usr/bin/env node
// `npm test`: type check, the trainer's pytest suite, then the TypeScript suites (services, CLI, contract,
// web host, renderer components, and end-to-end in Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = join(root, '.venv', 'bin', 'python');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const extra = process.argv.slice(2);

const reports = join(root, 'test-results');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const pytestReport = join(reports, 'pytest.xml');
const vitestReport = join(reports, 'vitest.json');

const steps = [
  // Services, CLI, Electron main and preload, tests; then the renderer and its tests (DOM types).
  ['type check', 'npm', ['run', '--silent', 'typecheck']],
  ['trainer (pytest)', python, ['-m', 'pytest', 'tests/trainer', '-q', '-p', 'no:cacheprovider', `--junitxml=${pytestReport}`]],
  ['vitest: services, CLI, contract, web host, Electron, renderer, registry, sync, end-to-end', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`, ...extra]],
];

/** Passed and failed test counts from the pytest and Vitest reports of this run. */
function counts() {
  let passed = 0;
  let failed = 0;
  if (existsSync(pytestReport)) {
    const suite = readFileSync(pytestReport, 'utf8').match(/<testsuite [^>]*>/)?.[0] ?? '';
    const number = (name) => Number(suite.match(new RegExp(`${name}="(\\d+)"`))?.[1] ?? 0);
    const bad = number('failures') + number('errors');
    passed += number('tests') - bad - number('skipped');
    failed += bad;
  }
  if (existsSync(vitestReport)) {
    const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
  }
  return { passed, failed };
}

const failed = [];
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  console.log(`=== ${name}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.status !== 0) failed.push(name);
}
const total = counts();
console.log(`\n${total.passed} passed, ${total.failed} failed`);
if (failed.length) {
  console.error(`Failed steps: ${failed.join(', ')}`);
  process.exit(1);
}
