/** Reads a CSV, TSV or JSON Lines file in one streaming pass: hash, decode, parse, profile, copy. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { DatasetFormat } from '../../../schemas/dataset.ts';
import { scalarText } from './cells.ts';
import { CsvParser, sniffDelimiter } from './csv-reader.ts';
import { Utf8OrLatin1Decoder } from './encoding.ts';
import { JsonlParser } from './jsonl-reader.ts';
import { CHUNK_BYTES, SNIFF_BYTES } from './limits.ts';
import { csvRecord, NormalizedWriter } from './normalized-writer.ts';
import { mayHoldJsonArray, sniffTextHead, type NamedFormat } from './sniff.ts';
import { TableBuilder } from './table.ts';

/** What one pass over a text file found. */
export interface TextImport {
  format: DatasetFormat;
  delimiter: string | null;
  sha256: string;
  /** Bytes that were not valid UTF-8 and were read as Windows-1252. */
  convertedBytes: number;
  hasBom: boolean;
  table: TableBuilder;
  needsNormalizedCopy: boolean;
}

/** Where the copy for the trainer goes, if anywhere; `writer` is created on the first write. */
interface CopyTarget {
  path?: string;
  writer?: NormalizedWriter;
}

/**
 * Analyses a text file in one pass. When `normalizedOutPath` is given and the trainer cannot read
 * the file as-is, the UTF-8, comma-delimited (or clean JSON Lines) copy is written through
 * `output.writer`, which the caller commits or discards.
 */
export async function importTextFile(
  path: string,
  size: number,
  named: Exclude<NamedFormat, 'parquet'>,
  options: { normalizedOutPath?: string; onProgress?: (fraction: number) => void },
  output: CopyTarget,
): Promise<TextImport> {
  output.path = options.normalizedOutPath;
  const result = await readPass(path, size, named, output, false, options.onProgress);
  const { table, format } = result;
  const fileName = basename(path);
  if (table.names.length === 0) {
    throw new AirlockError('DATASET_EMPTY', `${fileName} holds no data.`, { hint: 'Pick a file with a header line and at least one row of examples.' });
  }
  if (table.rows === 0) {
    throw format === 'jsonl'
      ? new AirlockError('DATASET_EMPTY', `${fileName} holds no records.`, { hint: 'Add at least one JSON object per line.' })
      : new AirlockError('DATASET_HEADER_ONLY', `${fileName} has a header line but no rows of data.`, {
          hint: 'Check that you exported the data and not only the column names.',
        });
  }
  if (result.needsNormalizedCopy && output.path !== undefined && !result.wroteCopy) {
    // Invalid UTF-8 turned up only after the first chunk, when rows had already gone by: copy in a second pass.
    await readPass(path, size, named, output, true);
  }
  return result;
}

/** One streaming pass: hash, sniff, decode, parse, profile, and write the copy when it is known to be needed. */
async function readPass(
  path: string,
  size: number,
  named: Exclude<NamedFormat, 'parquet'>,
  output: CopyTarget,
  forceCopy: boolean,
  onProgress?: (fraction: number) => void,
): Promise<TextImport & { wroteCopy: boolean }> {
  const fileName = basename(path);
  const hash = createHash('sha256');
  const decoder = new Utf8OrLatin1Decoder();
  const table = new TableBuilder();
  let format: DatasetFormat = named === 'txt' ? 'csv' : named;
  let delimiter: string | null = null;
  let hasBom = false;
  let writing = false;
  let pending: string[] = [];
  let parser: { push(text: string): void; end(): void } | null = null;
  const needsCopy = () => hasBom || decoder.convertedBytes > 0 || (delimiter !== null && delimiter !== ',');

  const start = (text: string, whole: boolean) => {
    confirmFormat(text, named, fileName);
    if (named === 'jsonl') {
      parser = new JsonlParser(
        (record) => {
          table.addRecord(record);
          if (writing) pending.push(`${scalarText(record, 0)}\n`); // a record as compact JSON, numbers as written
        },
        { fileName, arrays: mayHoldJsonArray(path) },
      );
    } else {
      const chosen = sniffDelimiter(text.slice(0, SNIFF_BYTES), named === 'tsv' ? '\t' : ',', whole);
      delimiter = chosen;
      if (named === 'txt') format = chosen === '\t' ? 'tsv' : 'csv';
      const csv = new CsvParser(chosen, (fields, line) => {
        if (table.names.length === 0) {
          const names = table.setHeader(fields);
          csv.maxFields = names.length;
          if (writing) pending.push(csvRecord(names));
        } else {
          table.addTextRow(fields, line);
          if (writing) pending.push(csvRecord(fields));
        }
      });
      parser = csv;
    }
    writing = output.path !== undefined && (forceCopy || needsCopy());
  };
  const drain = async () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    output.writer ??= await NormalizedWriter.create(output.path!);
    await output.writer.write(text);
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
      await drain();
      onProgress?.(Math.min(1, read / Math.max(size, 1)));
    }
    if (parser) {
      (parser as { push(text: string): void }).push(decoder.end());
      (parser as { end(): void }).end();
      await drain();
    }
  } finally {
    stream.destroy();
  }
  if (read === 0) throw new AirlockError('DATASET_EMPTY', `${fileName} is empty.`, { hint: 'Pick a file with a header line and at least one row of examples.' });
  return {
    format,
    delimiter,
    sha256: hash.digest('hex'),
    convertedBytes: decoder.convertedBytes,
    hasBom,
    table,
    needsNormalizedCopy: needsCopy(),
    wroteCopy: writing,
  };
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
