/** The profile and warnings of a media folder, from the decoder's report on each usable file. */
import type { DatasetWarning, MediaProfile } from '../../../../schemas/dataset.ts';
import type { AudioReport, ImageReport } from './decode-report.ts';
import type { MediaKind, MediaRow } from './layout.ts';

/** A row whose file decoded. */
export interface UsableRow {
  row: MediaRow;
  report: ImageReport | AudioReport;
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return { min: round(sorted[0]!), p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1)!), mean: round(values.reduce((a, b) => a + b, 0) / values.length) };
}

function tally(values: (string | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

/** Sizes, modes and formats (images) or durations, rates and channels (audio). */
export function mediaProfile(kind: MediaKind, usable: UsableRow[], splits: MediaProfile['splits'], unusable: MediaProfile['unusable']): MediaProfile {
  const images = usable.map((entry) => entry.report).filter((report): report is ImageReport => 'width' in report);
  const sounds = usable.map((entry) => entry.report).filter((report): report is AudioReport => 'sample_rate' in report);
  return {
    kind,
    files: usable.length,
    splits,
    unusable,
    image: kind === 'image' && images.length
      ? { width: percentiles(images.map((i) => i.width)), height: percentiles(images.map((i) => i.height)), modes: tally(images.map((i) => i.mode)), formats: tally(images.map((i) => i.format)) }
      : null,
    audio: kind === 'audio' && sounds.length
      ? { seconds: percentiles(sounds.map((s) => s.seconds)), sampleRates: tally(sounds.map((s) => s.sample_rate)), channels: tally(sounds.map((s) => s.channels)) }
      : null,
  };
}

/** Up to `limit` names, then how many more. */
function some(names: string[], limit = 3): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

/** What the user should know before training on these files. */
export function mediaWarnings(usable: UsableRow[], unusable: MediaProfile['unusable'], ignored: string[]): DatasetWarning[] {
  const warnings: DatasetWarning[] = [];
  if (unusable.length) {
    warnings.push({ code: 'MEDIA_FILES_LEFT_OUT', message: `${unusable.length} file(s) cannot be opened and are left out: ${some(unusable.map((u) => `${u.file} (${u.reason})`))}.` });
  }
  if (ignored.length) {
    warnings.push({ code: 'MEDIA_FILES_IGNORED', message: `${ignored.length} file(s) are not images or audio in class folders and are ignored: ${some(ignored)}.` });
  }
  const bySha = new Map<string, UsableRow[]>();
  for (const entry of usable) bySha.set(entry.report.sha256, [...(bySha.get(entry.report.sha256) ?? []), entry]);
  const leaked: string[] = [];
  const duplicated: string[] = [];
  for (const same of bySha.values()) {
    if (same.length < 2) continue;
    const splits = new Set(same.map((entry) => entry.row.split));
    if (splits.has('train') && (splits.has('validation') || splits.has('test'))) leaked.push(same.map((entry) => entry.row.file.relative).join(' = '));
    else duplicated.push(same.map((entry) => entry.row.file.relative).join(' = '));
  }
  if (leaked.length) {
    warnings.push({ code: 'MEDIA_LEAKAGE', message: `${leaked.length} file(s) in the training data also appear, byte for byte, in validation or test data, so scores on them are flattered: ${some(leaked)}.` });
  }
  if (duplicated.length) {
    warnings.push({ code: 'MEDIA_DUPLICATES', message: `${duplicated.length} file(s) appear more than once with the same content: ${some(duplicated)}.` });
  }
  const images = usable.filter((entry): entry is UsableRow & { report: ImageReport } => 'width' in entry.report);
  const converted = images.filter((entry) => entry.report.converted);
  if (converted.length) {
    const kinds = Object.entries(tally(converted.map((entry) => entry.report.converted!))).map(([name, n]) => `${n} ${name}`).join(', ');
    const alpha = converted.some((entry) => entry.report.converted!.includes('transparency'));
    warnings.push({ code: 'MEDIA_CONVERTED', message: `${converted.length} image(s) are converted to 8-bit RGB for training (${kinds})${alpha ? '; transparency is laid on white' : ''}.` });
  }
  const rotated = images.filter((entry) => entry.report.rotated);
  if (rotated.length) {
    warnings.push({ code: 'MEDIA_ROTATED', message: `${rotated.length} image(s) carry an EXIF orientation and are turned upright for training: ${some(rotated.map((entry) => entry.row.file.relative))}.` });
  }
  const sounds = usable.filter((entry): entry is UsableRow & { report: AudioReport } => 'sample_rate' in entry.report);
  const rates = Object.keys(tally(sounds.map((entry) => entry.report.sample_rate)));
  if (rates.length > 1) {
    warnings.push({ code: 'MEDIA_RESAMPLED', message: `The clips have ${rates.length} sample rates (${rates.join(', ')} Hz); each is resampled to the rate the model expects.` });
  }
  const stereo = sounds.filter((entry) => entry.report.channels > 1);
  if (stereo.length) {
    warnings.push({ code: 'MEDIA_DOWNMIXED', message: `${stereo.length} clip(s) have more than one channel and are mixed down to mono for training.` });
  }
  return warnings;
}
