/**
 * The only file that talks to dockerode. It exposes a narrow, domain-shaped interface and turns Docker's
 * HTTP errors into the shell's typed errors, so the rest of the code never sees a status code.
 */
import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { DockerEndpoint } from '../common/cluster-spec.js';
import { type ContainerSpec, toCreateOptions } from './container-spec.js';
import {
  DockerUnavailableError,
  ImageNotFoundError,
  ImagePullError,
  InvalidTaskConfigError,
} from './errors.js';

export type { ContainerSpec } from './container-spec.js';

export interface ContainerState {
  readonly id: string;
  readonly name: string;
  readonly isRunning: boolean;
  /** Docker's state name: created, running, paused, restarting, removing, exited or dead. */
  readonly status: string;
  readonly exitCode: number;
  readonly isOomKilled: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** When Docker created it (ms since the epoch). */
  readonly createdAt?: number;
}

export interface ContainerRuntime {
  hasImage(image: string): Promise<boolean>;
  pullImage(image: string): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Resolves with the exit code once the container stops. */
  waitContainer(id: string): Promise<number>;
  inspectContainer(id: string): Promise<ContainerState | undefined>;
  findContainers(labels: Readonly<Record<string, string>>): Promise<ContainerState[]>;
  /**
   * Attaches to a created container's stdout and stderr, before it starts, so no output is missed however
   * fast it comes; `ended` settles when the container's output closes.
   */
  attachOutput(id: string, sink: Writable): Promise<{ readonly ended: Promise<void> }>;
  /**
   * Copies everything a container has printed so far into `sink`, and with `follow` what it prints until it
   * stops: how an attempt adopts a container an earlier run of it started (see attempt-record.ts).
   */
  copyLogs(id: string, sink: Writable, follow: boolean): Promise<{ readonly ended: Promise<void> }>;
  killContainer(id: string): Promise<void>;
  removeContainer(id: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
  info(): Promise<{ cpus: number; memoryBytes: number; name: string }>;
  /** Whether the engine answers at all (`/_ping`: cheap even on a busy engine, unlike `info`). */
  ping(): Promise<void>;
  /** The image's content id (`sha256:…`) on this node; ImageNotFoundError when it is not here. */
  imageId(image: string): Promise<string>;
  /** The image's configured user (`Config.User`, '' when unset); ImageNotFoundError when it is not here. */
  imageUser(image: string): Promise<string>;
  /** What is at `path` in a (created or stopped) container, or undefined when nothing is. */
  statPath(id: string, path: string): Promise<{ readonly isDirectory: boolean } | undefined>;
  /** A tar of the file or directory at `path` (root entry named after its basename), or undefined. */
  getArchive(id: string, path: string): Promise<Readable | undefined>;
  /** Extracts `tar` into the existing directory `path`, keeping the tar's owners and modes. */
  putArchive(id: string, path: string, tar: Readable): Promise<void>;
}

interface DockerHttpError {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
  message?: string;
}

function describe(err: unknown): { status: number | undefined; code: string | undefined; message: string } {
  const e = (err ?? {}) as DockerHttpError;
  return { status: e.statusCode, code: e.code, message: e.json?.message ?? e.message ?? String(err) };
}

/** Connection-level failures and 5xx answers are transient; everything else is the caller's to classify. */
function isUnavailable(err: unknown): boolean {
  const { status, code } = describe(err);
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    (status !== undefined && status >= 500 && status !== 501)
  );
}

function unavailable(what: string, err: unknown): DockerUnavailableError {
  return new DockerUnavailableError(`docker: ${what}: ${describe(err).message}`, { cause: err });
}

// Docker answers an unknown image on pull with 404, 401/403 for private names, or 500 wrapping a failed
// registry lookup; all of those mean "this name cannot be had here", so none is worth a retry.
const PERMANENT_PULL_ERRORS = [
  /not found/i,
  /manifest unknown/i,
  /pull access denied/i,
  /repository does not exist/i,
  /no such host/i,
  /invalid reference format/i,
];

/**
 * How long a short Docker call (inspect, create, start, kill, remove, list) may stay silent before it is
 * abandoned as DockerUnavailable. An engine can hang with its socket open (seen here under load: the API
 * answered nothing, and every activity waiting on it heartbeated forever); the platform retry then
 * decides. Generous, because a busy engine on a small host takes seconds to create a container.
 */
export const DOCKER_CALL_TIMEOUT_MS = 90_000;

function streamEnd(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
  });
}

export function createDockerRuntime(
  endpoint: DockerEndpoint,
  callTimeoutMs = DOCKER_CALL_TIMEOUT_MS,
): ContainerRuntime {
  const options = dockerodeOptions(endpoint);
  const docker = new Docker({ ...options, timeout: callTimeoutMs });
  // Waits, attaches, log follows, pulls and archives stay silent or stream for as long as the task runs:
  // they get a client without the idle timeout (a container's own limit is enforced by the activity).
  const streams = new Docker(options);

  async function pullImage(image: string): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await streams.pull(image);
    } catch (err) {
      const { message, status } = describe(err);
      if (PERMANENT_PULL_ERRORS.some((re) => re.test(message)) || status === 404) {
        throw new ImageNotFoundError(image, `not on this node and the pull failed: ${message}`, {
          cause: err,
        });
      }
      if (isUnavailable(err) && status === undefined) throw unavailable(`pull ${image}`, err);
      throw new ImagePullError(image, message, { cause: err });
    }
    await new Promise<void>((resolve, reject) => {
      streams.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
        const failure = err?.message ?? events.find((event) => event.error)?.error;
        if (!failure) resolve();
        else if (PERMANENT_PULL_ERRORS.some((re) => re.test(failure)))
          reject(new ImageNotFoundError(image, failure));
        else reject(new ImagePullError(image, failure));
      });
    });
  }

  function toState(info: Docker.ContainerInspectInfo): ContainerState {
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      isRunning: info.State.Running,
      status: info.State.Status,
      exitCode: info.State.ExitCode,
      isOomKilled: info.State.OOMKilled,
      labels: info.Config.Labels ?? {},
      createdAt: Date.parse(info.Created),
    };
  }

  return {
    async hasImage(image) {
      try {
        await docker.getImage(image).inspect();
        return true;
      } catch (err) {
        if (describe(err).status === 404) return false;
        throw unavailable(`inspect image ${image}`, err);
      }
    },
    pullImage,
    async createContainer(spec) {
      try {
        const container = await docker.createContainer(toCreateOptions(spec));
        return container.id;
      } catch (err) {
        const { status, message } = describe(err);
        if (status === 404) throw new ImageNotFoundError(spec.image, message, { cause: err });
        if (status === 400)
          throw new InvalidTaskConfigError(`docker refused container "${spec.name}": ${message}`, {
            cause: err,
          });
        throw unavailable(`create ${spec.name}`, err);
      }
    },
    async startContainer(id) {
      try {
        await docker.getContainer(id).start();
      } catch (err) {
        const { status, message } = describe(err);
        // 304: already started, which a retried activity may find.
        if (status === 304) return;
        // A 500 that names the task's command or device is the task's; one from the engine's own stores
        // (an engine going down mid-start: "failed to update store for object type *libnetwork.endpoint:
        // open : no such file or directory") is the platform's.
        const isEngineTrouble = /libnetwork|failed to update store|database|shim|containerd|transport/i.test(
          message,
        );
        if (
          status === 400 ||
          (status === 500 &&
            !isEngineTrouble &&
            /executable file not found|no such file or directory|permission denied|could not select device driver/i.test(
              message,
            ))
        ) {
          throw new InvalidTaskConfigError(`container ${id.slice(0, 12)} cannot start: ${message}`, {
            cause: err,
          });
        }
        throw unavailable(`start ${id.slice(0, 12)}`, err);
      }
    },
    async waitContainer(id) {
      try {
        const result = (await streams.getContainer(id).wait()) as { StatusCode: number };
        return result.StatusCode;
      } catch (err) {
        throw unavailable(`wait ${id.slice(0, 12)}`, err);
      }
    },
    async inspectContainer(id) {
      try {
        return toState(await docker.getContainer(id).inspect());
      } catch (err) {
        if (describe(err).status === 404) return undefined;
        throw unavailable(`inspect ${id.slice(0, 12)}`, err);
      }
    },
    async findContainers(labels) {
      try {
        const list = await docker.listContainers({
          all: true,
          filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
        });
        return list.map((c) => ({
          id: c.Id,
          name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
          isRunning: c.State === 'running',
          status: c.State,
          exitCode: 0,
          isOomKilled: false,
          labels: c.Labels,
          createdAt: c.Created * 1000,
        }));
      } catch (err) {
        throw unavailable('list containers', err);
      }
    },
    async attachOutput(id, sink) {
      let stream: NodeJS.ReadWriteStream;
      let timer: NodeJS.Timeout | undefined;
      try {
        // Attached before the start (see run-container.ts), so there is nothing earlier to replay; with
        // `logs: true` Docker may also replay what the live stream already delivered, and a fast task's
        // output then appears twice in its log.
        // The handshake is bounded, not the stream: an engine going down mid-hijack never answered it.
        stream = await Promise.race([
          streams.getContainer(id).attach({ stream: true, stdout: true, stderr: true, logs: false }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer to attach')), callTimeoutMs);
          }),
        ]);
      } catch (err) {
        throw unavailable(`attach ${id.slice(0, 12)}`, err);
      } finally {
        clearTimeout(timer);
      }
      streams.modem.demuxStream(stream, sink, sink);
      return { ended: streamEnd(stream) };
    },
    async copyLogs(id, sink, follow) {
      try {
        const container = streams.getContainer(id);
        if (!follow) {
          // Without follow Docker answers with the whole (multiplexed) log at once.
          const all = await container.logs({ stdout: true, stderr: true, follow: false });
          const stream = new PassThrough();
          streams.modem.demuxStream(stream, sink, sink);
          const ended = streamEnd(stream);
          stream.end(all);
          return { ended };
        }
        const stream = await container.logs({ stdout: true, stderr: true, follow: true });
        streams.modem.demuxStream(stream, sink, sink);
        return { ended: streamEnd(stream) };
      } catch (err) {
        throw unavailable(`logs of ${id.slice(0, 12)}`, err);
      }
    },
    async killContainer(id) {
      try {
        await docker.getContainer(id).kill();
      } catch (err) {
        const { status } = describe(err);
        // 404: gone already; 409: not running. Both are the state we wanted.
        if (status === 404 || status === 409) return;
        throw unavailable(`kill ${id.slice(0, 12)}`, err);
      }
    },
    async removeContainer(id) {
      try {
        // `v` removes anonymous volumes only (a read-only task's /gantry): the run's named workspace stays.
        await docker.getContainer(id).remove({ force: true, v: true });
      } catch (err) {
        const { status } = describe(err);
        if (status === 404 || status === 409) return;
        throw unavailable(`remove ${id.slice(0, 12)}`, err);
      }
    },
    async removeVolume(name) {
      try {
        await docker.getVolume(name).remove();
      } catch (err) {
        if (describe(err).status === 404) return;
        throw unavailable(`remove volume ${name}`, err);
      }
    },
    async imageId(image) {
      try {
        return (await docker.getImage(image).inspect()).Id;
      } catch (err) {
        if (describe(err).status === 404)
          throw new ImageNotFoundError(image, 'not on this node', { cause: err });
        throw unavailable(`inspect image ${image}`, err);
      }
    },
    async imageUser(image) {
      try {
        return (await docker.getImage(image).inspect()).Config?.User ?? '';
      } catch (err) {
        if (describe(err).status === 404)
          throw new ImageNotFoundError(image, 'not on this node', { cause: err });
        throw unavailable(`inspect image ${image}`, err);
      }
    },
    async statPath(id, path) {
      let response: IncomingMessage;
      try {
        response = (await docker.getContainer(id).infoArchive({ path })) as IncomingMessage;
      } catch (err) {
        // The container was just made by this activity, so a 404 is about the path.
        if (describe(err).status === 404) return undefined;
        throw unavailable(`stat ${path} in ${id.slice(0, 12)}`, err);
      }
      response.resume();
      const header = response.headers['x-docker-container-path-stat'];
      const stat = JSON.parse(Buffer.from(String(header ?? 'e30='), 'base64').toString('utf8')) as {
        mode?: number;
      };
      // Go's os.ModeDir is the top bit of a uint32, beyond what JS bitwise operators keep.
      return { isDirectory: Math.floor((stat.mode ?? 0) / 2 ** 31) % 2 === 1 };
    },
    async getArchive(id, path) {
      try {
        return (await streams.getContainer(id).getArchive({ path })) as Readable;
      } catch (err) {
        if (describe(err).status === 404) return undefined;
        throw unavailable(`read ${path} from ${id.slice(0, 12)}`, err);
      }
    },
    async putArchive(id, path, tar) {
      try {
        const response = await streams.getContainer(id).putArchive(tar, { path });
        (response as unknown as Readable | undefined)?.resume?.();
      } catch (err) {
        const { status, message } = describe(err);
        // 400/403/404: the directory is missing, read-only or not a directory; retrying will not change that.
        if (status === 400 || status === 403 || status === 404 || /not a directory/i.test(message)) {
          throw new InvalidTaskConfigError(`cannot write into ${path} in ${id.slice(0, 12)}: ${message}`, {
            cause: err,
          });
        }
        throw unavailable(`write into ${path} in ${id.slice(0, 12)}`, err);
      }
    },
    async ping() {
      try {
        await docker.ping();
      } catch (err) {
        throw unavailable('ping', err);
      }
    },
    async info() {
      try {
        const info = (await docker.info()) as { NCPU: number; MemTotal: number; Name: string };
        return { cpus: info.NCPU, memoryBytes: info.MemTotal, name: info.Name };
      } catch (err) {
        throw unavailable('info', err);
      }
    },
  };
}

/**
 * dockerode's connection options for an endpoint: a socket, or host and port, with the TLS files read now
 * (once per worker: a renewed certificate takes a worker restart).
 */
export function dockerodeOptions(endpoint: DockerEndpoint): Docker.DockerOptions {
  if ('socketPath' in endpoint) return { socketPath: endpoint.socketPath };
  const { tls, ...address } = endpoint;
  if (!tls) return address;
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new DockerUnavailableError(
        `docker ${endpoint.host}:${endpoint.port}: cannot read the TLS ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
  };
  return {
    ...address,
    ca: read('CA', tls.ca),
    cert: read('certificate', tls.cert),
    key: read('key', tls.key),
  };
}
