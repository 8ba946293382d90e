import { readFileSync, existsSync } from 'node:fs';
import { Document, YAMLMap, isMap, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { RunConfig } from '../../../schemas/config.ts';
import { AirlockError, fieldPath } from '../../../schemas/errors.ts';
import { effectiveBatchLine } from '../../../schemas/batch-size.ts';

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodNullable || current instanceof z.ZodOptional) {
    current = (current as unknown as { unwrap(): z.ZodType }).unwrap();
  }
  return current;
}

/** Descriptions of every field, keyed `section.field`, read from the schema. */
export function fieldDescriptions(): Record<string, string> {
  const descriptions: Record<string, string> = {};
  for (const [sectionName, sectionSchema] of Object.entries(RunConfig.shape)) {
    const section = unwrap(sectionSchema as z.ZodType);
    if (!(section instanceof z.ZodObject)) continue;
    for (const [fieldName, field] of Object.entries(section.shape)) {
      const description = (field as z.ZodType).description;
      if (description) descriptions[`${sectionName}.${fieldName}`] = description;
    }
  }
  return descriptions;
}

/**
 * The config as YAML, each field preceded by its description as a comment, under a header that ends with the
 * effective batch size (its value when the devices are known: a number, or `auto` with `gpusFound` given).
 */
export function configToYaml(config: RunConfig, header?: string, gpusFound: number | null = null): string {
  const document = new Document(config);
  const descriptions = fieldDescriptions();
  const root = document.contents as YAMLMap;
  for (const sectionPair of root.items) {
    const sectionName = isScalar(sectionPair.key) ? String(sectionPair.key.value) : '';
    if (!isMap(sectionPair.value)) continue;
    for (const fieldPair of sectionPair.value.items) {
      const fieldName = isScalar(fieldPair.key) ? String(fieldPair.key.value) : '';
      const description = descriptions[`${sectionName}.${fieldName}`];
      if (description && isScalar(fieldPair.key)) fieldPair.key.commentBefore = ` ${description}`;
    }
  }
  const lines = [...(header ? header.split('\n') : []), effectiveBatchLine(config.training, gpusFound)];
  document.commentBefore = lines.map((line) => ` ${line}`).join('\n');
  return document.toString({ lineWidth: 0 });
}

/** One line per problem, each naming the field to change. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = fieldPath(issue.path) || '(top level)';
    if (issue.code === 'unrecognized_keys') return `${field ? field + ': ' : ''}unknown field(s) ${issue.keys.join(', ')}`;
    return `${field}: ${issue.message}`;
  });
}

/** Validates a config object, reporting every problem at once. */
export function parseConfig(value: unknown): RunConfig {
  const result = RunConfig.safeParse(value);
  if (result.success) return result.data;
  const details = describeIssues(result.error);
  throw new AirlockError('CONFIG_INVALID', `The config has ${details.length} problem${details.length === 1 ? '' : 's'}: ${details.join('; ')}`, {
    hint: 'Fix the fields named above and try again.',
    field: result.error.issues[0] ? fieldPath(result.error.issues[0].path) : undefined,
    details,
  });
}

/** Reads and validates a YAML config file. */
export function loadConfigFile(path: string): RunConfig {
  if (!existsSync(path)) throw new AirlockError('CONFIG_NOT_FOUND', `The config file ${path} does not exist.`, { hint: 'Write one with `airlock config <dataset>`.' });
  const document = parseDocument(readFileSync(path, 'utf8'));
  if (document.errors.length > 0) {
    const first = document.errors[0];
    throw new AirlockError('CONFIG_YAML_INVALID', `${path} is not valid YAML: ${first.message.split('\n')[0]}`, {
      hint: 'Check the indentation and the colons near the line named.',
    });
  }
  return parseConfig(document.toJS() ?? {});
}
