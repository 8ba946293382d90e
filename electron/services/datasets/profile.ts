/** Column profiling in one streaming pass with bounded memory. */
import type { ColumnProfile } from '../../../schemas/dataset.ts';
import { HashSet64, type SlotBudget } from './hash-set.ts';
import type { Cell } from './cells.ts';
import { canonicalNumber, isIndicatorVector, parseListText, uniqueLabels, vectorLabel } from './label-reading.ts';
import { DISTINCT_CAP } from './limits.ts';

type ValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'list';

const INTEGER = /^[+-]?\d{1,15}$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false|yes|no)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IMAGE_PATH = /\.(?:png|jpe?g|gif|bmp|webp|tiff?)$/i;
const AUDIO_PATH = /\.(?:wav|mp3|flac|ogg|m4a)$/i;
/** Values longer than this are never labels, so they are not counted one by one. */
const LABEL_MAX_CHARS = 256;
/** Distinct labels counted when a column is split on a separator or holds lists. */
const TOKEN_CAP = 1000;
const RESERVOIR = 4096;
const SAMPLES = 5;
const SAMPLE_CHARS = 200;
/** Spellings remembered per canonical number, for the merge warning. */
const SPELLINGS_KEPT = 6;
/** Separators that may join several labels in one cell. */
export const LABEL_SEPARATORS = ['|', ';'] as const;

/** Counts values up to a cap; past it, `overflow` is set and the counts are dropped. */
class CappedCounts {
  counts: Map<string, number> | null = new Map();
  constructor(private readonly cap: number) {}
  add(key: string): void {
    const counts = this.counts;
    if (!counts) return;
    const seen = counts.get(key);
    if (seen !== undefined) counts.set(key, seen + 1);
    else if (counts.size >= this.cap) this.counts = null;
    else counts.set(key, 1);
  }
}

/** Everything detection needs to know about one column, beyond its public profile. */
export interface ColumnStats {
  profile: ColumnProfile;
  nonMissing: number;
  kinds: Record<ValueKind, number>;
  /** Exact value counts, or null when the column has too many distinct or too long values to be a label. */
  valueCounts: Map<string, number> | null;
  /** Per separator: label counts after splitting each cell, with how many cells held the separator. */
  separated: Record<string, { cells: number; tokens: Map<string, number> | null }>;
  /** Label counts over the items of list cells (each label once per row), or null when too many. */
  listTokens: Map<string, number> | null;
  /** Canonical numbers written more than one way, with every spelling seen (canonical first). */
  mergedSpellings: string[][];
  /** When every list is a 0/1 vector of one length: that length and the counts of label_0, label_1… */
  vector: { width: number; counts: Map<string, number> | null } | null;
  /** The first row (0-based) whose cell looks like a list (`[...]`) but cannot be read as one. */
  unreadableListRow: number | null;
  /** Distinct non-missing values, uncapped (a lower bound when `distinctExact` is false). */
  distinctCount: number;
  distinctExact: boolean;
  /** Every value an integer, all distinct, forming a contiguous range or an increasing sequence. */
  integerSequence: boolean;
  uuidFraction: number;
  imageFraction: number;
  audioFraction: number;
}

/** Accumulates one column's statistics value by value. */
export class ColumnAccumulator {
  private nonMissing = 0;
  private kinds: Record<ValueKind, number> = { string: 0, integer: 0, number: 0, boolean: 0, list: 0 };
  private readonly distinct: HashSet64;
  private readonly values = new CappedCounts(DISTINCT_CAP);
  private readonly separated = LABEL_SEPARATORS.map((separator) => ({ separator, cells: 0, tokens: new CappedCounts(TOKEN_CAP) }));
  private readonly listTokens = new CappedCounts(TOKEN_CAP);
  private lengthMin = Infinity;
  private lengthMax = 0;
  private lengthSum = 0;
  private readonly reservoir = new Int32Array(RESERVOIR);
  private random = 0x2545f491;
  private readonly samples: string[] = [];
  private integerMin = Infinity;
  private integerMax = -Infinity;
  private integerIncreasing = true;
  private integerLast = -Infinity;
  private uuids = 0;
  private readonly spellings = new Map<string, Set<string>>();
  private readonly vectorTokens = new CappedCounts(TOKEN_CAP);
  /** Length of every indicator-vector list so far; 0 before the first list, -1 once a list is not one. */
  private vectorWidth = 0;
  private unreadableListRow: number | null = null;
  private images = 0;
  private audios = 0;

  constructor(
    readonly name: string,
    budget: SlotBudget,
  ) {
    this.distinct = new HashSet64(budget);
  }

  /** Adds one cell (see cells.ts); `row` is its 0-based row number, for error messages. */
  addCell(cell: Cell, row: number): void {
    if (cell === null) return;
    if (typeof cell !== 'string') return this.addList(JSON.stringify(cell), cell);
    let kind: ValueKind = 'string';
    if (cell.length <= 32) {
      if (INTEGER.test(cell)) kind = 'integer';
      else if (NUMBER.test(cell)) kind = 'number';
      else if (BOOLEAN.test(cell)) kind = 'boolean';
    }
    if (kind === 'string' && cell.trimStart().startsWith('[')) {
      const list = parseListText(cell);
      if (list) return this.addList(cell, list.items);
      this.unreadableListRow ??= row; // looks like a list: it matters only in a column that mostly holds lists
    }
    this.addValue(cell, kind);
  }

  private addList(text: string, items: string[]): void {
    const labels = uniqueLabels(items);
    for (const item of labels) this.listTokens.add(item.length <= LABEL_MAX_CHARS ? item : item.slice(0, LABEL_MAX_CHARS));
    if (this.vectorWidth !== -1) {
      if (isIndicatorVector(items) && (this.vectorWidth === 0 || this.vectorWidth === items.length)) {
        this.vectorWidth = items.length;
        items.forEach((item, i) => canonicalNumber(item) === '1' && this.vectorTokens.add(vectorLabel(i)));
      } else this.vectorWidth = -1;
    }
    this.addValue(text, 'list');
  }

  private addValue(text: string, kind: ValueKind): void {
    const n = ++this.nonMissing;
    this.kinds[kind]++;
    const length = text.length;
    if (length < this.lengthMin) this.lengthMin = length;
    if (length > this.lengthMax) this.lengthMax = length;
    this.lengthSum += length;
    if (n <= RESERVOIR) this.reservoir[n - 1] = length;
    else {
      const slot = this.nextRandom() % n;
      if (slot < RESERVOIR) this.reservoir[slot] = length;
    }
    const isNew = this.distinct.add(text);
    if (length <= LABEL_MAX_CHARS) {
      this.values.add(text);
      if (kind === 'integer' || kind === 'number') this.addNumber(text);
      if (kind === 'string') {
        for (const entry of this.separated) {
          if (!entry.tokens.counts) continue;
          if (text.includes(entry.separator)) {
            entry.cells++;
            for (const token of text.split(entry.separator)) if (token.trim() !== '') entry.tokens.add(token.trim());
          } else entry.tokens.add(text.trim());
        }
      }
    } else this.values.counts = null;
    if ((isNew || !this.distinct.exact) && this.samples.length < SAMPLES && !this.samples.includes(text)) {
      this.samples.push(length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text);
    }
    if (kind === 'integer') {
      const number = Number(text);
      if (number < this.integerMin) this.integerMin = number;
      if (number > this.integerMax) this.integerMax = number;
      if (number <= this.integerLast) this.integerIncreasing = false;
      this.integerLast = number;
    } else if (length === 36 && UUID.test(text)) this.uuids++;
    else if (length < 512) {
      if (IMAGE_PATH.test(text)) this.images++;
      else if (AUDIO_PATH.test(text)) this.audios++;
    }
  }

  /** Remembers the spellings of a number that differ from its canonical one, for merging and the warning. */
  private addNumber(text: string): void {
    const canonical = canonicalNumber(text) ?? text;
    if (canonical !== text && this.spellings.size < DISTINCT_CAP) {
      const spellings = this.spellings.get(canonical) ?? new Set([canonical]);
      if (spellings.size < SPELLINGS_KEPT) spellings.add(text);
      this.spellings.set(canonical, spellings);
    }
  }

  private nextRandom(): number {
    // mulberry32: deterministic, so the same file always gives the same profile
    let t = (this.random = (this.random + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** The column's profile and detection statistics, given the file's row count. */
  finish(rows: number): ColumnStats {
    const n = this.nonMissing;
    const lengths = Array.from(this.reservoir.subarray(0, Math.min(n, RESERVOIR))).sort((a, b) => a - b);
    const at = (q: number) => lengths[Math.floor(q * (lengths.length - 1))];
    const distinct = this.distinct.exact ? this.distinct.size : Math.max(this.distinct.size, this.values.counts?.size ?? DISTINCT_CAP);
    const valueCounts = this.values.counts;
    const integersOnly = n > 0 && this.kinds.integer === n;
    const stats: ColumnStats = {
      profile: {
        name: this.name,
        type: columnType(this.kinds, n, distinct, valueCounts !== null),
        distinct: Math.min(distinct, DISTINCT_CAP),
        distinctCapped: distinct > DISTINCT_CAP || !this.distinct.exact,
        missing: rows - n,
        textLength: n === 0 ? null : { min: this.lengthMin, p50: at(0.5), p95: at(0.95), max: this.lengthMax, mean: round(this.lengthSum / n) },
        samples: this.samples,
      },
      nonMissing: n,
      kinds: this.kinds,
      valueCounts,
      separated: Object.fromEntries(this.separated.map((entry) => [entry.separator, { cells: entry.cells, tokens: entry.tokens.counts }])),
      listTokens: this.kinds.list > 0 ? this.listTokens.counts : null,
      mergedSpellings: [...this.spellings.values()].filter((group) => group.size > 1).map((group) => [...group]),
      vector: this.kinds.list > 0 && this.vectorWidth > 0 ? { width: this.vectorWidth, counts: this.vectorTokens.counts } : null,
      unreadableListRow: this.unreadableListRow,
      distinctCount: distinct,
      distinctExact: this.distinct.exact,
      integerSequence:
        integersOnly && this.distinct.exact && distinct === n && (this.integerIncreasing || this.integerMax - this.integerMin + 1 === n),
      uuidFraction: n === 0 ? 0 : this.uuids / n,
      imageFraction: n === 0 ? 0 : this.images / n,
      audioFraction: n === 0 ? 0 : this.audios / n,
    };
    return stats;
  }
}

function columnType(kinds: Record<ValueKind, number>, n: number, distinct: number, countable: boolean): ColumnProfile['type'] {
  if (n === 0) return 'empty';
  if (kinds.list === n) return 'list';
  if (kinds.boolean === n) return 'boolean';
  if (kinds.integer === n) return 'integer';
  if (kinds.integer + kinds.number === n) return 'number';
  return countable && distinct <= Math.max(2, Math.min(1000, n * 0.5)) ? 'category' : 'text';
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
