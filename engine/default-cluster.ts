/** The zero-configuration cluster: one node, the local Docker engine, sized from `docker info`. */
import { createDockerRuntime } from '../activities/docker-runtime.js';
import { type ClusterSpec, type DockerEndpoint, ClusterSpecSchema } from '../common/cluster-spec.js';

/**
 * Clusters made here (`gantry up`, a first `gantry run`) run tasks as non-root unless a task says
 * `runAsNonRoot: false`. Only new ones: a running service keeps its spec, and a cluster file without
 * `security` keeps today's behaviour (root allowed).
 */
export const NEW_CLUSTER_SECURITY = { runAsNonRoot: true } as const;

// The host keeps a slice of memory for itself, dockerd and the worker; containers get the rest.
const HOST_MEMORY_RESERVE_FRACTION = 0.1;

export function localDockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const host = env['DOCKER_HOST'];
  if (host?.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace('tcp://', 'http://'));
    return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
  }
  return { socketPath: '/var/run/docker.sock' };
}

export async function defaultClusterSpec(
  clusterName: string,
  endpoint: DockerEndpoint = localDockerEndpoint(),
): Promise<ClusterSpec> {
  const info = await createDockerRuntime(endpoint).info();
  const memoryMiB = Math.floor((info.memoryBytes / 1024 / 1024) * (1 - HOST_MEMORY_RESERVE_FRACTION));
  return ClusterSpecSchema.parse({
    name: clusterName,
    nodes: [
      {
        id: 'local',
        capacity: { cpu: info.cpus, memoryMiB },
        attributes: { host: info.name },
        docker: endpoint,
      },
    ],
    security: NEW_CLUSTER_SECURITY,
  });
}

/**
 * The cluster of `gantry up --nodes N`: one node per Docker engine that scripts/ensure-nodes.sh started, named
 * n1…nN, each with an equal share of the host (they share its cores and memory; an engine's own `docker
 * info` would report the whole host to each).
 */
export async function localNodesClusterSpec(
  clusterName: string,
  sockets: readonly string[],
): Promise<ClusterSpec> {
  const info = await createDockerRuntime({ socketPath: sockets[0]! }).info();
  const memoryMiB = Math.floor((info.memoryBytes / 1024 / 1024) * (1 - HOST_MEMORY_RESERVE_FRACTION));
  // Halves of a core at least: a share below that would not hold a default task.
  const cpu = Math.max(0.5, Math.floor((info.cpus / sockets.length) * 2) / 2);
  return ClusterSpecSchema.parse({
    name: clusterName,
    nodes: sockets.map((socketPath, i) => ({
      id: `n${i + 1}`,
      capacity: { cpu, memoryMiB: Math.floor(memoryMiB / sockets.length) },
      attributes: { engine: `node-${i + 1}`, host: info.name },
      docker: { socketPath },
    })),
    security: NEW_CLUSTER_SECURITY,
  });
}
