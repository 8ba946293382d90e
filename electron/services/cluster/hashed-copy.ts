import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

const CHUNK = 4 * 1024 * 1024;

/**
 * Copies `source` to `target` in chunks, hashing the bytes as they pass (a model's weights are read once, not
 * twice), and flushes the copy to its device. With no target the file is only hashed. `onBytes` hears each chunk.
 */
export async function copyHashed(source: string, target: string | null, onBytes: (bytes: number) => void = () => {}): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  const input = await open(source, 'r');
  if (target) mkdirSync(dirname(target), { recursive: true });
  const output = target ? await open(target, 'wx') : null;
  let size = 0;
  try {
    for (let { bytesRead } = await input.read(buffer, 0, CHUNK, null); bytesRead > 0; { bytesRead } = await input.read(buffer, 0, CHUNK, null)) {
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      if (output) await output.write(chunk);
      size += bytesRead;
      onBytes(bytesRead);
    }
    if (output) await output.sync();
  } finally {
    await input.close();
    await output?.close();
  }
  return { size, sha256: hash.digest('hex') };
}
