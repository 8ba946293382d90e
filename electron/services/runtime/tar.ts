import { existsSync, mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import { isSafeRelativePath } from '../export/verify.ts';

// A plain ustar writer and a strict reader. Runtime packs hold only regular files and folders, so the reader
// refuses anything else (links, devices, pax headers) before a byte lands on disk: GNU tar would extract a
// symlink and then write through it, which is how a hostile archive escapes its folder.

const BLOCK = 512;
const CHUNK = 4 * 1024 * 1024;
const MAX_SIZE = 8 ** 11 - 1; // the 11 octal digits of a ustar size field

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** Splits a path into ustar's prefix (155 bytes) and name (100 bytes) fields, or null when it cannot fit. */
function splitName(path: string): { prefix: string; name: string } | null {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  return null;
}

function header(path: string, size: number, type: '0' | '5' | 'x'): Buffer {
  const split = splitName(path);
  if (!split || size > MAX_SIZE) throw new AirlockError('INVALID_INPUT', `${path} cannot be stored in a tar archive (name or size too large).`, { field: path });
  const block = Buffer.alloc(BLOCK);
  block.write(split.name, 0, 100, 'utf8');
  block.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(0, 12), 136, 'ascii'); // mtime 0: the same files give the same archive
  block.fill(' ', 148, 156);
  block.write(type, 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  block.write(split.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 'ascii');
  return block;
}

/** The header(s) for one entry: a POSIX pax `path` record first when the name outgrows ustar (long wheel names do). */
function headers(path: string, size: number, type: '0' | '5'): Buffer[] {
  if (splitName(path)) return [header(path, size, type)];
  const body = ` path=${path}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  const record = Buffer.from(`${length}${body}`);
  const padding = Buffer.alloc((BLOCK - (record.length % BLOCK)) % BLOCK);
  return [header('PaxHeader', record.length, 'x'), record, padding, header(path.slice(-99).replace(/^\/+/, ''), size, type)];
}

async function copyInto(target: FileHandle, source: FileHandle, size: number, buffer: Buffer): Promise<void> {
  for (let left = size; left > 0; ) {
    const { bytesRead } = await source.read(buffer, 0, Math.min(CHUNK, left), null);
    if (bytesRead === 0) throw new AirlockError('BUNDLE_FILE_CHANGED', 'A file changed size while it was being archived or read.');
    await target.write(buffer, 0, bytesRead);
    left -= bytesRead;
  }
}

/** Writes `files` (relative paths under `root`) into a ustar archive at `out`, each under the folder `top`. */
export async function writeTar(root: string, top: string, files: string[], out: string): Promise<void> {
  const target = await open(out, 'wx');
  const buffer = Buffer.allocUnsafe(CHUNK);
  try {
    for (const part of headers(`${top}/`, 0, '5')) await target.write(part);
    for (const path of files) {
      const source = await open(join(root, path), 'r');
      try {
        const { size } = await source.stat();
        for (const part of headers(`${top}/${path}`, size, '0')) await target.write(part);
        await copyInto(target, source, size, buffer);
        if (size % BLOCK) await target.write(Buffer.alloc(BLOCK - (size % BLOCK)));
      } finally {
        await source.close();
      }
    }
    await target.write(Buffer.alloc(BLOCK * 2));
    await target.sync();
  } finally {
    await target.close();
  }
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function unsafe(path: string, why: string): never {
  throw new AirlockError('BUNDLE_PATH_UNSAFE', `The archive holds "${path}": ${why}. It was not unpacked.`, {
    field: path,
    hint: 'The pack is damaged or was changed after it was built; use the pack as published, and check its SHA-256.',
  });
}

/**
 * Unpacks a ustar archive whose entries all sit under one top folder into `dest` (which must not exist),
 * without that folder. Refuses links, special files, absolute or `..` paths and duplicates. Returns the top folder's name.
 */
export async function extractTar(archive: string, dest: string, onBytes?: (done: number, total: number) => void): Promise<string> {
  const source = await open(archive, 'r');
  const total = (await source.stat()).size;
  const buffer = Buffer.allocUnsafe(CHUNK);
  const block = Buffer.alloc(BLOCK);
  const seen = new Set<string>();
  let top: string | null = null;
  let offset = 0;
  let paxPath: string | null = null; // from a pax header: the next entry's real name
  if (existsSync(dest)) throw new AirlockError('INVALID_INPUT', `${dest} already exists; a pack is unpacked into a new folder.`);
  mkdirSync(dest, { recursive: true });
  try {
    for (;;) {
      const { bytesRead } = await source.read(block, 0, BLOCK, offset);
      if (bytesRead < BLOCK) unsafe(archive, 'the archive ends in the middle of an entry');
      offset += BLOCK;
      if (block.every((byte) => byte === 0)) break;
      let sum = 0;
      for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 32 : block[index];
      if (sum !== parseInt(text(block, 148, 8).trim(), 8)) unsafe(archive, `a damaged entry header at byte ${offset - BLOCK}`);
      const prefix = text(block, 345, 155);
      const type = String.fromCharCode(block[156] || 48);
      const size = parseInt(text(block, 124, 12).trim() || '0', 8);
      if (type === 'x') {
        if (size > 64 * 1024) unsafe(archive, 'an oversized pax header');
        const records = Buffer.alloc(size);
        await source.read(records, 0, size, offset);
        offset += Math.ceil(size / BLOCK) * BLOCK;
        paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records.toString('utf8'))?.[1] ?? null;
        if (/(?:^|\n)\d+ linkpath=/.test(records.toString('utf8'))) unsafe(archive, 'a pax header naming a link');
        continue;
      }
      const name = paxPath ?? (prefix ? `${prefix}/` : '') + text(block, 0, 100);
      paxPath = null;
      const path = name.replace(/\/$/, '');
      if (type === '1' || type === '2') {
        throw new AirlockError('BUNDLE_SYMLINK', `The archive holds "${name}", a link; a pack holds only plain files. It was not unpacked.`, {
          field: name,
          hint: 'The pack is damaged or was changed after it was built; use the pack as published.',
        });
      }
      if (type !== '0' && type !== '5') unsafe(name, `an entry of type "${type}", which a runtime pack never holds`);
      if (!isSafeRelativePath(path)) unsafe(name, 'a path outside the pack');
      const [first, ...rest] = path.split('/');
      if (top === null) top = first;
      if (first !== top) unsafe(name, `a path outside the pack's folder ${top}/`);
      if (seen.has(path)) unsafe(name, 'an entry stored twice');
      seen.add(path);
      const inner = rest.join('/');
      if (type === '5') {
        if (inner) mkdirSync(join(dest, inner), { recursive: true });
        continue;
      }
      if (!inner) unsafe(name, 'a file in place of the pack folder');
      mkdirSync(dirname(join(dest, inner)), { recursive: true });
      const target = await open(join(dest, inner), 'wx');
      try {
        for (let left = size, at = offset; left > 0; ) {
          const { bytesRead: got } = await source.read(buffer, 0, Math.min(CHUNK, left), at);
          if (got === 0) unsafe(name, 'the archive ends in the middle of this file');
          await target.write(buffer, 0, got);
          left -= got;
          at += got;
        }
      } finally {
        await target.close();
      }
      offset += Math.ceil(size / BLOCK) * BLOCK;
      onBytes?.(offset, total);
    }
  } finally {
    await source.close();
  }
  if (top === null) unsafe(archive, 'an empty archive');
  return top;
}
