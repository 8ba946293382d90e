import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, allowedValues, fieldApplies, finetuningOf, formatInput, parseInput, setField, validateConfig } from '../../renderer/src/lib/config-form.ts';
import { diffConfigs } from '../../renderer/src/lib/config-diff.ts';

const field = (path: string) => CONFIG_FIELDS.find((candidate) => candidate.path === path)!;
const VALID = { data: { train_path: 'ds-1', text_column: 'text', label_column: 'label' } };

describe('settings form from the RunConfig schema', () => {
  it('has one field per config key, with kinds and limits read from zod', () => {
    expect(field('data.max_length')).toMatchObject({ kind: 'number', integer: true, min: 8, max: 8192 });
    expect(field('training.precision')).toMatchObject({ kind: 'choice', choices: ['auto', '32-true', 'bf16-mixed', '16-mixed'] });
    expect(field('training.devices').kind).toBe('devices');
    expect(field('model.allow_pickle').kind).toBe('boolean');
    expect(field('training.max_steps').nullable).toBe(true);
    expect(allowedValues(field('data.max_length'))).toBe('a whole number from 8 to 8192');
    expect(field('data.max_length').description).toMatch(/95%/);
  });

  it('names the field and what it allows for every invalid value', () => {
    let draft: Record<string, unknown> = VALID;
    draft = setField(draft, 'training.learning_rate', parseInput(field('training.learning_rate'), '7'));
    draft = setField(draft, 'data.max_length', parseInput(field('data.max_length'), 'long'));
    draft = setField(draft, 'training.batch_size', parseInput(field('training.batch_size'), '2.5'));
    const { config, errors } = validateConfig(draft);
    expect(config).toBeNull();
    expect(errors['training.learning_rate']).toBe('Learning rate (training.learning_rate) must be at most 1.');
    expect(errors['data.max_length']).toBe('Max length (data.max_length) must be a whole number from 8 to 8192.');
    expect(errors['training.batch_size']).toMatch(/^Batch size \(training\.batch_size\) must be a whole number/);
  });

  it('turns typed text into schema values: empty optional numbers become null, devices auto/cpu/count, tags key=value', () => {
    expect(parseInput(field('training.max_steps'), '')).toBeNull();
    expect(parseInput(field('training.devices'), '2')).toBe(2);
    expect(parseInput(field('training.devices'), 'cpu')).toBe('cpu');
    expect(parseInput(field('experiment.tags'), 'team=nlp\nowner = ana')).toEqual({ team: 'nlp', owner: 'ana' });
    const { config } = validateConfig(setField(VALID, 'training.max_steps', null));
    expect(config?.training.max_steps).toBeNull();
  });

  it("shows every tag MLflow would refuse under the tags field, each named, with what is allowed", () => {
    const draft = setField(setField(VALID, 'experiment.tags', { 'cost-center#': 'ops', 'ticket:1234': 'ok', 'a//b': 'x' }), 'experiment.name', 'e'.repeat(300));
    const { config, errors } = validateConfig(draft);
    expect(config).toBeNull();
    expect(errors['experiment.tags'].split('\n')).toEqual([
      'Tags (experiment.tags["cost-center#"]): MLflow does not accept "#" in a tag name (only letters, digits, spaces and _ - . : / are allowed).',
      'Tags (experiment.tags["a//b"]): MLflow reads a tag name as a file path, so it must not start with "/" or "..", end with "/", or have an empty, "." or ".." part between slashes.',
    ]);
    expect(errors['experiment.name']).toBe("Experiment name (experiment.name): the name is 300 characters long, over MLflow's limit of 256 for an experiment name.");
  });

  it('diffs configs field by field', () => {
    const a = validateConfig(VALID).config!;
    const b = validateConfig(setField(VALID, 'training.learning_rate', 1e-4)).config!;
    const rows = diffConfigs([a, b]);
    expect(rows.filter((row) => row.differs)).toEqual([{ field: 'training.learning_rate', values: ['0.00005', '0.0001'], differs: true }]);
    expect(rows.find((row) => row.field === 'data.text_column')?.differs).toBe(false);
  });

  it('refuses the same column as text and label, naming the field', () => {
    const { config, errors } = validateConfig(setField(VALID, 'data.label_column', 'text'));
    expect(config).toBeNull();
    expect(errors['data.label_column']).toBe(
      'Label column (data.label_column) must be a different column from data.text_column: a model cannot learn to predict the text it reads.',
    );
  });

  it('refuses names past their limits with the limit in characters', () => {
    const { errors } = validateConfig(setField(VALID, 'experiment.name', 'x'.repeat(5000)));
    expect(errors['experiment.name']).toBe("Experiment name (experiment.name): the name is 5000 characters long, over MLflow's limit of 256 for an experiment name.");
    expect(validateConfig(setField(VALID, 'experiment.name', '')).errors['experiment.name']).toBe('Experiment name (experiment.name) must not be empty.');
  });

  it('says what a field takes in words a person reads: "1 or more", not 9007199254740991; columns, not "text"', () => {
    expect(allowedValues(field('training.max_steps'))).toBe('a whole number, 1 or more, or empty');
    expect(allowedValues(field('training.seed'))).toBe('a whole number, 0 or more');
    expect(CONFIG_FIELDS.map(allowedValues).join(' ')).not.toMatch(/9007199254740991/);
    expect(allowedValues(field('data.text_column'))).toBe("one of the dataset's columns");
    expect(allowedValues(field('data.label_column'))).toBe("one of the dataset's columns, not the text column");
    expect(allowedValues(field('experiment.name'))).toBe('any text'); // its limit is MLflow's, in its description
  });
});

describe('settings form of a causal_lm run', () => {
  const CAUSAL = setField(setField(setField({ data: { train_path: 'ds-1' } }, 'model.task', 'causal_lm'), 'data.format', 'prompt_completion'), 'data.prompt_column', 'question');

  it('shows the columns the data format reads, LoRA settings only when LoRA is used, and no label fields', () => {
    expect(['data.prompt_column', 'data.input_column', 'data.completion_column'].every((path) => fieldApplies(path, CAUSAL))).toBe(true);
    expect(['data.messages_column', 'data.text_column', 'data.label_column', 'data.label_names', 'data.augment'].some((path) => fieldApplies(path, CAUSAL))).toBe(false);
    const chat = setField(CAUSAL, 'data.format', 'chat');
    expect(fieldApplies('data.messages_column', chat)).toBe(true);
    expect(fieldApplies('data.prompt_column', chat)).toBe(false);
    expect(fieldApplies('data.text_column', setField(CAUSAL, 'data.format', 'text'))).toBe(true);
    // auto is LoRA for causal_lm, full fine-tuning for classification.
    expect(finetuningOf(CAUSAL)).toBe('lora');
    expect(fieldApplies('lora.r', CAUSAL)).toBe(true);
    expect(fieldApplies('lora.r', setField(CAUSAL, 'training.finetuning', 'full'))).toBe(false);
    expect(fieldApplies('lora.r', VALID)).toBe(false);
    expect(fieldApplies('lora.r', setField(VALID, 'training.finetuning', 'lora'))).toBe(true);
    expect(['data.format', 'data.prompt_column', 'evaluation.sample_generations'].some((path) => fieldApplies(path, VALID))).toBe(false);
    expect(fieldApplies('data.label_column', VALID) && fieldApplies('data.text_column', VALID)).toBe(true);
  });

  it('edits target layers as a comma-separated list, empty meaning peft’s defaults', () => {
    const layers = field('lora.target_modules');
    expect(layers.kind).toBe('list');
    expect(parseInput(layers, ' q_proj, v_proj ,')).toEqual(['q_proj', 'v_proj']);
    expect(parseInput(layers, ' ')).toBeNull();
    expect(formatInput(layers, ['q_proj', 'v_proj'])).toBe('q_proj, v_proj');
    expect(validateConfig(setField(setField(CAUSAL, 'data.completion_column', 'answer'), 'lora.target_modules', ['q_proj'])).config?.lora.target_modules).toEqual(['q_proj']);
  });

  it('names a missing column of the format in a sentence', () => {
    expect(validateConfig(CAUSAL).errors['data.completion_column']).toBe('Completion column (data.completion_column) is required for format prompt_completion.');
  });
});
