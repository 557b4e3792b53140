/**
 * Masks secret values as `***` in what Gantry writes: a task's log file (and so its log tail, summaries and
 * errors built from it), its output parameters, and error messages. Streaming: a value split across two
 * chunks of the container's output is still masked, at the price of holding back the last few bytes of each
 * chunk (fewer than the longest secret) until the next one or the end.
 */
import { Writable } from 'node:stream';

export const MASK = '***';
const MASK_BYTES = Buffer.from(MASK);
/** Lines of a multi-line secret (a key file) shorter than this are not masked on their own. */
const MIN_LINE_CHARS = 4;

/** What to look for: each value whole, and each long-enough line of a multi-line one. */
export function maskPatterns(values: Iterable<string>): string[] {
  const patterns = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    patterns.add(value);
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_LINE_CHARS) patterns.add(line);
  }
  // Longest first: where two start at the same place, the longer one is masked.
  return [...patterns].sort((a, b) => b.length - a.length);
}

/** `text` with every secret value replaced by `***` (leftmost first, the longest where two start together). */
export function maskText(text: string, values: Iterable<string>): string {
  const patterns = maskPatterns(values).map((pattern) => Buffer.from(pattern));
  if (patterns.length === 0) return text;
  return maskBuffer(Buffer.from(text), patterns, patterns[0]!.length, true).out.toString();
}

interface Split {
  readonly out: Buffer;
  readonly rest: Buffer;
}

/**
 * Masks what can be decided in `buf`: a match is taken once every pattern that could start where it does
 * has had room to complete, and the last `longest - 1` bytes wait for more (unless `isEnd`).
 */
function maskBuffer(buf: Buffer, patterns: readonly Buffer[], longest: number, isEnd: boolean): Split {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    let best = -1;
    let bestLength = 0;
    for (const pattern of patterns) {
      const found = buf.indexOf(pattern, at);
      if (found >= 0 && (best < 0 || found < best || (found === best && pattern.length > bestLength))) {
        best = found;
        bestLength = pattern.length;
      }
    }
    if (best < 0) break;
    if (!isEnd && best + longest > buf.length) {
      // A longer secret may start here, or a little before, and end in the next chunk: decide then.
      const cut = Math.min(best, Math.max(at, buf.length - (longest - 1)));
      parts.push(buf.subarray(at, cut));
      return { out: Buffer.concat(parts), rest: buf.subarray(cut) };
    }
    parts.push(buf.subarray(at, best), MASK_BYTES);
    at = best + bestLength;
  }
  const cut = isEnd ? buf.length : Math.max(at, buf.length - (longest - 1));
  parts.push(buf.subarray(at, cut));
  return { out: Buffer.concat(parts), rest: buf.subarray(cut) };
}

/** A Writable that masks secret values on their way to `sink`; ending it flushes what it held back. */
export class SecretMasker extends Writable {
  private readonly patterns: Buffer[];
  private readonly longest: number;
  private carry = Buffer.alloc(0);

  constructor(
    private readonly sink: Writable,
    values: Iterable<string>,
  ) {
    super();
    this.patterns = maskPatterns(values).map((pattern) => Buffer.from(pattern));
    this.longest = Math.max(0, ...this.patterns.map((pattern) => pattern.length));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.patterns.length === 0) {
      this.sink.write(chunk, callback);
      return;
    }
    const { out, rest } = maskBuffer(Buffer.concat([this.carry, chunk]), this.patterns, this.longest, false);
    // Copied: `rest` is a view into a buffer the next concat would otherwise keep alive whole.
    this.carry = Buffer.from(rest);
    if (out.length > 0) this.sink.write(out, callback);
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const { out } = maskBuffer(this.carry, this.patterns, this.longest, true);
    this.carry = Buffer.alloc(0);
    if (out.length > 0) this.sink.write(out, callback);
    else callback();
  }
}
