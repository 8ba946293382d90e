import type { Reachability, SyncReport, SyncSettingsView } from '../../../schemas/sync.ts';
import { nextProbeDelayMs } from './probe.ts';

/** What auto-sync drives: the sync service. */
export interface AutoSyncTarget {
  settings(): SyncSettingsView;
  probe(): Promise<Reachability>;
  syncNow(options: { retryFailed: boolean }): Promise<SyncReport>;
}

/**
 * While auto-sync is on in the settings: probe the configured server, sync when it answers, and wait
 * the probe interval (doubling after each failure, up to 32x) before the next round. Failed items are
 * left to an explicit "Sync now", so nothing is retried forever. The timer never keeps a process alive.
 */
export class AutoSync {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failures = 0;

  constructor(
    private readonly target: AutoSyncTarget,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Consecutive failed rounds (probe unanswered or sync failed); the backoff exponent. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.round(), delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const settings = this.target.settings();
    if (settings.autoSync && settings.trackingUri) {
      try {
        const reachability = await this.target.probe();
        if (reachability.state !== 'reachable') throw new Error(reachability.message ?? 'unreachable');
        await this.target.syncNow({ retryFailed: false });
        this.failures = 0;
      } catch (error) {
        // Someone else's pass (Sync now, another Airlock process) is not this round's failure.
        if ((error as { code?: string }).code !== 'SYNC_IN_PROGRESS') {
          this.failures++;
          this.onError(error);
        }
      }
    }
    this.schedule(nextProbeDelayMs(settings.probeIntervalS, this.failures));
  }
}
