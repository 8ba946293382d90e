import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port nothing listens on: the system picks a free one, which is released again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The JSON lines of a file (events.jsonl, attempts.jsonl), parsed. */
export function jsonLines(path: string): any[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}
