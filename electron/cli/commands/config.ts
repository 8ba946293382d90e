import { writeFileSync } from 'node:fs';
import { userPath, userPathOrId } from '../paths.ts';
import { dirname } from 'node:path';
import { loadConfigFile } from '../../services/config/yaml.ts';
import { codePathsFrom } from '../../services/runs/extensions.ts';
import { pathsFromUser } from './runs.ts';
import { call, positional, stringOption, type Command, type CommandContext } from './types.ts';

export const configCommand: Command = {
  usage: 'config <dataset-id|file> [--model <id>] [--out run.yaml] [--json] | config preview <config.yaml> [--rows N]',
  summary: 'Write a complete training config from what was detected in the data and the devices found; `preview` shows the first rows as the model will read them (after data.preprocess).',
  options: { model: { type: 'string' }, out: { type: 'string' }, rows: { type: 'string' } },
  async run(context) {
    if (context.positionals[0] === 'preview') return preview(context, this.usage);
    const dataset = userPathOrId(positional(context, 0, 'a dataset id or file', this.usage));
    const { config, reasons, yaml, warnings } = await call(context, 'config.suggest', { dataset, model: stringOption(context, 'model') });
    for (const warning of warnings) context.output.info(`Warning [${warning.code}]: ${warning.message}`);
    const option = stringOption(context, 'out');
    const out = option ? userPath(option) : null;
    if (out) writeFileSync(out, yaml);
    context.output.result({ config, reasons, warnings, path: out }, () => (out ? `Wrote ${out}` : yaml.trimEnd()));
  },
};

/** `config preview <config.yaml>`: the first training rows before and after data.preprocess. */
async function preview(context: CommandContext, usage: string): Promise<void> {
  const file = userPath(positional(context, 1, 'the config file', usage));
  const config = codePathsFrom(pathsFromUser(loadConfigFile(file)), dirname(file));
  const rows = Number(stringOption(context, 'rows') ?? 5);
  const result = await call(context, 'config.preview', { config, rows });
  context.output.result(result, () =>
    result.rows
      .map((row, index) => {
        const changed = row.preprocessed !== row.text;
        return `${index + 1}. [${String(row.label)}] ${row.preprocessed}${changed ? `\n   was: ${row.text}` : ''}`;
      })
      .join('\n'),
  );
}
