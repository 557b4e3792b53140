import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CappedLogWriter } from '../../activities/log-cap.js';

async function capture(limit: number, chunks: string[]): Promise<{ text: string; dropped: number }> {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => parts.push(chunk));
  const capped = new CappedLogWriter(sink, limit);
  for (const chunk of chunks) capped.write(chunk);
  await new Promise<void>((resolve) => capped.end(resolve));
  return { text: Buffer.concat(parts).toString('utf8'), dropped: capped.droppedBytes };
}

describe('CappedLogWriter', () => {
  it('passes output under the cap through unchanged', async () => {
    expect(await capture(100, ['hello\n', 'world\n'])).toEqual({ text: 'hello\nworld\n', dropped: 0 });
  });

  it('keeps the first bytes up to the cap, marks the cut once and counts what it dropped', async () => {
    const { text, dropped } = await capture(10, ['0123456', '789abcdef', 'ghij']);
    expect(dropped).toBe(10);
    expect(text).toBe(
      '0123456789\n[gantry: log cut at 10 bytes (GANTRY_LOG_LIMIT_MIB); the rest of the output is dropped]\n' +
        '[gantry: 10 bytes of output dropped]\n',
    );
  });
});
