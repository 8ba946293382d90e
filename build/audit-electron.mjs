#!/usr/bin/env node
// `npm run audit:electron`: Doyensec's electronegativity over the Electron app (main, preload and the
// renderer, scanned together so its global checks see the whole app). Fails on any HIGH finding and on
// any MEDIUM finding whose check id docs/security.md does not explain.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const reportDir = join(root, 'test-results');
const report = join(reportDir, 'electronegativity.csv');

/** Runs the scanner once and returns its report's lines (without the header). */
function scan() {
  const scanned = mkdtempSync(join(tmpdir(), 'airlock-audit-'));
  try {
    for (const folder of ['electron/main', 'electron/preload', 'renderer']) {
      cpSync(join(root, folder), join(scanned, folder), { recursive: true, filter: (path) => !path.includes('node_modules') });
    }
    cpSync(join(root, 'package.json'), join(scanned, 'package.json'));
    mkdirSync(reportDir, { recursive: true });
    // The scanner writes into an existing file without truncating it.
    rmSync(report, { force: true });
    const cli = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
    // -e: the installed Electron's version (the scanner cannot look it up offline).
    const run = spawnSync(process.execPath, [cli, '-i', scanned, '-e', electronVersion, '-r', '-v', 'false', '-o', report], { encoding: 'utf8' });
    if (run.status !== 0) {
      console.error(run.stdout, run.stderr);
      console.error('audit:electron: electronegativity failed to run.');
      process.exit(1);
    }
  } finally {
    rmSync(scanned, { recursive: true, force: true });
  }
  return readFileSync(report, 'utf8').split('\n').slice(1).filter((line) => line.trim());
}

const ROW = /^([A-Z0-9_]+),"([A-Z]+)","([A-Z]+)","([^"]*)","([^"]*)"/;
// electronegativity writes the CSV header and the rows with two concurrent fs.writeFile calls (header with
// flag 'w', rows with 'a'): now and then the header lands over the start of the first row. Such a report is
// scanned again (three tries); a line that is not a row in a report without that accident is an error.
let lines = scan();
for (let attempt = 1; attempt < 3 && !lines.every((line) => ROW.test(line)); attempt++) lines = scan();
const explained = readFileSync(join(root, 'docs', 'security.md'), 'utf8');
const findings = lines.map((line) => {
  const match = ROW.exec(line);
  if (!match) {
    console.error(`audit:electron: cannot read this line of the report:\n${line}`);
    process.exit(1);
  }
  const [, id, severity, confidence, file, location] = match;
  return { id, severity, confidence, file, location };
});

let failures = 0;
for (const finding of findings) {
  let verdict = 'ok';
  if (finding.severity === 'HIGH' || finding.severity === 'CRITICAL') verdict = 'NOT ALLOWED';
  else if (finding.severity === 'MEDIUM') verdict = explained.includes(finding.id) ? 'explained in docs/security.md' : 'NOT EXPLAINED in docs/security.md';
  if (verdict.startsWith('NOT')) failures++;
  console.log(`${finding.severity.padEnd(13)} ${finding.id.padEnd(40)} ${`${finding.file}:${finding.location}`.padEnd(28)} ${verdict}`);
}
const count = (severity) => findings.filter((finding) => finding.severity === severity).length;
console.log(`electronegativity (Electron ${electronVersion}): ${count('HIGH')} HIGH, ${count('MEDIUM')} MEDIUM, ${count('LOW')} LOW, ${count('INFORMATIONAL')} informational; report in test-results/electronegativity.csv`);
if (failures) {
  console.error(`audit:electron: ${failures} finding(s) must be fixed or explained.`);
  process.exit(1);
}
