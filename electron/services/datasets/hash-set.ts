/** Memory-bounded exact distinct counting by 64-bit string hashes, shared by every column of one file. */

/** Two independent 32-bit hashes of a string, computed in one pass (FNV-1a and a multiplicative variant). */
export function hashString(value: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c ^ value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return [h1 >>> 0, h2 >>> 0];
}

/** How many hash slots all columns of one import may hold together (8 bytes each: 64 MiB). */
export class SlotBudget {
  constructor(public remaining = 8 * 1024 * 1024) {}
}

const INITIAL_SLOTS = 1024;

/**
 * Open-addressing set of 64-bit hashes in two Uint32Arrays. When the shared budget cannot
 * grow it any further it stops tracking: `exact` turns false and `size` becomes a lower bound.
 */
export class HashSet64 {
  private high = new Uint32Array(0);
  private low = new Uint32Array(0);
  private mask = 0;
  size = 0;
  exact = true;

  constructor(private readonly budget: SlotBudget) {}

  /** Adds the value; returns true when it had not been seen (always false once tracking stopped). */
  add(value: string): boolean {
    if (!this.exact) return false;
    if ((this.size + 1) * 2 > this.high.length && !this.grow()) return false;
    let [h1, h2] = hashString(value);
    if (h1 === 0 && h2 === 0) h2 = 1; // (0, 0) marks an empty slot
    let slot = h1 & this.mask;
    for (;;) {
      const a = this.high[slot];
      const b = this.low[slot];
      if (a === 0 && b === 0) {
        this.high[slot] = h1;
        this.low[slot] = h2;
        this.size++;
        return true;
      }
      if (a === h1 && b === h2) return false;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): boolean {
    const next = this.high.length === 0 ? INITIAL_SLOTS : this.high.length * 2;
    const extra = next - this.high.length;
    if (extra > this.budget.remaining) {
      this.exact = false;
      this.high = new Uint32Array(0);
      this.low = new Uint32Array(0);
      return false;
    }
    this.budget.remaining -= extra;
    const oldHigh = this.high;
    const oldLow = this.low;
    this.high = new Uint32Array(next);
    this.low = new Uint32Array(next);
    this.mask = next - 1;
    for (let i = 0; i < oldHigh.length; i++) {
      const a = oldHigh[i];
      const b = oldLow[i];
      if (a === 0 && b === 0) continue;
      let slot = a & this.mask;
      while (this.high[slot] !== 0 || this.low[slot] !== 0) slot = (slot + 1) & this.mask;
      this.high[slot] = a;
      this.low[slot] = b;
    }
    return true;
  }
}
