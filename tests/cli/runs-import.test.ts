import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/home.ts';
import { tinyModelPath, tinyRunConfig, writeSentimentCsv } from '../helpers/tiny-model.ts';
import { attemptLog, cancelledAttempt, seal, trainAttempt, writeJobFolder, type JobFolder } from '../helpers/cluster-out.ts';

type Event = { type: string; seq: number; step: number; loss: number; epoch: number; metrics: Record<string, number> };

function eventsOf(out: string): Event[] {
  return readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

/** The points of one metric in the history, as [step, value]. */
function curve(home: string, runId: string, key: string): [number, number][] {
  const shown = airlock(home, ['runs', 'show', runId, '--json']);
  expect(shown.code, shown.stderr).toBe(0);
  return shown.json.run.curves.filter((point: { key: string }) => point.key === key).map((point: { step: number; value: number }) => [point.step, point.value]);
}

function eventAttempts(home: string, runId: string): { attempt: number; types: string }[] {
  const db = new Database(join(home, 'airlock.db'), { readonly: true });
  const rows = db.prepare("SELECT attempt, group_concat(type, ' ') AS types FROM (SELECT attempt, type FROM events WHERE run_id = ? ORDER BY attempt, seq) GROUP BY attempt ORDER BY attempt").all(runId);
  db.close();
  return rows as { attempt: number; types: string }[];
}

describe('airlock runs import: a cluster run into the local history', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const bare = join(dir.path, 'bare'); // a workstation without the run's dataset and model
  let source: Parameters<typeof writeJobFolder>[2];
  let requeued: JobFolder;
  let cancelledOut: string;

  beforeAll(() => {
    const model = airlock(home, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']);
    expect(model.code, model.stderr).toBe(0);
    const dataset = airlock(home, ['import', writeSentimentCsv(join(dir.path, 'reviews.csv'), 30), '--name', 'reviews', '--json']);
    expect(dataset.code, dataset.stderr).toBe(0);
    source = {
      dataset: { id: dataset.json.dataset.id, name: 'reviews', dataPath: dataset.json.dataset.dataPath, sha256: dataset.json.dataset.sha256 },
      model: { id: model.json.model.id, name: 'tiny', path: model.json.model.path },
    };
  });
  afterAll(() => dir.cleanup());

  it('imports a completed run verified by hash: every metric point, listed as a cluster run, registered and exported', () => {
    const job = writeJobFolder(join(dir.path, 'job-a'), 'cluster-a', source, tinyRunConfig('unused', { training: { max_epochs: 2 }, experiment: 'cluster', deployment: { register_model: true } }));
    expect(trainAttempt(job), attemptLog(job)).toBe(0);
    seal(job.out);

    const unsealed = airlock(home, ['runs', 'import', job.folder, '--json']); // the job folder, not its out/
    expect(unsealed.json.error.code).toBe('RUN_IMPORT_INVALID');
    expect(unsealed.json.error.message).toBe(`${job.folder} is a cluster job folder, not its out/ folder.`);
    expect(unsealed.json.error.hint).toContain(job.out);
    const eventless = join(dir.path, 'eventless-out');
    cpSync(job.out, eventless, { recursive: true });
    const manifest = readFileSync(join(eventless, 'MANIFEST.sha256'), 'utf8').split('\n');
    writeFileSync(join(eventless, 'MANIFEST.sha256'), manifest.filter((line) => !line.endsWith('  events.jsonl')).join('\n'));
    const noEvents = airlock(home, ['runs', 'import', eventless, '--json']);
    expect(noEvents.json.error.code).toBe('RUN_IMPORT_INVALID');
    expect(noEvents.json.error.message).toContain('events.jsonl');

    const tampered = join(dir.path, 'tampered-out');
    cpSync(job.out, tampered, { recursive: true });
    appendFileSync(join(tampered, 'model', 'model.safetensors'), Buffer.from([0]));
    const refused = airlock(home, ['runs', 'import', tampered, '--json']);
    expect(refused.code).not.toBe(0);
    expect(refused.json.error.code).toBe('RUN_IMPORT_CHANGED');
    expect(refused.json.error.message).toContain('model/model.safetensors');
    expect(airlock(home, ['runs', '--json']).json.runs).toEqual([]);
    expect(readdirSync(join(home, 'runs'))).toEqual([]);
    expect(readdirSync(join(home, 'staging'))).toEqual([]);

    const imported = airlock(home, ['runs', 'import', job.out, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const run = imported.json.run;
    expect(run).toMatchObject({ id: 'cluster-a', status: 'completed', runDir: join(home, 'runs', 'cluster-a'), modelDir: join(home, 'runs', 'cluster-a', 'model') });
    expect(run.cluster).toMatchObject({ nodes: 1, gpus_per_node: 1, world_size: 1, imported_from: job.out, resume_refused: null });
    expect(run.cluster.attempts.map((attempt: { status: string }) => attempt.status)).toEqual(['completed']);
    expect(run.durationS).toBeCloseTo(run.cluster.attempts[0].duration_s, 6);
    expect(existsSync(join(run.modelDir, 'model.safetensors'))).toBe(true);

    const events = eventsOf(job.out);
    const steps = events.filter((event) => event.type === 'step');
    expect(steps.length).toBeGreaterThan(0);
    expect(curve(home, run.id, 'train/loss')).toEqual(steps.map((event) => [event.step, event.loss]));
    const epochs = events.filter((event) => event.type === 'epoch');
    expect(curve(home, run.id, 'val/accuracy')).toEqual(epochs.map((event) => [event.step, event.metrics['val/accuracy']]));
    expect(run.metrics['val/accuracy']).toBe(events.at(-1)!.metrics['val/accuracy']);
    expect(eventAttempts(home, run.id)).toEqual([{ attempt: 1, types: events.map((event) => event.type).join(' ') }]);

    const listed = airlock(home, ['runs']);
    expect(listed.stdout).toMatch(/cluster-a\s+completed\s+cluster\s+tiny\s+cluster 1×1/);
    const again = airlock(home, ['runs', 'import', job.out, '--json']);
    expect(again.json.error.code).toBe('RUN_ALREADY_IMPORTED');

    // Its config asked for the model to be registered, as a run finished here would be; it can be registered again by hand.
    const automatic = airlock(home, ['registry', 'show', 'cluster@1', '--json']);
    expect(automatic.code, automatic.stdout + automatic.stderr).toBe(0);
    expect(JSON.stringify(automatic.json)).toContain('cluster-a');
    const registered = airlock(home, ['register', 'cluster-a', '--name', 'clustered', '--json']);
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.json.version.modelDir).toBe(run.modelDir);
    const usb = join(dir.path, 'usb');
    mkdirSync(usb);
    const exported = airlock(home, ['export', 'clustered@1', '--to', usb, '--json']);
    expect(exported.code, exported.stdout + exported.stderr).toBe(0);
    expect(airlock(home, ['verify', join(usb, 'clustered-v1'), '--json']).code).toBe(0);
  }, 300_000);

  it('imports a cancelled run, and resumes it on the workstation from its cluster checkpoint', async () => {
    requeued = writeJobFolder(join(dir.path, 'job-b'), 'cluster-b', source, tinyRunConfig('unused', { training: { max_epochs: 200, max_steps: 24 }, experiment: 'cluster' }));
    await cancelledAttempt(requeued);
    expect(existsSync(join(requeued.out, 'checkpoints', 'last.ckpt')), attemptLog(requeued)).toBe(true);
    // A copy of out/ as it stood after the cancel, carried back under a run id of its own.
    cancelledOut = join(dir.path, 'cancelled-out');
    cpSync(requeued.out, cancelledOut, { recursive: true });
    const job = JSON.parse(readFileSync(join(cancelledOut, 'job.json'), 'utf8'));
    writeFileSync(join(cancelledOut, 'job.json'), JSON.stringify({ ...job, run_id: 'cluster-c' }));
    seal(cancelledOut);

    const imported = airlock(home, ['runs', 'import', cancelledOut, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.run).toMatchObject({ id: 'cluster-c', status: 'cancelled' });
    const cancelledSteps = curve(home, 'cluster-c', 'train/loss').map(([step]) => step);
    expect(Math.max(...cancelledSteps)).toBeLessThan(24);

    const resumed = airlock(home, ['resume', 'cluster-c', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json.run.status).toBe('completed');
    const shown = airlock(home, ['runs', 'show', 'cluster-c', '--json']).json.run;
    expect(shown.attempts).toBe(2);
    // The workstation's attempt continued from the cluster's checkpoint, with its own copy of the data and model.
    expect(Math.max(...shown.curves.filter((point: { key: string }) => point.key === 'train/loss').map((point: { step: number }) => point.step))).toBe(24);
    // The record keeps the config the cluster trained; the resume here used its copy with this workstation's paths.
    const clusterConfig = readFileSync(join(cancelledOut, 'config.yaml'), 'utf8');
    expect(readFileSync(join(shown.runDir, 'config.yaml'), 'utf8')).toBe(clusterConfig);
    expect(shown.config.data.train_path).toMatch(/^data\//);
    const resumeConfig = readFileSync(join(shown.runDir, 'config.resume.yaml'), 'utf8');
    expect(resumeConfig).toContain(source.dataset.dataPath);
    expect(resumeConfig).toContain(source.model.path);
    expect(shown.details.resumed_here).toMatch(/^Trained on 1 node × 1 \(effective batch \d+\); continues here on 1 process \(effective batch \d+\)\.$/);
    expect(resumed.json.run.resumedHere).toBe(shown.details.resumed_here);

    // Resumed here, it is not replaced by a newer out/ of the cluster's.
    writeFileSync(join(cancelledOut, 'requeued.txt'), 'the job ran again on the cluster\n');
    seal(cancelledOut);
    const newer = airlock(home, ['runs', 'import', cancelledOut, '--json']);
    expect(newer.json.error.code).toBe('RUN_ALREADY_IMPORTED');
    expect(newer.json.error.message).toContain('resumed on this workstation');
    expect(airlock(home, ['runs', 'show', 'cluster-c', '--json']).json.run.attempts).toBe(2);
  }, 300_000);

  it('counts the attempts of a requeued run (cancelled, then resumed on the cluster) and ends with the last one', () => {
    // Imported while cancelled, then again once the cluster finished it: the newer out/ replaces the first import.
    seal(requeued.out);
    const first = airlock(bare, ['runs', 'import', requeued.out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.run.status).toBe('cancelled');
    const same = airlock(bare, ['runs', 'import', requeued.out, '--json']);
    expect(same.json.error.code).toBe('RUN_ALREADY_IMPORTED');
    expect(same.json.error.message).toContain('same out/ folder');
    expect(trainAttempt(requeued, { resume: true }), attemptLog(requeued)).toBe(0);
    seal(requeued.out);
    const imported = airlock(bare, ['runs', 'import', requeued.out, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const run = airlock(bare, ['runs', 'show', 'cluster-b', '--json']).json.run;
    expect(run).toMatchObject({ status: 'completed', attempts: 2, datasetId: null, modelId: 'tiny' });
    const attempts = run.details.cluster.attempts;
    expect(attempts.map((attempt: { status: string }) => attempt.status)).toEqual(['cancelled', 'completed']);
    expect(run.durationS).toBeCloseTo(attempts[0].duration_s + attempts[1].duration_s, 6);
    const recorded = eventAttempts(bare, 'cluster-b');
    expect(recorded.map((entry) => entry.attempt)).toEqual([1, 2]);
    expect(recorded.every((entry) => entry.types.endsWith('finished'))).toBe(true);
    expect(Math.max(...run.curves.filter((point: { key: string }) => point.key === 'train/loss').map((point: { step: number }) => point.step))).toBe(24);
    const steps = run.curves.filter((point: { key: string }) => point.key === 'train/loss').map((point: { step: number }) => point.step);
    expect(steps.length).toBe(eventsOf(requeued.out).filter((event) => event.type === 'step').length); // none left from the first import
    expect(airlock(bare, ['runs', '--json']).json.runs.map((listed: { id: string }) => listed.id)).toEqual(['cluster-b']);

    // Registered without its dataset stored here, its lineage names the dataset, not the job's copy of it.
    expect(airlock(bare, ['register', 'cluster-b', '--name', 'requeued']).code).toBe(0);
    const registry = airlock(bare, ['registry', 'show', 'requeued@1']);
    expect(registry.stdout).toContain(`Data: reviews sha256 ${source.dataset.sha256}`);

    // Without the run's dataset and model here, the cancelled copy can be imported but not resumed on this machine.
    expect(airlock(bare, ['runs', 'import', cancelledOut, '--json']).code).toBe(0);
    const refused = airlock(bare, ['resume', 'cluster-c', '--json']);
    expect(refused.json.error.code).toBe('RUN_NOT_RESUMABLE');
    expect(refused.json.error.message).toContain('"tiny"');
    // Imported again once the base model is here: looked at anew (now it is the dataset that is missing).
    expect(airlock(bare, ['runs', 'import', cancelledOut, '--json']).json.error.message).toContain('"tiny"');
    expect(airlock(bare, ['models', 'import', tinyModelPath(), '--name', 'tiny', '--json']).code).toBe(0);
    const retried = airlock(bare, ['runs', 'import', cancelledOut, '--json']);
    expect(retried.json.error.code).toBe('RUN_ALREADY_IMPORTED');
    expect(retried.json.error.message).toContain('"reviews"');
    expect(retried.json.error.message).not.toContain('"tiny"');

    // An attempt that died without a result (the node was killed): failed, naming how each node exited.
    const crashed = join(dir.path, 'crashed-out');
    cpSync(cancelledOut, crashed, { recursive: true });
    const lines = readFileSync(join(crashed, 'events.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(crashed, 'events.jsonl'), lines.filter((line) => JSON.parse(line).type !== 'finished').join('\n') + '\n');
    const launcher = JSON.parse(readFileSync(join(crashed, 'attempts.jsonl'), 'utf8'));
    writeFileSync(join(crashed, 'attempts.jsonl'), JSON.stringify({ ...launcher, exit_code: 137 }) + '\n');
    writeFileSync(join(crashed, 'job.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(crashed, 'job.json'), 'utf8')), run_id: 'cluster-d' }));
    seal(crashed);
    const failed = airlock(bare, ['runs', 'import', crashed, '--json']);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.json.run.status).toBe('failed');
    expect(failed.json.run.error.code).toBe('TRAINER_CRASHED');
    expect(failed.json.run.error.message).toContain(`node 0 (${launcher.host}) exited with code 137`);

    // Dead before its first checkpoint: nothing to continue, so no resume is offered.
    rmSync(join(crashed, 'checkpoints'), { recursive: true, force: true });
    writeFileSync(join(crashed, 'job.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(crashed, 'job.json'), 'utf8')), run_id: 'cluster-e' }));
    seal(crashed);
    const early = airlock(home, ['runs', 'import', crashed]);
    expect(early.code, early.stderr).toBe(0);
    expect(early.stdout).toContain('nothing to continue');
    expect(early.stdout).not.toContain('airlock resume');
  }, 300_000);
});
