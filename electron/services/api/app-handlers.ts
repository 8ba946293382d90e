import { parseDocument } from 'yaml';
import { AirlockError } from '../../../schemas/errors.ts';
import { configToYaml, parseConfig } from '../config/yaml.ts';
import { withColumns } from '../datasets/column-choice.ts';
import { DatasetTable } from '../store/records.ts';
import type { HandlerContext } from './handlers.ts';
import { codeReferences } from '../../../schemas/extensions.ts';

/** Parses YAML config text, naming the line of a syntax error and every field that is wrong. */
function parseYamlConfig(text: string) {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const line = first.linePos?.[0]?.line;
    throw new AirlockError('CONFIG_YAML_INVALID', `The config is not valid YAML${line ? ` (line ${line})` : ''}: ${first.message.split('\n')[0]}`, {
      hint: 'Check the indentation and the colons near the line named.',
    });
  }
  const value = document.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AirlockError('CONFIG_INVALID', 'The config must be a mapping with the sections model, data, training, experiment and deployment.', {
      hint: 'Start from a config exported by Airlock.',
    });
  }
  // A config naming the team's code loads without allow_custom_code: the form asks for that consent (CustomCodePanel).
  if (codeReferences(value).length === 0) return parseConfig(value);
  const consent = (value as { allow_custom_code?: unknown }).allow_custom_code === true;
  return { ...parseConfig({ ...value, allow_custom_code: true }), allow_custom_code: consent };
}

/** Handlers for the app screens' extra calls (api-app.ts). */
export function registerAppHandlers({ handle, services }: HandlerContext): void {
  handle('config.toYaml', (input) => ({ yaml: configToYaml(parseConfig(input.config)) }));
  handle('config.parseYaml', (input) => ({ config: parseYamlConfig(input.yaml) }));
  handle('datasets.setColumns', async (input) => {
    const dataset = await withColumns(services.datasets.get(input.id), { textColumn: input.textColumn, labelColumn: input.labelColumn });
    new DatasetTable(services.db).update(dataset);
    return { dataset };
  });
}
