import { z } from 'zod';
import { RunConfig } from './config.ts';
import { TrainerEvent } from './events.ts';
import { ErrorCode } from './errors.ts';

/** The generated JSON Schema files, by file name, as the text written to schemas/json/. */
export function jsonSchemaFiles(): Record<string, string> {
  const render = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  return {
    'run-config.schema.json': render(z.toJSONSchema(RunConfig, { io: 'input' })),
    'trainer-event.schema.json': render(z.toJSONSchema(TrainerEvent, { io: 'input' })),
    'error-codes.json': render(ErrorCode.options),
  };
}
