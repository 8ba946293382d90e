/**
 * What an MLflow tracking server accepts as a key or value, so a config is refused when it is written
 * rather than weeks later at sync. Read from MLflow's own client (mlflow/utils/validation.py and
 * mlflow/store/tracking/dbmodels/models.py, MLflow 3.17); trainer/airlock_trainer/mlflow_rules.py holds
 * the same rules for the Python side, and tests/contract/mlflow-keys.test.ts holds both to MLflow's code.
 */

/** MAX_ENTITY_KEY_LENGTH: the longest tag, param or metric name. */
export const MLFLOW_MAX_KEY_LENGTH = 250;
/** MAX_TAG_VAL_LENGTH: the longest run tag value. */
export const MLFLOW_MAX_TAG_VALUE_LENGTH = 8000;
/**
 * The longest experiment name. validation.py allows 500 (MAX_EXPERIMENT_NAME_LENGTH), but the tracking
 * store's `experiments.name` column is VARCHAR(256), so a server on PostgreSQL or MySQL fails past 256.
 */
export const MLFLOW_MAX_EXPERIMENT_NAME_LENGTH = 256;

/**
 * One character MLflow allows in a name (validate_param_and_metric_name): Python's Unicode `\w` (letters,
 * digits, underscore) or one of `/ . - space :`. The colon is refused only by servers running on Windows.
 */
const NAME_CHARACTER = /^[\p{L}\p{N}_/.\- :]$/u;

/** Length as MLflow's Python counts it: in code points, not UTF-16 units. */
export function mlflowLength(text: string): number {
  return [...text].length;
}

/**
 * MLflow refuses a name that `posixpath.normpath` would change (path_not_unique): it stores names as file
 * paths. That is: empty, starting with "/" or "..", or with an empty, "." or ".." part between slashes.
 */
function isPathLike(name: string): boolean {
  return name.startsWith('/') || name.startsWith('..') || name.split('/').some((part) => part === '' || part === '.' || part === '..');
}

/** Every reason MLflow would refuse `key` as a run tag name, in plain words; empty when it accepts it. */
export function tagKeyProblems(key: string): string[] {
  if (key === '') return ['a tag name must not be empty'];
  const problems: string[] = [];
  const refused = [...new Set([...key].filter((character) => !NAME_CHARACTER.test(character)))];
  if (refused.length > 0) {
    problems.push(
      `MLflow does not accept ${refused.map((character) => JSON.stringify(character)).join(', ')} in a tag name (only letters, digits, spaces and _ - . : / are allowed)`,
    );
  }
  if (isPathLike(key)) {
    problems.push('MLflow reads a tag name as a file path, so it must not start with "/" or "..", end with "/", or have an empty, "." or ".." part between slashes');
  }
  const length = mlflowLength(key);
  if (length > MLFLOW_MAX_KEY_LENGTH) problems.push(`the tag name is ${length} characters long, over MLflow's limit of ${MLFLOW_MAX_KEY_LENGTH}`);
  return problems;
}

/** Why MLflow would refuse `value` as a run tag value, or null. */
export function tagValueProblem(value: string): string | null {
  const length = mlflowLength(value);
  return length > MLFLOW_MAX_TAG_VALUE_LENGTH ? `the value is ${length} characters long, over MLflow's limit of ${MLFLOW_MAX_TAG_VALUE_LENGTH} for a tag value` : null;
}

/** Why MLflow would refuse `name` as an experiment name, or null (an empty name is the schema's own check). */
export function experimentNameProblem(name: string): string | null {
  const length = mlflowLength(name);
  return length > MLFLOW_MAX_EXPERIMENT_NAME_LENGTH
    ? `the name is ${length} characters long, over MLflow's limit of ${MLFLOW_MAX_EXPERIMENT_NAME_LENGTH} for an experiment name`
    : null;
}
