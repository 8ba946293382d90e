/** Reads a Parquet file row group by row group with hyparquet, profiling as it goes. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type Compressors, type FileMetaData } from 'hyparquet';
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

  let rowStart = 0;
  const groups = metadata.row_groups;
  for (let g = 0; g < groups.length; g++) {
    const rowEnd = rowStart + Number(groups[g].num_rows);
    if (rowEnd > rowStart) {
      try {
        await parquetRead({
          file,
          metadata,
          rowStart,
          rowEnd,
          rowFormat: 'array',
          compressors: COMPRESSORS,
          onComplete: (rows) => {
            for (const row of rows) table.addValues(row as unknown[]);
          },
        });
      } catch (error) {
        if (error instanceof AirlockError) throw error;
        throw invalid(reasonOf(error));
      }
    }
    await table.drain();
    rowStart = rowEnd;
    onProgress?.(0.5 + ((g + 1) / groups.length) * 0.5);
  }
  if (table.rows === 0) {
    throw new AirlockError('DATASET_HEADER_ONLY', `${fileName} has no rows of data.`, { hint: 'Check that you exported the data and not only its schema.' });
  }
  return { sha256 };
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
