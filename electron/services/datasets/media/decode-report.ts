/**
 * What the trainer's decoder said about each file of a media folder (`inspect-media`): the same
 * decoder training uses opens every file at import, so a file that imports also trains.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callTrainer } from '../../trainer/commands.ts';
import type { MediaKind } from './layout.ts';

interface Common {
  sha256: string;
  bytes: number;
}
export interface ImageReport extends Common {
  ok: true;
  width: number;
  height: number;
  mode: string;
  format: string;
  frames: number;
  rotated: boolean;
  /** How the picture was made 8-bit RGB (`greyscale`, `CMYK`, `16-bit`…), null when it already was. */
  converted: string | null;
}
export interface AudioReport extends Common {
  ok: true;
  sample_rate: number;
  channels: number;
  seconds: number;
  format: string;
  subtype: string;
}
export interface UnusableReport extends Common {
  ok: false;
  /** MEDIA_EMPTY, MEDIA_UNREADABLE or MEDIA_TOO_LARGE. */
  code: string;
  reason: string;
}
export type FileReport = ImageReport | AudioReport | UnusableReport;

/**
 * Opens every file with the trainer's decoder, in order; `scratch` holds the request and answer.
 * @param onProgress fraction of the files opened, 0 to 1.
 */
export async function decodeFiles(
  home: string,
  scratch: string,
  files: { path: string; kind: MediaKind }[],
  onProgress?: (fraction: number) => void,
): Promise<FileReport[]> {
  const request = join(scratch, 'media-files.json');
  const answer = join(scratch, 'media-report.jsonl');
  await writeFile(request, JSON.stringify(files));
  try {
    await callTrainer(['inspect-media', '--files', request, '--out', answer], home, (event) => {
      if (event.type === 'progress' && event.fraction !== null) onProgress?.(event.fraction);
    });
    const lines = (await readFile(answer, 'utf8')).split('\n').filter(Boolean);
    return lines.map((line) => JSON.parse(line) as FileReport);
  } finally {
    await rm(request, { force: true });
    await rm(answer, { force: true });
  }
}
