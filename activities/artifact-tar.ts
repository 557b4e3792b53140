/**
 * The one on-disk form of an artifact: a normalised tar, so that the same file or directory gives the
 * same bytes (and so the same digest) whichever node produced it and whatever Docker put in the headers.
 *
 * Format: the root comes first, named `.` (a regular file) or `./` (a directory); a directory's contents
 * follow as `./rel/path`, sorted by name, which also puts every directory before what it holds. Headers
 * carry mtime 0, uid/gid 0, no user names, and mode 0755 for directories and executable files, 0644 for
 * other files, 0777 for symlinks. Hard links become plain copies (which of two names Docker made the link
 * is not stable); devices and fifos are dropped.
 *
 * Normalising spools file contents to a temporary file (only headers stay in memory), so artifacts of any
 * size stream through: O(total size) disk, O(entries · log entries) time.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

interface SpooledEntry {
  /** `.` for the root, else the path relative to it. */
  readonly rel: string;
  readonly type: 'file' | 'directory' | 'symlink';
  readonly isExecutable: boolean;
  readonly linkname: string;
  readonly offset: number;
  readonly size: number;
}

const EPOCH = new Date(0);

function entryName(rel: string, type: SpooledEntry['type']): string {
  if (rel === '.') return type === 'directory' ? './' : '.';
  return type === 'directory' ? `./${rel}/` : `./${rel}`;
}

function modeOf(entry: SpooledEntry): number {
  if (entry.type === 'symlink') return 0o777;
  return entry.type === 'directory' || entry.isExecutable ? 0o755 : 0o644;
}

/** Writes one entry and resolves once the pack has taken all of it: entries of a pack must not overlap. */
function writeEntry(
  pack: tar.Pack,
  header: Partial<tar.Header> & { name: string },
  content?: Readable,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (!content) {
      pack.entry(header, Buffer.alloc(0), done);
      return;
    }
    const sink = pack.entry(header, done);
    content.on('error', (err) => sink.destroy(err));
    content.pipe(sink);
  });
}

/** The normalised header of an entry: only the fields that describe content. */
function headerOf(name: string, type: tar.Header['type'], mode: number, size = 0, linkname = '') {
  return { name, type, mode, size, linkname, mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' };
}

/**
 * Reads a tar as Docker's archive endpoint returns it (one root entry named after the path's basename, and
 * for a directory everything under it) and hands `consume` the normalised tar; the spool is removed when
 * `consume` settles. An empty source (no root) is an error.
 */
export async function withNormalisedTar<T>(
  source: Readable,
  consume: (normalised: Readable) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-artifact-'));
  const spoolPath = path.join(dir, 'spool');
  try {
    const entries = await spool(source, spoolPath);
    const pack = tar.pack();
    const writing = (async () => {
      for (const entry of entries) {
        const header = headerOf(entryName(entry.rel, entry.type), entry.type, modeOf(entry));
        if (entry.type === 'file' && entry.size > 0) {
          const content = createReadStream(spoolPath, {
            start: entry.offset,
            end: entry.offset + entry.size - 1,
          });
          await writeEntry(pack, { ...header, size: entry.size }, content);
        } else {
          await writeEntry(pack, { ...header, linkname: entry.linkname });
        }
      }
      pack.finalize();
    })().catch((err: unknown) => {
      pack.destroy(err as Error);
      throw err;
    });
    const consuming = consume(pack as unknown as Readable).catch((err: unknown) => {
      pack.destroy(err as Error);
      throw err;
    });
    const [result] = await Promise.all([consuming, writing]);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function spool(source: Readable, spoolPath: string): Promise<SpooledEntry[]> {
  const handle = await open(spoolPath, 'w');
  try {
    const extract = tar.extract();
    source.on('error', (err) => extract.destroy(err));
    source.pipe(extract);
    const byName = new Map<string, SpooledEntry>();
    let root: string | undefined;
    let offset = 0;
    for await (const entry of extract) {
      const header = entry.header;
      const name = header.name.replace(/\/+$/, '');
      root ??= name;
      const rel = name === root ? '.' : name.startsWith(`${root}/`) ? name.slice(root.length + 1) : undefined;
      if (rel === undefined || rel.split('/').includes('..')) {
        entry.resume();
        continue;
      }
      let spooled: SpooledEntry | undefined;
      if (header.type === 'file' || header.type === 'contiguous-file') {
        const start = offset;
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          await handle.write(chunk, 0, chunk.length, offset);
          offset += chunk.length;
        }
        const isExecutable = (header.mode & 0o111) !== 0;
        spooled = { rel, type: 'file', isExecutable, linkname: '', offset: start, size: offset - start };
      } else {
        entry.resume();
        if (header.type === 'directory' || header.type === 'symlink') {
          spooled = {
            rel,
            type: header.type,
            isExecutable: false,
            linkname: header.linkname,
            offset,
            size: 0,
          };
        } else if (header.type === 'link') {
          const target = byName.get(header.linkname.replace(/\/+$/, ''));
          if (target?.type === 'file') spooled = { ...target, rel };
        }
      }
      if (spooled) byName.set(name, spooled);
    }
    if (root === undefined) throw new Error('the archive is empty: no file or directory at the path');
    return [...byName.values()].sort((a, b) => compareNames(sortKey(a.rel), sortKey(b.rel)));
  } finally {
    await handle.close();
  }
}

function sortKey(rel: string): string {
  return rel === '.' ? '.' : `./${rel}`;
}

// Byte order, not locale order: the digest must not depend on the worker's locale.
function compareNames(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/**
 * Turns a stored artifact into the tar for Docker's archive upload at `base`: the root lands at
 * `base/targetRel`, preceded by directory entries (0755) for `missingDirs` (relative to `base`, parents
 * first) so that the artifact's parent exists.
 */
export function relocateArtifactTar(
  artifact: Readable,
  targetRel: string,
  missingDirs: readonly string[],
): Readable {
  const pack = tar.pack();
  const extract = tar.extract();
  artifact.on('error', (err) => extract.destroy(err));
  artifact.pipe(extract);
  void (async () => {
    for (const dir of missingDirs) await writeEntry(pack, headerOf(`${dir}/`, 'directory', 0o755));
    for await (const entry of extract) {
      const { header } = entry;
      const rel = header.name.replace(/^\.\/?/, '').replace(/\/+$/, '');
      const name = rel === '' ? targetRel : `${targetRel}/${rel}`;
      const relocated = { ...header, name: header.type === 'directory' ? `${name}/` : name };
      if (header.type === 'file' && header.size > 0)
        await writeEntry(pack, relocated, entry as unknown as Readable);
      else {
        entry.resume();
        await writeEntry(pack, relocated);
      }
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return pack as unknown as Readable;
}

/** A tar of directories only (names relative to the upload's base, parents first), e.g. the outputs dir. */
export function directoriesTar(dirs: readonly { readonly name: string; readonly mode: number }[]): Readable {
  const pack = tar.pack();
  void (async () => {
    for (const dir of dirs) await writeEntry(pack, headerOf(`${dir.name}/`, 'directory', dir.mode));
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return pack as unknown as Readable;
}
