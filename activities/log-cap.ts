/**
 * A size cap on an attempt's log file: a task that prints without end must not fill the worker's disk. The
 * first `limitBytes` are kept, then one marker line, and the rest is counted and dropped; the container's
 * own output is never blocked (dropping keeps the Docker log stream flowing).
 */
import { Writable } from 'node:stream';

export const DEFAULT_LOG_LIMIT_BYTES = 64 * 1024 * 1024;

export class CappedLogWriter extends Writable {
  private written = 0;
  private dropped = 0;

  constructor(
    private readonly sink: Writable,
    private readonly limitBytes: number,
  ) {
    super();
  }

  /** Bytes the cap threw away. */
  get droppedBytes(): number {
    return this.dropped;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const room = Math.max(0, this.limitBytes - this.written);
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.written += kept.length;
    const droppedNow = chunk.length - kept.length;
    const isFirstCut = droppedNow > 0 && this.dropped === 0;
    this.dropped += droppedNow;
    if (!isFirstCut) {
      if (kept.length > 0) this.sink.write(kept, callback);
      else callback();
      return;
    }
    if (kept.length > 0) this.sink.write(kept);
    this.sink.write(
      `\n[gantry: log cut at ${this.limitBytes} bytes (GANTRY_LOG_LIMIT_MIB); the rest of the output is dropped]\n`,
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.dropped === 0) {
      callback();
      return;
    }
    this.sink.write(`[gantry: ${this.dropped} bytes of output dropped]\n`, callback);
  }
}
