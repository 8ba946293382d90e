import { isAbsolute, join } from 'node:path';
import { AirlockError, type ErrorCode } from '../../../schemas/errors.ts';

/** A full path on this system, as messages show it; with `name`, a file or folder on that drive. */
export function fullPathExample(name?: string): string {
  const drive = process.platform === 'win32' ? 'E:\\' : '/media/usb';
  return name ? join(drive, name) : drive;
}

/**
 * Refuses a relative path typed in the app. The app's working folder is its install folder, which is never what a
 * user means; the command line resolves relative paths against the user's own folder before it calls the services.
 */
export function requireFullPath(path: string, options: { field: string; what: string; code?: ErrorCode; exampleName?: string }): string {
  if (isAbsolute(path)) return path;
  throw new AirlockError(options.code ?? 'INVALID_INPUT', `The ${options.what} "${path}" is not a full path.`, {
    hint: `Type a full path such as ${fullPathExample(options.exampleName)}.`,
    field: options.field,
  });
}
