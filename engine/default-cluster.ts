/** The zero-configuration cluster: one node, the local Docker engine, sized from `docker info`. */
import { createDockerRuntime } from '../activities/docker-runtime.js';
import { type ClusterSpec, type DockerEndpoint, ClusterSpecSchema } from '../common/cluster-spec.js';

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
  });
}
