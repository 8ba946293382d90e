/** Streaming decoding of UTF-8 that falls back to Windows-1252 (a superset of Latin-1) for invalid bytes. */

/** Windows-1252 characters for bytes 0x80–0x9F; the five undefined bytes keep their Latin-1 code point. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

function cp1252(byte: number): number {
  return byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80] : byte;
}

/**
 * Decodes chunks of bytes to text. Each chunk is first decoded strictly as UTF-8; a chunk that is
 * not valid UTF-8 is decoded byte by byte, keeping valid UTF-8 sequences and reading every other
 * byte as Windows-1252. `convertedBytes` counts the bytes read that way.
 */
export class Utf8OrLatin1Decoder {
  private readonly strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private carry: Uint8Array = new Uint8Array(0);
  convertedBytes = 0;

  /** Decodes a chunk, holding back an incomplete UTF-8 sequence at its end for the next chunk. */
  decode(chunk: Uint8Array): string {
    const bytes = this.carry.length === 0 ? chunk : concat(this.carry, chunk);
    const end = completeUpTo(bytes);
    this.carry = bytes.slice(end);
    return this.decodeComplete(bytes.subarray(0, end));
  }

  /** Decodes what is left at the end of the file. */
  end(): string {
    const rest = this.carry;
    this.carry = new Uint8Array(0);
    return rest.length === 0 ? '' : this.decodeComplete(rest);
  }

  private decodeComplete(bytes: Uint8Array): string {
    try {
      return this.strict.decode(bytes);
    } catch {
      return this.decodeMixed(bytes);
    }
  }

  private decodeMixed(bytes: Uint8Array): string {
    const parts: string[] = [];
    let units: number[] = [];
    const flush = () => {
      parts.push(String.fromCharCode(...units));
      units = [];
    };
    let i = 0;
    while (i < bytes.length) {
      const length = validSequenceLength(bytes, i);
      if (length === 1) units.push(bytes[i]);
      else if (length === 0) {
        units.push(cp1252(bytes[i]));
        this.convertedBytes++;
      } else {
        const point = codePoint(bytes, i, length);
        if (point > 0xffff) units.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
        else units.push(point);
      }
      i += Math.max(length, 1);
      if (units.length >= 8192) flush();
    }
    flush();
    return parts.join('');
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Index up to which the bytes hold no truncated UTF-8 sequence at their end. */
function completeUpTo(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const byte = bytes[n - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 ? 2 : 1;
    return needed > back ? n - back : n;
  }
  return n;
}

/** Length of the valid UTF-8 sequence at i: 1 for ASCII, 2–4 for a valid sequence, 0 when invalid. */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  if (lead < 0x80) return 1;
  let length: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (i + length > bytes.length) return 0;
  for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return 0;
  const point = codePoint(bytes, i, length);
  if (point < min || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return 0;
  return length;
}

function codePoint(bytes: Uint8Array, i: number, length: number): number {
  let point = bytes[i] & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) point = (point << 6) | (bytes[i + k] & 0x3f);
  return point;
}
