import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { experimentNameProblem, tagKeyProblems, tagValueProblem } from '../../schemas/mlflow.ts';

/** Names people write, and the edges of every rule: characters, file-path forms, length, Unicode (letters, digits, marks, astral). */
const KEYS = [
  'team', 'cost-center', 'cost center', 'ticket:1234', 'data/version', 'a.b.c', 'v1_final', 'x'.repeat(250), 'k'.repeat(251),
  'cost-center#', 'owner@team', 'data?version', '50%', 'a,b', 'tag=1', "quote'", 'double"', 'tab\there', 'new\nline', 'nul\u0000',
  'emoji😀', 'back\\slash', '(v2)', '[x]', '$HOME', '', ' ', '/abs', 'a/', 'a//b', 'a/./b', 'a/../b', '..', '...', '..x', '.', './a',
  'a/.', 'a/..', '.hidden', 'a/.hidden', 'café', 'データ', 'ñandú', '٣', '½', 'Ⅻ', 'e\u0301', 'हिन्दी', 'Ωmega', 'ǅ', 'ー',
  'a\u200bb', '𝒳', '𐐀', '😀'.repeat(250), '😀'.repeat(251), '_', '-', ':',
];

/** Random names over a small alphabet that mixes allowed, refused and path characters (a fixed seed). */
function randomKeys(count: number): string[] {
  const alphabet = [...'ab9_-. :/#@?é漢\u0301😀\t'];
  let state = 20240917;
  const next = (bound: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % bound);
  return Array.from({ length: count }, () => Array.from({ length: next(9) }, () => alphabet[next(alphabet.length)]).join(''));
}

/** For each key: whether MLflow's own validation accepts it as a run tag name, and the trainer's problems with it. */
function pythonVerdicts(keys: string[]): { mlflow: boolean; trainer: string[] }[] {
  const script = [
    'import json, sys',
    'from mlflow.exceptions import MlflowException',
    'from mlflow.utils import validation',
    'from airlock_trainer import mlflow_rules',
    'def accepts(key):',
    '    try:',
    '        validation._validate_tag_name(key)',
    '        validation._validate_length_limit("key", validation.MAX_ENTITY_KEY_LENGTH, key)',
    '    except MlflowException:',
    '        return False',
    '    return True',
    'keys = json.load(sys.stdin)',
    'print(json.dumps([{"mlflow": accepts(key), "trainer": mlflow_rules.tag_key_problems(key)} for key in keys]))',
  ].join('\n');
  const result = spawnSync(join('.venv', 'bin', 'python'), ['-c', script], {
    input: JSON.stringify(keys),
    env: { ...process.env, PYTHONPATH: 'trainer' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe("MLflow's naming rules: zod, the trainer and MLflow's own code agree", () => {
  it('accepts and refuses the same tag names as MLflow, with the same words as the trainer', () => {
    const keys = [...KEYS, ...randomKeys(400)];
    const verdicts = pythonVerdicts(keys);
    const disagreements = keys.flatMap((key, index) => {
      const mine = tagKeyProblems(key);
      const { mlflow, trainer } = verdicts[index];
      return (mine.length === 0) === mlflow && JSON.stringify(mine) === JSON.stringify(trainer) ? [] : [{ key, mine, mlflow, trainer }];
    });
    expect(disagreements).toEqual([]);
    // The corpus exercises both verdicts.
    expect(verdicts.filter((verdict) => verdict.mlflow).length).toBeGreaterThan(50);
    expect(verdicts.filter((verdict) => !verdict.mlflow).length).toBeGreaterThan(50);
  });

  it('counts lengths in characters as MLflow (Python) does, not in UTF-16 units', () => {
    expect(tagValueProblem('😀'.repeat(8000))).toBeNull();
    expect(tagValueProblem('😀'.repeat(8001))).toContain('8001 characters');
    expect(experimentNameProblem('é'.repeat(256))).toBeNull();
    expect(experimentNameProblem('漢'.repeat(257))).toContain('257 characters');
  });
});
