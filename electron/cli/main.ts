/** The `airlock` command: scriptable front end over the same services as the app. */
import { parseArgs } from 'node:util';
import { AirlockError } from '../../schemas/errors.ts';
import { createServices, type Services } from '../services/index.ts';
import { defaultHome } from '../services/home.ts';
import { createApi } from '../services/api/handlers.ts';
import { Output } from './output.ts';
import { userPath } from './paths.ts';
import { COMMANDS, usage, type CommandContext } from './commands/index.ts';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const output = new Output(json);
  const [name, ...rest] = argv.filter((arg) => arg !== '--json');
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    output.info(usage());
    return name ? 0 : 2;
  }
  let services: Services | undefined;
  try {
    const command = COMMANDS[name];
    if (!command) throw new AirlockError('INVALID_INPUT', `Unknown command "${name}".`, { hint: 'Run `airlock help` to list the commands.' });
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
    } catch (error) {
      throw new AirlockError('INVALID_INPUT', (error as Error).message, { hint: `Usage: airlock ${command.usage}` });
    }
    // A relative AIRLOCK_HOME means the user's folder, as every path argument does (see paths.ts).
    services = await createServices(userPath(defaultHome()));
    const context: CommandContext = { services, api: createApi(services), output, positionals: parsed.positionals, values: parsed.values };
    return (await command.run(context)) ?? 0;
  } catch (error) {
    return output.error(error);
  } finally {
    services?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.exitCode = new Output(process.argv.includes('--json')).error(error);
  },
);
