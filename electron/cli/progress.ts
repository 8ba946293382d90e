import type { TrainerEvent } from '../../schemas/events.ts';

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** Text on one line, cut to `limit` characters with an ellipsis (newlines shown as ⏎). */
export function oneLine(text: string, limit: number): string {
  const flat = text.replace(/\r?\n/g, ' ⏎ ');
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

/** Draws training progress on stderr: a redrawn bar on a terminal, one line every few seconds otherwise. */
export class TrainingProgress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly startedAt = Date.now();
  private lastPlainLine = 0;

  onEvent(event: TrainerEvent): void {
    switch (event.type) {
      case 'started':
        // A causal LM learns text, not labels: no label count for it.
        this.line(`Training on ${event.device_name} (${event.precision}): ${event.train_rows} training rows, ${event.val_rows} validation rows, ${event.labels.length > 0 ? `${event.labels.length} labels, ` : ''}${event.total_steps} steps${event.resumed_from ? ' (resumed)' : ''}`);
        if (event.world_size && event.world_size > 1) {
          const nodes = event.num_nodes ?? 1;
          this.line(`  ${event.world_size} processes (${nodes} node${nodes === 1 ? '' : 's'} × ${event.world_size / nodes}), strategy ${event.strategy ?? 'ddp'}, effective batch size ${event.effective_batch_size ?? '?'}`);
        }
        break;
      case 'progress':
        this.line(`${event.message}`);
        break;
      case 'preflight':
        this.line(event.warning ? `Warning: ${event.message}` : event.message);
        break;
      case 'step':
        this.bar(event.step, event.total_steps, `loss ${event.loss.toFixed(4)}  ${event.samples_per_s.toFixed(1)} samples/s`);
        break;
      case 'epoch': {
        const metrics = Object.entries(event.metrics).map(([key, value]) => `${key} ${value.toFixed(4)}`).join('  ');
        this.line(`Epoch ${event.epoch + 1}: ${metrics}`);
        break;
      }
      case 'generations':
        for (const sample of event.samples) {
          this.line(`  ${oneLine(sample.prompt, 60)}  →  ${oneLine(sample.output, 60)}   (reference: ${oneLine(sample.reference, 40)})`);
        }
        break;
      case 'checkpoint':
        if (event.kind === 'best') this.line(`Saved best checkpoint at step ${event.step}`);
        break;
      default:
        break;
    }
  }

  private bar(step: number, total: number, suffix: string): void {
    const fraction = total > 0 ? Math.min(1, step / total) : 0;
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    const text = `step ${step}/${total} ${(fraction * 100).toFixed(0).padStart(3)}%  ${suffix}  ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
    } else if (Date.now() - this.lastPlainLine > 5000 || step === total) {
      this.lastPlainLine = Date.now();
      process.stderr.write(text + '\n');
    }
  }

  private line(text: string): void {
    process.stderr.write((this.tty ? '\r\x1b[K' : '') + text + '\n');
  }
}

/** A fraction-done callback that draws "label 42%" on stderr, at most every half second. */
export function fractionProgress(label: string): (fraction: number) => void {
  let lastDrawn = 0;
  let done = false;
  const tty = Boolean(process.stderr.isTTY);
  return (fraction) => {
    const now = Date.now();
    if (done || (now - lastDrawn < 500 && fraction < 1)) return;
    lastDrawn = now;
    done = fraction >= 1;
    const percent = `${label} ${(fraction * 100).toFixed(0)}%`;
    process.stderr.write(tty ? `\r${percent}\x1b[K${fraction >= 1 ? '\n' : ''}` : `${percent}\n`);
  };
}
