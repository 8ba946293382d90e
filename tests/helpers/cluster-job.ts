import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** What an operator sets to run launch_torchrun.sh as the only node, on this machine's CPU, with this checkout's Python. */
export async function singleNodeEnv(): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AIRLOCK_PYTHON: join(process.cwd(), '.venv', 'bin', 'python'),
    OMP_NUM_THREADS: '1',
    NNODES: '1',
    NODE_RANK: '0',
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(await freePort()),
  };
}
