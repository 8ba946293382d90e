/** A picture or clip stored in a dataset, handed to the app for a gallery (never a file outside the datasets folder). */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, sep } from 'node:path';
import { AirlockError } from '../../../../schemas/errors.ts';
import type { HomePaths } from '../../home.ts';

/** Largest file sent to the app this way. */
const MAX_BYTES = 8 * 1024 * 1024;

const MIME: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.bmp': 'image/bmp',
  '.tif': 'image/tiff', '.tiff': 'image/tiff', '.wav': 'audio/wav', '.flac': 'audio/flac', '.ogg': 'audio/ogg', '.oga': 'audio/ogg', '.mp3': 'audio/mpeg',
};

/**
 * The file as a data URL.
 * @throws AirlockError ACCESS_DENIED (outside the data folder's datasets), FILE_NOT_FOUND, INVALID_INPUT (not media, too large).
 */
export function storedMediaFile(paths: HomePaths, path: string): { mime: string; dataUrl: string } {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new AirlockError('FILE_NOT_FOUND', `The file ${path} is no longer there.`, { hint: 'The dataset may have been removed.' });
  }
  const inside = relative(realpathSync(paths.datasets), real);
  if (!inside || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new AirlockError('ACCESS_DENIED', 'Only pictures and clips stored in a dataset can be shown.', { field: 'path' });
  }
  const mime = MIME[extname(real).toLowerCase()];
  if (!mime) throw new AirlockError('INVALID_INPUT', `${path} is not a picture or a clip.`, { field: 'path' });
  if (statSync(real).size > MAX_BYTES) throw new AirlockError('INVALID_INPUT', `${path} is too large to show here.`, { field: 'path' });
  return { mime, dataUrl: `data:${mime};base64,${readFileSync(real).toString('base64')}` };
}
