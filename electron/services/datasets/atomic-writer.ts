/** Writes a file (the canonical table, its spool) under a temporary name and moves it into place only when complete. */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

const FLUSH_CHARS = 1024 * 1024;

/** A file written in pieces that appears at its final path only on `commit`. */
export class AtomicFileWriter {
  private parts: string[] = [];
  private buffered = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly temporaryPath: string,
    private readonly finalPath: string,
  ) {}

  /** Opens a temporary file next to `finalPath`. */
  static async create(finalPath: string): Promise<AtomicFileWriter> {
    const temporaryPath = `${finalPath}.${randomBytes(6).toString('hex')}.partial`;
    return new AtomicFileWriter(await open(temporaryPath, 'w').catch(outputError(finalPath)), temporaryPath, finalPath);
  }

  /** Queues text; the returned promise resolves once any needed flush is done. */
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.buffered += text.length;
    if (this.buffered >= FLUSH_CHARS) await this.flush();
  }

  /** Flushes, syncs and renames the file into place. */
  async commit(): Promise<void> {
    try {
      await this.flush();
      await this.handle.sync();
      await this.handle.close();
      await rename(this.temporaryPath, this.finalPath);
    } catch (error) {
      outputError(this.finalPath)(error);
    }
  }

  /** Closes and removes the temporary file; safe to call after a failure at any point. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temporaryPath, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.buffered = 0;
    await this.handle.write(text, null, 'utf8').catch(outputError(this.finalPath));
  }
}

/**
 * A failure to write the output is not a problem with the input file: keep ENOSPC (shown as
 * DISK_FULL) and report anything else without a file-system code, so it is not mistaken for an
 * unreadable input.
 */
function outputError(path: string): (error: unknown) => never {
  return (error) => {
    if ((error as { code?: string } | null)?.code === 'ENOSPC') throw error;
    throw new Error(`Cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`);
  };
}
