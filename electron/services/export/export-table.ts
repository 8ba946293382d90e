import type { Db } from '../store/database.ts';

/** Exports in progress, so that one killed mid-write can have its temporary folder removed at the next start. */
export class ExportTable {
  constructor(private readonly db: Db) {}

  started(tempPath: string, targetPath: string, pid: number, now: string): void {
    this.db.prepare("INSERT OR REPLACE INTO exports (temp_path, target_path, pid, status, started_at) VALUES (?, ?, ?, 'started', ?)").run(tempPath, targetPath, pid, now);
  }

  ended(tempPath: string, status: 'completed' | 'failed' | 'cleaned', now: string): void {
    this.db.prepare('UPDATE exports SET status = ?, finished_at = ? WHERE temp_path = ?').run(status, now, tempPath);
  }

  /** Exports still marked as started. */
  unfinished(): { tempPath: string; targetPath: string; pid: number }[] {
    return this.db.prepare("SELECT temp_path AS tempPath, target_path AS targetPath, pid FROM exports WHERE status = 'started'").all() as {
      tempPath: string;
      targetPath: string;
      pid: number;
    }[];
  }
}
