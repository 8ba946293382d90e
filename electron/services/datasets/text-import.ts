/** Reads a CSV, TSV or JSON Lines file in one streaming pass: hash, decode, parse, profile. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { DatasetFormat } from '../../../schemas/dataset.ts';
import { CsvParser, sniffDelimiter } from './csv-reader.ts';
import { Utf8OrLatin1Decoder } from './encoding.ts';
import { JsonlParser } from './jsonl-reader.ts';
import { CHUNK_BYTES, SNIFF_BYTES } from './limits.ts';
import { mayHoldJsonArray, sniffTextHead, type NamedFormat } from './sniff.ts';
import { TableBuilder } from './table.ts';

/** What one pass over a text file found; its rows went into the table given. */
export interface TextImport {
  format: DatasetFormat;
  delimiter: string | null;
  sha256: string;
  /** Bytes that were not valid UTF-8 and were read as Windows-1252. */
  convertedBytes: number;
  hasBom: boolean;
}

/** Reads a CSV, TSV or JSON Lines file in one streaming pass into `table`: hash, decode, parse, profile. */
export async function importTextFile(
  path: string,
  size: number,
  named: Exclude<NamedFormat, 'parquet'>,
  table: TableBuilder,
  onProgress?: (fraction: number) => void,
): Promise<TextImport> {
  const result = await readPass(path, size, named, table, onProgress);
  const fileName = basename(path);
  if (table.names.length === 0) {
    throw new AirlockError('DATASET_EMPTY', `${fileName} holds no data.`, { hint: 'Pick a file with a header line and at least one row of examples.' });
  }
  if (table.rows === 0) {
    throw result.format === 'jsonl'
      ? new AirlockError('DATASET_EMPTY', `${fileName} holds no records.`, { hint: 'Add at least one JSON object per line.' })
      : new AirlockError('DATASET_HEADER_ONLY', `${fileName} has a header line but no rows of data.`, {
          hint: 'Check that you exported the data and not only the column names.',
        });
  }
  return result;
}

/** One streaming pass: hash, sniff, decode, parse and profile. */
async function readPass(
  path: string,
  size: number,
  named: Exclude<NamedFormat, 'parquet'>,
  table: TableBuilder,
  onProgress?: (fraction: number) => void,
): Promise<TextImport> {
  const fileName = basename(path);
  const hash = createHash('sha256');
  const decoder = new Utf8OrLatin1Decoder();
  let format: DatasetFormat = named === 'txt' ? 'csv' : named;
  let delimiter: string | null = null;
  let hasBom = false;
  let parser: { push(text: string): void; end(): void } | null = null;

  const start = (text: string, whole: boolean) => {
    confirmFormat(text, named, fileName);
    if (named === 'jsonl') {
      parser = new JsonlParser((record) => table.addRecord(record), { fileName, arrays: mayHoldJsonArray(path) });
    } else {
      const chosen = sniffDelimiter(text.slice(0, SNIFF_BYTES), named === 'tsv' ? '\t' : ',', whole);
      delimiter = chosen;
      if (named === 'txt') format = chosen === '\t' ? 'tsv' : 'csv';
      const csv = new CsvParser(chosen, (fields, line) => {
        if (table.names.length === 0) csv.maxFields = table.setHeader(fields).length;
        else table.addTextRow(fields, line);
      });
      parser = csv;
    }
  };

  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      const first = read === 0;
      read += chunk.length;
      let text: string;
      if (first) {
        const sniff = sniffTextHead(chunk.subarray(0, SNIFF_BYTES), fileName);
        hasBom = sniff.bomLength > 0;
        text = decoder.decode(chunk.subarray(sniff.bomLength));
        start(text, read >= size);
      } else {
        if (chunk.indexOf(0) !== -1) {
          throw new AirlockError('DATASET_BINARY', `${fileName} holds binary data after byte ${read - chunk.length}.`, {
            hint: 'The file may be corrupt or not a text export; export the data again as CSV, JSON Lines or Parquet.',
          });
        }
        text = decoder.decode(chunk);
      }
      parser!.push(text);
      await table.drain();
      onProgress?.(Math.min(1, read / Math.max(size, 1)));
    }
    if (parser) {
      (parser as { push(text: string): void }).push(decoder.end());
      (parser as { end(): void }).end();
    }
  } finally {
    stream.destroy();
  }
  if (read === 0) throw new AirlockError('DATASET_EMPTY', `${fileName} is empty.`, { hint: 'Pick a file with a header line and at least one row of examples.' });
  return { format, delimiter, sha256: hash.digest('hex'), convertedBytes: decoder.convertedBytes, hasBom };
}

/** Fails when the content contradicts the extension in a way that would mislead the parser. */
function confirmFormat(text: string, named: Exclude<NamedFormat, 'parquet'>, fileName: string): void {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? 4096 : text.indexOf('\n')).trim();
  if (named !== 'jsonl' && firstLine.startsWith('{') && firstLine.endsWith('}')) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(firstLine);
    } catch {
      return;
    }
    if (parsed && typeof parsed === 'object') {
      throw new AirlockError('DATASET_FORMAT_UNSUPPORTED', `${fileName} holds JSON Lines, not ${named.toUpperCase()} text.`, {
        hint: 'Rename the file to end in .jsonl and import it again.',
      });
    }
  }
  if (named === 'jsonl' && firstLine !== '' && !firstLine.startsWith('{') && !firstLine.startsWith('[') && /[,;\t]/.test(firstLine)) {
    throw new AirlockError('DATASET_JSONL_INVALID_LINE', `Line 1 of ${fileName} is not a JSON object; the file looks like CSV.`, {
      hint: 'If it is a CSV file, rename it to end in .csv; a JSON Lines file holds one JSON object per line.',
    });
  }
}
