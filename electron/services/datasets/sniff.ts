/** Recognising what a file is from its name and first bytes, before any parsing. */
import { extname } from 'node:path';
import type { DatasetFormat } from '../../../schemas/dataset.ts';
import { AirlockError } from '../../../schemas/errors.ts';

/** Format named by the extension; `.txt` is resolved to csv or tsv by its delimiter. */
export type NamedFormat = DatasetFormat | 'txt';

const EXTENSIONS: Record<string, NamedFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.txt': 'txt',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

const SUPPORTED_HINT = 'Use a CSV (.csv), tab-separated (.tsv), JSON Lines (.jsonl), JSON array (.json) or Parquet (.parquet) file.';

/** The format named by the file's extension, or DATASET_FORMAT_UNSUPPORTED. */
export function formatFromPath(path: string): NamedFormat {
  const extension = extname(path).toLowerCase();
  const format = EXTENSIONS[extension];
  if (!format) {
    const what = extension ? `"${extension}" files` : 'files without an extension';
    throw new AirlockError('DATASET_FORMAT_UNSUPPORTED', `Airlock cannot read ${what} as a dataset.`, { hint: SUPPORTED_HINT });
  }
  return format;
}

/** True for a `.json` file, which may hold one JSON array of objects instead of JSON Lines. */
export function mayHoldJsonArray(path: string): boolean {
  return extname(path).toLowerCase() === '.json';
}

/** Magic numbers of binary formats people often pick by mistake, with what to do instead. */
const MAGIC: { bytes: number[]; hint: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], hint: 'It looks like an Excel workbook or a zip archive: open it and save it as CSV (UTF-8), or unzip it first.' },
  { bytes: [0x1f, 0x8b], hint: 'It looks like a gzip-compressed file: decompress it first.' },
  { bytes: [0x25, 0x50, 0x44, 0x46], hint: 'It looks like a PDF document: export the table as CSV.' },
  { bytes: [0x50, 0x41, 0x52, 0x31], hint: 'It looks like a Parquet file: rename it to end in .parquet.' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], hint: 'It looks like an old Excel (.xls) workbook: open it and save it as CSV (UTF-8).' },
];

const HTML_START = /^\s*<(?:!doctype\s+html|html|head|body|meta|title|script|div|table|!--|\?xml)[\s>]/i;
/** Checked on the first line only: a dataset may well hold HTML in its rows, never in its header. */
const HTML_IN_HEADER = /<!doctype\s+html|<html[\s>]/i;

/** What the first bytes of a text dataset revealed. */
export interface TextSniff {
  /** Length of a UTF-8 byte order mark at the start (0 or 3). */
  bomLength: number;
}

/**
 * Checks the first bytes of a CSV/TSV/JSONL file and throws the matching error for UTF-16/32,
 * binary data or a saved web page.
 */
export function sniffTextHead(head: Uint8Array, fileName: string): TextSniff {
  const starts = (...bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff) || looksLikeUtf16(head)) {
    throw new AirlockError('DATASET_ENCODING_UNSUPPORTED', `${fileName} is saved as UTF-16 text, which Airlock does not read.`, {
      hint: 'Open the file and save it again as "CSV UTF-8" (or UTF-8 text), then import that copy.',
    });
  }
  for (const magic of MAGIC) {
    if (starts(...magic.bytes)) throw new AirlockError('DATASET_BINARY', `${fileName} is not a text file.`, { hint: magic.hint });
  }
  if (looksBinary(head)) {
    throw new AirlockError('DATASET_BINARY', `${fileName} holds binary data, not text.`, {
      hint: 'Check that you picked the right file; export the data as CSV, JSON Lines or Parquet.',
    });
  }
  const bomLength = starts(0xef, 0xbb, 0xbf) ? 3 : 0;
  const text = new TextDecoder('utf-8').decode(head.subarray(bomLength, Math.min(head.length, 4096)));
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  if (HTML_START.test(text) || HTML_IN_HEADER.test(firstLine)) {
    throw new AirlockError('DATASET_HTML', `${fileName} is a web page (HTML), not a data file.`, {
      hint: 'The page was probably saved instead of the file it links to. Download the raw file (for example the "Raw" or "Download" button) and import that.',
    });
  }
  return { bomLength };
}

/** UTF-16 without a byte order mark: mostly ASCII text with a zero byte in every other position. */
function looksLikeUtf16(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 4) return false;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZeros++;
    if (head[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  return (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05) || (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05);
}

/** Zero bytes, or more than 1% control characters other than tab, newlines and form feed. */
export function looksBinary(bytes: Uint8Array): boolean {
  let control = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0) return true;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) control++;
  }
  return control > bytes.length * 0.01;
}
