import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { relocateArtifactTar, withNormalisedTar } from '../../activities/artifact-tar.js';

interface RawEntry {
  readonly name: string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'link';
  readonly content?: string;
  readonly mode?: number;
  readonly linkname?: string;
}

/** A tar shaped like Docker's archive output, with whatever owners, times and order a node happens to have. */
function dockerTar(entries: readonly RawEntry[], noise: { mtime: Date; uid: number }): Readable {
  const pack = tar.pack();
  for (const e of entries) {
    pack.entry(
      {
        name: e.name,
        type: e.type ?? 'file',
        mode: e.mode ?? 0o600,
        mtime: noise.mtime,
        uid: noise.uid,
        gid: noise.uid,
        uname: `user${noise.uid}`,
        ...(e.linkname ? { linkname: e.linkname } : {}),
      },
      e.content ?? '',
    );
  }
  pack.finalize();
  return pack as unknown as Readable;
}

async function listing(archive: Readable) {
  const extract = tar.extract();
  archive.pipe(extract);
  const out: { name: string; type: string; mode: string; uid: number; mtime: number; content: string }[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type,
      mode: h.mode.toString(8),
      uid: h.uid,
      mtime: h.mtime.getTime(),
      content: Buffer.concat(chunks).toString(),
    });
  }
  return out;
}

const normalised = (archive: Readable) => withNormalisedTar(archive, (t) => buffer(t));

describe('normalised artifact tar', () => {
  const model: RawEntry[] = [
    { name: 'model/', type: 'directory', mode: 0o700 },
    { name: 'model/b/', type: 'directory' },
    { name: 'model/b/c', content: 'c' },
    { name: 'model/b.txt', content: 'b', mode: 0o744 },
    { name: 'model/a', content: 'a' },
    { name: 'model/hard', type: 'link', linkname: 'model/a' },
    { name: 'model/soft', type: 'symlink', linkname: 'a' },
  ];

  it('gives the same bytes whatever the order, times, owners and root name Docker reported', async () => {
    const one = await normalised(dockerTar(model, { mtime: new Date(1e12), uid: 1000 }));
    // Docker's walk always starts at the root and links after their target; the rest may come in any order.
    const order = ['model/', 'model/soft', 'model/b.txt', 'model/a', 'model/hard', 'model/b/', 'model/b/c'];
    const renamed = order
      .map((name) => model.find((e) => e.name === name)!)
      .map((e) => ({
        ...e,
        name: e.name.replace(/^model/, 'weights'),
        ...(e.linkname ? { linkname: e.linkname.replace(/^model/, 'weights') } : {}),
      }));
    const two = await normalised(dockerTar(renamed, { mtime: new Date(2e12), uid: 0 }));
    expect(two.equals(one)).toBe(true);
  });

  it('lists the root first, then the contents by name, with fixed owners and times and only the executable bit kept', async () => {
    const entries = await listing(
      Readable.from([await normalised(dockerTar(model, { mtime: new Date(), uid: 7 }))]),
    );
    expect(entries.map((e) => [e.name, e.type, e.mode, e.content])).toEqual([
      ['./', 'directory', '755', ''],
      ['./a', 'file', '644', 'a'],
      ['./b/', 'directory', '755', ''],
      ['./b.txt', 'file', '755', 'b'],
      ['./b/c', 'file', '644', 'c'],
      ['./hard', 'file', '644', 'a'],
      ['./soft', 'symlink', '777', ''],
    ]);
    expect(entries.every((e) => e.uid === 0 && e.mtime === 0)).toBe(true);
  });

  it('keeps a file artifact a single file entry, and places it at the target', async () => {
    const file = await normalised(
      dockerTar([{ name: 'notes.txt', content: 'hi' }], { mtime: new Date(), uid: 1 }),
    );
    expect((await listing(Readable.from([file]))).map((e) => [e.name, e.type])).toEqual([['.', 'file']]);
    const placed = await listing(relocateArtifactTar(Readable.from([file]), 'data/notes.txt', ['data']));
    expect(placed.map((e) => [e.name, e.type, e.content])).toEqual([
      ['data/', 'directory', ''],
      ['data/notes.txt', 'file', 'hi'],
    ]);
  });

  it('refuses an empty archive', async () => {
    await expect(normalised(dockerTar([], { mtime: new Date(), uid: 0 }))).rejects.toThrow(
      'the archive is empty: no file or directory at the path',
    );
  });
});
