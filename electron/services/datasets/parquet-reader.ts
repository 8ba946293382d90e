/** Reads a Parquet file row group by row group with hyparquet, profiling as it goes; the footer's row counts are checked against the data. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type Compressors, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { AirlockError } from '../../../schemas/errors.ts';
import { CHUNK_BYTES } from './limits.ts';
import type { TableBuilder } from './table.ts';

/** Every codec pyarrow, pandas and Polars write (Polars defaults to ZSTD); gzip and Brotli through Node's native zlib. */
const COMPRESSORS: Compressors = {
  ...compressors,
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

/** Hashes and profiles a Parquet file; progress is half hashing, half decoding. */
export async function importParquetFile(
  path: string,
  size: number,
  table: TableBuilder,
  onProgress?: (fraction: number) => void,
): Promise<{ sha256: string }> {
  const fileName = basename(path);
  const invalid = (reason: string) =>
    new AirlockError('DATASET_PARQUET_INVALID', `${fileName} is not a readable Parquet file (${reason}).`, {
      hint: 'The file may be truncated or damaged: export it again. Re-saving it with Snappy compression (the pandas default) also helps.',
    });

  const head = await readHead(path);
  if (head !== 'PAR1') throw invalid('it does not start with the Parquet signature');
  const sha256 = await hashFile(path, size, (read) => onProgress?.((read / size) * 0.5));

  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw invalid(reasonOf(error));
  }
  let names: string[];
  try {
    names = parquetSchema(metadata).children.map((child) => child.element.name);
  } catch (error) {
    throw invalid(reasonOf(error));
  }
  if (names.length === 0 || Number(metadata.num_rows) === 0) {
    throw new AirlockError(names.length === 0 ? 'DATASET_EMPTY' : 'DATASET_HEADER_ONLY', `${fileName} has no rows of data.`, {
      hint: 'Check that you exported the data and not only its schema.',
    });
  }
  table.setHeader(names);

  const groups = metadata.row_groups;
  const claims = groups.map((group) => Number(group.num_rows));
  const claimed = claims.reduce((sum, rows) => sum + rows, 0);
  if (claims.some((rows) => !Number.isSafeInteger(rows) || rows < 0) || claimed !== Number(metadata.num_rows)) {
    throw invalid(`its footer counts ${metadata.num_rows} rows, but its row groups ${claims.join(' + ')}`);
  }
  let rowStart = 0;
  for (let g = 0; g < groups.length; g++) {
    if (claims[g] > 0) {
      let columns: ArrayLike<unknown>[];
      try {
        columns = await readRowGroup(file, metadata, names, rowStart, claims[g]);
      } catch (error) {
        if (error instanceof AirlockError) throw error;
        throw invalid(reasonOf(error));
      }
      const short = columns.findIndex((values) => values.length !== claims[g]);
      if (short !== -1) {
        const where = groups.length > 1 ? `row group ${g + 1}` : 'the file';
        throw invalid(`its footer says ${where} holds ${claims[g]} rows, but column "${names[short]}" holds ${columns[short].length}`);
      }
      // The claim is only trusted once every column has really decoded that many values.
      for (let i = 0; i < claims[g]; i++) table.addValues(columns.map((values) => values[i]));
    }
    await table.drain();
    rowStart += claims[g];
    onProgress?.(0.5 + ((g + 1) / groups.length) * 0.5);
  }
  if (table.rows === 0) {
    throw new AirlockError('DATASET_HEADER_ONLY', `${fileName} has no rows of data.`, { hint: 'Check that you exported the data and not only its schema.' });
  }
  return { sha256 };
}

/**
 * Decodes one row group column by column, in schema order. Only the values really on the pages come
 * back (never a row count taken from the footer), so a footer that claims billions of rows costs nothing.
 */
async function readRowGroup(file: AsyncBuffer, metadata: FileMetaData, names: string[], rowStart: number, rows: number): Promise<ArrayLike<unknown>[]> {
  const pieces = new Map<string, { start: number; values: ArrayLike<unknown> }[]>();
  await parquetRead({
    file,
    metadata,
    rowStart,
    rowEnd: rowStart + rows,
    compressors: COMPRESSORS,
    onChunk: ({ columnName, columnData, rowStart: start }) => {
      const list = pieces.get(columnName) ?? [];
      list.push({ start, values: columnData });
      pieces.set(columnName, list);
    },
  });
  return names.map((name) => {
    const list = (pieces.get(name) ?? []).sort((a, b) => a.start - b.start);
    if (list.length === 1 && list[0].start === rowStart) return list[0].values;
    const values: unknown[] = [];
    for (const piece of list) {
      if (piece.start !== rowStart + values.length) break; // a gap: fewer rows than claimed, refused by the caller
      for (let i = 0; i < piece.values.length; i++) values.push(piece.values[i]);
    }
    return values;
  });
}

async function readHead(path: string): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: 3 });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('latin1');
}

async function hashFile(path: string, size: number, onRead: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    read += chunk.length;
    onRead(Math.min(read, size));
  }
  return hash.digest('hex');
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^parquet /, '').slice(0, 200);
}
