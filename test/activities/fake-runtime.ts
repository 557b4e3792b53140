/**
 * An in-memory ContainerRuntime for the activity's own logic: records calls, and keeps one flat filesystem
 * (path → file or directory) that the archive methods read and write like Docker's archive API does.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type Writable } from 'node:stream';
import tar from 'tar-stream';
import type { ContainerRuntime, ContainerSpec, ContainerState } from '../../activities/docker-runtime.js';
import { ImageNotFoundError } from '../../activities/errors.js';

export interface FakeFile {
  readonly type: 'file' | 'directory';
  readonly content: Buffer;
  readonly mode: number;
  readonly uid?: number;
}

export class FakeRuntime implements ContainerRuntime {
  images = new Map<string, string>([['gantry/busybox', `sha256:${'1'.repeat(64)}`]]);
  isPullable = true;
  exitCode = 0;
  isOomKilled = false;
  leftovers: ContainerState[] = [];
  /** Image checks (`hasImage`) made: one Docker call each. */
  imageChecks = 0;
  readonly calls: string[] = [];
  readonly created: ContainerSpec[] = [];
  /** The container's filesystem; `/` always exists. */
  readonly files = new Map<string, FakeFile>([
    ['/tmp', { type: 'directory', content: Buffer.alloc(0), mode: 0o1777 }],
  ]);
  /** Written into `files` when the container "runs" (at start), like a task writing its outputs. */
  writesOnStart = new Map<string, FakeFile>();
  output = ['hello from the fake\n'];

  async hasImage(image: string) {
    this.imageChecks += 1;
    return this.images.has(image);
  }
  async pullImage(image: string) {
    this.calls.push(`pull ${image}`);
    if (!this.isPullable) throw new ImageNotFoundError(image, 'pull access denied');
    this.images.set(image, `sha256:${'2'.repeat(64)}`);
  }
  async imageId(image: string) {
    const id = this.images.get(image);
    if (!id) throw new ImageNotFoundError(image, 'not on this node');
    return id;
  }
  /** Config.User of each image, '' when not listed. */
  readonly imageUsers = new Map<string, string>();
  async imageUser(image: string) {
    if (!this.images.has(image)) throw new ImageNotFoundError(image, 'not on this node');
    return this.imageUsers.get(image) ?? '';
  }
  async createContainer(spec: ContainerSpec) {
    // Docker answers a create for an image it does not have with 404 (the runtime's ImageNotFoundError).
    if (!this.images.has(spec.image))
      throw new ImageNotFoundError(spec.image, `No such image: ${spec.image}`);
    // Docker refuses a name that a container not yet removed holds (409).
    const holder = this.leftovers.find((c) => c.name === spec.name && !this.calls.includes(`remove ${c.id}`));
    if (holder) {
      this.calls.push(`create ${spec.name}: name taken by ${holder.id}`);
      throw new Error(`409: the name ${spec.name} is in use by ${holder.id}`);
    }
    this.created.push(spec);
    this.calls.push(`create ${spec.name}`);
    return `id-${this.created.length}`;
  }
  async startContainer(id: string) {
    this.calls.push(`start ${id}`);
    for (const [file, entry] of this.writesOnStart) this.files.set(file, entry);
  }
  /** Set to make waits hang until the attempt is cancelled (a container that runs on). */
  isWaitForever = false;
  /** Set to make waits fail (an engine that went away under them). */
  waitError: Error | undefined;
  async waitContainer() {
    if (this.waitError) throw this.waitError;
    if (this.isWaitForever) await new Promise(() => undefined);
    return this.exitCode;
  }
  /** Containers a kill reached while they ran (they show SIGKILL's 137). */
  readonly killed = new Set<string>();
  /** Set when the container exits by itself just before a kill reaches it (the kill finds it stopped). */
  isExitedBeforeKill = false;
  async inspectContainer(id: string): Promise<ContainerState> {
    const leftover = this.leftovers.find((c) => c.id === id);
    if (leftover) return leftover;
    return {
      id,
      name: id,
      isRunning: false,
      status: 'exited',
      exitCode: this.killed.has(id) ? 137 : this.exitCode,
      isOomKilled: this.isOomKilled,
      labels: {},
    };
  }
  async findContainers() {
    return this.leftovers;
  }
  async attachOutput(_id: string, sink: Writable) {
    for (const chunk of this.output) sink.write(chunk);
    return { ended: Promise.resolve() };
  }
  async copyLogs(id: string, sink: Writable, follow: boolean) {
    this.calls.push(`logs ${id}${follow ? ' --follow' : ''}`);
    for (const chunk of this.output) sink.write(chunk);
    return { ended: Promise.resolve() };
  }
  async killContainer(id: string) {
    this.calls.push(`kill ${id}`);
    if (!this.isExitedBeforeKill) this.killed.add(id);
  }
  async removeContainer(id: string) {
    this.calls.push(`remove ${id}`);
  }
  async removeVolume(name: string) {
    this.calls.push(`remove volume ${name}`);
  }
  async info() {
    return { cpus: 2, memoryBytes: 2 ** 31, name: 'fake' };
  }
  async ping() {}
  async statPath(_id: string, file: string) {
    if (file === '/') return { isDirectory: true };
    const entry = this.files.get(file);
    return entry ? { isDirectory: entry.type === 'directory' } : undefined;
  }
  /** Like Docker: the root named after the basename, then what is under it (in reverse, with noise). */
  async getArchive(_id: string, file: string) {
    const root = this.files.get(file);
    if (!root) return undefined;
    const base = path.posix.basename(file);
    const under = [...this.files.keys()].filter((p) => p.startsWith(`${file}/`)).reverse();
    const pack = tar.pack();
    const add = (name: string, entry: FakeFile) =>
      pack.entry(
        {
          name,
          type: entry.type,
          mode: entry.mode,
          mtime: new Date(),
          uid: entry.uid ?? 1000,
          gid: 1000,
          uname: 'someone',
        },
        entry.type === 'file' ? entry.content : Buffer.alloc(0),
      );
    add(base, root);
    for (const p of under) add(`${base}/${p.slice(file.length + 1)}`, this.files.get(p)!);
    pack.finalize();
    return pack as unknown as Readable;
  }
  async putArchive(_id: string, base: string, archive: Readable) {
    this.calls.push(`put ${base}`);
    const extract = tar.extract();
    archive.pipe(extract);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      const { name, type, mode, uid } = entry.header;
      this.files.set(path.posix.join(base, name.replace(/\/+$/, '')), {
        type: type === 'directory' ? 'directory' : 'file',
        content: Buffer.concat(chunks),
        mode,
        uid,
      });
    }
  }
}

export function fakeFile(content: string | Buffer, mode = 0o644): FakeFile {
  return { type: 'file', content: Buffer.isBuffer(content) ? content : Buffer.from(content), mode };
}

export function fakeDir(mode = 0o755): FakeFile {
  return { type: 'directory', content: Buffer.alloc(0), mode };
}
