import type { ParseArgsConfig } from 'node:util';
import type { Services } from '../../services/index.ts';
import type { Output } from '../output.ts';
import { AirlockError } from '../../../schemas/errors.ts';

export interface CommandContext {
  services: Services;
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
