import type { Db } from '../store/database.ts';
import { AirlockError, type AirlockErrorShape } from '../../../schemas/errors.ts';
import type { SyncStatus } from '../../../schemas/sync.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One sync at a time per data folder, across processes (the app and a CLI); a dead holder's lock is taken over. */
export class SyncLock {
  constructor(private readonly db: Db) {}

  private holder(): number | null {
    const row = this.db.prepare("SELECT value FROM sync_meta WHERE key = 'lock'").get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as { pid: number }).pid : null;
  }

  heldByAnother(): boolean {
    const pid = this.holder();
    return pid !== null && pid !== process.pid && isAlive(pid);
  }

  acquire(): void {
    this.db
      .transaction(() => {
        if (this.heldByAnother()) {
          throw new AirlockError('SYNC_IN_PROGRESS', `Another Airlock process (pid ${this.holder()}) is syncing this data folder.`, { hint: 'Wait for it to finish.' });
        }
        this.db
          .prepare("INSERT INTO sync_meta (key, value) VALUES ('lock', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
          .run(JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      })
      .immediate();
  }

  release(): void {
    this.db.prepare("DELETE FROM sync_meta WHERE key = 'lock' AND json_extract(value, '$.pid') = ?").run(process.pid);
  }

  recordPass(error: AirlockErrorShape | null): void {
    this.db
      .prepare("INSERT INTO sync_meta (key, value) VALUES ('last_pass', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(JSON.stringify({ finishedAt: new Date().toISOString(), ok: error === null, error }));
  }

  lastPass(): SyncStatus['lastPass'] {
    const row = this.db.prepare("SELECT value FROM sync_meta WHERE key = 'last_pass'").get() as { value: string } | undefined;
    return row ? JSON.parse(row.value) : null;
  }
}
