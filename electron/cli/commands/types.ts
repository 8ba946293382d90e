import type { ParseArgsConfig } from 'node:util';
import type { Services } from '../../services/index.ts';
import type { Output } from '../output.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import type { ApiInput, ApiName, ApiOutput } from '../../../schemas/api.ts';
import type { Api } from '../../services/api/handlers.ts';

export interface CommandContext {
  services: Services;
  api: Api;
  output: Output;
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

/** One CLI command: its usage line, options, and what it does. Returns the exit code (0 when omitted). */
export interface Command {
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run(context: CommandContext): Promise<number | void>;
}

/** The n-th positional argument, or a usage error naming it. */
export function positional(context: CommandContext, index: number, what: string, usage: string): string {
  const value = context.positionals[index];
  if (!value) throw new AirlockError('INVALID_INPUT', `Missing ${what}.`, { hint: `Usage: airlock ${usage}` });
  return value;
}

/** A string option's value, if given. */
export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Calls the API and returns its data, throwing its error for the CLI to print. */
export async function call<N extends ApiName>(context: CommandContext, name: N, input: ApiInput<N>): Promise<ApiOutput<N>> {
  const result = await context.api.call(name, input);
  if (!result.ok) throw new AirlockError(result.error.code, result.error.message, result.error);
  return result.data;
}
